//! Determinism: the log is the processing order, so replaying the same log gives the same
//! batches, the same witnesses' roots, the same state and the same books; and a refused
//! input changes nothing.

mod common;

use common::{config, order, signer};
use proofbook_circuits::commit::StateTrees;
use proofbook_circuits::hash::Digest;
use proofbook_circuits::order::{OrderFlags, Side};
use proofbook_circuits::state::State;
use proofbook_sequencer::core::{Core, Input, Outcome};
use proofbook_sequencer::node::{open_datadir, replay};
use proofbook_sequencer::storage::Store;
use rand::{Rng, SeedableRng};

/// A random but realistic flow of inputs for accounts 1..=4 (some of them refused).
fn flow(seed: u64, n: usize, now: u64) -> Vec<Input> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut nonces = [0u32; 5];
    let mut acct_nonce = [0u32; 5];
    let mut out = Vec::new();
    let mut t = now;
    for i in 0..n {
        let a = rng.random_range(1..=4u32);
        if i % 25 == 24 {
            t += 1;
            out.push(Input::Tick { timestamp: t });
            continue;
        }
        if rng.random_range(0..10) == 0 && nonces[a as usize] > 0 {
            let target = rng.random_range(1..=nonces[a as usize]);
            out.push(Input::Cancel(signer(a).cancel(&config(), a, target, acct_nonce[a as usize])));
            acct_nonce[a as usize] += 1;
            continue;
        }
        nonces[a as usize] += 1;
        let side = if rng.random::<bool>() { Side::Buy } else { Side::Sell };
        let ticks = rng.random_range(-5i64..=5);
        let price = u32::try_from(100_000_000 + ticks * 100_000).unwrap();
        let flags = match rng.random_range(0..3) {
            0 => OrderFlags { ioc: true, ..OrderFlags::default() },
            1 => OrderFlags { post_only: true, ..OrderFlags::default() },
            _ => OrderFlags::default(),
        };
        let size = rng.random_range(1..=20);
        out.push(Input::Order(order(a, 1, side, price, size, nonces[a as usize], flags)));
    }
    out
}

struct Run {
    seqs: Vec<Option<u64>>,
    batches: Vec<(u64, Vec<u8>, u64)>,
    roots: Vec<Digest>,
    final_root: Digest,
    books: String,
}

fn run(core: &mut Core, inputs: &[Input]) -> Run {
    let mut trees = StateTrees::build(&State::genesis(core.genesis()).unwrap());
    let mut r = Run {
        seqs: vec![],
        batches: vec![],
        roots: vec![],
        final_root: Digest::default(),
        books: String::new(),
    };
    for input in inputs {
        let root_before = core.state().state_root();
        match core.process(input) {
            Ok((seq, outcome)) => {
                r.seqs.push(Some(seq));
                if let Outcome::Tick(Some(b)) = outcome {
                    let w = trees.witness(&b.journal);
                    assert_eq!(w.len() as u64, b.tx_count);
                    r.roots.push(trees.root());
                    r.batches.push((b.data.timestamp, b.data.pubdata, b.last_seq));
                }
            }
            Err(_) => {
                r.seqs.push(None);
                assert_eq!(
                    core.state().state_root(),
                    root_before,
                    "a refused {input:?} changed the state"
                );
            }
        }
    }
    r.final_root = core.state().state_root();
    r.books = format!("{:?}", core.matcher().fingerprint());
    r
}

#[test]
fn replaying_a_log_twice_gives_the_same_batches_and_roots() {
    let dir = tempfile::tempdir().unwrap();
    let (store, genesis) = open_datadir(dir.path(), 4).unwrap();
    let genesis_log: Vec<(u64, Input)> = store.log_from(0).unwrap();
    let all: Vec<Input> = genesis_log
        .iter()
        .map(|(_, i)| i.clone())
        .chain(flow(7, 300, genesis.timestamp + 1))
        .collect();
    let mut live = Core::new(genesis.clone()).unwrap();
    let live_run = run(&mut live, &all);
    let accepted = live_run.seqs.iter().filter(|s| s.is_some()).count() - genesis_log.len();
    assert!(accepted > 150 && accepted < 300, "a mix of accepted and refused inputs: {accepted}");
    assert!(live_run.batches.len() >= 5);
    assert!(live.matcher().resting_count() > 0);
    assert!(live.matcher().recent_trades(1, 10).len() == 10, "the flow trades");

    // The log: what was accepted, in order.
    let log: Vec<Input> = all
        .iter()
        .zip(&live_run.seqs)
        .filter(|(_, s)| s.is_some())
        .map(|(i, _)| i.clone())
        .collect();
    let replays: Vec<Run> = (0..2)
        .map(|_| {
            let mut core = Core::new(genesis.clone()).unwrap();
            run(&mut core, &log)
        })
        .collect();
    for r in &replays {
        assert!(r.seqs.iter().all(Option::is_some), "every logged input applies again");
        assert_eq!(r.batches, live_run.batches, "same batches");
        assert_eq!(r.roots, live_run.roots, "same roots after every batch");
        assert_eq!(r.final_root, live_run.final_root);
        assert_eq!(r.books, live_run.books);
    }

    // Through RocksDB: append, reopen, replay.
    let records: Vec<(u64, Input)> = log
        .iter()
        .cloned()
        .enumerate()
        .skip(genesis_log.len())
        .map(|(i, x)| (i as u64, x))
        .collect();
    store.append(&records).unwrap();
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    let again = replay(&store, &genesis, |_| {}).unwrap();
    assert_eq!(again.state().state_root(), live_run.final_root);
    assert_eq!(format!("{:?}", again.matcher().fingerprint()), live_run.books);
    assert_eq!(again.next_seq(), log.len() as u64);
}

//! Determinism: the log is the processing order, so replaying the same log gives the same
//! batches, the same witnesses' roots, the same state and the same books; and a refused
//! input changes nothing. The flow includes the risk engine's scheduled inputs (oracle
//! updates, funding rounds, liquidation runs).

mod common;

use common::{config, order, signer};
use proofbook_circuits::commit::StateTrees;
use proofbook_circuits::hash::Digest;
use proofbook_circuits::order::{OrderFlags, Side};
use proofbook_circuits::state::{Genesis, State};
use proofbook_sequencer::core::{Checkpoint, Core, Input};
use proofbook_sequencer::devnet;
use proofbook_sequencer::node::{engine_config, open_datadir, replay};
use proofbook_sequencer::storage::Store;
use rand::{Rng, SeedableRng};

/// A random but realistic flow of inputs for accounts 1..=4 (some of them refused), with
/// signed oracle updates, funding rounds and liquidation runs.
fn flow(seed: u64, n: usize, genesis: &Genesis) -> Vec<Input> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut oracle = devnet::oracle(seed).unwrap();
    let prices = State::genesis(genesis).unwrap();
    let now = genesis.timestamp + 1;
    let mut nonces = [0u32; 5];
    let mut acct_nonce = [0u32; 5];
    let mut out = Vec::new();
    let mut t = now;
    for i in 0..n {
        let a = rng.random_range(1..=4u32);
        if i % 25 == 24 {
            t += 1;
            out.push(Input::Tick { timestamp: t });
            if i % 100 == 99 {
                out.extend(oracle.tick(&prices, t).into_iter().map(Input::Oracle));
                out.push(Input::Funding);
                out.push(Input::Liquidations);
            }
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
                if let Some(b) = outcome.sealed {
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
    r.books = format!("{:?}", core.engine().fingerprint());
    r
}

#[test]
fn replaying_a_log_twice_gives_the_same_batches_and_roots() {
    let dir = tempfile::tempdir().unwrap();
    let (store, genesis) = open_datadir(dir.path(), 4).unwrap();
    let genesis_log: Vec<(u64, Input)> = store.log_from(0).unwrap();
    let all: Vec<Input> =
        genesis_log.iter().map(|(_, i)| i.clone()).chain(flow(7, 300, &genesis)).collect();
    let mut live = Core::new(genesis.clone(), engine_config().unwrap()).unwrap();
    let live_run = run(&mut live, &all);
    let accepted = live_run.seqs.iter().filter(|s| s.is_some()).count() - genesis_log.len();
    let total = all.len() - genesis_log.len();
    assert!(
        accepted > total / 2 && accepted < total,
        "a mix of accepted and refused inputs: {accepted} of {total}"
    );
    assert!(live_run.batches.len() >= 5);
    assert!(live.engine().resting_count() > 0);
    assert!(live.recent_trades(1, 10).len() == 10, "the flow trades");

    // The log: what was accepted, in order.
    let log: Vec<Input> = all
        .iter()
        .zip(&live_run.seqs)
        .filter(|(_, s)| s.is_some())
        .map(|(i, _)| i.clone())
        .collect();
    let replays: Vec<Run> = (0..2)
        .map(|_| {
            let mut core = Core::new(genesis.clone(), engine_config().unwrap()).unwrap();
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
    assert_eq!(format!("{:?}", again.engine().fingerprint()), live_run.books);
    assert_eq!(again.next_seq(), log.len() as u64);
}

#[test]
fn a_checkpoint_restores_a_core_that_behaves_identically() {
    let dir = tempfile::tempdir().unwrap();
    let (store, genesis) = open_datadir(dir.path(), 4).unwrap();
    let genesis_log: Vec<(u64, Input)> = store.log_from(0).unwrap();
    let all: Vec<Input> =
        genesis_log.iter().map(|(_, i)| i.clone()).chain(flow(11, 400, &genesis)).collect();
    let mut full = Core::new(genesis.clone(), engine_config().unwrap()).unwrap();
    let mut restored: Option<Core> = None;
    let mut compared = 0;
    for (i, input) in all.iter().enumerate() {
        let a = full.process(input);
        if let Some(core) = restored.as_mut() {
            let b = core.process(input);
            match (&a, &b) {
                (Ok((sa, oa)), Ok((sb, ob))) => {
                    assert_eq!(sa, sb);
                    assert_eq!(oa.events, ob.events, "same events for {input:?}");
                    let data = |o: &proofbook_sequencer::core::Outcome| {
                        o.sealed.as_ref().map(|b| (b.number, b.data.pubdata.clone(), b.tx_count))
                    };
                    assert_eq!(data(oa), data(ob));
                    compared += 1;
                }
                (Err(ea), Err(eb)) => assert_eq!(ea, eb),
                _ => panic!("{input:?}: {a:?} vs {b:?}"),
            }
        }
        if restored.is_none() && i > 150 && matches!(input, Input::Tick { .. }) && a.is_ok() {
            let cp = full.checkpoint().unwrap();
            assert!(!cp.engine.resting.is_empty(), "the checkpoint holds resting orders");
            let json = serde_json::to_vec(&cp).unwrap();
            let cp: Checkpoint = serde_json::from_slice(&json).unwrap();
            restored = Some(Core::restore(genesis.clone(), engine_config().unwrap(), cp).unwrap());
        }
    }
    let core = restored.expect("a checkpoint was taken");
    assert!(compared > 100, "the restored core ran the rest of the flow: {compared}");
    assert_eq!(core.state().state_root(), full.state().state_root());
    assert_eq!(
        format!("{:?}", core.engine().fingerprint()),
        format!("{:?}", full.engine().fingerprint())
    );
    assert_eq!(core.recent_trades(1, 256), full.recent_trades(1, 256));
    assert_eq!(core.next_seq(), full.next_seq());
    assert_eq!(core.open_batch(), full.open_batch());
}

//! Random transaction sequences: whatever is accepted keeps collateral conserved and every
//! risk-increasing change initial-margined; whatever is rejected changes nothing; the state
//! root committed incrementally, the root of the per-transaction witness (whose every Merkle
//! update verifies) and the root rebuilt from scratch all agree.

mod common;

use common::*;
use proofbook_circuits::commit::{StateTrees, WitnessStep};
use proofbook_circuits::order::Side;
use proofbook_circuits::risk::account_risk;
use proofbook_circuits::tx::{apply, FundingTick, Trade, Tx};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Action {
    Trade { maker: u32, taker: u32, buy: bool, ticks: u32, size: u64, fee: u32 },
    Price { ticks: u32 },
    Funding { delta: i64 },
    Withdraw { who: u32, usdc: u64 },
}

fn action() -> impl Strategy<Value = Action> {
    let who = 1u32..=4;
    prop_oneof![
        5 => (who.clone(), who.clone(), any::<bool>(), 900u32..1100, 1u64..400, 0u32..600)
            .prop_map(|(maker, taker, buy, ticks, size, fee)| Action::Trade { maker, taker, buy, ticks, size, fee }),
        1 => (850u32..1150).prop_map(|ticks| Action::Price { ticks }),
        1 => (-120_000i64..120_000).prop_map(|delta| Action::Funding { delta }),
        1 => (who, 1u64..5_000).prop_map(|(who, usdc)| Action::Withdraw { who, usdc }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn random_sequences_keep_the_invariants(actions in prop::collection::vec(action(), 1..40), batch_every in 1usize..6) {
        let mut f = Fixture::new();
        let mut trees = StateTrees::build(&f.state);
        let mut witness_trees = StateTrees::build(&f.state);
        let deposits = f.state.total_collateral();
        let mut withdrawn = 0i128;
        let mut nonces = [0u32; 5];
        let mut order_nonce = 100u32;
        let mut ts = T0 + 60;
        let mut funding = 0i64;
        for (step_no, a) in actions.into_iter().enumerate() {
            ts += 60;
            f.state.begin_batch(ts).unwrap();
            let tx = match a {
                Action::Trade { maker, taker, buy, ticks, size, fee } => {
                    order_nonce += 1;
                    let price = ticks * 100_000;
                    let side = if buy { Side::Buy } else { Side::Sell };
                    let m = f.sign(f.order(maker, side.opposite(), price, size, order_nonce));
                    let t = f.sign(f.order(taker, side, price, size, order_nonce));
                    Tx::Trade(Trade { maker: m, taker: t, size, maker_fee_ppm: fee / 2, taker_fee_ppm: fee })
                }
                Action::Price { ticks } => {
                    let e = vec![proofbook_circuits::pubdata::PriceEntry { market_id: BTC, mark: ticks * 100_000, index: ticks * 100_000 }];
                    Tx::OraclePrices(f.oracle.oracle_prices(&f.config, ts, e))
                }
                Action::Funding { delta } => {
                    funding += delta;
                    Tx::FundingTick(FundingTick { market_id: BTC, timestamp: ts, new_index: funding })
                }
                Action::Withdraw { who, usdc } => {
                    Tx::Withdraw(f.signer(who).withdraw(&f.config, who, usdc * USDC, nonces[who as usize]))
                }
            };
            let before = f.state.clone();
            let root_before = f.state.state_root();
            match apply(&mut f.state, &tx) {
                Ok(r) => {
                    if let Some(p) = &r.payout {
                        withdrawn += i128::from(p.amount);
                    }
                    if let Tx::Withdraw(w) = &tx {
                        nonces[w.account_id as usize] += 1;
                    }
                    // Risk-increasing changes leave the account initial-margined.
                    for (id, acc) in f.state.accounts() {
                        let old = before.account(id).cloned().unwrap_or_default();
                        let grew = acc.positions.iter().any(|p| p.size.unsigned_abs() > old.size_in(p.market_id).unsigned_abs())
                            || matches!(&tx, Tx::Withdraw(w) if w.account_id == id);
                        if grew {
                            prop_assert!(account_risk(acc, &f.state).is_initial_margined(), "account {} below IM after {:?}", id, tx);
                        }
                    }
                }
                Err(_) => {
                    prop_assert_eq!(f.state.state_root(), root_before);
                    if matches!(tx, Tx::FundingTick(_)) {
                        funding = before.markets().find(|m| m.id == BTC).unwrap().funding_index;
                    }
                }
            }
            prop_assert_eq!(f.state.net_collateral(), deposits - withdrawn);
            // Commit every few transactions, so a journal holds several transactions that
            // write the same leaves.
            if step_no % batch_every == batch_every - 1 {
                commit_and_check(&mut f, &mut trees, &mut witness_trees)?;
            }
        }
        commit_and_check(&mut f, &mut trees, &mut witness_trees)?;
    }
}

/// Commits the journal both ways and checks the witness is a consistent chain: every Merkle
/// update verifies, every leaf's before/after values hash to the proof's old/new leaf, each
/// tree's updates chain root to root, each transaction's `root_before` is the previous one's
/// `root_after`, and the final root is the incremental and the from-scratch root.
fn commit_and_check(
    f: &mut Fixture,
    trees: &mut StateTrees,
    witness_trees: &mut StateTrees,
) -> Result<(), TestCaseError> {
    let journal = f.state.take_journal();
    let start = witness_trees.root();
    let incremental = trees.commit(&journal);
    let witness = witness_trees.witness(&journal);
    let scratch = f.state.state_root();
    prop_assert_eq!(incremental, scratch);
    prop_assert_eq!(witness.len(), journal.len());
    let mut root = start;
    let mut accounts_root = None;
    let mut markets_root = None;
    let mut order_roots = std::collections::HashMap::new();
    for w in &witness {
        prop_assert_eq!(w.root_before, root);
        root = w.root_after;
        for step in &w.steps {
            match step {
                WitnessStep::Slot { account, before, after, proof, .. } => {
                    prop_assert!(proof.verify());
                    prop_assert_eq!(proof.old_leaf, before.leaf_hash());
                    prop_assert_eq!(proof.new_leaf, after.leaf_hash());
                    if let Some(r) = order_roots.insert(*account, proof.new_root) {
                        prop_assert_eq!(proof.old_root, r);
                    }
                }
                WitnessStep::Account {
                    id,
                    before,
                    orders_root_before,
                    after,
                    orders_root_after,
                    proof,
                } => {
                    prop_assert!(proof.verify());
                    prop_assert_eq!(proof.old_leaf, before.leaf_hash(orders_root_before));
                    prop_assert_eq!(proof.new_leaf, after.leaf_hash(orders_root_after));
                    if let Some(r) = order_roots.get(id) {
                        prop_assert_eq!(orders_root_after, r);
                    }
                    if let Some(r) = accounts_root.replace(proof.new_root) {
                        prop_assert_eq!(proof.old_root, r);
                    }
                }
                WitnessStep::Market { before, after, proof, .. } => {
                    prop_assert!(proof.verify());
                    prop_assert_eq!(proof.old_leaf, before.leaf_hash());
                    prop_assert_eq!(proof.new_leaf, after.leaf_hash());
                    if let Some(r) = markets_root.replace(proof.new_root) {
                        prop_assert_eq!(proof.old_root, r);
                    }
                }
            }
        }
    }
    prop_assert_eq!(root, scratch);
    Ok(())
}

//! Withdrawals, transfers and cancels in the chunk circuit, on a state with open positions (a short
//! perp and a short call, so the margin check covers the option formula) and pending
//! funding (a funding tick after the trades, so settlement moves collateral and snapshots).
//!
//! Agreement: chunks built by the native spec prove exactly the native roots and public
//! data, on fixed and random amounts. Soundness: for every rule of both types, a witness
//! that breaks only that rule (leaf hashes and roots recomputed, the signature re-made over
//! the tampered message where the message changes) makes a constraint unsatisfied.

mod circuit_support;
mod common;

use std::sync::OnceLock;

use circuit_support::{batch, reseal};
use common::{Fixture, BTC, CALL, MAKER, SMALL, T0, TAKER, USDC};
use proofbook_circuits::circuit::chunk::ChunkPublicInputs;
use proofbook_circuits::circuit::slot::{AccountStep, SlotWitness};
use proofbook_circuits::circuit::tx::debit::DebitWitness;
use proofbook_circuits::circuit::{ChunkCircuit, ChunkWitness};
use proofbook_circuits::circuit_test_util::prove_outcome;
use proofbook_circuits::commit::StateTrees;
use proofbook_circuits::config::NamedConfig;
use proofbook_circuits::constants::{ACCOUNT_TREE_DEPTH, ORDER_TREE_DEPTH};
use proofbook_circuits::merkle::SparseMerkleTree;
use proofbook_circuits::order::{OrderSlot, Side};
use proofbook_circuits::order_target::OrderSlotStep;
use proofbook_circuits::pubdata::PubOp;
use proofbook_circuits::schnorr::Signature;
use proofbook_circuits::state::Account;
use proofbook_circuits::tx::{FundingTick, Trade, Tx};
use proptest::prelude::*;
use proptest::test_runner::{Config as PtConfig, TestRunner};

/// Slots per chunk in the tests.
const K: usize = 2;
/// BTC-PERP per-lot price of the fixture.
const P: u32 = 100_000_000;

fn circuit() -> &'static ChunkCircuit {
    static C: OnceLock<ChunkCircuit> = OnceLock::new();
    C.get_or_init(|| ChunkCircuit::build(NamedConfig::FastTest, K))
}

fn trade(f: &Fixture, market: u8, price: u32, size: u64, nonce: u32) -> Tx {
    let mut sell = f.order(MAKER, Side::Sell, price, size, nonce);
    sell.market_id = market;
    let mut buy = f.order(TAKER, Side::Buy, price, size, nonce);
    buy.market_id = market;
    Tx::Trade(Trade {
        maker: f.sign(sell),
        taker: f.sign(buy),
        size,
        maker_fee_ppm: 100,
        taker_fee_ppm: 300,
    })
}

/// The fixture after MAKER sold 10 BTC-PERP lots and 1 call to TAKER, and a funding tick
/// moved the BTC index (both accounts have funding to settle). Not proven: the chunk
/// circuit does not constrain trades or ticks yet; the proven batches start here.
fn positioned() -> Fixture {
    let mut f = Fixture::new();
    let t = trade(&f, BTC, P, 10, 1);
    f.ok(t);
    let t = trade(&f, CALL, 2_000_000, 1, 2);
    f.ok(t);
    f.state.begin_batch(T0 + 3_600).unwrap();
    f.ok(Tx::FundingTick(FundingTick { market_id: BTC, timestamp: T0 + 3_600, new_index: 50_000 }));
    f.state.take_journal();
    f
}

fn withdraw(f: &Fixture, id: u32, amount: u64, nonce: u32) -> Tx {
    Tx::Withdraw(f.signer(id).withdraw(&f.config, id, amount, nonce))
}

fn transfer(f: &Fixture, from: u32, to: u32, amount: u64, nonce: u32) -> Tx {
    Tx::Transfer(f.signer(from).transfer(&f.config, from, to, amount, nonce))
}

/// The single chunk of `txs` applied natively to `f`.
fn chunk(f: &mut Fixture, txs: &[Tx]) -> ChunkWitness {
    let bw = batch(&mut f.state, txs);
    let chunks = bw.chunks(K, 1).unwrap();
    assert_eq!(chunks.len(), 1);
    chunks[0].clone()
}

fn assert_proves(w: &ChunkWitness) {
    let o = prove_outcome(&circuit().data, circuit().witness(w).expect("witness assigns"));
    assert!(o.is_proved(), "expected a proof, got {o:?}");
}

fn assert_unsatisfied(w: &ChunkWitness, what: &str) {
    let o = prove_outcome(&circuit().data, circuit().witness(w).expect("witness assigns"));
    assert!(o.is_unsatisfied(), "{what}: expected an unsatisfied constraint, got {o:?}");
}

/// A chunk holding one withdrawal of MAKER's (short perp and call, owed funding).
fn one_withdraw() -> (Fixture, ChunkWitness) {
    let mut f = positioned();
    let tx = withdraw(&f, MAKER, 1_000 * USDC, 0);
    let w = chunk(&mut f, &[tx]);
    (f, w)
}

/// A chunk holding one transfer TAKER → SMALL.
fn one_transfer() -> (Fixture, ChunkWitness) {
    let mut f = positioned();
    let tx = transfer(&f, TAKER, SMALL, 500 * USDC, 0);
    let w = chunk(&mut f, &[tx]);
    (f, w)
}

type WithdrawParts<'a> =
    (&'a mut u64, &'a mut AccountStep, &'a mut DebitWitness, &'a mut Signature);

fn withdraw_mut(slot: &mut SlotWitness) -> WithdrawParts<'_> {
    match slot {
        SlotWitness::Withdraw { amount, account, debit, signature, .. } => {
            (amount, account, debit, signature)
        }
        other => panic!("not a withdrawal: {other:?}"),
    }
}

type TransferParts<'a> =
    (&'a mut u32, &'a mut u64, &'a mut AccountStep, &'a mut AccountStep, &'a mut Signature);

fn transfer_mut(slot: &mut SlotWitness) -> TransferParts<'_> {
    match slot {
        SlotWitness::Transfer { to, amount, account, recipient, signature, .. } => {
            (to, amount, account, recipient, signature)
        }
        other => panic!("not a transfer: {other:?}"),
    }
}

#[test]
fn withdrawals_and_transfers_prove_the_native_statement() {
    let mut f = positioned();
    let txs = [
        withdraw(&f, MAKER, 1_000 * USDC, 0),
        transfer(&f, TAKER, SMALL, 500 * USDC, 0),
        withdraw(&f, SMALL, 1_700 * USDC, 0), // the transfer funds part of it
        transfer(&f, MAKER, TAKER, 10 * USDC, 1),
    ];
    let bw = batch(&mut f.state, &txs);
    let statement = bw.statement().unwrap();
    let chunks = bw.chunks(K, 1).unwrap();
    assert_eq!(chunks.len(), 2);
    for c in &chunks {
        let proof = circuit().prove(c).unwrap();
        circuit().data.verify(proof.clone()).unwrap();
        let (pis, _) = c.run().unwrap();
        assert_eq!(ChunkPublicInputs::from_fields(&proof.public_inputs), Some(pis));
    }
    let (last, _) = chunks[1].run().unwrap();
    assert_eq!(last.new_root, f.state.state_root());
    assert_eq!(last.pubdata_out, statement.pubdata_commitment);
}

#[test]
fn random_amounts_agree_with_native() {
    let strategy = (1u64..50_000, 1u64..50_000, any::<bool>());
    TestRunner::new(PtConfig::with_cases(4))
        .run(&strategy, |(a, b, maker_sends)| {
            let mut f = positioned();
            let (from, to) = if maker_sends { (MAKER, SMALL) } else { (TAKER, MAKER) };
            let txs = [
                withdraw(&f, TAKER, a * USDC / 7, 0),
                transfer(&f, from, to, b * USDC / 3, u32::from(!maker_sends)),
            ];
            let bw = batch(&mut f.state, &txs);
            let chunk = &bw.chunks(K, 1).unwrap()[0];
            let proof = circuit().prove(chunk).unwrap();
            let pis = ChunkPublicInputs::from_fields(&proof.public_inputs).unwrap();
            prop_assert_eq!(pis.new_root, f.state.state_root());
            prop_assert_eq!(pis.pubdata_out, bw.statement().unwrap().pubdata_commitment);
            Ok(())
        })
        .unwrap();
}

#[test]
fn untampered_withdraw_and_transfer_prove() {
    assert_proves(&one_withdraw().1);
    assert_proves(&one_transfer().1);
}

// ---- Withdraw (and the sender's rules Withdraw and Transfer share) ----

#[test]
fn forged_signature_is_rejected() {
    let (f, mut w) = one_withdraw();
    let (_, _, _, sig) = withdraw_mut(&mut w.slots[0]);
    // The same message signed by another account's key.
    let msg = proofbook_circuits::tx::Withdraw::signing_message(&f.config, MAKER, 1_000 * USDC, 0);
    *sig = f.signer(TAKER).sign_digest(&msg);
    assert_unsatisfied(&w, "signature by another key");
}

#[test]
fn stale_nonce_is_rejected() {
    let (f, mut w) = one_withdraw();
    let (_, _, _, sig) = withdraw_mut(&mut w.slots[0]);
    // Signed for the next nonce: the message the circuit checks binds the leaf's nonce.
    let Tx::Withdraw(next) = withdraw(&f, MAKER, 1_000 * USDC, 1) else { unreachable!() };
    *sig = next.signature;
    assert_unsatisfied(&w, "signature over another nonce");
}

#[test]
fn nonce_must_be_bumped() {
    let (_, mut w) = one_withdraw();
    let (_, step, _, _) = withdraw_mut(&mut w.slots[0]);
    step.after.nonce = step.before.nonce;
    reseal(step);
    assert_unsatisfied(&w, "nonce not bumped");
}

#[test]
fn zero_amount_is_rejected() {
    let (f, mut w) = one_withdraw();
    let (amount, step, debit, sig) = withdraw_mut(&mut w.slots[0]);
    *amount = 0;
    step.after.collateral = debit.settled_collateral;
    reseal(step);
    let Tx::Withdraw(zero) = withdraw(&f, MAKER, 0, 0) else { unreachable!() };
    *sig = zero.signature;
    assert_unsatisfied(&w, "zero amount");
}

#[test]
fn collateral_must_be_debited_exactly() {
    let (_, mut w) = one_withdraw();
    let (_, step, _, _) = withdraw_mut(&mut w.slots[0]);
    step.after.collateral += 1;
    reseal(step);
    assert_unsatisfied(&w, "under-debit");
}

#[test]
fn margin_breach_after_withdrawal_is_rejected() {
    let (f, mut w) = one_withdraw();
    let (amount, step, debit, sig) = withdraw_mut(&mut w.slots[0]);
    // Everything: TAV is then the (negative) value of the short positions.
    let all = u64::try_from(debit.settled_collateral).unwrap();
    *amount = all;
    step.after.collateral = 0;
    reseal(step);
    let Tx::Withdraw(big) = withdraw(&f, MAKER, all, 0) else { unreachable!() };
    *sig = big.signature;
    assert_unsatisfied(&w, "margin breach");
}

#[test]
fn funding_must_be_settled_exactly() {
    let (_, mut w) = one_withdraw();
    let (_, step, debit, _) = withdraw_mut(&mut w.slots[0]);
    assert_ne!(debit.settled_collateral, step.before.collateral, "MAKER has funding to settle");
    // Settlement skipped: the debit is consistent with the unsettled collateral.
    step.after.collateral = step.before.collateral - 1_000_000_000;
    debit.settled_collateral = step.before.collateral;
    reseal(step);
    assert_unsatisfied(&w, "funding not settled");
}

#[test]
fn funding_snapshots_must_move() {
    let (_, mut w) = one_withdraw();
    let (_, step, _, _) = withdraw_mut(&mut w.slots[0]);
    let i = step.before.positions.iter().position(|p| p.market_id == BTC).unwrap();
    assert_ne!(step.after.positions[i].funding_snapshot, step.before.positions[i].funding_snapshot);
    step.after.positions[i].funding_snapshot = step.before.positions[i].funding_snapshot;
    reseal(step);
    assert_unsatisfied(&w, "snapshot not moved");
}

#[test]
fn positions_must_not_change() {
    let (_, mut w) = one_withdraw();
    let (_, step, _, _) = withdraw_mut(&mut w.slots[0]);
    step.after.positions[0].size += 1;
    reseal(step);
    assert_unsatisfied(&w, "position size changed");
}

#[test]
fn key_owner_and_orders_must_not_change() {
    let (_, mut w) = one_withdraw();
    let (_, step, _, _) = withdraw_mut(&mut w.slots[0]);
    step.after.l1_address = alloy_primitives::Address::repeat_byte(0x66);
    reseal(step);
    assert_unsatisfied(&w, "owner changed");

    let (_, mut w) = one_withdraw();
    let (_, step, _, _) = withdraw_mut(&mut w.slots[0]);
    step.orders_root_after.elements[0] += plonky2::field::types::Field::ONE;
    reseal(step);
    assert_unsatisfied(&w, "orders root changed");
}

#[test]
fn market_reads_must_be_the_markets_leaves() {
    let (_, mut w) = one_withdraw();
    let (_, _, debit, _) = withdraw_mut(&mut w.slots[0]);
    // A lower mark price would lower the short positions' requirements: a wrong path.
    let read = debit.markets.iter_mut().flatten().next().unwrap();
    read.market.mark_price -= 1;
    assert_unsatisfied(&w, "tampered market leaf");

    let (_, mut w) = one_withdraw();
    let (_, _, debit, _) = withdraw_mut(&mut w.slots[0]);
    // Each position must read its own market.
    let used: Vec<usize> =
        (0..debit.markets.len()).filter(|&i| debit.markets[i].is_some()).collect();
    assert_eq!(used.len(), 2, "MAKER holds the perp and the call");
    debit.markets.swap(used[0], used[1]);
    assert_unsatisfied(&w, "markets swapped");
}

#[test]
fn record_account_must_be_the_updated_leaf() {
    let (_, mut w) = one_withdraw();
    match &mut w.slots[0] {
        SlotWitness::Withdraw { account_id, .. } => *account_id = TAKER,
        _ => unreachable!(),
    }
    assert_unsatisfied(&w, "record names another account");
}

// ---- Transfer ----

#[test]
fn recipient_must_be_credited_exactly() {
    let (_, mut w) = one_transfer();
    let (_, _, _, recipient, _) = transfer_mut(&mut w.slots[0]);
    recipient.after.collateral += 1;
    reseal(recipient);
    assert_unsatisfied(&w, "over-credit");
}

#[test]
fn recipient_must_not_otherwise_change() {
    let (_, mut w) = one_transfer();
    let (_, _, _, recipient, _) = transfer_mut(&mut w.slots[0]);
    recipient.after.nonce += 1;
    reseal(recipient);
    assert_unsatisfied(&w, "recipient nonce bumped");
}

#[test]
fn transfer_signature_binds_the_recipient() {
    let (f, mut w) = one_transfer();
    let (_, _, _, _, sig) = transfer_mut(&mut w.slots[0]);
    let Tx::Transfer(other) = transfer(&f, TAKER, MAKER, 500 * USDC, 0) else { unreachable!() };
    *sig = other.signature;
    assert_unsatisfied(&w, "signature for another recipient");
}

#[test]
fn transfer_to_self_is_rejected() {
    let (f, mut w) = one_transfer();
    let (to, amount, account, recipient, sig) = transfer_mut(&mut w.slots[0]);
    // The second update applied to the sender's own leaf, consistently, and signed so.
    *to = TAKER;
    recipient.before = account.after.clone();
    recipient.orders_root_before = account.orders_root_after;
    recipient.after = account.after.clone();
    recipient.after.collateral += i64::try_from(*amount).unwrap();
    recipient.orders_root_after = account.orders_root_after;
    recipient.proof.path = account.proof.path.clone();
    reseal(recipient);
    let Tx::Transfer(me) = transfer(&f, TAKER, TAKER, *amount, 0) else { unreachable!() };
    *sig = me.signature;
    assert_unsatisfied(&w, "transfer to self");
}

#[test]
fn recipient_must_exist() {
    let (f, mut w) = one_transfer();
    let trees = StateTrees::build(&f.state);
    let (to, amount, _, recipient, sig) = transfer_mut(&mut w.slots[0]);
    // The accounts tree after the sender's update: the final state with SMALL's leaf as
    // it was before the transfer.
    let leaves = f.state.accounts().map(|(id, a)| {
        let leaf = if id == SMALL {
            recipient.before.leaf_hash(&recipient.orders_root_before)
        } else {
            a.leaf_hash(&trees.orders_root(id))
        };
        (u64::from(id), leaf)
    });
    let tree = SparseMerkleTree::from_leaves(ACCOUNT_TREE_DEPTH, leaves).unwrap();
    let ghost = 9u32;
    assert!(f.state.account(ghost).is_none());
    *to = ghost;
    recipient.before = Account::default();
    recipient.after = Account { collateral: i64::try_from(*amount).unwrap(), ..Account::default() };
    recipient.orders_root_before = trees.orders_root(ghost);
    recipient.orders_root_after = trees.orders_root(ghost);
    recipient.proof.path = tree.prove(u64::from(ghost)).unwrap();
    reseal(recipient);
    let Tx::Transfer(t) = transfer(&f, TAKER, ghost, *amount, 0) else { unreachable!() };
    *sig = t.signature;
    assert!(w.run().is_ok(), "a consistent witness");
    assert_unsatisfied(&w, "transfer to a missing account");
}

#[test]
fn records_are_the_transactions() {
    let (_, w) = one_transfer();
    assert!(matches!(w.slots[0].pub_op(), PubOp::Transfer { from: TAKER, to: SMALL, .. }));
}

// ---- CancelOrder ----

fn cancel(f: &Fixture, id: u32, order_nonce: u32, nonce: u32) -> Tx {
    Tx::CancelOrder(f.signer(id).cancel(&f.config, id, order_nonce, nonce))
}

type CancelParts<'a> = (&'a mut OrderSlotStep, &'a mut AccountStep, &'a mut Signature);

fn cancel_mut(slot: &mut SlotWitness) -> CancelParts<'_> {
    match slot {
        SlotWitness::CancelOrder { order, account, signature, .. } => (order, account, signature),
        other => panic!("not a cancel: {other:?}"),
    }
}

/// A chunk holding one cancel of MAKER's order `order_nonce` (1: its filled BTC order).
fn one_cancel(order_nonce: u32) -> (Fixture, ChunkWitness) {
    let mut f = positioned();
    let tx = cancel(&f, MAKER, order_nonce, 0);
    let w = chunk(&mut f, &[tx]);
    (f, w)
}

/// After tampering with a cancel's order slots: recomputes the slot leaves and the order
/// subtree roots, the account leaf, and moves the chunk's start to the accounts root the
/// tampered old slot implies (a consistent state in which only the cancel rule is broken).
fn reseal_cancel(w: &mut ChunkWitness) {
    let (order, account, _) = cancel_mut(&mut w.slots[0]);
    order.proof.old_leaf = order.before.leaf_hash();
    order.proof.new_leaf = order.after.leaf_hash();
    order.proof.old_root = order.proof.path.compute_root(order.proof.old_leaf);
    order.proof.new_root = order.proof.path.compute_root(order.proof.new_leaf);
    account.orders_root_before = order.proof.old_root;
    account.orders_root_after = order.proof.new_root;
    reseal(account);
    w.start.accounts_root = account.proof.old_root;
}

#[test]
fn cancels_prove_the_native_statement() {
    let mut f = positioned();
    // MAKER's filled order 1 (the slot holds it), TAKER's unused nonce 9 (an empty slot),
    // then MAKER's nonce 65 538 (slot 2 holds the older nonce 2).
    let txs = [cancel(&f, MAKER, 1, 0), cancel(&f, TAKER, 9, 0), cancel(&f, MAKER, 65_538, 1)];
    let bw = batch(&mut f.state, &txs);
    let statement = bw.statement().unwrap();
    let chunks = bw.chunks(K, 1).unwrap();
    for c in &chunks {
        assert_proves(c);
    }
    let (last, _) = chunks[1].run().unwrap();
    assert_eq!(last.new_root, f.state.state_root());
    assert_eq!(last.pubdata_out, statement.pubdata_commitment);
}

#[test]
fn cancelling_a_cancelled_order_is_rejected() {
    let (_, mut w) = one_cancel(1);
    let (order, _, _) = cancel_mut(&mut w.slots[0]);
    assert!(!order.before.is_empty() && !order.before.cancelled);
    order.before.cancelled = true;
    reseal_cancel(&mut w);
    assert!(w.run().is_ok());
    assert_unsatisfied(&w, "already cancelled");
}

#[test]
fn cancelling_a_stale_nonce_is_rejected() {
    let (_, mut w) = one_cancel(5);
    let (order, _, _) = cancel_mut(&mut w.slots[0]);
    assert!(order.before.is_empty());
    // The slot holds a newer order (nonce 65 541, also slot 5).
    order.before = OrderSlot {
        order_nonce: 65_541,
        order_hash: order.after.order_hash,
        filled: 3,
        cancelled: false,
    };
    order.before.order_hash.elements[0] = plonky2::field::types::Field::ONE;
    reseal_cancel(&mut w);
    assert_unsatisfied(&w, "stale order nonce");
}

#[test]
fn a_cancel_keeps_the_order_hash_and_fill() {
    let (_, mut w) = one_cancel(1);
    let (order, _, _) = cancel_mut(&mut w.slots[0]);
    assert_eq!(order.after.filled, 10);
    order.after.filled = 0;
    reseal_cancel(&mut w);
    assert_unsatisfied(&w, "fill reset");
}

#[test]
fn a_cancel_writes_the_order_s_slot() {
    let (f, mut w) = one_cancel(5);
    // The same write at slot 6, on the path of slot 6 of MAKER's order subtree.
    let leaves = f
        .state
        .slots()
        .filter(|((a, s), _)| *a == MAKER && *s != 5)
        .map(|((_, s), slot)| (u64::from(s), slot.leaf_hash()));
    let tree = SparseMerkleTree::from_leaves(ORDER_TREE_DEPTH, leaves).unwrap();
    let (order, _, _) = cancel_mut(&mut w.slots[0]);
    order.slot = 6;
    order.proof.path = tree.prove(6).unwrap();
    reseal_cancel(&mut w);
    assert_unsatisfied(&w, "another slot written");
}

#[test]
fn a_cancel_is_signed_and_changes_nothing_else() {
    let (f, mut w) = one_cancel(1);
    let (_, _, sig) = cancel_mut(&mut w.slots[0]);
    let Tx::CancelOrder(other) = cancel(&f, MAKER, 2, 0) else { unreachable!() };
    *sig = other.signature;
    assert_unsatisfied(&w, "signature over another order");

    let (_, mut w) = one_cancel(1);
    let (_, account, _) = cancel_mut(&mut w.slots[0]);
    account.after.collateral += 1;
    reseal(account);
    assert_unsatisfied(&w, "collateral changed");
}

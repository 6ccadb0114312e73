//! The chunk circuit on deposits produced by the native spec: the circuit proves exactly the
//! native roots and public-data commitment, on fixed and random deposits; and for every
//! deposit rule, a witness that breaks only that rule (leaf hashes and roots recomputed, so
//! the paths are consistent) makes a constraint unsatisfied.

mod circuit_support;

use std::sync::OnceLock;

use circuit_support::*;
use plonky2::field::types::{Field, Field64};
use proofbook_circuits::circuit::chunk::ChunkPublicInputs;
use proofbook_circuits::circuit::reads::MarketLeaves;
use proofbook_circuits::circuit::slot::SlotWitness;
use proofbook_circuits::circuit::{ChunkCircuit, ChunkWitness, CircuitError};
use proofbook_circuits::circuit_test_util::{prove_outcome, ProveOutcome};
use proofbook_circuits::config::NamedConfig;
use proofbook_circuits::constants::MAX_COLLATERAL;
use proofbook_circuits::hash::{Digest, F};
use proofbook_circuits::pubdata::PubOp;
use proofbook_circuits::tx::Tx;
use proptest::prelude::*;
use proptest::test_runner::{Config as PtConfig, TestRunner};

/// Slots per chunk in the tests.
const K: usize = 2;

fn circuit() -> &'static ChunkCircuit {
    static C: OnceLock<ChunkCircuit> = OnceLock::new();
    C.get_or_init(|| ChunkCircuit::build(NamedConfig::FastTest, K))
}

/// A chunk of two deposits: a new account 5, then a second deposit to it.
fn two_deposits() -> ChunkWitness {
    let mut state = genesis_state();
    let w = batch(
        &mut state,
        &[Tx::Deposit(deposit(5, 0x55, 11, 1_000)), Tx::Deposit(deposit(5, 0x55, 99, 250))],
    );
    let chunks = w.chunks(K, 1).unwrap();
    assert_eq!(chunks.len(), 1);
    chunks[0].clone()
}

fn outcome(w: &ChunkWitness) -> ProveOutcome {
    let pw = circuit().witness(w).expect("witness assigns");
    prove_outcome(&circuit().data, pw)
}

fn assert_unsatisfied(w: &ChunkWitness, what: &str) {
    let o = outcome(w);
    assert!(o.is_unsatisfied(), "{what}: expected an unsatisfied constraint, got {o:?}");
}

#[test]
fn deposits_prove_the_native_statement() {
    let mut state = genesis_state();
    let txs = [
        Tx::Deposit(deposit(5, 0x55, 11, 1_000)),
        Tx::Deposit(deposit(5, 0x55, 99, 250)), // existing account: key kept
        Tx::Deposit(deposit(0, 0x99, 0, 7)),    // the insurance account
    ];
    let bw = batch(&mut state, &txs);
    let statement = bw.statement().unwrap();
    let chunks = bw.chunks(K, 1).unwrap();
    assert_eq!(chunks.len(), 2);
    let (last, _) = chunks[1].run().unwrap();
    assert_eq!(last.new_root, state.state_root());
    assert_eq!(last.pubdata_out, statement.pubdata_commitment);
    for c in &chunks {
        let proof = circuit().prove(c).unwrap();
        circuit().data.verify(proof.clone()).unwrap();
        let (pis, _) = c.run().unwrap();
        assert_eq!(ChunkPublicInputs::from_fields(&proof.public_inputs), Some(pis));
    }
}

#[test]
fn random_deposits_agree_with_native() {
    let strategy = (prop::collection::vec((1u32..4, 1u64..(1 << 61)), 1..=K), any::<u64>());
    TestRunner::new(PtConfig::with_cases(4))
        .run(&strategy, |(deps, key)| {
            let mut state = genesis_state();
            let txs: Vec<Tx> = deps
                .iter()
                .map(|&(id, amt)| Tx::Deposit(deposit(id, id as u8, key % (1 << 60), amt / 4)))
                .collect();
            let bw = batch(&mut state, &txs);
            let chunk = &bw.chunks(K, 1).unwrap()[0];
            let proof = circuit().prove(chunk).unwrap();
            let pis = ChunkPublicInputs::from_fields(&proof.public_inputs).unwrap();
            prop_assert_eq!(pis.new_root, state.state_root());
            prop_assert_eq!(pis.pubdata_out, bw.statement().unwrap().pubdata_commitment);
            Ok(())
        })
        .unwrap();
}

#[test]
fn untampered_witness_proves() {
    assert!(outcome(&two_deposits()).is_proved());
}

#[test]
fn zero_amount_is_rejected() {
    let mut w = two_deposits();
    let (op, step) = deposit_mut(&mut w.slots[1]);
    op.amount = 0;
    step.after.collateral = step.before.collateral;
    reseal(step);
    assert_unsatisfied(&w, "zero amount");
}

#[test]
fn collateral_must_be_credited_exactly() {
    let mut w = two_deposits();
    let (_, step) = deposit_mut(&mut w.slots[1]);
    step.after.collateral += 1;
    reseal(step);
    assert_unsatisfied(&w, "over-credit");
}

#[test]
fn collateral_bound_is_enforced() {
    let mut state = genesis_state();
    let bw = batch(
        &mut state,
        &[
            Tx::Deposit(deposit(5, 0x55, 11, MAX_COLLATERAL as u64 - 5)),
            Tx::Deposit(deposit(5, 0x55, 11, 5)), // exactly at the bound: valid
        ],
    );
    let mut w = bw.chunks(K, 1).unwrap()[0].clone();
    assert!(outcome(&w).is_proved(), "a deposit up to the bound proves");
    let (op, step) = deposit_mut(&mut w.slots[1]);
    op.amount = 6;
    step.after.collateral = MAX_COLLATERAL + 1;
    reseal(step);
    assert_unsatisfied(&w, "collateral above the bound");
}

#[test]
fn existing_account_owner_must_match() {
    let mut w = two_deposits();
    let (op, step) = deposit_mut(&mut w.slots[1]);
    op.l1_address = alloy_primitives::Address::repeat_byte(0x66);
    step.after.l1_address = op.l1_address;
    reseal(step);
    assert_unsatisfied(&w, "deposit by another owner");
}

#[test]
fn key_is_set_only_once() {
    let mut w = two_deposits();
    let (op, step) = deposit_mut(&mut w.slots[1]);
    step.after.pubkey = op.pubkey;
    reseal(step);
    assert_unsatisfied(&w, "key overwritten");
}

#[test]
fn nonce_and_positions_unchanged() {
    let mut w = two_deposits();
    let (_, step) = deposit_mut(&mut w.slots[1]);
    step.after.nonce += 1;
    reseal(step);
    assert_unsatisfied(&w, "nonce bumped");

    let mut w = two_deposits();
    let (_, step) = deposit_mut(&mut w.slots[1]);
    step.after.positions[0].market_id = 1;
    step.after.positions[0].size = 10;
    reseal(step);
    assert_unsatisfied(&w, "position created");
}

#[test]
fn new_account_starts_with_no_orders() {
    let mut w = two_deposits();
    let (_, step) = deposit_mut(&mut w.slots[0]);
    let fake = Digest { elements: [F::ONE; 4] };
    step.orders_root_before = fake;
    step.orders_root_after = fake;
    reseal(step);
    // The second slot builds on the first's new root.
    let root = step.proof.new_root;
    let (_, step2) = deposit_mut(&mut w.slots[1]);
    step2.orders_root_before = fake;
    step2.orders_root_after = fake;
    reseal(step2);
    assert_eq!(step2.proof.old_root, root);
    assert_unsatisfied(&w, "new account with orders");
}

#[test]
fn record_account_must_be_the_updated_leaf() {
    let mut w = two_deposits();
    let (op, _) = deposit_mut(&mut w.slots[1]);
    op.account_id = 6;
    assert_unsatisfied(&w, "record names another account");
}

#[test]
fn pubkey_limbs_must_be_canonical() {
    let mut state = genesis_state();
    let bw = batch(&mut state, &[Tx::Deposit(deposit(5, 0x55, 11, 1_000))]);
    let mut w = bw.chunks(K, 1).unwrap()[0].clone();
    let (op, step) = deposit_mut(&mut w.slots[0]);
    // p + 11 encodes the field element 11: natively rejected (limb not canonical).
    op.pubkey[0] = F::ORDER + 11;
    assert_eq!(step.after.pubkey[0], 11);
    assert_unsatisfied(&w, "non-canonical key limb");
}

#[test]
fn wrong_old_root_and_tampered_public_data_fail() {
    let w = two_deposits();
    let (pis, _) = w.run().unwrap();
    let mut bad = pis;
    bad.old_root.elements[0] += F::ONE;
    let o = prove_outcome(&circuit().data, circuit().witness_with_public_inputs(&w, &bad).unwrap());
    assert!(o.is_unsatisfied(), "wrong old root: {o:?}");
    let mut bad = pis;
    bad.pubdata_out.elements[2] += F::ONE;
    let o = prove_outcome(&circuit().data, circuit().witness_with_public_inputs(&w, &bad).unwrap());
    assert!(o.is_unsatisfied(), "tampered public data: {o:?}");
}

#[test]
fn a_deposit_cannot_be_skipped_as_noop() {
    let w = two_deposits();
    let (pis, _) = w.run().unwrap();
    let mut skipped = w;
    skipped.slots[1] = SlotWitness::Noop;
    // Claim the full chunk's statement with the second deposit not executed.
    let o = prove_outcome(
        &circuit().data,
        circuit().witness_with_public_inputs(&skipped, &pis).unwrap(),
    );
    assert!(o.is_unsatisfied(), "{o:?}");
}

#[test]
fn unsupported_types_and_overfull_chunks_are_typed_errors() {
    let w = two_deposits();
    let mut over = w;
    over.slots.push(SlotWitness::Noop);
    assert_eq!(circuit().witness(&over).err(), Some(CircuitError::TooManyTxs { got: 3, k: K }));
    let tw = proofbook_circuits::commit::TxWitness {
        root_before: Digest::default(),
        root_after: Digest::default(),
        steps: vec![],
    };
    let op = PubOp::FundingTick { market_id: 1, timestamp: 1, new_index: 1 };
    let markets = MarketLeaves::new(&[]);
    assert_eq!(
        SlotWitness::from_native(&op, &tw, &Tx::Noop, &markets).err(),
        Some(CircuitError::UnsupportedTx(0x08))
    );
}

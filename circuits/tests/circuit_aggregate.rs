//! Recursive aggregation: a small batch proven chunk by chunk, aggregated and verified
//! against the native statement; chunks out of order, a broken chain, a wrong statement and
//! tampered public data do not verify.

mod circuit_support;

use std::sync::OnceLock;

use circuit_support::*;
use plonky2::field::types::Field;
use proofbook_circuits::aggregate::{BatchProver, BatchStatement, BatchWitness, Proof};
use proofbook_circuits::circuit::CircuitError;
use proofbook_circuits::circuit_test_util::prove_outcome;
use proofbook_circuits::config::NamedConfig;
use proofbook_circuits::hash::F;
use proofbook_circuits::tx::Tx;

const K: usize = 2;

fn prover() -> &'static BatchProver {
    static P: OnceLock<BatchProver> = OnceLock::new();
    P.get_or_init(|| BatchProver::new(NamedConfig::FastTest, K, 1))
}

/// Three deposits: two chunks of two slots (the second padded with a Noop).
fn witness() -> BatchWitness {
    let mut state = genesis_state();
    batch(
        &mut state,
        &[
            Tx::Deposit(deposit(5, 0x55, 11, 1_000)),
            Tx::Deposit(deposit(6, 0x66, 21, 2_000)),
            Tx::Deposit(deposit(5, 0x55, 11, 3_000)),
        ],
    )
}

/// The two chunk proofs of [`witness`], proven once.
fn chunk_proofs() -> &'static (BatchWitness, Vec<Proof>) {
    static P: OnceLock<(BatchWitness, Vec<Proof>)> = OnceLock::new();
    P.get_or_init(|| {
        let w = witness();
        let proofs = prover().prove_chunks(&w.chunks(K, 1).unwrap()).unwrap();
        (w, proofs)
    })
}

#[test]
fn batch_proves_and_verifies_against_the_native_statement() {
    let (w, _) = chunk_proofs();
    let statement = w.statement().unwrap();
    let proof = prover().prove_batch(w).unwrap();
    assert_eq!(proof.level, 1);
    prover().verify_batch(&proof, &statement).unwrap();

    // The statement with any field changed is refused.
    let mut wrong: Vec<BatchStatement> = vec![statement; 5];
    wrong[0].old_state_root.elements[0] += F::ONE;
    wrong[1].new_state_root.elements[1] += F::ONE;
    wrong[2].pubdata_commitment.elements[2] += F::ONE;
    wrong[3].batch_number += 1;
    wrong[4].timestamp += 1;
    for s in &wrong {
        assert!(matches!(
            prover().verify_batch(&proof, s),
            Err(CircuitError::StatementMismatch(_))
        ));
    }
    // A proof claimed at another level is checked against another key.
    let mut other = proof;
    other.level = 0;
    assert!(matches!(prover().verify_batch(&other, &statement), Err(CircuitError::Verify(_))));
}

#[test]
fn chunks_out_of_order_do_not_aggregate() {
    let (_, proofs) = chunk_proofs();
    let agg = prover().aggregation_circuit(1);
    let pw = agg.witness(&proofs[1], &proofs[0]).unwrap();
    let o = prove_outcome(&agg.data, pw);
    assert!(o.is_unsatisfied(), "{o:?}");
    // In order, the same circuit proves.
    let pw = agg.witness(&proofs[0], &proofs[1]).unwrap();
    assert!(prove_outcome(&agg.data, pw).is_proved());
}

#[test]
fn a_chunk_of_another_batch_does_not_aggregate() {
    let (w, proofs) = chunk_proofs();
    let mut other = w.chunks(K, 1).unwrap()[1].clone();
    other.batch_number += 1;
    let p = prover().chunk_circuit().prove(&other).unwrap();
    let agg = prover().aggregation_circuit(1);
    let o = prove_outcome(&agg.data, agg.witness(&proofs[0], &p).unwrap());
    assert!(o.is_unsatisfied(), "{o:?}");
}

#[test]
fn a_chunk_skipping_public_data_does_not_aggregate() {
    let (w, proofs) = chunk_proofs();
    // The second chunk proven from a commitment that skips the first chunk's records: its
    // roots chain, its public data does not.
    let mut other = w.chunks(K, 1).unwrap()[1].clone();
    other.pubdata_in = proofbook_circuits::hash::ZERO_DIGEST;
    let p = prover().chunk_circuit().prove(&other).unwrap();
    let agg = prover().aggregation_circuit(1);
    let o = prove_outcome(&agg.data, agg.witness(&proofs[0], &p).unwrap());
    assert!(o.is_unsatisfied(), "{o:?}");
}

#[test]
fn empty_batch_is_a_typed_error() {
    let w = BatchWitness { txs: vec![], ..witness() };
    assert_eq!(prover().prove_batch(&w).err(), Some(CircuitError::EmptyBatch));
}

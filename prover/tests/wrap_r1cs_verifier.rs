//! The R1CS verifier of the final layer (transcript, proof of work, Merkle paths, FRI) on a real
//! final-layer proof (test FRI config: 2 queries, 4 PoW bits).
//!
//! The proof and the final layer's verifier data are a committed fixture
//! (`tests/fixtures/wrap_final_test.{vd,proof}.bin`): proving the final layer takes minutes, the
//! R1CS checks seconds. `fixture_verifies_with_plonky2` keeps the fixture honest; after a change
//! of the final layer or its config, regenerate it with
//! `cargo test --test wrap_r1cs_verifier -- --ignored regenerate_fixture`.
//!
//! Every tampering below is a change of the proof (or of the verifier key) that plonky2's own
//! verifier rejects; the R1CS system built from it must be **unsatisfied** (not fail to build).

use ark_bn254::Fr;
use ark_ff::PrimeField;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::prelude::*;
use ark_relations::gr1cs::{ConstraintSystem, ConstraintSystemRef};
use plonky2::field::types::{Field, PrimeField64};
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::plonk::config::{GenericHashOut, Hasher};
use plonky2::plonk::proof::ProofChallenges;
use proofbook_prover::wrap::config::{pack_statement, wrap_test_circuit_config, Bn254Digest};
use proofbook_prover::wrap::final_layer::{
    verifier_data_to_bytes, FinalLayer, FinalProof, FinalVerifierData, D, F,
};
use proofbook_prover::wrap::r1cs::fri_verifier::verify_proof_of_work;
use proofbook_prover::wrap::r1cs::goldilocks::{GoldilocksExtVar, GoldilocksVar, F2};
use proofbook_prover::wrap::r1cs::poseidon_goldilocks;
use proofbook_prover::wrap::r1cs::proof::FinalProofVar;
use proofbook_prover::wrap::r1cs::statement;
use proofbook_prover::wrap::r1cs::transcript::{get_challenges, ProofChallengesVar};
use proofbook_prover::wrap::r1cs::verifier::verify_transcript_and_fri;
use proofbook_prover::wrap::sample::{sample_inner, test_seed};

mod common;
use common::{fixture, fixture_path, PROOF_FILE, VD_FILE};

fn native_challenges(vd: &FinalVerifierData, proof: &FinalProof) -> ProofChallenges<F, D> {
    proof
        .get_challenges(
            proof.get_public_inputs_hash(),
            &vd.verifier_only.circuit_digest,
            &vd.common,
        )
        .expect("challenges")
}

fn satisfied(cs: &ConstraintSystemRef<Fr>) -> bool {
    cs.finalize();
    cs.is_satisfied().expect("the satisfiability check itself must not fail")
}

fn bits_to_usize(bits: &[Boolean<Fr>]) -> usize {
    bits.iter().enumerate().map(|(i, b)| usize::from(b.value().unwrap()) << i).sum()
}

/// Run once after a change of the final layer: builds and proves it (minutes) and rewrites the
/// fixture.
#[test]
#[ignore = "slow: regenerates the committed fixture"]
fn regenerate_fixture() -> anyhow::Result<()> {
    let inner = sample_inner(test_seed(), 4)?;
    let layer = FinalLayer::build(
        &inner.data.common,
        &inner.data.verifier_only,
        wrap_test_circuit_config(),
    );
    let proof = layer.prove(&inner.proof, &inner.data.verifier_only)?;
    layer.verify(&proof)?;
    let vd = layer.data.verifier_data();
    std::fs::create_dir_all(fixture_path(""))?;
    std::fs::write(fixture_path(VD_FILE), verifier_data_to_bytes(&vd)?)?;
    std::fs::write(fixture_path(PROOF_FILE), proof.to_bytes())?;
    Ok(())
}

#[test]
fn fixture_verifies_with_plonky2() {
    let (vd, proof) = fixture();
    vd.verify(proof.clone()).expect("the fixture is a valid final-layer proof");
    assert_eq!(vd.common.config, wrap_test_circuit_config(), "fixture made with the test config");
    // The gate types whose constraints the vanishing check will have to evaluate.
    let gates: Vec<String> = vd.common.gates.iter().map(|g| g.0.id()).collect();
    println!(
        "final layer: degree 2^{}, {} gate types: {gates:?}; {} partial products, quotient degree factor {}",
        vd.common.degree_bits(),
        gates.len(),
        vd.common.num_partial_products,
        vd.common.quotient_degree_factor
    );
}

#[test]
fn public_input_hash_gadget_equals_plonky2() {
    let (_, proof) = fixture();
    let cs = ConstraintSystem::<Fr>::new_ref();
    let pis: Vec<GoldilocksVar> = proof
        .public_inputs
        .iter()
        .map(|x| GoldilocksVar::new_witness(cs.clone(), Some(*x)).unwrap())
        .collect();
    let before = cs.num_constraints();
    let h = poseidon_goldilocks::hash_no_pad(&pis).unwrap();
    println!(
        "R1CS: Goldilocks-Poseidon hash of {} public inputs: {} constraints",
        pis.len(),
        cs.num_constraints() - before
    );
    let native = proof.get_public_inputs_hash();
    for (v, n) in h.iter().zip(native.elements) {
        assert!(v.canonical);
        assert_eq!(v.value.value().unwrap(), Fr::from(n.to_canonical_u64()));
    }
    // Other lengths (0, one full block, two blocks) against plonky2.
    for n in [0usize, 8, 13] {
        let xs: Vec<F> =
            (0..n as u64).map(|i| F::from_canonical_u64(i * 0x9e37_79b9 + 1)).collect();
        let vars: Vec<GoldilocksVar> =
            xs.iter().map(|x| GoldilocksVar::new_witness(cs.clone(), Some(*x)).unwrap()).collect();
        let h = poseidon_goldilocks::hash_no_pad(&vars).unwrap();
        let native = PoseidonHash::hash_no_pad(&xs);
        for (v, e) in h.iter().zip(native.elements) {
            assert_eq!(v.element().unwrap(), e, "length {n}");
        }
    }
    assert!(satisfied(&cs));
}

/// Asserts the in-circuit challenges equal plonky2's.
fn assert_same_challenges(var: &ProofChallengesVar, native: &ProofChallenges<F, D>) {
    let base = |v: &[GoldilocksVar], n: &[F]| {
        assert_eq!(v.len(), n.len());
        for (v, n) in v.iter().zip(n) {
            assert_eq!(v.element().unwrap(), *n);
        }
    };
    base(&var.plonk_betas, &native.plonk_betas);
    base(&var.plonk_gammas, &native.plonk_gammas);
    base(&var.plonk_alphas, &native.plonk_alphas);
    assert_eq!(var.plonk_zeta.element().unwrap(), native.plonk_zeta);
    let fri = &native.fri_challenges;
    assert_eq!(var.fri_alpha.element().unwrap(), fri.fri_alpha);
    assert_eq!(var.fri_betas.len(), fri.fri_betas.len());
    for (v, n) in var.fri_betas.iter().zip(&fri.fri_betas) {
        assert_eq!(v.element().unwrap(), *n);
    }
    assert_eq!(var.fri_pow_response.element().unwrap(), fri.fri_pow_response);
    let idx: Vec<usize> =
        var.fri_query_indices.iter().map(|b| bits_to_usize(b.as_slice())).collect();
    assert_eq!(idx, fri.fri_query_indices);
}

/// Enforces that the in-circuit challenges equal the claimed native ones (a prover claiming the
/// challenges of another transcript).
fn claim(cs: &ConstraintSystemRef<Fr>, var: &ProofChallengesVar, native: &ProofChallenges<F, D>) {
    let ext = |v: &GoldilocksExtVar, n: F2| {
        v.enforce_equal(&GoldilocksExtVar::new_witness(cs.clone(), Some(n)).unwrap()).unwrap();
    };
    let base = |v: &GoldilocksVar, n: F| {
        v.enforce_equal(&GoldilocksVar::new_witness(cs.clone(), Some(n)).unwrap()).unwrap();
    };
    for (v, n) in var.plonk_betas.iter().zip(&native.plonk_betas) {
        base(v, *n);
    }
    for (v, n) in var.plonk_gammas.iter().zip(&native.plonk_gammas) {
        base(v, *n);
    }
    for (v, n) in var.plonk_alphas.iter().zip(&native.plonk_alphas) {
        base(v, *n);
    }
    ext(&var.plonk_zeta, native.plonk_zeta);
    let fri = &native.fri_challenges;
    ext(&var.fri_alpha, fri.fri_alpha);
    for (v, n) in var.fri_betas.iter().zip(&fri.fri_betas) {
        ext(v, *n);
    }
    base(&var.fri_pow_response, fri.fri_pow_response);
}

/// The transcript of `proof` in R1CS (digest of `vd`), with the challenges of `claimed` enforced.
fn transcript_claiming(
    vd: &FinalVerifierData,
    proof: &FinalProof,
    claimed: &ProofChallenges<F, D>,
) -> (bool, usize) {
    let cs = ConstraintSystem::<Fr>::new_ref();
    let var = FinalProofVar::new_witness(cs.clone(), proof, &vd.common).unwrap();
    let before = cs.num_constraints();
    let ch = get_challenges(&var, &vd.verifier_only.circuit_digest, &vd.common).unwrap();
    let n = cs.num_constraints() - before;
    claim(&cs, &ch, claimed);
    (satisfied(&cs), n)
}

#[test]
fn transcript_gadget_replays_the_native_challenges() {
    let (vd, proof) = fixture();
    let cs = ConstraintSystem::<Fr>::new_ref();
    let var = FinalProofVar::new_witness(cs.clone(), proof, &vd.common).unwrap();
    let ch = get_challenges(&var, &vd.verifier_only.circuit_digest, &vd.common).unwrap();
    assert_same_challenges(&ch, &native_challenges(vd, proof));
    assert!(satisfied(&cs));
}

#[test]
fn transcript_binds_public_inputs_caps_openings_and_circuit() {
    let (vd, proof) = fixture();
    let honest = native_challenges(vd, proof);
    let (ok, n) = transcript_claiming(vd, proof, &honest);
    assert!(ok, "the honest transcript must satisfy");
    println!("R1CS: transcript incl. public-input hash and query indices: {n} constraints");

    let mut bad = proof.clone();
    bad.public_inputs[3] += F::ONE;
    assert!(!transcript_claiming(vd, &bad, &honest).0, "changed public input");

    let mut bad = proof.clone();
    let mut bytes = bad.proof.wires_cap.0[1].to_bytes();
    bytes[5] ^= 4;
    bad.proof.wires_cap.0[1] = Bn254Digest::from_bytes(&bytes);
    assert!(!transcript_claiming(vd, &bad, &honest).0, "changed wires cap");

    let mut bad = proof.clone();
    bad.proof.quotient_polys_cap.0[0] = Bn254Digest::from_fr(Fr::from(7u64));
    assert!(!transcript_claiming(vd, &bad, &honest).0, "changed quotient cap");

    let mut bad = proof.clone();
    bad.proof.openings.plonk_zs_next[0] += F2::ONE;
    assert!(!transcript_claiming(vd, &bad, &honest).0, "changed opening");

    let mut other = vd.clone();
    other.verifier_only.circuit_digest = Bn254Digest::from_fr(Fr::from(1u64));
    assert!(!transcript_claiming(&other, proof, &honest).0, "other circuit digest");
}

#[test]
fn proof_of_work_check() {
    let (vd, proof) = fixture();
    let pow_bits = vd.common.config.fri_config.proof_of_work_bits;
    let check = |response: F| {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let r = GoldilocksVar::new_witness(cs.clone(), Some(response)).unwrap();
        verify_proof_of_work(&r, pow_bits).unwrap();
        satisfied(&cs)
    };
    let good = native_challenges(vd, proof).fri_challenges.fri_pow_response;
    assert!(check(good), "the proof's PoW response passes");
    // Boundary values: 2^(64 - pow_bits) - 1 passes, 2^(64 - pow_bits) and p - 1 fail.
    let limit = 1u64 << (64 - pow_bits);
    assert!(check(F::from_canonical_u64(limit - 1)));
    assert!(!check(F::from_canonical_u64(limit)));
    assert!(!check(F::NEG_ONE));
    // The response of a nonce that fails natively.
    let mut bad = proof.clone();
    let response = loop {
        bad.proof.opening_proof.pow_witness += F::ONE;
        let r = native_challenges(vd, &bad).fri_challenges.fri_pow_response;
        if r.to_canonical_u64().leading_zeros() < pow_bits {
            break r;
        }
    };
    assert!(!check(response), "a failing nonce's response");
}

/// Builds the whole transcript + FRI verifier for `proof` against `vd`; returns satisfaction.
fn full(vd: &FinalVerifierData, proof: &FinalProof) -> bool {
    let cs = ConstraintSystem::<Fr>::new_ref();
    verify_transcript_and_fri(cs.clone(), proof, vd).expect("synthesis");
    satisfied(&cs)
}

#[test]
fn fri_verifier_accepts_the_real_proof() {
    let (vd, proof) = fixture();
    let cs = ConstraintSystem::<Fr>::new_ref();
    let parts = verify_transcript_and_fri(cs.clone(), proof, vd).unwrap();
    assert_same_challenges(&parts.challenges, &native_challenges(vd, proof));
    let c = parts.counts;
    let p = &vd.common.fri_params;
    println!(
        "R1CS verifier (transcript + FRI), final layer degree 2^{}, LDE 2^{}, {} queries, arities {:?}: \
         total {} constraints = allocation {} + public-input hash {} + transcript {} + PoW {} + \
         alpha powers/reduced openings {} + initial Merkle paths {} + combination {} + folding {} + \
         commit-phase Merkle paths {} + final polynomial {}; {} witness variables",
        p.degree_bits,
        p.lde_bits(),
        p.config.num_query_rounds,
        p.reduction_arity_bits,
        c.total(),
        c.allocation,
        c.public_input_hash,
        c.transcript,
        c.fri.pow,
        c.fri.precompute,
        c.fri.initial_merkle,
        c.fri.combine,
        c.fri.folding,
        c.fri.commit_merkle,
        c.fri.final_poly,
        cs.num_witness_variables(),
    );
    assert_eq!(c.total(), cs.num_constraints());
    // The statement: the public inputs packed three per Groth16 input.
    let packed: Vec<Fr> = parts.statement.iter().map(|v| v.value().unwrap()).collect();
    assert_eq!(packed, pack_statement(&proof.public_inputs));
    assert_eq!(packed.len(), proof.public_inputs.len().div_ceil(3));
    assert_eq!(cs.num_instance_variables(), 1 + packed.len());
    assert!(satisfied(&cs));
}

#[test]
fn statement_packing_binds_the_public_inputs() {
    let (_, proof) = fixture();
    for tamper in [None, Some(0usize), Some(7)] {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let pis: Vec<GoldilocksVar> = proof
            .public_inputs
            .iter()
            .map(|x| GoldilocksVar::new_witness(cs.clone(), Some(*x)).unwrap())
            .collect();
        let inputs = statement::pack_statement(cs.clone(), &pis).unwrap();
        // A verifier holding the statement with public input i changed.
        let mut claimed = proof.public_inputs.clone();
        if let Some(i) = tamper {
            claimed[i] += F::ONE;
        }
        for (v, c) in inputs.iter().zip(pack_statement(&claimed)) {
            v.enforce_equal(&FpVar::new_input(cs.clone(), || Ok(c)).unwrap()).unwrap();
        }
        assert_eq!(satisfied(&cs), tamper.is_none(), "tamper {tamper:?}");
    }
}

#[test]
fn fri_verifier_rejects_tampered_queries() {
    let (vd, proof) = fixture();

    let mut bad = proof.clone();
    bad.proof.opening_proof.query_round_proofs[0].initial_trees_proof.evals_proofs[1].0[7] +=
        F::ONE;
    assert!(!full(vd, &bad), "flipped query value (wires row)");

    let mut bad = proof.clone();
    bad.proof.opening_proof.query_round_proofs[1].steps[0].evals[3] += F2::ONE;
    assert!(!full(vd, &bad), "flipped FRI coset value");

    let mut bad = proof.clone();
    let s = &mut bad.proof.opening_proof.query_round_proofs[0].initial_trees_proof.evals_proofs[3]
        .1
        .siblings[2];
    *s = Bn254Digest::from_fr(s.to_fr() + Fr::from(1u64));
    assert!(!full(vd, &bad), "wrong Merkle sibling (quotient tree)");

    let mut bad = proof.clone();
    let s = &mut bad.proof.opening_proof.query_round_proofs[1].steps[1].merkle_proof.siblings[0];
    *s = Bn254Digest::from_fr(s.to_fr() + Fr::from(1u64));
    assert!(!full(vd, &bad), "wrong Merkle sibling (commit phase)");

    let mut bad = proof.clone();
    bad.proof.opening_proof.final_poly.coeffs[0] += F2::ONE;
    assert!(!full(vd, &bad), "changed final polynomial");
}

#[test]
fn fri_verifier_rejects_a_changed_statement() {
    let (vd, proof) = fixture();

    let mut bad = proof.clone();
    bad.public_inputs[0] += F::ONE;
    assert!(!full(vd, &bad), "changed public input");

    let mut bad = proof.clone();
    bad.proof.openings.wires[0] += F2::ONE;
    assert!(!full(vd, &bad), "wrong opening at zeta");

    let pow_bits = vd.common.config.fri_config.proof_of_work_bits;
    let mut bad = proof.clone();
    loop {
        bad.proof.opening_proof.pow_witness += F::ONE;
        let r = native_challenges(vd, &bad).fri_challenges.fri_pow_response;
        if r.to_canonical_u64().leading_zeros() < pow_bits {
            break;
        }
    }
    assert!(!full(vd, &bad), "failing proof-of-work nonce");

    // The verifier key of another circuit: another digest, another constants/sigmas cap.
    let mut other = vd.clone();
    other.verifier_only.circuit_digest = Bn254Digest::from_fr(Fr::from(3u64));
    assert!(!full(&other, proof), "other circuit digest");
    let mut other = vd.clone();
    other.verifier_only.constants_sigmas_cap.0[0] =
        Bn254Digest::from_fr(Fr::from_le_bytes_mod_order(b"another circuit"));
    assert!(!full(&other, proof), "other constants/sigmas cap");
}

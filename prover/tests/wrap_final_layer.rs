//! The final plonky2 layer proven with the BN254-Poseidon config (test FRI config): verifies with
//! plonky2's own verifier, re-exposes the inner public inputs, and tampering is rejected.

use std::time::Instant;

use plonky2::field::types::{Field, PrimeField64};
use plonky2::plonk::config::GenericHashOut;
use proofbook_prover::wrap::config::{
    conjectured_security_bits, wrap_fri_config, wrap_test_circuit_config, Bn254Digest,
};
use proofbook_prover::wrap::final_layer::FinalProof;
use proofbook_prover::wrap::final_layer::{FinalLayer, F};
use proofbook_prover::wrap::fri::{fold_step, subgroup_x};
use proofbook_prover::wrap::r1cs;
use proofbook_prover::wrap::r1cs::goldilocks::{GoldilocksExtVar, GoldilocksVar};
use proofbook_prover::wrap::sample::{hash_chain, sample_inner, test_seed};
use proofbook_prover::wrap::WrapError;

use ark_bn254::Fr;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::prelude::*;
use ark_relations::gr1cs::{ConstraintSystem, ConstraintSystemRef};

/// Walks every FRI query of a real final-layer proof with the native twins (domain point,
/// folding) and checks each folded value against the next step's opening or the final
/// polynomial, as plonky2's verifier does; then runs the R1CS gadgets (Merkle path of the wires
/// tree, one folding step) on the same values, honest and tampered.
fn fri_steps_and_paths_match_the_gadgets(
    layer: &FinalLayer,
    proof: &FinalProof,
) -> anyhow::Result<()> {
    let common = &layer.data.common;
    let ch = proof.get_challenges(
        proof.get_public_inputs_hash(),
        &layer.data.verifier_only.circuit_digest,
        common,
    )?;
    let fri = &ch.fri_challenges;
    let params = &common.fri_params;
    let log_n = params.lde_bits();
    let opening = &proof.proof.opening_proof;
    for (&idx, round) in fri.fri_query_indices.iter().zip(&opening.query_round_proofs) {
        let mut x = subgroup_x(idx, log_n);
        let mut index = idx;
        let arities = &params.reduction_arity_bits;
        for (i, &ab) in arities.iter().enumerate() {
            let within = index & ((1 << ab) - 1);
            let folded = fold_step(x, within, ab, &round.steps[i].evals, fri.fri_betas[i]);
            x = x.exp_power_of_2(ab);
            index >>= ab;
            let expected = match arities.get(i + 1) {
                Some(&next) => round.steps[i + 1].evals[index & ((1 << next) - 1)],
                None => opening.final_poly.eval(x.into()),
            };
            assert_eq!(folded, expected, "fold step {i}");
        }
    }

    // Gadgets on query 0.
    let idx = fri.fri_query_indices[0];
    let round = &opening.query_round_proofs[0];
    let run = |tamper_sibling: bool, tamper_eval: bool| -> anyhow::Result<(bool, usize, usize)> {
        let cs: ConstraintSystemRef<Fr> = ConstraintSystem::new_ref();
        let bits: Vec<Boolean<Fr>> = (0..log_n)
            .map(|i| Boolean::new_witness(cs.clone(), || Ok((idx >> i) & 1 == 1)))
            .collect::<Result<_, _>>()?;
        // Merkle path of the wires tree (oracle 1).
        let (leaf, path) = &round.initial_trees_proof.evals_proofs[1];
        let leaf: Vec<GoldilocksVar> = leaf
            .iter()
            .map(|e| GoldilocksVar::new_witness(cs.clone(), Some(*e)))
            .collect::<Result<_, _>>()?;
        let cap: Vec<FpVar<Fr>> = proof
            .proof
            .wires_cap
            .0
            .iter()
            .map(|h| FpVar::new_input(cs.clone(), || Ok(h.to_fr())))
            .collect::<Result<_, _>>()?;
        let siblings: Vec<FpVar<Fr>> = path
            .siblings
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let v =
                    if tamper_sibling && i == 0 { h.to_fr() + Fr::from(1u64) } else { h.to_fr() };
                FpVar::new_witness(cs.clone(), || Ok(v))
            })
            .collect::<Result<_, _>>()?;
        let before = cs.num_constraints();
        r1cs::merkle::verify_merkle_proof_to_cap(&leaf, &bits, &cap, &siblings)?;
        let merkle = cs.num_constraints() - before;
        // First folding step, checked against the second step's opening.
        let before = cs.num_constraints();
        let ab = params.reduction_arity_bits[0];
        let x = r1cs::fri::subgroup_x(&bits)?;
        let evals: Vec<GoldilocksExtVar> = round.steps[0]
            .evals
            .iter()
            .enumerate()
            .map(|(j, e)| {
                let v = if tamper_eval && j == 0 { *e + <F as Field>::ONE.into() } else { *e };
                GoldilocksExtVar::new_witness(cs.clone(), Some(v))
            })
            .collect::<Result<_, _>>()?;
        let beta = GoldilocksExtVar::new_witness(cs.clone(), Some(fri.fri_betas[0]))?;
        let folded = r1cs::fri::fold_step(&x, &bits[..ab], &evals, &beta)?;
        let next_ab = params.reduction_arity_bits[1];
        let next = round.steps[1].evals[(idx >> ab) & ((1 << next_ab) - 1)];
        folded.enforce_equal(&GoldilocksExtVar::new_witness(cs.clone(), Some(next))?)?;
        let fold = cs.num_constraints() - before;
        cs.finalize();
        Ok((cs.is_satisfied()?, merkle, fold))
    };
    let (ok, merkle, fold) = run(false, false)?;
    assert!(ok, "honest Merkle path and folding step must satisfy");
    println!(
        "R1CS on a real final-layer query (LDE 2^{log_n}): wires-tree Merkle path {merkle} constraints, \
         domain point + arity-{} folding step {fold} constraints",
        1 << params.reduction_arity_bits[0]
    );
    assert!(!run(true, false)?.0, "a wrong Merkle sibling must not satisfy");
    assert!(!run(false, true)?.0, "a flipped FRI query value must not satisfy");
    Ok(())
}

#[test]
fn final_layer_proves_verifies_and_rejects_tampering() -> anyhow::Result<()> {
    let inner = sample_inner(test_seed(), 4)?;
    let t = Instant::now();
    let layer = FinalLayer::build(
        &inner.data.common,
        &inner.data.verifier_only,
        wrap_test_circuit_config(),
    );
    let build = t.elapsed();
    let t = Instant::now();
    let proof = layer.prove(&inner.proof, &inner.data.verifier_only)?;
    let prove = t.elapsed();
    println!(
        "final layer (test config): degree_bits {}, build {build:?}, prove {prove:?}, proof {} bytes",
        layer.data.common.degree_bits(),
        proof.to_bytes().len()
    );

    // plonky2's own verifier accepts it.
    layer.verify(&proof)?;

    // Public inputs re-exposed unchanged: seed then the hash chain's end.
    let mut expected = test_seed().to_vec();
    expected.extend(hash_chain(test_seed(), 4));
    assert_eq!(proof.public_inputs, expected);
    assert_eq!(proof.public_inputs, inner.proof.public_inputs);

    // A changed public input.
    let mut bad = proof.clone();
    bad.public_inputs[0] += F::ONE;
    assert!(matches!(layer.verify(&bad), Err(WrapError::InvalidFinalProof(_))));

    // A changed opening at zeta.
    let mut bad = proof.clone();
    bad.proof.openings.wires[0] += <F as Field>::ONE.into();
    assert!(matches!(layer.verify(&bad), Err(WrapError::InvalidFinalProof(_))));

    // A changed Merkle cap (the wires commitment).
    let mut bad = proof.clone();
    let cap0 = bad.proof.wires_cap.0[0];
    let mut bytes = cap0.to_bytes();
    bytes[0] ^= 1;
    bad.proof.wires_cap.0[0] = Bn254Digest::from_bytes(&bytes);
    assert!(matches!(layer.verify(&bad), Err(WrapError::InvalidFinalProof(_))));

    // A flipped FRI query value.
    let mut bad = proof.clone();
    bad.proof.opening_proof.query_round_proofs[0].initial_trees_proof.evals_proofs[0].0[0] +=
        F::ONE;
    assert!(matches!(layer.verify(&bad), Err(WrapError::InvalidFinalProof(_))));

    fri_steps_and_paths_match_the_gadgets(&layer, &proof)?;

    // A proof of another circuit of the same shape (other verifier key) is refused, and so is
    // a proof with another number of public inputs.
    let other = sample_inner(test_seed(), 3)?;
    let err = layer.prove(&other.proof, &inner.data.verifier_only).unwrap_err();
    assert!(matches!(err, WrapError::InvalidInnerProof(_)), "{err}");
    let mut short = inner.proof.clone();
    short.public_inputs.pop();
    let err = layer.prove(&short, &inner.data.verifier_only).unwrap_err();
    assert!(matches!(err, WrapError::PublicInputCount { expected: 8, got: 7 }), "{err}");

    // A proof-of-work nonce that fails (the first other nonce whose response lacks the
    // leading zeros; the found nonce may differ between runs, rayon's search is not ordered).
    let pow_bits = layer.data.common.config.fri_config.proof_of_work_bits;
    let mut bad = proof;
    loop {
        bad.proof.opening_proof.pow_witness += F::ONE;
        let response = bad
            .get_challenges(
                bad.get_public_inputs_hash(),
                &layer.data.verifier_only.circuit_digest,
                &layer.data.common,
            )?
            .fri_challenges
            .fri_pow_response;
        if response.to_canonical_u64().leading_zeros() < pow_bits {
            break;
        }
    }
    assert!(matches!(layer.verify(&bad), Err(WrapError::InvalidFinalProof(_))));
    Ok(())
}

#[test]
fn the_production_config_reaches_100_bits() {
    assert!(conjectured_security_bits(&wrap_fri_config()) >= 100);
}

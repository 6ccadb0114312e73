//! The vanishing/quotient check at `ζ` of a final-layer proof, natively (`wrap::vanishing`) and
//! in R1CS (`wrap::r1cs::{gates, vanishing}`), on the committed real final-layer proof
//! (`tests/fixtures/wrap_final_test.{vd,proof}.bin`, test FRI config; see
//! `wrap_r1cs_verifier.rs`).
//!
//! The native check holds on the real proof and fails when one wire or one quotient opening is
//! changed; each gate's R1CS constraints equal plonky2's `eval_unfiltered` on the proof's
//! openings; the R1CS vanishing polynomial equals the native one; the whole R1CS verifier is
//! satisfied by the real proof; the vanishing sub-circuit is unsatisfied with a changed wire
//! or quotient opening (a changed opening cannot also pass FRI: the openings are bound by the
//! FRI check, tested in `wrap_r1cs_verifier.rs`).

use std::time::Instant;

use ark_bn254::Fr;
use ark_relations::gr1cs::{ConstraintSystem, ConstraintSystemRef};
use plonky2::field::extension::Extendable;
use plonky2::field::types::Field;
use plonky2::plonk::proof::ProofChallenges;
use plonky2::plonk::vars::EvaluationVars;
use proofbook_prover::wrap::final_layer::{FinalProof, FinalVerifierData, D, F};
use proofbook_prover::wrap::r1cs::gates::{eval_unfiltered, EvaluationVarsVar};
use proofbook_prover::wrap::r1cs::goldilocks::{GoldilocksExtVar, GoldilocksVar};
use proofbook_prover::wrap::r1cs::proof::OpeningSetVar;
use proofbook_prover::wrap::r1cs::transcript::ProofChallengesVar;
use proofbook_prover::wrap::r1cs::vanishing as r1cs_vanishing;
use proofbook_prover::wrap::r1cs::verifier::verify_final_proof;
use proofbook_prover::wrap::vanishing::{
    check_vanishing, eval_vanishing_poly, evaluate_gate_constraints, verify_vanishing,
    SelectorLayout, VanishingChallenges, VanishingOpenings,
};
use proofbook_prover::wrap::WrapError;

type F2 = <F as Extendable<D>>::Extension;

mod common;
use common::fixture;

fn native_challenges(vd: &FinalVerifierData, proof: &FinalProof) -> ProofChallenges<F, D> {
    proof
        .get_challenges(
            proof.get_public_inputs_hash(),
            &vd.verifier_only.circuit_digest,
            &vd.common,
        )
        .expect("challenges")
}

fn vanishing_challenges(ch: &ProofChallenges<F, D>) -> VanishingChallenges {
    VanishingChallenges {
        betas: ch.plonk_betas.clone(),
        gammas: ch.plonk_gammas.clone(),
        alphas: ch.plonk_alphas.clone(),
        zeta: ch.plonk_zeta,
    }
}

fn satisfied(cs: &ConstraintSystemRef<Fr>) -> bool {
    cs.finalize();
    cs.is_satisfied().expect("the satisfiability check itself must not fail")
}

fn ext_vars(cs: &ConstraintSystemRef<Fr>, xs: &[F2]) -> Vec<GoldilocksExtVar> {
    xs.iter().map(|x| GoldilocksExtVar::new_witness(cs.clone(), Some(*x)).unwrap()).collect()
}

fn opening_vars(cs: &ConstraintSystemRef<Fr>, proof: &FinalProof) -> OpeningSetVar {
    let o = &proof.proof.openings;
    OpeningSetVar {
        constants: ext_vars(cs, &o.constants),
        plonk_sigmas: ext_vars(cs, &o.plonk_sigmas),
        wires: ext_vars(cs, &o.wires),
        plonk_zs: ext_vars(cs, &o.plonk_zs),
        plonk_zs_next: ext_vars(cs, &o.plonk_zs_next),
        partial_products: ext_vars(cs, &o.partial_products),
        quotient_polys: ext_vars(cs, &o.quotient_polys),
    }
}

fn pi_hash_vars(cs: &ConstraintSystemRef<Fr>, proof: &FinalProof) -> [GoldilocksVar; 4] {
    let h = proof.get_public_inputs_hash();
    core::array::from_fn(|i| GoldilocksVar::new_witness(cs.clone(), Some(h.elements[i])).unwrap())
}

/// The challenges as witnesses (only the ones the vanishing check reads are meaningful).
fn challenge_vars(cs: &ConstraintSystemRef<Fr>, ch: &ProofChallenges<F, D>) -> ProofChallengesVar {
    let base = |xs: &[F]| -> Vec<GoldilocksVar> {
        xs.iter().map(|x| GoldilocksVar::new_witness(cs.clone(), Some(*x)).unwrap()).collect()
    };
    ProofChallengesVar {
        plonk_betas: base(&ch.plonk_betas),
        plonk_gammas: base(&ch.plonk_gammas),
        plonk_alphas: base(&ch.plonk_alphas),
        plonk_zeta: GoldilocksExtVar::new_witness(cs.clone(), Some(ch.plonk_zeta)).unwrap(),
        fri_alpha: GoldilocksExtVar::zero(),
        fri_betas: Vec::new(),
        fri_pow_response: GoldilocksVar::constant(F::ZERO),
        fri_query_indices: Vec::new(),
    }
}

fn with_wire_changed(proof: &FinalProof, wire: usize) -> FinalProof {
    let mut p = proof.clone();
    p.proof.openings.wires[wire] += F2::ONE;
    p
}

fn with_quotient_changed(proof: &FinalProof, i: usize) -> FinalProof {
    let mut p = proof.clone();
    p.proof.openings.quotient_polys[i] += F2::ONE;
    p
}

#[test]
fn native_vanishing_check_holds_on_the_real_proof() {
    let (vd, proof) = fixture();
    verify_vanishing(proof, vd).expect("the real proof satisfies the vanishing check");
    let layout = SelectorLayout::of(&vd.common).unwrap();
    assert_eq!(layout.selector_indices.len(), vd.common.gates.len());
    println!(
        "selectors: {} columns, groups {:?}, gate → column {:?}; {} gate constraints",
        layout.num_selectors(),
        layout.groups,
        layout.selector_indices,
        vd.common.num_gate_constraints
    );
}

#[test]
fn native_vanishing_check_fails_on_a_changed_opening() {
    let (vd, proof) = fixture();
    let ch = vanishing_challenges(&native_challenges(vd, proof));
    // A wire the permutation argument reads (routed), one only gates read, a quotient chunk of
    // each repetition: with the honest challenges, and with the challenges re-derived from the
    // changed openings (as plonky2's verifier would).
    let routed = vd.common.config.num_routed_wires;
    let qdf = vd.common.quotient_degree_factor;
    for bad in [
        with_wire_changed(proof, 3),
        with_wire_changed(proof, routed + 5),
        with_quotient_changed(proof, 0),
        with_quotient_changed(proof, qdf + 2),
    ] {
        let r = check_vanishing(&vd.common, &VanishingOpenings::of(&bad), &ch);
        assert!(matches!(r, Err(WrapError::VanishingCheck { .. })), "{r:?}");
        let r = verify_vanishing(&bad, vd);
        assert!(matches!(r, Err(WrapError::VanishingCheck { .. })), "{r:?}");
    }
}

#[test]
fn each_gate_r1cs_constraints_equal_plonky2() {
    let (vd, proof) = fixture();
    let common = &vd.common;
    let layout = SelectorLayout::of(common).unwrap();
    let o = &proof.proof.openings;
    let pi_hash = proof.get_public_inputs_hash();
    let skip = layout.num_selectors() + common.num_lookup_selectors;
    let native_vars = EvaluationVars {
        local_constants: &o.constants[skip..],
        local_wires: &o.wires,
        public_inputs_hash: &pi_hash,
    };
    for gate in &common.gates {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let constants = ext_vars(&cs, &o.constants);
        let wires = ext_vars(&cs, &o.wires);
        let h = pi_hash_vars(&cs, proof);
        let vars = EvaluationVarsVar {
            local_constants: &constants[skip..],
            local_wires: &wires,
            public_inputs_hash: &h,
        };
        let before = cs.num_constraints();
        let r1cs = eval_unfiltered(gate, &vars).expect("every gate of the final layer has a twin");
        let used = cs.num_constraints() - before;
        let native = gate.0.eval_unfiltered(native_vars);
        assert_eq!(r1cs.len(), native.len(), "{}", gate.0.id());
        for (k, (v, n)) in r1cs.iter().zip(&native).enumerate() {
            assert_eq!(v.element().unwrap(), *n, "{} constraint {k}", gate.0.id());
        }
        // At a random point the constraints are not all zero: the comparison is not vacuous.
        assert!(native.is_empty() || native.iter().any(|n| *n != F2::ZERO), "{}", gate.0.id());
        assert!(satisfied(&cs), "{}: the hints are consistent", gate.0.id());
        println!("{}: {} constraints, {used} R1CS constraints", gate.0.id(), native.len());
    }
}

#[test]
fn r1cs_vanishing_polynomial_equals_native() {
    let (vd, proof) = fixture();
    let common = &vd.common;
    let native_ch = native_challenges(vd, proof);
    let layout = SelectorLayout::of(common).unwrap();
    let openings = VanishingOpenings::of(proof);
    let native_gates = evaluate_gate_constraints(
        common,
        &layout,
        openings.constants,
        openings.wires,
        &openings.public_inputs_hash,
    )
    .unwrap();
    let native =
        eval_vanishing_poly(common, &layout, &openings, &vanishing_challenges(&native_ch)).unwrap();

    let cs = ConstraintSystem::<Fr>::new_ref();
    let o = opening_vars(&cs, proof);
    let h = pi_hash_vars(&cs, proof);
    let ch = challenge_vars(&cs, &native_ch);
    let gates =
        r1cs_vanishing::evaluate_gate_constraints(common, &layout, &o.constants, &o.wires, &h)
            .unwrap();
    for (v, n) in gates.iter().zip(&native_gates) {
        assert_eq!(v.element().unwrap(), *n);
    }
    let v = r1cs_vanishing::eval_vanishing_poly(&cs, common, &layout, &o, &h, &ch).unwrap();
    assert_eq!(v.len(), native.len());
    for (v, n) in v.iter().zip(&native) {
        assert_eq!(v.element().unwrap(), *n);
    }
    assert!(satisfied(&cs));
}

/// The vanishing sub-circuit alone on the given openings, with the real proof's challenges.
fn vanishing_subcircuit(
    vd: &FinalVerifierData,
    real: &FinalProof,
    openings: &FinalProof,
) -> (bool, usize) {
    let cs = ConstraintSystem::<Fr>::new_ref();
    let o = opening_vars(&cs, openings);
    let h = pi_hash_vars(&cs, real);
    let ch = challenge_vars(&cs, &native_challenges(vd, real));
    let before = cs.num_constraints();
    r1cs_vanishing::check_vanishing(&cs, &vd.common, &o, &h, &ch).expect("synthesis");
    let used = cs.num_constraints() - before;
    (satisfied(&cs), used)
}

#[test]
fn r1cs_vanishing_subcircuit_rejects_a_changed_opening() {
    let (vd, proof) = fixture();
    let (ok, used) = vanishing_subcircuit(vd, proof, proof);
    assert!(ok, "the real openings satisfy the vanishing sub-circuit");
    println!("R1CS vanishing check alone: {used} constraints");
    let routed = vd.common.config.num_routed_wires;
    let qdf = vd.common.quotient_degree_factor;
    for (what, bad) in [
        ("routed wire 3", with_wire_changed(proof, 3)),
        ("advice wire", with_wire_changed(proof, routed + 5)),
        ("quotient chunk 0", with_quotient_changed(proof, 0)),
        ("quotient chunk of repetition 1", with_quotient_changed(proof, qdf + 2)),
    ] {
        assert!(!vanishing_subcircuit(vd, proof, &bad).0, "{what} changed must not satisfy");
    }
}

#[test]
fn full_r1cs_verifier_accepts_the_real_proof_and_rejects_changed_openings() {
    let (vd, proof) = fixture();
    let t = Instant::now();
    let cs = ConstraintSystem::<Fr>::new_ref();
    let parts = verify_final_proof(cs.clone(), proof, vd).expect("synthesis");
    let c = parts.counts;
    assert_eq!(c.total(), cs.num_constraints());
    println!(
        "R1CS verifier with the vanishing check: total {} constraints = transcript + FRI {} + \
         vanishing {} (built in {:?}); {} witness variables",
        c.total(),
        c.total() - c.vanishing,
        c.vanishing,
        t.elapsed(),
        cs.num_witness_variables()
    );
    assert!(satisfied(&cs));
    for bad in [with_wire_changed(proof, 3), with_quotient_changed(proof, 1)] {
        let cs = ConstraintSystem::<Fr>::new_ref();
        verify_final_proof(cs.clone(), &bad, vd).expect("synthesis");
        assert!(!satisfied(&cs));
    }
}

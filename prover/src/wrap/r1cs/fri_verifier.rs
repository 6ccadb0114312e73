//! The FRI verifier of the final layer in R1CS: twin of plonky2's `verify_fri_proof`
//! (`fri/verifier.rs`) for the final layer's instance (four oracles, a batch at `zeta` and the
//! `Z`s at `g·zeta`, no salt): proof-of-work check, and per query the Merkle paths of the four
//! initial trees, the combination of the opened rows with `alpha` against the openings
//! (`fri_combine_initial`), each folding step with its coset's Merkle path, and the final
//! polynomial.

use ark_bn254::Fr;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::prelude::*;
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};
use plonky2::field::types::Field;
use plonky2::hash::merkle_tree::MerkleCap;
use plonky2::plonk::circuit_data::CommonCircuitData;

use super::fri::{fold_step, subgroup_x};
use super::goldilocks::{range_check, GoldilocksExtVar, GoldilocksVar, F2};
use super::merkle::verify_merkle_proof_to_cap;
use super::proof::FinalProofVar;
use super::transcript::ProofChallengesVar;
use crate::wrap::config::PoseidonBn254Hash;
use crate::wrap::final_layer::{D, F};

/// Constraints spent by each part of [`verify_fri_proof`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FriConstraintCounts {
    /// Proof-of-work check.
    pub pow: usize,
    /// Powers of `alpha` and the openings reduced by them (once per proof).
    pub precompute: usize,
    /// Merkle paths of the four initial trees (all queries, leaf hashes included).
    pub initial_merkle: usize,
    /// Combination of the opened rows at each query (`fri_combine_initial`).
    pub combine: usize,
    /// Folding: domain points, coset consistency, interpolation steps.
    pub folding: usize,
    /// Merkle paths of the commit-phase cosets.
    pub commit_merkle: usize,
    /// Final-polynomial evaluations.
    pub final_poly: usize,
}

impl FriConstraintCounts {
    /// All parts together.
    pub fn total(&self) -> usize {
        self.pow
            + self.precompute
            + self.initial_merkle
            + self.combine
            + self.folding
            + self.commit_merkle
            + self.final_poly
    }
}

/// Twin of plonky2's `fri_verify_proof_of_work`: the canonical response has `pow_bits` leading
/// zeros (of 64), i.e. it is `< 2^(64 - pow_bits)`.
pub fn verify_proof_of_work(response: &GoldilocksVar, pow_bits: u32) -> Result<(), SynthesisError> {
    let r = response.reduce()?;
    // Soundness: the decomposition into 64 - pow_bits bits exists iff r < 2^(64 - pow_bits).
    range_check(&r.value, 64 - pow_bits)?;
    Ok(())
}

/// Sums lazily as a balanced tree (the bit width grows by `⌈log2 n⌉`, not `n`).
fn sum_tree(mut xs: Vec<GoldilocksVar>) -> Result<GoldilocksVar, SynthesisError> {
    if xs.is_empty() {
        return Ok(GoldilocksVar::constant(F::ZERO));
    }
    while xs.len() > 1 {
        let mut next = Vec::with_capacity(xs.len().div_ceil(2));
        for pair in xs.chunks(2) {
            next.push(if pair.len() == 2 { pair[0].add(&pair[1])? } else { pair[0].clone() });
        }
        xs = next;
    }
    Ok(xs.pop().expect("one left"))
}

fn sum_tree_ext(xs: Vec<GoldilocksExtVar>) -> Result<GoldilocksExtVar, SynthesisError> {
    let (c0, c1): (Vec<_>, Vec<_>) = xs
        .into_iter()
        .map(|e| {
            let [a, b] = e.c;
            (a, b)
        })
        .unzip();
    Ok(GoldilocksExtVar { c: [sum_tree(c0)?, sum_tree(c1)?] })
}

/// `[1, a, a², …, a^(n-1)]`, canonical.
fn powers(a: &GoldilocksExtVar, n: usize) -> Result<Vec<GoldilocksExtVar>, SynthesisError> {
    let mut out = Vec::with_capacity(n);
    let mut cur = GoldilocksExtVar::constant(F2::ONE);
    for _ in 0..n {
        out.push(cur.clone());
        cur = cur.mul(a)?.reduce()?;
    }
    Ok(out)
}

/// `Σ pows[i] · values[i]` for base-field values (2 constraints per term, one reduction).
fn reduce_base(
    pows: &[GoldilocksExtVar],
    values: &[GoldilocksVar],
) -> Result<GoldilocksExtVar, SynthesisError> {
    let terms = values.iter().zip(pows).map(|(v, p)| p.scale(v)).collect::<Result<Vec<_>, _>>()?;
    sum_tree_ext(terms)?.reduce()
}

/// `Σ pows[i] · values[i]` for extension values (4 constraints per term, one reduction).
fn reduce_ext(
    pows: &[GoldilocksExtVar],
    values: &[GoldilocksExtVar],
) -> Result<GoldilocksExtVar, SynthesisError> {
    let terms = values.iter().zip(pows).map(|(v, p)| p.mul(v)).collect::<Result<Vec<_>, _>>()?;
    sum_tree_ext(terms)?.reduce()
}

/// `num / den` as a witness `q` with `q · den ≡ num` enforced.
fn ext_div(
    cs: &ConstraintSystemRef<Fr>,
    num: &GoldilocksExtVar,
    den: &GoldilocksExtVar,
) -> Result<GoldilocksExtVar, SynthesisError> {
    let q = match (num.element(), den.element()) {
        (Ok(n), Ok(d)) => d.try_inverse().map(|i| n * i),
        _ => None,
    };
    let q = GoldilocksExtVar::new_witness(cs.clone(), q)?;
    // Soundness: q·den ≡ num with den ≠ 0 fixes q = num/den (den = 0, i.e. x = the opening
    // point, leaves no witness: unsatisfiable, as natively a division by zero).
    q.mul(den)?.enforce_equal(num)?;
    Ok(q)
}

/// `values[index]` for little-endian index bits (a multiplexer per coordinate).
fn select_ext(
    values: &[GoldilocksExtVar],
    index_bits: &[Boolean<Fr>],
) -> Result<GoldilocksExtVar, SynthesisError> {
    let be: Vec<Boolean<Fr>> = index_bits.iter().rev().cloned().collect();
    let mut c = Vec::with_capacity(2);
    for k in 0..2 {
        let col: Vec<FpVar<Fr>> = values.iter().map(|v| v.c[k].value.clone()).collect();
        let v = FpVar::conditionally_select_power_of_two_vector(&be, &col)?;
        c.push(GoldilocksVar { value: v, bits: 64, canonical: true });
    }
    Ok(GoldilocksExtVar { c: c.try_into().expect("two coordinates") })
}

fn base_to_ext(x: &GoldilocksVar) -> GoldilocksExtVar {
    GoldilocksExtVar { c: [x.clone(), GoldilocksVar::constant(F::ZERO)] }
}

/// Twin of plonky2's `verify_fri_proof` for a final-layer proof whose challenges were replayed
/// by [`super::transcript::get_challenges`]; `constants_sigmas_cap` is the final layer's (a
/// constant). The opened rows of the commit phase must be canonical witnesses (they are, from
/// [`FinalProofVar::new_witness`]).
pub fn verify_fri_proof(
    cs: &ConstraintSystemRef<Fr>,
    proof: &FinalProofVar,
    ch: &ProofChallengesVar,
    constants_sigmas_cap: &MerkleCap<F, PoseidonBn254Hash>,
    common: &CommonCircuitData<F, D>,
) -> Result<FriConstraintCounts, SynthesisError> {
    let mut counts = FriConstraintCounts::default();
    let mut mark = cs.num_constraints();
    let mut lap = |slot: &mut usize| {
        let now = cs.num_constraints();
        *slot += now - mark;
        mark = now;
    };
    let params = &common.fri_params;

    verify_proof_of_work(&ch.fri_pow_response, params.config.proof_of_work_bits)?;
    lap(&mut counts.pow);

    // Precomputed once: alpha powers and the openings reduced by them (plonky2's
    // `PrecomputedReducedOpenings`).
    let [batch0, batch1] = proof.openings.fri_batches();
    let (len0, len1) = (batch0.len(), batch1.len());
    let pows = powers(&ch.fri_alpha, len0.max(len1 + 1))?;
    let reduced_openings = [reduce_ext(&pows, &batch0)?, reduce_ext(&pows, &batch1)?];
    let zeta = &ch.plonk_zeta;
    // As natively: the extension's primitive root (a constant, so the product is linear).
    let g = F2::primitive_root_of_unity(common.degree_bits());
    let zeta_next = zeta.mul(&GoldilocksExtVar::constant(g))?.reduce()?;
    lap(&mut counts.precompute);

    let caps: Vec<Vec<FpVar<Fr>>> = vec![
        constants_sigmas_cap.0.iter().map(|h| FpVar::constant(h.to_fr())).collect(),
        proof.wires_cap.clone(),
        proof.plonk_zs_partial_products_cap.clone(),
        proof.quotient_polys_cap.clone(),
    ];
    let nc = common.config.num_challenges;

    for (round, index_bits) in proof.query_rounds.iter().zip(&ch.fri_query_indices) {
        for (leaf, cap) in round.initial.iter().zip(&caps) {
            verify_merkle_proof_to_cap(&leaf.values, index_bits, cap, &leaf.siblings)?;
        }
        lap(&mut counts.initial_merkle);

        let mut x = subgroup_x(index_bits)?;
        lap(&mut counts.folding);

        // fri_combine_initial: α^len1 · (R0(x) − R0(ζ))/(x − ζ) + (R1(x) − R1(gζ))/(x − gζ).
        let all: Vec<GoldilocksVar> =
            round.initial.iter().flat_map(|l| l.values.iter().cloned()).collect();
        let zs: Vec<GoldilocksVar> = round.initial[2].values[..nc].to_vec();
        let x_ext = base_to_ext(&x);
        let num0 = reduce_base(&pows, &all)?.sub(&reduced_openings[0])?;
        let q0 = ext_div(cs, &num0, &x_ext.sub(zeta)?)?;
        let num1 = reduce_base(&pows, &zs)?.sub(&reduced_openings[1])?;
        let q1 = ext_div(cs, &num1, &x_ext.sub(&zeta_next)?)?;
        let mut old_eval = q0.mul(&pows[len1])?.reduce()?.add(&q1)?;
        lap(&mut counts.combine);

        let mut bits = index_bits.clone();
        for ((step, &arity_bits), (cap, beta)) in round
            .steps
            .iter()
            .zip(&params.reduction_arity_bits)
            .zip(proof.commit_phase_merkle_caps.iter().zip(&ch.fri_betas))
        {
            let (within, coset) = bits.split_at(arity_bits);
            // The coset contains the previous round's value at x.
            select_ext(&step.values, within)?.enforce_equal(&old_eval)?;
            old_eval = fold_step(&x, within, &step.values, beta)?;
            for _ in 0..arity_bits {
                x = x.mul(&x)?.reduce()?;
            }
            lap(&mut counts.folding);
            let flat: Vec<GoldilocksVar> =
                step.values.iter().flat_map(|e| e.c.iter().cloned()).collect();
            verify_merkle_proof_to_cap(&flat, coset, cap, &step.siblings)?;
            lap(&mut counts.commit_merkle);
            bits = coset.to_vec();
        }

        // The final polynomial at the last x (Horner, base-field point).
        let mut acc = GoldilocksExtVar::constant(F2::ZERO);
        for c in proof.final_poly.iter().rev() {
            acc = acc.scale(&x)?.add(c)?;
        }
        acc.enforce_equal(&old_eval)?;
        lap(&mut counts.final_poly);
    }
    Ok(counts)
}

//! The vanishing/quotient check at `ζ` in R1CS: each function is the twin of the one of the same
//! name in [`crate::wrap::vanishing`] (read there for the formulas), on emulated `F_p²`
//! ([`GoldilocksExtVar`]) with the openings and challenges of the allocated proof. The gate
//! constraints are the twins in [`super::gates`].

use std::ops::Range;

use ark_bn254::Fr;
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};
use plonky2::field::types::Field;
use plonky2::plonk::circuit_data::CommonCircuitData;

use super::gates::{eval_unfiltered, EvaluationVarsVar};
use super::goldilocks::{GoldilocksExtVar, GoldilocksVar, F2};
use super::proof::OpeningSetVar;
use super::transcript::ProofChallengesVar;
use crate::wrap::final_layer::{D, F};
use crate::wrap::vanishing::{SelectorLayout, UNUSED_SELECTOR};
use crate::wrap::WrapError;

type R<T> = Result<T, SynthesisError>;

/// The selector filter of gate `row`: `Π_{r ∈ group, r ≠ row} (r − s)`, times `(UNUSED − s)`
/// when the circuit has more than one selector column. It is zero on the rows of the other gates
/// of the group and on the unused rows, non-zero on the gate's own rows.
pub fn compute_filter(
    row: usize,
    group: Range<usize>,
    s: &GoldilocksExtVar,
    many_selectors: bool,
) -> R<GoldilocksExtVar> {
    let mut acc: Option<GoldilocksExtVar> = None;
    for r in group
        .filter(|&r| r != row)
        .map(|r| r as u64)
        .chain(many_selectors.then_some(UNUSED_SELECTOR))
    {
        let f = GoldilocksExtVar::constant(F2::from_canonical_u64(r)).sub(s)?;
        acc = Some(match acc {
            None => f,
            Some(a) => a.mul(&f)?.reduce()?,
        });
    }
    Ok(acc.unwrap_or_else(GoldilocksExtVar::one))
}

/// The gate-constraint terms: for each constraint index `c < num_gate_constraints`,
/// `Σ_gates filter_g · C_{g,c}`, where `C_g` is the gate's `eval_unfiltered` on the constants
/// after the selector columns.
pub fn evaluate_gate_constraints(
    common: &CommonCircuitData<F, D>,
    layout: &SelectorLayout,
    constants: &[GoldilocksExtVar],
    wires: &[GoldilocksExtVar],
    public_inputs_hash: &[GoldilocksVar; 4],
) -> Result<Vec<GoldilocksExtVar>, WrapError> {
    let num_selectors = layout.num_selectors();
    let vars = EvaluationVarsVar {
        local_constants: &constants[num_selectors + common.num_lookup_selectors..],
        local_wires: wires,
        public_inputs_hash,
    };
    let mut out: Vec<Vec<GoldilocksExtVar>> = vec![Vec::new(); common.num_gate_constraints];
    for (g, gate) in common.gates.iter().enumerate() {
        let sel = layout.selector_indices[g];
        let filter =
            compute_filter(g, layout.groups[sel].clone(), &constants[sel], num_selectors > 1)?;
        let cs = eval_unfiltered(gate, &vars)?;
        if cs.len() > out.len() {
            return Err(WrapError::ProofShape {
                what: "gate constraints",
                expected: out.len(),
                got: cs.len(),
            });
        }
        for (o, c) in out.iter_mut().zip(cs) {
            // `mul` reduces `c` only when filter·c could exceed MAX_BITS.
            o.push(filter.mul(&c)?);
        }
    }
    out.into_iter().map(|terms| Ok(sum(terms)?.reduce()?)).collect()
}

/// A balanced sum (bit growth `⌈log2 n⌉`).
fn sum(mut xs: Vec<GoldilocksExtVar>) -> R<GoldilocksExtVar> {
    if xs.is_empty() {
        return Ok(GoldilocksExtVar::zero());
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

fn exp_power_of_2(x: &GoldilocksExtVar, k: usize) -> R<GoldilocksExtVar> {
    let mut y = x.reduce()?;
    for _ in 0..k {
        y = y.mul(&y)?.reduce()?;
    }
    Ok(y)
}

/// `Z_H(x) = x^n − 1` for the subgroup of order `n = 2^degree_bits`.
pub fn eval_zero_poly(degree_bits: usize, x: &GoldilocksExtVar) -> R<GoldilocksExtVar> {
    exp_power_of_2(x, degree_bits)?.sub(&GoldilocksExtVar::one())
}

/// `L_0(x) = (x^n − 1) / (n·(x − 1))` (the Lagrange polynomial of the point 1), for `x ≠ 1`.
pub fn eval_l_0(
    cs: &ConstraintSystemRef<Fr>,
    degree_bits: usize,
    x: &GoldilocksExtVar,
) -> R<GoldilocksExtVar> {
    let num = eval_zero_poly(degree_bits, x)?;
    let den =
        x.sub(&GoldilocksExtVar::one())?.mul_const(F::from_canonical_u64(1 << degree_bits))?;
    let l = match (num.element(), den.element()) {
        (Ok(n), Ok(d)) => d.try_inverse().map(|i| n * i),
        _ => None,
    };
    let l = GoldilocksExtVar::new_witness(cs.clone(), l)?;
    // Soundness: l·n(x − 1) ≡ x^n − 1 fixes l when x ≠ 1 (x = 1 leaves no witness for an honest
    // prover and happens with probability 1/p² for the challenge ζ).
    l.mul(&den)?.enforce_equal(&num)?;
    Ok(l)
}

fn product(xs: &[GoldilocksExtVar]) -> R<GoldilocksExtVar> {
    let mut acc = xs[0].reduce()?;
    for x in &xs[1..] {
        acc = acc.mul(x)?.reduce()?;
    }
    Ok(acc)
}

/// The partial-product checks of one repetition: for each chunk of `chunk` numerators and
/// denominators with accumulators `(prev, next)` taken consecutively from
/// `z, partials…, z_next`: `prev·Π num − next·Π den`.
pub fn check_partial_products(
    numerators: &[GoldilocksExtVar],
    denominators: &[GoldilocksExtVar],
    partials: &[GoldilocksExtVar],
    z: &GoldilocksExtVar,
    z_next: &GoldilocksExtVar,
    chunk: usize,
) -> Result<Vec<GoldilocksExtVar>, WrapError> {
    let accs: Vec<&GoldilocksExtVar> =
        std::iter::once(z).chain(partials.iter()).chain(std::iter::once(z_next)).collect();
    let chunks = numerators.len().div_ceil(chunk);
    if accs.len() != chunks + 1 || denominators.len() != numerators.len() {
        return Err(WrapError::ProofShape {
            what: "partial products",
            expected: chunks.saturating_sub(1),
            got: partials.len(),
        });
    }
    let mut out = Vec::with_capacity(chunks);
    for ((n, d), w) in numerators.chunks(chunk).zip(denominators.chunks(chunk)).zip(accs.windows(2))
    {
        out.push(w[0].mul(&product(n)?)?.sub(&w[1].mul(&product(d)?)?)?);
    }
    Ok(out)
}

/// `Σ_k α^k · terms[k]` (plonky2's `reduce_with_powers`, Horner from the last term).
pub fn reduce_with_powers(
    terms: &[GoldilocksExtVar],
    alpha: &GoldilocksExtVar,
) -> R<GoldilocksExtVar> {
    let mut acc = GoldilocksExtVar::zero();
    for t in terms.iter().rev() {
        acc = acc.reduce()?.mul(alpha)?.add(t)?;
    }
    acc.reduce()
}

/// `Σ_k α^k · terms[k]` for a base-field `α` (2 products per term instead of 4).
fn reduce_with_base_powers(
    terms: &[GoldilocksExtVar],
    alpha: &GoldilocksVar,
) -> R<GoldilocksExtVar> {
    let mut acc = GoldilocksExtVar::zero();
    for t in terms.iter().rev() {
        acc = acc.reduce()?.scale(alpha)?.add(t)?;
    }
    acc.reduce()
}

/// The vanishing polynomial at `ζ`, one value per repetition (combined with that repetition's
/// `α`).
pub fn eval_vanishing_poly(
    cs: &ConstraintSystemRef<Fr>,
    common: &CommonCircuitData<F, D>,
    layout: &SelectorLayout,
    openings: &OpeningSetVar,
    public_inputs_hash: &[GoldilocksVar; 4],
    ch: &ProofChallengesVar,
) -> Result<Vec<GoldilocksExtVar>, WrapError> {
    if common.num_lookup_polys != 0 {
        return Err(WrapError::Unsupported { feature: "lookup arguments" });
    }
    let nc = common.config.num_challenges;
    let routed = common.config.num_routed_wires;
    let num_prods = common.num_partial_products;
    let zeta = &ch.plonk_zeta;
    let l_0 = eval_l_0(cs, common.degree_bits(), zeta)?;
    let mut z_1_terms = Vec::with_capacity(nc);
    let mut pp_terms = Vec::new();
    let s_ids: Vec<GoldilocksExtVar> =
        (0..routed).map(|j| zeta.mul_const(common.k_is[j])?.reduce()).collect::<R<_>>()?;
    for i in 0..nc {
        z_1_terms.push(l_0.mul(&openings.plonk_zs[i].sub(&GoldilocksExtVar::one())?)?);
        let beta = &ch.plonk_betas[i];
        let gamma = GoldilocksExtVar::from_base(&ch.plonk_gammas[i]);
        let mut nums = Vec::with_capacity(routed);
        let mut dens = Vec::with_capacity(routed);
        for ((w, s_id), sigma) in
            openings.wires[..routed].iter().zip(&s_ids).zip(&openings.plonk_sigmas)
        {
            nums.push(w.add(&s_id.scale(beta)?)?.add(&gamma)?);
            dens.push(w.add(&sigma.scale(beta)?)?.add(&gamma)?);
        }
        pp_terms.extend(check_partial_products(
            &nums,
            &dens,
            &openings.partial_products[i * num_prods..(i + 1) * num_prods],
            &openings.plonk_zs[i],
            &openings.plonk_zs_next[i],
            common.quotient_degree_factor,
        )?);
    }
    let gate_terms = evaluate_gate_constraints(
        common,
        layout,
        &openings.constants,
        &openings.wires,
        public_inputs_hash,
    )?;
    let terms = [z_1_terms, pp_terms, gate_terms].concat();
    Ok(ch.plonk_alphas.iter().map(|a| reduce_with_base_powers(&terms, a)).collect::<R<Vec<_>>>()?)
}

/// `Z_H(ζ) · Σ_j ζ^{n·j} · quotient_{i,j}(ζ)` for each repetition `i` (the right-hand side of
/// the quotient check).
pub fn quotient_at_zeta(
    common: &CommonCircuitData<F, D>,
    zeta: &GoldilocksExtVar,
    quotient_polys: &[GoldilocksExtVar],
) -> R<Vec<GoldilocksExtVar>> {
    let zeta_n = exp_power_of_2(zeta, common.degree_bits())?;
    let z_h = zeta_n.sub(&GoldilocksExtVar::one())?.reduce()?;
    quotient_polys
        .chunks(common.quotient_degree_factor)
        .map(|chunk| z_h.mul(&reduce_with_powers(chunk, &zeta_n)?))
        .collect()
}

/// The quotient check `vanishing_i(ζ) = Z_H(ζ)·quotient_i(ζ)` for every repetition.
pub fn check_vanishing(
    cs: &ConstraintSystemRef<Fr>,
    common: &CommonCircuitData<F, D>,
    openings: &OpeningSetVar,
    public_inputs_hash: &[GoldilocksVar; 4],
    ch: &ProofChallengesVar,
) -> Result<(), WrapError> {
    let layout = SelectorLayout::of(common)?;
    let vanishing = eval_vanishing_poly(cs, common, &layout, openings, public_inputs_hash, ch)?;
    let quotient = quotient_at_zeta(common, &ch.plonk_zeta, &openings.quotient_polys)?;
    if vanishing.len() != quotient.len() {
        return Err(WrapError::ProofShape {
            what: "quotient chunks",
            expected: vanishing.len(),
            got: quotient.len(),
        });
    }
    for (v, q) in vanishing.iter().zip(&quotient) {
        // Soundness: the identity of plonky2's verifier, enforced mod p.
        v.enforce_equal(q)?;
    }
    Ok(())
}

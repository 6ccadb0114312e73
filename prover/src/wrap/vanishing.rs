//! The vanishing/quotient check of a final-layer proof at `ζ`, natively: the twin of the part of
//! plonky2's verifier (`plonk/verifier.rs`, `plonk/vanishing_poly.rs`) that checks the openings
//! satisfy the circuit. Each function here has an R1CS twin of the same name in
//! [`crate::wrap::r1cs::vanishing`].
//!
//! For each repetition `i` (challenge `β_i, γ_i, α_i`) the vanishing polynomial at `ζ` is
//! `Σ_k α_i^k · term_k` over the terms, in plonky2's order:
//!
//! 1. `L_0(ζ)·(Z_j(ζ) − 1)` for every repetition `j`;
//! 2. the partial-product checks of every repetition `j`: with the numerators
//!    `w_m + β_j·k_m·ζ + γ_j` and denominators `w_m + β_j·σ_m + γ_j` over the routed wires cut
//!    into chunks of `quotient_degree_factor`, and the accumulators `Z_j(ζ), π_1, …, Z_j(gζ)`:
//!    `prev·Π num − next·Π den` per chunk;
//! 3. the gate constraints: for constraint index `c`, `Σ_gates filter_g(ζ)·C_{g,c}(ζ)` where
//!    `C_g` is the gate's `eval_unfiltered` on the openings (constants after the selector
//!    columns) and `filter_g = Π_{r ∈ group, r ≠ g} (r − s) · (UNUSED − s if > 1 selector)` of
//!    the gate's selector column `s`.
//!
//! The check is then `vanishing_i(ζ) = Z_H(ζ) · Σ_j ζ^{n·j}·quotient_{i,j}(ζ)`.
//! The gate constraints themselves are plonky2's own `Gate::eval_unfiltered` (public API); their
//! R1CS twins are in [`crate::wrap::r1cs::gates`].

use std::ops::Range;

use plonky2::field::extension::Extendable;
use plonky2::field::types::Field;
use plonky2::hash::hash_types::HashOut;
use plonky2::plonk::circuit_data::CommonCircuitData;
use plonky2::plonk::vars::EvaluationVars;

use super::final_layer::{FinalProof, FinalVerifierData, D, F};
use super::WrapError;

/// The quadratic extension the openings live in.
pub type F2 = <F as Extendable<D>>::Extension;

/// plonky2's placeholder selector value of the "no gate of this group" rows (`u32::MAX`).
pub const UNUSED_SELECTOR: u64 = u32::MAX as u64;

/// Which selector column each gate uses and the gate range of each column (plonky2's
/// `SelectorsInfo`, whose fields are crate-private; read through its `Serialize` impl).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectorLayout {
    /// For each gate (in `common.gates` order), its selector column.
    pub selector_indices: Vec<usize>,
    /// For each selector column, the range of gate indices it selects.
    pub groups: Vec<Range<usize>>,
}

#[derive(serde::Deserialize)]
struct SelectorsInfoRepr {
    selector_indices: Vec<usize>,
    groups: Vec<Range<usize>>,
}

impl SelectorLayout {
    /// The layout of `common`'s selector polynomials.
    pub fn of(common: &CommonCircuitData<F, D>) -> Result<Self, WrapError> {
        let json = serde_json::to_value(&common.selectors_info)
            .map_err(|e| WrapError::Serialization(format!("selectors info: {e}")))?;
        let r: SelectorsInfoRepr = serde_json::from_value(json)
            .map_err(|e| WrapError::Serialization(format!("selectors info: {e}")))?;
        if r.selector_indices.len() != common.gates.len()
            || r.selector_indices.iter().any(|&s| s >= r.groups.len())
            || r.groups.len() != common.selectors_info.num_selectors()
        {
            return Err(WrapError::Serialization("inconsistent selectors info".into()));
        }
        for (g, &s) in r.selector_indices.iter().enumerate() {
            if !r.groups[s].contains(&g) {
                return Err(WrapError::Serialization("gate outside its selector group".into()));
            }
        }
        Ok(Self { selector_indices: r.selector_indices, groups: r.groups })
    }

    /// Number of selector columns (the constants openings start with them).
    pub fn num_selectors(&self) -> usize {
        self.groups.len()
    }
}

/// The openings at `ζ` and `gζ` the vanishing check reads (plonky2's `OpeningSet` without
/// lookups, and the public-input hash the `PublicInputGate` compares with).
#[derive(Clone, Debug)]
pub struct VanishingOpenings<'a> {
    /// Constant columns (selectors first) at `ζ`.
    pub constants: &'a [F2],
    /// Sigma columns at `ζ`.
    pub plonk_sigmas: &'a [F2],
    /// Wires at `ζ`.
    pub wires: &'a [F2],
    /// `Z` at `ζ` (one per repetition).
    pub plonk_zs: &'a [F2],
    /// `Z` at `gζ`.
    pub plonk_zs_next: &'a [F2],
    /// Partial products at `ζ` (`num_partial_products` per repetition).
    pub partial_products: &'a [F2],
    /// Quotient chunks at `ζ` (`quotient_degree_factor` per repetition).
    pub quotient_polys: &'a [F2],
    /// The public-input hash.
    pub public_inputs_hash: HashOut<F>,
}

impl<'a> VanishingOpenings<'a> {
    /// The openings of a final-layer proof.
    pub fn of(proof: &'a FinalProof) -> Self {
        let o = &proof.proof.openings;
        Self {
            constants: &o.constants,
            plonk_sigmas: &o.plonk_sigmas,
            wires: &o.wires,
            plonk_zs: &o.plonk_zs,
            plonk_zs_next: &o.plonk_zs_next,
            partial_products: &o.partial_products,
            quotient_polys: &o.quotient_polys,
            public_inputs_hash: proof.get_public_inputs_hash(),
        }
    }
}

/// The permutation-argument and combination challenges.
#[derive(Clone, Debug)]
pub struct VanishingChallenges {
    /// `β` per repetition.
    pub betas: Vec<F>,
    /// `γ` per repetition.
    pub gammas: Vec<F>,
    /// `α` per repetition.
    pub alphas: Vec<F>,
    /// The out-of-domain point.
    pub zeta: F2,
}

/// The selector filter of gate `row`: `Π_{r ∈ group, r ≠ row} (r − s)`, times `(UNUSED − s)`
/// when the circuit has more than one selector column. It is zero on the rows of the other gates
/// of the group and on the unused rows, non-zero on the gate's own rows.
pub fn compute_filter(row: usize, group: Range<usize>, s: F2, many_selectors: bool) -> F2 {
    group
        .filter(|&r| r != row)
        .map(|r| r as u64)
        .chain(many_selectors.then_some(UNUSED_SELECTOR))
        .map(|r| F2::from_canonical_u64(r) - s)
        .product()
}

/// The gate-constraint terms: for each constraint index `c < num_gate_constraints`,
/// `Σ_gates filter_g · C_{g,c}`, where `C_g` is the gate's `eval_unfiltered` on the constants
/// after the selector columns.
pub fn evaluate_gate_constraints(
    common: &CommonCircuitData<F, D>,
    layout: &SelectorLayout,
    constants: &[F2],
    wires: &[F2],
    public_inputs_hash: &HashOut<F>,
) -> Result<Vec<F2>, WrapError> {
    let num_selectors = layout.num_selectors();
    let vars = EvaluationVars {
        local_constants: &constants[num_selectors + common.num_lookup_selectors..],
        local_wires: wires,
        public_inputs_hash,
    };
    let mut out = vec![F2::ZERO; common.num_gate_constraints];
    for (g, gate) in common.gates.iter().enumerate() {
        let sel = layout.selector_indices[g];
        let filter =
            compute_filter(g, layout.groups[sel].clone(), constants[sel], num_selectors > 1);
        let cs = gate.0.eval_unfiltered(vars);
        if cs.len() > out.len() {
            return Err(WrapError::ProofShape {
                what: "gate constraints",
                expected: out.len(),
                got: cs.len(),
            });
        }
        for (o, c) in out.iter_mut().zip(cs) {
            *o += filter * c;
        }
    }
    Ok(out)
}

/// `Z_H(x) = x^n − 1` for the subgroup of order `n = 2^degree_bits`.
pub fn eval_zero_poly(degree_bits: usize, x: F2) -> F2 {
    x.exp_power_of_2(degree_bits) - F2::ONE
}

/// `L_0(x) = (x^n − 1) / (n·(x − 1))` (the Lagrange polynomial of the point 1), for `x ≠ 1`.
pub fn eval_l_0(degree_bits: usize, x: F2) -> Result<F2, WrapError> {
    let den = (x - F2::ONE) * F2::from_canonical_u64(1u64 << degree_bits);
    let inv = den.try_inverse().ok_or(WrapError::Unsupported { feature: "ζ = 1" })?;
    Ok(eval_zero_poly(degree_bits, x) * inv)
}

/// The partial-product checks of one repetition: for each chunk of `chunk` numerators and
/// denominators with accumulators `(prev, next)` taken consecutively from
/// `z, partials…, z_next`: `prev·Π num − next·Π den`.
pub fn check_partial_products(
    numerators: &[F2],
    denominators: &[F2],
    partials: &[F2],
    z: F2,
    z_next: F2,
    chunk: usize,
) -> Result<Vec<F2>, WrapError> {
    let accs: Vec<F2> =
        std::iter::once(z).chain(partials.iter().copied()).chain(std::iter::once(z_next)).collect();
    let chunks = numerators.len().div_ceil(chunk);
    if accs.len() != chunks + 1 || denominators.len() != numerators.len() {
        return Err(WrapError::ProofShape {
            what: "partial products",
            expected: chunks.saturating_sub(1),
            got: partials.len(),
        });
    }
    Ok(numerators
        .chunks(chunk)
        .zip(denominators.chunks(chunk))
        .zip(accs.windows(2))
        .map(|((n, d), w)| w[0] * n.iter().copied().product() - w[1] * d.iter().copied().product())
        .collect())
}

/// `Σ_k α^k · terms[k]` (plonky2's `reduce_with_powers`, Horner from the last term).
pub fn reduce_with_powers(terms: &[F2], alpha: F2) -> F2 {
    terms.iter().rev().fold(F2::ZERO, |acc, &t| acc * alpha + t)
}

/// The vanishing polynomial at `ζ`, one value per repetition (combined with that repetition's
/// `α`).
pub fn eval_vanishing_poly(
    common: &CommonCircuitData<F, D>,
    layout: &SelectorLayout,
    openings: &VanishingOpenings<'_>,
    ch: &VanishingChallenges,
) -> Result<Vec<F2>, WrapError> {
    if common.num_lookup_polys != 0 {
        return Err(WrapError::Unsupported { feature: "lookup arguments" });
    }
    let nc = common.config.num_challenges;
    let routed = common.config.num_routed_wires;
    let num_prods = common.num_partial_products;
    let degree_bits = common.degree_bits();
    let l_0 = eval_l_0(degree_bits, ch.zeta)?;
    let mut z_1_terms = Vec::with_capacity(nc);
    let mut pp_terms = Vec::new();
    for i in 0..nc {
        z_1_terms.push(l_0 * (openings.plonk_zs[i] - F2::ONE));
        let beta = F2::from(ch.betas[i]);
        let gamma = F2::from(ch.gammas[i]);
        let nums: Vec<F2> = (0..routed)
            .map(|j| openings.wires[j] + beta * ch.zeta * F2::from(common.k_is[j]) + gamma)
            .collect();
        let dens: Vec<F2> = (0..routed)
            .map(|j| openings.wires[j] + beta * openings.plonk_sigmas[j] + gamma)
            .collect();
        pp_terms.extend(check_partial_products(
            &nums,
            &dens,
            &openings.partial_products[i * num_prods..(i + 1) * num_prods],
            openings.plonk_zs[i],
            openings.plonk_zs_next[i],
            common.quotient_degree_factor,
        )?);
    }
    let gate_terms = evaluate_gate_constraints(
        common,
        layout,
        openings.constants,
        openings.wires,
        &openings.public_inputs_hash,
    )?;
    let terms = [z_1_terms, pp_terms, gate_terms].concat();
    Ok(ch.alphas.iter().map(|&a| reduce_with_powers(&terms, F2::from(a))).collect())
}

/// `Z_H(ζ) · Σ_j ζ^{n·j} · quotient_{i,j}(ζ)` for each repetition `i` (the right-hand side of
/// the quotient check).
pub fn quotient_at_zeta(
    common: &CommonCircuitData<F, D>,
    zeta: F2,
    quotient_polys: &[F2],
) -> Vec<F2> {
    let zeta_n = zeta.exp_power_of_2(common.degree_bits());
    let z_h = zeta_n - F2::ONE;
    quotient_polys
        .chunks(common.quotient_degree_factor)
        .map(|chunk| z_h * reduce_with_powers(chunk, zeta_n))
        .collect()
}

/// The quotient check `vanishing_i(ζ) = Z_H(ζ)·quotient_i(ζ)` for every repetition.
pub fn check_vanishing(
    common: &CommonCircuitData<F, D>,
    openings: &VanishingOpenings<'_>,
    ch: &VanishingChallenges,
) -> Result<(), WrapError> {
    let layout = SelectorLayout::of(common)?;
    let vanishing = eval_vanishing_poly(common, &layout, openings, ch)?;
    let quotient = quotient_at_zeta(common, ch.zeta, openings.quotient_polys);
    if vanishing.len() != quotient.len() {
        return Err(WrapError::ProofShape {
            what: "quotient chunks",
            expected: vanishing.len(),
            got: quotient.len(),
        });
    }
    for (i, (v, q)) in vanishing.iter().zip(&quotient).enumerate() {
        if v != q {
            return Err(WrapError::VanishingCheck { challenge: i });
        }
    }
    Ok(())
}

/// [`check_vanishing`] on a final-layer proof with its challenges replayed natively.
pub fn verify_vanishing(proof: &FinalProof, vd: &FinalVerifierData) -> Result<(), WrapError> {
    let ch = proof
        .get_challenges(
            proof.get_public_inputs_hash(),
            &vd.verifier_only.circuit_digest,
            &vd.common,
        )
        .map_err(|e| WrapError::InvalidFinalProof(format!("{e:#}")))?;
    let ch = VanishingChallenges {
        betas: ch.plonk_betas,
        gammas: ch.plonk_gammas,
        alphas: ch.plonk_alphas,
        zeta: ch.plonk_zeta,
    };
    check_vanishing(&vd.common, &VanishingOpenings::of(proof), &ch)
}

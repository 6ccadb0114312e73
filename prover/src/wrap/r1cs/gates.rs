//! R1CS twins of the `eval_unfiltered` of every gate type the final layer uses, on the openings
//! at `ζ` (emulated `F_p²`, [`GoldilocksExtVar`]). Each function evaluates the same constraint
//! polynomials, in the same order, as the plonky2 gate's `Gate::eval_unfiltered` (the native
//! side of the vanishing check, [`crate::wrap::vanishing::evaluate_gate_constraints`], calls
//! plonky2's own); the wire layouts, crate-private in plonky2, are restated here from the gate
//! definitions. A gate type without a twin is [`WrapError::UnsupportedGate`].
//!
//! Values on `D = 2` consecutive wires form an element of plonky2's "extension algebra"
//! `F_p²[Y]/(Y² − 7)` ([`ExtAlgebraVar`]).
//!
//! Every function only computes: the constraint values are lazy (non-canonical) integers, which
//! the vanishing combination multiplies by the selector filter and the `α` powers.

use std::ops::Range;

use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_relations::gr1cs::SynthesisError;
use plonky2::field::types::{Field, PrimeField64};
use plonky2::gates::arithmetic_base::ArithmeticGate;
use plonky2::gates::arithmetic_extension::ArithmeticExtensionGate;
use plonky2::gates::base_sum::BaseSumGate;
use plonky2::gates::constant::ConstantGate;
use plonky2::gates::coset_interpolation::CosetInterpolationGate;
use plonky2::gates::gate::GateRef;
use plonky2::gates::multiplication_extension::MulExtensionGate;
use plonky2::gates::noop::NoopGate;
use plonky2::gates::poseidon::PoseidonGate;
use plonky2::gates::poseidon_mds::PoseidonMdsGate;
use plonky2::gates::public_input::PublicInputGate;
use plonky2::gates::random_access::RandomAccessGate;
use plonky2::gates::reducing::ReducingGate;
use plonky2::gates::reducing_extension::ReducingExtensionGate;
use plonky2::hash::poseidon::{
    Poseidon, ALL_ROUND_CONSTANTS, HALF_N_FULL_ROUNDS, N_PARTIAL_ROUNDS, SPONGE_WIDTH,
};

use super::goldilocks::{GoldilocksExtVar, GoldilocksVar, EXT_MUL_SLACK, EXT_W, MAX_BITS};
use crate::wrap::final_layer::{D, F};
use crate::wrap::WrapError;

type R<T> = Result<T, SynthesisError>;

/// The variables one gate's constraints read (twin of plonky2's `EvaluationVars`): the constant
/// columns after the selectors, the wires, and the public-input hash.
#[derive(Clone, Copy, Debug)]
pub struct EvaluationVarsVar<'a> {
    /// Constant columns (selector columns removed).
    pub local_constants: &'a [GoldilocksExtVar],
    /// Wires at `ζ`.
    pub local_wires: &'a [GoldilocksExtVar],
    /// The public-input hash (canonical).
    pub public_inputs_hash: &'a [GoldilocksVar; 4],
}

impl EvaluationVarsVar<'_> {
    /// Twin of `EvaluationVars::get_local_ext_algebra`: `D` consecutive wires as an algebra
    /// element.
    pub fn get_local_ext_algebra(&self, r: Range<usize>) -> ExtAlgebraVar {
        debug_assert_eq!(r.len(), D);
        ExtAlgebraVar {
            c: [self.local_wires[r.start].clone(), self.local_wires[r.start + 1].clone()],
        }
    }
}

/// An element `c0 + c1·Y` of plonky2's `ExtensionAlgebra<F_p², 2>` (`Y² = 7`).
#[derive(Clone, Debug)]
pub struct ExtAlgebraVar {
    /// The two `F_p²` coordinates.
    pub c: [GoldilocksExtVar; 2],
}

impl ExtAlgebraVar {
    /// `0`.
    pub fn zero() -> Self {
        Self { c: [GoldilocksExtVar::zero(), GoldilocksExtVar::zero()] }
    }

    /// `1`.
    pub fn one() -> Self {
        Self { c: [GoldilocksExtVar::one(), GoldilocksExtVar::zero()] }
    }

    /// `x + 0·Y`.
    pub fn from_ext(x: &GoldilocksExtVar) -> Self {
        Self { c: [x.clone(), GoldilocksExtVar::zero()] }
    }

    /// Sum.
    pub fn add(&self, o: &Self) -> R<Self> {
        Ok(Self { c: [self.c[0].add(&o.c[0])?, self.c[1].add(&o.c[1])?] })
    }

    /// Difference.
    pub fn sub(&self, o: &Self) -> R<Self> {
        Ok(Self { c: [self.c[0].sub(&o.c[0])?, self.c[1].sub(&o.c[1])?] })
    }

    fn max_bits(&self) -> u32 {
        self.c[0].max_bits().max(self.c[1].max_bits())
    }

    fn reduce(&self) -> R<Self> {
        Ok(Self { c: [self.c[0].reduce()?, self.c[1].reduce()?] })
    }

    /// Product `(a0 b0 + 7 a1 b1) + (a0 b1 + a1 b0)·Y` (4 extension products). Each coordinate
    /// enters two products: an operand too wide is reduced once here.
    pub fn mul(&self, o: &Self) -> R<Self> {
        let (mut a, mut b) = (self.clone(), o.clone());
        if a.max_bits() + b.max_bits() + 2 * EXT_MUL_SLACK > MAX_BITS {
            a = a.reduce()?;
        }
        if a.max_bits() + b.max_bits() + 2 * EXT_MUL_SLACK > MAX_BITS {
            b = b.reduce()?;
        }
        let a0b0 = a.c[0].mul(&b.c[0])?;
        let a1b1 = a.c[1].mul(&b.c[1])?;
        let a0b1 = a.c[0].mul(&b.c[1])?;
        let a1b0 = a.c[1].mul(&b.c[0])?;
        Ok(Self {
            c: [a0b0.add(&a1b1.mul_const(F::from_canonical_u64(EXT_W))?)?, a0b1.add(&a1b0)?],
        })
    }

    /// Product by an `F_p²` element (2 extension products; a too wide `s` is reduced once).
    pub fn scalar_mul(&self, s: &GoldilocksExtVar) -> R<Self> {
        let mut a = self.clone();
        if a.max_bits() + s.max_bits() + EXT_MUL_SLACK > MAX_BITS {
            a = a.reduce()?;
        }
        let s = if a.max_bits() + s.max_bits() + EXT_MUL_SLACK > MAX_BITS {
            s.reduce()?
        } else {
            s.clone()
        };
        Ok(Self { c: [a.c[0].mul(&s)?, a.c[1].mul(&s)?] })
    }

    /// Product by a base-field constant (no constraint).
    pub fn mul_const(&self, k: F) -> R<Self> {
        Ok(Self { c: [self.c[0].mul_const(k)?, self.c[1].mul_const(k)?] })
    }

    /// The coordinates (twin of `to_basefield_array`).
    pub fn to_basefield_array(self) -> [GoldilocksExtVar; 2] {
        self.c
    }
}

fn ext_const(k: u64) -> GoldilocksExtVar {
    GoldilocksExtVar::constant(F::from_noncanonical_u64(k).into())
}

/// `Σ k_i · x_i` for base-field constants `k_i` (no constraint): the integer grows by the widest
/// constant and `⌈log2 n⌉` bits at once, not per term.
fn lin_comb(terms: &[(u64, &GoldilocksVar)]) -> R<GoldilocksVar> {
    let ks: Vec<u64> =
        terms.iter().map(|(k, _)| F::from_noncanonical_u64(*k).to_canonical_u64()).collect();
    let k_bits = ks.iter().map(|k| 64 - k.leading_zeros()).max().unwrap_or(0).max(1);
    let n_bits = usize::BITS - terms.len().max(1).leading_zeros();
    let mut xs = Vec::with_capacity(terms.len());
    for (_, x) in terms {
        xs.push(if x.bits + k_bits + n_bits > MAX_BITS { x.reduce()? } else { (*x).clone() });
    }
    let bits = xs.iter().map(|x| x.bits).max().unwrap_or(1) + k_bits + n_bits;
    let mut acc = FpVar::zero();
    for (k, x) in ks.iter().zip(&xs) {
        if *k != 0 {
            acc += &x.value * ark_bn254::Fr::from(*k);
        }
    }
    Ok(GoldilocksVar { value: acc, bits, canonical: false })
}

/// [`lin_comb`] on both coordinates of extension elements.
fn lin_comb_ext(terms: &[(u64, &GoldilocksExtVar)]) -> R<GoldilocksExtVar> {
    let c0: Vec<(u64, &GoldilocksVar)> = terms.iter().map(|(k, x)| (*k, &x.c[0])).collect();
    let c1: Vec<(u64, &GoldilocksVar)> = terms.iter().map(|(k, x)| (*k, &x.c[1])).collect();
    Ok(GoldilocksExtVar { c: [lin_comb(&c0)?, lin_comb(&c1)?] })
}

/// Twin of `NoopGate::eval_unfiltered`: no constraint.
pub fn eval_noop() -> Vec<GoldilocksExtVar> {
    Vec::new()
}

/// Twin of `ConstantGate::eval_unfiltered`: `constant_i − wire_i` for `i < num_consts`.
pub fn eval_constant(num_consts: usize, vars: &EvaluationVarsVar<'_>) -> R<Vec<GoldilocksExtVar>> {
    (0..num_consts).map(|i| vars.local_constants[i].sub(&vars.local_wires[i])).collect()
}

/// Twin of `PublicInputGate::eval_unfiltered`: `wire_i − hash_i` for the 4 hash elements.
pub fn eval_public_input(vars: &EvaluationVarsVar<'_>) -> R<Vec<GoldilocksExtVar>> {
    (0..4)
        .map(|i| vars.local_wires[i].sub(&GoldilocksExtVar::from_base(&vars.public_inputs_hash[i])))
        .collect()
}

/// Twin of `BaseSumGate::<B>::eval_unfiltered`: `Σ limb_i·B^i − sum`, then `Π_{k<B}(limb − k)`
/// per limb (wire 0 the sum, wires `1..=num_limbs` the limbs).
pub fn eval_base_sum<const B: usize>(
    num_limbs: usize,
    vars: &EvaluationVarsVar<'_>,
) -> R<Vec<GoldilocksExtVar>> {
    let limbs = &vars.local_wires[1..1 + num_limbs];
    // `reduce_with_powers(limbs, B)` as one linear combination with the constants `B^i`.
    let mut pow = F::ONE;
    let mut terms = Vec::with_capacity(num_limbs);
    for l in limbs {
        terms.push((pow.to_canonical_u64(), l));
        pow *= F::from_canonical_usize(B);
    }
    let computed = lin_comb_ext(&terms)?;
    let mut out = vec![computed.sub(&vars.local_wires[0])?];
    for l in limbs {
        let mut p = l.clone();
        for k in 1..B {
            p = p.mul(&l.sub(&ext_const(k as u64))?)?;
        }
        out.push(p);
    }
    Ok(out)
}

/// Twin of `ArithmeticGate::eval_unfiltered`: per operation `i` on wires `4i..4i+4`,
/// `out − (m0·m1·c0 + addend·c1)`.
pub fn eval_arithmetic(num_ops: usize, vars: &EvaluationVarsVar<'_>) -> R<Vec<GoldilocksExtVar>> {
    let (c0, c1) = (&vars.local_constants[0], &vars.local_constants[1]);
    let w = vars.local_wires;
    (0..num_ops)
        .map(|i| {
            let computed =
                w[4 * i].mul(&w[4 * i + 1])?.reduce()?.mul(c0)?.add(&w[4 * i + 2].mul(c1)?)?;
            w[4 * i + 3].sub(&computed)
        })
        .collect()
}

/// Twin of `ArithmeticExtensionGate::eval_unfiltered`: per operation `i` on wires
/// `8i..8i+8` (four algebra elements), `out − ((m0·m1)·c0 + addend·c1)`, both coordinates.
pub fn eval_arithmetic_extension(
    num_ops: usize,
    vars: &EvaluationVarsVar<'_>,
) -> R<Vec<GoldilocksExtVar>> {
    let (c0, c1) = (&vars.local_constants[0], &vars.local_constants[1]);
    let mut out = Vec::with_capacity(2 * num_ops);
    for i in 0..num_ops {
        let b = 4 * D * i;
        let m0 = vars.get_local_ext_algebra(b..b + D);
        let m1 = vars.get_local_ext_algebra(b + D..b + 2 * D);
        let addend = vars.get_local_ext_algebra(b + 2 * D..b + 3 * D);
        let output = vars.get_local_ext_algebra(b + 3 * D..b + 4 * D);
        let computed = m0.mul(&m1)?.scalar_mul(c0)?.add(&addend.scalar_mul(c1)?)?;
        out.extend(output.sub(&computed)?.to_basefield_array());
    }
    Ok(out)
}

/// Twin of `MulExtensionGate::eval_unfiltered`: per operation `i` on wires `6i..6i+6`,
/// `out − (m0·m1)·c0`, both coordinates.
pub fn eval_mul_extension(
    num_ops: usize,
    vars: &EvaluationVarsVar<'_>,
) -> R<Vec<GoldilocksExtVar>> {
    let c0 = &vars.local_constants[0];
    let mut out = Vec::with_capacity(2 * num_ops);
    for i in 0..num_ops {
        let b = 3 * D * i;
        let m0 = vars.get_local_ext_algebra(b..b + D);
        let m1 = vars.get_local_ext_algebra(b + D..b + 2 * D);
        let output = vars.get_local_ext_algebra(b + 2 * D..b + 3 * D);
        out.extend(output.sub(&m0.mul(&m1)?.scalar_mul(c0)?)?.to_basefield_array());
    }
    Ok(out)
}

/// The shared accumulation of the two reducing gates: `acc_{i} = acc_{i−1}·α + coeff_i` with
/// `acc_{−1}` = the old accumulator (wires `4..6`), `α` on wires `2..4`, the last accumulator
/// the output (wires `0..2`), the others from `start_accs`.
fn eval_reducing_common(
    coeffs: &[ExtAlgebraVar],
    start_accs: usize,
    vars: &EvaluationVarsVar<'_>,
) -> R<Vec<GoldilocksExtVar>> {
    let n = coeffs.len();
    let alpha = vars.get_local_ext_algebra(D..2 * D);
    let mut acc = vars.get_local_ext_algebra(2 * D..3 * D);
    let mut out = Vec::with_capacity(2 * n);
    for (i, coeff) in coeffs.iter().enumerate() {
        let r = if i == n - 1 { 0..D } else { start_accs + D * i..start_accs + D * (i + 1) };
        let next = vars.get_local_ext_algebra(r);
        out.extend(acc.mul(&alpha)?.add(coeff)?.sub(&next)?.to_basefield_array());
        acc = next;
    }
    Ok(out)
}

/// Twin of `ReducingGate::eval_unfiltered`: `acc·α + coeff_i − acc_i` with the `num_coeffs`
/// coefficients single wires from wire 6 (embedded in the algebra).
pub fn eval_reducing(num_coeffs: usize, vars: &EvaluationVarsVar<'_>) -> R<Vec<GoldilocksExtVar>> {
    let start = 3 * D;
    let coeffs: Vec<ExtAlgebraVar> =
        (0..num_coeffs).map(|i| ExtAlgebraVar::from_ext(&vars.local_wires[start + i])).collect();
    eval_reducing_common(&coeffs, start + num_coeffs, vars)
}

/// Twin of `ReducingExtensionGate::eval_unfiltered`: as [`eval_reducing`] with algebra
/// coefficients on wire pairs from wire 6.
pub fn eval_reducing_extension(
    num_coeffs: usize,
    vars: &EvaluationVarsVar<'_>,
) -> R<Vec<GoldilocksExtVar>> {
    let start = 3 * D;
    let coeffs: Vec<ExtAlgebraVar> = (0..num_coeffs)
        .map(|i| vars.get_local_ext_algebra(start + i * D..start + (i + 1) * D))
        .collect();
    eval_reducing_common(&coeffs, start + num_coeffs * D, vars)
}

/// Twin of `RandomAccessGate::eval_unfiltered`: per copy, each index bit boolean, the bits
/// recompose the index, the list folded by the bits equals the claimed element; then each extra
/// constant equals its wire.
pub fn eval_random_access(
    bits: usize,
    num_copies: usize,
    num_extra_constants: usize,
    vars: &EvaluationVarsVar<'_>,
) -> R<Vec<GoldilocksExtVar>> {
    let w = vars.local_wires;
    let vec_size = 1usize << bits;
    let num_routed = (2 + vec_size) * num_copies + num_extra_constants;
    let one = GoldilocksExtVar::one();
    let mut out = Vec::new();
    for copy in 0..num_copies {
        let base = (2 + vec_size) * copy;
        let access_index = &w[base];
        let claimed = &w[base + 1];
        let mut list: Vec<GoldilocksExtVar> = w[base + 2..base + 2 + vec_size].to_vec();
        let bs: Vec<&GoldilocksExtVar> =
            (0..bits).map(|i| &w[num_routed + copy * bits + i]).collect();
        for b in &bs {
            out.push(b.mul(&b.sub(&one)?)?);
        }
        let mut recon = GoldilocksExtVar::zero();
        for b in bs.iter().rev() {
            recon = recon.add(&recon)?.add(b)?;
        }
        out.push(recon.sub(access_index)?);
        for b in &bs {
            let mut next = Vec::with_capacity(list.len() / 2);
            for pair in list.chunks(2) {
                next.push(pair[0].add(&b.mul(&pair[1].sub(&pair[0])?)?)?);
            }
            list = next;
        }
        out.push(list[0].sub(claimed)?);
    }
    let start_extra = (2 + vec_size) * num_copies;
    for i in 0..num_extra_constants {
        out.push(vars.local_constants[i].sub(&w[start_extra + i])?);
    }
    Ok(out)
}

/// plonky2's barycentric partial interpolation on algebra values: folds
/// `(eval, prod) ← (eval·(x − x_i) + w_i·v_i·prod, prod·(x − x_i))`.
fn partial_interpolate(
    domain: &[F],
    values: &[ExtAlgebraVar],
    weights: &[F],
    x: &ExtAlgebraVar,
    eval: ExtAlgebraVar,
    prod: ExtAlgebraVar,
) -> R<(ExtAlgebraVar, ExtAlgebraVar)> {
    let (mut eval, mut prod) = (eval, prod);
    for ((v, &w), &x_i) in values.iter().zip(weights).zip(domain) {
        let term = x.sub(&ExtAlgebraVar::from_ext(&GoldilocksExtVar::constant(x_i.into())))?;
        let val = v.mul_const(w)?;
        let next_eval = eval.mul(&term)?.add(&val.mul(&prod)?)?;
        prod = prod.mul(&term)?;
        eval = ExtAlgebraVar { c: [next_eval.c[0].reduce()?, next_eval.c[1].reduce()?] };
        prod = ExtAlgebraVar { c: [prod.c[0].reduce()?, prod.c[1].reduce()?] };
    }
    Ok((eval, prod))
}

/// Twin of `CosetInterpolationGate::eval_unfiltered`: the shifted evaluation point times the
/// shift is the evaluation point; the barycentric interpolation of the `2^subgroup_bits` values
/// in steps of `degree − 1` points with intermediate (eval, prod) wires; the final eval is the
/// evaluation value.
pub fn eval_coset_interpolation(
    gate: &CosetInterpolationGate<F, D>,
    vars: &EvaluationVarsVar<'_>,
) -> R<Vec<GoldilocksExtVar>> {
    let num_points = 1usize << gate.subgroup_bits;
    let degree = gate.degree;
    let num_int = (num_points - 2) / (degree - 1);
    let start_point = 1 + num_points * D;
    let start_value = start_point + D;
    let start_int = start_value + D;
    let shifted_start = start_int + 2 * D * num_int;
    let shift = &vars.local_wires[0];
    let point = vars.get_local_ext_algebra(start_point..start_point + D);
    let shifted = vars.get_local_ext_algebra(shifted_start..shifted_start + D);
    let mut out = Vec::new();
    out.extend(point.sub(&shifted.scalar_mul(shift)?)?.to_basefield_array());

    let domain = F::two_adic_subgroup(gate.subgroup_bits);
    let values: Vec<ExtAlgebraVar> =
        (0..num_points).map(|i| vars.get_local_ext_algebra(1 + i * D..1 + (i + 1) * D)).collect();
    let weights = &gate.barycentric_weights;
    let (mut eval, mut prod) = partial_interpolate(
        &domain[..degree],
        &values[..degree],
        &weights[..degree],
        &shifted,
        ExtAlgebraVar::zero(),
        ExtAlgebraVar::one(),
    )?;
    for i in 0..num_int {
        let ie = vars.get_local_ext_algebra(start_int + D * i..start_int + D * (i + 1));
        let ip = vars.get_local_ext_algebra(
            start_int + D * (num_int + i)..start_int + D * (num_int + i + 1),
        );
        out.extend(ie.sub(&eval)?.to_basefield_array());
        out.extend(ip.sub(&prod)?.to_basefield_array());
        let s = 1 + (degree - 1) * (i + 1);
        let e = (s + degree - 1).min(num_points);
        (eval, prod) =
            partial_interpolate(&domain[s..e], &values[s..e], &weights[s..e], &shifted, ie, ip)?;
    }
    let value = vars.get_local_ext_algebra(start_value..start_value + D);
    out.extend(value.sub(&eval)?.to_basefield_array());
    Ok(out)
}

/// `x^7` on an extension element (twin of `Poseidon::sbox_monomial`; 4 extension products).
fn sbox(x: &GoldilocksExtVar) -> R<GoldilocksExtVar> {
    let x = x.reduce()?;
    let x2 = x.mul(&x)?.reduce()?;
    let x3 = x2.mul(&x)?;
    let x4 = x2.mul(&x2)?;
    // `mul` reduces x3 (≈ 132 bits) once: 132 + 132 would exceed MAX_BITS.
    x3.mul(&x4)
}

fn constant_layer(state: &mut [GoldilocksExtVar; SPONGE_WIDTH], round: usize) -> R<()> {
    for (i, s) in state.iter_mut().enumerate() {
        *s = s.add(&ext_const(ALL_ROUND_CONSTANTS[i + SPONGE_WIDTH * round]))?;
    }
    Ok(())
}

fn mds_layer(state: &[GoldilocksExtVar; SPONGE_WIDTH]) -> R<[GoldilocksExtVar; SPONGE_WIDTH]> {
    let circ = <F as Poseidon>::MDS_MATRIX_CIRC;
    let diag = <F as Poseidon>::MDS_MATRIX_DIAG;
    let rows = (0..SPONGE_WIDTH)
        .map(|r| {
            let mut terms: Vec<(u64, &GoldilocksExtVar)> =
                (0..SPONGE_WIDTH).map(|i| (circ[i], &state[(i + r) % SPONGE_WIDTH])).collect();
            terms.push((diag[r], &state[r]));
            lin_comb_ext(&terms)
        })
        .collect::<R<Vec<_>>>()?;
    Ok(rows.try_into().expect("width 12"))
}

fn mds_partial_layer_init(
    state: &[GoldilocksExtVar; SPONGE_WIDTH],
) -> R<[GoldilocksExtVar; SPONGE_WIDTH]> {
    let m = <F as Poseidon>::FAST_PARTIAL_ROUND_INITIAL_MATRIX;
    let mut out = vec![state[0].clone()];
    for c in 1..SPONGE_WIDTH {
        let terms: Vec<(u64, &GoldilocksExtVar)> =
            (1..SPONGE_WIDTH).map(|r| (m[r - 1][c - 1], &state[r])).collect();
        out.push(lin_comb_ext(&terms)?);
    }
    Ok(out.try_into().expect("width 12"))
}

fn mds_partial_layer_fast(
    state: &[GoldilocksExtVar; SPONGE_WIDTH],
    r: usize,
) -> R<[GoldilocksExtVar; SPONGE_WIDTH]> {
    let mds00 = <F as Poseidon>::MDS_MATRIX_CIRC[0] + <F as Poseidon>::MDS_MATRIX_DIAG[0];
    let w_hats = <F as Poseidon>::FAST_PARTIAL_ROUND_W_HATS[r];
    let vs = <F as Poseidon>::FAST_PARTIAL_ROUND_VS[r];
    let mut terms: Vec<(u64, &GoldilocksExtVar)> = vec![(mds00, &state[0])];
    terms.extend((1..SPONGE_WIDTH).map(|i| (w_hats[i - 1], &state[i])));
    let mut out = vec![lin_comb_ext(&terms)?];
    for i in 1..SPONGE_WIDTH {
        out.push(lin_comb_ext(&[(vs[i - 1], &state[0]), (1, &state[i])])?);
    }
    Ok(out.try_into().expect("width 12"))
}

/// Twin of `PoseidonGate::eval_unfiltered` (plonky2's fast partial-round form, whose
/// intermediate S-box inputs are the gate's wires): `swap` boolean, the 4 swap deltas, the
/// S-box inputs of full rounds 1–3, of the 22 partial rounds and of the 4 last full rounds, and
/// the 12 outputs.
pub fn eval_poseidon(vars: &EvaluationVarsVar<'_>) -> R<Vec<GoldilocksExtVar>> {
    const W_SWAP: usize = 2 * SPONGE_WIDTH;
    const START_DELTA: usize = W_SWAP + 1;
    const START_FULL_0: usize = START_DELTA + 4;
    const START_PARTIAL: usize = START_FULL_0 + SPONGE_WIDTH * (HALF_N_FULL_ROUNDS - 1);
    const START_FULL_1: usize = START_PARTIAL + N_PARTIAL_ROUNDS;
    let w = vars.local_wires;
    let one = GoldilocksExtVar::one();
    let mut out = Vec::new();
    let swap = &w[W_SWAP];
    out.push(swap.mul(&swap.sub(&one)?)?);
    for i in 0..4 {
        out.push(swap.mul(&w[i + 4].sub(&w[i])?)?.sub(&w[START_DELTA + i])?);
    }
    let mut state: [GoldilocksExtVar; SPONGE_WIDTH] = core::array::from_fn(|i| w[i].clone());
    for i in 0..4 {
        let d = &w[START_DELTA + i];
        state[i] = w[i].add(d)?;
        state[i + 4] = w[i + 4].sub(d)?;
    }
    let mut round = 0;
    for r in 0..HALF_N_FULL_ROUNDS {
        constant_layer(&mut state, round)?;
        if r != 0 {
            for (i, s) in state.iter_mut().enumerate() {
                let sbox_in = &w[START_FULL_0 + SPONGE_WIDTH * (r - 1) + i];
                out.push(s.sub(sbox_in)?);
                *s = sbox_in.clone();
            }
        }
        for s in state.iter_mut() {
            *s = sbox(s)?;
        }
        state = mds_layer(&state)?;
        round += 1;
    }
    for (s, &c) in state.iter_mut().zip(&<F as Poseidon>::FAST_PARTIAL_FIRST_ROUND_CONSTANT) {
        *s = s.add(&ext_const(c))?;
    }
    state = mds_partial_layer_init(&state)?;
    for r in 0..N_PARTIAL_ROUNDS {
        let sbox_in = &w[START_PARTIAL + r];
        out.push(state[0].sub(sbox_in)?);
        state[0] = sbox(sbox_in)?;
        if r + 1 < N_PARTIAL_ROUNDS {
            state[0] =
                state[0].add(&ext_const(<F as Poseidon>::FAST_PARTIAL_ROUND_CONSTANTS[r]))?;
        }
        state = mds_partial_layer_fast(&state, r)?;
    }
    round += N_PARTIAL_ROUNDS;
    for r in 0..HALF_N_FULL_ROUNDS {
        constant_layer(&mut state, round)?;
        for (i, s) in state.iter_mut().enumerate() {
            let sbox_in = &w[START_FULL_1 + SPONGE_WIDTH * r + i];
            out.push(s.sub(sbox_in)?);
            *s = sbox_in.clone();
        }
        for s in state.iter_mut() {
            *s = sbox(s)?;
        }
        state = mds_layer(&state)?;
        round += 1;
    }
    for (i, s) in state.iter().enumerate() {
        out.push(s.sub(&w[SPONGE_WIDTH + i])?);
    }
    Ok(out)
}

/// Twin of `PoseidonMdsGate::eval_unfiltered`: the MDS layer on 12 algebra inputs (wires
/// `0..24`) equals the 12 algebra outputs (wires `24..48`), both coordinates.
pub fn eval_poseidon_mds(vars: &EvaluationVarsVar<'_>) -> R<Vec<GoldilocksExtVar>> {
    let circ = <F as Poseidon>::MDS_MATRIX_CIRC;
    let diag = <F as Poseidon>::MDS_MATRIX_DIAG;
    let inputs: Vec<ExtAlgebraVar> =
        (0..SPONGE_WIDTH).map(|i| vars.get_local_ext_algebra(i * D..(i + 1) * D)).collect();
    let mut out = Vec::with_capacity(2 * SPONGE_WIDTH);
    for r in 0..SPONGE_WIDTH {
        let mut computed = [GoldilocksExtVar::zero(), GoldilocksExtVar::zero()];
        for (k, c) in computed.iter_mut().enumerate() {
            let mut terms: Vec<(u64, &GoldilocksExtVar)> = (0..SPONGE_WIDTH)
                .map(|i| (circ[i], &inputs[(i + r) % SPONGE_WIDTH].c[k]))
                .collect();
            terms.push((diag[r], &inputs[r].c[k]));
            *c = lin_comb_ext(&terms)?;
        }
        let o = vars.get_local_ext_algebra((SPONGE_WIDTH + r) * D..(SPONGE_WIDTH + r + 1) * D);
        out.extend(o.sub(&ExtAlgebraVar { c: computed })?.to_basefield_array());
    }
    Ok(out)
}

/// Twin of `gate.eval_unfiltered(vars)` for the gate types of the final layer (dispatch on the
/// concrete type); any other type is [`WrapError::UnsupportedGate`].
pub fn eval_unfiltered(
    gate: &GateRef<F, D>,
    vars: &EvaluationVarsVar<'_>,
) -> Result<Vec<GoldilocksExtVar>, WrapError> {
    let any = gate.0.as_any();
    let out = if any.is::<NoopGate>() {
        eval_noop()
    } else if any.is::<ConstantGate>() {
        eval_constant(gate.0.num_constraints(), vars)?
    } else if any.is::<PublicInputGate>() {
        eval_public_input(vars)?
    } else if let Some(g) = any.downcast_ref::<BaseSumGate<2>>() {
        eval_base_sum::<2>(g.num_limbs, vars)?
    } else if let Some(g) = any.downcast_ref::<ArithmeticGate>() {
        eval_arithmetic(g.num_ops, vars)?
    } else if let Some(g) = any.downcast_ref::<ArithmeticExtensionGate<D>>() {
        eval_arithmetic_extension(g.num_ops, vars)?
    } else if let Some(g) = any.downcast_ref::<MulExtensionGate<D>>() {
        eval_mul_extension(g.num_ops, vars)?
    } else if let Some(g) = any.downcast_ref::<ReducingGate<D>>() {
        eval_reducing(g.num_coeffs, vars)?
    } else if let Some(g) = any.downcast_ref::<ReducingExtensionGate<D>>() {
        eval_reducing_extension(g.num_coeffs, vars)?
    } else if let Some(g) = any.downcast_ref::<RandomAccessGate<F, D>>() {
        eval_random_access(g.bits, g.num_copies, g.num_extra_constants, vars)?
    } else if let Some(g) = any.downcast_ref::<CosetInterpolationGate<F, D>>() {
        eval_coset_interpolation(g, vars)?
    } else if any.is::<PoseidonGate<F, D>>() {
        eval_poseidon(vars)?
    } else if any.is::<PoseidonMdsGate<F, D>>() {
        eval_poseidon_mds(vars)?
    } else {
        return Err(WrapError::UnsupportedGate { id: gate.0.id() });
    };
    let expected = gate.0.num_constraints();
    if out.len() != expected {
        return Err(WrapError::ProofShape { what: "gate constraints", expected, got: out.len() });
    }
    Ok(out)
}

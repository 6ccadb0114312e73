//! FRI query arithmetic as R1CS gadgets, twins of [`crate::wrap::fri`]: the domain point of a
//! query index and one folding step.

use ark_bn254::Fr;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::prelude::*;
use ark_relations::gr1cs::SynthesisError;
use plonky2::field::extension::quadratic::QuadraticExtension;
use plonky2::field::extension::FieldExtension;
use plonky2::field::goldilocks_field::GoldilocksField;
use plonky2::field::types::{Field, PrimeField64};

use super::goldilocks::{GoldilocksExtVar, GoldilocksVar};
use crate::wrap::fri::reverse_bits;

type F = GoldilocksField;
type F2 = QuadraticExtension<F>;

/// `bit ? a : b` for constants `a`, `b` (a linear combination, canonical).
fn select_const(bit: &Boolean<Fr>, a: F, b: F) -> GoldilocksVar {
    let (a, b) = (Fr::from(a.to_canonical_u64()), Fr::from(b.to_canonical_u64()));
    let value = FpVar::from(bit.clone()) * (a - b) + FpVar::constant(b);
    GoldilocksVar { value, bits: 64, canonical: true }
}

/// `Π_k (bits[k] ? c^(2^(m-1-k)) : 1)` = `c^rev(index)` for the little-endian `bits` of `index`
/// (`m = bits.len()`).
fn pow_reversed(c: F, bits: &[Boolean<Fr>]) -> Result<GoldilocksVar, SynthesisError> {
    let m = bits.len();
    let mut acc = GoldilocksVar::constant(F::ONE);
    for (k, bit) in bits.iter().enumerate() {
        let factor = select_const(bit, c.exp_power_of_2(m - 1 - k), F::ONE);
        acc = acc.mul(&factor)?;
    }
    acc.reduce()
}

/// Twin of [`crate::wrap::fri::subgroup_x`]: `g · ω^rev(index)` from the little-endian bits of
/// the query index (`log_n = bits.len()`).
pub fn subgroup_x(index_bits: &[Boolean<Fr>]) -> Result<GoldilocksVar, SynthesisError> {
    let omega = F::primitive_root_of_unity(index_bits.len());
    pow_reversed(omega, index_bits)?.mul_const(F::MULTIPLICATIVE_GROUP_GENERATOR)?.reduce()
}

/// A witness `w` with `d · w = 1` enforced (the hint is the native inverse).
fn ext_inverse(d: &GoldilocksExtVar) -> Result<GoldilocksExtVar, SynthesisError> {
    let cs = d.c[0].value.cs().or(d.c[1].value.cs());
    let inv = d.element().ok().and_then(|v| v.try_inverse());
    let w = GoldilocksExtVar::new_witness(cs, inv)?;
    // Soundness: d · w ≡ 1 determines w = d^-1 (d ≠ 0; d = 0 makes the system unsatisfiable).
    d.mul(&w)?.enforce_equal(&GoldilocksExtVar::constant(F2::ONE))?;
    Ok(w)
}

/// Twin of [`crate::wrap::fri::fold_step`]; `index_bits` are the `arity_bits` little-endian bits
/// of the position of `x` in `evals`.
pub fn fold_step(
    x: &GoldilocksVar,
    index_bits: &[Boolean<Fr>],
    evals: &[GoldilocksExtVar],
    beta: &GoldilocksExtVar,
) -> Result<GoldilocksExtVar, SynthesisError> {
    let arity_bits = index_bits.len();
    let n = 1usize << arity_bits;
    assert_eq!(evals.len(), n, "one value per coset point");
    let omega = F::primitive_root_of_unity(arity_bits);

    // s = x · ω^-rev(i), z = beta / s.
    let s = x.mul(&pow_reversed(omega.inverse(), index_bits)?)?.reduce()?;
    let s_ext = GoldilocksExtVar { c: [s, GoldilocksVar::constant(F::ZERO)] };
    let s_inv = ext_inverse(&s_ext)?;
    let z = beta.mul(&s_inv)?.reduce()?;

    let mut sum = GoldilocksExtVar::constant(F2::ZERO);
    let mut omega_j = F::ONE;
    for j in 0..n {
        let d =
            z.sub(&GoldilocksExtVar::constant(<F2 as FieldExtension<2>>::from_basefield(omega_j)))?;
        let inv = ext_inverse(&d)?;
        let term = evals[reverse_bits(j, arity_bits)].mul_const(omega_j)?.mul(&inv)?;
        sum = sum.add(&term)?;
        omega_j *= omega;
    }
    let mut z_n = z;
    for _ in 0..arity_bits {
        z_n = z_n.mul(&z_n)?.reduce()?;
    }
    let factor = z_n
        .sub(&GoldilocksExtVar::constant(F2::ONE))?
        .mul_const(F::from_canonical_usize(n).inverse())?;
    sum.reduce()?.mul(&factor.reduce()?)?.reduce()
}

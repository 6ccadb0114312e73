//! In-circuit scalars: the response `s` of a signature as ten 32-bit limbs, and the
//! challenge digest read as a 256-bit integer ([`Scalar::from_digest`]), both cut into
//! 4-bit digits for windowed scalar multiplication.
//!
//! Bit widths: a [`ScalarTarget`] limb is 32 bits (so `s < 2^320`); a digest element is a
//! canonical 64-bit value below p; a digit is 4 bits. Digits come from a hint and are pinned
//! by recomposition; their 4-bit range is enforced where they are used, as the index of a
//! 16-entry `RandomAccessGate` lookup (the gate decomposes its index into 4 boolean wires).

use plonky2::field::types::Field;
use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::generator::{GeneratedValues, SimpleGenerator};
use plonky2::iop::target::Target;
use plonky2::iop::witness::{PartitionWitness, Witness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::CommonCircuitData;
use plonky2::util::serialization::{Buffer, IoResult, Read, Write};

use super::Scalar;
use crate::ecgfp5::field::circuit::{canon, D};
use crate::hash::F;

/// Limbs of a [`ScalarTarget`].
pub const SCALAR_LIMBS: usize = 10;
/// Bits per [`ScalarTarget`] limb.
pub const SCALAR_LIMB_BITS: usize = 32;
/// Bits per digit of the windowed scalar multiplications.
pub const DIGIT_BITS: usize = 4;

/// An integer below 2^320 as ten 32-bit limbs, little-endian (the in-circuit form of a
/// [`Scalar`]). The limbs are range-checked by the gadgets that consume them (each limb is
/// recomposed from eight 4-bit digits), not on creation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScalarTarget {
    /// 32-bit limbs, least significant first.
    pub limbs: [Target; SCALAR_LIMBS],
}

/// Scalar gadgets.
pub trait CircuitBuilderScalar {
    /// A fresh scalar set by the witness ([`WitnessScalar::set_scalar_target`]).
    fn add_virtual_scalar_target(&mut self) -> ScalarTarget;

    /// The 80 base-16 digits of `s`, least significant first. Each limb is pinned as the
    /// recomposition of its eight digits; the digits are NOT range-checked here: the caller
    /// must use every digit as a 16-entry random-access index (which bounds it to 4 bits;
    /// with 4-bit digits the limb is then below 2^32 and the recomposition cannot wrap).
    fn scalar_digits_unchecked(&mut self, s: ScalarTarget) -> Vec<Target>;

    /// In-circuit twin of [`Scalar::from_digest`], as 64 base-16 digits of
    /// `Σ e_i·2^(64·i)`, least significant first, with each element's digits proven to be
    /// its canonical value (below p). Same caveat as
    /// [`CircuitBuilderScalar::scalar_digits_unchecked`]: every digit must be used as a
    /// 16-entry random-access index.
    fn digest_digits_unchecked(&mut self, e: HashOutTarget) -> Vec<Target>;

    /// The constraints of [`CircuitBuilderScalar::scalar_digits_unchecked`] on 80
    /// prover-supplied digits (public so tests can feed dishonest values).
    fn scalar_digits_from_hint(&mut self, s: ScalarTarget, digits: &[Target]);

    /// The constraints of [`CircuitBuilderScalar::digest_digits_unchecked`] on 64
    /// prover-supplied digits.
    fn digest_digits_from_hint(&mut self, e: HashOutTarget, digits: &[Target]);
}

impl CircuitBuilderScalar for CircuitBuilder<F, D> {
    fn add_virtual_scalar_target(&mut self) -> ScalarTarget {
        ScalarTarget { limbs: core::array::from_fn(|_| self.add_virtual_target()) }
    }

    fn scalar_digits_unchecked(&mut self, s: ScalarTarget) -> Vec<Target> {
        let mut out = Vec::with_capacity(SCALAR_LIMBS * 8);
        for limb in s.limbs {
            out.extend(hinted_digits(self, limb, 8));
        }
        self.scalar_digits_from_hint(s, &out);
        out
    }

    fn digest_digits_unchecked(&mut self, e: HashOutTarget) -> Vec<Target> {
        let mut out = Vec::with_capacity(64);
        for x in e.elements {
            out.extend(hinted_digits(self, x, 16));
        }
        self.digest_digits_from_hint(e, &out);
        out
    }

    fn scalar_digits_from_hint(&mut self, s: ScalarTarget, all: &[Target]) {
        assert_eq!(all.len(), SCALAR_LIMBS * 8, "80 digits");
        for (limb, digits) in s.limbs.into_iter().zip(all.chunks_exact(8)) {
            let back = recompose(self, digits);
            // Soundness: 8 digits of 4 bits recompose to an integer below 2^32 < p, so the
            // field equality is an integer equality and fixes the digits.
            self.connect(back, limb);
        }
    }

    fn digest_digits_from_hint(&mut self, e: HashOutTarget, all: &[Target]) {
        assert_eq!(all.len(), 64, "64 digits");
        let max_hi = self.constant(F::from_canonical_u64(0xFFFF_FFFF));
        for (x, digits) in e.elements.into_iter().zip(all.chunks_exact(16)) {
            let lo = recompose(self, &digits[..8]);
            let hi = recompose(self, &digits[8..]);
            let v = self.mul_const_add(F::from_canonical_u64(1 << 32), hi, lo);
            // Soundness: v = hi·2^32 + lo < 2^64 equals x modulo p, so v ∈ {x, x + p}; v < p
            // (hi = 2^32 − 1 ⇒ lo = 0) rules out x + p, so the digits are x's canonical ones.
            self.connect(v, x);
            let hi_is_max = self.is_equal(hi, max_hi);
            let t = self.mul(hi_is_max.target, lo);
            self.assert_zero(t);
        }
    }
}

/// `count` hinted base-16 digits of `x`'s canonical value, least significant first.
fn hinted_digits(b: &mut CircuitBuilder<F, D>, x: Target, count: usize) -> Vec<Target> {
    let out: Vec<Target> = (0..count).map(|_| b.add_virtual_target()).collect();
    b.add_simple_generator(DigitsHint { x, out: out.clone() });
    out
}

/// `Σ d_i · 16^i` (one operation per digit after the first).
fn recompose(b: &mut CircuitBuilder<F, D>, digits: &[Target]) -> Target {
    let sixteen = F::from_canonical_u64(16);
    let one = b.one();
    let mut it = digits.iter().rev();
    let Some(&top) = it.next() else {
        return b.zero();
    };
    let mut acc = top;
    for &d in it {
        // acc·16 + d
        acc = b.arithmetic(sixteen, F::ONE, acc, one, d);
    }
    acc
}

/// Writing scalars into witnesses.
pub trait WitnessScalar: WitnessWrite<F> {
    /// Sets `t` to the limbs of `s`.
    fn set_scalar_target(&mut self, t: ScalarTarget, s: &Scalar) -> anyhow::Result<()> {
        for (i, l) in s.limbs().iter().enumerate() {
            self.set_target(t.limbs[2 * i], F::from_canonical_u64(l & 0xFFFF_FFFF))?;
            self.set_target(t.limbs[2 * i + 1], F::from_canonical_u64(l >> 32))?;
        }
        Ok(())
    }
}

impl<W: WitnessWrite<F>> WitnessScalar for W {}

/// Hint: the base-16 digits of a canonical value.
#[derive(Debug, Clone)]
struct DigitsHint {
    x: Target,
    out: Vec<Target>,
}

impl SimpleGenerator<F, D> for DigitsHint {
    fn id(&self) -> String {
        "proofbook::DigitsHint".into()
    }

    fn dependencies(&self) -> Vec<Target> {
        vec![self.x]
    }

    fn run_once(
        &self,
        w: &PartitionWitness<'_, F>,
        out: &mut GeneratedValues<F>,
    ) -> anyhow::Result<()> {
        let v = canon(w.get_target(self.x));
        for (i, t) in self.out.iter().enumerate() {
            // Digits past bit 63 are zero.
            let d = if 4 * i < 64 { (v >> (4 * i)) & 0xF } else { 0 };
            out.set_target(*t, F::from_canonical_u64(d))?;
        }
        Ok(())
    }

    fn serialize(&self, dst: &mut Vec<u8>, _: &CommonCircuitData<F, D>) -> IoResult<()> {
        dst.write_target(self.x)?;
        dst.write_target_vec(&self.out)
    }

    fn deserialize(src: &mut Buffer<'_>, _: &CommonCircuitData<F, D>) -> IoResult<Self> {
        Ok(Self { x: src.read_target()?, out: src.read_target_vec()? })
    }
}

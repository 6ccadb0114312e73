//! Signed integers in their field encoding (`x mod p`, [`crate::hash::fe_signed`]): range
//! checks and comparisons. A signed value "of `bits` bits" lies in `[−2^bits, 2^bits)`;
//! `bits ≤ 61`, so shifted values stay below 2^62 and never wrap.

use plonky2::field::types::Field;
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::plonk::circuit_builder::CircuitBuilder;

use super::range::RangeGadgets;
use crate::hash::{D, F};

/// The largest signed width supported here.
pub const MAX_SIGNED_BITS: usize = 61;

/// Whether `−2^bits ≤ x < 2^bits`.
pub fn check_signed_bits(x: i64, bits: usize) -> bool {
    let b = 1i128 << bits;
    (-b..b).contains(&i128::from(x))
}

/// Whether `a < b`, for signed values of `bits` bits.
pub fn signed_less_than(a: i64, b: i64, _bits: usize) -> bool {
    a < b
}

/// `(x < 0, |x|)` for a signed value of `bits` bits (`bits ≤ 62`): the sign and magnitude
/// a signed value takes on its way into unsigned big-integer arithmetic.
pub fn signed_magnitude(x: i64, _bits: usize) -> (bool, u64) {
    (x < 0, x.unsigned_abs())
}

/// The widest signed value [`SignedGadgets::signed_magnitude`] takes: collateral and
/// funding indices are below 2^62 in magnitude.
pub const MAX_MAGNITUDE_BITS: usize = 62;

/// In-circuit twins of the signed checks of this module.
pub trait SignedGadgets {
    /// `(x < 0, |x|)` for a signed value of `bits` bits (`bits ≤ 62`): asserts
    /// `−2^bits ≤ x < 2^bits`, so `|x| ≤ 2^bits`.
    fn signed_magnitude(&mut self, x: Target, bits: usize) -> (BoolTarget, Target);

    /// Whether `−2^bits ≤ x < 2^bits`: asserted.
    fn check_signed_bits(&mut self, x: Target, bits: usize);

    /// Whether `a < b`, for signed values of `bits` bits (checked by the caller).
    fn signed_less_than(&mut self, a: Target, b: Target, bits: usize) -> BoolTarget;
}

impl SignedGadgets for CircuitBuilder<F, D> {
    fn signed_magnitude(&mut self, x: Target, bits: usize) -> (BoolTarget, Target) {
        assert!(bits <= MAX_MAGNITUDE_BITS, "signed width {bits}");
        // x + 2^bits ∈ [0, 2^(bits+1)) exactly when x is in range, and bit `bits` of it is 0
        // exactly when x < 0.
        // Soundness: split_le range-checks the shifted value to bits + 1 ≤ 63 bits (< p), so
        // its bits, and with them the sign, are unique; |x| = x − 2·neg·x is then exact.
        let offset = self.constant(F::from_canonical_u64(1 << bits));
        let shifted = self.add(x, offset);
        let b = self.split_le(shifted, bits + 1);
        let neg = self.not(b[bits]);
        let twice = self.mul_const(F::TWO, x);
        let flip = self.mul(neg.target, twice);
        let mag = self.sub(x, flip);
        (neg, mag)
    }

    fn check_signed_bits(&mut self, x: Target, bits: usize) {
        assert!(bits <= MAX_SIGNED_BITS, "signed width {bits}");
        // x + 2^bits ∈ [0, 2^(bits+1)) exactly when x is in range; any other field element
        // shifts to a value ≥ 2^(bits+1) (it would need p − 2^(bits+1) < 2^62 to wrap).
        let offset = self.constant(F::from_canonical_u64(1 << bits));
        let shifted = self.add(x, offset);
        self.check_bits(shifted, bits + 1);
    }

    fn signed_less_than(&mut self, a: Target, b: Target, bits: usize) -> BoolTarget {
        assert!(bits <= MAX_SIGNED_BITS, "signed width {bits}");
        let offset = self.constant(F::from_canonical_u64(1 << bits));
        let sa = self.add(a, offset);
        let sb = self.add(b, offset);
        self.less_than(sa, sb, bits + 1)
    }
}

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

/// In-circuit twins of the signed checks of this module.
pub trait SignedGadgets {
    /// Whether `−2^bits ≤ x < 2^bits`: asserted.
    fn check_signed_bits(&mut self, x: Target, bits: usize);

    /// Whether `a < b`, for signed values of `bits` bits (checked by the caller).
    fn signed_less_than(&mut self, a: Target, b: Target, bits: usize) -> BoolTarget;
}

impl SignedGadgets for CircuitBuilder<F, D> {
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

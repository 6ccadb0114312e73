//! Range checks and comparisons of unsigned integers of a documented bit width.
//!
//! A value "of `bits` bits" is a field element whose canonical value is below `2^bits`;
//! `bits ≤ 62` everywhere here, so such values and their sums of two never wrap modulo p.

use plonky2::field::types::Field;
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::plonk::circuit_builder::CircuitBuilder;

use crate::hash::{D, F};

/// The largest width the comparisons here support: `2^bits + a − b` must fit 63 bits.
pub const MAX_COMPARE_BITS: usize = 62;

/// Whether `x < 2^bits`.
pub fn check_bits(x: u64, bits: usize) -> bool {
    bits >= 64 || x >> bits == 0
}

/// Whether `a < b`, for `a, b < 2^bits`.
pub fn less_than(a: u64, b: u64, _bits: usize) -> bool {
    a < b
}

/// Whether `a ≤ b`, for `a, b < 2^bits`.
pub fn less_or_equal(a: u64, b: u64, _bits: usize) -> bool {
    a <= b
}

/// In-circuit twins of the range checks and comparisons of this module.
pub trait RangeGadgets {
    /// Whether `x < 2^bits`: asserted (one `BaseSumGate` row for up to 63 bits).
    fn check_bits(&mut self, x: Target, bits: usize);

    /// Asserts `x < 2^bits` only when `cond` is 1 (range-checks `cond · x`).
    fn check_bits_if(&mut self, cond: BoolTarget, x: Target, bits: usize);

    /// Whether `a < b`, for `a, b < 2^bits` (`bits ≤ MAX_COMPARE_BITS`, the caller has
    /// range-checked both).
    fn less_than(&mut self, a: Target, b: Target, bits: usize) -> BoolTarget;

    /// Whether `a ≤ b`, for `a, b < 2^bits` (as for [`RangeGadgets::less_than`]).
    fn less_or_equal(&mut self, a: Target, b: Target, bits: usize) -> BoolTarget;

    /// Asserts `x = 0` when `cond` is 1.
    fn assert_zero_if(&mut self, cond: BoolTarget, x: Target);

    /// Asserts `x = y` when `cond` is 1.
    fn connect_if(&mut self, cond: BoolTarget, x: Target, y: Target);

    /// Asserts `x ≠ 0` when `cond` is 1.
    fn assert_nonzero_if(&mut self, cond: BoolTarget, x: Target);

    /// Whether every element of `xs` is zero (one inverse hint per element).
    fn all_zero(&mut self, xs: &[Target]) -> BoolTarget;
}

impl RangeGadgets for CircuitBuilder<F, D> {
    fn check_bits(&mut self, x: Target, bits: usize) {
        self.range_check(x, bits);
    }

    fn check_bits_if(&mut self, cond: BoolTarget, x: Target, bits: usize) {
        let gated = self.mul(cond.target, x);
        self.range_check(gated, bits);
    }

    fn less_than(&mut self, a: Target, b: Target, bits: usize) -> BoolTarget {
        assert!(bits <= MAX_COMPARE_BITS, "comparison of {bits} bits");
        // t = 2^bits + a − b lies in (0, 2^(bits+1)) for a, b < 2^bits, and its bit `bits` is
        // 1 exactly when a ≥ b.
        // Soundness: split_le range-checks t to bits + 1 < 63 bits, so its bits are unique.
        let offset = self.constant(F::from_canonical_u64(1 << bits));
        let t = self.add(offset, a);
        let t = self.sub(t, b);
        let t_bits = self.split_le(t, bits + 1);
        self.not(t_bits[bits])
    }

    fn less_or_equal(&mut self, a: Target, b: Target, bits: usize) -> BoolTarget {
        let gt = self.less_than(b, a, bits);
        self.not(gt)
    }

    fn assert_zero_if(&mut self, cond: BoolTarget, x: Target) {
        let gated = self.mul(cond.target, x);
        self.assert_zero(gated);
    }

    fn connect_if(&mut self, cond: BoolTarget, x: Target, y: Target) {
        let d = self.sub(x, y);
        self.assert_zero_if(cond, d);
    }

    fn assert_nonzero_if(&mut self, cond: BoolTarget, x: Target) {
        let zero = self.zero();
        // Soundness: is_equal pins its inverse hint by x·inv = 1 − eq and x·eq = 0.
        let is_zero = self.is_equal(x, zero);
        self.assert_zero_if(cond, is_zero.target);
    }

    fn all_zero(&mut self, xs: &[Target]) -> BoolTarget {
        let zero = self.zero();
        let mut acc = self._true();
        for &x in xs {
            let z = self.is_equal(x, zero);
            acc = self.and(acc, z);
        }
        acc
    }
}

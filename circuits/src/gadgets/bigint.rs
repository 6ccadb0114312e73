//! Unsigned big integers as little-endian 32-bit limbs: add, sub, mul, compare and hinted
//! division `a = q·b + r, r < b`.
//!
//! Natively a big integer is a `&[u32]` (least significant limb first); in a circuit it is a
//! [`BigUintTarget`] whose every limb is range-checked below 2^32. The margin rules need
//! products up to 152 bits ([`crate::constants`]), beyond any native machine word in a
//! field of 64 bits, which is what these are for.

use plonky2::field::types::{Field, PrimeField64};
use plonky2::iop::generator::{GeneratedValues, SimpleGenerator};
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::{PartitionWitness, Witness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::CommonCircuitData;
use plonky2::util::serialization::{Buffer, IoResult, Read, Write};

use super::range::RangeGadgets;
use crate::hash::{D, F};

const LIMB_BITS: usize = 32;

fn limb(v: &[u32], i: usize) -> u64 {
    u64::from(v.get(i).copied().unwrap_or(0))
}

/// `a + b`, with `max(len) + 1` limbs.
pub fn add_biguint(a: &[u32], b: &[u32]) -> Vec<u32> {
    let n = a.len().max(b.len());
    let mut out = Vec::with_capacity(n + 1);
    let mut carry = 0u64;
    for i in 0..n {
        let t = limb(a, i) + limb(b, i) + carry;
        out.push(t as u32);
        carry = t >> LIMB_BITS;
    }
    out.push(carry as u32);
    out
}

/// `a − b` modulo `2^(32·max(len))`, and whether it borrowed (`a < b`).
pub fn sub_biguint(a: &[u32], b: &[u32]) -> (Vec<u32>, bool) {
    let n = a.len().max(b.len());
    let mut out = Vec::with_capacity(n);
    let mut borrow = 0u64;
    for i in 0..n {
        let t = (1u64 << LIMB_BITS) + limb(a, i) - limb(b, i) - borrow;
        out.push(t as u32);
        borrow = 1 - (t >> LIMB_BITS);
    }
    (out, borrow == 1)
}

/// `a · b`, with `len(a) + len(b)` limbs.
pub fn mul_biguint(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = vec![0u32; a.len() + b.len()];
    for (i, &x) in a.iter().enumerate() {
        let mut carry = 0u64;
        for (j, &y) in b.iter().enumerate() {
            let t = u64::from(x) * u64::from(y) + u64::from(out[i + j]) + carry;
            out[i + j] = t as u32;
            carry = t >> LIMB_BITS;
        }
        let mut k = i + b.len();
        while carry > 0 {
            let t = u64::from(out[k]) + carry;
            out[k] = t as u32;
            carry = t >> LIMB_BITS;
            k += 1;
        }
    }
    out
}

/// Whether `a < b`.
pub fn less_than_biguint(a: &[u32], b: &[u32]) -> bool {
    sub_biguint(a, b).1
}

/// `(q, r)` with `a = q·b + r` and `r < b` (`q` has `len(a)` limbs, `r` has `len(b)`), or
/// `None` if `b = 0`.
pub fn div_rem_biguint(a: &[u32], b: &[u32]) -> Option<(Vec<u32>, Vec<u32>)> {
    if b.iter().all(|&x| x == 0) {
        return None;
    }
    // Binary long division: slow but plain, and only run for hints and tests.
    let mut q = vec![0u32; a.len()];
    let mut r = vec![0u32; b.len() + 1];
    for bit in (0..a.len() * LIMB_BITS).rev() {
        // r = 2r + bit of a
        let mut carry = (a[bit / LIMB_BITS] >> (bit % LIMB_BITS)) & 1;
        for x in r.iter_mut() {
            let next = *x >> 31;
            *x = (*x << 1) | carry;
            carry = next;
        }
        if !less_than_biguint(&r, b) {
            r = sub_biguint(&r, b).0;
            q[bit / LIMB_BITS] |= 1 << (bit % LIMB_BITS);
        }
    }
    r.truncate(b.len());
    Some((q, r))
}

/// `x` as a big integer of `ceil(bits / 32)` limbs, for `x < 2^bits` (`bits ≤ 63`).
pub fn biguint_from_u64(x: u64, bits: usize) -> Vec<u32> {
    (0..bits.div_ceil(LIMB_BITS)).map(|i| (x >> (LIMB_BITS * i)) as u32).collect()
}

/// `a + b` in exactly `limbs` limbs, or `None` if the sum needs more.
pub fn add_biguint_bounded(a: &[u32], b: &[u32], limbs: usize) -> Option<Vec<u32>> {
    let mut s = add_biguint(a, b);
    if s.iter().skip(limbs).any(|&x| x != 0) {
        return None;
    }
    s.resize(limbs, 0);
    Some(s)
}

/// A big integer in a circuit: little-endian limbs, each below 2^32.
#[derive(Clone, Debug)]
pub struct BigUintTarget {
    /// The limbs, least significant first.
    pub limbs: Vec<Target>,
}

impl BigUintTarget {
    /// The number of limbs.
    pub fn len(&self) -> usize {
        self.limbs.len()
    }

    /// Whether it has no limbs (the integer 0).
    pub fn is_empty(&self) -> bool {
        self.limbs.is_empty()
    }
}

/// In-circuit twins of the big-integer operations of this module.
pub trait BigUintGadgets {
    /// A new big integer of `n` limbs, each range-checked below 2^32.
    fn add_virtual_biguint(&mut self, n: usize) -> BigUintTarget;
    /// A constant big integer.
    fn constant_biguint(&mut self, limbs: &[u32]) -> BigUintTarget;
    /// `a + b`, with `max(len) + 1` limbs.
    fn add_biguint(&mut self, a: &BigUintTarget, b: &BigUintTarget) -> BigUintTarget;
    /// `a − b` modulo `2^(32·max(len))`, and whether it borrowed (`a < b`).
    fn sub_biguint(&mut self, a: &BigUintTarget, b: &BigUintTarget) -> (BigUintTarget, BoolTarget);
    /// `a · b`, with `len(a) + len(b)` limbs.
    fn mul_biguint(&mut self, a: &BigUintTarget, b: &BigUintTarget) -> BigUintTarget;
    /// Whether `a < b`.
    fn less_than_biguint(&mut self, a: &BigUintTarget, b: &BigUintTarget) -> BoolTarget;
    /// `(q, r)` with `a = q·b + r` and `r < b` (`q` has `len(a)` limbs, `r` has `len(b)`);
    /// unsatisfiable if `b = 0`.
    fn div_rem_biguint(
        &mut self,
        a: &BigUintTarget,
        b: &BigUintTarget,
    ) -> (BigUintTarget, BigUintTarget);
    /// The constraints of [`BigUintGadgets::div_rem_biguint`] without its hint: asserts
    /// `a = q·b + r` and `r < b` for given `q` and `r`.
    fn assert_div_rem_biguint(
        &mut self,
        a: &BigUintTarget,
        b: &BigUintTarget,
        q: &BigUintTarget,
        r: &BigUintTarget,
    );
    /// Asserts `a = b` (limbs beyond the shorter one must be zero).
    fn connect_biguint(&mut self, a: &BigUintTarget, b: &BigUintTarget);
    /// `x` as a big integer of `ceil(bits / 32)` limbs: asserts `x < 2^bits` (`bits ≤ 63`).
    fn biguint_from_u64(&mut self, x: Target, bits: usize) -> BigUintTarget;
    /// `a + b` in exactly `limbs` limbs: unsatisfiable if the sum needs more.
    fn add_biguint_bounded(
        &mut self,
        a: &BigUintTarget,
        b: &BigUintTarget,
        limbs: usize,
    ) -> BigUintTarget;
    /// `cond ? a : b`, limb by limb (`max(len)` limbs; `cond` boolean).
    fn select_biguint(
        &mut self,
        cond: BoolTarget,
        a: &BigUintTarget,
        b: &BigUintTarget,
    ) -> BigUintTarget;
    /// Asserts `a = b` when `cond` is 1.
    fn connect_biguint_if(&mut self, cond: BoolTarget, a: &BigUintTarget, b: &BigUintTarget);
}

impl BigUintGadgets for CircuitBuilder<F, D> {
    fn add_virtual_biguint(&mut self, n: usize) -> BigUintTarget {
        let limbs = self.add_virtual_targets(n);
        for &l in &limbs {
            self.check_bits(l, LIMB_BITS);
        }
        BigUintTarget { limbs }
    }

    fn constant_biguint(&mut self, limbs: &[u32]) -> BigUintTarget {
        BigUintTarget {
            limbs: limbs.iter().map(|&l| self.constant(F::from_canonical_u32(l))).collect(),
        }
    }

    fn add_biguint(&mut self, a: &BigUintTarget, b: &BigUintTarget) -> BigUintTarget {
        let n = a.len().max(b.len());
        let zero = self.zero();
        let mut carry = zero;
        let mut limbs = Vec::with_capacity(n + 1);
        for i in 0..n {
            let x = a.limbs.get(i).copied().unwrap_or(zero);
            let y = b.limbs.get(i).copied().unwrap_or(zero);
            let t = self.add(x, y);
            let t = self.add(t, carry);
            // Soundness: t < 2^33 + 1; split_low_high range-checks the low limb to 32 bits
            // and the carry to 1 bit and constrains t = low + 2^32·carry (unique: no wrap).
            let (lo, hi) = self.split_low_high(t, LIMB_BITS, LIMB_BITS + 1);
            limbs.push(lo);
            carry = hi;
        }
        limbs.push(carry);
        BigUintTarget { limbs }
    }

    fn sub_biguint(&mut self, a: &BigUintTarget, b: &BigUintTarget) -> (BigUintTarget, BoolTarget) {
        let n = a.len().max(b.len());
        let zero = self.zero();
        let base = self.constant(F::from_canonical_u64(1 << LIMB_BITS));
        let one = self.one();
        let mut borrow = zero;
        let mut limbs = Vec::with_capacity(n);
        for i in 0..n {
            let x = a.limbs.get(i).copied().unwrap_or(zero);
            let y = b.limbs.get(i).copied().unwrap_or(zero);
            // t = 2^32 + x − y − borrow ∈ [0, 2^33): its bit 32 is 1 when no borrow occurs.
            let t = self.add(base, x);
            let t = self.sub(t, y);
            let t = self.sub(t, borrow);
            // Soundness: as in add, the split is range-checked and unique.
            let (lo, hi) = self.split_low_high(t, LIMB_BITS, LIMB_BITS + 1);
            limbs.push(lo);
            borrow = self.sub(one, hi);
        }
        (BigUintTarget { limbs }, BoolTarget::new_unsafe(borrow))
    }

    fn mul_biguint(&mut self, a: &BigUintTarget, b: &BigUintTarget) -> BigUintTarget {
        let n = a.len() + b.len();
        let zero = self.zero();
        // Column k collects the low halves of the products with i + j = k and the high halves
        // of those with i + j = k − 1.
        let mut columns: Vec<Vec<Target>> = vec![Vec::new(); n];
        let max_hi = self.constant(F::from_canonical_u64((1 << LIMB_BITS) - 2));
        for (i, &x) in a.limbs.iter().enumerate() {
            for (j, &y) in b.limbs.iter().enumerate() {
                let p = self.mul(x, y);
                // Soundness: p ≤ (2^32 − 1)^2 < p_field, so p is the integer product. The
                // split is range-checked (32 + 32 bits) and constrained to recompose p; the
                // one other decomposition of the field element (p + p_field, possible when
                // p < 2^32 − 1) has high half 2^32 − 1, which the check hi ≤ 2^32 − 2 excludes
                // (the true product's high half is at most 2^32 − 2).
                let (lo, hi) = self.split_low_high(p, LIMB_BITS, 2 * LIMB_BITS);
                let slack = self.sub(max_hi, hi);
                self.check_bits(slack, LIMB_BITS);
                columns[i + j].push(lo);
                columns[i + j + 1].push(hi);
            }
        }
        let mut carry = zero;
        let mut limbs = Vec::with_capacity(n);
        for col in columns {
            // A column holds at most 2·min(len) + 1 terms below 2^32 each.
            let terms = col.len() + 1;
            let extra = usize::BITS as usize - terms.leading_zeros() as usize;
            let mut s = carry;
            for t in col {
                s = self.add(s, t);
            }
            // Soundness: s < terms·2^32 ≤ 2^(32 + extra) with 32 + extra < 63: unique split.
            let (lo, hi) = self.split_low_high(s, LIMB_BITS, LIMB_BITS + extra);
            limbs.push(lo);
            carry = hi;
        }
        // The product of an a-limb and a b-limb number fits a + b limbs: the final carry is 0.
        self.assert_zero(carry);
        BigUintTarget { limbs }
    }

    fn less_than_biguint(&mut self, a: &BigUintTarget, b: &BigUintTarget) -> BoolTarget {
        self.sub_biguint(a, b).1
    }

    fn div_rem_biguint(
        &mut self,
        a: &BigUintTarget,
        b: &BigUintTarget,
    ) -> (BigUintTarget, BigUintTarget) {
        let q = self.add_virtual_biguint(a.len());
        let r = self.add_virtual_biguint(b.len());
        self.add_simple_generator(DivRemGenerator {
            a: a.limbs.clone(),
            b: b.limbs.clone(),
            q: q.limbs.clone(),
            r: r.limbs.clone(),
        });
        // Soundness: q and r are range-checked limbs (add_virtual_biguint); r < b and
        // q·b + r = a pin them to the unique quotient and remainder.
        self.assert_div_rem_biguint(a, b, &q, &r);
        (q, r)
    }

    fn assert_div_rem_biguint(
        &mut self,
        a: &BigUintTarget,
        b: &BigUintTarget,
        q: &BigUintTarget,
        r: &BigUintTarget,
    ) {
        let lt = self.less_than_biguint(r, b);
        self.assert_one(lt.target);
        let qb = self.mul_biguint(q, b);
        let sum = self.add_biguint(&qb, r);
        self.connect_biguint(&sum, a);
    }

    fn connect_biguint(&mut self, a: &BigUintTarget, b: &BigUintTarget) {
        let zero = self.zero();
        for i in 0..a.len().max(b.len()) {
            let x = a.limbs.get(i).copied().unwrap_or(zero);
            let y = b.limbs.get(i).copied().unwrap_or(zero);
            self.connect(x, y);
        }
    }

    fn biguint_from_u64(&mut self, x: Target, bits: usize) -> BigUintTarget {
        assert!(bits <= 63, "a {bits}-bit value is not one field element");
        if bits <= LIMB_BITS {
            self.check_bits(x, bits);
            return BigUintTarget { limbs: vec![x] };
        }
        // Soundness: split_low_high range-checks lo < 2^32 and hi < 2^(bits−32) and
        // constrains x = lo + 2^32·hi; below 2^63 < p the split is unique.
        let (lo, hi) = self.split_low_high(x, LIMB_BITS, bits);
        BigUintTarget { limbs: vec![lo, hi] }
    }

    fn add_biguint_bounded(
        &mut self,
        a: &BigUintTarget,
        b: &BigUintTarget,
        limbs: usize,
    ) -> BigUintTarget {
        let mut s = self.add_biguint(a, b);
        for &l in s.limbs.iter().skip(limbs) {
            self.assert_zero(l);
        }
        let zero = self.zero();
        s.limbs.resize(limbs, zero);
        s
    }

    fn select_biguint(
        &mut self,
        cond: BoolTarget,
        a: &BigUintTarget,
        b: &BigUintTarget,
    ) -> BigUintTarget {
        let zero = self.zero();
        let limbs = (0..a.len().max(b.len()))
            .map(|i| {
                let x = a.limbs.get(i).copied().unwrap_or(zero);
                let y = b.limbs.get(i).copied().unwrap_or(zero);
                self.select(cond, x, y)
            })
            .collect();
        BigUintTarget { limbs }
    }

    fn connect_biguint_if(&mut self, cond: BoolTarget, a: &BigUintTarget, b: &BigUintTarget) {
        let zero = self.zero();
        for i in 0..a.len().max(b.len()) {
            let x = a.limbs.get(i).copied().unwrap_or(zero);
            let y = b.limbs.get(i).copied().unwrap_or(zero);
            self.connect_if(cond, x, y);
        }
    }
}

/// The hint of [`BigUintGadgets::div_rem_biguint`]: the quotient and remainder, natively.
#[derive(Debug, Default)]
struct DivRemGenerator {
    a: Vec<Target>,
    b: Vec<Target>,
    q: Vec<Target>,
    r: Vec<Target>,
}

fn read_limbs(w: &PartitionWitness<'_, F>, ts: &[Target]) -> Vec<u32> {
    // Limbs are range-checked to 32 bits; a value beyond makes the proof fail anyway.
    ts.iter().map(|&t| w.get_target(t).to_canonical_u64() as u32).collect()
}

impl SimpleGenerator<F, D> for DivRemGenerator {
    fn id(&self) -> String {
        "proofbook.DivRemGenerator".to_string()
    }

    fn dependencies(&self) -> Vec<Target> {
        self.a.iter().chain(&self.b).copied().collect()
    }

    fn run_once(
        &self,
        witness: &PartitionWitness<'_, F>,
        out_buffer: &mut GeneratedValues<F>,
    ) -> anyhow::Result<()> {
        let a = read_limbs(witness, &self.a);
        let b = read_limbs(witness, &self.b);
        // With b = 0 there is no valid witness: leave zeros, and r < b fails.
        let (q, r) =
            div_rem_biguint(&a, &b).unwrap_or_else(|| (vec![0; a.len()], vec![0; b.len()]));
        for (t, v) in self.q.iter().zip(q).chain(self.r.iter().zip(r)) {
            out_buffer.set_target(*t, F::from_canonical_u32(v))?;
        }
        Ok(())
    }

    fn serialize(&self, dst: &mut Vec<u8>, _: &CommonCircuitData<F, D>) -> IoResult<()> {
        dst.write_target_vec(&self.a)?;
        dst.write_target_vec(&self.b)?;
        dst.write_target_vec(&self.q)?;
        dst.write_target_vec(&self.r)
    }

    fn deserialize(src: &mut Buffer<'_>, _: &CommonCircuitData<F, D>) -> IoResult<Self> {
        Ok(Self {
            a: src.read_target_vec()?,
            b: src.read_target_vec()?,
            q: src.read_target_vec()?,
            r: src.read_target_vec()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn to_limbs(x: u128, n: usize) -> Vec<u32> {
        (0..n).map(|i| (x >> (32 * i)) as u32).collect()
    }
    fn from_limbs(v: &[u32]) -> u128 {
        v.iter().rev().fold(0u128, |acc, &l| (acc << 32) | u128::from(l))
    }

    proptest! {
        #[test]
        fn native_matches_u128(a in any::<u64>(), b in any::<u64>(), c in 1u64..) {
            let (la, lb) = (to_limbs(a.into(), 2), to_limbs(b.into(), 2));
            prop_assert_eq!(from_limbs(&add_biguint(&la, &lb)), u128::from(a) + u128::from(b));
            prop_assert_eq!(from_limbs(&mul_biguint(&la, &lb)), u128::from(a) * u128::from(b));
            let (d, borrow) = sub_biguint(&la, &lb);
            prop_assert_eq!(borrow, a < b);
            prop_assert_eq!(from_limbs(&d) as u64, a.wrapping_sub(b));
            prop_assert_eq!(less_than_biguint(&la, &lb), a < b);
            let ab = u128::from(a) * u128::from(b);
            let (q, r) = div_rem_biguint(&to_limbs(ab, 4), &to_limbs(c.into(), 2)).unwrap();
            prop_assert_eq!(from_limbs(&q), ab / u128::from(c));
            prop_assert_eq!(from_limbs(&r), ab % u128::from(c));
        }
    }

    #[test]
    fn division_by_zero_is_none() {
        assert!(div_rem_biguint(&[5, 0], &[0, 0]).is_none());
    }
}

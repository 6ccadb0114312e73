//! Integers modulo n, the (prime) order of the ecGFp5 group.
//!
//! n is a 319-bit prime (constant `n` in eprint 2022/274 §1). A [`Scalar`] is held as five
//! 64-bit limbs, little-endian, always canonical (`< n`). Multiplication is Montgomery's
//! (CIOS) with `R = 2^320`; values are stored in plain form, so a product costs two
//! Montgomery multiplications (the second by `R^2 mod n`). Scalars are not on any hot path
//! (one product per signature), so simplicity wins over a Montgomery-form representation.
//! Arithmetic is written without secret-dependent branches because signing handles secret
//! scalars.

use core::ops::{Add, AddAssign, Mul, MulAssign, Neg, Sub, SubAssign};

use plonky2::field::types::PrimeField64;

use crate::hash::Digest;

pub(crate) mod circuit;

/// n, little-endian 64-bit limbs.
const N: [u64; 5] = [
    0xE80F_D996_948B_FFE1,
    0xE888_5C39_D724_A09C,
    0x7FFF_FFE6_CFB8_0639,
    0x7FFF_FFF1_0000_0016,
    0x7FFF_FFFD_8000_0007,
];

/// `−n^(−1) mod 2^64`, for Montgomery reduction.
const N0_NEG_INV: u64 = {
    // Newton iteration doubles the number of correct low bits each step (1 → 64).
    let mut inv = 1u64;
    let mut i = 0;
    while i < 6 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(N[0].wrapping_mul(inv)));
        i += 1;
    }
    inv.wrapping_neg()
};

/// `2^640 mod n` (`R^2` for `R = 2^320`), by 640 modular doublings of 1.
const R2: [u64; 5] = {
    let mut x = [1u64, 0, 0, 0, 0];
    let mut k = 0;
    while k < 640 {
        // x < n < 2^319, so 2x < 2^320 fits in five limbs.
        let mut d = [0u64; 5];
        let mut carry = 0u64;
        let mut i = 0;
        while i < 5 {
            d[i] = (x[i] << 1) | carry;
            carry = x[i] >> 63;
            i += 1;
        }
        x = const_sub_if_ge(d);
        k += 1;
    }
    x
};

/// `x − n` if `x ≥ n`, else `x` (compile-time helper).
const fn const_sub_if_ge(x: [u64; 5]) -> [u64; 5] {
    let mut r = [0u64; 5];
    let mut borrow = 0u64;
    let mut i = 0;
    while i < 5 {
        let (d1, b1) = x[i].overflowing_sub(N[i]);
        let (d2, b2) = d1.overflowing_sub(borrow);
        r[i] = d2;
        borrow = (b1 | b2) as u64;
        i += 1;
    }
    if borrow == 1 {
        x
    } else {
        r
    }
}

/// `a + b + carry` → (low, carry).
#[inline(always)]
fn adc(a: u64, b: u64, carry: u64) -> (u64, u64) {
    let t = u128::from(a) + u128::from(b) + u128::from(carry);
    (t as u64, (t >> 64) as u64)
}

/// `a − b − borrow` → (low, borrow ∈ {0, 1}).
#[inline(always)]
fn sbb(a: u64, b: u64, borrow: u64) -> (u64, u64) {
    let t = u128::from(a).wrapping_sub(u128::from(b)).wrapping_sub(u128::from(borrow));
    (t as u64, ((t >> 64) as u64) & 1)
}

/// `t + a·b + carry` → (low, high); cannot overflow 128 bits.
#[inline(always)]
fn mac(t: u64, a: u64, b: u64, carry: u64) -> (u64, u64) {
    let r = u128::from(t) + u128::from(a) * u128::from(b) + u128::from(carry);
    (r as u64, (r >> 64) as u64)
}

/// `x − borrow_out·…`: subtracts n from the 6-limb value `(x, top)` and keeps the result
/// only if it did not go negative. Branch-free.
#[inline(always)]
fn reduce_once(x: [u64; 5], top: u64) -> [u64; 5] {
    let mut d = [0u64; 5];
    let mut borrow = 0;
    for i in 0..5 {
        (d[i], borrow) = sbb(x[i], N[i], borrow);
    }
    let (_, borrow) = sbb(top, 0, borrow);
    // borrow = 1: x < n, keep x.
    let keep_x = borrow.wrapping_neg();
    core::array::from_fn(|i| (x[i] & keep_x) | (d[i] & !keep_x))
}

/// `a − b mod n` for `a, b < n`; on borrow n is added back through a mask, not a branch.
fn sub_mod(a: &[u64; 5], b: &[u64; 5]) -> [u64; 5] {
    let mut d = [0u64; 5];
    let mut borrow = 0;
    for (di, (x, y)) in d.iter_mut().zip(a.iter().zip(b)) {
        (*di, borrow) = sbb(*x, *y, borrow);
    }
    let mask = borrow.wrapping_neg();
    let mut carry = 0;
    for (di, ni) in d.iter_mut().zip(N) {
        (*di, carry) = adc(*di, ni & mask, carry);
    }
    d
}

/// Montgomery product `a·b·2^(−320) mod n` for `a, b < n` (CIOS).
fn mont_mul(a: &[u64; 5], b: &[u64; 5]) -> [u64; 5] {
    let mut t = [0u64; 7];
    for &ai in a {
        let mut carry = 0;
        for j in 0..5 {
            (t[j], carry) = mac(t[j], ai, b[j], carry);
        }
        let (s, c) = adc(t[5], carry, 0);
        t[5] = s;
        t[6] = c;
        // Add m·n so the low limb becomes zero, then shift down one limb.
        let m = t[0].wrapping_mul(N0_NEG_INV);
        let (_, mut carry) = mac(t[0], m, N[0], 0);
        for j in 1..5 {
            (t[j - 1], carry) = mac(t[j], m, N[j], carry);
        }
        let (s, c) = adc(t[5], carry, 0);
        t[4] = s;
        t[5] = t[6] + c;
    }
    // t < 2n < 2^320 here.
    reduce_once([t[0], t[1], t[2], t[3], t[4]], t[5])
}

/// An integer modulo n, the order of the ecGFp5 group.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Scalar([u64; 5]);

impl Scalar {
    /// Zero.
    pub const ZERO: Self = Self([0; 5]);
    /// One.
    pub const ONE: Self = Self([1, 0, 0, 0, 0]);
    /// n − 1, the largest scalar.
    pub const MINUS_ONE: Self = Self([N[0] - 1, N[1], N[2], N[3], N[4]]);
    /// The group order n as little-endian 64-bit limbs (it is not itself a `Scalar`).
    pub const MODULUS: [u64; 5] = N;
    /// Byte length of [`Scalar::encode`].
    pub const BYTES: usize = 40;

    /// A small integer as a scalar.
    pub const fn from_u64(x: u64) -> Self {
        Self([x, 0, 0, 0, 0])
    }

    /// The little-endian limbs (canonical, `< n`).
    pub const fn limbs(&self) -> [u64; 5] {
        self.0
    }

    /// A scalar from little-endian limbs; `None` if the value is not below n.
    pub fn from_limbs(limbs: [u64; 5]) -> Option<Self> {
        let mut borrow = 0;
        for i in 0..5 {
            (_, borrow) = sbb(limbs[i], N[i], borrow);
        }
        (borrow == 1).then_some(Self(limbs))
    }

    /// Whether this is zero.
    pub fn is_zero(&self) -> bool {
        self.0.iter().fold(0, |acc, l| acc | l) == 0
    }

    /// `self^2`.
    pub fn square(&self) -> Self {
        *self * *self
    }

    /// 40 bytes, little-endian.
    pub fn encode(&self) -> [u8; 40] {
        let mut out = [0u8; 40];
        for (chunk, l) in out.chunks_exact_mut(8).zip(self.0) {
            chunk.copy_from_slice(&l.to_le_bytes());
        }
        out
    }

    /// Reads up to 40 little-endian bytes as five limbs (missing bytes are zero).
    fn limbs_from_le(bytes: &[u8]) -> [u64; 5] {
        let mut buf = [0u8; 40];
        buf[..bytes.len()].copy_from_slice(bytes);
        core::array::from_fn(|i| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&buf[8 * i..8 * i + 8]);
            u64::from_le_bytes(b)
        })
    }

    /// Canonical decoding of a little-endian integer of any length: `None` unless the value
    /// is below n. Extra high zero bytes are accepted (the reference's rule).
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let (low, high) = bytes.split_at(bytes.len().min(Self::BYTES));
        if high.iter().any(|&b| b != 0) {
            return None;
        }
        Self::from_limbs(Self::limbs_from_le(low))
    }

    /// A little-endian integer of any length, reduced modulo n.
    ///
    /// Processes 40-byte chunks from the most significant: `acc ← acc·2^320 + chunk mod n`,
    /// where `acc·2^320 mod n` is the Montgomery product of `acc` and `2^640 mod n`.
    pub fn decode_reduce(bytes: &[u8]) -> Self {
        let mut acc = Self::ZERO;
        for chunk in bytes.chunks(Self::BYTES).rev() {
            // chunk < 2^320 < 4n: three conditional subtractions bring it below n.
            let mut c = Self::limbs_from_le(chunk);
            for _ in 0..3 {
                c = reduce_once(c, 0);
            }
            acc = Self(mont_mul(&acc.0, &R2)) + Self(c);
        }
        acc
    }

    /// The integer `Σ e_i · 2^(64·i)` of a digest's four elements (each below p, so the
    /// value is below 2^256 < n and needs no reduction).
    pub fn from_digest(d: &Digest) -> Self {
        let e = d.elements.map(|x| x.to_canonical_u64());
        Self([e[0], e[1], e[2], e[3], 0])
    }

    /// Bit `i` (0 = least significant).
    #[inline]
    pub(crate) fn bit(&self, i: usize) -> u64 {
        if i >= 320 {
            return 0;
        }
        (self.0[i / 64] >> (i % 64)) & 1
    }

    /// Bits `[i, i + w)` as an integer (`w ≤ 16`).
    #[inline]
    fn bits(&self, i: usize, w: usize) -> i32 {
        let mut v = 0i32;
        for k in 0..w {
            v |= i32::from(self.bit(i + k) == 1) << k;
        }
        v
    }

    /// Signed fixed-window recoding: digits `d_j ∈ [−2^(w−1), 2^(w−1)]` with
    /// `self = Σ d_j · 2^(w·j)`, `ceil(320/w)` of them (the top digit absorbs the final carry
    /// since n < 2^319). Branch-free in the scalar's value.
    pub(crate) fn recode_signed(&self, w: usize) -> Vec<i32> {
        let count = 320usize.div_ceil(w);
        let mut out = Vec::with_capacity(count);
        let full = 1i32 << w;
        let half = 1i32 << (w - 1);
        let mut carry = 0i32;
        for j in 0..count {
            let v = self.bits(w * j, w) + carry;
            // c = 1 if v > half.
            let c = ((half - v) >> 31) & 1;
            out.push(v - (c * full));
            carry = c;
        }
        out
    }

    /// Width-`w` non-adjacent form (digits zero or odd in `(−2^(w−1), 2^(w−1))`), least
    /// significant first, `321` entries. Variable time: public scalars only.
    pub(crate) fn wnaf(&self, w: u32) -> [i8; 321] {
        wnaf_limbs(self.0, w)
    }

    /// The width-`w` NAFs of `self mod 2^160` and of `self >> 160` (for a split over two
    /// precomputed bases `B` and `2^160·B`). Variable time.
    pub(crate) fn wnaf_split160(&self, w: u32) -> ([i8; 321], [i8; 321]) {
        let l = self.0;
        let low = [l[0], l[1], l[2] & 0xFFFF_FFFF, 0, 0];
        let high = [(l[2] >> 32) | (l[3] << 32), (l[3] >> 32) | (l[4] << 32), l[4] >> 32, 0, 0];
        (wnaf_limbs(low, w), wnaf_limbs(high, w))
    }
}

/// Width-`w` NAF (`w ≤ 8`) of a little-endian integer below 2^320, least significant digit
/// first.
fn wnaf_limbs(limbs: [u64; 5], w: u32) -> [i8; 321] {
    let mut out = [0i8; 321];
    // Working copy with a spare limb for the carry of a negative digit.
    let mut k = [limbs[0], limbs[1], limbs[2], limbs[3], limbs[4], 0u64];
    let mask = (1u64 << w) - 1;
    let half = 1i64 << (w - 1);
    let mut i = 0usize;
    while i < out.len() && k.iter().any(|&l| l != 0) {
        if k[0] == 0 {
            k.copy_within(1.., 0);
            k[5] = 0;
            i += 64;
            continue;
        }
        if k[0] & 1 == 0 {
            let tz = k[0].trailing_zeros();
            shr_small(&mut k, tz);
            i += tz as usize;
            continue;
        }
        let mut d = (k[0] & mask).cast_signed();
        if d >= half {
            d -= half << 1;
        }
        out[i] = d as i8;
        // k −= d; the low w bits become zero.
        let mut c;
        if d > 0 {
            (k[0], c) = sbb(k[0], d.unsigned_abs(), 0);
            for l in k.iter_mut().skip(1) {
                (*l, c) = sbb(*l, 0, c);
            }
        } else {
            (k[0], c) = adc(k[0], d.unsigned_abs(), 0);
            for l in k.iter_mut().skip(1) {
                (*l, c) = adc(*l, 0, c);
            }
        }
        shr_small(&mut k, 1);
        i += 1;
    }
    out
}

/// `k >>= n` for `1 ≤ n < 64`.
fn shr_small(k: &mut [u64; 6], n: u32) {
    for j in 0..5 {
        k[j] = (k[j] >> n) | (k[j + 1] << (64 - n));
    }
    k[5] >>= n;
}

impl Add for Scalar {
    type Output = Self;
    #[inline]
    fn add(self, rhs: Self) -> Self {
        // a + b < 2n < 2^320: no carry out of five limbs.
        let mut s = [0u64; 5];
        let mut carry = 0;
        for (si, (a, b)) in s.iter_mut().zip(self.0.iter().zip(rhs.0)) {
            (*si, carry) = adc(*a, b, carry);
        }
        Self(reduce_once(s, carry))
    }
}

impl Sub for Scalar {
    type Output = Self;
    #[inline]
    fn sub(self, rhs: Self) -> Self {
        Self(sub_mod(&self.0, &rhs.0))
    }
}

impl Neg for Scalar {
    type Output = Self;
    #[inline]
    fn neg(self) -> Self {
        Self::ZERO - self
    }
}

impl Mul for Scalar {
    type Output = Self;
    #[inline]
    fn mul(self, rhs: Self) -> Self {
        // (a·b/R)·R^2/R = a·b.
        Self(mont_mul(&mont_mul(&self.0, &rhs.0), &R2))
    }
}

impl AddAssign for Scalar {
    fn add_assign(&mut self, rhs: Self) {
        *self = *self + rhs;
    }
}

impl SubAssign for Scalar {
    fn sub_assign(&mut self, rhs: Self) {
        *self = *self - rhs;
    }
}

impl MulAssign for Scalar {
    fn mul_assign(&mut self, rhs: Self) {
        *self = *self * rhs;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn arb() -> impl Strategy<Value = Scalar> {
        proptest::collection::vec(any::<u8>(), 48).prop_map(|b| Scalar::decode_reduce(&b))
    }

    #[test]
    fn constants() {
        assert_eq!(N[0].wrapping_mul(N0_NEG_INV.wrapping_neg()), 1);
        assert_eq!(Scalar::MINUS_ONE + Scalar::ONE, Scalar::ZERO);
        assert!(Scalar::from_limbs(N).is_none());
        // R^2 · R^(−1) = R = 2^320 mod n = decode_reduce of 2^320.
        let mut b = [0u8; 41];
        b[40] = 1;
        assert_eq!(Scalar(mont_mul(&R2, &[1, 0, 0, 0, 0])), Scalar::decode_reduce(&b));
    }

    #[test]
    fn recode_reconstructs() {
        let s = Scalar::MINUS_ONE;
        for w in [4usize, 5] {
            let digits = s.recode_signed(w);
            let mut acc = Scalar::ZERO;
            let base = Scalar::from_u64(1 << w);
            for &d in digits.iter().rev() {
                acc *= base;
                let m = Scalar::from_u64(u64::from(d.unsigned_abs()));
                acc = if d < 0 { acc - m } else { acc + m };
                assert!(d.abs() <= 1 << (w - 1));
            }
            assert_eq!(acc, s);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn field_laws(a in arb(), b in arb(), c in arb()) {
            prop_assert_eq!(a + b, b + a);
            prop_assert_eq!(a * b, b * a);
            prop_assert_eq!((a * b) * c, a * (b * c));
            prop_assert_eq!(a * (b + c), a * b + a * c);
            prop_assert_eq!(a - b + b, a);
            prop_assert_eq!(a + (-a), Scalar::ZERO);
            prop_assert_eq!(Scalar::decode(&a.encode()), Some(a));
        }

        #[test]
        fn recodings_reconstruct(a in arb()) {
            let digits = a.recode_signed(5);
            let mut acc = Scalar::ZERO;
            for &d in digits.iter().rev() {
                acc *= Scalar::from_u64(32);
                let m = Scalar::from_u64(u64::from(d.unsigned_abs()));
                acc = if d < 0 { acc - m } else { acc + m };
            }
            prop_assert_eq!(acc, a);

            let naf = a.wnaf(5);
            let mut acc = Scalar::ZERO;
            for &d in naf.iter().rev() {
                acc = acc + acc;
                let m = Scalar::from_u64(u64::from(d.unsigned_abs()));
                acc = if d < 0 { acc - m } else { acc + m };
                prop_assert!(d == 0 || (d % 2 != 0 && d.abs() < 16));
            }
            prop_assert_eq!(acc, a);

            // Split NAFs: a = lo + 2^160·hi, width-8 digits.
            let (lo, hi) = a.wnaf_split160(8);
            let eval = |naf: &[i8; 321]| {
                let mut acc = Scalar::ZERO;
                for &d in naf.iter().rev() {
                    acc = acc + acc;
                    let m = Scalar::from_u64(u64::from(d.unsigned_abs()));
                    acc = if d < 0 { acc - m } else { acc + m };
                }
                acc
            };
            let mut two160 = [0u8; 21];
            two160[20] = 1;
            let shift = Scalar::decode_reduce(&two160);
            prop_assert_eq!(eval(&lo) + eval(&hi) * shift, a);
            prop_assert!(lo.iter().chain(hi.iter()).all(|&d| d == 0 || (d % 2 != 0 && d != i8::MIN)));
            prop_assert!(lo[162..].iter().all(|&d| d == 0));
        }
    }
}

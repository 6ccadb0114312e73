//! GF(p^5) = GF(p)[z]/(z^5 − 3) over the Goldilocks prime p = 2^64 − 2^32 + 1.
//!
//! The curve ecGFp5 is defined over this field. An element is five Goldilocks limbs, lowest
//! degree first. Limbs may hold non-canonical values internally (any `u64`, as plonky2's own
//! field type allows); equality, hashing and every output form ([`GFp5::to_bytes`],
//! [`GFp5::to_elements`]) use the canonical values.
//!
//! Multiplication sums the low and high halves of the five 128-bit products of each output
//! limb separately (no overflow is possible) and reduces once per limb, instead of reducing
//! after each of the 25 base-field products; squaring needs 15 products. Inversion, the
//! Legendre symbol and square roots go through the norm `x^(1+p+p^2+p^3+p^4)`, which lies in
//! GF(p), computed with the Frobenius map (Itoh–Tsujii); see Pornin, "EcGFp5: a Specialized
//! Elliptic Curve", eprint 2022/274, §3.2.

use core::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};

use plonky2::field::goldilocks_field::GoldilocksField as Gl;
use plonky2::field::ops::Square;
use plonky2::field::types::{Field, Field64, PrimeField64};

use crate::hash::F;

pub(crate) mod circuit;

/// p as an integer.
const P: u64 = F::ORDER;
/// 2^64 mod p = 2^32 − 1.
const EPS: u64 = 0xFFFF_FFFF;

/// `a · b mod p` at compile time (only used to build constants).
const fn const_mulmod(a: u64, b: u64) -> u64 {
    ((a as u128 * b as u128) % (P as u128)) as u64
}

/// `base^e mod p` at compile time.
const fn const_pow(base: u64, mut e: u64) -> u64 {
    let mut acc = 1u64;
    let mut b = base % P;
    while e > 0 {
        if e & 1 == 1 {
            acc = const_mulmod(acc, b);
        }
        b = const_mulmod(b, b);
        e >>= 1;
    }
    acc
}

/// Frobenius multipliers: `(z^i)^p = 3^(i·(p−1)/5) · z^i` (p ≡ 1 mod 5, so no reordering).
const FROB1: [u64; 5] = [
    1,
    const_pow(3, (P - 1) / 5),
    const_pow(3, 2 * ((P - 1) / 5)),
    const_pow(3, 3 * ((P - 1) / 5)),
    const_pow(3, 4 * ((P - 1) / 5)),
];

/// Multipliers of the second Frobenius power, `x ↦ x^(p^2)`.
const FROB2: [u64; 5] = [
    1,
    const_mulmod(FROB1[1], FROB1[1]),
    const_mulmod(FROB1[2], FROB1[2]),
    const_mulmod(FROB1[3], FROB1[3]),
    const_mulmod(FROB1[4], FROB1[4]),
];

/// Reduces a 128-bit value to a `u64` congruent modulo p (possibly not canonical).
///
/// With `x = lo + 2^64·(hh·2^32 + hl)`: `2^64 ≡ 2^32 − 1` and `2^96 ≡ −1`, so
/// `x ≡ lo − hh + hl·(2^32 − 1)`. Written without data-dependent branches.
#[inline(always)]
pub(crate) fn reduce128(x: u128) -> u64 {
    let lo = x as u64;
    let hi = (x >> 64) as u64;
    let hh = hi >> 32;
    let hl = hi & EPS;
    let (t0, borrow) = lo.overflowing_sub(hh);
    // On borrow the wrapped value is ≥ 2^64 − 2^32, so subtracting EPS (adding p) cannot wrap.
    let t0 = t0.wrapping_sub(EPS * u64::from(borrow));
    let t1 = hl * EPS;
    let (t2, carry) = t0.overflowing_add(t1);
    // On carry the wrapped value is below 2^64 − 2^33 + 1, so adding EPS cannot wrap.
    t2.wrapping_add(EPS * u64::from(carry))
}

/// Low and high halves of a 64×64-bit product, widened so sums of a few cannot overflow.
#[inline(always)]
fn halves(a: u64, b: u64) -> (u128, u128) {
    let t = u128::from(a) * u128::from(b);
    (u128::from(t as u64), t >> 64)
}

/// Reduces `lo + 2^64·hi` for `lo, hi < 2^70`: `2^64 ≡ 2^32 − 1`, so the value is congruent
/// to `lo + 2^32·hi − hi`, which is below 2^103 and then reduced as a 128-bit value.
#[inline(always)]
fn reduce_halves(lo: u128, hi: u128) -> u64 {
    reduce128(lo + (hi << 32) - hi)
}

/// `Σ a·b` over `direct` plus `3·Σ a·b` over `wrapped` (at most five products in all),
/// reduced once.
#[inline(always)]
fn limb_sum(direct: &[(u64, u64)], wrapped: &[(u64, u64)]) -> u64 {
    let (mut lo, mut hi) = (0u128, 0u128);
    for &(a, b) in direct {
        let (l, h) = halves(a, b);
        lo += l;
        hi += h;
    }
    let (mut wlo, mut whi) = (0u128, 0u128);
    for &(a, b) in wrapped {
        let (l, h) = halves(a, b);
        wlo += l;
        whi += h;
    }
    reduce_halves(lo + 3 * wlo, hi + 3 * whi)
}

/// `a + b + c` for three 128-bit products, reduced once: the sum may exceed 2^128 by up to
/// two wraps, each worth `2^128 ≡ −2^32 (mod p)`.
#[inline(always)]
fn sum3_reduce(a: u128, b: u128, c: u128) -> u64 {
    let (s, c1) = a.overflowing_add(b);
    let (s, c2) = s.overflowing_add(c);
    let r = reduce128(s);
    let (d, borrow) = r.overflowing_sub((u64::from(c1) + u64::from(c2)) << 32);
    // On borrow the wrapped value is ≥ 2^64 − 2^33, so adding p (subtracting EPS) cannot wrap.
    d.wrapping_sub(EPS * u64::from(borrow))
}

/// `k·x mod p` for a small `k` (below 2^32), not necessarily canonical.
///
/// The product is below 2^96, so with `x·k = lo + 2^64·hi` (`hi < 2^32`) it is congruent to
/// `lo + hi·(2^32 − 1)`, one addition with a single possible wrap.
#[inline(always)]
fn mul_small_u64(x: u64, k: u64) -> u64 {
    debug_assert!(k < 1 << 32);
    let t = u128::from(x) * u128::from(k & EPS);
    let lo = t as u64;
    let hi = (t >> 64) as u64;
    let (r, carry) = lo.overflowing_add(hi * EPS);
    // On a wrap, r < hi·EPS < 2^64 − 2^32, so adding EPS cannot wrap again.
    r.wrapping_add(EPS * u64::from(carry))
}

#[inline(always)]
fn wide(a: u64, b: u64) -> u128 {
    u128::from(a) * u128::from(b)
}

/// An element of GF(p^5): `c0 + c1·z + c2·z^2 + c3·z^3 + c4·z^4` with `z^5 = 3`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct GFp5(pub(crate) [F; 5]);

impl GFp5 {
    /// The additive identity.
    pub const ZERO: Self = Self([F::ZERO; 5]);
    /// The multiplicative identity.
    pub const ONE: Self = Self([F::ONE, F::ZERO, F::ZERO, F::ZERO, F::ZERO]);
    /// Byte length of [`GFp5::to_bytes`].
    pub const BYTES: usize = 40;

    /// Builds an element from five limbs, lowest degree first.
    pub const fn new(limbs: [F; 5]) -> Self {
        Self(limbs)
    }

    /// Builds an element from five `u64` limbs, each reduced modulo p.
    pub const fn from_u64_reduce(limbs: [u64; 5]) -> Self {
        Self([
            Gl(limbs[0] % P),
            Gl(limbs[1] % P),
            Gl(limbs[2] % P),
            Gl(limbs[3] % P),
            Gl(limbs[4] % P),
        ])
    }

    /// Builds an element from five `u64` limbs; `None` if a limb is not below p.
    pub fn from_canonical_u64s(limbs: [u64; 5]) -> Option<Self> {
        if limbs.iter().any(|&l| l >= P) {
            return None;
        }
        Some(Self::from_u64_reduce(limbs))
    }

    /// The five limbs as canonical field elements, lowest degree first.
    pub fn to_elements(&self) -> [F; 5] {
        self.0.map(|l| Gl(l.to_canonical_u64()))
    }

    /// The five limbs as canonical integers in `[0, p)`, lowest degree first.
    pub fn to_canonical_u64s(&self) -> [u64; 5] {
        self.0.map(|l| l.to_canonical_u64())
    }

    /// 40 bytes: each limb as 8 bytes little-endian, lowest degree first.
    pub fn to_bytes(&self) -> [u8; 40] {
        let mut out = [0u8; 40];
        for (chunk, l) in out.chunks_exact_mut(8).zip(self.to_canonical_u64s()) {
            chunk.copy_from_slice(&l.to_le_bytes());
        }
        out
    }

    /// Parses the 40-byte form; `None` if the length is not 40 or a limb is not below p.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != Self::BYTES {
            return None;
        }
        let mut limbs = [0u64; 5];
        for (l, chunk) in limbs.iter_mut().zip(bytes.chunks_exact(8)) {
            let mut b = [0u8; 8];
            b.copy_from_slice(chunk);
            *l = u64::from_le_bytes(b);
        }
        Self::from_canonical_u64s(limbs)
    }

    /// Whether this is zero.
    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|l| l.to_canonical_u64() == 0)
    }

    /// An element of the base field, embedded.
    pub const fn from_base(x: F) -> Self {
        Self([x, F::ZERO, F::ZERO, F::ZERO, F::ZERO])
    }

    #[inline(always)]
    fn raw(&self) -> [u64; 5] {
        [self.0[0].0, self.0[1].0, self.0[2].0, self.0[3].0, self.0[4].0]
    }

    #[inline(always)]
    fn from_raw(r: [u64; 5]) -> Self {
        Self([Gl(r[0]), Gl(r[1]), Gl(r[2]), Gl(r[3]), Gl(r[4])])
    }

    /// `2·self`.
    #[inline(always)]
    pub fn double(&self) -> Self {
        *self + *self
    }

    /// `self / 2`.
    pub fn half(&self) -> Self {
        // (p + 1) / 2 is the inverse of 2.
        self.mul_base(Gl((P >> 1) + 1))
    }

    /// Product with an element of the base field.
    #[inline(always)]
    pub fn mul_base(&self, k: F) -> Self {
        Self(self.0.map(|l| l * k))
    }

    /// Product with a small integer `k < 2^32`.
    #[inline(always)]
    pub(crate) fn mul_small(&self, k: u64) -> Self {
        Self::from_raw(self.raw().map(|l| mul_small_u64(l, k)))
    }

    /// Product with `k·z` for a small integer `k < 2^30`: shifts the limbs up by one degree,
    /// the top limb wrapping to degree 0 times 3.
    #[inline(always)]
    pub(crate) fn mul_small_z(&self, k: u64) -> Self {
        let a = self.raw();
        Self::from_raw([
            mul_small_u64(a[4], 3 * k),
            mul_small_u64(a[0], k),
            mul_small_u64(a[1], k),
            mul_small_u64(a[2], k),
            mul_small_u64(a[3], k),
        ])
    }

    /// `self^2`, with 15 products instead of 25. Doubled and multiplied-by-3/6 limbs are
    /// pre-reduced so each output limb is an exact sum of three 128-bit products (with a
    /// carry count), reduced once.
    #[inline]
    pub fn square(&self) -> Self {
        let a = self.raw();
        let d0 = mul_small_u64(a[0], 2);
        let d1 = mul_small_u64(a[1], 2);
        let t3 = mul_small_u64(a[3], 3);
        let s3 = mul_small_u64(a[3], 6);
        let t4 = mul_small_u64(a[4], 3);
        let s4 = mul_small_u64(a[4], 6);
        Self::from_raw([
            // a0² + 6·a1a4 + 6·a2a3
            sum3_reduce(wide(a[0], a[0]), wide(a[1], s4), wide(a[2], s3)),
            // 2·a0a1 + 6·a2a4 + 3·a3²
            sum3_reduce(wide(d0, a[1]), wide(a[2], s4), wide(a[3], t3)),
            // 2·a0a2 + a1² + 6·a3a4
            sum3_reduce(wide(d0, a[2]), wide(a[1], a[1]), wide(a[3], s4)),
            // 2·a0a3 + 2·a1a2 + 3·a4²
            sum3_reduce(wide(d0, a[3]), wide(d1, a[2]), wide(a[4], t4)),
            // 2·a0a4 + 2·a1a3 + a2²
            sum3_reduce(wide(d0, a[4]), wide(d1, a[3]), wide(a[2], a[2])),
        ])
    }

    /// `self^(2^n)`.
    pub fn square_n(&self, n: u32) -> Self {
        let mut r = *self;
        for _ in 0..n {
            r = r.square();
        }
        r
    }

    /// The Frobenius map `x ↦ x^p`.
    #[inline]
    pub fn frobenius(&self) -> Self {
        self.frob_with(&FROB1)
    }

    /// `x ↦ x^(p^2)`.
    #[inline]
    pub fn frobenius2(&self) -> Self {
        self.frob_with(&FROB2)
    }

    #[inline(always)]
    fn frob_with(&self, k: &[u64; 5]) -> Self {
        let a = self.raw();
        Self::from_raw([
            a[0],
            reduce128(wide(a[1], k[1])),
            reduce128(wide(a[2], k[2])),
            reduce128(wide(a[3], k[3])),
            reduce128(wide(a[4], k[4])),
        ])
    }

    /// `(x^(p+p^2+p^3+p^4), N(x))`, where `N(x) = x^(1+p+p^2+p^3+p^4)` is the norm, an
    /// element of GF(p). Two multiplications and three Frobenius maps, plus the constant
    /// term of one more product.
    fn norm_parts(&self) -> (Self, F) {
        // x^(1+p)
        let a = *self * self.frobenius();
        // x^(p+p^2)
        let b = a.frobenius();
        // x^(p+p^2+p^3+p^4) = b · b^(p^2)
        let c = b * b.frobenius2();
        (c, self.mul_const_term(&c))
    }

    /// Degree-0 coefficient of `self · rhs`.
    fn mul_const_term(&self, rhs: &Self) -> F {
        let a = self.raw();
        let b = rhs.raw();
        Gl(limb_sum(&[(a[0], b[0])], &[(a[1], b[4]), (a[2], b[3]), (a[3], b[2]), (a[4], b[1])]))
    }

    /// The norm of this element, in GF(p): zero only for zero.
    pub fn norm(&self) -> F {
        self.norm_parts().1
    }

    /// `1/self`, with the convention `1/0 = 0`.
    pub fn inverse(&self) -> Self {
        let (c, n) = self.norm_parts();
        // 1/x = x^(r−1) / x^r; for x = 0 the norm is zero and so is the result.
        match n.try_inverse() {
            Some(ni) => c.mul_base(ni),
            None => Self::ZERO,
        }
    }

    /// The Legendre symbol: 0 for zero, 1 for a non-zero square, −1 for a non-square.
    ///
    /// `x^((p^5−1)/2) = N(x)^((p−1)/2)`, so it is the base-field symbol of the norm.
    pub fn legendre(&self) -> i8 {
        legendre_base(self.norm())
    }

    /// A square root, if one exists (`Some(0)` for zero). Either root may be returned.
    ///
    /// For `x ≠ 0`: with `y = x^((r−1)/2)` (`r = 1+p+…+p^4`, so `r − 1` is even),
    /// `y^2 · x = N(x)`, hence `sqrt(x) = sqrt(N(x)) / y = x·y / sqrt(N(x))`, and `N(x)` is a
    /// base-field element. `(r−1)/2 = p·(1+p^2)·(p+1)/2`, so
    /// `y = φ1(v · φ2(v))` with `v = x^((p+1)/2)`.
    pub fn sqrt(&self) -> Option<Self> {
        if self.is_zero() {
            return Some(Self::ZERO);
        }
        // v = x^((p+1)/2), (p+1)/2 = 2^63 − 2^31 + 1 = 2^31·(2^32 − 1) + 1.
        let x = *self;
        let x2 = x.square() * x; // x^(2^2−1)
        let x4 = x2.square_n(2) * x2; // x^(2^4−1)
        let x8 = x4.square_n(4) * x4; // x^(2^8−1)
        let x16 = x8.square_n(8) * x8; // x^(2^16−1)
        let x32 = x16.square_n(16) * x16; // x^(2^32−1)
        let v = x32.square_n(31) * x;
        let y = (v * v.frobenius2()).frobenius();
        let xy = x * y;
        // N(x) = x · y^2 = (x·y)·y, constant term only.
        let n = xy.mul_const_term(&y);
        let sn = sqrt_base(n)?;
        let sn_inv = sn.try_inverse()?;
        Some(xy.mul_base(sn_inv))
    }

    /// `self / rhs`, with `x / 0 = 0`.
    pub fn div_by(&self, rhs: &Self) -> Self {
        *self * rhs.inverse()
    }

    /// Constant-time selection: `a` if `choose_b` is false, `b` otherwise.
    #[inline(always)]
    pub(crate) fn select(choose_b: bool, a: &Self, b: &Self) -> Self {
        let m = u64::from(choose_b).wrapping_neg();
        let (ra, rb) = (a.raw(), b.raw());
        Self::from_raw(core::array::from_fn(|i| ra[i] ^ (m & (ra[i] ^ rb[i]))))
    }

    /// Constant-time conditional copy: `self = src` if `mask` is all ones, unchanged if zero.
    #[inline(always)]
    pub(crate) fn cmov(&mut self, src: &Self, mask: u64) {
        let (a, b) = (self.raw(), src.raw());
        *self = Self::from_raw(core::array::from_fn(|i| a[i] ^ (mask & (a[i] ^ b[i]))));
    }
}

/// Base-field Legendre symbol via Euler's criterion.
fn legendre_base(x: F) -> i8 {
    let e = x.exp_u64((P - 1) / 2).to_canonical_u64();
    match e {
        0 => 0,
        1 => 1,
        _ => -1,
    }
}

/// Base-field square root by Tonelli–Shanks (p − 1 = 2^32 · (2^32 − 1)); `None` for a
/// non-square. Variable time: used on public values only.
fn sqrt_base(x: F) -> Option<F> {
    if x == F::ZERO {
        return Some(F::ZERO);
    }
    if legendre_base(x) != 1 {
        return None;
    }
    const Q: u64 = EPS; // odd part of p − 1
                        // 7 is a non-square mod p, so 7^Q generates the 2-Sylow subgroup (order 2^32).
    let mut c = Gl(7).exp_u64(Q);
    let mut m = 32u32;
    let mut t = x.exp_u64(Q);
    let mut r = x.exp_u64(Q.div_ceil(2));
    while t != F::ONE {
        // Least i with t^(2^i) = 1.
        let mut i = 0u32;
        let mut t2 = t;
        while t2 != F::ONE {
            t2 = t2.square();
            i += 1;
            if i == m {
                return None;
            }
        }
        let mut b = c;
        for _ in 0..(m - i - 1) {
            b = b.square();
        }
        m = i;
        c = b.square();
        t *= c;
        r *= b;
    }
    Some(r)
}

impl Add for GFp5 {
    type Output = Self;
    #[inline(always)]
    fn add(self, rhs: Self) -> Self {
        Self(core::array::from_fn(|i| self.0[i] + rhs.0[i]))
    }
}

impl Sub for GFp5 {
    type Output = Self;
    #[inline(always)]
    fn sub(self, rhs: Self) -> Self {
        Self(core::array::from_fn(|i| self.0[i] - rhs.0[i]))
    }
}

impl Neg for GFp5 {
    type Output = Self;
    #[inline(always)]
    fn neg(self) -> Self {
        Self(self.0.map(|l| -l))
    }
}

impl Mul for GFp5 {
    type Output = Self;
    /// Schoolbook product with `z^5 = 3`. For each output limb the low and high 64-bit
    /// halves of its five 128-bit products are summed separately (the wrapped products
    /// weighted by 3), which cannot overflow, and the limb is reduced once.
    #[inline]
    fn mul(self, rhs: Self) -> Self {
        let a = self.raw();
        let b = rhs.raw();
        let c0 =
            limb_sum(&[(a[0], b[0])], &[(a[1], b[4]), (a[2], b[3]), (a[3], b[2]), (a[4], b[1])]);
        let c1 =
            limb_sum(&[(a[0], b[1]), (a[1], b[0])], &[(a[2], b[4]), (a[3], b[3]), (a[4], b[2])]);
        let c2 =
            limb_sum(&[(a[0], b[2]), (a[1], b[1]), (a[2], b[0])], &[(a[3], b[4]), (a[4], b[3])]);
        let c3 =
            limb_sum(&[(a[0], b[3]), (a[1], b[2]), (a[2], b[1]), (a[3], b[0])], &[(a[4], b[4])]);
        let c4 =
            limb_sum(&[(a[0], b[4]), (a[1], b[3]), (a[2], b[2]), (a[3], b[1]), (a[4], b[0])], &[]);
        Self::from_raw([c0, c1, c2, c3, c4])
    }
}

impl Div for GFp5 {
    type Output = Self;
    /// Division with the convention `x / 0 = 0`.
    #[inline]
    fn div(self, rhs: Self) -> Self {
        self.div_by(&rhs)
    }
}

impl AddAssign for GFp5 {
    #[inline(always)]
    fn add_assign(&mut self, rhs: Self) {
        *self = *self + rhs;
    }
}

impl SubAssign for GFp5 {
    #[inline(always)]
    fn sub_assign(&mut self, rhs: Self) {
        *self = *self - rhs;
    }
}

impl MulAssign for GFp5 {
    #[inline(always)]
    fn mul_assign(&mut self, rhs: Self) {
        *self = *self * rhs;
    }
}

impl DivAssign for GFp5 {
    #[inline]
    fn div_assign(&mut self, rhs: Self) {
        *self = *self / rhs;
    }
}

/// Inverts every element of `xs` in place with one field inversion (Montgomery's trick).
/// Zero entries stay zero and do not disturb the others.
pub(crate) fn batch_inverse(xs: &mut [GFp5]) {
    let mut prefix = Vec::with_capacity(xs.len());
    let mut acc = GFp5::ONE;
    for x in xs.iter() {
        prefix.push(acc);
        if !x.is_zero() {
            acc *= *x;
        }
    }
    let mut inv = acc.inverse();
    for (x, pre) in xs.iter_mut().zip(prefix).rev() {
        if x.is_zero() {
            continue;
        }
        let xi = inv * pre;
        inv *= *x;
        *x = xi;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn arb() -> impl Strategy<Value = GFp5> {
        proptest::array::uniform5(0..P).prop_map(GFp5::from_u64_reduce)
    }

    /// Plain schoolbook product, reducing after every base-field operation.
    fn naive_mul(a: &GFp5, b: &GFp5) -> GFp5 {
        let mut c = [F::ZERO; 5];
        for i in 0..5 {
            for j in 0..5 {
                let t = a.0[i] * b.0[j];
                if i + j < 5 {
                    c[i + j] += t;
                } else {
                    c[i + j - 5] += t * Gl(3);
                }
            }
        }
        GFp5(c)
    }

    #[test]
    fn frobenius_is_pth_power() {
        let x = GFp5::from_u64_reduce([5, 7, 11, 13, 17]);
        // x^p by square-and-multiply.
        let mut acc = GFp5::ONE;
        let mut b = x;
        let mut e = P;
        while e > 0 {
            if e & 1 == 1 {
                acc *= b;
            }
            b = b.square();
            e >>= 1;
        }
        assert_eq!(acc, x.frobenius());
        assert_eq!(x.frobenius().frobenius(), x.frobenius2());
    }

    #[test]
    fn extreme_limbs() {
        // All limbs p − 1 and non-canonical all-ones limbs stress the carry handling.
        let m = GFp5::from_u64_reduce([P - 1; 5]);
        let raw = GFp5([Gl(u64::MAX); 5]);
        for x in [m, raw] {
            for y in [m, raw, GFp5::ONE] {
                assert_eq!(x * y, naive_mul(&x, &y));
            }
            assert_eq!(x.square(), naive_mul(&x, &x));
        }
    }

    #[test]
    fn inverse_of_zero_is_zero() {
        assert_eq!(GFp5::ZERO.inverse(), GFp5::ZERO);
    }

    #[test]
    fn batch_inverse_matches_single() {
        let mut xs = vec![
            GFp5::from_u64_reduce([1, 2, 3, 4, 5]),
            GFp5::ZERO,
            GFp5::from_u64_reduce([P - 1, 0, 9, 0, 1]),
        ];
        let expected: Vec<_> = xs.iter().map(GFp5::inverse).collect();
        batch_inverse(&mut xs);
        assert_eq!(xs, expected);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn mul_matches_naive(a in arb(), b in arb()) {
            prop_assert_eq!(a * b, naive_mul(&a, &b));
            prop_assert_eq!(a.square(), naive_mul(&a, &a));
        }

        #[test]
        fn ring_laws(a in arb(), b in arb(), c in arb()) {
            prop_assert_eq!(a + b, b + a);
            prop_assert_eq!(a * b, b * a);
            prop_assert_eq!((a + b) + c, a + (b + c));
            prop_assert_eq!((a * b) * c, a * (b * c));
            prop_assert_eq!(a * (b + c), a * b + a * c);
            prop_assert_eq!(a - a, GFp5::ZERO);
            prop_assert_eq!(a + (-a), GFp5::ZERO);
            prop_assert_eq!(a * GFp5::ONE, a);
        }

        #[test]
        fn inverse_law(a in arb()) {
            prop_assume!(!a.is_zero());
            prop_assert_eq!(a * a.inverse(), GFp5::ONE);
            prop_assert_eq!((a * a) / a, a);
        }

        #[test]
        fn squares_have_roots(a in arb()) {
            let s = a.square();
            let r = s.sqrt();
            prop_assert!(r.is_some());
            let r = r.unwrap_or(GFp5::ZERO);
            prop_assert_eq!(r.square(), s);
            prop_assert!(s.legendre() >= 0);
            // A square times a non-square is a non-square (7 is not a square in GF(p^5)).
            if !a.is_zero() {
                let ns = s * GFp5::from_u64_reduce([7, 0, 0, 0, 0]);
                prop_assert_eq!(ns.legendre(), -1);
                prop_assert!(ns.sqrt().is_none());
            }
        }

        #[test]
        fn bytes_round_trip(a in arb()) {
            prop_assert_eq!(GFp5::from_bytes(&a.to_bytes()), Some(a));
        }
    }
}

//! The ecGFp5 group: points, complete addition, scalar multiplication, encoding.
//!
//! The curve is the double-odd curve `y^2 = x(x^2 + a·x + b)` over GF(p^5) with `a = 2`,
//! `b = 263·z`; the group is the set of points `P + N` for `P` of odd order `n`, with law
//! `P ⊕ Q = P + Q + N` and neutral `N = (0, 0)` (eprint 2022/274 §1; the double-odd
//! framework is eprint 2020/1558). Points are held in fractional `(x, u)` coordinates,
//! `x = X/Z` and `u = x/y = U/T` (`u = 0` for N), for which the addition formulas are
//! complete: no case analysis for doubling, the neutral or inverses.
//!
//! A point is encoded as one field element `w = 1/u = y/x` (0 for N); the encoding is
//! canonical, so two points are equal exactly when their `u` coordinates are, which is
//! checked without inversion.
//!
//! Scalar multiplication uses signed 5-bit windows and the specialised "several doublings"
//! formulas. The generator has precomputed tables (multiples of `2^(40·j)·G`, built once on
//! first use). [`Point::mul_add_vartime`] computes `s·G + e·Q` for signature verification
//! with Straus's method: one doubling chain shared by a width-5 NAF of `e` and width-8 NAFs
//! of the halves of `s` over precomputed odd multiples of `G` and `2^160·G`.

use std::sync::OnceLock;

use super::field::{batch_inverse, GFp5};
use super::scalar::Scalar;

pub(crate) mod circuit;

/// Curve constant `b = B1 · z`.
const B1: u64 = 263;
/// Curve constant `a = 2`.
const A: GFp5 = GFp5::from_u64_reduce([2, 0, 0, 0, 0]);
/// `4·b`.
const B4: GFp5 = GFp5::from_u64_reduce([0, 4 * B1, 0, 0, 0]);

/// Window width of the signed digits used by the constant-time multiplications.
const WINDOW: usize = 5;
/// Entries in a window table: multiples `1..=2^(WINDOW−1)`.
const WIN_SIZE: usize = 1 << (WINDOW - 1);
/// Number of generator tables; table `j` holds multiples of `2^(40·j)·G`.
const GEN_TABLES: usize = 8;
/// Width of the wNAF of `e` in [`Point::mul_add_vartime`] (table of 8 odd multiples of Q).
const NAF_WIDTH: u32 = 5;
/// Width of the wNAFs of `s` in [`Point::mul_add_vartime`], over the precomputed bases `G`
/// and `2^160·G` (tables of 64 odd multiples each).
const GEN_NAF_WIDTH: u32 = 8;
/// Entries of a generator wNAF table: odd multiples `1, 3, …, 2^(w−1) − 1`.
const GEN_NAF_SIZE: usize = 1 << (GEN_NAF_WIDTH - 2);

/// A group element in fractional `(x, u) = (X/Z, U/T)` coordinates.
#[derive(Clone, Copy, Debug)]
pub struct Point {
    x: GFp5,
    z: GFp5,
    u: GFp5,
    t: GFp5,
}

/// A group element in affine `(x, u)` coordinates (the neutral is `(0, 0)`): the form of
/// precomputed table entries, which makes additions cheaper (8 products instead of 10).
#[derive(Clone, Copy, Debug)]
pub(crate) struct AffinePoint {
    x: GFp5,
    u: GFp5,
}

impl AffinePoint {
    const NEUTRAL: Self = Self { x: GFp5::ZERO, u: GFp5::ZERO };

    fn neg(&self) -> Self {
        Self { x: self.x, u: -self.u }
    }

    /// `k·P` from a table of `i·P` for `i = 1..=len`, with `|k| ≤ len`, reading every entry
    /// and selecting with masks so the memory pattern does not depend on `k`.
    fn lookup_ct(table: &[Self], k: i32) -> Self {
        let sign = (k >> 31) as u32; // all ones if k < 0
        let abs = ((k as u32) ^ sign).wrapping_sub(sign);
        let mut x = GFp5::ZERO;
        let mut u = GFp5::ZERO;
        for (i, e) in table.iter().enumerate() {
            let diff = abs ^ (i as u32 + 1);
            // mask = all ones iff diff == 0
            let mask = u64::from(diff).wrapping_sub(1) >> 32;
            let mask = (mask << 32) | mask;
            x.cmov(&e.x, mask);
            u.cmov(&e.u, mask);
        }
        let neg = GFp5::select(sign != 0, &u, &-u);
        Self { x, u: neg }
    }
}

impl Point {
    /// The neutral element N (encoded as 0).
    pub const NEUTRAL: Self = Self { x: GFp5::ZERO, z: GFp5::ONE, u: GFp5::ZERO, t: GFp5::ONE };

    /// The conventional generator, the element encoded as `w = 4` (`u = 1/4`).
    pub const GENERATOR: Self = Self {
        x: GFp5::from_u64_reduce([
            12883135586176881569,
            4356519642755055268,
            5248930565894896907,
            2165973894480315022,
            2448410071095648785,
        ]),
        z: GFp5::ONE,
        // 1/4 mod p
        u: GFp5::from_u64_reduce([13835058052060938241, 0, 0, 0, 0]),
        t: GFp5::ONE,
    };

    /// Whether this is the neutral element.
    pub fn is_neutral(&self) -> bool {
        self.u.is_zero()
    }

    /// The encoding `w = T/U` (zero for the neutral, by the `1/0 = 0` convention).
    pub fn encode(&self) -> GFp5 {
        self.t * self.u.inverse()
    }

    /// Affine coordinates `(x, y)` on `y^2 = x(x^2 + a·x + b)`, with `y = w·x`; `(0, 0)` for
    /// the neutral.
    pub fn to_xy(&self) -> (GFp5, GFp5) {
        let x = self.x * self.z.inverse();
        (x, x * self.encode())
    }

    /// Encodes many points with one field inversion (Montgomery's trick).
    pub fn encode_batch(points: &[Self]) -> Vec<GFp5> {
        let mut inv: Vec<GFp5> = points.iter().map(|p| p.u).collect();
        batch_inverse(&mut inv);
        points.iter().zip(inv).map(|(p, ui)| p.t * ui).collect()
    }

    /// Whether `w` is the encoding of a group element: `w = 0`, or
    /// `(w^2 − a)^2 − 4b` is a non-zero square.
    pub fn is_valid_encoding(w: &GFp5) -> bool {
        let e = w.square() - A;
        let delta = e.square() - B4;
        w.is_zero() || delta.legendre() == 1
    }

    /// Decodes an encoding; `None` if `w` encodes no group element.
    ///
    /// For `w ≠ 0`, `x` solves `x^2 − (w^2 − a)·x + b = 0` (from `y = w·x` on the curve); the
    /// two roots multiply to `b`, a non-square, so exactly one of them is a non-square, and
    /// group elements (points `P + N`) have a non-square `x`.
    pub fn decode(w: &GFp5) -> Option<Self> {
        if w.is_zero() {
            return Some(Self::NEUTRAL);
        }
        let e = w.square() - A;
        let delta = e.square() - B4;
        let r = delta.sqrt()?;
        let x1 = (e + r).half();
        let x = if x1.legendre() == 1 { (e - r).half() } else { x1 };
        Some(Self { x, z: GFp5::ONE, u: GFp5::ONE, t: *w })
    }

    /// The group law (complete: valid for every pair, equal points and the neutral included).
    /// Cost 10 field multiplications.
    pub fn add(&self, rhs: &Self) -> Self {
        let t1 = self.x * rhs.x;
        let t2 = self.z * rhs.z;
        let t3 = self.u * rhs.u;
        let t4 = self.t * rhs.t;
        // X1·Z2 + X2·Z1 and U1·T2 + U2·T1, one product each (Karatsuba).
        let t5 = (self.x + self.z) * (rhs.x + rhs.z) - t1 - t2;
        let t6 = (self.u + self.t) * (rhs.u + rhs.t) - t3 - t4;
        Self::finish_add(t1, t2, t3, t4, t5, t6)
    }

    /// Addition of an affine point (cost 8 multiplications).
    fn add_affine(&self, rhs: &AffinePoint) -> Self {
        let t1 = self.x * rhs.x;
        let t2 = self.z;
        let t3 = self.u * rhs.u;
        let t4 = self.t;
        let t5 = self.x + rhs.x * self.z;
        let t6 = self.u + rhs.u * self.t;
        Self::finish_add(t1, t2, t3, t4, t5, t6)
    }

    /// Common tail of the addition formulas, from the products
    /// `t1 = X1X2, t2 = Z1Z2, t3 = U1U2, t4 = T1T2, t5 = X1Z2 + X2Z1, t6 = U1T2 + U2T1`.
    #[inline(always)]
    fn finish_add(t1: GFp5, t2: GFp5, t3: GFp5, t4: GFp5, t5: GFp5, t6: GFp5) -> Self {
        let bt2 = t2.mul_small_z(B1);
        let t7 = t1 + bt2;
        let t8 = t4 * t7;
        let t9 = t3 * (t5.mul_small_z(2 * B1) + t7.double());
        let t10 = (t4 + t3.double()) * (t5 + t7);
        Self { x: (t10 - t8).mul_small_z(B1), z: t8 - t9, u: t6 * (bt2 - t1), t: t8 + t9 }
    }

    /// The inverse element (`u ↦ −u`).
    pub fn neg(&self) -> Self {
        Self { u: -self.u, ..*self }
    }

    /// `self ⊕ (−rhs)`.
    pub fn sub(&self, rhs: &Self) -> Self {
        self.add(&rhs.neg())
    }

    /// `2·self` (4 multiplications and 5 squarings).
    pub fn double(&self) -> Self {
        let t1 = self.z * self.t;
        let t2 = t1 * self.t;
        let x1 = t2.square();
        let z1 = t1 * self.u;
        let t3 = self.u.square();
        let w1 = t2 - (self.x + self.z).double() * t3;
        let t4 = z1.square();
        let z = w1.square();
        Self {
            x: t4.mul_small_z(4 * B1),
            z,
            // 2·W1·Z1 as a square difference.
            u: (w1 + z1).square() - t4 - z,
            t: x1.double() - t4.mul_small(4) - z,
        }
    }

    /// `2^n · self`: after the first doubling the chain runs in `(X : W : Z)` coordinates
    /// (2 multiplications and 5 squarings per doubling instead of 4 and 5).
    pub fn mdouble(&self, n: u32) -> Self {
        match n {
            0 => return *self,
            1 => return self.double(),
            _ => {}
        }
        // First doubling, output in (X : W : Z).
        let t1 = self.z * self.t;
        let t2 = t1 * self.t;
        let x1 = t2.square();
        let z1 = t1 * self.u;
        let t3 = self.u.square();
        let w1 = t2 - (self.x + self.z).double() * t3;
        let t4 = w1.square();
        let t5 = z1.square();
        let mut x = t5.square().mul_small_z(16 * B1);
        let mut w = x1.double() - t5.mul_small(4) - t4;
        let mut z = (w1 + z1).square() - t4 - t5;
        // Middle doublings, staying in (X : W : Z).
        for _ in 2..n {
            let z2 = z.square();
            let z4 = z2.square();
            let w2 = w.square();
            let w4 = w2.square();
            let wz2 = (w + z).square() - z2 - w2;
            z = wz2 * ((x + z2).double() - w2);
            x = (z4 * w4).mul_small_z(16 * B1);
            // W' = (a^2 − 4b)·Z^4 − W^4, with a^2 = 4.
            w = z4.mul_small(4) - z4.mul_small_z(4 * B1) - w4;
        }
        // Last doubling, back to (X : Z : U : T).
        let w2 = w.square();
        let z2 = z.square();
        let wz2 = (w + z).square() - w2 - z2;
        let w1 = w2 - (x + z2).double();
        let zz = w1.square();
        Self {
            x: wz2.square().mul_small_z(B1),
            z: zz,
            u: wz2 * w1,
            t: w2.double() * (w2 - z2.double()) - zz,
        }
    }

    /// Converts points to affine form with one inversion.
    fn to_affine_batch(points: &[Self]) -> Vec<AffinePoint> {
        let mut dens: Vec<GFp5> = Vec::with_capacity(2 * points.len());
        for p in points {
            dens.push(p.z);
            dens.push(p.t);
        }
        batch_inverse(&mut dens);
        points
            .iter()
            .zip(dens.chunks_exact(2))
            .map(|(p, inv)| AffinePoint { x: p.x * inv[0], u: p.u * inv[1] })
            .collect()
    }

    /// Multiples `1·P ..= count·P`.
    fn multiples(&self, count: usize) -> Vec<Self> {
        let mut out = Vec::with_capacity(count);
        out.push(*self);
        for m in 2..=count {
            // m·P: double (m/2)·P when m is even, else add P to (m−1)·P.
            let next = if m % 2 == 0 { out[m / 2 - 1].double() } else { out[m - 2].add(self) };
            out.push(next);
        }
        out
    }

    /// `k·self`, with a regular schedule and masked table reads (no branch or memory access
    /// depends on `k`).
    pub fn mul(&self, k: &Scalar) -> Self {
        let table = Self::to_affine_batch(&self.multiples(WIN_SIZE));
        let digits = k.recode_signed(WINDOW);
        let mut acc = Self::NEUTRAL;
        for (i, &d) in digits.iter().enumerate().rev() {
            if i + 1 != digits.len() {
                acc = acc.mdouble(WINDOW as u32);
            }
            acc = acc.add_affine(&AffinePoint::lookup_ct(&table, d));
        }
        acc
    }

    /// The generator tables: `tables[j][i] = (i + 1) · 2^(40·j) · G`, affine.
    fn generator_tables() -> &'static [[AffinePoint; WIN_SIZE]; GEN_TABLES] {
        static TABLES: OnceLock<Box<[[AffinePoint; WIN_SIZE]; GEN_TABLES]>> = OnceLock::new();
        TABLES.get_or_init(|| {
            let mut all = Vec::with_capacity(GEN_TABLES * WIN_SIZE);
            let mut base = Self::GENERATOR;
            for _ in 0..GEN_TABLES {
                all.extend(base.multiples(WIN_SIZE));
                base = base.mdouble((WINDOW * GEN_TABLES) as u32);
            }
            let affine = Self::to_affine_batch(&all);
            let mut tables = Box::new([[AffinePoint::NEUTRAL; WIN_SIZE]; GEN_TABLES]);
            for (j, t) in tables.iter_mut().enumerate() {
                t.copy_from_slice(&affine[j * WIN_SIZE..(j + 1) * WIN_SIZE]);
            }
            tables
        })
    }

    /// `k·G`: eight precomputed tables cut the doublings to 35; constant-time like
    /// [`Point::mul`].
    pub fn mulgen(k: &Scalar) -> Self {
        let tables = Self::generator_tables();
        let digits = k.recode_signed(WINDOW); // 64 digits; digit 8j + i uses table j
        let mut acc = Self::NEUTRAL;
        for i in (0..GEN_TABLES).rev() {
            if i + 1 != GEN_TABLES {
                acc = acc.mdouble(WINDOW as u32);
            }
            for (j, table) in tables.iter().enumerate() {
                let d = digits[GEN_TABLES * j + i];
                acc = acc.add_affine(&AffinePoint::lookup_ct(table, d));
            }
        }
        acc
    }

    /// Odd-multiple tables for the verifier: `tables[h][i] = (2i + 1) · 2^(160·h) · G`.
    fn generator_naf_tables() -> &'static [[AffinePoint; GEN_NAF_SIZE]; 2] {
        static TABLES: OnceLock<Box<[[AffinePoint; GEN_NAF_SIZE]; 2]>> = OnceLock::new();
        TABLES.get_or_init(|| {
            let mut all = Vec::with_capacity(2 * GEN_NAF_SIZE);
            for base in [Self::GENERATOR, Self::GENERATOR.mdouble(160)] {
                all.extend(base.odd_multiples(GEN_NAF_SIZE));
            }
            let affine = Self::to_affine_batch(&all);
            let mut tables = Box::new([[AffinePoint::NEUTRAL; GEN_NAF_SIZE]; 2]);
            for (h, t) in tables.iter_mut().enumerate() {
                t.copy_from_slice(&affine[h * GEN_NAF_SIZE..(h + 1) * GEN_NAF_SIZE]);
            }
            tables
        })
    }

    /// `P, 3P, 5P, …` (`count` entries).
    fn odd_multiples(&self, count: usize) -> Vec<Self> {
        let twice = self.double();
        let mut out = Vec::with_capacity(count);
        out.push(*self);
        for i in 1..count {
            let next = out[i - 1].add(&twice);
            out.push(next);
        }
        out
    }

    /// `s·G + e·Q` (Straus): one doubling chain shared by the width-5 NAF of `e` and the
    /// width-8 NAFs of the two 160-bit halves of `s` (over precomputed `G` and `2^160·G`
    /// tables); runs of doublings between additions use [`Point::mdouble`]. Variable time:
    /// for public inputs only (signature verification).
    pub fn mul_add_vartime(s: &Scalar, e: &Scalar, q: &Self) -> Self {
        let tables = Self::generator_naf_tables();
        let (s_lo, s_hi) = s.wnaf_split160(GEN_NAF_WIDTH);
        let e_naf = e.wnaf(NAF_WIDTH);
        let q_odd = q.odd_multiples(1 << (NAF_WIDTH - 2));
        let top =
            [&s_lo, &s_hi, &e_naf].iter().filter_map(|n| n.iter().rposition(|&d| d != 0)).max();
        let Some(top) = top else {
            return Self::NEUTRAL;
        };
        let mut acc = Self::NEUTRAL;
        let mut pending = 0u32;
        for i in (0..=top).rev() {
            let (de, d0, d1) = (e_naf[i], s_lo[i], s_hi[i]);
            if de == 0 && d0 == 0 && d1 == 0 {
                pending += 1;
                continue;
            }
            acc = acc.mdouble(pending);
            pending = 1;
            if de != 0 {
                let m = &q_odd[(de.unsigned_abs() >> 1) as usize];
                acc = if de > 0 { acc.add(m) } else { acc.sub(m) };
            }
            for (d, table) in [(d0, &tables[0]), (d1, &tables[1])] {
                if d != 0 {
                    let m = &table[(d.unsigned_abs() >> 1) as usize];
                    acc = acc.add_affine(&if d > 0 { *m } else { m.neg() });
                }
            }
        }
        acc.mdouble(pending - 1)
    }
}

impl PartialEq for Point {
    /// Equality of encodings: `U1/T1 = U2/T2`, cross-multiplied.
    fn eq(&self, other: &Self) -> bool {
        self.u * other.t == other.u * self.t
    }
}

impl Eq for Point {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn arb_scalar() -> impl Strategy<Value = Scalar> {
        proptest::collection::vec(any::<u8>(), 48).prop_map(|b| Scalar::decode_reduce(&b))
    }

    /// Plain double-and-add over the bits, as an independent reference.
    fn mul_ladder(p: &Point, k: &Scalar) -> Point {
        let mut acc = Point::NEUTRAL;
        for i in (0..320).rev() {
            acc = acc.double();
            if k.bit(i) == 1 {
                acc = acc.add(p);
            }
        }
        acc
    }

    #[test]
    fn mdouble_matches_repeated_double() {
        let p = Point::GENERATOR.add(&Point::GENERATOR.double());
        let mut q = p;
        for n in 0..12 {
            assert_eq!(p.mdouble(n), q, "n = {n}");
            assert_eq!(p.mdouble(n).encode(), q.encode());
            q = q.double();
        }
        assert!(Point::NEUTRAL.mdouble(7).is_neutral());
    }

    #[test]
    fn generator_decodes() {
        let w = Point::GENERATOR.encode();
        assert_eq!(w, GFp5::from_u64_reduce([4, 0, 0, 0, 0]));
        assert_eq!(Point::decode(&w), Some(Point::GENERATOR));
    }

    #[test]
    fn order_is_n() {
        let g = Point::GENERATOR;
        assert!(g.mul(&Scalar::MINUS_ONE).add(&g).is_neutral());
        assert_eq!(Point::mulgen(&Scalar::MINUS_ONE), g.neg());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn group_laws(a in arb_scalar(), b in arb_scalar(), c in arb_scalar()) {
            let (pa, pb, pc) = (Point::mulgen(&a), Point::mulgen(&b), Point::mulgen(&c));
            prop_assert_eq!(pa.add(&pb).add(&pc), pa.add(&pb.add(&pc)));
            prop_assert_eq!(pa.add(&pb), pb.add(&pa));
            prop_assert_eq!(pa.add(&Point::NEUTRAL), pa);
            prop_assert!(pa.add(&pa.neg()).is_neutral());
            prop_assert_eq!(pa.add(&pa), pa.double());
            prop_assert_eq!(Point::mulgen(&(a + b)), pa.add(&pb));
            prop_assert_eq!(Point::mulgen(&(a * b)), pa.mul(&b));
        }

        #[test]
        fn multiplications_agree(a in arb_scalar(), b in arb_scalar()) {
            let g = Point::GENERATOR;
            let q = Point::mulgen(&b);
            prop_assert_eq!(Point::mulgen(&a), g.mul(&a));
            prop_assert_eq!(q.mul(&a), mul_ladder(&q, &a));
            let lhs = Point::mul_add_vartime(&a, &b, &q);
            prop_assert_eq!(lhs, Point::mulgen(&a).add(&q.mul(&b)));
        }

        #[test]
        fn encoding_round_trip(a in arb_scalar()) {
            let p = Point::mulgen(&a);
            let w = p.encode();
            prop_assert!(Point::is_valid_encoding(&w));
            let d = Point::decode(&w);
            prop_assert_eq!(d, Some(p));
            prop_assert_eq!(d.map(|d| d.encode()), Some(w));
            prop_assert_eq!(Point::encode_batch(&[p, Point::NEUTRAL, p.double()]),
                vec![w, GFp5::ZERO, p.double().encode()]);
        }
    }
}

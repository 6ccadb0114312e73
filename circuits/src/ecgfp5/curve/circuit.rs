//! In-circuit twins of the ecGFp5 group operations of [`Point`].
//!
//! Points are [`PointTarget`]s in the same fractional `(X : Z : U : T)` coordinates as the
//! native code and use the same complete formulas, so no case analysis is needed in the
//! circuit either. Table entries are [`AffinePointTarget`]s (`(x, u)`, the neutral is
//! `(0, 0)`), which makes the mixed addition 8 products instead of 10.
//!
//! `s·G + e·Q` ([`CircuitBuilderEcGFp5::point_mul_add`]) is Straus's method with 4-bit
//! unsigned windows: one chain of 4-doublings ([`Point::mdouble`]) shared by the digits of
//! `e` (table of `0..15 · Q`, computed in the circuit) and of `s` (two constant tables,
//! `0..15 · G` and `0..15 · 2^256·G`, so `G` is never doubled in the circuit). Lookups use
//! plonky2's `RandomAccessGate`, which also range-checks each digit to 4 bits.
//!
//! Soundness facts used below (eprint 2022/274, §3): in these coordinates `Z` and `T` are
//! never zero for any group element, so `x = X/Z` and `u = U/T` are well defined and
//! `U = 0` exactly for the neutral.

use plonky2::field::types::Field;
use plonky2::iop::generator::{GeneratedValues, SimpleGenerator};
use plonky2::iop::target::Target;
use plonky2::iop::witness::{PartitionWitness, Witness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::CommonCircuitData;
use plonky2::util::serialization::{Buffer, IoResult, Read, Write};

use super::{AffinePoint, Point, A, B1};
use crate::ecgfp5::field::circuit::{
    read_gfp5, read_gfp5_target, write_gfp5, write_gfp5_target, z_scales, CircuitBuilderGFp5,
    GFp5Target, LinTerm, WitnessGFp5, D,
};
use crate::ecgfp5::GFp5;
use crate::hash::F;

/// A group element in a circuit, fractional coordinates `(x, u) = (X/Z, U/T)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PointTarget {
    /// `X`.
    pub x: GFp5Target,
    /// `Z` (never zero).
    pub z: GFp5Target,
    /// `U` (zero exactly for the neutral).
    pub u: GFp5Target,
    /// `T` (never zero).
    pub t: GFp5Target,
}

/// A group element in affine `(x, u)` coordinates (the neutral is `(0, 0)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AffinePointTarget {
    /// `x`.
    pub x: GFp5Target,
    /// `u = x/y`.
    pub u: GFp5Target,
}

/// Width of the windows of [`CircuitBuilderEcGFp5::point_mul_add`], in bits.
pub const WINDOW_BITS: usize = 4;
/// Entries of a window table (`0..15` times the base).
const TABLE: usize = 1 << WINDOW_BITS;
/// Digits of `s` handled by the `G` table; the rest use the `2^256·G` table.
const LOW_DIGITS: usize = 64;

/// ecGFp5 gadgets.
pub trait CircuitBuilderEcGFp5 {
    /// The constant point `p`.
    fn point_constant(&mut self, p: &Point) -> PointTarget;
    /// In-circuit twin of [`Point::NEUTRAL`].
    fn point_neutral(&mut self) -> PointTarget;
    /// In-circuit twin of [`Point::add`] (complete, 10 products).
    fn point_add(&mut self, p: PointTarget, q: PointTarget) -> PointTarget;
    /// In-circuit twin of `Point::add_affine` (8 products).
    fn point_add_affine(&mut self, p: PointTarget, q: AffinePointTarget) -> PointTarget;
    /// In-circuit twin of [`Point::neg`].
    fn point_neg(&mut self, p: PointTarget) -> PointTarget;
    /// In-circuit twin of [`Point::double`] (4 products, 5 squarings).
    fn point_double(&mut self, p: PointTarget) -> PointTarget;
    /// In-circuit twin of [`Point::mdouble`]: `2^n · p`.
    fn point_mdouble(&mut self, p: PointTarget, n: u32) -> PointTarget;
    /// Affine coordinates `(X/Z, U/T)` (two hinted divisions).
    fn point_to_affine(&mut self, p: PointTarget) -> AffinePointTarget;
    /// In-circuit twin of [`Point::encode`]: `w = T/U`, zero for the neutral.
    fn point_encode(&mut self, p: PointTarget) -> GFp5Target;
    /// The constraints of [`CircuitBuilderEcGFp5::point_encode`] on prover-supplied `w` and
    /// neutral flag `n` (public so tests can feed dishonest values); returns `w`.
    fn point_encode_from_hint(&mut self, p: PointTarget, w: GFp5Target, n: Target) -> GFp5Target;
    /// In-circuit twin of [`Point::decode`] restricted to non-neutral points (the form of
    /// a public key): the circuit is unsatisfiable unless `w ≠ 0` is a valid encoding.
    fn point_decode_non_neutral(&mut self, w: GFp5Target) -> PointTarget;
    /// Same as [`CircuitBuilderEcGFp5::point_decode_non_neutral`], also returning the
    /// affine form `(x, 1/w)` (free: `1/w` is computed for the `w ≠ 0` check).
    fn point_decode_non_neutral_affine(
        &mut self,
        w: GFp5Target,
    ) -> (PointTarget, AffinePointTarget);
    /// The constraints of [`CircuitBuilderEcGFp5::point_decode_non_neutral_affine`] on
    /// prover-supplied `winv = 1/w` and `x`.
    fn point_decode_from_hint(
        &mut self,
        w: GFp5Target,
        winv: GFp5Target,
        x: GFp5Target,
    ) -> (PointTarget, AffinePointTarget);
    /// Asserts `p = q` (twin of `Point::eq`: `U1·T2 = U2·T1`).
    fn point_connect(&mut self, p: PointTarget, q: PointTarget);
    /// In-circuit twin of [`Point::mul_add_vartime`]: `s·G + e·Q` from base-16 digits,
    /// least significant first (at most 80 each: `s, e < 2^320`). Every digit is used as a
    /// 16-entry lookup index, which range-checks it to 4 bits.
    fn point_mul_add(
        &mut self,
        s_digits: &[Target],
        e_digits: &[Target],
        q: AffinePointTarget,
    ) -> PointTarget;
}

impl CircuitBuilderEcGFp5 for CircuitBuilder<F, D> {
    fn point_constant(&mut self, p: &Point) -> PointTarget {
        PointTarget {
            x: self.gfp5_constant(p.x),
            z: self.gfp5_constant(p.z),
            u: self.gfp5_constant(p.u),
            t: self.gfp5_constant(p.t),
        }
    }

    fn point_neutral(&mut self) -> PointTarget {
        self.point_constant(&Point::NEUTRAL)
    }

    fn point_add(&mut self, p: PointTarget, q: PointTarget) -> PointTarget {
        let t1 = self.gfp5_mul(p.x, q.x);
        let t2 = self.gfp5_mul(p.z, q.z);
        let t3 = self.gfp5_mul(p.u, q.u);
        let t4 = self.gfp5_mul(p.t, q.t);
        // X1·Z2 + X2·Z1 and U1·T2 + U2·T1: two products each (no cheaper in a circuit).
        let a = self.gfp5_mul(p.x, q.z);
        let t5 = self.gfp5_mul_lin([F::ONE; 5], false, q.x, p.z, Some((F::ONE, a)));
        let b = self.gfp5_mul(p.u, q.t);
        let t6 = self.gfp5_mul_lin([F::ONE; 5], false, q.u, p.t, Some((F::ONE, b)));
        finish_add(self, t1, t2, t3, t4, t5, t6)
    }

    fn point_add_affine(&mut self, p: PointTarget, q: AffinePointTarget) -> PointTarget {
        let t1 = self.gfp5_mul(p.x, q.x);
        let t3 = self.gfp5_mul(p.u, q.u);
        let t5 = self.gfp5_mul_lin([F::ONE; 5], false, q.x, p.z, Some((F::ONE, p.x)));
        let t6 = self.gfp5_mul_lin([F::ONE; 5], false, q.u, p.t, Some((F::ONE, p.u)));
        finish_add(self, t1, p.z, t3, p.t, t5, t6)
    }

    fn point_neg(&mut self, p: PointTarget) -> PointTarget {
        PointTarget { u: self.gfp5_neg(p.u), ..p }
    }

    fn point_double(&mut self, p: PointTarget) -> PointTarget {
        let t1 = self.gfp5_mul(p.z, p.t);
        let t2 = self.gfp5_mul(t1, p.t);
        let x1 = self.gfp5_square(t2);
        let z1 = self.gfp5_mul(t1, p.u);
        let t3 = self.gfp5_square(p.u);
        // w1 = t2 − 2·(x + z)·t3
        let xz = self.gfp5_add(p.x, p.z);
        let w1 = self.gfp5_mul_lin([-F::TWO; 5], false, xz, t3, Some((F::ONE, t2)));
        let t4 = self.gfp5_square(z1);
        let z = self.gfp5_square(w1);
        let x = self.gfp5_lin(&[LinTerm::z(fu(4 * B1), t4)]);
        // 2·W1·Z1, one product.
        let u = self.gfp5_mul_lin([F::TWO; 5], false, w1, z1, None);
        let t = self.gfp5_lin(&[
            LinTerm::new(F::TWO, x1),
            LinTerm::new(-fu(4), t4),
            LinTerm::new(F::NEG_ONE, z),
        ]);
        PointTarget { x, z, u, t }
    }

    fn point_mdouble(&mut self, p: PointTarget, n: u32) -> PointTarget {
        match n {
            0 => return p,
            1 => return self.point_double(p),
            _ => {}
        }
        // First doubling, output in (X : W : Z).
        let t1 = self.gfp5_mul(p.z, p.t);
        let t2 = self.gfp5_mul(t1, p.t);
        let x1 = self.gfp5_square(t2);
        let z1 = self.gfp5_mul(t1, p.u);
        let t3 = self.gfp5_square(p.u);
        let xz = self.gfp5_add(p.x, p.z);
        let w1 = self.gfp5_mul_lin([-F::TWO; 5], false, xz, t3, Some((F::ONE, t2)));
        let t4 = self.gfp5_square(w1);
        let t5 = self.gfp5_square(z1);
        let mut x = self.gfp5_square_lin(z_scales(fu(16 * B1)), true, t5, None);
        let mut w = self.gfp5_lin(&[
            LinTerm::new(F::TWO, x1),
            LinTerm::new(-fu(4), t5),
            LinTerm::new(F::NEG_ONE, t4),
        ]);
        // (w1 + z1)² − t4 − t5 = 2·w1·z1
        let mut z = self.gfp5_mul_lin([F::TWO; 5], false, w1, z1, None);
        // Middle doublings, staying in (X : W : Z).
        for _ in 2..n {
            let z2 = self.gfp5_square(z);
            let z4 = self.gfp5_square(z2);
            let w2 = self.gfp5_square(w);
            let w4 = self.gfp5_square(w2);
            // 2·W·Z·(2·(X + Z²) − W²)
            let s = self.gfp5_lin(&[
                LinTerm::new(F::TWO, x),
                LinTerm::new(F::TWO, z2),
                LinTerm::new(F::NEG_ONE, w2),
            ]);
            let wz2 = self.gfp5_mul_lin([F::TWO; 5], false, w, z, None);
            let nz = self.gfp5_mul(wz2, s);
            x = self.gfp5_mul_lin(z_scales(fu(16 * B1)), true, z4, w4, None);
            // W' = (a² − 4b)·Z^4 − W^4, a² = 4.
            w = self.gfp5_lin(&[
                LinTerm::new(fu(4), z4),
                LinTerm::z(-fu(4 * B1), z4),
                LinTerm::new(F::NEG_ONE, w4),
            ]);
            z = nz;
        }
        // Last doubling, back to (X : Z : U : T).
        let w2 = self.gfp5_square(w);
        let z2 = self.gfp5_square(z);
        let wz2 = self.gfp5_mul_lin([F::TWO; 5], false, w, z, None);
        let w1 = self.gfp5_lin(&[
            LinTerm::new(F::ONE, w2),
            LinTerm::new(-F::TWO, x),
            LinTerm::new(-F::TWO, z2),
        ]);
        let zz = self.gfp5_square(w1);
        let nx = self.gfp5_square_lin(z_scales(fu(B1)), true, wz2, None);
        let nu = self.gfp5_mul(wz2, w1);
        let s = self.gfp5_lin(&[LinTerm::new(F::ONE, w2), LinTerm::new(-F::TWO, z2)]);
        let nt = self.gfp5_mul_lin([F::TWO; 5], false, w2, s, Some((F::NEG_ONE, zz)));
        PointTarget { x: nx, z: zz, u: nu, t: nt }
    }

    fn point_to_affine(&mut self, p: PointTarget) -> AffinePointTarget {
        // Soundness: Z and T are never zero (module doc), so each quotient is unique.
        let x = self.gfp5_div_nonzero(p.x, p.z);
        let u = self.gfp5_div_nonzero(p.u, p.t);
        AffinePointTarget { x, u }
    }

    fn point_encode(&mut self, p: PointTarget) -> GFp5Target {
        let w = self.add_virtual_gfp5_target();
        let n = self.add_virtual_target();
        self.add_simple_generator(EncodeHint { u: p.u, t: p.t, w, neutral: n });
        self.point_encode_from_hint(p, w, n)
    }

    fn point_encode_from_hint(&mut self, p: PointTarget, w: GFp5Target, n: Target) -> GFp5Target {
        // Soundness: w·U + n·T − T = 0, n·U = 0, n·w = 0 with T ≠ 0. If U ≠ 0: n·U = 0
        // forces n = 0, then w = T/U. If U = 0: (n − 1)·T = 0 forces n = 1, then w = 0.
        let wu = self.gfp5_mul_lin([F::ONE; 5], false, w, p.u, Some((F::NEG_ONE, p.t)));
        for i in 0..5 {
            let e = self.mul_add(n, p.t.0[i], wu.0[i]);
            self.assert_zero(e);
            let a = self.mul(n, p.u.0[i]);
            self.assert_zero(a);
            let b = self.mul(n, w.0[i]);
            self.assert_zero(b);
        }
        w
    }

    fn point_decode_non_neutral(&mut self, w: GFp5Target) -> PointTarget {
        self.point_decode_non_neutral_affine(w).0
    }

    fn point_decode_non_neutral_affine(
        &mut self,
        w: GFp5Target,
    ) -> (PointTarget, AffinePointTarget) {
        let winv = self.add_virtual_gfp5_target();
        self.add_simple_generator(QuotientOneHint { den: w, out: winv });
        let x = self.add_virtual_gfp5_target();
        self.add_simple_generator(DecodeHint { w, x });
        self.point_decode_from_hint(w, winv, x)
    }

    fn point_decode_from_hint(
        &mut self,
        w: GFp5Target,
        winv: GFp5Target,
        x: GFp5Target,
    ) -> (PointTarget, AffinePointTarget) {
        let one = self.gfp5_one();
        // Soundness: w·winv = 1 has a solution exactly when w ≠ 0, and then winv = 1/w.
        let prod = self.gfp5_mul(w, winv);
        self.gfp5_connect(prod, one);
        // e = w² − a
        let a = self.gfp5_constant(A);
        let e = self.gfp5_square_lin([F::ONE; 5], false, w, Some((F::NEG_ONE, a)));
        // Soundness: x² − e·x + b = 0 puts (x, w·x) on the curve (y = w·x); of the two roots
        // (product b, a non-square) the group element's x is the non-square one, which the
        // certificate below enforces (x ≠ 0 because b ≠ 0).
        let b = self.gfp5_constant(GFp5::from_u64_reduce([0, B1, 0, 0, 0]));
        let xe = self.gfp5_sub(x, e);
        let q = self.gfp5_mul_lin([F::ONE; 5], false, x, xe, Some((F::ONE, b)));
        let zero = self.gfp5_zero();
        self.gfp5_connect(q, zero);
        self.gfp5_non_square_certificate(x);
        (PointTarget { x, z: one, u: one, t: w }, AffinePointTarget { x, u: winv })
    }

    fn point_connect(&mut self, p: PointTarget, q: PointTarget) {
        let l = self.gfp5_mul(p.u, q.t);
        let r = self.gfp5_mul(q.u, p.t);
        self.gfp5_connect(l, r);
    }

    fn point_mul_add(
        &mut self,
        s_digits: &[Target],
        e_digits: &[Target],
        q: AffinePointTarget,
    ) -> PointTarget {
        assert!(s_digits.len() <= 80 && e_digits.len() <= 80, "scalars are below 2^320");
        let (g_lo, g_hi) = generator_tables();
        let g_lo = affine_table_constants(self, &g_lo);
        let g_hi = affine_table_constants(self, &g_hi);
        let q_table = q_table(self, q);
        let windows = e_digits.len().max(s_digits.len().min(LOW_DIGITS));
        let mut acc: Option<PointTarget> = None;
        for i in (0..windows).rev() {
            if let Some(a) = acc {
                acc = Some(self.point_mdouble(a, WINDOW_BITS as u32));
            }
            let mut adds: Vec<(&Vec<AffinePointTarget>, Target)> = Vec::new();
            if let Some(&d) = e_digits.get(i) {
                adds.push((&q_table, d));
            }
            if let Some(&d) = s_digits.get(i).filter(|_| i < LOW_DIGITS) {
                adds.push((&g_lo, d));
            }
            if let Some(&d) = s_digits.get(i + LOW_DIGITS) {
                adds.push((&g_hi, d));
            }
            for (table, d) in adds {
                let entry = lookup(self, table, d);
                acc = Some(match acc {
                    Some(a) => self.point_add_affine(a, entry),
                    None => {
                        let one = self.gfp5_one();
                        PointTarget { x: entry.x, z: one, u: entry.u, t: one }
                    }
                });
            }
        }
        // Digits past the chain length (only if s has more than 64 digits and e fewer than
        // 16) were handled by the 2^256·G table above.
        acc.unwrap_or_else(|| self.point_neutral())
    }
}

/// Common tail of the addition formulas (see `Point::finish_add`).
fn finish_add(
    b: &mut CircuitBuilder<F, D>,
    t1: GFp5Target,
    t2: GFp5Target,
    t3: GFp5Target,
    t4: GFp5Target,
    t5: GFp5Target,
    t6: GFp5Target,
) -> PointTarget {
    let b1 = fu(B1);
    let one = [F::ONE; 5];
    // t7 = t1 + b·t2
    let t7 = b.gfp5_lin(&[LinTerm::new(F::ONE, t1), LinTerm::z(b1, t2)]);
    let t8 = b.gfp5_mul(t4, t7);
    let s9 = b.gfp5_lin(&[LinTerm::z(F::TWO * b1, t5), LinTerm::new(F::TWO, t7)]);
    let t9 = b.gfp5_mul(t3, s9);
    let a10 = b.gfp5_lin(&[LinTerm::new(F::ONE, t4), LinTerm::new(F::TWO, t3)]);
    let b10 = b.gfp5_lin(&[LinTerm::new(F::ONE, t5), LinTerm::new(F::ONE, t7)]);
    // X = b·(t10 − t8): the product t10 is scaled and rotated in place, t8 added after.
    let bt10 = b.gfp5_mul_lin(z_scales(b1), true, a10, b10, None);
    let x = b.gfp5_lin(&[LinTerm::new(F::ONE, bt10), LinTerm::z(-b1, t8)]);
    let z = b.gfp5_sub(t8, t9);
    let bu = b.gfp5_lin(&[LinTerm::z(b1, t2), LinTerm::new(F::NEG_ONE, t1)]);
    let u = b.gfp5_mul_lin(one, false, t6, bu, None);
    let t = b.gfp5_add(t8, t9);
    PointTarget { x, z, u, t }
}

/// A small integer as a field element.
fn fu(x: u64) -> F {
    F::from_canonical_u64(x)
}

/// The constant tables `i·G` and `i·2^256·G` for `i = 0..15`, affine.
fn generator_tables() -> (Vec<AffinePoint>, Vec<AffinePoint>) {
    let mut all = Point::GENERATOR.multiples(TABLE - 1);
    all.extend(Point::GENERATOR.mdouble(256).multiples(TABLE - 1));
    let affine = Point::to_affine_batch(&all);
    let mut lo = vec![AffinePoint::NEUTRAL];
    lo.extend_from_slice(&affine[..TABLE - 1]);
    let mut hi = vec![AffinePoint::NEUTRAL];
    hi.extend_from_slice(&affine[TABLE - 1..]);
    (lo, hi)
}

fn affine_table_constants(
    b: &mut CircuitBuilder<F, D>,
    t: &[AffinePoint],
) -> Vec<AffinePointTarget> {
    t.iter()
        .map(|p| AffinePointTarget { x: b.gfp5_constant(p.x), u: b.gfp5_constant(p.u) })
        .collect()
}

/// `0·Q ..= 15·Q`, affine (even entries by doubling, odd ones by adding Q).
fn q_table(b: &mut CircuitBuilder<F, D>, q: AffinePointTarget) -> Vec<AffinePointTarget> {
    let zero = b.gfp5_zero();
    let one = b.gfp5_one();
    let q_proj = PointTarget { x: q.x, z: one, u: q.u, t: one };
    let mut proj = vec![q_proj, q_proj];
    let mut aff = vec![AffinePointTarget { x: zero, u: zero }, q];
    for i in 2..TABLE {
        let p = if i % 2 == 0 {
            b.point_double(proj[i / 2])
        } else {
            b.point_add_affine(proj[i - 1], q)
        };
        proj.push(p);
        aff.push(b.point_to_affine(p));
    }
    aff
}

/// `table[d]`, ten random accesses (one per limb); `d` is range-checked to 4 bits by the
/// gate.
fn lookup(
    b: &mut CircuitBuilder<F, D>,
    table: &[AffinePointTarget],
    d: Target,
) -> AffinePointTarget {
    let mut limb = |f: &dyn Fn(&AffinePointTarget) -> GFp5Target, i: usize| {
        let v: Vec<Target> = table.iter().map(|p| f(p).0[i]).collect();
        b.random_access(d, v)
    };
    let x = GFp5Target(core::array::from_fn(|i| limb(&|p| p.x, i)));
    let u = GFp5Target(core::array::from_fn(|i| limb(&|p| p.u, i)));
    AffinePointTarget { x, u }
}

/// Writing points into witnesses (tests and callers that hold points, not encodings).
pub trait WitnessPoint: WitnessWrite<F> + Witness<F> + Sized {
    /// Sets the four coordinates of `t` to those of `p`.
    fn set_point_target(&mut self, t: PointTarget, p: &Point) -> anyhow::Result<()> {
        self.set_gfp5_target(t.x, p.x)?;
        self.set_gfp5_target(t.z, p.z)?;
        self.set_gfp5_target(t.u, p.u)?;
        self.set_gfp5_target(t.t, p.t)
    }

    /// The point held by `t`.
    fn get_point_target(&self, t: PointTarget) -> Point {
        Point {
            x: self.get_gfp5_target(t.x),
            z: self.get_gfp5_target(t.z),
            u: self.get_gfp5_target(t.u),
            t: self.get_gfp5_target(t.t),
        }
    }
}

impl<W: WitnessWrite<F> + Witness<F>> WitnessPoint for W {}

/// Hint of [`CircuitBuilderEcGFp5::point_encode`]: `w = T/U` (0 for `U = 0`) and the
/// neutral flag `[U = 0]`.
#[derive(Debug, Clone)]
struct EncodeHint {
    u: GFp5Target,
    t: GFp5Target,
    w: GFp5Target,
    neutral: Target,
}

impl SimpleGenerator<F, D> for EncodeHint {
    fn id(&self) -> String {
        "proofbook::EcEncodeHint".into()
    }

    fn dependencies(&self) -> Vec<Target> {
        self.u.0.iter().chain(self.t.0.iter()).copied().collect()
    }

    fn run_once(
        &self,
        w: &PartitionWitness<'_, F>,
        out: &mut GeneratedValues<F>,
    ) -> anyhow::Result<()> {
        let u = read_gfp5(w, &self.u);
        let t = read_gfp5(w, &self.t);
        write_gfp5(out, &self.w, t.div_by(&u))?;
        out.set_target(self.neutral, F::from_bool(u.is_zero()))
    }

    fn serialize(&self, dst: &mut Vec<u8>, _: &CommonCircuitData<F, D>) -> IoResult<()> {
        write_gfp5_target(dst, &self.u)?;
        write_gfp5_target(dst, &self.t)?;
        write_gfp5_target(dst, &self.w)?;
        dst.write_target(self.neutral)
    }

    fn deserialize(src: &mut Buffer<'_>, _: &CommonCircuitData<F, D>) -> IoResult<Self> {
        Ok(Self {
            u: read_gfp5_target(src)?,
            t: read_gfp5_target(src)?,
            w: read_gfp5_target(src)?,
            neutral: src.read_target()?,
        })
    }
}

/// Hint: `out = 1/den` (0 for 0).
#[derive(Debug, Clone)]
struct QuotientOneHint {
    den: GFp5Target,
    out: GFp5Target,
}

impl SimpleGenerator<F, D> for QuotientOneHint {
    fn id(&self) -> String {
        "proofbook::GFp5InverseHint".into()
    }

    fn dependencies(&self) -> Vec<Target> {
        self.den.0.to_vec()
    }

    fn run_once(
        &self,
        w: &PartitionWitness<'_, F>,
        out: &mut GeneratedValues<F>,
    ) -> anyhow::Result<()> {
        write_gfp5(out, &self.out, read_gfp5(w, &self.den).inverse())
    }

    fn serialize(&self, dst: &mut Vec<u8>, _: &CommonCircuitData<F, D>) -> IoResult<()> {
        write_gfp5_target(dst, &self.den)?;
        write_gfp5_target(dst, &self.out)
    }

    fn deserialize(src: &mut Buffer<'_>, _: &CommonCircuitData<F, D>) -> IoResult<Self> {
        Ok(Self { den: read_gfp5_target(src)?, out: read_gfp5_target(src)? })
    }
}

/// Hint of [`CircuitBuilderEcGFp5::point_decode_non_neutral`]: the `x` of
/// [`Point::decode`] (zero for an invalid encoding; the constraints then fail).
#[derive(Debug, Clone)]
struct DecodeHint {
    w: GFp5Target,
    x: GFp5Target,
}

impl SimpleGenerator<F, D> for DecodeHint {
    fn id(&self) -> String {
        "proofbook::EcDecodeHint".into()
    }

    fn dependencies(&self) -> Vec<Target> {
        self.w.0.to_vec()
    }

    fn run_once(
        &self,
        w: &PartitionWitness<'_, F>,
        out: &mut GeneratedValues<F>,
    ) -> anyhow::Result<()> {
        let x = Point::decode(&read_gfp5(w, &self.w)).map_or(GFp5::ZERO, |p| p.x * p.z.inverse());
        write_gfp5(out, &self.x, x)
    }

    fn serialize(&self, dst: &mut Vec<u8>, _: &CommonCircuitData<F, D>) -> IoResult<()> {
        write_gfp5_target(dst, &self.w)?;
        write_gfp5_target(dst, &self.x)
    }

    fn deserialize(src: &mut Buffer<'_>, _: &CommonCircuitData<F, D>) -> IoResult<Self> {
        Ok(Self { w: read_gfp5_target(src)?, x: read_gfp5_target(src)? })
    }
}

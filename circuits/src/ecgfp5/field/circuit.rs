//! In-circuit twin of [`GFp5`]: GF(p^5) elements as five plonky2 targets.
//!
//! A [`GFp5Target`] holds the five limbs (lowest degree first) as Goldilocks field elements;
//! they are field elements of the circuit, so there is no range to check. Products are
//! written on plonky2's `ArithmeticGate` (20 operations `c0·x·y + c1·z` per row): a
//! multiplication costs 25 operations (1.25 rows), a squaring 15, and every linear
//! combination one operation per limb and extra term. Scalars, linear terms and the
//! multiplication by `z` (a limb rotation) are folded into the products where possible
//! ([`CircuitBuilderGFp5::gfp5_mul_lin`], [`CircuitBuilderGFp5::gfp5_lin`]).
//!
//! Inversion, division and square roots are hints pinned by one product each; every hint
//! carries a `// Soundness:` comment.

use plonky2::field::types::{Field, PrimeField64};
use plonky2::iop::generator::{GeneratedValues, SimpleGenerator};
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::{PartitionWitness, Witness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::CommonCircuitData;
use plonky2::util::serialization::{Buffer, IoResult, Read, Write};

use super::GFp5;
use crate::hash::F;

/// The extension degree of plonky2's recursion-friendly configuration, used by every
/// circuit of this crate.
pub const D: usize = 2;

/// A GF(p^5) element in a circuit: five limbs, lowest degree first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GFp5Target(pub [Target; 5]);

impl GFp5Target {
    /// The five limb targets, lowest degree first.
    pub fn limbs(&self) -> [Target; 5] {
        self.0
    }
}

/// One term of a linear combination: `coef · a`, or `coef · z · a` when `times_z`.
#[derive(Clone, Copy, Debug)]
pub struct LinTerm {
    /// The base-field coefficient.
    pub coef: F,
    /// Whether the element is multiplied by `z` (limbs rotated up, the top one times 3).
    pub times_z: bool,
    /// The element.
    pub a: GFp5Target,
}

impl LinTerm {
    /// `coef · a`.
    pub fn new(coef: F, a: GFp5Target) -> Self {
        Self { coef, times_z: false, a }
    }

    /// `coef · z · a`.
    pub fn z(coef: F, a: GFp5Target) -> Self {
        Self { coef, times_z: true, a }
    }

    /// The base-field coefficient of limb `a[j]` in limb `l` of the term, and `j`.
    fn limb(&self, l: usize) -> (F, Target) {
        if self.times_z {
            // (a·z)_l = a_{l−1}, (a·z)_0 = 3·a_4.
            let j = (l + 4) % 5;
            let c = if l == 0 { self.coef * F::from_canonical_u64(3) } else { self.coef };
            (c, self.a.0[j])
        } else {
            (self.coef, self.a.0[l])
        }
    }
}

/// GF(p^5) gadgets on a plonky2 circuit builder.
pub trait CircuitBuilderGFp5 {
    /// A fresh element whose limbs are set by the witness (not range-checked: any five
    /// field elements form an element).
    fn add_virtual_gfp5_target(&mut self) -> GFp5Target;
    /// The constant `c`.
    fn gfp5_constant(&mut self, c: GFp5) -> GFp5Target;
    /// Zero.
    fn gfp5_zero(&mut self) -> GFp5Target;
    /// One.
    fn gfp5_one(&mut self) -> GFp5Target;
    /// Asserts `a = b` (five copy constraints).
    fn gfp5_connect(&mut self, a: GFp5Target, b: GFp5Target);
    /// `Σ coef_i · (z^{e_i}) · a_i`: one operation per limb and term after the first.
    fn gfp5_lin(&mut self, terms: &[LinTerm]) -> GFp5Target;
    /// In-circuit twin of `GFp5 + GFp5`.
    fn gfp5_add(&mut self, a: GFp5Target, b: GFp5Target) -> GFp5Target;
    /// In-circuit twin of `GFp5 − GFp5`.
    fn gfp5_sub(&mut self, a: GFp5Target, b: GFp5Target) -> GFp5Target;
    /// In-circuit twin of `−GFp5`.
    fn gfp5_neg(&mut self, a: GFp5Target) -> GFp5Target;
    /// In-circuit twin of [`GFp5::double`].
    fn gfp5_double(&mut self, a: GFp5Target) -> GFp5Target;
    /// In-circuit twin of [`GFp5::half`].
    fn gfp5_half(&mut self, a: GFp5Target) -> GFp5Target;
    /// In-circuit twin of [`GFp5::mul_base`] (product with a base-field element).
    fn gfp5_mul_base(&mut self, a: GFp5Target, k: Target) -> GFp5Target;
    /// `(z^{times_z}) · (k_l · (a·b)_l)_l + m · c` with per-limb scales `ks` (so that a
    /// following multiplication by `z` can be folded in), in 25 operations.
    fn gfp5_mul_lin(
        &mut self,
        ks: [F; 5],
        times_z: bool,
        a: GFp5Target,
        b: GFp5Target,
        add: Option<(F, GFp5Target)>,
    ) -> GFp5Target;
    /// Same as [`CircuitBuilderGFp5::gfp5_mul_lin`] for `a·a`, in 15 operations.
    fn gfp5_square_lin(
        &mut self,
        ks: [F; 5],
        times_z: bool,
        a: GFp5Target,
        add: Option<(F, GFp5Target)>,
    ) -> GFp5Target;
    /// In-circuit twin of `GFp5 · GFp5` (25 operations: 1.25 rows).
    fn gfp5_mul(&mut self, a: GFp5Target, b: GFp5Target) -> GFp5Target;
    /// In-circuit twin of [`GFp5::square`] (15 operations).
    fn gfp5_square(&mut self, a: GFp5Target) -> GFp5Target;
    /// In-circuit twin of [`GFp5::inverse`], with the same convention `1/0 = 0`.
    fn gfp5_inverse(&mut self, a: GFp5Target) -> GFp5Target;
    /// The constraints of [`CircuitBuilderGFp5::gfp5_inverse`] on prover-supplied values
    /// `inv` and `flag` (= `[a = 0]`); returns `inv`. Public so tests can feed dishonest
    /// values.
    fn gfp5_inverse_from_hint(
        &mut self,
        a: GFp5Target,
        inv: GFp5Target,
        flag: Target,
    ) -> GFp5Target;
    /// In-circuit twin of [`GFp5::div_by`] (`a / 0 = 0`).
    fn gfp5_div(&mut self, a: GFp5Target, b: GFp5Target) -> GFp5Target;
    /// `a / b` for a `b` the caller knows to be non-zero (one product; unsound for
    /// `b = 0`, where any quotient satisfies `q·0 = 0` when `a = 0`).
    fn gfp5_div_nonzero(&mut self, a: GFp5Target, b: GFp5Target) -> GFp5Target;
    /// In-circuit twin of [`GFp5::is_zero`].
    fn gfp5_is_zero(&mut self, a: GFp5Target) -> BoolTarget;
    /// The constraints of [`CircuitBuilderGFp5::gfp5_is_zero`] on prover-supplied `inv` and
    /// `flag`.
    fn gfp5_is_zero_from_hint(
        &mut self,
        a: GFp5Target,
        inv: GFp5Target,
        flag: Target,
    ) -> BoolTarget;
    /// In-circuit twin of [`GFp5::sqrt`] for squares: returns a root `r` (`r² = a`); the
    /// circuit is unsatisfiable when `a` is not a square.
    fn gfp5_sqrt(&mut self, a: GFp5Target) -> GFp5Target;
    /// The constraint of [`CircuitBuilderGFp5::gfp5_sqrt`] on a prover-supplied root.
    fn gfp5_sqrt_from_hint(&mut self, a: GFp5Target, r: GFp5Target) -> GFp5Target;
    /// Asserts that `a` is not a square (in particular not zero): twin of
    /// `GFp5::legendre(a) == −1`.
    fn gfp5_assert_non_square(&mut self, a: GFp5Target);
    /// Asserts `a ≠ 0` (one hinted inverse).
    fn gfp5_assert_nonzero(&mut self, a: GFp5Target);
    /// Asserts that `a` is not a square, for an `a` the caller knows to be non-zero (one
    /// hinted square root of `7·a`).
    fn gfp5_non_square_certificate(&mut self, a: GFp5Target);
    /// `b` if `cond`, else `a` (twin of `GFp5::select`): 2 operations per limb.
    fn gfp5_select(&mut self, cond: BoolTarget, b: GFp5Target, a: GFp5Target) -> GFp5Target;
}

/// A non-square of GF(p^5) (also a non-square of GF(p)), used as the certificate multiplier
/// of [`CircuitBuilderGFp5::gfp5_assert_non_square`].
const NON_SQUARE: u64 = 7;

impl CircuitBuilderGFp5 for CircuitBuilder<F, D> {
    fn add_virtual_gfp5_target(&mut self) -> GFp5Target {
        GFp5Target(core::array::from_fn(|_| self.add_virtual_target()))
    }

    fn gfp5_constant(&mut self, c: GFp5) -> GFp5Target {
        GFp5Target(c.to_elements().map(|x| self.constant(x)))
    }

    fn gfp5_zero(&mut self) -> GFp5Target {
        self.gfp5_constant(GFp5::ZERO)
    }

    fn gfp5_one(&mut self) -> GFp5Target {
        self.gfp5_constant(GFp5::ONE)
    }

    fn gfp5_connect(&mut self, a: GFp5Target, b: GFp5Target) {
        for (x, y) in a.0.into_iter().zip(b.0) {
            self.connect(x, y);
        }
    }

    fn gfp5_lin(&mut self, terms: &[LinTerm]) -> GFp5Target {
        let one = self.one();
        let zero = self.zero();
        GFp5Target(core::array::from_fn(|l| {
            let mut it = terms.iter().map(|t| t.limb(l));
            let Some((c0, a0)) = it.next() else {
                return zero;
            };
            let mut acc = match it.next() {
                // c0·a0·1 + c1·a1 in one operation.
                Some((c1, a1)) => self.arithmetic(c0, c1, a0, one, a1),
                None => self.arithmetic(c0, F::ZERO, a0, one, zero),
            };
            for (c, a) in it {
                acc = self.arithmetic(c, F::ONE, a, one, acc);
            }
            acc
        }))
    }

    fn gfp5_add(&mut self, a: GFp5Target, b: GFp5Target) -> GFp5Target {
        self.gfp5_lin(&[LinTerm::new(F::ONE, a), LinTerm::new(F::ONE, b)])
    }

    fn gfp5_sub(&mut self, a: GFp5Target, b: GFp5Target) -> GFp5Target {
        self.gfp5_lin(&[LinTerm::new(F::ONE, a), LinTerm::new(F::NEG_ONE, b)])
    }

    fn gfp5_neg(&mut self, a: GFp5Target) -> GFp5Target {
        self.gfp5_lin(&[LinTerm::new(F::NEG_ONE, a)])
    }

    fn gfp5_double(&mut self, a: GFp5Target) -> GFp5Target {
        self.gfp5_lin(&[LinTerm::new(F::TWO, a)])
    }

    fn gfp5_half(&mut self, a: GFp5Target) -> GFp5Target {
        self.gfp5_lin(&[LinTerm::new(F::TWO.inverse(), a)])
    }

    fn gfp5_mul_base(&mut self, a: GFp5Target, k: Target) -> GFp5Target {
        GFp5Target(a.0.map(|x| self.mul(x, k)))
    }

    fn gfp5_mul_lin(
        &mut self,
        ks: [F; 5],
        times_z: bool,
        a: GFp5Target,
        b: GFp5Target,
        add: Option<(F, GFp5Target)>,
    ) -> GFp5Target {
        let (a, b) = (a.0, b.0);
        let three = F::from_canonical_u64(3);
        let zero = self.zero();
        let limbs: [Target; 5] = core::array::from_fn(|n| {
            let k = ks[n];
            // With times_z, product limb n lands in output limb n + 1 (mod 5), whose
            // addend limb it must carry.
            let addend = add.map(|(m, c)| (m, c.0[if times_z { (n + 1) % 5 } else { n }]));
            let direct: Vec<(usize, usize)> = (0..=n).map(|i| (i, n - i)).collect();
            let wrapped: Vec<(usize, usize)> = (n + 1..5).map(|i| (i, n + 5 - i)).collect();
            let mut acc: Option<Target> = None;
            if !wrapped.is_empty() {
                // w = k·Σ wrapped + (m/3)·c, so that k·(direct) + 3·w adds m·c exactly.
                let (i, j) = wrapped[0];
                let mut w = match addend {
                    Some((m, c)) => self.arithmetic(k, m / three, a[i], b[j], c),
                    None => self.arithmetic(k, F::ZERO, a[i], b[j], zero),
                };
                for &(i, j) in &wrapped[1..] {
                    w = self.arithmetic(k, F::ONE, a[i], b[j], w);
                }
                let (i, j) = direct[0];
                acc = Some(self.arithmetic(k, three, a[i], b[j], w));
            }
            let start = usize::from(acc.is_some());
            for &(i, j) in &direct[start..] {
                acc = Some(match (acc, addend) {
                    (Some(s), _) => self.arithmetic(k, F::ONE, a[i], b[j], s),
                    (None, Some((m, c))) => self.arithmetic(k, m, a[i], b[j], c),
                    (None, None) => self.arithmetic(k, F::ZERO, a[i], b[j], zero),
                });
            }
            acc.unwrap_or(zero)
        });
        rotate(limbs, times_z)
    }

    fn gfp5_square_lin(
        &mut self,
        ks: [F; 5],
        times_z: bool,
        a: GFp5Target,
        add: Option<(F, GFp5Target)>,
    ) -> GFp5Target {
        let a = a.0;
        let zero = self.zero();
        // (coefficient, i, j) of each output limb of a², z^5 = 3 (see `GFp5::square`).
        const TERMS: [[(u64, usize, usize); 3]; 5] = [
            [(1, 0, 0), (6, 1, 4), (6, 2, 3)],
            [(2, 0, 1), (6, 2, 4), (3, 3, 3)],
            [(2, 0, 2), (1, 1, 1), (6, 3, 4)],
            [(2, 0, 3), (2, 1, 2), (3, 4, 4)],
            [(2, 0, 4), (2, 1, 3), (1, 2, 2)],
        ];
        let limbs: [Target; 5] = core::array::from_fn(|n| {
            let k = ks[n];
            let addend = add.map(|(m, c)| (m, c.0[if times_z { (n + 1) % 5 } else { n }]));
            let [(c0, i0, j0), rest @ ..] = TERMS[n];
            let c0 = k * F::from_canonical_u64(c0);
            let mut acc = match addend {
                Some((m, c)) => self.arithmetic(c0, m, a[i0], a[j0], c),
                None => self.arithmetic(c0, F::ZERO, a[i0], a[j0], zero),
            };
            for (c, i, j) in rest {
                acc = self.arithmetic(k * F::from_canonical_u64(c), F::ONE, a[i], a[j], acc);
            }
            acc
        });
        rotate(limbs, times_z)
    }

    fn gfp5_mul(&mut self, a: GFp5Target, b: GFp5Target) -> GFp5Target {
        self.gfp5_mul_lin([F::ONE; 5], false, a, b, None)
    }

    fn gfp5_square(&mut self, a: GFp5Target) -> GFp5Target {
        self.gfp5_square_lin([F::ONE; 5], false, a, None)
    }

    fn gfp5_inverse(&mut self, a: GFp5Target) -> GFp5Target {
        let (inv, flag) = is_zero_hints(self, a);
        self.gfp5_inverse_from_hint(a, inv, flag)
    }

    fn gfp5_inverse_from_hint(
        &mut self,
        a: GFp5Target,
        inv: GFp5Target,
        flag: Target,
    ) -> GFp5Target {
        let is_zero = self.gfp5_is_zero_from_hint(a, inv, flag);
        // Soundness: if a ≠ 0 then flag = 0 and a·inv = 1 fixes inv (see is_zero); if a = 0
        // then flag = 1 and inv is forced to 0 here, the convention 1/0 = 0.
        for l in inv.0 {
            let t = self.mul(is_zero.target, l);
            self.assert_zero(t);
        }
        inv
    }

    fn gfp5_div(&mut self, a: GFp5Target, b: GFp5Target) -> GFp5Target {
        let inv = self.gfp5_inverse(b);
        self.gfp5_mul(a, inv)
    }

    fn gfp5_div_nonzero(&mut self, a: GFp5Target, b: GFp5Target) -> GFp5Target {
        let q = self.add_virtual_gfp5_target();
        self.add_simple_generator(QuotientHint { num: a, den: b, out: q });
        // Soundness: q·b = a has exactly one solution q when b ≠ 0 (the caller's guarantee).
        let qb = self.gfp5_mul(q, b);
        self.gfp5_connect(qb, a);
        q
    }

    fn gfp5_is_zero(&mut self, a: GFp5Target) -> BoolTarget {
        let (inv, flag) = is_zero_hints(self, a);
        self.gfp5_is_zero_from_hint(a, inv, flag)
    }

    fn gfp5_is_zero_from_hint(
        &mut self,
        a: GFp5Target,
        inv: GFp5Target,
        flag: Target,
    ) -> BoolTarget {
        // Soundness: a·inv = 1 − flag and flag·a = 0. If a ≠ 0, flag·a = 0 forces flag = 0;
        // if a = 0, a·inv = 0 forces flag = 1. So flag is boolean and equals [a = 0].
        let prod = self.gfp5_mul(a, inv);
        let one_t = self.one();
        let expected0 = self.sub(one_t, flag);
        self.connect(prod.0[0], expected0);
        for &l in &prod.0[1..] {
            self.assert_zero(l);
        }
        for l in a.0 {
            let t = self.mul(flag, l);
            self.assert_zero(t);
        }
        BoolTarget::new_unsafe(flag)
    }

    fn gfp5_sqrt(&mut self, a: GFp5Target) -> GFp5Target {
        let r = self.add_virtual_gfp5_target();
        self.add_simple_generator(SqrtHint { a, out: r });
        self.gfp5_sqrt_from_hint(a, r)
    }

    fn gfp5_sqrt_from_hint(&mut self, a: GFp5Target, r: GFp5Target) -> GFp5Target {
        // Soundness: r² = a is checked; which of the two roots is returned is not pinned.
        let r2 = self.gfp5_square(r);
        self.gfp5_connect(r2, a);
        r
    }

    fn gfp5_assert_non_square(&mut self, a: GFp5Target) {
        self.gfp5_assert_nonzero(a);
        self.gfp5_non_square_certificate(a);
    }

    fn gfp5_assert_nonzero(&mut self, a: GFp5Target) {
        let one = self.gfp5_one();
        let inv = self.add_virtual_gfp5_target();
        self.add_simple_generator(QuotientHint { num: one, den: a, out: inv });
        // Soundness: a·inv = 1 has a solution exactly when a ≠ 0.
        let prod = self.gfp5_mul(a, inv);
        self.gfp5_connect(prod, one);
    }

    fn gfp5_non_square_certificate(&mut self, a: GFp5Target) {
        // Soundness: 7 is a non-square of GF(p^5); for a ≠ 0 (the caller's guarantee), 7·a is
        // a square exactly when a is not, and gfp5_sqrt checks the root it is given.
        let seven_a = self.gfp5_lin(&[LinTerm::new(F::from_canonical_u64(NON_SQUARE), a)]);
        self.gfp5_sqrt(seven_a);
    }

    fn gfp5_select(&mut self, cond: BoolTarget, b: GFp5Target, a: GFp5Target) -> GFp5Target {
        GFp5Target(core::array::from_fn(|i| self.select(cond, b.0[i], a.0[i])))
    }
}

/// The hints of `gfp5_is_zero` / `gfp5_inverse`: `1/a` (0 for 0) and `[a = 0]`.
fn is_zero_hints(b: &mut CircuitBuilder<F, D>, a: GFp5Target) -> (GFp5Target, Target) {
    let one = b.gfp5_one();
    let inv = b.add_virtual_gfp5_target();
    let flag = b.add_virtual_target();
    b.add_simple_generator(QuotientHint { num: one, den: a, out: inv });
    b.add_simple_generator(IsZeroHint { a, out: flag });
    (inv, flag)
}

/// With `times_z`, multiplies by `z` by rotating limbs (the ×3 of the wrapped limb is
/// already folded into its scale by the caller's `ks`).
fn rotate(l: [Target; 5], times_z: bool) -> GFp5Target {
    if times_z {
        GFp5Target([l[4], l[0], l[1], l[2], l[3]])
    } else {
        GFp5Target(l)
    }
}

/// Per-limb scales for a product followed by `· k·z`: `[k, k, k, k, 3k]`.
pub fn z_scales(k: F) -> [F; 5] {
    [k, k, k, k, k * F::from_canonical_u64(3)]
}

/// Reading and writing GF(p^5) values in witnesses.
pub trait WitnessGFp5: Witness<F> {
    /// Sets the five limbs of `t` to those of `v`.
    fn set_gfp5_target(&mut self, t: GFp5Target, v: GFp5) -> anyhow::Result<()> {
        for (x, y) in t.0.into_iter().zip(v.to_elements()) {
            self.set_target(x, y)?;
        }
        Ok(())
    }

    /// The value of `t`.
    fn get_gfp5_target(&self, t: GFp5Target) -> GFp5 {
        GFp5::new(t.0.map(|x| self.get_target(x)))
    }
}

impl<W: Witness<F>> WitnessGFp5 for W {}

/// Reads a GF(p^5) value from a partition witness (used by hints).
pub(crate) fn read_gfp5(w: &PartitionWitness<'_, F>, t: &GFp5Target) -> GFp5 {
    GFp5::new(t.0.map(|x| w.get_target(x)))
}

/// Writes a GF(p^5) value from a hint.
pub(crate) fn write_gfp5(
    out: &mut GeneratedValues<F>,
    t: &GFp5Target,
    v: GFp5,
) -> anyhow::Result<()> {
    for (x, y) in t.0.iter().zip(v.to_elements()) {
        out.set_target(*x, y)?;
    }
    Ok(())
}

pub(crate) fn write_gfp5_target(dst: &mut Vec<u8>, t: &GFp5Target) -> IoResult<()> {
    dst.write_target_array(&t.0)
}

pub(crate) fn read_gfp5_target(src: &mut Buffer<'_>) -> IoResult<GFp5Target> {
    Ok(GFp5Target(src.read_target_array()?))
}

/// Hint: `out = num / den` (0 when `den = 0`, as [`GFp5::div_by`]).
#[derive(Debug, Clone)]
struct QuotientHint {
    num: GFp5Target,
    den: GFp5Target,
    out: GFp5Target,
}

impl SimpleGenerator<F, D> for QuotientHint {
    fn id(&self) -> String {
        "proofbook::GFp5QuotientHint".into()
    }

    fn dependencies(&self) -> Vec<Target> {
        self.num.0.iter().chain(self.den.0.iter()).copied().collect()
    }

    fn run_once(
        &self,
        w: &PartitionWitness<'_, F>,
        out: &mut GeneratedValues<F>,
    ) -> anyhow::Result<()> {
        let q = read_gfp5(w, &self.num).div_by(&read_gfp5(w, &self.den));
        write_gfp5(out, &self.out, q)
    }

    fn serialize(&self, dst: &mut Vec<u8>, _: &CommonCircuitData<F, D>) -> IoResult<()> {
        write_gfp5_target(dst, &self.num)?;
        write_gfp5_target(dst, &self.den)?;
        write_gfp5_target(dst, &self.out)
    }

    fn deserialize(src: &mut Buffer<'_>, _: &CommonCircuitData<F, D>) -> IoResult<Self> {
        Ok(Self {
            num: read_gfp5_target(src)?,
            den: read_gfp5_target(src)?,
            out: read_gfp5_target(src)?,
        })
    }
}

/// Hint: `out = [a = 0]`.
#[derive(Debug, Clone)]
struct IsZeroHint {
    a: GFp5Target,
    out: Target,
}

impl SimpleGenerator<F, D> for IsZeroHint {
    fn id(&self) -> String {
        "proofbook::GFp5IsZeroHint".into()
    }

    fn dependencies(&self) -> Vec<Target> {
        self.a.0.to_vec()
    }

    fn run_once(
        &self,
        w: &PartitionWitness<'_, F>,
        out: &mut GeneratedValues<F>,
    ) -> anyhow::Result<()> {
        let z = read_gfp5(w, &self.a).is_zero();
        out.set_target(self.out, F::from_bool(z))
    }

    fn serialize(&self, dst: &mut Vec<u8>, _: &CommonCircuitData<F, D>) -> IoResult<()> {
        write_gfp5_target(dst, &self.a)?;
        dst.write_target(self.out)
    }

    fn deserialize(src: &mut Buffer<'_>, _: &CommonCircuitData<F, D>) -> IoResult<Self> {
        Ok(Self { a: read_gfp5_target(src)?, out: src.read_target()? })
    }
}

/// Hint: a square root of `a` ([`GFp5::sqrt`]); zero when there is none (the check then
/// fails as a constraint, not as a hint error).
#[derive(Debug, Clone)]
struct SqrtHint {
    a: GFp5Target,
    out: GFp5Target,
}

impl SimpleGenerator<F, D> for SqrtHint {
    fn id(&self) -> String {
        "proofbook::GFp5SqrtHint".into()
    }

    fn dependencies(&self) -> Vec<Target> {
        self.a.0.to_vec()
    }

    fn run_once(
        &self,
        w: &PartitionWitness<'_, F>,
        out: &mut GeneratedValues<F>,
    ) -> anyhow::Result<()> {
        let r = read_gfp5(w, &self.a).sqrt().unwrap_or(GFp5::ZERO);
        write_gfp5(out, &self.out, r)
    }

    fn serialize(&self, dst: &mut Vec<u8>, _: &CommonCircuitData<F, D>) -> IoResult<()> {
        write_gfp5_target(dst, &self.a)?;
        write_gfp5_target(dst, &self.out)
    }

    fn deserialize(src: &mut Buffer<'_>, _: &CommonCircuitData<F, D>) -> IoResult<Self> {
        Ok(Self { a: read_gfp5_target(src)?, out: read_gfp5_target(src)? })
    }
}

/// The canonical `u64` of a field element (for hints).
pub(crate) fn canon(x: F) -> u64 {
    x.to_canonical_u64()
}

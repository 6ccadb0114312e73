//! Goldilocks (`p = 2^64 - 2^32 + 1`) and its quadratic extension emulated over BN254 `Fr`.
//!
//! A [`GoldilocksVar`] is an `Fr` variable holding a non-negative **integer** `< 2^bits` that is
//! congruent mod `p` to the Goldilocks element it stands for (lazy reduction). Additions and
//! multiplications act on the integers (one R1CS constraint per product, none per sum) and only
//! grow `bits`; while `bits ≤ MAX_BITS = 250` no integer reaches `r > 2^253`, so `Fr` arithmetic
//! equals integer arithmetic. [`GoldilocksVar::reduce`] brings an integer back to its canonical
//! residue with a hint `x = q·p + y` pinned by range checks on `q` and `y` and one linear
//! constraint; it runs automatically when an operation would exceed `MAX_BITS`, and wherever a
//! canonical value is required (hashing, comparison of challenges).

use ark_bn254::Fr;
use ark_ff::{Field as _, PrimeField};
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::prelude::*;
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};
use plonky2::field::extension::quadratic::QuadraticExtension;
use plonky2::field::extension::FieldExtension;
use plonky2::field::goldilocks_field::GoldilocksField;
use plonky2::field::types::{Field, PrimeField64};

type F = GoldilocksField;
/// The Goldilocks quadratic extension `F_p[X]/(X^2 - 7)`.
pub type F2 = QuadraticExtension<F>;

/// The Goldilocks modulus.
pub const P: u64 = 0xFFFF_FFFF_0000_0001;
/// Largest integer width a [`GoldilocksVar`] may reach before it is reduced (`2^250 < r`,
/// with room for one more addition).
pub const MAX_BITS: u32 = 250;
/// `W` of the quadratic extension: `X^2 = 7`.
pub const EXT_W: u64 = 7;
/// Bits an extension product adds beyond `a.bits + b.bits`: 3 for the factor 7, 1 for the sum,
/// 1 so that the sum stays below `add`'s reduction threshold.
pub const EXT_MUL_SLACK: u32 = 5;

/// `2^k · p` as an `Fr` constant (`k ≤ 186`): a multiple of `p` at least `2^(k+63)`.
fn p_times_pow2(k: u32) -> Fr {
    Fr::from(P) * Fr::from(2u64).pow([u64::from(k)])
}

/// Allocates `bits` boolean witnesses equal to the low bits of `x`'s value and enforces
/// `Σ b_i 2^i = x`: `x < 2^bits`. Costs `bits + 1` constraints.
pub fn range_check(x: &FpVar<Fr>, bits: u32) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
    let (b, _rest) = x.to_bits_le_with_top_bits_zero(bits as usize)?;
    Ok(b)
}

/// Enforces that the 64 little-endian `bits` encode a value `< p`: if the high 32 bits are all
/// one, the low 32 bits are zero (`p - 1 = 2^64 - 2^32`).
fn enforce_below_p(bits: &[Boolean<Fr>]) -> Result<(), SynthesisError> {
    let hi = Boolean::le_bits_to_fp(&bits[32..64])?;
    let lo = Boolean::le_bits_to_fp(&bits[..32])?;
    let hi_max = hi.is_eq(&FpVar::constant(Fr::from(u64::from(u32::MAX))))?;
    lo.mul_equals(&FpVar::from(hi_max), &FpVar::zero())
}

/// An emulated Goldilocks element (see the module docs).
#[derive(Clone, Debug)]
pub struct GoldilocksVar {
    /// The integer, as an `Fr` variable.
    pub value: FpVar<Fr>,
    /// The integer is `< 2^bits`.
    pub bits: u32,
    /// The integer is the canonical residue (`< p`).
    pub canonical: bool,
}

impl GoldilocksVar {
    /// A constant (canonical).
    pub fn constant(x: F) -> Self {
        Self { value: FpVar::constant(Fr::from(x.to_canonical_u64())), bits: 64, canonical: true }
    }

    /// A witness, range-checked to be canonical (65 + 3 constraints).
    pub fn new_witness(cs: ConstraintSystemRef<Fr>, x: Option<F>) -> Result<Self, SynthesisError> {
        let value = FpVar::new_witness(cs, || {
            x.map(|x| Fr::from(x.to_canonical_u64())).ok_or(SynthesisError::AssignmentMissing)
        })?;
        Self::from_canonical_fp(value)
    }

    /// Wraps an `Fr` variable after enforcing it is a canonical Goldilocks value.
    pub fn from_canonical_fp(value: FpVar<Fr>) -> Result<Self, SynthesisError> {
        // Soundness: 64 bits plus the `< p` test pin the value to a canonical residue.
        let bits = range_check(&value, 64)?;
        enforce_below_p(&bits)?;
        Ok(Self { value, bits: 64, canonical: true })
    }

    /// Wraps an `Fr` variable already known to be `< 2^bits` with `bits ≤ 63` (so canonical).
    pub fn from_small(value: FpVar<Fr>, bits: u32) -> Self {
        debug_assert!(bits <= 63);
        Self { value, bits, canonical: true }
    }

    /// The Goldilocks element (the integer reduced mod p), if assigned.
    pub fn element(&self) -> Result<F, SynthesisError> {
        let v = self.value.value()?;
        Ok(BigUintLite::from_fr(v).mod_p())
    }

    /// The canonical residue: hint `x = q·p + y`, `y < p` (64 bits + `< p` test),
    /// `q < 2^(bits - 63)`; one linear constraint ties them. A no-op on canonical values.
    pub fn reduce(&self) -> Result<Self, SynthesisError> {
        if self.canonical {
            return Ok(self.clone());
        }
        if let FpVar::Constant(c) = &self.value {
            return Ok(Self::constant(BigUintLite::from_fr(*c).mod_p()));
        }
        let cs = self.value.cs();
        let big = self.value.value().ok().map(BigUintLite::from_fr);
        let q_bits = self.bits.saturating_sub(63).max(1);
        let y = Self::new_witness(cs.clone(), big.as_ref().map(BigUintLite::mod_p))?;
        let q = FpVar::new_witness(cs, || {
            big.as_ref().map(BigUintLite::div_p).ok_or(SynthesisError::AssignmentMissing)
        })?;
        // Soundness: q < 2^q_bits and y < p make q·p + y < 2^(bits+1) < r, so the Fr equation
        // below is an integer equation and y is x mod p.
        range_check(&q, q_bits)?;
        self.value.enforce_equal(&(q * Fr::from(P) + &y.value))?;
        Ok(y)
    }

    fn reduce_if_over(&self, budget: u32) -> Result<Self, SynthesisError> {
        if self.bits > budget {
            self.reduce()
        } else {
            Ok(self.clone())
        }
    }

    /// `self + other` (no constraint).
    pub fn add(&self, other: &Self) -> Result<Self, SynthesisError> {
        let a = self.reduce_if_over(MAX_BITS - 1)?;
        let b = other.reduce_if_over(MAX_BITS - 1)?;
        Ok(Self { value: &a.value + &b.value, bits: a.bits.max(b.bits) + 1, canonical: false })
    }

    /// `self - other`, computed as `self + (2^k·p - other)` with `2^k·p ≥ 2^other.bits`
    /// (no constraint).
    pub fn sub(&self, other: &Self) -> Result<Self, SynthesisError> {
        let a = self.reduce_if_over(MAX_BITS - 2)?;
        let b = other.reduce_if_over(MAX_BITS - 2)?;
        let k = b.bits.saturating_sub(63);
        let shifted = FpVar::constant(p_times_pow2(k)) - &b.value;
        Ok(Self { value: &a.value + &shifted, bits: a.bits.max(k + 64) + 1, canonical: false })
    }

    /// `self · other` (one constraint; operands are reduced first if the product could exceed
    /// `MAX_BITS`).
    pub fn mul(&self, other: &Self) -> Result<Self, SynthesisError> {
        let (mut a, mut b) = (self.clone(), other.clone());
        if a.bits + b.bits > MAX_BITS {
            a = a.reduce()?;
        }
        if a.bits + b.bits > MAX_BITS {
            b = b.reduce()?;
        }
        Ok(Self { value: &a.value * &b.value, bits: a.bits + b.bits, canonical: false })
    }

    /// `self · c` for a constant (no constraint). The width grows by the bit length of the
    /// canonical `c` (3 bits for the extension's `W = 7`, not 64).
    pub fn mul_const(&self, c: F) -> Result<Self, SynthesisError> {
        let c = c.to_canonical_u64();
        let c_bits = u64::BITS - c.leading_zeros();
        let a = self.reduce_if_over(MAX_BITS - c_bits)?;
        Ok(Self { value: &a.value * Fr::from(c), bits: a.bits + c_bits, canonical: false })
    }

    /// Enforces `self ≡ other (mod p)`: the difference (made non-negative) is `q·p` with
    /// `q` range-checked.
    pub fn enforce_equal(&self, other: &Self) -> Result<(), SynthesisError> {
        let d = self.sub(other)?;
        if let FpVar::Constant(c) = &d.value {
            return if BigUintLite::from_fr(*c).mod_p() == F::ZERO {
                Ok(())
            } else {
                Err(SynthesisError::Unsatisfiable)
            };
        }
        let cs = d.value.cs();
        let big = d.value.value().ok().map(BigUintLite::from_fr);
        let q = FpVar::new_witness(cs, || {
            big.as_ref().map(BigUintLite::div_p).ok_or(SynthesisError::AssignmentMissing)
        })?;
        // Soundness: q < 2^(bits-62) keeps q·p below r, so d = q·p holds over the integers.
        range_check(&q, d.bits.saturating_sub(62).max(1))?;
        d.value.enforce_equal(&(q * Fr::from(P)))
    }
}

/// An element of the quadratic extension `c0 + c1·X`, `X^2 = 7`.
#[derive(Clone, Debug)]
pub struct GoldilocksExtVar {
    /// Coefficients `[c0, c1]`.
    pub c: [GoldilocksVar; 2],
}

impl GoldilocksExtVar {
    /// A constant.
    pub fn constant(x: F2) -> Self {
        let [a, b] = <F2 as FieldExtension<2>>::to_basefield_array(&x);
        Self { c: [GoldilocksVar::constant(a), GoldilocksVar::constant(b)] }
    }

    /// A witness (both coordinates canonical).
    pub fn new_witness(cs: ConstraintSystemRef<Fr>, x: Option<F2>) -> Result<Self, SynthesisError> {
        let arr = x.map(|x| <F2 as FieldExtension<2>>::to_basefield_array(&x));
        Ok(Self {
            c: [
                GoldilocksVar::new_witness(cs.clone(), arr.map(|a| a[0]))?,
                GoldilocksVar::new_witness(cs, arr.map(|a| a[1]))?,
            ],
        })
    }

    /// The value, if assigned.
    pub fn element(&self) -> Result<F2, SynthesisError> {
        Ok(<F2 as FieldExtension<2>>::from_basefield_array([
            self.c[0].element()?,
            self.c[1].element()?,
        ]))
    }

    /// Sum.
    pub fn add(&self, o: &Self) -> Result<Self, SynthesisError> {
        Ok(Self { c: [self.c[0].add(&o.c[0])?, self.c[1].add(&o.c[1])?] })
    }

    /// Difference.
    pub fn sub(&self, o: &Self) -> Result<Self, SynthesisError> {
        Ok(Self { c: [self.c[0].sub(&o.c[0])?, self.c[1].sub(&o.c[1])?] })
    }

    /// The wider coordinate's bit width.
    pub fn max_bits(&self) -> u32 {
        self.c[0].bits.max(self.c[1].bits)
    }

    /// Product: `(a0 b0 + 7 a1 b1) + (a0 b1 + a1 b0) X` (4 constraints). Each coordinate enters
    /// two products, so an operand too wide for them is reduced once here (not once per
    /// product); `EXT_MUL_SLACK` keeps `a0 b0 + 7 a1 b1` within `MAX_BITS`.
    pub fn mul(&self, o: &Self) -> Result<Self, SynthesisError> {
        let (mut a, mut b) = (self.clone(), o.clone());
        if a.max_bits() + b.max_bits() + EXT_MUL_SLACK > MAX_BITS {
            a = a.reduce()?;
        }
        if a.max_bits() + b.max_bits() + EXT_MUL_SLACK > MAX_BITS {
            b = b.reduce()?;
        }
        let a0b0 = a.c[0].mul(&b.c[0])?;
        let a1b1 = a.c[1].mul(&b.c[1])?;
        let a0b1 = a.c[0].mul(&b.c[1])?;
        let a1b0 = a.c[1].mul(&b.c[0])?;
        Ok(Self {
            c: [a0b0.add(&a1b1.mul_const(F::from_canonical_u64(EXT_W))?)?, a0b1.add(&a1b0)?],
        })
    }

    /// `0`.
    pub fn zero() -> Self {
        Self::constant(F2::ZERO)
    }

    /// `1`.
    pub fn one() -> Self {
        Self::constant(F2::ONE)
    }

    /// A base-field element embedded as `x + 0·X` (no constraint).
    pub fn from_base(x: &GoldilocksVar) -> Self {
        Self { c: [x.clone(), GoldilocksVar::constant(F::ZERO)] }
    }

    /// Product by an extension constant `k0 + k1·X`: `(a0 k0 + 7 a1 k1) + (a0 k1 + a1 k0)·X`
    /// (no constraint).
    pub fn mul_const_ext(&self, k: F2) -> Result<Self, SynthesisError> {
        let [k0, k1] = <F2 as FieldExtension<2>>::to_basefield_array(&k);
        if k1 == F::ZERO {
            return self.mul_const(k0);
        }
        let w_k1 = k1 * F::from_canonical_u64(EXT_W);
        Ok(Self {
            c: [
                self.c[0].mul_const(k0)?.add(&self.c[1].mul_const(w_k1)?)?,
                self.c[0].mul_const(k1)?.add(&self.c[1].mul_const(k0)?)?,
            ],
        })
    }

    /// Product by a base-field constant (no constraint).
    pub fn mul_const(&self, k: F) -> Result<Self, SynthesisError> {
        Ok(Self { c: [self.c[0].mul_const(k)?, self.c[1].mul_const(k)?] })
    }

    /// Product by a base-field element (2 constraints; a too wide `s` is reduced once).
    pub fn scale(&self, s: &GoldilocksVar) -> Result<Self, SynthesisError> {
        let mut a = self.clone();
        if a.max_bits() + s.bits > MAX_BITS {
            a = a.reduce()?;
        }
        let s = if a.max_bits() + s.bits > MAX_BITS { s.reduce()? } else { s.clone() };
        Ok(Self { c: [a.c[0].mul(&s)?, a.c[1].mul(&s)?] })
    }

    /// Both coordinates reduced to canonical form.
    pub fn reduce(&self) -> Result<Self, SynthesisError> {
        Ok(Self { c: [self.c[0].reduce()?, self.c[1].reduce()?] })
    }

    /// Enforces equality in the extension.
    pub fn enforce_equal(&self, o: &Self) -> Result<(), SynthesisError> {
        self.c[0].enforce_equal(&o.c[0])?;
        self.c[1].enforce_equal(&o.c[1])
    }
}

/// The integer of an `Fr` value as little-endian 64-bit words, for the hints.
struct BigUintLite([u64; 4]);

impl BigUintLite {
    fn from_fr(x: Fr) -> Self {
        Self(x.into_bigint().0)
    }

    /// Long division by `p` from the top word: (quotient, remainder).
    fn divmod_p(&self) -> ([u64; 4], u64) {
        let mut q = [0u64; 4];
        let mut rem: u128 = 0;
        for i in (0..4).rev() {
            let cur = (rem << 64) | u128::from(self.0[i]);
            q[i] = (cur / u128::from(P)) as u64;
            rem = cur % u128::from(P);
        }
        (q, rem as u64)
    }

    fn mod_p(&self) -> F {
        F::from_canonical_u64(self.divmod_p().1)
    }

    fn div_p(&self) -> Fr {
        let (q, _) = self.divmod_p();
        Fr::from_bigint(ark_ff::BigInt(q)).expect("a quotient by p is below r")
    }
}

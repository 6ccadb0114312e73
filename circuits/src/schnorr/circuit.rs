//! In-circuit twin of [`verify`](super::verify): Schnorr verification over ecGFp5.
//!
//! The circuit checks exactly the native rule: with `Q` decoded from the key's encoding
//! (non-neutral, valid), `R' = s·G + e·Q` where `e` is the digest read as the integer
//! `Σ e_i·2^(64·i)` ([`Scalar::from_digest`](crate::ecgfp5::Scalar::from_digest)), and
//! `H(tag::SIG, enc(R') ‖ enc(Q) ‖ msg) = e`.
//!
//! One difference in range, not in meaning: `s` is any integer below 2^320 (ten 32-bit
//! limbs) rather than a canonical scalar below n. `s` and `s + n` give the same `R'`, so the
//! set of messages a key can be shown to have signed is the same; only the byte form
//! ([`Signature::from_bytes`](super::Signature::from_bytes)) insists on `s < n`.
//!
//! Usage (the chunk circuits call this once per signed transaction slot):
//! ```ignore
//! let pk = builder.add_virtual_public_key_target();
//! let sig = builder.add_virtual_schnorr_signature_target();
//! builder.verify_schnorr_if(slot_is_order, pk, &msg_targets, sig);
//! // witness:
//! pw.set_public_key_target(pk, &public_key)?;
//! pw.set_schnorr_signature_target(sig, &signature)?;
//! ```

use plonky2::field::types::Field;
use plonky2::hash::hash_types::HashOutTarget;
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::WitnessWrite;
use plonky2::plonk::circuit_builder::CircuitBuilder;

use super::{PublicKey, Signature};
use crate::ecgfp5::circuit::{
    CircuitBuilderEcGFp5, CircuitBuilderGFp5, CircuitBuilderScalar, GFp5Target, ScalarTarget,
    WitnessGFp5, WitnessScalar, D,
};
use crate::ecgfp5::{GFp5, Point};
use crate::hash::{tag, F};

/// A public key in a circuit: the five field elements of its encoding `w` (the form kept
/// in account leaves).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublicKeyTarget {
    /// The encoding `w`.
    pub w: GFp5Target,
}

/// A signature `(s, e)` in a circuit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SchnorrSignatureTarget {
    /// The response, ten 32-bit limbs (range-checked by the verification gadget).
    pub s: ScalarTarget,
    /// The challenge digest (four field elements).
    pub e: HashOutTarget,
}

/// Schnorr verification gadgets.
pub trait CircuitBuilderSchnorr {
    /// A fresh public key set by the witness.
    fn add_virtual_public_key_target(&mut self) -> PublicKeyTarget;
    /// A fresh signature set by the witness.
    fn add_virtual_schnorr_signature_target(&mut self) -> SchnorrSignatureTarget;
    /// In-circuit twin of [`verify`](super::verify): the circuit is satisfiable only if
    /// `sig` is a valid signature of `msg` under `pk` (a valid, non-neutral key).
    fn verify_schnorr(&mut self, pk: PublicKeyTarget, msg: &[Target], sig: SchnorrSignatureTarget);
    /// [`CircuitBuilderSchnorr::verify_schnorr`] enforced only when `cond` is true; when
    /// it is false any values (an empty slot's zeros included) satisfy the circuit.
    /// `cond` must be boolean (the caller's `BoolTarget` guarantee).
    fn verify_schnorr_if(
        &mut self,
        cond: BoolTarget,
        pk: PublicKeyTarget,
        msg: &[Target],
        sig: SchnorrSignatureTarget,
    );
}

impl CircuitBuilderSchnorr for CircuitBuilder<F, D> {
    fn add_virtual_public_key_target(&mut self) -> PublicKeyTarget {
        PublicKeyTarget { w: self.add_virtual_gfp5_target() }
    }

    fn add_virtual_schnorr_signature_target(&mut self) -> SchnorrSignatureTarget {
        SchnorrSignatureTarget { s: self.add_virtual_scalar_target(), e: self.add_virtual_hash() }
    }

    fn verify_schnorr(&mut self, pk: PublicKeyTarget, msg: &[Target], sig: SchnorrSignatureTarget) {
        let h = recompute_challenge(self, pk.w, msg, sig.s, sig.e);
        for (a, b) in h.elements.into_iter().zip(sig.e.elements) {
            self.connect(a, b);
        }
    }

    fn verify_schnorr_if(
        &mut self,
        cond: BoolTarget,
        pk: PublicKeyTarget,
        msg: &[Target],
        sig: SchnorrSignatureTarget,
    ) {
        // With cond = 0 the key is replaced by the generator's encoding, so decoding (and
        // every hint) stays satisfiable whatever the slot holds; the final equality is
        // multiplied by cond.
        // s and e are multiplied by cond for the same reason (an empty slot's s limbs need
        // not be 32-bit values).
        let g = self.gfp5_constant(Point::GENERATOR.encode());
        let w = self.gfp5_select(cond, pk.w, g);
        let s = ScalarTarget { limbs: sig.s.limbs.map(|l| self.mul(cond.target, l)) };
        let e = HashOutTarget { elements: sig.e.elements.map(|x| self.mul(cond.target, x)) };
        // When enforced (cond = 1) every selected value is the caller's own.
        let h = recompute_challenge(self, w, msg, s, e);
        for (a, b) in h.elements.into_iter().zip(e.elements) {
            let d = self.sub(a, b);
            let t = self.mul(cond.target, d);
            self.assert_zero(t);
        }
    }
}

/// `H(tag::SIG, enc(s·G + e·Q) ‖ w ‖ msg)` for the key encoding `w`.
fn recompute_challenge(
    b: &mut CircuitBuilder<F, D>,
    w: GFp5Target,
    msg: &[Target],
    s: ScalarTarget,
    e: HashOutTarget,
) -> HashOutTarget {
    let (_, q) = b.point_decode_non_neutral_affine(w);
    let s_digits = b.scalar_digits_unchecked(s);
    let e_digits = b.digest_digits_unchecked(e);
    // Every digit above is a lookup index inside point_mul_add (4-bit range check there).
    let r = b.point_mul_add(&s_digits, &e_digits, q);
    let wr = b.point_encode(r);
    let mut input = Vec::with_capacity(11 + msg.len());
    input.push(b.constant(F::from_canonical_u64(tag::SIG)));
    input.extend_from_slice(&wr.0);
    input.extend_from_slice(&w.0);
    input.extend_from_slice(msg);
    b.hash_n_to_hash_no_pad::<PoseidonHash>(input)
}

/// Writing keys and signatures into witnesses.
pub trait WitnessSchnorr: WitnessWrite<F> + plonky2::iop::witness::Witness<F> + Sized {
    /// Sets `t` to the encoding of `pk`.
    fn set_public_key_target(&mut self, t: PublicKeyTarget, pk: &PublicKey) -> anyhow::Result<()> {
        self.set_gfp5_target(t.w, pk.encoding())
    }

    /// Sets `t` to a raw encoding (possibly invalid: for tests of rejection and for empty
    /// slots).
    fn set_public_key_encoding(&mut self, t: PublicKeyTarget, w: GFp5) -> anyhow::Result<()> {
        self.set_gfp5_target(t.w, w)
    }

    /// Sets `t` to `sig`.
    fn set_schnorr_signature_target(
        &mut self,
        t: SchnorrSignatureTarget,
        sig: &Signature,
    ) -> anyhow::Result<()> {
        self.set_scalar_target(t.s, &sig.s)?;
        self.set_hash_target(t.e, sig.e)
    }
}

impl<W: WitnessWrite<F> + plonky2::iop::witness::Witness<F>> WitnessSchnorr for W {}

//! `check_signer` ([`crate::tx`]) in a circuit, and the nonce bump every account-signed
//! transaction makes: what Withdraw, Transfer and CancelOrder share, asserted on the slot's
//! first account update when `sel` (the slot holds one of them) is 1.
//!
//! Native rule → constraint:
//! - the account has a key (`NoKey`) → `has_key(old)` (which also makes the leaf non-empty:
//!   the account exists);
//! - the signature verifies under the account's current key over the transaction's
//!   message, which binds the account's current nonce (`BadSignature`, `WrongNonce`) →
//!   `verify_schnorr_if(sel, old.pubkey, msg, sig)`, the message built by the type module
//!   with `old.nonce`;
//! - `nonce + 1` without overflow → `new.nonce = old.nonce + 1 < 2^32`;
//! - key and owner never change here → `new.pubkey = old.pubkey`, `new.l1 = old.l1`.

use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::target::BoolTarget;
use plonky2::iop::witness::PartialWitness;
use plonky2::plonk::circuit_builder::CircuitBuilder;

use crate::circuit::slot::AccountUpdateTargets;
use crate::circuit::witness::set;
use crate::circuit::CircuitError;
use crate::ecgfp5::circuit::{GFp5Target, WitnessScalar};
use crate::gadgets::range::RangeGadgets;
use crate::hash::{fe, D, F};
use crate::schnorr::circuit::{CircuitBuilderSchnorr, PublicKeyTarget, SchnorrSignatureTarget};
use crate::schnorr::Signature;

/// The signer's targets: the signature (one Schnorr verification per slot).
#[derive(Clone, Debug)]
pub struct SignerTargets {
    /// The signature.
    pub signature: SchnorrSignatureTarget,
}

/// Asserts the signer's rules (module docs) when `sel` is 1: the key of `acct`'s old leaf
/// signed `msg`.
pub fn constrain(
    builder: &mut CircuitBuilder<F, D>,
    sel: BoolTarget,
    acct: &AccountUpdateTargets,
    msg: HashOutTarget,
) -> SignerTargets {
    let (old, new) = (&acct.old, &acct.new);
    let one = builder.one();
    let has_key = old.has_key(builder);
    builder.connect_if(sel, has_key.target, one);

    let signature = builder.add_virtual_schnorr_signature_target();
    let pk = PublicKeyTarget { w: GFp5Target(old.pubkey) };
    builder.verify_schnorr_if(sel, pk, &msg.elements, signature);

    let bumped = builder.add(old.nonce, one);
    builder.connect_if(sel, new.nonce, bumped);
    builder.check_bits_if(sel, new.nonce, 32);
    for i in 0..5 {
        builder.connect_if(sel, new.pubkey[i], old.pubkey[i]);
        builder.connect_if(sel, new.l1_address[i], old.l1_address[i]);
    }
    SignerTargets { signature }
}

impl SignerTargets {
    /// Sets the signature (zeros when `sig` is `None`: an unsigned slot).
    pub fn set(
        &self,
        pw: &mut PartialWitness<F>,
        sig: Option<&Signature>,
    ) -> Result<(), CircuitError> {
        match sig {
            Some(sig) => {
                pw.set_scalar_target(self.signature.s, &sig.s)
                    .map_err(|e| CircuitError::Witness(e.to_string()))?;
                for (t, v) in self.signature.e.elements.iter().zip(sig.e.elements) {
                    set(pw, *t, v)?;
                }
            }
            None => {
                for t in self.signature.s.limbs.iter().chain(&self.signature.e.elements) {
                    set(pw, *t, fe(0))?;
                }
            }
        }
        Ok(())
    }
}

//! L2 keys derived from an Ethereum wallet signature (DESIGN §5).
//!
//! A trader never stores an L2 key: the wallet signs one fixed, domain-separated message
//! (EIP-191 `personal_sign`) and the ecGFp5 secret key is a hash of that signature (the
//! pattern of Loopring and dYdX). The same wallet recovers the same key on any device, and
//! the message names the product, version, chain and rollup contract so a signature made
//! for another deployment, or another application, yields a different key.
//!
//! Derivation: `sk = SHA-512("proofbook/l2-key/v1" ‖ sig) mod n`, where `sig` is the
//! 65-byte `r ‖ s ‖ v` form (`v` = 27 or 28) of the signature **after normalising it to
//! low-s** (BIP-62), so a wallet that returns the high-s twin of a signature still derives
//! the same key. This relies on the wallet signing deterministically (RFC 6979), as local
//! signers and mainstream hardware wallets do.

use alloy_primitives::{Address, Signature as EthSignature};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use sha2::{Digest as _, Sha512};

use crate::ecgfp5::Scalar;
use crate::schnorr::SecretKey;

/// Domain separation of the key hash.
const KEY_DOMAIN: &[u8] = b"proofbook/l2-key/v1";

/// Why an L2 key could not be derived or a derivation signature was rejected.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The wallet failed to sign the derivation message.
    #[error("wallet signing failed: {0}")]
    Signing(#[from] alloy_signer::Error),
    /// The hash reduced to zero modulo n (probability about 2^−319).
    #[error("derived key is zero")]
    ZeroKey,
    /// No signer address could be recovered from the signature.
    #[error("cannot recover the signer: {0}")]
    Recovery(#[from] alloy_primitives::SignatureError),
    /// The signature was made by a different address.
    #[error("derivation message signed by {recovered}, expected {expected}")]
    WrongSigner {
        /// The address the caller expected.
        expected: Address,
        /// The address that actually signed.
        recovered: Address,
    },
}

/// The text a wallet signs to derive its proofbook L2 key.
///
/// Fixed layout (lines separated by `\n`, no trailing newline):
/// ```text
/// proofbook: derive my L2 trading key
///
/// Version: 1
/// Chain ID: <chain_id, decimal>
/// Rollup: <rollup contract address, EIP-55 checksummed>
///
/// Sign this message only on proofbook. Your signature is your proofbook trading key:
/// anyone who obtains it can place orders and move funds in your proofbook account.
/// Signing it costs no gas and sends no transaction.
/// ```
/// (the warning is one line in the real message). Changing any byte changes every derived
/// key, so the text is versioned and frozen.
pub fn key_derivation_message(chain_id: u64, rollup: &Address) -> String {
    format!(
        "proofbook: derive my L2 trading key\n\
         \n\
         Version: 1\n\
         Chain ID: {chain_id}\n\
         Rollup: {}\n\
         \n\
         Sign this message only on proofbook. Your signature is your proofbook trading key: \
         anyone who obtains it can place orders and move funds in your proofbook account. \
         Signing it costs no gas and sends no transaction.",
        rollup.to_checksum(None)
    )
}

/// The L2 secret key of a derivation signature:
/// `SHA-512("proofbook/l2-key/v1" ‖ low-s(sig) as r ‖ s ‖ v) mod n`, non-zero.
pub fn derive_l2_key(sig: &EthSignature) -> Result<SecretKey, KeyError> {
    let normalized = sig.normalized_s();
    let mut h = Sha512::new();
    h.update(KEY_DOMAIN);
    h.update(normalized.as_bytes());
    SecretKey::new(Scalar::decode_reduce(&h.finalize())).map_err(|_| KeyError::ZeroKey)
}

/// Signs the derivation message for `chain_id` and `rollup` with `signer` (EIP-191) and
/// derives the L2 key from the signature.
pub fn derive_l2_key_with_signer(
    signer: &PrivateKeySigner,
    chain_id: u64,
    rollup: &Address,
) -> Result<SecretKey, KeyError> {
    let msg = key_derivation_message(chain_id, rollup);
    let sig = signer.sign_message_sync(msg.as_bytes())?;
    derive_l2_key(&sig)
}

/// Checks that `sig` is `expected`'s EIP-191 signature of the derivation message for
/// `chain_id` and `rollup` (by recovering the signer's address).
pub fn check_derivation_signature(
    sig: &EthSignature,
    chain_id: u64,
    rollup: &Address,
    expected: Address,
) -> Result<(), KeyError> {
    let msg = key_derivation_message(chain_id, rollup);
    let recovered = sig.recover_address_from_msg(msg.as_bytes())?;
    if recovered != expected {
        return Err(KeyError::WrongSigner { expected, recovered });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{address, B256};

    const ROLLUP: Address = address!("0x00000000000000000000000000000000000000aa");

    fn wallet(byte: u8) -> PrivateKeySigner {
        PrivateKeySigner::from_bytes(&B256::repeat_byte(byte))
            .unwrap_or_else(|e| panic!("valid test key: {e}"))
    }

    #[test]
    fn message_layout() {
        let m = key_derivation_message(1, &ROLLUP);
        assert!(m.starts_with("proofbook: derive my L2 trading key\n\nVersion: 1\nChain ID: 1\n"));
        assert!(m.contains("Rollup: 0x00000000000000000000000000000000000000AA\n"));
        assert!(m.contains("Sign this message only on proofbook."));
        assert!(!m.ends_with('\n'));
    }

    #[test]
    fn derivation_is_deterministic_and_separated() -> anyhow::Result<()> {
        let w = wallet(0x11);
        let k1 = derive_l2_key_with_signer(&w, 1, &ROLLUP)?;
        let k2 = derive_l2_key_with_signer(&w, 1, &ROLLUP)?;
        assert_eq!(k1.to_bytes(), k2.to_bytes());
        assert_eq!(k1.public_key(), k2.public_key());

        let other_chain = derive_l2_key_with_signer(&w, 5, &ROLLUP)?;
        let other_rollup = derive_l2_key_with_signer(&w, 1, &Address::repeat_byte(0xbb))?;
        let other_wallet = derive_l2_key_with_signer(&wallet(0x22), 1, &ROLLUP)?;
        for k in [&other_chain, &other_rollup, &other_wallet] {
            assert_ne!(k.to_bytes(), k1.to_bytes());
        }

        // The key signs and verifies.
        let msg = [crate::hash::fe(42)];
        let sig = k1.sign(&msg);
        assert!(crate::schnorr::verify(&k1.public_key(), &msg, &sig).is_ok());
        Ok(())
    }

    #[test]
    fn high_s_twin_derives_the_same_key() -> anyhow::Result<()> {
        let w = wallet(0x33);
        let msg = key_derivation_message(1, &ROLLUP);
        let sig = w.sign_message_sync(msg.as_bytes())?;
        // secp256k1 order.
        let n = alloy_primitives::U256::from_str_radix(
            "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
            16,
        )?;
        let twin = EthSignature::new(sig.r(), n - sig.s(), !sig.v());
        assert_ne!(twin.as_bytes(), sig.as_bytes());
        assert_eq!(derive_l2_key(&twin)?.to_bytes(), derive_l2_key(&sig)?.to_bytes());
        Ok(())
    }

    #[test]
    fn recovery_check() -> anyhow::Result<()> {
        let w = wallet(0x44);
        let msg = key_derivation_message(7, &ROLLUP);
        let sig = w.sign_message_sync(msg.as_bytes())?;
        assert!(check_derivation_signature(&sig, 7, &ROLLUP, w.address()).is_ok());
        // Another address is rejected.
        let other = wallet(0x55).address();
        assert!(matches!(
            check_derivation_signature(&sig, 7, &ROLLUP, other),
            Err(KeyError::WrongSigner { recovered, .. }) if recovered == w.address()
        ));
        // The same signature presented for another chain recovers someone else.
        assert!(check_derivation_signature(&sig, 8, &ROLLUP, w.address()).is_err());
        Ok(())
    }
}

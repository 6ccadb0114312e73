//! Client side: a trader's L2 signer, and builders for the transactions a trader or the
//! oracle signs. The sequencer's RPC, the CLI and the tests use the same code.

use alloy_primitives::Address;
use alloy_signer_local::PrivateKeySigner;
use plonky2::field::types::PrimeField64;

use crate::keys::{derive_l2_key_with_signer, KeyError};
use crate::order::{Order, SignedOrder};
use crate::pubdata::PriceEntry;
use crate::schnorr::{sign, SecretKey, Signature};
use crate::state::Config;
use crate::tx::{CancelOrder, OraclePrices, Transfer, Withdraw};

/// An L2 signing key with its encoded public key.
#[derive(Clone, Debug)]
pub struct L2Signer {
    secret: SecretKey,
    pubkey: [u64; 5],
}

impl L2Signer {
    /// From a secret key.
    pub fn new(secret: SecretKey) -> Self {
        let pubkey = secret.public_key().to_elements().map(|e| e.to_canonical_u64());
        Self { secret, pubkey }
    }

    /// Derives the L2 key from an Ethereum wallet's signature of the fixed, domain-separated
    /// message for this deployment (see [`crate::keys`]).
    pub fn from_ethereum(
        wallet: &PrivateKeySigner,
        chain_id: u64,
        rollup: &Address,
    ) -> Result<Self, KeyError> {
        derive_l2_key_with_signer(wallet, chain_id, rollup).map(Self::new)
    }

    /// The encoded public key, as stored in the account leaf.
    pub const fn pubkey(&self) -> [u64; 5] {
        self.pubkey
    }

    /// Signs a message digest.
    pub fn sign_digest(&self, msg: &crate::hash::Digest) -> Signature {
        sign(&self.secret, &msg.elements)
    }

    /// Signs an order for this deployment.
    pub fn sign_order(&self, config: &Config, order: Order) -> SignedOrder {
        SignedOrder { signature: Some(self.sign_digest(&order.hash(config))), order }
    }

    /// A signed withdrawal.
    pub fn withdraw(&self, config: &Config, account_id: u32, amount: u64, nonce: u32) -> Withdraw {
        let signature =
            self.sign_digest(&Withdraw::signing_message(config, account_id, amount, nonce));
        Withdraw { account_id, amount, nonce, signature }
    }

    /// A signed transfer.
    pub fn transfer(
        &self,
        config: &Config,
        from: u32,
        to: u32,
        amount: u64,
        nonce: u32,
    ) -> Transfer {
        let signature =
            self.sign_digest(&Transfer::signing_message(config, from, to, amount, nonce));
        Transfer { from, to, amount, nonce, signature }
    }

    /// A signed cancel.
    pub fn cancel(
        &self,
        config: &Config,
        account_id: u32,
        order_nonce: u32,
        nonce: u32,
    ) -> CancelOrder {
        let signature =
            self.sign_digest(&CancelOrder::signing_message(config, account_id, order_nonce, nonce));
        CancelOrder { account_id, order_nonce, nonce, signature }
    }

    /// A signed oracle update (this signer acting as the oracle).
    pub fn oracle_prices(
        &self,
        config: &Config,
        timestamp: u64,
        entries: Vec<PriceEntry>,
    ) -> OraclePrices {
        let signature =
            self.sign_digest(&OraclePrices::signing_message(config, timestamp, &entries));
        OraclePrices { timestamp, entries, signature }
    }
}

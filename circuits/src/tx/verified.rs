//! Orders verified once, at admission, and trades built from them without verifying again.
//!
//! [`precheck`](super::precheck) of a `Trade` hashes both orders and verifies every signature
//! present. The sequencer's matching engine learns an order's terms (and checks its signature)
//! when the order is submitted, but forms the `Trade` only when the order meets another one,
//! possibly many times: a [`VerifiedOrder`] carries the order hash and the key its signature
//! verified under from admission to every fill, and [`CheckedTx::trade`] turns two of them
//! into the same [`CheckedTx`] `precheck` would have made, with no hashing on the hot path.

use super::{check_order_bounds, sig_ok, CancelOrder, CheckedTx, Trade, Tx};
use crate::error::TxError;
use crate::hash::{Digest, ZERO_DIGEST};
use crate::order::SignedOrder;
use crate::state::Config;

/// A signed order whose bounds and signature were checked. Only [`VerifiedOrder::verify`]
/// makes one.
#[derive(Clone, Debug)]
pub struct VerifiedOrder {
    order: SignedOrder,
    hash: Digest,
    key: [u64; 5],
}

impl VerifiedOrder {
    /// Checks the order's bounds, hashes it and verifies its signature under `pubkey` (the
    /// account's key; a key, once set, never changes). A missing signature is
    /// [`TxError::MissingSignature`], a wrong one [`TxError::BadSignature`], an account
    /// without a key [`TxError::NoKey`] (all for `party`).
    pub fn verify(
        config: &Config,
        pubkey: &[u64; 5],
        order: SignedOrder,
        party: crate::error::Party,
    ) -> Result<Self, TxError> {
        check_order_bounds(&order.order)?;
        if *pubkey == [0; 5] {
            return Err(TxError::NoKey(order.order.account_id));
        }
        let sig = order.signature.as_ref().ok_or(TxError::MissingSignature(party))?;
        let hash = order.order.hash(config);
        if !sig_ok(pubkey, &hash, sig) {
            return Err(TxError::BadSignature(party));
        }
        Ok(Self { order, hash, key: *pubkey })
    }

    /// The signed order.
    pub const fn signed(&self) -> &SignedOrder {
        &self.order
    }

    /// The order's hash (what its slot stores after its first fill).
    pub const fn hash(&self) -> &Digest {
        &self.hash
    }

    /// The order, with its signature if `with_signature` (an order's first fill must carry
    /// it; later fills need not).
    fn as_signed(&self, with_signature: bool) -> SignedOrder {
        SignedOrder {
            order: self.order.order,
            signature: if with_signature { self.order.signature } else { None },
        }
    }
}

impl CheckedTx {
    /// The `Trade` of `size` lots between two verified orders at the maker's price, as
    /// [`precheck`](super::precheck) would check it: `signatures[0]` / `[1]` say whether the
    /// maker's / taker's signature goes into the transaction (required on an order's first
    /// fill, which [`apply_checked`](super::apply_checked) enforces).
    pub fn trade(
        maker: &VerifiedOrder,
        taker: &VerifiedOrder,
        size: u64,
        fees_ppm: [u32; 2],
        signatures: [bool; 2],
    ) -> Self {
        let trade = Trade {
            maker: maker.as_signed(signatures[0]),
            taker: taker.as_signed(signatures[1]),
            size,
            maker_fee_ppm: fees_ppm[0],
            taker_fee_ppm: fees_ppm[1],
        };
        Self {
            tx: Tx::Trade(trade),
            hashes: [maker.hash, taker.hash],
            keys: [maker.key, taker.key],
        }
    }

    /// A signed cancel, its signature verified under `pubkey` (the account's key, which
    /// [`apply_checked`](super::apply_checked) compares with the state's): what
    /// [`precheck`](super::precheck) does, without reading the state, so admission can run
    /// beside the sequential engine.
    pub fn cancel(
        config: &Config,
        pubkey: &[u64; 5],
        cancel: CancelOrder,
    ) -> Result<Self, TxError> {
        if !sig_ok(pubkey, &cancel.message(config), &cancel.signature) {
            return Err(TxError::BadSignature(crate::error::Party::Signer));
        }
        Ok(Self { tx: Tx::CancelOrder(cancel), hashes: [ZERO_DIGEST; 2], keys: [*pubkey, [0; 5]] })
    }

    /// The transaction, by value.
    pub fn into_tx(self) -> Tx {
        self.tx
    }
}

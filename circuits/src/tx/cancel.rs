//! `CancelOrder`: marks an order slot cancelled — a proven cancel. Cancelling a nonce newer
//! than the slot's resets the slot to that nonce, cancelled, so the order can never fill.

use serde::{Deserialize, Serialize};

use super::{check_signer, l2_message};
use crate::error::{Party, TxError};
use crate::hash::{Digest, ZERO_DIGEST};
use crate::order::OrderSlot;
use crate::pubdata::PubOp;
use crate::schnorr::Signature;
use crate::state::{Config, Overlay};

/// `kind` of a cancel in [`l2_message`].
pub const CANCEL_KIND: u8 = 3;

/// A signed cancel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelOrder {
    /// The account.
    pub account_id: u32,
    /// Nonce of the order to cancel.
    pub order_nonce: u32,
    /// The account's current nonce.
    pub nonce: u32,
    /// Signature over [`Self::message`].
    pub signature: Signature,
}

impl CancelOrder {
    /// `l2_message(CANCEL_KIND, [account, order_nonce, nonce])`: what the account signs.
    pub fn signing_message(
        config: &Config,
        account_id: u32,
        order_nonce: u32,
        nonce: u32,
    ) -> Digest {
        l2_message(
            config,
            CANCEL_KIND,
            &[u64::from(account_id), u64::from(order_nonce), u64::from(nonce)],
        )
    }

    /// This cancel's [`Self::signing_message`].
    pub fn message(&self, config: &Config) -> Digest {
        Self::signing_message(config, self.account_id, self.order_nonce, self.nonce)
    }
}

pub(super) fn apply(
    ov: &mut Overlay<'_>,
    c: &CancelOrder,
    key: &[u64; 5],
) -> Result<PubOp, TxError> {
    check_signer(ov, c.account_id, c.nonce, key)?;
    execute(ov, c.account_id, c.order_nonce, Some(()))?;
    Ok(PubOp::CancelOrder { account_id: c.account_id, order_nonce: c.order_nonce })
}

/// `strict` (on the live path) rejects cancelling a stale or already-cancelled order; a
/// replayed record was valid when it was proven.
pub(super) fn execute(
    ov: &mut Overlay<'_>,
    account_id: u32,
    order_nonce: u32,
    strict: Option<()>,
) -> Result<(), TxError> {
    let slot_idx = (u64::from(order_nonce) % crate::constants::ORDER_SLOTS) as u16;
    let slot = ov.slot(account_id, slot_idx);
    let new = if !slot.is_empty() && slot.order_nonce == order_nonce {
        if slot.cancelled && strict.is_some() {
            return Err(TxError::OrderCancelled(Party::Signer));
        }
        OrderSlot { cancelled: true, ..slot }
    } else if slot.is_empty() || slot.order_nonce < order_nonce {
        OrderSlot { order_nonce, order_hash: ZERO_DIGEST, filled: 0, cancelled: true }
    } else {
        return Err(TxError::StaleOrderNonce(Party::Signer));
    };
    ov.set_slot(account_id, slot_idx, new);
    let a = ov.account_mut(account_id)?;
    a.nonce = a.nonce.checked_add(1).ok_or(TxError::OutOfBounds("nonce"))?;
    Ok(())
}

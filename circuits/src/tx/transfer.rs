//! `Transfer`: moves collateral between accounts; the sender must stay initial-margined.

use serde::{Deserialize, Serialize};

use super::fill::{credit, settle};
use super::{check_signer, l2_message};
use crate::error::TxError;
use crate::hash::Digest;
use crate::pubdata::PubOp;
use crate::risk::account_risk;
use crate::schnorr::Signature;
use crate::state::{Config, Overlay};

/// `kind` of a transfer in [`l2_message`].
pub const TRANSFER_KIND: u8 = 2;

/// A signed transfer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    /// Sender.
    pub from: u32,
    /// Recipient (must exist).
    pub to: u32,
    /// Amount, quantums.
    pub amount: u64,
    /// The sender's current nonce.
    pub nonce: u32,
    /// Signature over [`Self::message`] by the sender.
    pub signature: Signature,
}

impl Transfer {
    /// `l2_message(TRANSFER_KIND, [from, to, amount, nonce])`: what the sender signs.
    pub fn signing_message(config: &Config, from: u32, to: u32, amount: u64, nonce: u32) -> Digest {
        l2_message(
            config,
            TRANSFER_KIND,
            &[u64::from(from), u64::from(to), amount, u64::from(nonce)],
        )
    }

    /// This transfer's [`Self::signing_message`].
    pub fn message(&self, config: &Config) -> Digest {
        Self::signing_message(config, self.from, self.to, self.amount, self.nonce)
    }
}

pub(super) fn apply(ov: &mut Overlay<'_>, t: &Transfer, key: &[u64; 5]) -> Result<PubOp, TxError> {
    check_signer(ov, t.from, t.nonce, key)?;
    if t.amount == 0 {
        return Err(TxError::ZeroAmount);
    }
    if t.from == t.to {
        return Err(TxError::TransferToSelf);
    }
    execute(ov, t.from, t.to, t.amount)?;
    let a = ov.account(t.from)?;
    if !account_risk(a, ov).is_initial_margined() {
        return Err(TxError::MarginBreach(t.from));
    }
    Ok(PubOp::Transfer { from: t.from, to: t.to, amount: t.amount })
}

pub(super) fn execute(
    ov: &mut Overlay<'_>,
    from: u32,
    to: u32,
    amount: u64,
) -> Result<(), TxError> {
    ov.account(to)?;
    settle(ov, from)?;
    credit(ov, from, -i128::from(amount))?;
    credit(ov, to, i128::from(amount))?;
    let a = ov.account_mut(from)?;
    a.nonce = a.nonce.checked_add(1).ok_or(TxError::OutOfBounds("nonce"))?;
    Ok(())
}

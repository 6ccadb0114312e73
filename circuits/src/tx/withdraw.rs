//! `Withdraw`: an L2-signed withdrawal to the account's L1 address. The account must stay
//! initial-margined.

use serde::{Deserialize, Serialize};

use super::fill::{credit, settle};
use super::{check_signer, l2_message, Payout};
use crate::error::TxError;
use crate::hash::Digest;
use crate::pubdata::PubOp;
use crate::risk::account_risk;
use crate::schnorr::Signature;
use crate::state::{Config, Overlay};

/// `kind` of a withdrawal in [`l2_message`].
pub const WITHDRAW_KIND: u8 = 1;

/// A signed withdrawal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withdraw {
    /// The account.
    pub account_id: u32,
    /// Amount, quantums.
    pub amount: u64,
    /// The account's current nonce.
    pub nonce: u32,
    /// Signature over [`Self::message`].
    pub signature: Signature,
}

impl Withdraw {
    /// `l2_message(WITHDRAW_KIND, [account, amount, nonce])`: what the account signs.
    pub fn signing_message(config: &Config, account_id: u32, amount: u64, nonce: u32) -> Digest {
        l2_message(config, WITHDRAW_KIND, &[u64::from(account_id), amount, u64::from(nonce)])
    }

    /// This withdrawal's [`Self::signing_message`].
    pub fn message(&self, config: &Config) -> Digest {
        Self::signing_message(config, self.account_id, self.amount, self.nonce)
    }
}

pub(super) fn apply(
    ov: &mut Overlay<'_>,
    w: &Withdraw,
    key: &[u64; 5],
) -> Result<(PubOp, Option<Payout>), TxError> {
    check_signer(ov, w.account_id, w.nonce, key)?;
    if w.amount == 0 {
        return Err(TxError::ZeroAmount);
    }
    let payout = execute(ov, w.account_id, w.amount)?;
    let a = ov.account(w.account_id)?;
    if !account_risk(a, ov).is_initial_margined() {
        return Err(TxError::MarginBreach(w.account_id));
    }
    Ok((PubOp::Withdraw { account_id: w.account_id, amount: w.amount }, Some(payout)))
}

pub(super) fn execute(
    ov: &mut Overlay<'_>,
    account_id: u32,
    amount: u64,
) -> Result<Payout, TxError> {
    settle(ov, account_id)?;
    credit(ov, account_id, -i128::from(amount))?;
    let a = ov.account_mut(account_id)?;
    a.nonce = a.nonce.checked_add(1).ok_or(TxError::OutOfBounds("nonce"))?;
    Ok(Payout { l1_address: a.l1_address, amount })
}

//! `ForcedWithdrawal`: an L1 request from the account's L1 address. Honoured if it keeps the
//! account initial-margined; otherwise processed as **rejected**, with the reason in the
//! public data (StarkEx's pattern) — never skipped, so the L1 priority queue always advances.

use alloy_primitives::Address;
use serde::{Deserialize, Serialize};

use super::fill::settled_view;
use super::Payout;
use crate::constants::MAX_COLLATERAL;
use crate::error::TxError;
use crate::pubdata::{ForcedWithdrawalOp, ForcedWithdrawalStatus, PubOp};
use crate::risk::account_risk;
use crate::state::Overlay;

/// A forced-withdrawal request as queued on L1.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForcedWithdrawal {
    /// The account.
    pub account_id: u32,
    /// `msg.sender` of the L1 request.
    pub l1_address: Address,
    /// Requested amount, quantums.
    pub amount: u64,
}

fn status(ov: &Overlay<'_>, f: &ForcedWithdrawal) -> Result<ForcedWithdrawalStatus, TxError> {
    let Ok(a) = ov.account(f.account_id) else {
        return Ok(ForcedWithdrawalStatus::NoSuchAccount);
    };
    if a.l1_address != f.l1_address {
        return Ok(ForcedWithdrawalStatus::NotOwner);
    }
    if f.amount == 0 || f.amount > MAX_COLLATERAL as u64 {
        return Ok(ForcedWithdrawalStatus::InvalidAmount);
    }
    let (mut after, _) = settled_view(ov, f.account_id)?;
    let c = i128::from(after.collateral) - i128::from(f.amount);
    if c.unsigned_abs() > MAX_COLLATERAL as u128 {
        return Ok(ForcedWithdrawalStatus::InvalidAmount);
    }
    after.collateral = c as i64;
    if !account_risk(&after, ov).is_initial_margined() {
        return Ok(ForcedWithdrawalStatus::InsufficientMargin);
    }
    Ok(ForcedWithdrawalStatus::Honoured)
}

pub(super) fn apply(
    ov: &mut Overlay<'_>,
    f: &ForcedWithdrawal,
) -> Result<(PubOp, Option<Payout>), TxError> {
    let op = ForcedWithdrawalOp {
        account_id: f.account_id,
        l1_address: f.l1_address,
        amount: f.amount,
        status: status(ov, f)?,
    };
    let payout = execute(ov, &op)?;
    Ok((PubOp::ForcedWithdrawal(op), payout))
}

pub(super) fn execute(
    ov: &mut Overlay<'_>,
    op: &ForcedWithdrawalOp,
) -> Result<Option<Payout>, TxError> {
    if op.status != ForcedWithdrawalStatus::Honoured {
        return Ok(None);
    }
    super::fill::settle(ov, op.account_id)?;
    super::fill::credit(ov, op.account_id, -i128::from(op.amount))?;
    Ok(Some(Payout { l1_address: op.l1_address, amount: op.amount }))
}

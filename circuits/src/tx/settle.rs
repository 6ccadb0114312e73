//! `SettleOption`: after expiry, closes an account's position in an option market at the
//! settlement price: `collateral += q · payoff`, and the position slot is freed.

use serde::{Deserialize, Serialize};

use super::fill::credit;
use crate::error::TxError;
use crate::pubdata::PubOp;
use crate::state::{Overlay, Position};

/// Settle one account's position in one expired option market.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettleOption {
    /// The account.
    pub account_id: u32,
    /// The option market.
    pub market_id: u8,
}

pub(super) fn apply(ov: &mut Overlay<'_>, s: &SettleOption) -> Result<PubOp, TxError> {
    execute(ov, s.account_id, s.market_id)?;
    Ok(PubOp::SettleOption { account_id: s.account_id, market_id: s.market_id })
}

pub(super) fn execute(ov: &mut Overlay<'_>, account_id: u32, market_id: u8) -> Result<(), TxError> {
    let m = ov.market_checked(market_id)?;
    if !m.kind.is_option() {
        return Err(TxError::NotOption(market_id));
    }
    if m.settlement_price == 0 {
        return Err(TxError::NotSettled(market_id));
    }
    let payoff = i128::from(m.payoff(m.settlement_price));
    let a = ov.account_mut(account_id)?;
    let i = a
        .positions
        .iter()
        .position(|p| !p.is_empty() && p.market_id == market_id)
        .ok_or(TxError::NoPosition(market_id))?;
    let q = a.positions[i].size;
    a.positions[i] = Position::default();
    credit(ov, account_id, i128::from(q) * payoff)?;
    let m = ov.market_mut(market_id)?;
    m.open_interest = m.open_interest.saturating_sub(q.max(0) as u64);
    Ok(())
}

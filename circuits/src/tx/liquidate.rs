//! `Liquidate`: closes part or all of a position of an account below maintenance margin.
//!
//! Rules: the account (not the insurance account) is liquidatable after funding
//! (`MMR > 0 ∧ TAV < MMR`); the fill is reduce-only for it; the price is within the
//! bankruptcy bound ([`crate::risk::within_bankruptcy_bound`]). The counterparty is either a
//! liquidator's signed order (checked like a maker order; the liquidator must stay margined)
//! or, only for a bankrupt account (`TAV < 0`), the insurance fund taking the position over
//! at a price within the same bound — the fund absorbs the deficit. The liquidated account
//! may pay an insurance fee of at most `liquidation_fee_cap_ppm` of the notional.

use serde::{Deserialize, Serialize};

use super::fill::{check_order, fee_amount, fill, fill_slot, reduces, settle, settled_view};
use crate::constants::INSURANCE_ACCOUNT;
use crate::error::{Party, TxError};
use crate::hash::Digest;
use crate::order::{Side, SignedOrder};
use crate::pubdata::{FillSide, LiquidateOp, PubOp};
use crate::risk::{account_risk, position_risk, transition_allowed, within_bankruptcy_bound};
use crate::state::Overlay;

/// A liquidation fill.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Liquidate {
    /// The account being liquidated.
    pub liquidated: u32,
    /// The liquidator's signed order; `None` = insurance-fund takeover (bankrupt accounts).
    pub liquidator: Option<SignedOrder>,
    /// Market of the position.
    pub market_id: u8,
    /// Lots closed.
    pub size: u64,
    /// Fill price.
    pub price: u32,
    /// Insurance fee paid by the liquidated account, ppm of the fill notional.
    pub insurance_fee_ppm: u32,
}

pub(super) fn apply(
    ov: &mut Overlay<'_>,
    l: &Liquidate,
    hash: &Digest,
    key: &[u64; 5],
) -> Result<PubOp, TxError> {
    if l.size == 0 {
        return Err(TxError::ZeroAmount);
    }
    if l.liquidated == INSURANCE_ACCOUNT {
        return Err(TxError::NotLiquidatable(l.liquidated));
    }
    if l.insurance_fee_ppm > ov.config().liquidation_fee_cap_ppm {
        return Err(TxError::FeeAboveLimit(Party::Liquidated));
    }
    let market = ov.market_checked(l.market_id)?;
    if market.mark_price == 0 {
        return Err(TxError::MarketNotPriced(l.market_id));
    }
    let (before, risk) = settled_view(ov, l.liquidated)?;
    if !risk.is_liquidatable() {
        return Err(TxError::NotLiquidatable(l.liquidated));
    }
    let s = before.size_in(l.market_id);
    if s == 0 {
        return Err(TxError::NoPosition(l.market_id));
    }
    let mm_i = position_risk(market, s).mm;
    if !within_bankruptcy_bound(s, l.price, market.mark_price, mm_i, &risk) {
        return Err(TxError::BeyondBankruptcyPrice);
    }
    // The liquidated account trades against its position.
    let liquidated_side = if s > 0 { Side::Sell } else { Side::Buy };
    let (liquidator, takeover) = match &l.liquidator {
        Some(so) => {
            if so.order.market_id != l.market_id || so.order.side != liquidated_side.opposite() {
                return Err(TxError::OrderMismatch(Party::Liquidator));
            }
            if so.order.account_id == l.liquidated {
                return Err(TxError::SelfTrade);
            }
            if so.order.price != l.price {
                return Err(TxError::PriceWorseThanLimit(Party::Liquidator));
            }
            let side = check_order(ov, so, hash, key, Party::Liquidator, l.size, l.price, 0)?;
            (side, false)
        }
        None => {
            if !risk.is_bankrupt() {
                return Err(TxError::TakeoverOfSolvent);
            }
            (
                FillSide { account_id: INSURANCE_ACCOUNT, slot: 0, fee_ppm: 0, first_fill: None },
                true,
            )
        }
    };
    let liquidator = FillSide { fee_ppm: l.insurance_fee_ppm, ..liquidator };
    let (liq_before, liq_risk) = settled_view(ov, liquidator.account_id)?;
    let op = LiquidateOp {
        liquidated: l.liquidated,
        liquidator,
        takeover,
        market_id: l.market_id,
        size: l.size,
        price: l.price,
    };
    execute_inner(ov, &op, l.liquidator.as_ref().map(|_| *hash))?;

    let after = ov.account(l.liquidated)?;
    if !reduces(s, after.size_in(l.market_id)) {
        return Err(TxError::ReduceOnlyViolation(Party::Liquidated));
    }
    if !takeover {
        let la = ov.account(op.liquidator.account_id)?;
        if let Some(so) = &l.liquidator {
            if so.order.flags.reduce_only
                && !reduces(liq_before.size_in(l.market_id), la.size_in(l.market_id))
            {
                return Err(TxError::ReduceOnlyViolation(Party::Liquidator));
            }
        }
        if !transition_allowed(&liq_before, &liq_risk, la, &account_risk(la, ov)) {
            return Err(TxError::MarginBreach(op.liquidator.account_id));
        }
    }
    Ok(PubOp::Liquidate(op))
}

pub(super) fn execute(ov: &mut Overlay<'_>, op: &LiquidateOp) -> Result<(), TxError> {
    // The liquidator trades against the position: it buys from a long, sells to a short.
    let long = ov.account(op.liquidated)?.size_in(op.market_id) > 0;
    let side = if long { Side::Buy } else { Side::Sell };
    let l = &op.liquidator;
    let hash = l.first_fill.map(|t| t.order(l.account_id, op.market_id, side).hash(ov.config()));
    execute_inner(ov, op, hash)
}

fn execute_inner(
    ov: &mut Overlay<'_>,
    op: &LiquidateOp,
    hash: Option<Digest>,
) -> Result<(), TxError> {
    let long = ov.account(op.liquidated)?.size_in(op.market_id) > 0;
    settle(ov, op.liquidated)?;
    settle(ov, op.liquidator.account_id)?;
    if !op.takeover {
        fill_slot(ov, &op.liquidator, hash, op.size, Party::Liquidator)?;
    }
    let fee = fee_amount(op.size, op.price, op.liquidator.fee_ppm);
    let (buyer, seller, buyer_fee, seller_fee) = if long {
        (op.liquidator.account_id, op.liquidated, 0, fee)
    } else {
        (op.liquidated, op.liquidator.account_id, fee, 0)
    };
    fill(ov, op.market_id, buyer, seller, op.size, op.price, buyer_fee, seller_fee)
}

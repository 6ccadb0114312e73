//! `Trade`: a taker order filled against a resting maker order at the maker's price.
//!
//! Rules: both orders authorised (signature on an order's first fill, the stored hash on
//! later fills), same market, opposite sides, different accounts, the taker's limit crossed,
//! neither expired, no overfill, fees within both caps, post-only orders only make, IOC
//! orders only take, reduce-only orders only reduce, and both accounts margined after the
//! fill ([`crate::risk::transition_allowed`]).

use serde::{Deserialize, Serialize};

use super::fill::{check_order, fee_amount, fill, fill_slot, reduces, settle, settled_view};
use crate::error::{Party, TxError};
use crate::hash::Digest;
use crate::order::{Side, SignedOrder};
use crate::pubdata::{FillSide, PubOp, TradeOp};
use crate::risk::{account_risk, transition_allowed};
use crate::state::Overlay;

/// A fill between two orders.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trade {
    /// The resting order; the fill price is its limit price.
    pub maker: SignedOrder,
    /// The incoming order.
    pub taker: SignedOrder,
    /// Lots filled.
    pub size: u64,
    /// Maker fee rate, ppm of notional.
    pub maker_fee_ppm: u32,
    /// Taker fee rate, ppm of notional.
    pub taker_fee_ppm: u32,
}

pub(super) fn apply(
    ov: &mut Overlay<'_>,
    t: &Trade,
    hashes: &[Digest; 2],
    keys: &[[u64; 5]; 2],
) -> Result<PubOp, TxError> {
    let (m, k) = (&t.maker.order, &t.taker.order);
    if t.size == 0 {
        return Err(TxError::ZeroAmount);
    }
    if m.market_id != k.market_id {
        return Err(TxError::OrderMismatch(Party::Taker));
    }
    if m.side == k.side {
        return Err(TxError::SameSide);
    }
    if m.account_id == k.account_id {
        return Err(TxError::SelfTrade);
    }
    if k.flags.post_only {
        return Err(TxError::PostOnlyTaker);
    }
    if m.flags.ioc {
        return Err(TxError::IocMaker);
    }
    let market = ov.market_checked(m.market_id)?;
    if market.mark_price == 0 {
        return Err(TxError::MarketNotPriced(m.market_id));
    }
    if market.is_expired(ov.now()) {
        return Err(TxError::MarketExpired(m.market_id));
    }
    let price = m.price;
    let maker = check_order(
        ov,
        &t.maker,
        &hashes[0],
        &keys[0],
        Party::Maker,
        t.size,
        price,
        t.maker_fee_ppm,
    )?;
    let taker = check_order(
        ov,
        &t.taker,
        &hashes[1],
        &keys[1],
        Party::Taker,
        t.size,
        price,
        t.taker_fee_ppm,
    )?;

    let (maker_before, maker_risk) = settled_view(ov, m.account_id)?;
    let (taker_before, taker_risk) = settled_view(ov, k.account_id)?;

    let op =
        TradeOp { maker, taker, market_id: m.market_id, taker_side: k.side, size: t.size, price };
    let first = |side: &FillSide, h: Digest| side.first_fill.map(|_| h);
    execute_inner(ov, &op, first(&op.maker, hashes[0]), first(&op.taker, hashes[1]))?;

    for (so, before, risk_before, party) in [
        (&t.maker, &maker_before, &maker_risk, Party::Maker),
        (&t.taker, &taker_before, &taker_risk, Party::Taker),
    ] {
        let id = so.order.account_id;
        let after = ov.account(id)?;
        if so.order.flags.reduce_only
            && !reduces(before.size_in(so.order.market_id), after.size_in(so.order.market_id))
        {
            return Err(TxError::ReduceOnlyViolation(party));
        }
        if !transition_allowed(before, risk_before, after, &account_risk(after, ov)) {
            return Err(TxError::MarginBreach(id));
        }
    }
    Ok(PubOp::Trade(op))
}

/// Executes a trade record: settle funding of both accounts, write both order slots, move
/// position and cash, pay fees. A first fill's order hash is recomputed from the published
/// terms (replay) unless the caller already has it (`apply`).
pub(super) fn execute(ov: &mut Overlay<'_>, op: &TradeOp) -> Result<(), TxError> {
    let config = ov.config();
    let hash = |side: &FillSide, order_side: Side| {
        side.first_fill.map(|t| t.order(side.account_id, op.market_id, order_side).hash(config))
    };
    let mh = hash(&op.maker, op.taker_side.opposite());
    let th = hash(&op.taker, op.taker_side);
    execute_inner(ov, op, mh, th)
}

fn execute_inner(
    ov: &mut Overlay<'_>,
    op: &TradeOp,
    mh: Option<Digest>,
    th: Option<Digest>,
) -> Result<(), TxError> {
    settle(ov, op.maker.account_id)?;
    settle(ov, op.taker.account_id)?;
    fill_slot(ov, &op.maker, mh, op.size, Party::Maker)?;
    fill_slot(ov, &op.taker, th, op.size, Party::Taker)?;
    let maker_fee = fee_amount(op.size, op.price, op.maker.fee_ppm);
    let taker_fee = fee_amount(op.size, op.price, op.taker.fee_ppm);
    let (buyer, seller, buyer_fee, seller_fee) = match op.taker_side {
        Side::Buy => (op.taker.account_id, op.maker.account_id, taker_fee, maker_fee),
        Side::Sell => (op.maker.account_id, op.taker.account_id, maker_fee, taker_fee),
    };
    fill(ov, op.market_id, buyer, seller, op.size, op.price, buyer_fee, seller_fee)
}

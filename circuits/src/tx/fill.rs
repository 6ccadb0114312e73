//! What trades and liquidations share: checking an order against a fill (slot, limits,
//! fees) and moving positions, cash and open interest.

use crate::constants::{INSURANCE_ACCOUNT, MAX_COLLATERAL, MAX_SIZE, PPM};
use crate::error::{Party, TxError};
use crate::hash::Digest;
use crate::order::{Order, OrderSlot, SignedOrder};
use crate::pubdata::{FillSide, OrderTerms};
use crate::state::{Account, Overlay, Position};

/// Checks `so` may fill `size` lots at `price` paying `fee_ppm`, given its hash and the key
/// its signature (if any) verified under; returns its side of the public-data record.
#[allow(clippy::too_many_arguments)] // the fill's terms, each checked here; a struct would only rename them
pub(crate) fn check_order(
    ov: &Overlay<'_>,
    so: &SignedOrder,
    hash: &Digest,
    verified_key: &[u64; 5],
    party: Party,
    size: u64,
    price: u32,
    fee_ppm: u32,
) -> Result<FillSide, TxError> {
    let o = &so.order;
    let account = ov.account(o.account_id)?;
    let market = ov.market_checked(o.market_id)?;
    if ov.now() > o.expiry {
        return Err(TxError::OrderExpired(party));
    }
    if o.price == 0 || !o.price.is_multiple_of(market.tick_size) {
        return Err(TxError::OffTick(party));
    }
    if fee_ppm > o.max_fee_ppm || fee_ppm > ov.config().max_fee_ppm {
        return Err(TxError::FeeAboveLimit(party));
    }
    let within_limit = match o.side {
        crate::order::Side::Buy => price <= o.price,
        crate::order::Side::Sell => price >= o.price,
    };
    if !within_limit {
        return Err(TxError::PriceWorseThanLimit(party));
    }
    let slot = ov.slot(o.account_id, o.slot());
    let first_fill = if !slot.is_empty() && slot.order_nonce == o.nonce {
        if slot.cancelled {
            return Err(TxError::OrderCancelled(party));
        }
        if slot.order_hash != *hash {
            return Err(TxError::OrderHashMismatch(party));
        }
        None
    } else if slot.is_empty() || slot.order_nonce < o.nonce {
        if so.signature.is_none() {
            return Err(TxError::MissingSignature(party));
        }
        if !account.has_key() || account.pubkey != *verified_key {
            return Err(TxError::BadSignature(party));
        }
        Some(terms(o))
    } else {
        return Err(TxError::StaleOrderNonce(party));
    };
    let filled = if first_fill.is_some() { 0 } else { slot.filled };
    if filled + size > o.size {
        return Err(TxError::Overfill(party));
    }
    Ok(FillSide { account_id: o.account_id, slot: o.slot(), fee_ppm, first_fill })
}

fn terms(o: &Order) -> OrderTerms {
    OrderTerms {
        nonce: o.nonce,
        size: o.size,
        expiry: o.expiry,
        flags: o.flags,
        max_fee_ppm: o.max_fee_ppm,
        price: o.price,
    }
}

/// Writes a fill into an order slot: a first fill resets the slot to the order (whose hash
/// is given), a later fill adds to `filled`.
pub(crate) fn fill_slot(
    ov: &mut Overlay<'_>,
    side: &FillSide,
    first_fill_hash: Option<Digest>,
    size: u64,
    party: Party,
) -> Result<(), TxError> {
    let slot = ov.slot(side.account_id, side.slot);
    let new = match (&side.first_fill, first_fill_hash) {
        (Some(t), Some(h)) => {
            OrderSlot { order_nonce: t.nonce, order_hash: h, filled: size, cancelled: false }
        }
        _ => {
            if slot.is_empty() || slot.cancelled {
                return Err(TxError::OrderCancelled(party));
            }
            OrderSlot { filled: slot.filled + size, ..slot }
        }
    };
    ov.set_slot(side.account_id, side.slot, new);
    Ok(())
}

/// `floor(size · price · fee_ppm / 10^6)`: the fee, rounded down (it never exceeds what the
/// order's `max_fee_ppm` allows).
pub(crate) fn fee_amount(size: u64, price: u32, fee_ppm: u32) -> i128 {
    i128::from(size) * i128::from(price) * i128::from(fee_ppm) / i128::from(PPM)
}

fn add_collateral(a: &mut Account, delta: i128) -> Result<(), TxError> {
    let c = i128::from(a.collateral) + delta;
    if c.unsigned_abs() > MAX_COLLATERAL as u128 {
        return Err(TxError::OutOfBounds("collateral"));
    }
    a.collateral = c as i64;
    Ok(())
}

/// Adds `delta` quantums to an account's collateral, within the bound.
pub(crate) fn credit(ov: &mut Overlay<'_>, account: u32, delta: i128) -> Result<(), TxError> {
    add_collateral(ov.account_mut(account)?, delta)
}

/// Changes an account's position in `market_id` by `delta` lots. A new position takes the
/// first free slot and the market's current funding index; a closed one frees its slot.
fn move_position(
    a: &mut Account,
    id: u32,
    market_id: u8,
    delta: i64,
    funding_index: i64,
) -> Result<(), TxError> {
    let idx = a.positions.iter().position(|p| !p.is_empty() && p.market_id == market_id);
    let old = idx.map_or(0, |i| a.positions[i].size);
    let new = old + delta;
    if new.unsigned_abs() > MAX_SIZE {
        return Err(TxError::OutOfBounds("position size"));
    }
    match idx {
        Some(i) if new == 0 => a.positions[i] = Position::default(),
        Some(i) => a.positions[i].size = new,
        None if new == 0 => {}
        None => {
            let free = a
                .positions
                .iter()
                .position(Position::is_empty)
                .ok_or(TxError::PositionsFull(id))?;
            a.positions[free] = Position { market_id, size: new, funding_snapshot: funding_index };
        }
    }
    Ok(())
}

/// Moves `size` lots at `price` from `seller` to `buyer` (cash the other way), charges each
/// side its fee for the insurance account, and updates open interest. Funding of both
/// accounts must already be settled.
#[allow(clippy::too_many_arguments)] // the terms of one fill
pub(crate) fn fill(
    ov: &mut Overlay<'_>,
    market_id: u8,
    buyer: u32,
    seller: u32,
    size: u64,
    price: u32,
    buyer_fee: i128,
    seller_fee: i128,
) -> Result<(), TxError> {
    let market = ov.market_checked(market_id)?;
    let funding_index = market.funding_index;
    let cash = i128::from(size) * i128::from(price);
    let delta = i64::try_from(size).map_err(|_| TxError::OutOfBounds("size"))?;
    let long = |s: i64| s.max(0) as u64;
    let mut oi_delta: i128 = 0;
    for (id, d, c) in [(buyer, delta, -cash - buyer_fee), (seller, -delta, cash - seller_fee)] {
        let a = ov.account_mut(id)?;
        let before = a.size_in(market_id);
        move_position(a, id, market_id, d, funding_index)?;
        add_collateral(a, c)?;
        oi_delta += i128::from(long(a.size_in(market_id))) - i128::from(long(before));
    }
    if buyer_fee + seller_fee != 0 {
        credit(ov, INSURANCE_ACCOUNT, buyer_fee + seller_fee)?;
    }
    let m = ov.market_mut(market_id)?;
    m.open_interest = u64::try_from(i128::from(m.open_interest) + oi_delta)
        .map_err(|_| TxError::OutOfBounds("open interest"))?;
    Ok(())
}

/// Settles funding of an account in the scratch copy.
pub(crate) fn settle(ov: &mut Overlay<'_>, id: u32) -> Result<(), TxError> {
    let mut a = ov.account(id)?.clone();
    crate::risk::settle_funding(&mut a, ov)?;
    *ov.account_mut(id)? = a;
    Ok(())
}

/// The account and its risk after settling funding, without writing anything.
pub(crate) fn settled_view(
    ov: &Overlay<'_>,
    id: u32,
) -> Result<(Account, crate::risk::AccountRisk), TxError> {
    let mut a = ov.account(id)?.clone();
    crate::risk::settle_funding(&mut a, ov)?;
    let r = crate::risk::account_risk(&a, ov);
    Ok((a, r))
}

/// Whether a reduce-only order's fill keeps the position from growing or flipping.
pub(crate) const fn reduces(before: i64, after: i64) -> bool {
    after.unsigned_abs() <= before.unsigned_abs() && (after == 0 || (after > 0) == (before > 0))
}

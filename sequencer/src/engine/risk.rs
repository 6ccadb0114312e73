//! The risk engine's pieces, all on the spec's own risk code
//! ([`proofbook_circuits::risk`]): pre-trade margin, the account view (with Black-Scholes
//! Greeks), funding proposals and the liquidation monitor.

use proofbook_circuits::constants::{
    MAX_COLLATERAL, MAX_FUNDING_INDEX, MAX_SIZE, PPM, SECONDS_PER_HOUR,
};
use proofbook_circuits::error::TxError;
use proofbook_circuits::order::{Order, OrderFlags, Side};
use proofbook_circuits::risk::greeks::{
    implied_vol, perp_greeks, BsInputs, Greeks, OptionKind, PositionGreeks,
};
use proofbook_circuits::risk::{
    account_risk, funding_within_cap, pending_funding, position_risk, settle_funding,
    transition_allowed, within_bankruptcy_bound, Markets,
};
use proofbook_circuits::state::{Account, Market, MarketKind, Position, State};
use proofbook_circuits::tx::{FundingTick, Liquidate, Tx};
use serde::{Deserialize, Serialize};

use super::{EngineError, Exposure, Liquidator};

/// Seconds in the year of the Greeks' time to expiry.
const SECONDS_PER_YEAR: f64 = 365.0 * 86_400.0;

/// The account with its funding settled (a copy; the state is not written).
fn settled(state: &State, id: u32) -> Result<Account, EngineError> {
    let mut a = state.account(id).ok_or(EngineError::UnknownAccount(id))?.clone();
    settle_funding(&mut a, state)?;
    Ok(a)
}

/// Moves a hypothetical position by `delta` lots, as the spec's fill does.
fn shift_position(
    a: &mut Account,
    id: u32,
    market: &Market,
    delta: i128,
) -> Result<(), EngineError> {
    let idx = a.positions.iter().position(|p| !p.is_empty() && p.market_id == market.id);
    let old = idx.map_or(0, |i| i128::from(a.positions[i].size));
    let new = old + delta;
    if new.unsigned_abs() > u128::from(MAX_SIZE) {
        return Err(EngineError::OutOfBounds("position size"));
    }
    let new = new as i64;
    match idx {
        Some(i) => a.positions[i].size = new,
        None if new == 0 => {}
        None => {
            let free = a
                .positions
                .iter()
                .position(Position::is_empty)
                .ok_or(EngineError::Rejected(TxError::PositionsFull(id)))?;
            a.positions[free] = Position {
                market_id: market.id,
                size: new,
                funding_snapshot: market.funding_index,
            };
        }
    }
    Ok(())
}

/// Pre-trade margin: the account as if `remaining` lots of `order` and its resting orders on
/// the same side of the market (`exposure`) filled at their limit prices, paying `fee_ppm`
/// (rounded up), must be a transition the spec allows from the account now.
pub(crate) fn pre_trade_check(
    state: &State,
    exposure: &Exposure,
    order: &Order,
    remaining: u64,
    fee_ppm: u32,
) -> Result<(), EngineError> {
    let id = order.account_id;
    let before = settled(state, id)?;
    let risk_before = account_risk(&before, state);
    let market = Markets::market(state, order.market_id)
        .ok_or(EngineError::UnknownMarket(order.market_id))?;
    let own = u128::from(remaining) * u128::from(order.price);
    let (qty, notional) = match order.side {
        Side::Buy => (exposure.buy_qty + remaining, exposure.buy_notional + own),
        Side::Sell => (exposure.sell_qty + remaining, exposure.sell_notional + own),
    };
    let notional = i128::try_from(notional).map_err(|_| EngineError::OutOfBounds("notional"))?;
    let fee = (notional * i128::from(fee_ppm) + i128::from(PPM) - 1) / i128::from(PPM);
    let sign = i128::from(order.side.sign());
    let mut after = before.clone();
    shift_position(&mut after, id, market, sign * i128::from(qty))?;
    let collateral = i128::from(after.collateral) - sign * notional - fee;
    if collateral.unsigned_abs() > MAX_COLLATERAL as u128 {
        return Err(EngineError::OutOfBounds("collateral"));
    }
    after.collateral = collateral as i64;
    let risk_after = account_risk(&after, state);
    if transition_allowed(&before, &risk_before, &after, &risk_after) {
        Ok(())
    } else {
        Err(EngineError::InsufficientMargin {
            account: id,
            tav: risk_after.tav,
            imr: risk_after.imr,
        })
    }
}

/// One position of an [`AccountView`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PositionView {
    /// Market.
    pub market_id: u8,
    /// Signed size, lots.
    pub size: i64,
    /// Mark price (options: the option's mark).
    pub mark: u32,
    /// Index price (options: spot).
    pub index: u32,
    /// Mark-to-market value, quantums.
    pub value: i128,
    /// Initial requirement, quantums.
    pub im: i128,
    /// Maintenance requirement, quantums.
    pub mm: i128,
    /// Implied volatility of the option's mark (options before expiry).
    pub implied_vol: Option<f64>,
    /// Greeks of the position in units of the underlying and USDC (delta in underlying
    /// units, gamma per USDC of spot, vega per 1.00 of volatility, theta per year).
    pub greeks: Greeks,
}

/// What the RPC shows of an account: the spec's margin numbers at the current marks (funding
/// settled) and the off-chain Greeks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountView {
    /// Account id.
    pub account_id: u32,
    /// Collateral with pending funding settled, quantums.
    pub collateral: i64,
    /// Funding owed (positive) or due (negative) not yet settled in the state, quantums.
    pub pending_funding: i128,
    /// Account-level nonce (the next cancel, withdrawal or transfer must carry it).
    pub nonce: u32,
    /// Total account value.
    pub tav: i128,
    /// Initial margin requirement.
    pub imr: i128,
    /// Maintenance margin requirement.
    pub mmr: i128,
    /// `max(0, TAV − IMR)`.
    pub free_collateral: i128,
    /// `MMR > 0 ∧ TAV < MMR`.
    pub liquidatable: bool,
    /// Open positions.
    pub positions: Vec<PositionView>,
    /// Sum of the positions' Greeks.
    pub greeks: Greeks,
    /// Resting orders.
    pub open_orders: usize,
}

/// Units of underlying per lot (`lot_size` is in 10^-8 units).
fn units_per_lot(m: &Market) -> f64 {
    m.lot_size as f64 / 1e8
}

/// USDC per unit of underlying for a price in quantums per lot.
fn usd_per_unit(price: u32, m: &Market) -> f64 {
    f64::from(price) / 1e6 / units_per_lot(m)
}

/// Greeks of `size` lots in market `m` at time `now`, and the option's implied volatility.
fn position_greeks(m: &Market, size: i64, now: u64) -> (Greeks, Option<f64>) {
    let qty = size as f64 * units_per_lot(m);
    let kind = match m.kind {
        MarketKind::Perp => return (perp_greeks(qty), None),
        MarketKind::Call => OptionKind::Call,
        MarketKind::Put => OptionKind::Put,
    };
    if m.index_price == 0 || m.settlement_price > 0 {
        return (Greeks::ZERO, None);
    }
    let spot = usd_per_unit(m.index_price, m);
    let strike = usd_per_unit(m.strike, m);
    let t = m.expiry.saturating_sub(now) as f64 / SECONDS_PER_YEAR;
    let mark = usd_per_unit(m.mark_price, m);
    let vol = if t > 0.0 { implied_vol(kind, spot, strike, t, 0.0, mark).ok() } else { None };
    let inputs = BsInputs { kind, spot, strike, vol: vol.unwrap_or(0.0), t_years: t, rate: 0.0 };
    let g = PositionGreeks::option(&inputs, qty).map_or(Greeks::ZERO, |p| p.total);
    (g, vol)
}

/// The [`AccountView`] of an account.
pub(crate) fn account_view(
    state: &State,
    id: u32,
    open_orders: usize,
) -> Result<AccountView, EngineError> {
    let raw = state.account(id).ok_or(EngineError::UnknownAccount(id))?;
    let a = settled(state, id)?;
    let r = account_risk(&a, state);
    let mut positions = Vec::new();
    for p in a.positions.iter().filter(|p| !p.is_empty()) {
        let Some(m) = Markets::market(state, p.market_id) else { continue };
        let pr = position_risk(m, p.size);
        let (greeks, implied_vol) = position_greeks(m, p.size, state.now());
        positions.push(PositionView {
            market_id: p.market_id,
            size: p.size,
            mark: m.mark_price,
            index: m.index_price,
            value: pr.value,
            im: pr.im,
            mm: pr.mm,
            implied_vol,
            greeks,
        });
    }
    positions.sort_by_key(|p| p.market_id);
    let greeks = positions.iter().map(|p| p.greeks).sum();
    Ok(AccountView {
        account_id: id,
        collateral: a.collateral,
        pending_funding: pending_funding(raw, state),
        nonce: a.nonce,
        tav: r.tav,
        imr: r.imr,
        mmr: r.mmr,
        free_collateral: r.free_collateral(),
        liquidatable: r.is_liquidatable(),
        positions,
        greeks,
        open_orders,
    })
}

/// Funding ticks for every priced perpetual not yet ticked at the batch time: the hourly
/// rate is an eighth of the premium `(mark − index)/index`, capped by the config's cap, over
/// the time since the last tick (truncated toward zero, so always within the spec's cap).
pub(crate) fn funding_proposals(state: &State) -> Vec<FundingTick> {
    let now = state.now();
    let cap = i128::from(state.config().funding_cap_ppm_per_hour);
    let mut out = Vec::new();
    for m in state.markets() {
        if m.kind != MarketKind::Perp
            || m.mark_price == 0
            || m.index_price == 0
            || now <= m.funding_time
        {
            continue;
        }
        let (mark, index) = (i128::from(m.mark_price), i128::from(m.index_price));
        let premium_ppm = (mark - index) * i128::from(PPM) / index;
        let rate = (premium_ppm / 8).clamp(-cap, cap);
        let dt = now - m.funding_time;
        let delta = rate * mark * i128::from(dt) / (i128::from(PPM) * i128::from(SECONDS_PER_HOUR));
        let new = i128::from(m.funding_index) + delta;
        if new.unsigned_abs() > MAX_FUNDING_INDEX as u128
            || !funding_within_cap(delta, m.mark_price, dt, state.config().funding_cap_ppm_per_hour)
        {
            continue;
        }
        out.push(FundingTick { market_id: m.id, timestamp: now, new_index: new as i64 });
    }
    out
}

/// Accounts below maintenance margin (funding settled), by id. The insurance account is
/// never liquidated.
pub(crate) fn liquidatable_accounts(state: &State) -> Vec<u32> {
    let mut out: Vec<u32> = state
        .accounts()
        .filter(|(id, a)| *id != 0 && a.has_positions())
        .filter(|(_, a)| {
            let mut a = (*a).clone();
            settle_funding(&mut a, state).is_ok() && account_risk(&a, state).is_liquidatable()
        })
        .map(|(id, _)| id)
        .collect();
    out.sort_unstable();
    out
}

/// A price within the bankruptcy bound for closing `size` lots: halfway between the mark and
/// the bankruptcy price when the account is solvent, the bankruptcy price itself when not;
/// rounded to the tick on the safe side, then checked with the spec's bound.
fn liquidation_price(
    m: &Market,
    size: i64,
    mm_i: i128,
    risk: &proofbook_circuits::risk::AccountRisk,
) -> Option<u32> {
    let (mark, tick) = (i128::from(m.mark_price), i128::from(m.tick_size));
    let q = i128::from(size.unsigned_abs());
    if risk.mmr == 0 || q == 0 {
        return None;
    }
    let shift = risk.tav * mm_i / (risk.mmr * q);
    let target = if risk.tav > 0 { shift / 2 } else { shift };
    let mut p = if size > 0 {
        let raw = mark - target;
        (raw + tick - 1).div_euclid(tick) * tick
    } else {
        let raw = mark + target;
        raw.div_euclid(tick) * tick
    };
    for _ in 0..4 {
        let price = u32::try_from(p).ok().filter(|&x| x > 0)?;
        if within_bankruptcy_bound(size, price, m.mark_price, mm_i, risk) {
            return Some(price);
        }
        p += if size > 0 { tick } else { -tick };
    }
    None
}

/// The next `Liquidate` closing account `id`'s position in `market_id`: by `liquidator` if
/// given, else an insurance-fund takeover (valid for bankrupt accounts only). `None` if the
/// account is not liquidatable or has no position there.
pub(crate) fn liquidation_tx(
    state: &State,
    id: u32,
    market_id: u8,
    liquidator: Option<&Liquidator>,
    nonce: &mut u32,
) -> Option<Tx> {
    let a = settled(state, id).ok()?;
    let risk = account_risk(&a, state);
    if !risk.is_liquidatable() {
        return None;
    }
    let size = a.size_in(market_id);
    let m = Markets::market(state, market_id)?;
    if size == 0 || m.mark_price == 0 {
        return None;
    }
    let mm_i = position_risk(m, size).mm;
    let price = liquidation_price(m, size, mm_i, &risk)?;
    let fee = state.config().liquidation_fee_cap_ppm.min(5_000);
    let liquidator = liquidator.map(|l| {
        // Skip nonces whose slot already holds this or a newer nonce.
        loop {
            let slot = state.slot(
                l.account_id,
                (u64::from(*nonce) % proofbook_circuits::constants::ORDER_SLOTS) as u16,
            );
            if slot.is_empty() || slot.order_nonce < *nonce {
                break;
            }
            *nonce = nonce.wrapping_add(1);
        }
        let order = Order {
            account_id: l.account_id,
            market_id,
            side: if size > 0 { Side::Buy } else { Side::Sell },
            price,
            size: size.unsigned_abs(),
            nonce: *nonce,
            expiry: state.now() + SECONDS_PER_HOUR,
            flags: OrderFlags::default(),
            max_fee_ppm: 0,
        };
        *nonce = nonce.wrapping_add(1);
        l.signer.sign_order(state.config(), order)
    });
    Some(Tx::Liquidate(Liquidate {
        liquidated: id,
        liquidator,
        market_id,
        size: size.unsigned_abs(),
        price,
        insurance_fee_ppm: fee,
    }))
}

//! Perpetual funding (DESIGN.md §4).
//!
//! The funding index is cumulative, in quantums per lot, so a position's payment
//! `s · (F_market − F_snapshot)` is an exact integer: nothing to round, and funding nets to
//! exactly zero over all accounts because positions net to zero. A tick may move the index by
//! at most `cap · mark · Δt / (10^6 · 3600)` (StarkEx's bound), checked by cross-multiplication.

use super::Markets;
use crate::constants::{MAX_COLLATERAL, PPM, SECONDS_PER_HOUR};
use crate::error::TxError;
use crate::state::{Account, MarketKind};

/// Funding the account owes (positive) or is owed (negative) and has not settled:
/// `Σ s_i · (F_market − F_i)` over its perp positions.
pub fn pending_funding(account: &Account, markets: &impl Markets) -> i128 {
    account
        .positions
        .iter()
        .filter(|p| !p.is_empty())
        .filter_map(|p| {
            let m = markets.market(p.market_id)?;
            (m.kind == MarketKind::Perp).then(|| {
                i128::from(p.size) * (i128::from(m.funding_index) - i128::from(p.funding_snapshot))
            })
        })
        .sum()
}

/// What settling the account's positions in expired, settled option markets would credit:
/// `Σ q · payoff(settlement_price)` (see `SettleOption`).
pub fn pending_settlement(account: &Account, markets: &impl Markets) -> i128 {
    account
        .positions
        .iter()
        .filter(|p| !p.is_empty())
        .filter_map(|p| {
            let m = markets.market(p.market_id)?;
            (m.kind.is_option() && m.settlement_price > 0)
                .then(|| i128::from(p.size) * i128::from(m.payoff(m.settlement_price)))
        })
        .sum()
}

/// Settles funding on every perp position: `collateral −= s·(F_market − F_i)`,
/// `F_i := F_market`. Fails (changing nothing) if collateral would leave its bound.
pub fn settle_funding(account: &mut Account, markets: &impl Markets) -> Result<(), TxError> {
    let owed = pending_funding(account, markets);
    let collateral = i128::from(account.collateral) - owed;
    if collateral.unsigned_abs() > MAX_COLLATERAL as u128 {
        return Err(TxError::OutOfBounds("collateral"));
    }
    account.collateral = collateral as i64;
    for p in account.positions.iter_mut().filter(|p| !p.is_empty()) {
        if let Some(m) = markets.market(p.market_id) {
            if m.kind == MarketKind::Perp {
                p.funding_snapshot = m.funding_index;
            }
        }
    }
    Ok(())
}

/// `|Δindex| · 10^6 · 3600 ≤ cap_ppm_per_hour · mark · Δt`.
pub fn funding_within_cap(delta: i128, mark: u32, dt: u64, cap_ppm_per_hour: u32) -> bool {
    let lhs = delta.unsigned_abs().checked_mul(u128::from(PPM * SECONDS_PER_HOUR));
    let rhs = u128::from(cap_ppm_per_hour) * u128::from(mark) * u128::from(dt);
    lhs.is_some_and(|l| l <= rhs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_is_inclusive() {
        // cap 100 ppm/h, mark 1_000_000, one hour: |Δ| ≤ 100.
        assert!(funding_within_cap(100, 1_000_000, 3600, 100));
        assert!(funding_within_cap(-100, 1_000_000, 3600, 100));
        assert!(!funding_within_cap(101, 1_000_000, 3600, 100));
        assert!(!funding_within_cap(1, 1_000_000, 0, 100));
    }
}

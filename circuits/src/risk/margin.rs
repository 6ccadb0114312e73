//! Cross-margin requirements and total account value (DESIGN.md §4, "Margin").
//!
//! ```text
//! perp i:   N = |s|·mark;  IM = ceil(N·imf/1e6);  MM = ceil(N·mmf/1e6);  value = s·mark
//! option j: value = q·V (V = option mark; after settlement, q·payoff and no requirement)
//!           long: no requirement (the premium was paid)
//!           short: IM = |q|·V + ceil(|q|·max(imf·S − OTM·1e6, floor·S)/1e6)
//!                  MM = |q|·V + ceil(|q|·mmf·S/1e6)          (S = index price, spot)
//! TAV = collateral + Σ value;  IMR = Σ IM;  MMR = Σ MM
//! ```
//! Funding is settled into collateral before any of these is evaluated (see
//! [`super::funding`]).

use alloy_primitives::I256;
use serde::{Deserialize, Serialize};

use super::Markets;
use crate::constants::PPM;
use crate::state::{Account, Market, MarketKind};

/// Value and requirements of one position.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PositionRisk {
    /// Mark-to-market value `size · mark`, quantums (signed).
    pub value: i128,
    /// Initial requirement, quantums.
    pub im: i128,
    /// Maintenance requirement, quantums.
    pub mm: i128,
}

/// Total account value and requirements.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRisk {
    /// Total account value: collateral + Σ position values.
    pub tav: i128,
    /// Initial margin requirement.
    pub imr: i128,
    /// Maintenance margin requirement.
    pub mmr: i128,
}

impl AccountRisk {
    /// `TAV ≥ IMR`: required after every risk-increasing action.
    pub const fn is_initial_margined(&self) -> bool {
        self.tav >= self.imr
    }
    /// `MMR > 0 ∧ TAV < MMR`.
    pub const fn is_liquidatable(&self) -> bool {
        self.mmr > 0 && self.tav < self.mmr
    }
    /// `TAV < 0`: the insurance fund absorbs the deficit.
    pub const fn is_bankrupt(&self) -> bool {
        self.tav < 0
    }
    /// Collateral the account may withdraw or transfer: `max(0, TAV − IMR)`.
    pub const fn free_collateral(&self) -> i128 {
        if self.tav > self.imr {
            self.tav - self.imr
        } else {
            0
        }
    }
}

/// `ceil(x · ppm / 10^6)` for `x ≥ 0`: a requirement, rounded up.
fn ceil_ppm(x: i128, ppm: u32) -> i128 {
    let ppm_scale = i128::from(PPM);
    (x * i128::from(ppm) + ppm_scale - 1) / ppm_scale
}

/// Value and requirements of a position of `size` lots in `market`. Every intermediate is
/// below 2^100 by the bounds (size < 2^40, prices < 2^32, ppm < 2^20), so `i128` is exact.
pub fn position_risk(market: &Market, size: i64) -> PositionRisk {
    let s = i128::from(size);
    let q = i128::from(size.unsigned_abs());
    match market.kind {
        MarketKind::Perp => {
            let mark = i128::from(market.mark_price);
            let notional = q * mark;
            PositionRisk {
                value: s * mark,
                im: ceil_ppm(notional, market.imf_ppm),
                mm: ceil_ppm(notional, market.mmf_ppm),
            }
        }
        MarketKind::Call | MarketKind::Put => {
            if market.settlement_price > 0 {
                // The payoff is known: value it exactly, nothing left to margin.
                let payoff = i128::from(market.payoff(market.settlement_price));
                return PositionRisk { value: s * payoff, im: 0, mm: 0 };
            }
            let v = i128::from(market.mark_price);
            let value = s * v;
            if size >= 0 {
                return PositionRisk { value, im: 0, mm: 0 };
            }
            let spot = i128::from(market.index_price);
            let otm = i128::from(match market.kind {
                MarketKind::Call => market.strike.saturating_sub(market.index_price),
                _ => market.index_price.saturating_sub(market.strike),
            });
            // max(imf·S − OTM·10^6, floor·S), in ppm-scaled price units (never negative).
            let a = i128::from(market.imf_ppm) * spot - otm * i128::from(PPM);
            let b = i128::from(market.im_floor_ppm) * spot;
            let im_add = ceil_ppm(q * a.max(b), 1);
            let mm_add = ceil_ppm(q * spot, market.mmf_ppm);
            PositionRisk { value, im: q * v + im_add, mm: q * v + mm_add }
        }
    }
}

/// TAV, IMR and MMR of an account whose funding is settled. A position whose market is
/// missing is impossible in a valid state; it contributes nothing.
pub fn account_risk(account: &Account, markets: &impl Markets) -> AccountRisk {
    let mut r = AccountRisk { tav: i128::from(account.collateral), imr: 0, mmr: 0 };
    for p in account.positions.iter().filter(|p| !p.is_empty()) {
        if let Some(m) = markets.market(p.market_id) {
            let pr = position_risk(m, p.size);
            r.tav += pr.value;
            r.imr += pr.im;
            r.mmr += pr.mm;
        }
    }
    r
}

/// Whether a trade or liquidation fill may move an account from `before` to `after`.
///
/// Allowed if the account ends initial-margined; otherwise only if it reduced risk: no
/// position grew or flipped (`|s_new| ≤ |s_old|`, same sign or closed), and the
/// value-to-maintenance ratio did not fall, `TAV_new·MMR_old ≥ TAV_old·MMR_new`
/// (cross-multiplied; if `MMR_old = 0`, `TAV_new ≥ TAV_old`).
pub fn transition_allowed(
    before: &Account,
    risk_before: &AccountRisk,
    after: &Account,
    risk_after: &AccountRisk,
) -> bool {
    if risk_after.is_initial_margined() {
        return true;
    }
    let markets = before.positions.iter().chain(after.positions.iter()).filter(|p| !p.is_empty());
    for p in markets {
        let (old, new) = (before.size_in(p.market_id), after.size_in(p.market_id));
        let reduced =
            new.unsigned_abs() <= old.unsigned_abs() && (new == 0 || (new > 0) == (old > 0));
        if !reduced {
            return false;
        }
    }
    if risk_before.mmr == 0 {
        return risk_after.tav >= risk_before.tav;
    }
    let lhs = I256::try_from(risk_after.tav).unwrap_or_default()
        * I256::try_from(risk_before.mmr).unwrap_or_default();
    let rhs = I256::try_from(risk_before.tav).unwrap_or_default()
        * I256::try_from(risk_after.mmr).unwrap_or_default();
    lhs >= rhs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn perp(mark: u32) -> Market {
        let mut m = Market::perp(1, 1);
        m.mark_price = mark;
        m.index_price = mark;
        m
    }

    #[test]
    fn perp_requirements_round_up() {
        let m = perp(1_000_003);
        // N = 3 · 1_000_003 = 3_000_009; IM = ceil(300_000.9) = 300_001; MM = ceil(150_000.45)
        let r = position_risk(&m, -3);
        assert_eq!(r.value, -3_000_009);
        assert_eq!(r.im, 300_001);
        assert_eq!(r.mm, 150_001);
    }

    #[test]
    fn short_call_margin_matches_formula() {
        // S = 100_000, K = 110_000 (OTM by 10_000), V = 2_000, q = 2.
        let mut m = perp(2_000);
        m.kind = MarketKind::Call;
        m.strike = 110_000;
        m.index_price = 100_000;
        m.imf_ppm = 150_000;
        m.mmf_ppm = 75_000;
        m.im_floor_ppm = 100_000;
        let r = position_risk(&m, -2);
        // IM = 2·(2000 + max(15000 − 10000, 10000)) = 2·12000 = 24000
        assert_eq!(r.im, 24_000);
        // MM = 2·(2000 + 7500) = 19000
        assert_eq!(r.mm, 19_000);
        assert_eq!(r.value, -4_000);
        // Long options carry no requirement.
        assert_eq!(position_risk(&m, 2).im, 0);
    }

    #[test]
    fn short_put_itm_uses_the_fifteen_percent_term() {
        let mut m = perp(12_000);
        m.kind = MarketKind::Put;
        m.strike = 110_000;
        m.index_price = 100_000; // put is ITM: OTM = max(0, S − K) = 0
        m.imf_ppm = 150_000;
        m.mmf_ppm = 75_000;
        m.im_floor_ppm = 100_000;
        let r = position_risk(&m, -1);
        assert_eq!(r.im, 12_000 + 15_000);
    }
}

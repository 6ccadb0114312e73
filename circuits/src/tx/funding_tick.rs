//! `FundingTick`: advances a perpetual's cumulative funding index, bounded by the cap:
//! `|Δindex| · 10^6 · 3600 ≤ cap_ppm_per_hour · mark · Δt` (StarkEx's funding-tick rule).

use serde::{Deserialize, Serialize};

use crate::constants::MAX_FUNDING_INDEX;
use crate::error::TxError;
use crate::pubdata::PubOp;
use crate::risk::funding_within_cap;
use crate::state::{MarketKind, Overlay};

/// A funding tick for one perp market.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundingTick {
    /// The perp market.
    pub market_id: u8,
    /// Tick time: after the previous tick, no later than the batch time.
    pub timestamp: u64,
    /// The new cumulative index, quantums per lot.
    pub new_index: i64,
}

pub(super) fn apply(ov: &mut Overlay<'_>, f: &FundingTick) -> Result<PubOp, TxError> {
    if f.timestamp > ov.now() {
        return Err(TxError::BadTimestamp);
    }
    let cap = ov.config().funding_cap_ppm_per_hour;
    let m = ov.market_checked(f.market_id)?;
    if m.kind != MarketKind::Perp {
        return Err(TxError::NotPerp(f.market_id));
    }
    if f.timestamp <= m.funding_time {
        return Err(TxError::BadTimestamp);
    }
    let delta = i128::from(f.new_index) - i128::from(m.funding_index);
    if !funding_within_cap(delta, m.mark_price, f.timestamp - m.funding_time, cap) {
        return Err(TxError::FundingAboveCap);
    }
    execute(ov, f.market_id, f.timestamp, f.new_index)?;
    Ok(PubOp::FundingTick {
        market_id: f.market_id,
        timestamp: f.timestamp,
        new_index: f.new_index,
    })
}

pub(super) fn execute(
    ov: &mut Overlay<'_>,
    market_id: u8,
    timestamp: u64,
    new_index: i64,
) -> Result<(), TxError> {
    if new_index.unsigned_abs() > MAX_FUNDING_INDEX as u64 {
        return Err(TxError::OutOfBounds("funding index"));
    }
    let m = ov.market_mut(market_id)?;
    if m.kind != MarketKind::Perp {
        return Err(TxError::NotPerp(market_id));
    }
    m.funding_index = new_index;
    m.funding_time = timestamp;
    Ok(())
}

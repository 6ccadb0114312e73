//! `OraclePrices`: sets mark and index prices, signed by the oracle, per market, with
//! strictly increasing timestamps no later than the batch time. The first update of an option
//! market at or after its expiry fixes its settlement price (the index, i.e. spot, then).
//! Option marks must be plausible: a call is worth at most spot, a put at most its strike.

use serde::{Deserialize, Serialize};

use crate::constants::{MAX_ORACLE_ENTRIES, MAX_TIMESTAMP};
use crate::error::TxError;
use crate::hash::{fe, hash_tagged, tag, Digest, F};
use crate::pubdata::{PriceEntry, PubOp};
use crate::schnorr::Signature;
use crate::state::{Config, MarketKind, Overlay};

/// A signed oracle update.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OraclePrices {
    /// Oracle timestamp, unix seconds.
    pub timestamp: u64,
    /// One to four prices, distinct markets.
    pub entries: Vec<PriceEntry>,
    /// The oracle's signature over [`Self::message`].
    pub signature: Signature,
}

impl OraclePrices {
    /// `H(ORACLE, domain(6) ‖ timestamp ‖ n ‖ (market, mark, index) × n)`: what the oracle
    /// signs.
    pub fn signing_message(config: &Config, timestamp: u64, entries: &[PriceEntry]) -> Digest {
        let mut e: Vec<F> = config.domain().to_vec();
        e.push(fe(timestamp));
        e.push(fe(entries.len() as u64));
        for p in entries {
            e.extend([fe(u64::from(p.market_id)), fe(u64::from(p.mark)), fe(u64::from(p.index))]);
        }
        hash_tagged(tag::ORACLE, &e)
    }

    /// This update's [`Self::signing_message`].
    pub fn message(&self, config: &Config) -> Digest {
        Self::signing_message(config, self.timestamp, &self.entries)
    }
}

pub(super) fn apply(ov: &mut Overlay<'_>, o: &OraclePrices) -> Result<PubOp, TxError> {
    if o.timestamp > ov.now() || o.timestamp > MAX_TIMESTAMP {
        return Err(TxError::BadTimestamp);
    }
    execute(ov, o.timestamp, &o.entries)?;
    Ok(PubOp::OraclePrices { timestamp: o.timestamp, entries: o.entries.clone() })
}

pub(super) fn execute(
    ov: &mut Overlay<'_>,
    timestamp: u64,
    entries: &[PriceEntry],
) -> Result<(), TxError> {
    if entries.is_empty() || entries.len() > MAX_ORACLE_ENTRIES {
        return Err(TxError::BadOracleUpdate("entry count"));
    }
    for (i, e) in entries.iter().enumerate() {
        if entries[..i].iter().any(|p| p.market_id == e.market_id) {
            return Err(TxError::BadOracleUpdate("duplicate market"));
        }
        let m = ov.market_mut(e.market_id)?;
        if timestamp <= m.oracle_time {
            return Err(TxError::BadTimestamp);
        }
        let plausible = match m.kind {
            MarketKind::Perp => e.mark > 0 && e.index > 0,
            MarketKind::Call => e.index > 0 && e.mark <= e.index,
            MarketKind::Put => e.index > 0 && e.mark <= m.strike,
        };
        if !plausible {
            return Err(TxError::BadOracleUpdate("implausible price"));
        }
        m.mark_price = e.mark;
        m.index_price = e.index;
        m.oracle_time = timestamp;
        if m.kind.is_option() && m.settlement_price == 0 && timestamp >= m.expiry {
            m.settlement_price = e.index;
        }
    }
    Ok(())
}

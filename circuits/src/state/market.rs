//! The market leaf: contract terms, risk parameters, oracle prices, funding, open interest.

use serde::{Deserialize, Serialize};

use crate::hash::{fe, fe_signed, hash_tagged, tag, Digest, ZERO_DIGEST};

/// What a market trades.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarketKind {
    /// Perpetual future (funding applies).
    Perp = 1,
    /// European call, cash-settled at expiry.
    Call = 2,
    /// European put, cash-settled at expiry.
    Put = 3,
}

impl MarketKind {
    /// Whether the market is an option.
    pub const fn is_option(self) -> bool {
        matches!(self, Self::Call | Self::Put)
    }
}

/// A market leaf. Prices are USDC quantums per lot (`u32`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Market {
    /// Market id (1..=255).
    pub id: u8,
    /// Perp, call or put.
    pub kind: MarketKind,
    /// Id of the underlying asset (informational; for options, the perp on the same asset).
    pub underlying: u8,
    /// Strike, price units (options only; 0 for perps).
    pub strike: u32,
    /// Expiry, unix seconds (options only; 0 for perps).
    pub expiry: u64,
    /// Underlying per lot, in 10^-8 units of the asset (informational, for display).
    pub lot_size: u64,
    /// Every order price is a multiple of this.
    pub tick_size: u32,
    /// Initial margin fraction, ppm (options: the 15 % term).
    pub imf_ppm: u32,
    /// Maintenance margin fraction, ppm (options: the 7.5 % term).
    pub mmf_ppm: u32,
    /// Options only: floor of the short initial requirement, ppm of spot (the 10 % term).
    pub im_floor_ppm: u32,
    /// Oracle mark price (options: the option's mark V); 0 = not priced yet, no trading.
    pub mark_price: u32,
    /// Oracle index price (options: spot S of the underlying).
    pub index_price: u32,
    /// Timestamp of the last oracle price (strictly increasing).
    pub oracle_time: u64,
    /// Cumulative funding index, quantums per lot (perps).
    pub funding_index: i64,
    /// Timestamp of the last funding tick.
    pub funding_time: u64,
    /// Options: the index price at the first oracle update at or after expiry; 0 = unsettled.
    pub settlement_price: u32,
    /// Open interest: sum of long sizes, lots.
    pub open_interest: u64,
}

impl Market {
    /// A perpetual market, not yet priced (the oracle's first update prices it), with lot
    /// 0.001 of the asset, tick 1 quantum and margin fractions 10 % / 5 %; adjust with the
    /// `with_*` methods.
    pub const fn perp(id: u8, underlying: u8) -> Self {
        Self {
            id,
            kind: MarketKind::Perp,
            underlying,
            strike: 0,
            expiry: 0,
            lot_size: 100_000,
            tick_size: 1,
            imf_ppm: 100_000,
            mmf_ppm: 50_000,
            im_floor_ppm: 0,
            mark_price: 0,
            index_price: 0,
            oracle_time: 0,
            funding_index: 0,
            funding_time: 0,
            settlement_price: 0,
            open_interest: 0,
        }
    }

    /// A European option market (`kind` call or put), not yet priced, with the standard
    /// short-option terms: 15 % of spot less out-of-the-money amount, floor 10 %, maintenance
    /// 7.5 % (DESIGN.md §4).
    pub const fn option(
        id: u8,
        kind: MarketKind,
        underlying: u8,
        strike: u32,
        expiry: u64,
    ) -> Self {
        let mut m = Self::perp(id, underlying);
        m.kind = kind;
        m.strike = strike;
        m.expiry = expiry;
        m.imf_ppm = 150_000;
        m.mmf_ppm = 75_000;
        m.im_floor_ppm = 100_000;
        m
    }

    /// With this lot size (underlying per lot, 10^-8 units).
    #[must_use]
    pub const fn with_lot_size(mut self, lot_size: u64) -> Self {
        self.lot_size = lot_size;
        self
    }

    /// With this tick size.
    #[must_use]
    pub const fn with_tick_size(mut self, tick_size: u32) -> Self {
        self.tick_size = tick_size;
        self
    }

    /// With these initial and maintenance margin fractions (ppm).
    #[must_use]
    pub const fn with_margin(mut self, imf_ppm: u32, mmf_ppm: u32) -> Self {
        self.imf_ppm = imf_ppm;
        self.mmf_ppm = mmf_ppm;
        self
    }

    /// The 16 leaf elements after the tag, in hashing order (the order of the fields above).
    pub fn leaf_hash(&self) -> Digest {
        let e = [
            fe(u64::from(self.id)),
            fe(self.kind as u64),
            fe(u64::from(self.underlying)),
            fe(u64::from(self.strike)),
            fe(self.expiry),
            fe(self.lot_size),
            fe(u64::from(self.tick_size)),
            fe(u64::from(self.imf_ppm)),
            fe(u64::from(self.mmf_ppm)),
            fe(u64::from(self.im_floor_ppm)),
            fe(u64::from(self.mark_price)),
            fe(u64::from(self.index_price)),
            fe(self.oracle_time),
            fe_signed(self.funding_index),
            fe(self.funding_time),
            fe(u64::from(self.settlement_price)),
            fe(self.open_interest),
        ];
        hash_tagged(tag::MARKET, &e)
    }

    /// The leaf hash of an optional market (`None` = empty leaf).
    pub fn leaf_hash_of(m: Option<&Self>) -> Digest {
        m.map_or(ZERO_DIGEST, Self::leaf_hash)
    }

    /// Whether an option market has reached its expiry at time `now`.
    pub const fn is_expired(&self, now: u64) -> bool {
        self.kind.is_option() && now >= self.expiry
    }

    /// Option payoff per lot at `price` (0 for perps).
    pub const fn payoff(&self, price: u32) -> u32 {
        match self.kind {
            MarketKind::Call => price.saturating_sub(self.strike),
            MarketKind::Put => self.strike.saturating_sub(price),
            MarketKind::Perp => 0,
        }
    }
}

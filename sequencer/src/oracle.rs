//! The simulated oracle of the embedded devnet: geometric random walks for BTC and ETH and
//! Black-Scholes marks for the BTC option chain (a flat 60 % volatility surface with a
//! small smile), signed with the devnet oracle key like any external feed would sign them.
//!
//! Its updates are ordinary logged inputs, so the randomness never affects replay.

use proofbook_circuits::client::L2Signer;
use proofbook_circuits::pubdata::PriceEntry;
use proofbook_circuits::risk::greeks::{price, BsInputs, OptionKind};
use proofbook_circuits::state::{Config, Market, MarketKind};
use proofbook_circuits::tx::OraclePrices;
use rand::Rng;

use crate::devnet::market;

/// Most prices per signed update (the spec's limit).
const ENTRIES_PER_UPDATE: usize = proofbook_circuits::constants::MAX_ORACLE_ENTRIES;
/// Seconds per year.
const YEAR: f64 = 365.0 * 86_400.0;

/// The simulated feed.
#[derive(Debug)]
pub struct SimOracle {
    signer: L2Signer,
    /// BTC spot, quantums per 0.001 BTC lot.
    btc: f64,
    /// ETH spot, quantums per 0.01 ETH lot.
    eth: f64,
    rng: rand::rngs::StdRng,
}

/// Volatility of the surface at `strike` for spot `spot`: 60 % at the money, a mild smile.
fn vol(spot: f64, strike: f64) -> f64 {
    let m = (strike / spot).ln();
    0.60 + 0.4 * m * m
}

impl SimOracle {
    /// A feed starting at BTC 100 000 USD and ETH 4 000 USD.
    pub fn new(signer: L2Signer, seed: u64) -> Self {
        use rand::SeedableRng;
        Self {
            signer,
            btc: 100_000_000.0,
            eth: 40_000_000.0,
            rng: rand::rngs::StdRng::seed_from_u64(seed),
        }
    }

    /// Moves the walks by `dt` seconds (annual volatility 50 % BTC, 60 % ETH).
    pub fn step(&mut self, dt: f64) {
        let walk = |x: &mut f64, sigma: f64, rng: &mut rand::rngs::StdRng| {
            // Sum of 12 uniforms − 6: a cheap, adequate normal sample for a simulation.
            let z: f64 = (0..12).map(|_| rng.random::<f64>()).sum::<f64>() - 6.0;
            *x *= (sigma * (dt / YEAR).sqrt() * z).exp();
        };
        walk(&mut self.btc, 0.5, &mut self.rng);
        walk(&mut self.eth, 0.6, &mut self.rng);
    }

    /// Price entries for every listed, unexpired market at `timestamp`.
    pub fn entries<'a>(
        &self,
        markets: impl Iterator<Item = &'a Market>,
        timestamp: u64,
    ) -> Vec<PriceEntry> {
        let btc = self.btc.round().clamp(1.0, f64::from(u32::MAX)) as u32;
        let eth = self.eth.round().clamp(1.0, f64::from(u32::MAX)) as u32;
        markets
            .filter(|m| m.settlement_price == 0)
            .map(|m| match m.kind {
                MarketKind::Perp => {
                    let p = if m.id == market::ETH_PERP { eth } else { btc };
                    PriceEntry { market_id: m.id, mark: p, index: p }
                }
                MarketKind::Call | MarketKind::Put => {
                    let t = m.expiry.saturating_sub(timestamp) as f64 / YEAR;
                    let strike = f64::from(m.strike);
                    let kind =
                        if m.kind == MarketKind::Call { OptionKind::Call } else { OptionKind::Put };
                    let inputs = BsInputs {
                        kind,
                        spot: f64::from(btc),
                        strike,
                        vol: vol(f64::from(btc), strike),
                        t_years: t,
                        rate: 0.0,
                    };
                    let v = price(&inputs).unwrap_or(0.0).round();
                    let cap = if m.kind == MarketKind::Call { btc } else { m.strike };
                    // A tradable mark is at least one tick and never above the spec's bound.
                    let mark = (v.max(f64::from(m.tick_size)) as u32).min(cap);
                    PriceEntry { market_id: m.id, mark, index: btc }
                }
            })
            .collect()
    }

    /// Signed updates (at most four prices each) for `timestamp`.
    pub fn updates<'a>(
        &self,
        config: &Config,
        markets: impl Iterator<Item = &'a Market>,
        timestamp: u64,
    ) -> Vec<OraclePrices> {
        self.entries(markets, timestamp)
            .chunks(ENTRIES_PER_UPDATE)
            .map(|c| self.signer.oracle_prices(config, timestamp, c.to_vec()))
            .collect()
    }
}

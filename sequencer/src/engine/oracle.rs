//! The simulated, signed oracle feed of the embedded default: underlying spots follow a
//! seeded geometric random walk, perpetual marks carry a small random basis over the index,
//! and option marks are Black-Scholes prices
//! ([`proofbook_circuits::risk::greeks`]) at volatilities read from a volatility surface.
//! Updates are signed with the oracle key ([`L2Signer::oracle_prices`]), so the engine
//! checks them exactly like an external feed's.
//!
//! Deterministic: the same seed and the same sequence of timestamps give the same updates.

use proofbook_circuits::client::L2Signer;
use proofbook_circuits::constants::MAX_ORACLE_ENTRIES;
use proofbook_circuits::pubdata::PriceEntry;
use proofbook_circuits::risk::greeks::{price, BsInputs, OptionKind};
use proofbook_circuits::state::{Market, MarketKind, State};
use proofbook_circuits::tx::OraclePrices;

/// Seconds in the year of the random walk and the option times to expiry.
const SECONDS_PER_YEAR: f64 = 365.0 * 86_400.0;

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator, enough for a simulation.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator from a seed.
    pub const fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..n` (`n > 0`; a negligible modulo bias).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// A standard normal draw (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.next_f64(); // (0, 1]: ln is finite
        let u2 = self.next_f64();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// Implied volatility as a function of log-moneyness `k = ln(K/S)` and time to expiry `t`
/// (years): `σ(k, t) = max(min_vol, atm + skew·k + smile·k² + term·√t)`.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct VolSurface {
    /// At-the-money volatility.
    pub atm: f64,
    /// Slope in log-moneyness (negative: puts dearer, the usual equity/crypto skew).
    pub skew: f64,
    /// Curvature in log-moneyness (the smile).
    pub smile: f64,
    /// Term structure: added `term·√t`.
    pub term: f64,
    /// Floor.
    pub min_vol: f64,
}

impl Default for VolSurface {
    /// A crypto-like surface: 60 % at the money, downside skew, a smile, mild term slope.
    fn default() -> Self {
        Self { atm: 0.60, skew: -0.15, smile: 0.80, term: 0.05, min_vol: 0.05 }
    }
}

impl VolSurface {
    /// `σ(k, t)`.
    pub fn vol(&self, log_moneyness: f64, t_years: f64) -> f64 {
        let k = log_moneyness;
        (self.atm + self.skew * k + self.smile * k * k + self.term * t_years.max(0.0).sqrt())
            .max(self.min_vol)
    }
}

/// The simulated feed.
#[derive(Clone, Debug)]
pub struct SimulatedOracle {
    signer: L2Signer,
    rng: SplitMix64,
    /// `(underlying id, USDC per unit)`, by underlying id.
    spots: Vec<(u8, f64)>,
    annual_vol: f64,
    basis_sd: f64,
    surface: VolSurface,
    last: Option<u64>,
}

fn to_price(x: f64) -> u32 {
    if x.is_finite() {
        x.round().clamp(0.0, f64::from(u32::MAX)) as u32
    } else {
        0
    }
}

impl SimulatedOracle {
    /// A feed signing with `signer` (the oracle key of the config), seeded with `seed`,
    /// starting from `spots` (underlying id, USDC per unit of underlying), with the random
    /// walk's annual volatility `annual_vol` and the option surface `surface`.
    pub fn new(
        signer: L2Signer,
        seed: u64,
        spots: &[(u8, f64)],
        annual_vol: f64,
        surface: VolSurface,
    ) -> Self {
        let mut spots = spots.to_vec();
        spots.sort_by_key(|&(u, _)| u);
        Self {
            signer,
            rng: SplitMix64::new(seed),
            spots,
            annual_vol,
            basis_sd: 2e-4,
            surface,
            last: None,
        }
    }

    /// Sets the standard deviation of the perpetuals' random basis over the index (default
    /// 2·10⁻⁴; 0: every perpetual's mark equals its index).
    pub fn with_basis_sd(mut self, basis_sd: f64) -> Self {
        self.basis_sd = basis_sd;
        self
    }

    /// The current spot of an underlying, USDC per unit.
    pub fn spot(&self, underlying: u8) -> Option<f64> {
        self.spots.iter().find(|&&(u, _)| u == underlying).map(|&(_, s)| s)
    }

    /// Advances the random walk by `dt` seconds.
    pub fn step(&mut self, dt: f64) {
        let var = self.annual_vol * self.annual_vol * dt.max(0.0) / SECONDS_PER_YEAR;
        for (_, s) in &mut self.spots {
            *s *= (var.sqrt() * self.rng.normal() - var / 2.0).exp();
        }
    }

    /// The price entry of market `m` at `timestamp` (current spots), if its underlying is
    /// simulated.
    pub fn entry(&mut self, m: &Market, timestamp: u64) -> Option<PriceEntry> {
        let spot = self.spot(m.underlying)?;
        let units = m.lot_size as f64 / 1e8;
        let index = to_price(spot * units * 1e6).max(1);
        let mark = match m.kind {
            MarketKind::Perp => {
                let basis = self.basis_sd * self.rng.normal();
                to_price(f64::from(index) * (1.0 + basis)).max(1)
            }
            MarketKind::Call | MarketKind::Put => {
                let kind =
                    if m.kind == MarketKind::Call { OptionKind::Call } else { OptionKind::Put };
                let strike = f64::from(m.strike) / 1e6 / units;
                let t = m.expiry.saturating_sub(timestamp) as f64 / SECONDS_PER_YEAR;
                let vol = self.surface.vol((strike / spot).ln(), t);
                let inputs = BsInputs { kind, spot, strike, vol, t_years: t, rate: 0.0 };
                let v = to_price(price(&inputs).unwrap_or(0.0) * units * 1e6);
                // The spec's plausibility rule: a call is worth at most spot, a put its strike.
                match m.kind {
                    MarketKind::Call => v.min(index),
                    _ => v.min(m.strike),
                }
            }
        };
        Some(PriceEntry { market_id: m.id, mark, index })
    }

    /// Steps the walk to `timestamp` and returns the signed updates for every market of
    /// `state` whose underlying is simulated, whose last oracle time is before `timestamp`
    /// and whose settlement price is not fixed yet, four markets per update, in market order.
    pub fn tick(&mut self, state: &State, timestamp: u64) -> Vec<OraclePrices> {
        let dt = self.last.map_or(0, |l| timestamp.saturating_sub(l));
        self.step(dt as f64);
        self.last = Some(timestamp);
        let markets: Vec<Market> = state
            .markets()
            .filter(|m| m.oracle_time < timestamp && m.settlement_price == 0)
            .cloned()
            .collect();
        let entries: Vec<PriceEntry> =
            markets.iter().filter_map(|m| self.entry(m, timestamp)).collect();
        entries
            .chunks(MAX_ORACLE_ENTRIES)
            .map(|c| self.signer.oracle_prices(state.config(), timestamp, c.to_vec()))
            .collect()
    }
}

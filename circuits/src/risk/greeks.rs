//! Off-chain Black-Scholes prices, Greeks and implied volatility for the risk engine.
//!
//! DESIGN.md §4: delta, gamma, vega and theta are computed by the sequencer's risk engine in
//! `f64` for every option position and account, served over RPC and used to pre-screen orders
//! and liquidations. They never enter a circuit, so this module is plain floating point; the
//! integer margin rules live beside it in [`crate::risk`].
//!
//! Model: European options on an underlying that pays nothing, with a continuously compounded
//! rate `r` (Black-Scholes-Merton). With `w = σ√T` ("total volatility") and
//! `m = ln(S/K) + rT`, `d1 = m/w + w/2` and `d2 = d1 − w`:
//!
//! ```text
//! call = S·N(d1) − K·e^(−rT)·N(d2)        put = K·e^(−rT)·N(−d2) − S·N(−d1)
//! ```
//!
//! Units, for one unit of the underlying:
//! - `delta` = ∂V/∂S, `gamma` = ∂²V/∂S²;
//! - `vega` = ∂V/∂σ per 1.00 of volatility (σ from 0.20 to 1.20); [`Greeks::vega_per_pct`]
//!   gives it per volatility point (0.20 to 0.21);
//! - `theta` = ∂V/∂t per year of calendar time (= −∂V/∂T, so usually negative);
//!   [`Greeks::theta_per_day`] divides by [`DAYS_PER_YEAR`].
//!
//! The normal CDF is `N(x) = erfc(−x/√2)/2` with `erfc` from the `libm` crate (a port of
//! musl's / FreeBSD msun's `erfc`, accurate to about one ulp), which keeps both tails accurate
//! in relative terms; nothing here is a hand-rolled approximation.
//!
//! Degenerate cases are the limits of the formulas, not errors: at expiry (`t_years == 0`) the
//! value is intrinsic, delta is 0 or ±1 and gamma, vega and theta are 0; with zero volatility
//! the value is the discounted-forward intrinsic `max(S − K·e^(−rT), 0)` (call). Exactly at
//! the kink (`S == K` at expiry, `S == K·e^(−rT)` at zero vol) delta is ±0.5, the mean of its
//! one-sided limits and the limit of `N(d1)`.

use core::fmt;
use core::iter::Sum;
use core::ops::{Add, AddAssign};

use serde::{Deserialize, Serialize};

/// Days in the year used by [`Greeks::theta_per_day`] (calendar days, no leap years).
pub const DAYS_PER_YEAR: f64 = 365.0;

/// `1/√(2π)`, the normal density at 0.
const INV_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

/// Total volatility `σ√T` above which [`implied_vol`] gives up: there `N(d2) < 1e-200`, so a
/// price the solver cannot reach is indistinguishable from the upper no-arbitrage bound.
const MAX_TOTAL_VOL: f64 = 64.0;

/// Iteration cap of [`implied_vol`]; bisection alone needs about 100 from `[0, 64]`.
const MAX_IV_ITERATIONS: u32 = 200;

/// Call or put.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OptionKind {
    /// The right to buy the underlying at the strike.
    Call,
    /// The right to sell the underlying at the strike.
    Put,
}

/// Which input of a computation was rejected (carried by [`GreeksError`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Input {
    /// [`BsInputs::spot`].
    Spot,
    /// [`BsInputs::strike`].
    Strike,
    /// [`BsInputs::vol`].
    Vol,
    /// [`BsInputs::t_years`].
    TYears,
    /// [`BsInputs::rate`].
    Rate,
    /// The option price given to [`implied_vol`].
    Price,
    /// A position quantity ([`PositionGreeks`]).
    Quantity,
}

impl fmt::Display for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Spot => "spot",
            Self::Strike => "strike",
            Self::Vol => "vol",
            Self::TYears => "t_years",
            Self::Rate => "rate",
            Self::Price => "price",
            Self::Quantity => "quantity",
        })
    }
}

/// Why a price, Greek or implied volatility could not be computed.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum GreeksError {
    /// An input is NaN or infinite.
    #[error("{input} is not a finite number")]
    NonFinite {
        /// The offending input.
        input: Input,
    },
    /// An input that must be strictly positive (spot, strike; time to expiry for implied
    /// volatility) is zero or negative.
    #[error("{input} must be > 0, got {value}")]
    NotPositive {
        /// The offending input.
        input: Input,
        /// Its value.
        value: f64,
    },
    /// An input that must be non-negative (volatility, time to expiry, price) is negative.
    #[error("{input} must be >= 0, got {value}")]
    Negative {
        /// The offending input.
        input: Input,
        /// Its value.
        value: f64,
    },
    /// The option price given to [`implied_vol`] is outside `[lower, upper)`, the range of
    /// Black-Scholes prices over volatilities in `[0, ∞)`, so no volatility reproduces it.
    #[error("price {price} is outside the no-arbitrage range [{lower}, {upper})")]
    PriceOutOfBounds {
        /// The price given.
        price: f64,
        /// The zero-volatility price (discounted-forward intrinsic value).
        lower: f64,
        /// The infinite-volatility price (spot for a call, discounted strike for a put).
        upper: f64,
    },
    /// [`implied_vol`] did not converge: the price is numerically indistinguishable from the
    /// upper no-arbitrage bound (total volatility above 64), or the iteration cap was hit.
    #[error("implied volatility did not converge after {iterations} iterations")]
    NoConvergence {
        /// Iterations performed.
        iterations: u32,
    },
    /// Every input is valid but the result overflowed `f64` (for example a huge volatility
    /// times a huge time to expiry, or a quantity times a Greek beyond `f64::MAX`).
    #[error("the result is not a finite number (inputs too extreme)")]
    NonFiniteResult,
}

/// Inputs of one Black-Scholes valuation.
///
/// Validity (checked by [`BsInputs::validate`] and by every function that takes them): all
/// fields finite, `spot > 0`, `strike > 0`, `vol >= 0`, `t_years >= 0`; `rate` may be negative.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BsInputs {
    /// Call or put.
    pub kind: OptionKind,
    /// Price of the underlying (oracle or mark), in quote units per unit of underlying.
    pub spot: f64,
    /// Strike, in the same units as `spot`.
    pub strike: f64,
    /// Annualised volatility (0.20 = 20 %).
    pub vol: f64,
    /// Time to expiry in years (0 = at expiry).
    pub t_years: f64,
    /// Continuously compounded annual risk-free rate (0.05 = 5 %).
    pub rate: f64,
}

impl BsInputs {
    /// Checks the validity rules in the type's documentation.
    pub fn validate(&self) -> Result<(), GreeksError> {
        let fields = [
            (Input::Spot, self.spot),
            (Input::Strike, self.strike),
            (Input::Vol, self.vol),
            (Input::TYears, self.t_years),
            (Input::Rate, self.rate),
        ];
        for (input, value) in fields {
            if !value.is_finite() {
                return Err(GreeksError::NonFinite { input });
            }
        }
        for (input, value) in [(Input::Spot, self.spot), (Input::Strike, self.strike)] {
            if value <= 0.0 {
                return Err(GreeksError::NotPositive { input, value });
            }
        }
        for (input, value) in [(Input::Vol, self.vol), (Input::TYears, self.t_years)] {
            if value < 0.0 {
                return Err(GreeksError::Negative { input, value });
            }
        }
        Ok(())
    }
}

/// Sensitivities of an option value (units in the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Greeks {
    /// ∂V/∂S.
    pub delta: f64,
    /// ∂²V/∂S².
    pub gamma: f64,
    /// ∂V/∂σ per 1.00 of volatility.
    pub vega: f64,
    /// ∂V/∂t per year of calendar time.
    pub theta: f64,
}

impl Greeks {
    /// All four Greeks zero: the identity of `+` and the Greeks of a flat position.
    pub const ZERO: Self = Self { delta: 0.0, gamma: 0.0, vega: 0.0, theta: 0.0 };

    /// Every Greek multiplied by `factor` (a signed position size, for instance).
    pub fn scaled(self, factor: f64) -> Self {
        Self {
            delta: self.delta * factor,
            gamma: self.gamma * factor,
            vega: self.vega * factor,
            theta: self.theta * factor,
        }
    }

    /// Vega per volatility point (per 0.01 of σ).
    pub fn vega_per_pct(&self) -> f64 {
        self.vega / 100.0
    }

    /// Theta per calendar day (`theta / 365`).
    pub fn theta_per_day(&self) -> f64 {
        self.theta / DAYS_PER_YEAR
    }

    /// Whether all four Greeks are finite.
    pub fn is_finite(&self) -> bool {
        self.delta.is_finite()
            && self.gamma.is_finite()
            && self.vega.is_finite()
            && self.theta.is_finite()
    }
}

impl Add for Greeks {
    type Output = Self;

    fn add(self, rhs: Self) -> Self {
        Self {
            delta: self.delta + rhs.delta,
            gamma: self.gamma + rhs.gamma,
            vega: self.vega + rhs.vega,
            theta: self.theta + rhs.theta,
        }
    }
}

impl AddAssign for Greeks {
    fn add_assign(&mut self, rhs: Self) {
        *self = *self + rhs;
    }
}

impl Sum for Greeks {
    fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
        iter.fold(Self::ZERO, Add::add)
    }
}

impl<'a> Sum<&'a Self> for Greeks {
    fn sum<I: Iterator<Item = &'a Self>>(iter: I) -> Self {
        iter.copied().sum()
    }
}

/// The Greeks of one position: per-unit Greeks times a signed quantity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PositionGreeks {
    /// Signed size in units of underlying: contracts × underlying per contract, converted to
    /// `f64` by the caller; negative for a short position.
    pub quantity: f64,
    /// Greeks of one unit of underlying.
    pub per_unit: Greeks,
    /// `per_unit` scaled by `quantity`.
    pub total: Greeks,
}

impl PositionGreeks {
    /// A position of `quantity` units with the given per-unit Greeks.
    pub fn new(per_unit: Greeks, quantity: f64) -> Result<Self, GreeksError> {
        if !quantity.is_finite() {
            return Err(GreeksError::NonFinite { input: Input::Quantity });
        }
        let total = per_unit.scaled(quantity);
        if !total.is_finite() {
            return Err(GreeksError::NonFiniteResult);
        }
        Ok(Self { quantity, per_unit, total })
    }

    /// An option position: `quantity` units of the option described by `inputs`.
    pub fn option(inputs: &BsInputs, quantity: f64) -> Result<Self, GreeksError> {
        Self::new(greeks(inputs)?, quantity)
    }

    /// A perpetual-future position of `quantity` units (delta one, see [`perp_greeks`]).
    pub fn perp(quantity: f64) -> Result<Self, GreeksError> {
        Self::new(perp_greeks(1.0), quantity)
    }
}

/// Greeks of a perpetual-future position of `quantity` units of underlying: delta is the
/// quantity, the rest is zero (a perp is linear in spot and has no expiry). Funding is not a
/// Greek and is ignored.
pub fn perp_greeks(quantity: f64) -> Greeks {
    Greeks { delta: quantity, ..Greeks::ZERO }
}

/// Account total: the sum of the positions' `total` Greeks (options and perps alike).
pub fn account_greeks<'a, I>(positions: I) -> Greeks
where
    I: IntoIterator<Item = &'a PositionGreeks>,
{
    positions.into_iter().map(|p| p.total).sum()
}

/// Black-Scholes value of one unit of the option.
pub fn price(inputs: &BsInputs) -> Result<f64, GreeksError> {
    price_and_greeks(inputs).map(|(value, _)| value)
}

/// Greeks of one unit of the option (units in the module documentation).
pub fn greeks(inputs: &BsInputs) -> Result<Greeks, GreeksError> {
    price_and_greeks(inputs).map(|(_, g)| g)
}

/// Value and Greeks of one unit of the option in one pass.
pub fn price_and_greeks(inputs: &BsInputs) -> Result<(f64, Greeks), GreeksError> {
    inputs.validate()?;
    let (value, g) = evaluate(inputs);
    if value.is_finite() && g.is_finite() {
        Ok((value, g))
    } else {
        Err(GreeksError::NonFiniteResult)
    }
}

/// No-arbitrage range `(lower, upper)` of the option's value over all volatilities: `lower`
/// is the zero-volatility value (`max(S − K·e^(−rT), 0)` for a call, `max(K·e^(−rT) − S, 0)`
/// for a put), `upper` the infinite-volatility value (`S` for a call, `K·e^(−rT)` for a put).
/// `inputs.vol` is ignored (it may be anything valid).
pub fn price_bounds(inputs: &BsInputs) -> Result<(f64, f64), GreeksError> {
    inputs.validate()?;
    let kd = inputs.strike * (-inputs.rate * inputs.t_years).exp();
    let bounds = match inputs.kind {
        OptionKind::Call => ((inputs.spot - kd).max(0.0), inputs.spot),
        OptionKind::Put => ((kd - inputs.spot).max(0.0), kd),
    };
    if bounds.0.is_finite() && bounds.1.is_finite() {
        Ok(bounds)
    } else {
        Err(GreeksError::NonFiniteResult)
    }
}

/// The annualised volatility at which the Black-Scholes value equals `price`.
///
/// Requires `t_years > 0` and `price` in the range of [`price_bounds`]: a price at the lower
/// bound (within rounding) gives 0, a price below it or at/above the upper bound gives
/// [`GreeksError::PriceOutOfBounds`].
///
/// Method: an in-the-money price is first turned into its out-of-the-money twin's by put-call
/// parity (same volatility). Then Newton's method on `ln(value)` in total volatility
/// `w = σ√T`, safeguarded by a bracket `[lo, hi]` that always holds the root (the value is
/// strictly increasing in `w`): a Newton step that leaves the bracket, or that failed to halve
/// the residual, is replaced by bisection. The start is Manaster & Koehler's
/// `w₀ = √(2·|ln(S/K) + rT|)` (Brenner & Subrahmanyam's `price/S·√(2π)` at the forward). It
/// stops once the residual is within the value's own rounding error; typically 5–12
/// evaluations, bracketing included.
pub fn implied_vol(
    kind: OptionKind,
    spot: f64,
    strike: f64,
    t_years: f64,
    rate: f64,
    price: f64,
) -> Result<f64, GreeksError> {
    solve_implied_vol(kind, spot, strike, t_years, rate, price).map(|(vol, _)| vol)
}

/// [`implied_vol`] and the number of iterations it took (bracketing included).
fn solve_implied_vol(
    kind: OptionKind,
    spot: f64,
    strike: f64,
    t_years: f64,
    rate: f64,
    price: f64,
) -> Result<(f64, u32), GreeksError> {
    let inputs = BsInputs { kind, spot, strike, vol: 0.0, t_years, rate };
    let (lower, upper) = price_bounds(&inputs)?;
    if !price.is_finite() {
        return Err(GreeksError::NonFinite { input: Input::Price });
    }
    if price < 0.0 {
        return Err(GreeksError::Negative { input: Input::Price, value: price });
    }
    if t_years <= 0.0 {
        return Err(GreeksError::NotPositive { input: Input::TYears, value: t_years });
    }
    let kd = strike * (-rate * t_years).exp();
    // The bounds themselves carry a few ulps of rounding; a price that close to `lower` is
    // the zero-volatility price.
    let slack = 4.0 * f64::EPSILON * (spot + kd);
    if price < lower - slack || price >= upper {
        return Err(GreeksError::PriceOutOfBounds { price, lower, upper });
    }
    if price <= lower {
        return Ok((0.0, 0));
    }
    // Solve for the out-of-the-money twin instead (put-call parity: same vol, value lower by
    // the intrinsic `lower`): its value is all time value, which an in-the-money value would
    // bury under the intrinsic part.
    let (kind, price) = match kind {
        OptionKind::Call if lower > 0.0 => (OptionKind::Put, price - lower),
        OptionKind::Put if lower > 0.0 => (OptionKind::Call, price - lower),
        _ => (kind, price),
    };

    let sqrt_t = t_years.sqrt();
    let m = spot.ln() - strike.ln() + rate * t_years;
    // Newton on ln(value): in the tails the value is like exp(−d²/2), where Newton on the
    // value itself crawls; its logarithm is close to quadratic in 1/w. Same root, same sign.
    let ln_target = price.ln();
    let residual = |w: f64| {
        let (value, dvalue_dw, noise) = value_in_total_vol(kind, spot, kd, m, w);
        (value.ln() - ln_target, dvalue_dw / value, noise)
    };

    // Bracket: value(0) = lower < price; double `hi` until value(hi) >= price.
    let mut lo = 0.0_f64;
    let mut hi = 1.0_f64;
    let mut iterations = 0_u32;
    while residual(hi).0 < 0.0 {
        iterations += 1;
        lo = hi;
        hi *= 2.0;
        if hi > MAX_TOTAL_VOL {
            return Err(GreeksError::NoConvergence { iterations });
        }
    }

    let mut w = {
        let mk = (2.0 * m.abs()).sqrt();
        if mk > 0.0 {
            mk
        } else {
            price / spot * (2.0 * core::f64::consts::PI).sqrt()
        }
    };
    if !(w > lo && w < hi) {
        w = 0.5 * (lo + hi);
    }
    let mut last_abs = f64::INFINITY;
    while iterations < MAX_IV_ITERATIONS {
        iterations += 1;
        let (g, slope, noise) = residual(w);
        // Closer than the value's own rounding error is as good as it gets.
        if g.abs() <= noise {
            return Ok((w / sqrt_t, iterations));
        }
        if g < 0.0 {
            lo = w;
        } else {
            hi = w;
        }
        if hi - lo <= 2.0 * f64::EPSILON * hi {
            return Ok((w / sqrt_t, iterations));
        }
        let newton = w - g / slope;
        // Bisect when Newton leaves the bracket or did not halve the residual; NaN (a value
        // that underflowed to 0) fails every comparison and bisects too.
        let next = if newton > lo && newton < hi && g.abs() <= 0.5 * last_abs {
            newton
        } else {
            0.5 * (lo + hi)
        };
        if (next - w).abs() <= 8.0 * f64::EPSILON * w {
            return Ok((next / sqrt_t, iterations));
        }
        last_abs = g.abs();
        w = next;
    }
    Err(GreeksError::NoConvergence { iterations })
}

/// Standard normal density.
fn norm_pdf(x: f64) -> f64 {
    INV_SQRT_2PI * (-0.5 * x * x).exp()
}

/// Standard normal CDF, accurate in relative terms in the lower tail (erfc does not cancel).
fn norm_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x * core::f64::consts::FRAC_1_SQRT_2)
}

/// Value, ∂value/∂w and the relative rounding error of the value, for total volatility
/// `w > 0`, with `kd = K·e^(−rT)` and `m = ln(S/K) + rT`.
///
/// The value is a difference `a − b` of two terms `X·N(±d)`. Each term carries a few ulps of
/// its own size plus the ulps of `d`, magnified by `|d|` in `N`'s tail (relative error about
/// `d·δd ≈ ε·d²`); far from the money the difference is much smaller than the terms, so its
/// relative error is that much larger.
fn value_in_total_vol(kind: OptionKind, s: f64, kd: f64, m: f64, w: f64) -> (f64, f64, f64) {
    let d1 = m / w + 0.5 * w;
    let d2 = d1 - w;
    let (a, b) = match kind {
        OptionKind::Call => (s * norm_cdf(d1), kd * norm_cdf(d2)),
        OptionKind::Put => (kd * norm_cdf(-d2), s * norm_cdf(-d1)),
    };
    let value = (a - b).max(0.0);
    let (da, db) = match kind {
        OptionKind::Call => (d1, d2),
        OptionKind::Put => (d2, d1),
    };
    let noise = if value > 0.0 {
        4.0 * f64::EPSILON * (a * (1.0 + da * da) + b * (1.0 + db * db)) / value
    } else {
        0.0
    };
    (value, s * norm_pdf(d1), noise)
}

/// Value and Greeks of valid inputs; may return non-finite numbers on overflow.
fn evaluate(inputs: &BsInputs) -> (f64, Greeks) {
    let BsInputs { kind, spot: s, strike: k, vol, t_years: t, rate: r } = *inputs;
    let sqrt_t = t.sqrt();
    let kd = k * (-r * t).exp();
    let w = vol * sqrt_t;
    if w > 0.0 {
        let m = s.ln() - k.ln() + r * t;
        let d1 = m / w + 0.5 * w;
        let d2 = d1 - w;
        let pdf = norm_pdf(d1);
        let gamma = pdf / (s * w);
        let vega = s * pdf * sqrt_t;
        // Time decay of the volatility part, common to calls and puts.
        let decay = -s * pdf * vol / (2.0 * sqrt_t);
        let (value, delta, theta) = match kind {
            OptionKind::Call => {
                let n2 = norm_cdf(d2);
                (s * norm_cdf(d1) - kd * n2, norm_cdf(d1), decay - r * kd * n2)
            }
            OptionKind::Put => {
                let n2 = norm_cdf(-d2);
                (kd * n2 - s * norm_cdf(-d1), -norm_cdf(-d1), decay + r * kd * n2)
            }
        };
        return (value.max(0.0), Greeks { delta, gamma, vega, theta });
    }

    // w == 0: at expiry (t == 0, kd == k) or zero volatility. The value is the intrinsic
    // value against the discounted strike; `itm` is the call's delta (½ at the kink).
    let itm = if s > kd {
        1.0
    } else if s < kd {
        0.0
    } else {
        0.5
    };
    let (value, delta) = match kind {
        OptionKind::Call => ((s - kd).max(0.0), itm),
        OptionKind::Put => ((kd - s).max(0.0), itm - 1.0),
    };
    if t == 0.0 {
        return (value, Greeks { delta, ..Greeks::ZERO });
    }
    // Zero volatility before expiry: the value drifts with the discounted strike. Vega is the
    // σ → 0 limit S·√T·n(0) at the forward and 0 elsewhere; gamma is a point mass at the
    // forward, reported as 0.
    let theta = match kind {
        OptionKind::Call => -r * kd * itm,
        OptionKind::Put => r * kd * (1.0 - itm),
    };
    let vega = if s == kd { s * sqrt_t * INV_SQRT_2PI } else { 0.0 };
    (value, Greeks { delta, gamma: 0.0, vega, theta })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn call(spot: f64, strike: f64, vol: f64, t_years: f64, rate: f64) -> BsInputs {
        BsInputs { kind: OptionKind::Call, spot, strike, vol, t_years, rate }
    }

    fn put(spot: f64, strike: f64, vol: f64, t_years: f64, rate: f64) -> BsInputs {
        BsInputs { kind: OptionKind::Put, spot, strike, vol, t_years, rate }
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    /// Hull, "Options, Futures, and Other Derivatives" (8th/9th ed.), Example 15.6:
    /// S0 = 42, K = 40, r = 10 %, σ = 20 %, T = 0.5 gives c = 4.76 and p = 0.81.
    #[test]
    fn hull_example_15_6() {
        let c = price(&call(42.0, 40.0, 0.2, 0.5, 0.1)).unwrap();
        let p = price(&put(42.0, 40.0, 0.2, 0.5, 0.1)).unwrap();
        assert!(close(c, 4.76, 0.005), "call {c}");
        assert!(close(p, 0.81, 0.005), "put {p}");
    }

    /// Hull, "Options, Futures, and Other Derivatives" (9th ed.), chapter 19 ("The Greek
    /// Letters") running example: a call with S0 = 49, K = 50, r = 5 %, σ = 20 %, T = 20
    /// weeks (0.3846 y) is worth about 2.40, with delta 0.522 (§19.4), theta −4.31 per year
    /// (−0.0118 per calendar day, Example 19.2), gamma 0.066 (Example 19.4) and vega 12.1
    /// (per 1.00 of σ, Example 19.6).
    #[test]
    fn hull_chapter_19_greeks() {
        let inputs = call(49.0, 50.0, 0.2, 20.0 / 52.0, 0.05);
        let (v, g) = price_and_greeks(&inputs).unwrap();
        assert!(close(v, 2.40, 0.005), "price {v}");
        assert!(close(g.delta, 0.522, 0.0005), "delta {}", g.delta);
        assert!(close(g.gamma, 0.066, 0.0005), "gamma {}", g.gamma);
        assert!(close(g.vega, 12.1, 0.05), "vega {}", g.vega);
        assert!(close(g.vega_per_pct(), 0.121, 0.0005));
        assert!(close(g.theta, -4.31, 0.005), "theta {}", g.theta);
        assert!(close(g.theta_per_day(), -0.0118, 0.00005), "theta/day {}", g.theta_per_day());
    }

    #[test]
    fn expiry_limits() {
        let t0 =
            |kind, spot| BsInputs { kind, spot, strike: 100.0, vol: 0.5, t_years: 0.0, rate: 0.05 };
        let cases = [
            (OptionKind::Call, 120.0, 20.0, 1.0),
            (OptionKind::Call, 80.0, 0.0, 0.0),
            (OptionKind::Call, 100.0, 0.0, 0.5),
            (OptionKind::Put, 120.0, 0.0, 0.0),
            (OptionKind::Put, 80.0, 20.0, -1.0),
            (OptionKind::Put, 100.0, 0.0, -0.5),
        ];
        for (kind, spot, value, delta) in cases {
            let (v, g) = price_and_greeks(&t0(kind, spot)).unwrap();
            assert_eq!(v, value, "{kind:?} {spot}");
            assert_eq!(g, Greeks { delta, ..Greeks::ZERO }, "{kind:?} {spot}");
        }
        // Continuity: a microsecond before expiry is the same away from the strike.
        for (kind, spot, value, delta) in cases.into_iter().filter(|c| c.1 != 100.0) {
            let inputs = BsInputs { t_years: 1e-12, ..t0(kind, spot) };
            let (v, g) = price_and_greeks(&inputs).unwrap();
            assert!(close(v, value, 1e-9), "{kind:?} {spot}: {v}");
            assert!(close(g.delta, delta, 1e-12));
            assert!(close(g.gamma, 0.0, 1e-12) && close(g.vega, 0.0, 1e-12));
        }
    }

    #[test]
    fn zero_vol_limits() {
        let (r, t) = (0.05_f64, 2.0_f64);
        let kd = 100.0 * (-r * t).exp();
        for (spot, itm) in [(120.0, 1.0), (80.0, 0.0)] {
            let (c, gc) = price_and_greeks(&call(spot, 100.0, 0.0, t, r)).unwrap();
            let (p, gp) = price_and_greeks(&put(spot, 100.0, 0.0, t, r)).unwrap();
            assert!(close(c, (spot - kd).max(0.0), 1e-12));
            assert!(close(p, (kd - spot).max(0.0), 1e-12));
            assert_eq!((gc.delta, gp.delta), (itm, itm - 1.0));
            assert_eq!((gc.gamma, gc.vega, gp.gamma, gp.vega), (0.0, 0.0, 0.0, 0.0));
            assert!(close(gc.theta, -r * kd * itm, 1e-12));
            assert!(close(gp.theta, r * kd * (1.0 - itm), 1e-12));
            // The σ → 0 limit agrees with a tiny σ.
            for inputs in [call(spot, 100.0, 1e-9, t, r), put(spot, 100.0, 1e-9, t, r)] {
                let (v0, g0) = price_and_greeks(&BsInputs { vol: 0.0, ..inputs }).unwrap();
                let (v, g) = price_and_greeks(&inputs).unwrap();
                assert!(close(v, v0, 1e-9) && close(g.delta, g0.delta, 1e-9));
                assert!(close(g.theta, g0.theta, 1e-9) && close(g.vega, g0.vega, 1e-9));
            }
        }
        // Exactly at the forward: delta ½, vega the limit S·√T·n(0).
        let at_fwd = call(kd, 100.0, 0.0, t, r);
        let g = greeks(&at_fwd).unwrap();
        assert_eq!(g.delta, 0.5);
        let g_tiny = greeks(&BsInputs { vol: 1e-9, ..at_fwd }).unwrap();
        assert!(close(g.vega, g_tiny.vega, 1e-6), "{} vs {}", g.vega, g_tiny.vega);
    }

    #[test]
    fn invalid_inputs_are_typed_errors() {
        let ok = call(100.0, 100.0, 0.2, 1.0, 0.01);
        let cases = [
            (BsInputs { spot: f64::NAN, ..ok }, GreeksError::NonFinite { input: Input::Spot }),
            (
                BsInputs { strike: f64::INFINITY, ..ok },
                GreeksError::NonFinite { input: Input::Strike },
            ),
            (BsInputs { vol: f64::NAN, ..ok }, GreeksError::NonFinite { input: Input::Vol }),
            (
                BsInputs { t_years: f64::INFINITY, ..ok },
                GreeksError::NonFinite { input: Input::TYears },
            ),
            (
                BsInputs { rate: f64::NEG_INFINITY, ..ok },
                GreeksError::NonFinite { input: Input::Rate },
            ),
            (
                BsInputs { spot: 0.0, ..ok },
                GreeksError::NotPositive { input: Input::Spot, value: 0.0 },
            ),
            (
                BsInputs { strike: -1.0, ..ok },
                GreeksError::NotPositive { input: Input::Strike, value: -1.0 },
            ),
            (
                BsInputs { vol: -0.1, ..ok },
                GreeksError::Negative { input: Input::Vol, value: -0.1 },
            ),
            (
                BsInputs { t_years: -1.0, ..ok },
                GreeksError::Negative { input: Input::TYears, value: -1.0 },
            ),
            (BsInputs { vol: 1e300, t_years: 1e300, ..ok }, GreeksError::NonFiniteResult),
        ];
        for (inputs, err) in cases {
            assert_eq!(price(&inputs), Err(err), "{inputs:?}");
            assert_eq!(greeks(&inputs), Err(err), "{inputs:?}");
        }
        // Negative rates are valid.
        assert!(price(&BsInputs { rate: -0.01, ..ok }).is_ok());

        let iv = |t: f64, p: f64| implied_vol(OptionKind::Call, 100.0, 90.0, t, 0.0, p);
        assert_eq!(
            iv(0.0, 15.0),
            Err(GreeksError::NotPositive { input: Input::TYears, value: 0.0 })
        );
        assert_eq!(iv(1.0, f64::NAN), Err(GreeksError::NonFinite { input: Input::Price }));
        assert_eq!(iv(1.0, -1.0), Err(GreeksError::Negative { input: Input::Price, value: -1.0 }));
        let oob = |p| GreeksError::PriceOutOfBounds { price: p, lower: 10.0, upper: 100.0 };
        assert_eq!(iv(1.0, 9.0), Err(oob(9.0)));
        assert_eq!(iv(1.0, 100.0), Err(oob(100.0)));
        assert_eq!(iv(1.0, 10.0), Ok(0.0));
        // Just below the upper bound is still solvable (total volatility about 16).
        assert!(iv(1.0, 100.0 - 1e-13).is_ok_and(|v| v > 10.0));
        assert_eq!(
            PositionGreeks::perp(f64::NAN),
            Err(GreeksError::NonFinite { input: Input::Quantity })
        );
        assert_eq!(
            PositionGreeks::new(Greeks { gamma: 1e300, ..Greeks::ZERO }, 1e300),
            Err(GreeksError::NonFiniteResult)
        );
    }

    #[test]
    fn implied_vol_examples() {
        // Hull Example 15.6 backwards, and a deep OTM put at high vol.
        for inputs in [
            call(42.0, 40.0, 0.2, 0.5, 0.1),
            put(42.0, 40.0, 0.2, 0.5, 0.1),
            put(100.0, 40.0, 1.5, 0.25, 0.03),
        ] {
            let p = price(&inputs).unwrap();
            let v = implied_vol(
                inputs.kind,
                inputs.spot,
                inputs.strike,
                inputs.t_years,
                inputs.rate,
                p,
            )
            .unwrap();
            assert!(close(v, inputs.vol, 1e-9), "{inputs:?}: {v}");
        }
    }

    #[test]
    fn aggregation() {
        let c = call(100.0, 110.0, 0.6, 0.25, 0.03);
        let p = put(100.0, 90.0, 0.7, 0.5, 0.03);
        let long_calls = PositionGreeks::option(&c, 3.0).unwrap();
        let short_puts = PositionGreeks::option(&p, -2.0).unwrap();
        let short_perp = PositionGreeks::perp(-0.5).unwrap();
        assert_eq!(short_perp.total, perp_greeks(-0.5));
        assert_eq!(perp_greeks(-0.5), Greeks { delta: -0.5, ..Greeks::ZERO });
        let gc = greeks(&c).unwrap();
        let gp = greeks(&p).unwrap();
        assert_eq!(long_calls.total, gc.scaled(3.0));
        assert_eq!(short_puts.total.delta, -2.0 * gp.delta);
        let account = account_greeks([&long_calls, &short_puts, &short_perp]);
        let expected = Greeks {
            delta: 3.0 * gc.delta - 2.0 * gp.delta - 0.5,
            gamma: 3.0 * gc.gamma - 2.0 * gp.gamma,
            vega: 3.0 * gc.vega - 2.0 * gp.vega,
            theta: 3.0 * gc.theta - 2.0 * gp.theta,
        };
        for (a, e) in [
            (account.delta, expected.delta),
            (account.gamma, expected.gamma),
            (account.vega, expected.vega),
            (account.theta, expected.theta),
        ] {
            assert!(close(a, e, 1e-12), "{a} vs {e}");
        }
        // A flat book is zero, and opposite positions cancel.
        assert_eq!(account_greeks(&[]), Greeks::ZERO);
        let hedge = PositionGreeks::option(&c, -3.0).unwrap();
        let flat = account_greeks(&[long_calls, hedge]);
        assert_eq!(flat, Greeks::ZERO);
        let mut acc = Greeks::ZERO;
        acc += gc;
        acc += gp;
        assert_eq!(acc, gc + gp);
    }

    #[test]
    fn serde_round_trip() {
        let inputs = put(42.0, 40.0, 0.2, 0.5, 0.1);
        let json = serde_json::to_string(&inputs).unwrap();
        assert_eq!(serde_json::from_str::<BsInputs>(&json).unwrap(), inputs);
        // serde_json's default float parser may be one ulp off, so compare Greeks loosely.
        let pos = PositionGreeks::option(&inputs, -4.0).unwrap();
        let json = serde_json::to_string(&pos).unwrap();
        let back: PositionGreeks = serde_json::from_str(&json).unwrap();
        assert_eq!(back.quantity, pos.quantity);
        for (a, b) in [(back.per_unit, pos.per_unit), (back.total, pos.total)] {
            for (x, y) in
                [(a.delta, b.delta), (a.gamma, b.gamma), (a.vega, b.vega), (a.theta, b.theta)]
            {
                assert!(close(x, y, 1e-14 * y.abs()), "{x} vs {y}");
            }
        }
        let kind: OptionKind = serde_json::from_str("\"Call\"").unwrap();
        assert_eq!(kind, OptionKind::Call);
    }

    fn kind() -> impl Strategy<Value = OptionKind> {
        prop_oneof![Just(OptionKind::Call), Just(OptionKind::Put)]
    }

    /// Moderate inputs where finite differences are well conditioned.
    fn moderate() -> impl Strategy<Value = BsInputs> {
        (kind(), 50.0..150.0_f64, 50.0..150.0_f64, 0.05..1.5_f64, 0.05..3.0_f64, -0.02..0.15_f64)
            .prop_map(|(kind, spot, strike, vol, t_years, rate)| BsInputs {
                kind,
                spot,
                strike,
                vol,
                t_years,
                rate,
            })
    }

    /// Wide inputs, including deep in/out of the money, tiny and huge vol and time.
    fn wide() -> impl Strategy<Value = BsInputs> {
        (kind(), -8.0..8.0_f64, 1e-3..1e6_f64, 0.0..10.0_f64, 0.0..30.0_f64, -0.1..0.5_f64)
            .prop_map(|(kind, log_m, strike, vol, t_years, rate)| BsInputs {
                kind,
                spot: strike * log_m.exp(),
                strike,
                vol,
                t_years,
                rate,
            })
    }

    /// Wide inputs whose value has some time value (no zero vol or zero time).
    fn wide_with_time_value() -> impl Strategy<Value = BsInputs> {
        (kind(), -4.0..4.0_f64, 1e-3..1e6_f64, 0.01..5.0_f64, 1e-3..10.0_f64, -0.1..0.3_f64)
            .prop_map(|(kind, log_m, strike, vol, t_years, rate)| BsInputs {
                kind,
                spot: strike * log_m.exp(),
                strike,
                vol,
                t_years,
                rate,
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn put_call_parity(i in wide()) {
            let c = price(&BsInputs { kind: OptionKind::Call, ..i }).unwrap();
            let p = price(&BsInputs { kind: OptionKind::Put, ..i }).unwrap();
            let fwd = i.spot - i.strike * (-i.rate * i.t_years).exp();
            let scale = i.spot.max(i.strike);
            prop_assert!(close(c - p, fwd, 1e-12 * scale), "c {c} p {p} fwd {fwd}");
        }

        #[test]
        fn bounds_and_signs(i in wide()) {
            let (v, g) = price_and_greeks(&i).unwrap();
            let (lower, upper) = price_bounds(&i).unwrap();
            let slack = 1e-12 * i.spot.max(i.strike);
            prop_assert!(v >= lower - slack && v <= upper + slack, "{v} not in [{lower}, {upper}]");
            match i.kind {
                OptionKind::Call => prop_assert!((0.0..=1.0).contains(&g.delta), "{}", g.delta),
                OptionKind::Put => prop_assert!((-1.0..=0.0).contains(&g.delta), "{}", g.delta),
            }
            prop_assert!(g.gamma >= 0.0 && g.vega >= 0.0, "{g:?}");
        }

        #[test]
        fn greeks_match_finite_differences(i in moderate()) {
            let g = greeks(&i).unwrap();
            let p = |j: BsInputs| price(&j).unwrap();
            let w = i.vol * i.t_years.sqrt();
            // Bumps scaled to the width of the price curve's curvature.
            let hs = 1e-3 * i.spot * w;
            let fd_delta = (p(BsInputs { spot: i.spot + hs, ..i }) - p(BsInputs { spot: i.spot - hs, ..i })) / (2.0 * hs);
            let fd_gamma = (p(BsInputs { spot: i.spot + hs, ..i }) - 2.0 * p(i) + p(BsInputs { spot: i.spot - hs, ..i })) / (hs * hs);
            let hv = 1e-4 * i.vol;
            let fd_vega = (p(BsInputs { vol: i.vol + hv, ..i }) - p(BsInputs { vol: i.vol - hv, ..i })) / (2.0 * hv);
            let ht = 1e-4 * i.t_years;
            let fd_theta = -(p(BsInputs { t_years: i.t_years + ht, ..i }) - p(BsInputs { t_years: i.t_years - ht, ..i })) / (2.0 * ht);
            let ok = |fd: f64, an: f64, scale: f64| close(fd, an, 1e-5 * an.abs() + 1e-7 * scale);
            prop_assert!(ok(fd_delta, g.delta, 1.0), "delta {fd_delta} vs {}", g.delta);
            prop_assert!(ok(fd_gamma, g.gamma, 1.0 / (i.spot * w)), "gamma {fd_gamma} vs {}", g.gamma);
            prop_assert!(ok(fd_vega, g.vega, i.spot), "vega {fd_vega} vs {}", g.vega);
            prop_assert!(ok(fd_theta, g.theta, i.spot), "theta {fd_theta} vs {}", g.theta);
        }

        #[test]
        fn implied_vol_round_trip(i in moderate()) {
            let (v, g) = price_and_greeks(&i).unwrap();
            let (iv, iterations) = solve_implied_vol(i.kind, i.spot, i.strike, i.t_years, i.rate, v).unwrap();
            prop_assert!(iterations <= 20, "{iterations} iterations");
            // The price is always reproduced; the vol too wherever vega makes it identifiable.
            let back = price(&BsInputs { vol: iv, ..i }).unwrap();
            prop_assert!(close(back, v, 1e-12 * i.spot.max(i.strike)), "{back} vs {v}");
            if g.vega > 1e-3 * i.spot {
                prop_assert!(close(iv, i.vol, 1e-9 * (1.0 + i.vol)), "iv {iv} vs {}", i.vol);
            }
        }

        #[test]
        fn implied_vol_reproduces_wide_prices(i in wide_with_time_value()) {
            let (lower, upper) = price_bounds(&i).unwrap();
            let v = price(&i).unwrap();
            // Only prices strictly inside the no-arbitrage range have an implied vol.
            prop_assume!(v > lower && v < upper);
            let (iv, iterations) = solve_implied_vol(i.kind, i.spot, i.strike, i.t_years, i.rate, v).unwrap();
            prop_assert!(iterations <= 80, "{iterations} iterations");
            let back = price(&BsInputs { vol: iv, ..i }).unwrap();
            prop_assert!(close(back, v, 1e-12 * i.spot.max(i.strike)), "{back} vs {v}");
        }
    }
}

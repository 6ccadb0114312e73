//! Risk: margin, funding, liquidation and option-margin formulas (integers only), and the
//! off-chain Black-Scholes Greeks.
//!
//! Conventions (DESIGN.md §4): requirements round **up**, payments by the user round
//! against the user, ratios are compared by cross-multiplication, never by division. Every
//! intermediate fits its type by the bounds in [`crate::constants`] (see the `const`
//! assertions there): position values and requirements in `i128`, cross-multiplied
//! comparisons in 256-bit integers.

pub mod funding;
pub mod funding_target;
pub mod greeks;
pub mod liquidation;
pub mod margin;
pub mod margin_target;

pub use funding::{funding_within_cap, pending_funding, pending_settlement, settle_funding};
pub use liquidation::within_bankruptcy_bound;
pub use margin::{account_risk, position_risk, transition_allowed, AccountRisk, PositionRisk};

use crate::state::Market;

/// Read access to market leaves by id, for risk computations over the live state or over a
/// transaction's scratch copy.
pub trait Markets {
    /// The market with this id, if it exists.
    fn market(&self, id: u8) -> Option<&Market>;
}

//! Risk: margin, funding, liquidation and option-margin formulas (integers only), and the
//! off-chain Black-Scholes Greeks.

pub mod greeks;

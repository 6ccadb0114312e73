//! Named proving configurations: [`NamedConfig::FastTest`] for tests and
//! [`NamedConfig::Production`] for real batches. Never build a circuit with ad-hoc FRI
//! parameters: pick one of these.
//!
//! # Security arithmetic
//!
//! plonky2's FRI soundness is conjectured (the "ethSTARK conjecture", as in plonky2's own
//! `standard_recursion_config`): each query round catches a cheating prover except with
//! probability about `rate = 2^-rate_bits`, and grinding adds `proof_of_work_bits` bits, so
//!
//! ```text
//! conjectured security bits = rate_bits × num_query_rounds + proof_of_work_bits
//! production: 3 × 28 + 16 = 100 bits      fast_test: 3 × 8 + 0 = 24 bits
//! ```
//!
//! The challenges come from the quadratic extension of Goldilocks (|F_p²| ≈ 2^128) drawn
//! twice (`num_challenges = 2`), so the algebraic (Schwartz–Zippel) terms stay far below
//! 2^-100 for circuits of up to 2^20 rows. `rate_bits = 3` is also the smallest blow-up that
//! lets the quotient hold plonky2's degree-8 constraints (Poseidon gate), so fast_test keeps
//! it and cuts queries and grinding instead: its proofs are as big as production's rows
//! allow, but the recursive verifier of a fast_test proof is much smaller, which keeps the
//! aggregation tests quick. fast_test is NOT secure; it exists for CI.

use plonky2::fri::reduction_strategies::FriReductionStrategy;
use plonky2::fri::FriConfig;
use plonky2::plonk::circuit_data::CircuitConfig;
use serde::{Deserialize, Serialize};

/// A named proving configuration.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NamedConfig {
    /// Low security (24 conjectured bits), fast: tests and CI only.
    FastTest,
    /// ≥ 100 conjectured bits: every proof that reaches L1.
    Production,
}

/// Why a config name is not known.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown config {0:?} (expected fast_test or production)")]
pub struct UnknownConfig(pub String);

impl std::str::FromStr for NamedConfig {
    type Err = UnknownConfig;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "fast_test" => Ok(Self::FastTest),
            "production" => Ok(Self::Production),
            other => Err(UnknownConfig(other.to_string())),
        }
    }
}

impl NamedConfig {
    /// The name used on command lines and in golden files.
    pub const fn name(self) -> &'static str {
        match self {
            Self::FastTest => "fast_test",
            Self::Production => "production",
        }
    }

    /// The plonky2 circuit configuration. Both share plonky2's standard recursion wiring
    /// (135 wires, 80 routed, degree-8 constraints); they differ only in FRI.
    pub fn circuit_config(self) -> CircuitConfig {
        let base = CircuitConfig::standard_recursion_config();
        let (num_query_rounds, proof_of_work_bits) = match self {
            Self::FastTest => (8, 0),
            Self::Production => (28, 16),
        };
        CircuitConfig {
            // plonky2 checks the FRI parameters against this target when building.
            security_bits: 3 * num_query_rounds + proof_of_work_bits as usize,
            fri_config: FriConfig {
                rate_bits: 3,
                cap_height: 4,
                proof_of_work_bits,
                reduction_strategy: FriReductionStrategy::ConstantArityBits(4, 5),
                num_query_rounds,
            },
            ..base
        }
    }

    /// Conjectured security in bits: `rate_bits × queries + proof_of_work_bits`.
    pub fn conjectured_security_bits(self) -> usize {
        let f = self.circuit_config().fri_config;
        f.rate_bits * f.num_query_rounds + f.proof_of_work_bits as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_is_at_least_100_bits() {
        assert!(NamedConfig::Production.conjectured_security_bits() >= 100);
        assert_eq!(NamedConfig::FastTest.conjectured_security_bits(), 24);
    }

    #[test]
    fn names_round_trip() {
        for c in [NamedConfig::FastTest, NamedConfig::Production] {
            assert_eq!(c.name().parse::<NamedConfig>(), Ok(c));
        }
        assert!("nope".parse::<NamedConfig>().is_err());
    }
}

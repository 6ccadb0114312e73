//! Protocol configuration: the oracle key, fee and funding limits, and the deployment domain.

use alloy_primitives::Address;
use serde::{Deserialize, Serialize};

use crate::hash::{address_limbs, fe, hash_tagged, tag, Digest, F};

/// Protocol configuration, committed in the state root through its hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// Encoded ecGFp5 public key of the oracle.
    pub oracle_pubkey: [u64; 5],
    /// Largest fee rate any order may pay, ppm.
    pub max_fee_ppm: u32,
    /// Funding cap: `|Δindex| ≤ cap · mark · Δt / (10^6 · 3600)`, ppm per hour.
    pub funding_cap_ppm_per_hour: u32,
    /// Largest liquidation fee, ppm of the liquidated notional, paid to the insurance fund.
    pub liquidation_fee_cap_ppm: u32,
    /// Ethereum chain id of the deployment.
    pub chain_id: u64,
    /// Address of the rollup contract.
    pub rollup: Address,
}

impl Config {
    /// The deployment domain `chain_id ‖ rollup(5 × u32)`, bound into every signed message so
    /// a signature never replays across deployments.
    pub fn domain(&self) -> [F; 6] {
        let a = address_limbs(&self.rollup.0 .0);
        [fe(self.chain_id), a[0], a[1], a[2], a[3], a[4]]
    }

    /// `H(CONFIG, oracle_pubkey(5) ‖ max_fee ‖ funding_cap ‖ liquidation_fee_cap ‖ domain(6))`.
    pub fn hash(&self) -> Digest {
        let mut e: Vec<F> = self.oracle_pubkey.iter().map(|&x| fe(x)).collect();
        e.push(fe(u64::from(self.max_fee_ppm)));
        e.push(fe(u64::from(self.funding_cap_ppm_per_hour)));
        e.push(fe(u64::from(self.liquidation_fee_cap_ppm)));
        e.extend(self.domain());
        hash_tagged(tag::CONFIG, &e)
    }
}

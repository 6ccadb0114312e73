//! Deploys the L1 system to any Ethereum JSON-RPC endpoint through an alloy provider: the
//! token (or an existing one), the Poseidon contract, the verifier (the committed
//! trivial-statement Groth16 verifier, or an existing one) and the rollup.

use alloy::primitives::{Address, B256};
use alloy::providers::Provider;

use crate::bindings::{Groth16Verifier, PoseidonGoldilocks, Rollup, TestUSDC};

/// A failed deployment.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// A contract call or transaction failed.
    #[error("contract: {0}")]
    Contract(#[from] alloy::contract::Error),
    /// A provider request failed.
    #[error("rpc: {0}")]
    Rpc(#[from] alloy::transports::TransportError),
}

/// The genesis state root: fixed, or computed from the rollup's address (the config hash in
/// the state root commits to the rollup contract's address, known only at deployment).
pub enum GenesisRoot {
    /// This root.
    Fixed(B256),
    /// The root for a rollup at the given address.
    ForRollup(Box<dyn Fn(Address) -> B256 + Send + Sync>),
}

impl std::fmt::Debug for GenesisRoot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Fixed(r) => write!(f, "Fixed({r})"),
            Self::ForRollup(_) => f.write_str("ForRollup(..)"),
        }
    }
}

/// What to deploy.
#[derive(Debug)]
pub struct DeployParams {
    /// An existing USDC; `None` deploys `TestUSDC` (development chains only).
    pub usdc: Option<Address>,
    /// An existing verifier; `None` deploys the committed `Groth16Verifier` of the trivial
    /// statement circuit (INSECURE development keys, see [`crate::groth16`]).
    pub verifier: Option<Address>,
    /// The only address that may commit batches.
    pub operator: Address,
    /// L1 owner of account 0 (insurance fund and fees).
    pub insurance_owner: Address,
    /// Genesis state root.
    pub genesis: GenesisRoot,
    /// Exodus deadline for priority requests, seconds (7 days in production).
    pub priority_deadline: u64,
}

/// Addresses of a deployed system.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deployment {
    /// The ERC-20 the rollup holds.
    pub usdc: Address,
    /// Poseidon over Goldilocks (used by exits).
    pub poseidon: Address,
    /// The proof verifier.
    pub verifier: Address,
    /// The rollup.
    pub rollup: Address,
    /// Genesis state root the rollup was deployed with.
    pub genesis_root: B256,
}

/// Deploys the system from `deployer` (the provider's default sender).
pub async fn deploy<P: Provider>(
    provider: &P,
    deployer: Address,
    params: DeployParams,
) -> Result<Deployment, DeployError> {
    let usdc = match params.usdc {
        Some(a) => a,
        None => *TestUSDC::deploy(provider).await?.address(),
    };
    let poseidon = *PoseidonGoldilocks::deploy(provider).await?.address();
    let verifier = match params.verifier {
        Some(a) => a,
        None => *Groth16Verifier::deploy(provider).await?.address(),
    };
    let genesis_root = match &params.genesis {
        GenesisRoot::Fixed(r) => *r,
        GenesisRoot::ForRollup(f) => {
            let nonce = provider.get_transaction_count(deployer).await?;
            f(deployer.create(nonce))
        }
    };
    let rollup = Rollup::deploy(
        provider,
        usdc,
        verifier,
        poseidon,
        params.operator,
        params.insurance_owner,
        genesis_root,
        params.priority_deadline,
    )
    .await?;
    tracing::info!(rollup = %rollup.address(), %usdc, %verifier, %poseidon, "deployed the L1 system");
    Ok(Deployment { usdc, poseidon, verifier, rollup: *rollup.address(), genesis_root })
}

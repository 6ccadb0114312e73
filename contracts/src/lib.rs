//! Rust side of proofbook's L1 contracts (Solidity sources and the Foundry project live
//! beside this crate in `contracts/`; docs/contracts.md describes both).
//!
//! - [`blob`]: EIP-4844 blobs for a batch's public data, their KZG openings at the
//!   contract's challenge point, and the blob batch's public-data hash;
//! - [`bindings`]: alloy `sol!` bindings over the committed Foundry artifacts
//!   (`contracts/artifacts/*.json`, kept current by `scripts/build-contracts.sh`);
//! - [`deploy`]: deploys the system (token, Poseidon, verifier, rollup) to any Ethereum
//!   JSON-RPC endpoint, and [`anvil`] finds and starts the pinned npm anvil;
//! - [`evm`]: an in-process EVM (revm) for fast tests of the same bytecode;
//! - [`encoding`]: batch headers, the statement digest and state leaves in their Solidity
//!   form, derived from the spec types of `proofbook-circuits`;
//! - [`groth16`]: the Solidity Groth16 verifier generator and the trivial statement circuit;
//! - [`poseidon_sol`]: the generator of `PoseidonGoldilocks.sol` from plonky2's constants;
//! - [`solc`]: run-time compilation with the pinned solcjs (generated verifiers for new keys).

pub mod anvil;
pub mod bindings;
pub mod blob;
pub mod deploy;
pub mod encoding;
pub mod evm;
pub mod groth16;
pub mod poseidon_sol;
pub mod solc;
pub mod vectors;

/// Directory of the Foundry project (this crate's manifest directory).
pub fn contracts_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

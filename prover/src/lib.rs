//! proofbook's proving pipeline: turns the per-batch witness produced by the rules crate
//! (`proofbook-circuits`) into batch proofs, and wraps the final proof for Ethereum.
//!
//! Status: the batch circuits, the job graph and the queue backends are tracked by their own
//! issues. [`wrap`] holds the foundations of the Ethereum wrap (BN254 Poseidon, the plonky2
//! config hashed with it, the final plonky2 layer, R1CS gadgets); the Groth16 circuit built from
//! them is in progress (docs/wrap.md).

pub use proofbook_circuits as circuits;

pub mod wrap;

//! proofbook's proving pipeline: turns the per-batch witness produced by the rules crate
//! (`proofbook-circuits`) into batch proofs, and wraps the final proof for Ethereum.
//!
//! Status: the job graph and the queue backends are tracked by their own issues. [`wrap`] is the
//! Ethereum wrap: BN254 Poseidon, the plonky2 config hashed with it, the final plonky2 layer, the
//! R1CS verifier of that layer, and Groth16 over it with keys cached on disk (docs/wrap.md); the
//! `proofbook-prover` binary runs it (`wrap --proof FILE --out FILE`).

pub use proofbook_circuits as circuits;

pub mod wrap;

//! proofbook's proving pipeline: turns the per-batch witness produced by the rules crate
//! (`proofbook-circuits`) into batch proofs.
//!
//! Status: the batch circuits, the job graph, the queue backends and the wrap are tracked
//! by their own issues; this crate exists so the workspace has its final shape and its
//! dependency direction (`circuits` ← `prover` ← `sequencer`) is fixed from the start.

pub use proofbook_circuits as circuits;

//! proofbook's sequencer: RPC, matching, risk engine, storage, batcher and L1 client.
//!
//! Status: the node is tracked by its own issue. Until it lands, this crate holds the
//! scripted [`demo`] scenario that the `proofbook demo` command runs natively.

pub mod demo;
pub mod engine;

//! proofbook's sequencer node: durable RocksDB write-ahead log, deterministic sequencing
//! core, batcher producing the prover's witnesses, JSON-RPC over HTTP and WebSocket, the
//! embedded devnet (markets, dev accounts, simulated oracle), and the load generator.
//!
//! Start with [`node`] (how the parts are wired) and [`core`] (what is deterministic).
//! The scripted [`demo`] scenario that `proofbook demo` runs lives here too.

pub mod batcher;
pub mod core;
pub mod demo;
pub mod devnet;
pub mod engine;
pub mod events;
pub mod load;
pub mod node;
pub mod openrpc;
pub mod rpc;
pub mod storage;
pub mod telemetry;

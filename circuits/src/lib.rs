//! # proofbook-circuits: the rules of the rollup
//!
//! Everything proofbook does is a projection of one thing: the rules that decide whether a
//! state transition is valid. This crate writes them natively (the sequencer runs them and
//! builds witnesses from them); the plonky2 circuits that enforce the same rules live next
//! to them, one module per transaction type.
//!
//! Map:
//! - [`constants`]: every bound, with its bit width.
//! - [`hash`]: domain-separated Poseidon.
//! - [`merkle`]: sparse Merkle trees over a storage trait.
//! - [`ecgfp5`], [`schnorr`], [`keys`]: the curve, signatures and L2 key derivation.
//! - [`state`], [`order`]: account, market and order-slot leaves; the config; the state.
//! - [`tx`]: every transaction type and the state transition ([`tx::apply`]).
//! - [`risk`]: margin, funding, liquidation, option margin; Black-Scholes Greeks (off-chain).
//! - [`pubdata`]: the public-data byte format; [`rebuild`]: the state from public data alone.
//! - [`commit`]: per-batch state commitment and witness (Merkle paths), in parallel.
//! - [`circuit_test_util`]: proving a witness and classifying the failure (for tests).
//!
//! Circuits (plonky2 1.1), next to the rules they enforce:
//! - [`config`]: the named proving configs (`fast_test`, `production`).
//! - [`gadgets`]: range checks, signed values, 32-bit-limb big integers; the twins of
//!   [`hash`], [`merkle`], the account and market leaves, the order slot ([`order_target`]),
//!   margin and funding (`risk::*_target`) and [`pubdata_commit`] live beside their native
//!   code.
//! - [`circuit`]: the chunk circuit, its slots and one module per transaction type.
//! - [`aggregate`]: recursive aggregation of chunk proofs into one batch proof; [`bundle`]: a
//!   proof file with its circuit's verifier data.

pub mod aggregate;
pub mod bundle;
pub mod circuit;
pub mod circuit_test_util;
pub mod client;
pub mod commit;
pub mod config;
pub mod constants;
pub mod ecgfp5;
pub mod error;
pub mod gadgets;
pub mod hash;
pub mod keys;
pub mod merkle;
pub mod order;
pub mod order_target;
pub mod pubdata;
pub mod pubdata_commit;
pub mod rebuild;
pub mod risk;
pub mod schnorr;
pub mod state;
pub mod tx;

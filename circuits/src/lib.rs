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
//! - [`risk`]: margin, funding, liquidation, option margin; Black-Scholes Greeks (off-chain).

pub mod constants;
pub mod ecgfp5;
pub mod hash;
pub mod keys;
pub mod merkle;
pub mod risk;
pub mod schnorr;

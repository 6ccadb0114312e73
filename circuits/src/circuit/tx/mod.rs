//! One module per transaction type. Each adds its own witness targets to a slot and asserts
//! its rules between the slot's account leaves before and after, every assertion gated by
//! the slot's selector for that type (so the witness of a slot of another type, all zeros,
//! never has to satisfy them).
//!
//! Constrained so far: [`noop`], [`deposit`], [`withdraw`], [`transfer`] and [`cancel`]
//! (the signer's rules of the last three in [`signer`], the sender's side of withdrawals
//! and transfers in [`debit`]) in the universal slot, and [`trade`] in the trade chunk's
//! slot. The other types of DESIGN.md §4 are not constrained yet;
//! [`crate::circuit::CircuitError::UnsupportedTx`] names them when a batch contains one.

pub mod cancel;
pub mod debit;
pub mod deposit;
pub mod noop;
pub mod signer;
pub mod trade;
pub mod transfer;
pub mod withdraw;

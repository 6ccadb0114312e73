//! One module per transaction type. Each adds its own witness targets to a slot and asserts
//! its rules between the slot's account leaf before and after, every assertion gated by the
//! slot's selector for that type (so the witness of a slot of another type, all zeros, never
//! has to satisfy them).
//!
//! Constrained so far: [`noop`] and [`deposit`]. The other types of DESIGN.md §4 are not
//! constrained yet; [`crate::circuit::CircuitError::UnsupportedTx`] names them when a batch
//! contains one.

pub mod deposit;
pub mod noop;

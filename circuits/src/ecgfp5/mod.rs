//! ecGFp5: the prime-order elliptic curve over GF(p^5), p = Goldilocks, that proofbook
//! signs with.
//!
//! Chosen because its base field is an extension of the field plonky2 works in, so a
//! signature check is cheap inside a circuit (eprint 2022/274, T. Pornin). This module is the
//! project's own implementation, checked against the vectors of the reference
//! implementation (`tests/vectors/ecgfp5.json`):
//! - [`GFp5`]: the field GF(p)[z]/(z^5 − 3);
//! - [`Scalar`]: integers modulo the group order n (319 bits);
//! - [`Point`]: group elements, their one-field-element encoding, and scalar multiplication.
//!
//! [`circuit`] holds the in-circuit twins (plonky2): `GFp5Target`, `PointTarget`,
//! `ScalarTarget` and their `CircuitBuilder` extension traits.

mod curve;
mod field;
mod scalar;

/// In-circuit twins of the field, scalar and curve code (plonky2 gadgets), re-exported
/// from the `circuit` submodules that sit next to each native file.
pub mod circuit {
    pub use super::curve::circuit::*;
    pub use super::field::circuit::*;
    pub use super::scalar::circuit::*;
}

pub use curve::Point;
pub use field::GFp5;
pub use scalar::Scalar;

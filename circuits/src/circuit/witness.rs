//! Witness-assignment helpers: plonky2's setters return `anyhow` errors, which the library
//! turns into [`CircuitError::Witness`].

use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::{PartialWitness, WitnessWrite};

use super::CircuitError;
use crate::hash::{Digest, F};

/// Sets one target.
pub fn set(pw: &mut PartialWitness<F>, t: Target, v: F) -> Result<(), CircuitError> {
    pw.set_target(t, v).map_err(|e| CircuitError::Witness(e.to_string()))
}

/// Sets one boolean target.
pub fn set_bool(pw: &mut PartialWitness<F>, t: BoolTarget, v: bool) -> Result<(), CircuitError> {
    pw.set_bool_target(t, v).map_err(|e| CircuitError::Witness(e.to_string()))
}

/// Sets a digest target.
pub fn set_hash(
    pw: &mut PartialWitness<F>,
    t: HashOutTarget,
    v: Digest,
) -> Result<(), CircuitError> {
    pw.set_hash_target(t, v).map_err(|e| CircuitError::Witness(e.to_string()))
}

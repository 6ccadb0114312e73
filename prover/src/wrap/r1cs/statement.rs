//! The statement of the wrap as BN254 public inputs: the final layer's Goldilocks public inputs
//! packed three per `Fr` element, `x_0 + x_1·2^64 + x_2·2^128` (canonical values; the last
//! element zero-filled), in order. Injective (each `x_i < p < 2^64`, the sum `< 2^192 < r`), so
//! the Groth16 public inputs determine the final layer's public inputs and vice versa; `n`
//! Goldilocks values give `⌈n/3⌉` Groth16 inputs (one elliptic-curve multiplication each in
//! the Solidity verifier).

use ark_bn254::Fr;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::prelude::*;
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

use super::goldilocks::GoldilocksVar;
use super::poseidon::pack_goldilocks;
use crate::wrap::config::GOLDILOCKS_PER_FR;

/// Twin of [`crate::wrap::config::pack_statement`]: allocates the packed statement as Groth16
/// public inputs and binds it to the (canonical) public-input variables of the verified proof.
pub fn pack_statement(
    cs: ConstraintSystemRef<Fr>,
    public_inputs: &[GoldilocksVar],
) -> Result<Vec<FpVar<Fr>>, SynthesisError> {
    let mut out = Vec::with_capacity(public_inputs.len().div_ceil(GOLDILOCKS_PER_FR));
    for chunk in public_inputs.chunks(GOLDILOCKS_PER_FR) {
        let packed = pack_goldilocks(chunk)?;
        let input = FpVar::new_input(cs.clone(), || packed.value())?;
        // Soundness: the chunk's values are canonical (< 2^64), so the packing is injective and
        // the input fixes them.
        input.enforce_equal(&packed)?;
        out.push(input);
    }
    Ok(out)
}

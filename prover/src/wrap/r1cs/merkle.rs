//! Merkle cap/path check against [`crate::wrap::config::PoseidonBn254Hash`]: the twin of
//! plonky2's `verify_merkle_proof_to_cap` for the final layer's trees.

use ark_bn254::Fr;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::prelude::*;
use ark_relations::gr1cs::SynthesisError;

use super::goldilocks::GoldilocksVar;
use super::poseidon::{hash_no_pad, two_to_one};

/// Enforces that `leaf` sits at the position given by `index_bits` (little-endian; the first
/// `siblings.len()` bits choose left/right along the path, the remaining `cap_height` bits the
/// cap entry) under `cap`.
///
/// Cost: the leaf hash, one permutation and two selections per level, a `cap.len()`-way
/// multiplexer and one equality.
pub fn verify_merkle_proof_to_cap(
    leaf: &[GoldilocksVar],
    index_bits: &[Boolean<Fr>],
    cap: &[FpVar<Fr>],
    siblings: &[FpVar<Fr>],
) -> Result<(), SynthesisError> {
    assert!(cap.len().is_power_of_two(), "a Merkle cap has 2^cap_height entries");
    let cap_height = cap.len().trailing_zeros() as usize;
    assert_eq!(
        index_bits.len(),
        siblings.len() + cap_height,
        "one index bit per level plus the cap height"
    );
    let mut cur = hash_no_pad(leaf)?;
    for (bit, sibling) in index_bits.iter().zip(siblings) {
        // bit = 1: the current node is the right child.
        let left = bit.select(sibling, &cur)?;
        let right = bit.select(&cur, sibling)?;
        cur = two_to_one(&left, &right)?;
    }
    let cap_bits_be: Vec<Boolean<Fr>> =
        index_bits[siblings.len()..].iter().rev().cloned().collect();
    let root = if cap_height == 0 {
        cap[0].clone()
    } else {
        FpVar::conditionally_select_power_of_two_vector(&cap_bits_be, cap)?
    };
    cur.enforce_equal(&root)
}

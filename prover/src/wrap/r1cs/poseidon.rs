//! The BN254 Poseidon and the Merkle hashes of [`crate::wrap::config::PoseidonBn254Hash`] as R1CS
//! gadgets; each function is the twin of the native one of the same name.

use ark_bn254::Fr;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::prelude::*;
use ark_relations::gr1cs::SynthesisError;

use super::goldilocks::GoldilocksVar;
use crate::wrap::config::{FR_RATE, GOLDILOCKS_PER_FR, TWO_TO_ONE_TAG};
use crate::wrap::poseidon_bn254::{params, WIDTH};

/// Constraints of one [`permute`] (8 full rounds × 4 S-boxes × 3 + 56 partial rounds × 3).
pub const PERMUTE_CONSTRAINTS: usize = 264;

fn sbox(x: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    let x2 = x.square()?;
    let x4 = x2.square()?;
    Ok(x4 * x)
}

/// The width-4 Poseidon permutation (twin of [`crate::wrap::poseidon_bn254::permute`]).
pub fn permute(state: &mut [FpVar<Fr>; WIDTH]) -> Result<(), SynthesisError> {
    let p = params();
    let half = p.full_rounds / 2;
    for (round, constants) in p.ark.iter().enumerate() {
        for (cell, c) in state.iter_mut().zip(constants) {
            *cell += *c;
        }
        if round < half || round >= half + p.partial_rounds {
            for cell in state.iter_mut() {
                *cell = sbox(cell)?;
            }
        } else {
            state[0] = sbox(&state[0])?;
        }
        let old = state.clone();
        for (cell, row) in state.iter_mut().zip(&p.mds) {
            *cell = old.iter().zip(row).map(|(o, m)| o * *m).sum();
        }
    }
    Ok(())
}

/// Packs up to three canonical Goldilocks values into one `Fr` (twin of
/// [`crate::wrap::config::pack_goldilocks`]; a linear combination, no constraint).
///
/// # Errors
/// A non-canonical input is reduced first (range checks).
pub fn pack_goldilocks(elements: &[GoldilocksVar]) -> Result<FpVar<Fr>, SynthesisError> {
    let mut acc = FpVar::zero();
    let mut scale = Fr::from(1u64);
    let step = Fr::from(1u128 << 64);
    for e in elements {
        let e = e.reduce()?;
        acc += &e.value * scale;
        scale *= step;
    }
    Ok(acc)
}

/// Twin of [`crate::wrap::config::PoseidonBn254Hash::hash_no_pad_fr`].
pub fn hash_no_pad(input: &[GoldilocksVar]) -> Result<FpVar<Fr>, SynthesisError> {
    let mut state: [FpVar<Fr>; WIDTH] = core::array::from_fn(|_| FpVar::zero());
    state[0] = FpVar::constant(Fr::from((1u128 << 64) + input.len() as u128));
    let block = FR_RATE * GOLDILOCKS_PER_FR;
    if input.is_empty() {
        permute(&mut state)?;
    }
    for chunk in input.chunks(block) {
        for (j, part) in chunk.chunks(GOLDILOCKS_PER_FR).enumerate() {
            state[1 + j] += pack_goldilocks(part)?;
        }
        permute(&mut state)?;
    }
    Ok(state[1].clone())
}

/// Twin of [`crate::wrap::config::PoseidonBn254Hash::two_to_one_fr`].
pub fn two_to_one(left: &FpVar<Fr>, right: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    let mut state =
        [FpVar::constant(Fr::from(TWO_TO_ONE_TAG)), left.clone(), right.clone(), FpVar::zero()];
    permute(&mut state)?;
    Ok(state[1].clone())
}

//! plonky2's Goldilocks Poseidon (width 12, S-box `x^7`, 4 + 4 full and 22 partial rounds) on
//! emulated Goldilocks: the final layer's public-input hash (`InnerHasher = PoseidonHash`).
//!
//! Twin of `<GoldilocksField as Poseidon>::poseidon_naive` (the round-by-round form; plonky2's
//! fast form is the same permutation) and of `PoseidonHash::hash_no_pad`. The MDS matrix has
//! small entries (row sum 264 < 2^9), so a layer only adds 9 bits to the lazy integers and needs
//! no reduction; reductions happen in the S-boxes.

use ark_bn254::Fr;
use ark_relations::gr1cs::SynthesisError;
use plonky2::field::goldilocks_field::GoldilocksField;
use plonky2::field::types::Field;
use plonky2::hash::hash_types::NUM_HASH_OUT_ELTS;
use plonky2::hash::poseidon::{
    Poseidon, ALL_ROUND_CONSTANTS, HALF_N_FULL_ROUNDS, N_PARTIAL_ROUNDS, SPONGE_RATE, SPONGE_WIDTH,
};

use super::goldilocks::{GoldilocksVar, MAX_BITS};

type F = GoldilocksField;

/// Bits an MDS layer adds (each row's coefficients sum to 264 < 2^9).
const MDS_GROWTH: u32 = 9;

/// `x^7` (twin of `Poseidon::sbox_monomial`): 4 products, the operands reduced as needed.
fn sbox(x: &GoldilocksVar) -> Result<GoldilocksVar, SynthesisError> {
    let x = x.reduce()?;
    let x2 = x.mul(&x)?.reduce()?;
    let x3 = x2.mul(&x)?;
    let x4 = x2.mul(&x2)?;
    // `mul` reduces x3 first (128 + 128 bits would exceed MAX_BITS).
    x3.mul(&x4)
}

/// The MDS layer `(C + D)·v` (twin of `Poseidon::mds_layer`): linear, no constraint.
fn mds(
    state: &[GoldilocksVar; SPONGE_WIDTH],
) -> Result<[GoldilocksVar; SPONGE_WIDTH], SynthesisError> {
    let circ = <F as Poseidon>::MDS_MATRIX_CIRC;
    let diag = <F as Poseidon>::MDS_MATRIX_DIAG;
    let mut v = Vec::with_capacity(SPONGE_WIDTH);
    for s in state {
        v.push(if s.bits + MDS_GROWTH > MAX_BITS { s.reduce()? } else { s.clone() });
    }
    let max_bits = v.iter().map(|s| s.bits).max().unwrap_or(64);
    let out = (0..SPONGE_WIDTH)
        .map(|r| {
            let mut acc = &v[r].value * Fr::from(diag[r]);
            for (i, c) in circ.iter().enumerate() {
                acc += &v[(i + r) % SPONGE_WIDTH].value * Fr::from(*c);
            }
            GoldilocksVar { value: acc, bits: max_bits + MDS_GROWTH, canonical: false }
        })
        .collect::<Vec<_>>();
    Ok(out.try_into().expect("width 12"))
}

fn constant_layer(
    state: &mut [GoldilocksVar; SPONGE_WIDTH],
    round: usize,
) -> Result<(), SynthesisError> {
    for (i, s) in state.iter_mut().enumerate() {
        let c = F::from_canonical_u64(ALL_ROUND_CONSTANTS[i + SPONGE_WIDTH * round]);
        *s = s.add(&GoldilocksVar::constant(c))?;
    }
    Ok(())
}

/// The Poseidon permutation on 12 emulated Goldilocks cells (outputs lazy, not canonical).
pub fn permute(state: &mut [GoldilocksVar; SPONGE_WIDTH]) -> Result<(), SynthesisError> {
    let mut round = 0;
    for phase in 0..3 {
        let (rounds, full) =
            if phase == 1 { (N_PARTIAL_ROUNDS, false) } else { (HALF_N_FULL_ROUNDS, true) };
        for _ in 0..rounds {
            constant_layer(state, round)?;
            if full {
                for s in state.iter_mut() {
                    *s = sbox(s)?;
                }
            } else {
                state[0] = sbox(&state[0])?;
            }
            *state = mds(state)?;
            round += 1;
        }
    }
    Ok(())
}

/// Twin of `PoseidonHash::hash_no_pad` (overwrite-mode sponge, rate 8, 4 output elements,
/// canonical).
pub fn hash_no_pad(
    input: &[GoldilocksVar],
) -> Result<[GoldilocksVar; NUM_HASH_OUT_ELTS], SynthesisError> {
    let mut state: [GoldilocksVar; SPONGE_WIDTH] =
        core::array::from_fn(|_| GoldilocksVar::constant(F::ZERO));
    for chunk in input.chunks(SPONGE_RATE) {
        for (s, x) in state.iter_mut().zip(chunk) {
            *s = x.clone();
        }
        permute(&mut state)?;
    }
    let mut out = Vec::with_capacity(NUM_HASH_OUT_ELTS);
    for s in &state[..NUM_HASH_OUT_ELTS] {
        out.push(s.reduce()?);
    }
    Ok(out.try_into().expect("four elements"))
}

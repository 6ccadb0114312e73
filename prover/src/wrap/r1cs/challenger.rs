//! The Fiat–Shamir transcript of the final layer as an R1CS gadget: the twin of plonky2's
//! `Challenger<GoldilocksField, PoseidonBn254Hash>` (overwrite-mode duplex sponge over
//! [`crate::wrap::config::Bn254PoseidonPermutation`]), operation for operation.
//!
//! The capacity cell stays an `Fr` variable between permutations (natively it is carried as
//! five 51-bit limbs whose round trip is exact, so no constraint is needed); the nine rate cells
//! are canonical [`GoldilocksVar`]s.

use ark_bn254::Fr;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::prelude::*;
use ark_relations::gr1cs::SynthesisError;
use plonky2::field::goldilocks_field::GoldilocksField;
use plonky2::field::types::Field;

use super::goldilocks::{GoldilocksExtVar, GoldilocksVar, P};
use super::poseidon::{pack_goldilocks, permute};
use crate::wrap::config::{DIGEST_LIMBS, DIGEST_LIMB_BITS, GOLDILOCKS_PER_FR, PERM_RATE};
use crate::wrap::poseidon_bn254::WIDTH;

/// The three challenges read from a rate cell (twin of
/// [`crate::wrap::config::unpack_goldilocks`]): the low 192 bits as three 64-bit words, each
/// reduced mod p. Costs a canonical 254-bit decomposition plus 5 constraints per word.
pub fn unpack_goldilocks(
    x: &FpVar<Fr>,
) -> Result<[GoldilocksVar; GOLDILOCKS_PER_FR], SynthesisError> {
    // Soundness: `to_bits_le` enforces the canonical (< r) decomposition, so the words are
    // those of the integer the native code reads.
    let bits = x.to_bits_le()?;
    let mut out = Vec::with_capacity(GOLDILOCKS_PER_FR);
    for k in 0..GOLDILOCKS_PER_FR {
        let word = &bits[64 * k..64 * (k + 1)];
        let w = Boolean::le_bits_to_fp(word)?;
        let hi = Boolean::le_bits_to_fp(&word[32..])?;
        let lo = Boolean::le_bits_to_fp(&word[..32])?;
        // w ≥ p  ⇔  hi = 2^32 - 1 and lo ≥ 1 (p = (2^32 - 1)·2^32 + 1).
        let hi_max = hi.is_eq(&FpVar::constant(Fr::from(u64::from(u32::MAX))))?;
        let lo_nonzero = lo.is_neq(&FpVar::zero())?;
        let ge_p = hi_max & lo_nonzero;
        let value = w - FpVar::from(ge_p) * Fr::from(P);
        out.push(GoldilocksVar { value, bits: 64, canonical: true });
    }
    Ok(out.try_into().expect("three words"))
}

/// A digest as five 51-bit limbs (twin of [`crate::wrap::config::digest_to_limbs`]).
pub fn digest_to_limbs(d: &FpVar<Fr>) -> Result<[GoldilocksVar; DIGEST_LIMBS], SynthesisError> {
    // Soundness: canonical decomposition, as natively.
    let bits = d.to_bits_le()?;
    let mut out = Vec::with_capacity(DIGEST_LIMBS);
    for i in 0..DIGEST_LIMBS {
        let end = (DIGEST_LIMB_BITS * (i + 1)).min(bits.len());
        let limb = Boolean::le_bits_to_fp(&bits[DIGEST_LIMB_BITS * i..end])?;
        out.push(GoldilocksVar::from_small(limb, DIGEST_LIMB_BITS as u32));
    }
    Ok(out.try_into().expect("five limbs"))
}

/// Twin of plonky2's `Challenger<GoldilocksField, PoseidonBn254Hash>`.
#[derive(Clone, Debug)]
pub struct ChallengerVar {
    capacity: FpVar<Fr>,
    rate: Vec<GoldilocksVar>,
    input_buffer: Vec<GoldilocksVar>,
    output_buffer: Vec<GoldilocksVar>,
}

impl Default for ChallengerVar {
    fn default() -> Self {
        Self::new()
    }
}

impl ChallengerVar {
    /// The empty transcript (all-zero state, like `Challenger::new`).
    pub fn new() -> Self {
        Self {
            capacity: FpVar::zero(),
            rate: vec![GoldilocksVar::constant(GoldilocksField::ZERO); PERM_RATE],
            input_buffer: Vec::with_capacity(PERM_RATE),
            output_buffer: Vec::with_capacity(PERM_RATE),
        }
    }

    /// Absorbs one element.
    pub fn observe_element(&mut self, e: &GoldilocksVar) -> Result<(), SynthesisError> {
        self.output_buffer.clear();
        self.input_buffer.push(e.clone());
        if self.input_buffer.len() == PERM_RATE {
            self.duplexing()?;
        }
        Ok(())
    }

    /// Absorbs elements in order.
    pub fn observe_elements(&mut self, es: &[GoldilocksVar]) -> Result<(), SynthesisError> {
        es.iter().try_for_each(|e| self.observe_element(e))
    }

    /// Absorbs an extension element (coordinate 0, then 1).
    pub fn observe_extension_element(
        &mut self,
        e: &GoldilocksExtVar,
    ) -> Result<(), SynthesisError> {
        self.observe_elements(&e.c)
    }

    /// Absorbs a BN254 digest (a Merkle cap entry or the circuit digest) as its five limbs.
    pub fn observe_digest(&mut self, d: &FpVar<Fr>) -> Result<(), SynthesisError> {
        let limbs = digest_to_limbs(d)?;
        self.observe_elements(&limbs)
    }

    /// Squeezes one challenge (canonical).
    pub fn get_challenge(&mut self) -> Result<GoldilocksVar, SynthesisError> {
        if !self.input_buffer.is_empty() || self.output_buffer.is_empty() {
            self.duplexing()?;
        }
        Ok(self.output_buffer.pop().expect("duplexing fills the output buffer"))
    }

    /// Squeezes `n` challenges.
    pub fn get_n_challenges(&mut self, n: usize) -> Result<Vec<GoldilocksVar>, SynthesisError> {
        (0..n).map(|_| self.get_challenge()).collect()
    }

    /// Squeezes an extension challenge (coordinate 0 first).
    pub fn get_extension_challenge(&mut self) -> Result<GoldilocksExtVar, SynthesisError> {
        let c0 = self.get_challenge()?;
        let c1 = self.get_challenge()?;
        Ok(GoldilocksExtVar { c: [c0, c1] })
    }

    fn duplexing(&mut self) -> Result<(), SynthesisError> {
        debug_assert!(self.input_buffer.len() <= PERM_RATE);
        for (i, e) in self.input_buffer.drain(..).enumerate() {
            self.rate[i] = e.reduce()?;
        }
        let mut state: [FpVar<Fr>; WIDTH] = core::array::from_fn(|_| FpVar::zero());
        state[0] = self.capacity.clone();
        for (j, chunk) in self.rate.chunks(GOLDILOCKS_PER_FR).enumerate() {
            state[1 + j] = pack_goldilocks(chunk)?;
        }
        permute(&mut state)?;
        self.capacity = state[0].clone();
        for j in 0..WIDTH - 1 {
            let words = unpack_goldilocks(&state[1 + j])?;
            self.rate[GOLDILOCKS_PER_FR * j..GOLDILOCKS_PER_FR * (j + 1)].clone_from_slice(&words);
        }
        self.output_buffer.clear();
        self.output_buffer.extend_from_slice(&self.rate);
        Ok(())
    }
}

//! A plonky2 [`GenericConfig`] whose outer hash is Poseidon over BN254 ([`crate::wrap::poseidon_bn254`]).
//!
//! The final plonky2 layer is proven with [`PoseidonBn254GoldilocksConfig`]: its Merkle trees and
//! its Fiat–Shamir challenger use the BN254 Poseidon, so the Groth16 circuit that verifies it
//! works on native BN254 field elements instead of emulating Goldilocks Poseidon. The public-input
//! hash stays Goldilocks Poseidon (`InnerHasher`), as in every plonky2 config.
//!
//! # Packing Goldilocks elements into BN254 elements
//!
//! A Goldilocks element is taken as its canonical value `< p = 2^64 - 2^32 + 1`. Three of them
//! `(a, b, c)` pack into one `Fr` element `a + b·2^64 + c·2^128 < 2^192 < r`: injective, no
//! reduction. A message of `n` Goldilocks elements packs into `⌈n/3⌉` `Fr` elements (the last one
//! zero-filled); the length is bound by the capacity cell (see [`PoseidonBn254Hash`]).
//!
//! # Squeezing Goldilocks challenges from BN254 elements
//!
//! The challenger ([`Bn254PoseidonPermutation`]) reads a rate cell `x ∈ Fr` after the
//! permutation as its low 192 bits, split into three 64-bit words `w_0, w_1, w_2`, and outputs
//! `w_i mod p`. Bias: the 192 low bits of a uniform `x ∈ [0, r)` are within statistical distance
//! `2^192 / r < 2^-61` of uniform; a uniform 64-bit word reduced mod `p` gives each value in
//! `[0, 2^32 - 1)` probability `2/2^64` and every other value `1/2^64`, i.e. statistical distance
//! `≈ 2^-32` from uniform on `F_p`, and no value has probability above `2/p`. So an event of
//! probability `ε` under uniform challenges has probability at most `2ε` per base-field
//! coordinate (at most 1 bit of soundness lost per Goldilocks challenge, 2 bits per `F_p²`
//! challenge), and a FRI query index `w mod 2^k` (`k ≤ 32`) takes each value with probability
//! `2^-k (1 ± 2^-31)`.
//!
//! # Hashes as Goldilocks elements
//!
//! plonky2's challenger observes a Merkle cap or the circuit digest as Goldilocks elements
//! (`GenericHashOut::to_vec`). A BN254 digest (canonical, `< r < 2^254`) is written as five
//! little-endian 51-bit limbs: injective, each limb `< 2^51 < p`.

use ark_bn254::Fr;
use ark_ff::{BigInt, PrimeField};
use plonky2::field::extension::quadratic::QuadraticExtension;
use plonky2::field::goldilocks_field::GoldilocksField;
use plonky2::field::types::{Field, PrimeField64};
use plonky2::fri::reduction_strategies::FriReductionStrategy;
use plonky2::fri::FriConfig;
use plonky2::hash::hashing::PlonkyPermutation;
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::plonk::circuit_data::CircuitConfig;
use plonky2::plonk::config::{GenericConfig, GenericHashOut, Hasher};
use serde::{Deserialize, Serialize};

use super::poseidon_bn254::{self, WIDTH};

type F = GoldilocksField;

/// Goldilocks elements packed into one `Fr` element.
pub const GOLDILOCKS_PER_FR: usize = 3;
/// Rate of the BN254 sponge in `Fr` cells.
pub const FR_RATE: usize = WIDTH - 1;
/// Number of 51-bit limbs a digest is written as when observed by the challenger.
pub const DIGEST_LIMBS: usize = 5;
/// Bit width of a digest limb.
pub const DIGEST_LIMB_BITS: usize = 51;
/// Capacity tag of [`PoseidonBn254Hash::two_to_one`]; `hash_no_pad` uses `2^64 + n`, so the
/// two never start from the same state.
pub const TWO_TO_ONE_TAG: u64 = 0;

/// Packs up to three Goldilocks elements into one `Fr`: `a + b·2^64 + c·2^128` (canonical values).
pub fn pack_goldilocks(elements: &[F]) -> Fr {
    debug_assert!(elements.len() <= GOLDILOCKS_PER_FR);
    let mut limbs = [0u64; 4];
    for (limb, e) in limbs.iter_mut().zip(elements) {
        *limb = e.to_canonical_u64();
    }
    // < 2^192 < r: always canonical.
    Fr::from_bigint(BigInt(limbs)).expect("< 2^192 is below the BN254 modulus")
}

/// The Groth16 public inputs of a statement (the final layer's public inputs): three per `Fr`
/// ([`pack_goldilocks`]), in order, the last zero-filled; see [`crate::wrap::r1cs::statement`].
pub fn pack_statement(public_inputs: &[F]) -> Vec<Fr> {
    public_inputs.chunks(GOLDILOCKS_PER_FR).map(pack_goldilocks).collect()
}

/// The three Goldilocks challenges read from one rate cell: 64-bit words of the low 192 bits,
/// each reduced mod p (see the module docs for the bias).
pub fn unpack_goldilocks(x: Fr) -> [F; GOLDILOCKS_PER_FR] {
    let limbs = x.into_bigint().0;
    [
        F::from_noncanonical_u64(limbs[0]),
        F::from_noncanonical_u64(limbs[1]),
        F::from_noncanonical_u64(limbs[2]),
    ]
}

/// A digest as five little-endian 51-bit limbs.
pub fn digest_to_limbs(x: Fr) -> [F; DIGEST_LIMBS] {
    let limbs = x.into_bigint().0;
    let mask = (1u64 << DIGEST_LIMB_BITS) - 1;
    let mut out = [F::ZERO; DIGEST_LIMBS];
    for (i, o) in out.iter_mut().enumerate() {
        let bit = i * DIGEST_LIMB_BITS;
        let (word, shift) = (bit / 64, bit % 64);
        let mut v = limbs[word] >> shift;
        if shift + DIGEST_LIMB_BITS > 64 && word + 1 < 4 {
            v |= limbs[word + 1] << (64 - shift);
        }
        *o = F::from_canonical_u64(v & mask);
    }
    out
}

/// Inverse of [`digest_to_limbs`] (for limbs it produced); other inputs are summed mod r.
pub fn limbs_to_digest(limbs: &[F]) -> Fr {
    let mut acc = Fr::from(0u64);
    let mut scale = Fr::from(1u64);
    let step = Fr::from(1u64 << DIGEST_LIMB_BITS);
    for l in limbs {
        acc += scale * Fr::from(l.to_canonical_u64());
        scale *= step;
    }
    acc
}

/// A BN254 Poseidon digest: one canonical `Fr` element, stored as little-endian 64-bit words.
#[derive(Copy, Clone, Debug, Eq, PartialEq, Hash, Serialize, Deserialize)]
pub struct Bn254Digest(pub [u64; 4]);

impl Bn254Digest {
    /// The digest of an `Fr` element.
    pub fn from_fr(x: Fr) -> Self {
        Self(x.into_bigint().0)
    }

    /// The `Fr` element (words at or above the modulus, only possible for hand-made values,
    /// are reduced).
    pub fn to_fr(self) -> Fr {
        Fr::from_bigint(BigInt(self.0))
            .unwrap_or_else(|| Fr::from_le_bytes_mod_order(&self.le_bytes()))
    }

    fn le_bytes(self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (chunk, w) in out.chunks_exact_mut(8).zip(self.0) {
            chunk.copy_from_slice(&w.to_le_bytes());
        }
        out
    }
}

impl GenericHashOut<F> for Bn254Digest {
    fn to_bytes(&self) -> Vec<u8> {
        self.le_bytes().to_vec()
    }

    /// Reads 32 little-endian bytes, reduced mod r (a canonical encoding round-trips).
    fn from_bytes(bytes: &[u8]) -> Self {
        Self::from_fr(Fr::from_le_bytes_mod_order(bytes))
    }

    fn to_vec(&self) -> Vec<F> {
        digest_to_limbs(self.to_fr()).to_vec()
    }
}

/// Goldilocks cells of the challenger's state: 9 rate cells (three `Fr` rate cells × 3) and 5
/// capacity cells (the `Fr` capacity cell as 51-bit limbs).
pub const PERM_RATE: usize = FR_RATE * GOLDILOCKS_PER_FR;
/// Width of [`Bn254PoseidonPermutation`] in Goldilocks cells.
pub const PERM_WIDTH: usize = PERM_RATE + DIGEST_LIMBS;

/// The BN254 Poseidon seen as a permutation of Goldilocks cells, for plonky2's `Challenger`.
///
/// Cells `3j..3j+3` (`j < 3`) pack into `Fr` rate cell `1 + j`, cells `9..14` are the capacity
/// cell `0` as 51-bit limbs. `permute` packs, applies Poseidon, then writes the capacity back
/// losslessly and each rate cell as three challenges ([`unpack_goldilocks`]). The sponge's inner
/// state (the capacity) is therefore a full `Fr` element between permutations; only what the
/// challenger can read (the rate) is truncated.
#[derive(Copy, Clone, Debug, Default, Eq, PartialEq)]
pub struct Bn254PoseidonPermutation {
    state: [F; PERM_WIDTH],
}

impl Bn254PoseidonPermutation {
    /// The `Fr` state this Goldilocks state stands for.
    pub fn to_fr_state(&self) -> [Fr; WIDTH] {
        let mut out = [Fr::from(0u64); WIDTH];
        out[0] = limbs_to_digest(&self.state[PERM_RATE..]);
        for (j, chunk) in self.state[..PERM_RATE].chunks(GOLDILOCKS_PER_FR).enumerate() {
            out[1 + j] = pack_goldilocks(chunk);
        }
        out
    }

    /// The Goldilocks state read back from an `Fr` state after a permutation.
    pub fn from_fr_state(fr: &[Fr; WIDTH]) -> Self {
        let mut state = [F::ZERO; PERM_WIDTH];
        state[PERM_RATE..].copy_from_slice(&digest_to_limbs(fr[0]));
        for j in 0..FR_RATE {
            state[GOLDILOCKS_PER_FR * j..GOLDILOCKS_PER_FR * (j + 1)]
                .copy_from_slice(&unpack_goldilocks(fr[1 + j]));
        }
        Self { state }
    }
}

impl AsRef<[F]> for Bn254PoseidonPermutation {
    fn as_ref(&self) -> &[F] {
        &self.state
    }
}

impl PlonkyPermutation<F> for Bn254PoseidonPermutation {
    const RATE: usize = PERM_RATE;
    const WIDTH: usize = PERM_WIDTH;

    fn new<I: IntoIterator<Item = F>>(iter: I) -> Self {
        let mut perm = Self::default();
        perm.set_from_iter(iter, 0);
        perm
    }

    fn set_elt(&mut self, elt: F, idx: usize) {
        self.state[idx] = elt;
    }

    fn set_from_iter<I: IntoIterator<Item = F>>(&mut self, elts: I, start_idx: usize) {
        for (s, e) in self.state[start_idx..].iter_mut().zip(elts) {
            *s = e;
        }
    }

    fn set_from_slice(&mut self, elts: &[F], start_idx: usize) {
        let end = start_idx + elts.len();
        self.state[start_idx..end].copy_from_slice(elts);
    }

    fn permute(&mut self) {
        let mut fr = self.to_fr_state();
        poseidon_bn254::permute(&mut fr);
        *self = Self::from_fr_state(&fr);
    }

    fn squeeze(&self) -> &[F] {
        &self.state[..PERM_RATE]
    }
}

/// plonky2 `Hasher` for Merkle trees built with the BN254 Poseidon.
///
/// * `hash_no_pad(m)`: sponge over `Fr` with capacity cell initialised to `2^64 + len(m)`,
///   the message packed three Goldilocks per `Fr` ([`pack_goldilocks`]) and added into the three
///   rate cells, one permutation per (zero-filled) block of three `Fr`, at least one; the digest is
///   rate cell 1.
/// * `two_to_one(l, r)`: one permutation of `[TWO_TO_ONE_TAG, l, r, 0]`; the digest is cell 1.
/// * `hash_or_noop` always hashes: plonky2's default would store short leaves as raw bytes,
///   and 256 raw bits need not be a canonical `Fr`.
#[derive(Copy, Clone, Debug, Eq, PartialEq)]
pub struct PoseidonBn254Hash;

impl PoseidonBn254Hash {
    /// [`Hasher::hash_no_pad`] returning the `Fr` digest.
    pub fn hash_no_pad_fr(input: &[F]) -> Fr {
        let mut state = [Fr::from(0u64); WIDTH];
        state[0] = Fr::from((1u128 << 64) + input.len() as u128);
        let block = FR_RATE * GOLDILOCKS_PER_FR;
        let mut blocks = input.chunks(block).peekable();
        if blocks.peek().is_none() {
            poseidon_bn254::permute(&mut state);
        }
        for chunk in blocks {
            for (j, part) in chunk.chunks(GOLDILOCKS_PER_FR).enumerate() {
                state[1 + j] += pack_goldilocks(part);
            }
            poseidon_bn254::permute(&mut state);
        }
        state[1]
    }

    /// [`Hasher::two_to_one`] on `Fr` digests.
    pub fn two_to_one_fr(left: Fr, right: Fr) -> Fr {
        let mut state = [Fr::from(TWO_TO_ONE_TAG), left, right, Fr::from(0u64)];
        poseidon_bn254::permute(&mut state);
        state[1]
    }
}

impl Hasher<F> for PoseidonBn254Hash {
    const HASH_SIZE: usize = 32;
    type Hash = Bn254Digest;
    type Permutation = Bn254PoseidonPermutation;

    fn hash_no_pad(input: &[F]) -> Self::Hash {
        Bn254Digest::from_fr(Self::hash_no_pad_fr(input))
    }

    fn hash_or_noop(inputs: &[F]) -> Self::Hash {
        Self::hash_no_pad(inputs)
    }

    fn two_to_one(left: Self::Hash, right: Self::Hash) -> Self::Hash {
        Bn254Digest::from_fr(Self::two_to_one_fr(left.to_fr(), right.to_fr()))
    }
}

/// Goldilocks + quadratic extension, BN254 Poseidon for Merkle trees and Fiat–Shamir,
/// Goldilocks Poseidon for the public-input hash.
#[derive(Debug, Copy, Clone, Default, Eq, PartialEq, Serialize)]
pub struct PoseidonBn254GoldilocksConfig;

impl GenericConfig<2> for PoseidonBn254GoldilocksConfig {
    type F = F;
    type FE = QuadraticExtension<F>;
    type Hasher = PoseidonBn254Hash;
    type InnerHasher = PoseidonHash;
}

/// FRI parameters of the production wrap: rate 1/16, 22 queries, 16 bits of proof of work.
///
/// Conjectured security (plonky2's estimate, the list-decoding conjecture):
/// `rate_bits · queries + pow_bits = 4 · 22 + 16 = 104` bits; see docs/wrap.md.
pub fn wrap_fri_config() -> FriConfig {
    FriConfig {
        rate_bits: 4,
        cap_height: 4,
        proof_of_work_bits: 16,
        reduction_strategy: FriReductionStrategy::ConstantArityBits(4, 5),
        num_query_rounds: 22,
    }
}

/// FRI parameters for tests: rate 1/8, 2 queries, 4 bits of proof of work (about 10 bits of
/// security: **insecure**, only to keep CI fast).
pub fn wrap_test_fri_config() -> FriConfig {
    FriConfig {
        rate_bits: 3,
        cap_height: 2,
        proof_of_work_bits: 4,
        reduction_strategy: FriReductionStrategy::ConstantArityBits(4, 5),
        num_query_rounds: 2,
    }
}

/// Conjectured FRI security in bits of a configuration (`rate_bits · queries + pow_bits`).
pub fn conjectured_security_bits(fri: &FriConfig) -> usize {
    fri.rate_bits * fri.num_query_rounds + fri.proof_of_work_bits as usize
}

/// Circuit configuration of the final layer: the standard recursion wiring with [`wrap_fri_config`].
pub fn wrap_circuit_config() -> CircuitConfig {
    CircuitConfig { fri_config: wrap_fri_config(), ..CircuitConfig::standard_recursion_config() }
}

/// Circuit configuration of the final layer for tests ([`wrap_test_fri_config`]).
pub fn wrap_test_circuit_config() -> CircuitConfig {
    let fri_config = wrap_test_fri_config();
    CircuitConfig {
        // plonky2 refuses FRI parameters below `security_bits`; the test config is knowingly low.
        security_bits: conjectured_security_bits(&fri_config),
        fri_config,
        ..CircuitConfig::standard_recursion_config()
    }
}

//! The BN254 Poseidon against published reference vectors, and the plonky2 hasher built on it.

use ark_bn254::Fr;
use ark_crypto_primitives::sponge::poseidon::PoseidonSponge;
use ark_crypto_primitives::sponge::{CryptographicSponge, FieldBasedCryptographicSponge};
use ark_ff::{BigInteger, PrimeField};
use plonky2::field::goldilocks_field::GoldilocksField as F;
use plonky2::field::types::{Field, Field64, Sample};
use plonky2::hash::hashing::PlonkyPermutation;
use plonky2::plonk::config::{GenericHashOut, Hasher};
use proofbook_prover::wrap::config::{
    digest_to_limbs, limbs_to_digest, pack_goldilocks, unpack_goldilocks, Bn254Digest,
    Bn254PoseidonPermutation, PoseidonBn254Hash,
};
use proofbook_prover::wrap::poseidon_bn254::{self, PoseidonParams};
use proptest::prelude::*;

fn fr_hex(s: &str) -> Fr {
    let bytes = hex::decode(s.trim_start_matches("0x")).expect("hex");
    Fr::from_be_bytes_mod_order(&bytes)
}

fn to_hex(x: Fr) -> String {
    format!("0x{}", hex::encode(x.into_bigint().to_bytes_be()))
}

fn fr_vec(v: &[u64]) -> Vec<Fr> {
    v.iter().map(|&x| Fr::from(x)).collect()
}

/// Poseidon paper reference implementation, `hadeshash/code/test_vectors.txt`,
/// `poseidonperm_x5_254_3`: permutation of `[0, 1, 2]` (also circomlib `Poseidon([1, 2])`
/// for the first cell).
#[test]
fn width_3_matches_the_reference_permutation_vector() {
    let params = PoseidonParams::<3>::generate();
    let mut state: [Fr; 3] = fr_vec(&[0, 1, 2]).try_into().unwrap();
    params.permute(&mut state);
    let expected = [
        "0x115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189a",
        "0x0fca49b798923ab0239de1c9e7a4a9a2210312b6a2f616d18b5a87f9b628ae29",
        "0x0e7ae82e40091e63cbd4f16a6d16310b3729d4b6e138fcf54110e2867045a30c",
    ];
    for (got, want) in state.iter().zip(expected) {
        assert_eq!(to_hex(*got), want);
    }
}

/// circomlib / poseidon-solidity `PoseidonT4.hash([1, 2, 3])` = first cell of the permutation of
/// `[0, 1, 2, 3]` (the width the wrap uses).
#[test]
fn width_4_matches_circomlib_poseidon_of_1_2_3() {
    let mut state: [Fr; 4] = fr_vec(&[0, 1, 2, 3]).try_into().unwrap();
    poseidon_bn254::permute(&mut state);
    assert_eq!(
        state[0],
        fr_hex("0x0e7732d89e6939c0ff03d5e58dab6302f3230e269dc5b968f725df34ab36d732")
    );
}

/// circomlib `Poseidon([1, 2, 3, 4])` (`PoseidonT5`), also the first cell of the hadeshash
/// `poseidonperm_x5_254_5` vector.
#[test]
fn width_5_matches_circomlib_poseidon_of_1_2_3_4() {
    let params = PoseidonParams::<5>::generate();
    let mut state: [Fr; 5] = fr_vec(&[0, 1, 2, 3, 4]).try_into().unwrap();
    params.permute(&mut state);
    assert_eq!(
        state[0],
        fr_hex("0x299c867db6c1fdd79dcefa40e4510b9837e60ebb1ce0663dbaa525df65250465")
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// The same parameters drive arkworks' `PoseidonSponge`: one absorb of the three rate cells
    /// then a squeeze permutes exactly once.
    #[test]
    fn arkworks_sponge_agrees(a in any::<u64>(), b in any::<u64>(), c in any::<u64>()) {
        let config = poseidon_bn254::params().to_ark_config();
        let mut sponge = PoseidonSponge::<Fr>::new(&config);
        let input = fr_vec(&[a, b, c]);
        sponge.absorb(&input);
        let out = sponge.squeeze_native_field_elements(3);
        let mut state = [Fr::from(0u64), input[0], input[1], input[2]];
        poseidon_bn254::permute(&mut state);
        prop_assert_eq!(&out[..], &state[1..]);
    }

    /// Packing three Goldilocks elements into Fr is injective and undone by the squeeze for
    /// values below 2^192.
    #[test]
    fn packing_round_trips(a in 0..F::ORDER, b in 0..F::ORDER, c in 0..F::ORDER) {
        let elems = [F::from_canonical_u64(a), F::from_canonical_u64(b), F::from_canonical_u64(c)];
        prop_assert_eq!(unpack_goldilocks(pack_goldilocks(&elems)), elems);
    }

    /// Digest limbs round-trip for any canonical Fr.
    #[test]
    fn digest_limbs_round_trip(seed in any::<[u8; 32]>()) {
        let x = Fr::from_le_bytes_mod_order(&seed);
        let limbs = digest_to_limbs(x);
        prop_assert!(limbs.iter().all(|l| l.0 < (1 << 51)));
        prop_assert_eq!(limbs_to_digest(&limbs), x);
        let d = Bn254Digest::from_fr(x);
        prop_assert_eq!(Bn254Digest::from_bytes(&d.to_bytes()), d);
        prop_assert_eq!(d.to_vec(), limbs.to_vec());
    }
}

#[test]
fn hash_no_pad_binds_the_length_and_two_to_one_is_separated() {
    let v: Vec<F> = (0..10).map(|_| F::rand()).collect();
    let h9 = PoseidonBn254Hash::hash_no_pad(&v[..9]);
    let mut padded = v[..9].to_vec();
    padded.push(F::ZERO);
    // Zero-filling a block does not give the same digest: the length is in the capacity cell.
    assert_ne!(h9, PoseidonBn254Hash::hash_no_pad(&padded));
    // Short leaves are hashed, never stored raw.
    let short = PoseidonBn254Hash::hash_or_noop(&v[..2]);
    assert_eq!(short, PoseidonBn254Hash::hash_no_pad(&v[..2]));
    let l = PoseidonBn254Hash::hash_no_pad(&v[..3]);
    let r = PoseidonBn254Hash::hash_no_pad(&v[3..6]);
    let node = PoseidonBn254Hash::two_to_one(l, r);
    assert_ne!(node, PoseidonBn254Hash::two_to_one(r, l));
    // A node is not the sponge hash of its two children's limbs.
    let limbs: Vec<F> = l.to_vec().into_iter().chain(r.to_vec()).collect();
    assert_ne!(node, PoseidonBn254Hash::hash_no_pad(&limbs));
}

#[test]
fn challenger_permutation_matches_the_fr_permutation() {
    let cells: Vec<F> = (0..9).map(|_| F::rand()).collect();
    let mut perm = Bn254PoseidonPermutation::new(cells.iter().copied());
    let mut fr = perm.to_fr_state();
    assert_eq!(fr[0], Fr::from(0u64));
    assert_eq!(fr[1], pack_goldilocks(&cells[..3]));
    perm.permute();
    poseidon_bn254::permute(&mut fr);
    // The capacity is carried losslessly, the rate as its squeezed challenges.
    assert_eq!(perm.to_fr_state()[0], fr[0]);
    assert_eq!(&perm.squeeze()[..3], &unpack_goldilocks(fr[1])[..]);
    assert_eq!(&perm.squeeze()[6..9], &unpack_goldilocks(fr[3])[..]);
    assert!(fr[0].into_bigint().num_bits() <= 254);
}

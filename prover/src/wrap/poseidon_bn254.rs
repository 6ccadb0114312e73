//! Poseidon over the BN254 scalar field `Fr`, native.
//!
//! # Parameter set
//!
//! The parameters are those of the Poseidon paper's reference generator
//! (Grassi, Khovratovich, Rechberger, Roy, Schofnegger, "Poseidon: A New Hash Function for
//! Zero-Knowledge Proof Systems", USENIX Security 2021; script
//! `generate_parameters_grain.sage` of the `hadeshash` reference repository): S-box `x^5`,
//! `R_F = 8` full rounds, `R_P` partial rounds from the paper's table for a 128-bit security
//! level (57 for `t = 3`, 56 for `t = 4`, 60 for `t = 5`), round constants drawn from the Grain
//! LFSR seeded with `(field = 1, sbox = 0, n = 254, t, R_F, R_P)` by rejection sampling, and the
//! first Cauchy MDS matrix `M[i][j] = 1 / (x_i + y_j)` that the same LFSR yields. These are the
//! constants of circomlib/iden3's `Poseidon` (`poseidon_constants.js`), so a hash here equals
//! circomlib's `Poseidon(inputs)` for the same width: `PoseidonT{t}.hash(a_1..a_{t-1})` is
//! `permute([0, a_1, .., a_{t-1}])[0]`.
//!
//! The LFSR itself is the one in `ark-crypto-primitives` (`find_poseidon_ark_and_mds` with
//! `skip_matrices = 0`); the tests pin the generated constants to the published reference
//! vectors, so a change in that generator cannot go unnoticed.
//!
//! The round structure (for each round: add round constants, S-box on all cells in a full round
//! and on cell 0 in a partial round, multiply by the MDS matrix) is the paper's and the one of
//! `ark_crypto_primitives::sponge::poseidon::PoseidonSponge`, so the same [`PoseidonParams`] can
//! drive the arkworks sponge and its R1CS gadget (see [`PoseidonParams::to_ark_config`]).
//!
//! The project uses width `t = 4` ([`WIDTH`]): one capacity cell and three rate cells, each rate
//! cell holding three Goldilocks elements (see [`crate::wrap::config`]).

use std::sync::OnceLock;

use ark_bn254::Fr;
use ark_crypto_primitives::sponge::poseidon::{find_poseidon_ark_and_mds, PoseidonConfig};
use ark_ff::{Field, PrimeField};

/// The Poseidon width the wrap uses (capacity 1, rate 3).
pub const WIDTH: usize = 4;
/// Number of full rounds (all widths).
pub const FULL_ROUNDS: usize = 8;
/// The S-box exponent.
pub const ALPHA: u64 = 5;

/// Number of partial rounds for a width, from the Poseidon paper's table for BN254
/// (`x^5`, 128-bit security), as used by circomlib.
pub const fn partial_rounds(width: usize) -> Option<usize> {
    match width {
        3 => Some(57),
        4 => Some(56),
        5 => Some(60),
        _ => None,
    }
}

/// Round constants and MDS matrix of one width.
#[derive(Clone, Debug)]
pub struct PoseidonParams<const T: usize> {
    /// Number of full rounds (half before, half after the partial rounds).
    pub full_rounds: usize,
    /// Number of partial rounds.
    pub partial_rounds: usize,
    /// Round constants, `ark[round][cell]`.
    pub ark: Vec<[Fr; T]>,
    /// MDS matrix, `mds[row][column]`; the new state is `mds · state`.
    pub mds: [[Fr; T]; T],
}

impl<const T: usize> PoseidonParams<T> {
    /// Generates the reference parameters for width `T` (Grain LFSR, see the module docs).
    ///
    /// # Panics
    /// If `T` is not 3, 4 or 5 (the widths whose round numbers are tabulated here).
    pub fn generate() -> Self {
        let partial = partial_rounds(T).expect("Poseidon-BN254: width must be 3, 4 or 5");
        let (ark, mds) = find_poseidon_ark_and_mds::<Fr>(
            u64::from(Fr::MODULUS_BIT_SIZE),
            T - 1,
            FULL_ROUNDS as u64,
            partial as u64,
            0,
        );
        let ark = ark
            .into_iter()
            .map(|row| row.try_into().expect("T round constants per round"))
            .collect();
        let mds_rows: Vec<[Fr; T]> =
            mds.into_iter().map(|row| row.try_into().expect("T columns")).collect();
        Self {
            full_rounds: FULL_ROUNDS,
            partial_rounds: partial,
            ark,
            mds: mds_rows.try_into().expect("T rows"),
        }
    }

    /// The same parameters as an arkworks sponge configuration (capacity 1, rate `T - 1`), for
    /// `PoseidonSponge` and its constraint gadget `PoseidonSpongeVar`.
    pub fn to_ark_config(&self) -> PoseidonConfig<Fr> {
        PoseidonConfig {
            full_rounds: self.full_rounds,
            partial_rounds: self.partial_rounds,
            alpha: ALPHA,
            ark: self.ark.iter().map(|r| r.to_vec()).collect(),
            mds: self.mds.iter().map(|r| r.to_vec()).collect(),
            rate: T - 1,
            capacity: 1,
        }
    }

    /// The Poseidon permutation, in place.
    pub fn permute(&self, state: &mut [Fr; T]) {
        let half = self.full_rounds / 2;
        let total = self.full_rounds + self.partial_rounds;
        for (round, constants) in self.ark.iter().enumerate().take(total) {
            for (cell, c) in state.iter_mut().zip(constants) {
                *cell += c;
            }
            if round < half || round >= half + self.partial_rounds {
                state.iter_mut().for_each(sbox);
            } else {
                sbox(&mut state[0]);
            }
            let old = *state;
            for (cell, row) in state.iter_mut().zip(&self.mds) {
                *cell = old.iter().zip(row).map(|(o, m)| *o * m).sum();
            }
        }
    }
}

/// The S-box `x -> x^5`.
#[inline]
fn sbox(x: &mut Fr) {
    let x2 = x.square();
    let x4 = x2.square();
    *x *= x4;
}

/// The width-4 parameters the wrap uses, generated once per process.
pub fn params() -> &'static PoseidonParams<WIDTH> {
    static PARAMS: OnceLock<PoseidonParams<WIDTH>> = OnceLock::new();
    PARAMS.get_or_init(PoseidonParams::generate)
}

/// The width-4 Poseidon permutation with the reference parameters.
pub fn permute(state: &mut [Fr; WIDTH]) {
    params().permute(state);
}

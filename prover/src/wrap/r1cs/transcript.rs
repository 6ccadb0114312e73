//! The final layer's Fiat–Shamir transcript in R1CS: twin of plonky2's `get_challenges`
//! (`plonk/get_challenges.rs`) for [`crate::wrap::config::PoseidonBn254GoldilocksConfig`], on the
//! [`ChallengerVar`] twin of the native challenger.
//!
//! Order (as natively): the FRI parameters (constants), the circuit digest (a constant: the R1CS
//! circuit is built for one final layer), the public-input hash (Goldilocks Poseidon, computed
//! in-circuit from the public inputs), the wires cap → `betas`, `gammas`; the `Z` cap → `alphas`;
//! the quotient cap → `zeta`; all openings; then FRI: `alpha`, one `beta` per commit-phase cap,
//! the final polynomial, the PoW nonce → PoW response, and the query indices.

use ark_bn254::Fr;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::prelude::*;
use ark_relations::gr1cs::SynthesisError;
use plonky2::field::types::Field;
use plonky2::plonk::circuit_data::CommonCircuitData;

use super::challenger::ChallengerVar;
use super::goldilocks::{range_check, GoldilocksExtVar, GoldilocksVar};
use super::poseidon_goldilocks;
use super::proof::{CapVar, FinalProofVar};
use crate::wrap::config::Bn254Digest;
use crate::wrap::final_layer::{D, F};

/// The challenges of one final-layer proof (twin of plonky2's `ProofChallenges`, no lookups).
#[derive(Clone, Debug)]
pub struct ProofChallengesVar {
    /// Permutation-argument `beta`s (one per repetition).
    pub plonk_betas: Vec<GoldilocksVar>,
    /// Permutation-argument `gamma`s.
    pub plonk_gammas: Vec<GoldilocksVar>,
    /// Constraint-combination `alpha`s.
    pub plonk_alphas: Vec<GoldilocksVar>,
    /// The out-of-domain point.
    pub plonk_zeta: GoldilocksExtVar,
    /// FRI batching challenge.
    pub fri_alpha: GoldilocksExtVar,
    /// FRI folding challenges, one per commit-phase round.
    pub fri_betas: Vec<GoldilocksExtVar>,
    /// The proof-of-work response (canonical).
    pub fri_pow_response: GoldilocksVar,
    /// Query indices as `lde_bits` little-endian bits each (`challenge mod 2^lde_bits`).
    pub fri_query_indices: Vec<Vec<Boolean<Fr>>>,
}

fn observe_constants(ch: &mut ChallengerVar, xs: &[F]) -> Result<(), SynthesisError> {
    xs.iter().try_for_each(|x| ch.observe_element(&GoldilocksVar::constant(*x)))
}

fn observe_cap(ch: &mut ChallengerVar, cap: &CapVar) -> Result<(), SynthesisError> {
    cap.iter().try_for_each(|d| ch.observe_digest(d))
}

/// The low `bits` bits of a canonical challenge (twin of `to_canonical_u64() % 2^bits`).
/// Costs a 64-bit decomposition (65 constraints).
pub fn low_bits(c: &GoldilocksVar, bits: usize) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
    debug_assert!(c.canonical && bits <= 64);
    // Soundness: the decomposition is of the canonical value, as natively.
    let all = range_check(&c.value, 64)?;
    Ok(all[..bits].to_vec())
}

/// The FRI parameters as observed by `FriParams::observe` (all constants).
fn fri_params_elements(common: &CommonCircuitData<F, D>) -> Vec<F> {
    let p = &common.fri_params;
    let c = &p.config;
    let mut out = vec![
        F::from_canonical_usize(c.rate_bits),
        F::from_canonical_usize(c.cap_height),
        F::from_canonical_u32(c.proof_of_work_bits),
    ];
    out.extend(c.reduction_strategy.serialize::<F>());
    out.push(F::from_canonical_usize(c.num_query_rounds));
    out.push(F::from_bool(p.hiding));
    out.push(F::from_canonical_usize(p.degree_bits));
    out.extend(p.reduction_arity_bits.iter().map(|&b| F::from_canonical_usize(b)));
    out
}

/// Twin of `ProofWithPublicInputs::get_challenges` for the final layer: hashes the public inputs
/// (Goldilocks Poseidon) and replays the transcript. `circuit_digest` is the final layer's
/// (a constant of the R1CS circuit).
pub fn get_challenges(
    proof: &FinalProofVar,
    circuit_digest: &Bn254Digest,
    common: &CommonCircuitData<F, D>,
) -> Result<ProofChallengesVar, SynthesisError> {
    let pi_hash = poseidon_goldilocks::hash_no_pad(&proof.public_inputs)?;
    get_challenges_with_pi_hash(proof, &pi_hash, circuit_digest, common)
}

/// [`get_challenges`] with the public-input hash given (computed by the caller).
pub fn get_challenges_with_pi_hash(
    proof: &FinalProofVar,
    pi_hash: &[GoldilocksVar],
    circuit_digest: &Bn254Digest,
    common: &CommonCircuitData<F, D>,
) -> Result<ProofChallengesVar, SynthesisError> {
    let nc = common.config.num_challenges;
    let mut ch = ChallengerVar::new();
    observe_constants(&mut ch, &fri_params_elements(common))?;
    ch.observe_digest(&FpVar::constant(circuit_digest.to_fr()))?;
    ch.observe_elements(pi_hash)?;

    observe_cap(&mut ch, &proof.wires_cap)?;
    let plonk_betas = ch.get_n_challenges(nc)?;
    let plonk_gammas = ch.get_n_challenges(nc)?;
    observe_cap(&mut ch, &proof.plonk_zs_partial_products_cap)?;
    let plonk_alphas = ch.get_n_challenges(nc)?;
    observe_cap(&mut ch, &proof.quotient_polys_cap)?;
    let plonk_zeta = ch.get_extension_challenge()?;
    for batch in proof.openings.fri_batches() {
        batch.iter().try_for_each(|e| ch.observe_extension_element(e))?;
    }

    let fri_alpha = ch.get_extension_challenge()?;
    let mut fri_betas = Vec::with_capacity(proof.commit_phase_merkle_caps.len());
    for cap in &proof.commit_phase_merkle_caps {
        observe_cap(&mut ch, cap)?;
        fri_betas.push(ch.get_extension_challenge()?);
    }
    proof.final_poly.iter().try_for_each(|c| ch.observe_extension_element(c))?;
    ch.observe_element(&proof.pow_witness)?;
    let fri_pow_response = ch.get_challenge()?;
    let lde_bits = common.fri_params.lde_bits();
    let fri_query_indices = (0..common.config.fri_config.num_query_rounds)
        .map(|_| low_bits(&ch.get_challenge()?, lde_bits))
        .collect::<Result<_, _>>()?;
    Ok(ProofChallengesVar {
        plonk_betas,
        plonk_gammas,
        plonk_alphas,
        plonk_zeta,
        fri_alpha,
        fri_betas,
        fri_pow_response,
        fri_query_indices,
    })
}

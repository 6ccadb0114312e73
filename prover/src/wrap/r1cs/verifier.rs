//! The R1CS verifier of a final-layer proof: allocation of the proof, the public-input hash, the
//! Fiat–Shamir transcript, the proof-of-work check and the whole FRI verification (Merkle paths
//! of all oracles, combination, folding, final polynomial) in [`verify_transcript_and_fri`];
//! [`verify_final_proof`] adds the vanishing/quotient check at `ζ` (gate constraints with their
//! selector filters, permutation argument, `vanishing(ζ) = Z_H(ζ)·quotient(ζ)`,
//! [`super::vanishing`]), so that a satisfied system also proves that the openings satisfy the
//! final layer's circuit. The statement is packed into Groth16 public inputs.

use ark_bn254::Fr;
use ark_r1cs_std::fields::fp::FpVar;
use ark_relations::gr1cs::ConstraintSystemRef;

use super::fri_verifier::{verify_fri_proof, FriConstraintCounts};
use super::goldilocks::GoldilocksVar;
use super::poseidon_goldilocks;
use super::proof::FinalProofVar;
use super::statement::pack_statement;
use super::transcript::{get_challenges_with_pi_hash, ProofChallengesVar};
use super::vanishing::check_vanishing;
use crate::wrap::final_layer::{FinalProof, FinalVerifierData};
use crate::wrap::WrapError;

/// Constraints spent by each part of [`verify_transcript_and_fri`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VerifierConstraintCounts {
    /// Allocating the proof (range checks of every Goldilocks value).
    pub allocation: usize,
    /// Goldilocks-Poseidon hash of the public inputs.
    pub public_input_hash: usize,
    /// The transcript, including the query-index decompositions.
    pub transcript: usize,
    /// The FRI verification.
    pub fri: FriConstraintCounts,
    /// Packing the public inputs into Groth16 inputs.
    pub statement: usize,
    /// The vanishing/quotient check at `ζ` (0 from [`verify_transcript_and_fri`]).
    pub vanishing: usize,
}

impl VerifierConstraintCounts {
    /// All parts together.
    pub fn total(&self) -> usize {
        self.allocation
            + self.public_input_hash
            + self.transcript
            + self.fri.total()
            + self.statement
            + self.vanishing
    }
}

/// What [`verify_transcript_and_fri`] leaves for the next stages.
#[derive(Clone, Debug)]
pub struct VerifiedParts {
    /// The allocated proof (its openings feed the vanishing check).
    pub proof: FinalProofVar,
    /// The replayed challenges.
    pub challenges: ProofChallengesVar,
    /// The public-input hash (canonical), read by the `PublicInputGate` constraints.
    pub public_inputs_hash: [GoldilocksVar; 4],
    /// The Groth16 public inputs (the packed statement, [`super::statement`]).
    pub statement: Vec<FpVar<Fr>>,
    /// Constraint counts per part.
    pub counts: VerifierConstraintCounts,
}

/// Allocates `proof` and enforces everything of plonky2's verifier except the vanishing check:
/// transcript (with the final layer's circuit digest as a constant), proof of work, Merkle paths
/// against the caps (the constants/sigmas cap as a constant), FRI consistency and final
/// polynomial; then exposes the public inputs as Groth16 inputs ([`pack_statement`]).
pub fn verify_transcript_and_fri(
    cs: ConstraintSystemRef<Fr>,
    proof: &FinalProof,
    verifier: &FinalVerifierData,
) -> Result<VerifiedParts, WrapError> {
    let common = &verifier.common;
    let mut counts = VerifierConstraintCounts::default();
    let start = cs.num_constraints();
    let proof_var = FinalProofVar::new_witness(cs.clone(), proof, common)?;
    let after_alloc = cs.num_constraints();
    counts.allocation = after_alloc - start;
    let pi_hash = poseidon_goldilocks::hash_no_pad(&proof_var.public_inputs)?;
    let after_hash = cs.num_constraints();
    counts.public_input_hash = after_hash - after_alloc;
    let challenges = get_challenges_with_pi_hash(
        &proof_var,
        &pi_hash,
        &verifier.verifier_only.circuit_digest,
        common,
    )?;
    counts.transcript = cs.num_constraints() - after_hash;
    counts.fri = verify_fri_proof(
        &cs,
        &proof_var,
        &challenges,
        &verifier.verifier_only.constants_sigmas_cap,
        common,
    )?;
    let before = cs.num_constraints();
    let statement = pack_statement(cs.clone(), &proof_var.public_inputs)?;
    counts.statement = cs.num_constraints() - before;
    Ok(VerifiedParts {
        proof: proof_var,
        challenges,
        public_inputs_hash: pi_hash,
        statement,
        counts,
    })
}

/// The whole R1CS verifier of a final-layer proof: [`verify_transcript_and_fri`], then the
/// vanishing/quotient check at `ζ` on the allocated openings with the replayed challenges
/// ([`check_vanishing`]). Every gate type of the final layer must have an R1CS twin
/// ([`super::gates`]), else [`WrapError::UnsupportedGate`].
pub fn verify_final_proof(
    cs: ConstraintSystemRef<Fr>,
    proof: &FinalProof,
    verifier: &FinalVerifierData,
) -> Result<VerifiedParts, WrapError> {
    let mut parts = verify_transcript_and_fri(cs.clone(), proof, verifier)?;
    let before = cs.num_constraints();
    check_vanishing(
        &cs,
        &verifier.common,
        &parts.proof.openings,
        &parts.public_inputs_hash,
        &parts.challenges,
    )?;
    parts.counts.vanishing = cs.num_constraints() - before;
    Ok(parts)
}

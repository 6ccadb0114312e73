//! Wrapping a plonky2 proof for Ethereum: plonky2 (Goldilocks) → a final plonky2 layer hashed with
//! Poseidon over BN254 → a Groth16 proof over BN254 of that layer's verifier.
//!
//! * [`poseidon_bn254`]: the BN254 Poseidon (reference parameters, native).
//! * [`config`]: the plonky2 `Hasher`/`GenericConfig` built on it, the packing of Goldilocks
//!   elements into BN254 elements, and the wrap FRI configurations.
//! * [`final_layer`]: the final plonky2 layer.
//! * [`r1cs`]: R1CS gadgets (arkworks) for the Groth16 verifier of the final layer.
//! * [`sample`]: a small recursion-shape proof for tests and benches.
//! * [`vanishing`]: the vanishing/quotient check at `ζ` (native twin of the R1CS one).
//! * [`groth16`]: Groth16 setup, proving and verification of the R1CS verifier; keys on disk.
//! * [`files`]: the wrapped-proof file of `proofbook-prover wrap`.
//!
//! docs/wrap.md explains the choices and the security arithmetic.

pub mod config;
pub mod files;
pub mod final_layer;
pub mod fri;
pub mod groth16;
pub mod poseidon_bn254;
pub mod r1cs;
pub mod sample;
pub mod vanishing;

/// Failures of the wrap pipeline.
#[derive(Debug, thiserror::Error)]
pub enum WrapError {
    /// The inner proof has another number of public inputs than the circuit the final layer
    /// was built for.
    #[error("inner proof has {got} public inputs, the wrapped circuit has {expected}")]
    PublicInputCount {
        /// Public inputs of the wrapped circuit.
        expected: usize,
        /// Public inputs of the given proof.
        got: usize,
    },
    /// The inner proof does not verify against the circuit the final layer was built for.
    #[error("inner proof does not verify: {0}")]
    InvalidInnerProof(String),
    /// plonky2 failed to prove (witness generation or proving).
    #[error("proving failed: {0}")]
    Prove(String),
    /// A final-layer proof does not verify.
    #[error("final-layer proof does not verify: {0}")]
    InvalidFinalProof(String),
    /// A final-layer proof does not have the shape its `CommonCircuitData` prescribes.
    #[error("final-layer proof shape: {what}: expected {expected}, got {got}")]
    ProofShape {
        /// The part of the proof.
        what: &'static str,
        /// Length required by the circuit data.
        expected: usize,
        /// Length found in the proof.
        got: usize,
    },
    /// The final layer uses a feature the R1CS verifier does not implement.
    #[error("the R1CS verifier does not support {feature}")]
    Unsupported {
        /// The feature (lookup arguments, salted leaves, a gate type, ...).
        feature: &'static str,
    },
    /// The R1CS verifier has no twin for this gate type of the final layer.
    #[error("the R1CS verifier does not support the gate {id}")]
    UnsupportedGate {
        /// The gate's plonky2 id.
        id: String,
    },
    /// The vanishing polynomial at `ζ` differs from `Z_H(ζ)·quotient(ζ)`.
    #[error("vanishing check at zeta fails for challenge {challenge}")]
    VanishingCheck {
        /// The repetition whose check fails.
        challenge: usize,
    },
    /// Building the R1CS system failed (not an unsatisfied constraint: a missing assignment or
    /// an arkworks error).
    #[error("R1CS synthesis failed: {0}")]
    Synthesis(#[from] ark_relations::gr1cs::SynthesisError),
    /// Reading or writing a serialized proof or circuit failed.
    #[error("serialization: {0}")]
    Serialization(String),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A cached key file does not have the SHA-256 its hash file lists (or is not listed).
    #[error("key file {} does not match its recorded hash", path.display())]
    KeyHash {
        /// The key file.
        path: std::path::PathBuf,
    },
    /// The Groth16 keys were made for another final layer (another circuit id).
    #[error("the Groth16 keys belong to another wrap circuit")]
    KeyMismatch,
    /// The final-layer proof does not satisfy the R1CS verifier: the Groth16 proof made from it
    /// does not verify.
    #[error("the final-layer proof does not satisfy the R1CS verifier")]
    R1csUnsatisfied,
    /// A Groth16 proof does not verify.
    #[error("the Groth16 proof does not verify")]
    InvalidGroth16Proof,
    /// The verifying key takes another number of public inputs than the statement packs into.
    #[error("the verifying key takes {got} public inputs, the statement packs into {expected}")]
    VerifyingKeyInputs {
        /// Inputs of the packed statement.
        expected: usize,
        /// Inputs of the verifying key.
        got: usize,
    },
    /// The Groth16 public inputs are not the packing of the claimed statement.
    #[error("the Groth16 public inputs are not the packed statement")]
    StatementMismatch,
    /// A proof file is not in the expected format.
    #[error("proof file: {0}")]
    ProofFile(String),
}

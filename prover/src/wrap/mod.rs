//! Wrapping a plonky2 proof for Ethereum: plonky2 (Goldilocks) → a final plonky2 layer hashed with
//! Poseidon over BN254 → (next) a Groth16 proof over BN254 of that layer's verifier.
//!
//! * [`poseidon_bn254`]: the BN254 Poseidon (reference parameters, native).
//! * [`config`]: the plonky2 `Hasher`/`GenericConfig` built on it, the packing of Goldilocks
//!   elements into BN254 elements, and the wrap FRI configurations.
//! * [`final_layer`]: the final plonky2 layer.
//! * [`r1cs`]: R1CS gadgets (arkworks) for the Groth16 verifier of the final layer.
//! * [`sample`]: a small recursion-shape proof for tests and benches.
//!
//! docs/wrap.md explains the choices and the security arithmetic.

pub mod config;
pub mod final_layer;
pub mod fri;
pub mod poseidon_bn254;
pub mod r1cs;
pub mod sample;

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
}

//! R1CS gadgets (arkworks `ark-relations`/`ark-r1cs-std` over BN254 `Fr`) for the Groth16
//! verifier of the final plonky2 layer. Each gadget is the twin of a native function of the
//! same name in [`crate::wrap::config`] / [`crate::wrap::poseidon_bn254`] or of plonky2's own.

pub mod challenger;
pub mod fri;
pub mod fri_verifier;
pub mod gates;
pub mod goldilocks;
pub mod merkle;
pub mod poseidon;
pub mod poseidon_goldilocks;
pub mod proof;
pub mod statement;
pub mod transcript;
pub mod vanishing;
pub mod verifier;

//! A proof file: a plonky2 proof (`PoseidonGoldilocksConfig`, `D = 2`) together with the
//! verifier data of its circuit, so that a reader needs nothing else to check it or to build a
//! recursive verifier for it (the wrap's final layer, `proofbook-prover wrap`).
//!
//! Layout: `b"PBINNER1"` ‖ `u64` LE length `n` ‖ `n` bytes of plonky2's `VerifierCircuitData`
//! serialization (`DefaultGateSerializer`) ‖ the proof (`ProofWithPublicInputs::to_bytes`).

use plonky2::plonk::circuit_data::VerifierCircuitData;
use plonky2::util::serialization::DefaultGateSerializer;

use crate::aggregate::Proof;
use crate::circuit::C;
use crate::hash::{D, F};

/// Magic of a [`ProofBundle`] file.
pub const BUNDLE_MAGIC: &[u8; 8] = b"PBINNER1";

/// Failures of reading or writing a [`ProofBundle`].
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// The bytes are not a bundle (magic, lengths).
    #[error("not a proof bundle: {0}")]
    Format(&'static str),
    /// plonky2 could not (de)serialize the verifier data or the proof.
    #[error("{what}: {message}")]
    Serialization {
        /// The verifier data or the proof.
        what: &'static str,
        /// plonky2's message.
        message: String,
    },
    /// The proof does not verify against the bundled verifier data.
    #[error("the bundled proof does not verify: {0}")]
    Invalid(String),
}

/// A proof and the verifier data of its circuit.
pub struct ProofBundle {
    /// Verifier data of the circuit.
    pub verifier: VerifierCircuitData<F, C, D>,
    /// The proof.
    pub proof: Proof,
}

impl ProofBundle {
    /// The file's bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, BundleError> {
        let vd = self.verifier.to_bytes(&DefaultGateSerializer).map_err(|e| {
            BundleError::Serialization { what: "verifier data", message: format!("{e:?}") }
        })?;
        let mut out = Vec::with_capacity(16 + vd.len());
        out.extend_from_slice(BUNDLE_MAGIC);
        out.extend_from_slice(&(vd.len() as u64).to_le_bytes());
        out.extend_from_slice(&vd);
        out.extend_from_slice(&self.proof.to_bytes());
        Ok(out)
    }

    /// Reads bytes written by [`ProofBundle::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, BundleError> {
        if bytes.len() < 16 || &bytes[..8] != BUNDLE_MAGIC {
            return Err(BundleError::Format("magic PBINNER1 missing"));
        }
        let mut len = [0u8; 8];
        len.copy_from_slice(&bytes[8..16]);
        let end = usize::try_from(u64::from_le_bytes(len))
            .ok()
            .and_then(|n| n.checked_add(16))
            .filter(|&e| e <= bytes.len())
            .ok_or(BundleError::Format("verifier data length exceeds the file"))?;
        let verifier = VerifierCircuitData::<F, C, D>::from_bytes(
            bytes[16..end].to_vec(),
            &DefaultGateSerializer,
        )
        .map_err(|e| BundleError::Serialization {
            what: "verifier data",
            message: format!("{e:?}"),
        })?;
        let proof = Proof::from_bytes(bytes[end..].to_vec(), &verifier.common)
            .map_err(|e| BundleError::Serialization { what: "proof", message: format!("{e:#}") })?;
        Ok(Self { verifier, proof })
    }

    /// Verifies the proof against the bundled verifier data.
    pub fn verify(&self) -> Result<(), BundleError> {
        self.verifier.verify(self.proof.clone()).map_err(|e| BundleError::Invalid(format!("{e:#}")))
    }
}

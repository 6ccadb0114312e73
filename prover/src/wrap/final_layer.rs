//! The final plonky2 layer of the wrap: verifies one proof of the standard recursion shape
//! (`PoseidonGoldilocksConfig`, `CircuitConfig::standard_recursion_config()`) and re-exposes its
//! public inputs unchanged, proven with [`PoseidonBn254GoldilocksConfig`] so that the Groth16
//! circuit can check it with BN254-native hashing.

use plonky2::field::goldilocks_field::GoldilocksField;
use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::{
    CircuitConfig, CircuitData, CommonCircuitData, VerifierCircuitData, VerifierOnlyCircuitData,
};
use plonky2::plonk::config::PoseidonGoldilocksConfig;
use plonky2::plonk::proof::{ProofWithPublicInputs, ProofWithPublicInputsTarget};
use plonky2::util::serialization::DefaultGateSerializer;
use tracing::info_span;

use super::config::PoseidonBn254GoldilocksConfig;
use super::WrapError;

/// The field of every plonky2 layer.
pub type F = GoldilocksField;
/// Extension degree of every plonky2 layer.
pub const D: usize = 2;
/// Config of the proofs the final layer verifies.
pub type InnerConfig = PoseidonGoldilocksConfig;
/// Config the final layer is proven with.
pub type WrapConfig = PoseidonBn254GoldilocksConfig;
/// A proof of the standard recursion shape (input of the final layer).
pub type InnerProof = ProofWithPublicInputs<F, InnerConfig, D>;
/// A final-layer proof (input of the Groth16 circuit).
pub type FinalProof = ProofWithPublicInputs<F, WrapConfig, D>;
/// The final layer's verifier data: its key (circuit digest, constants/sigmas cap) and shape.
pub type FinalVerifierData = VerifierCircuitData<F, WrapConfig, D>;

/// Serializes the final layer's verifier data (plonky2's format, `DefaultGateSerializer`).
pub fn verifier_data_to_bytes(vd: &FinalVerifierData) -> Result<Vec<u8>, WrapError> {
    vd.to_bytes(&DefaultGateSerializer).map_err(|e| WrapError::Serialization(format!("{e:?}")))
}

/// Reads verifier data written by [`verifier_data_to_bytes`].
pub fn verifier_data_from_bytes(bytes: Vec<u8>) -> Result<FinalVerifierData, WrapError> {
    FinalVerifierData::from_bytes(bytes, &DefaultGateSerializer)
        .map_err(|e| WrapError::Serialization(format!("{e:?}")))
}

/// Reads a final-layer proof (`ProofWithPublicInputs::to_bytes`) of the circuit `common`.
pub fn proof_from_bytes(
    bytes: Vec<u8>,
    common: &CommonCircuitData<F, D>,
) -> Result<FinalProof, WrapError> {
    FinalProof::from_bytes(bytes, common).map_err(|e| WrapError::Serialization(format!("{e:#}")))
}

/// The final-layer circuit for one inner circuit (its verifier key is a constant of the circuit,
/// so a proof of another circuit cannot be wrapped by it).
pub struct FinalLayer {
    /// Circuit data of the final layer (prover and verifier).
    pub data: CircuitData<F, WrapConfig, D>,
    inner_common: CommonCircuitData<F, D>,
    proof_target: ProofWithPublicInputsTarget<D>,
}

impl FinalLayer {
    /// Builds the final layer for the inner circuit `(inner_common, inner_verifier)`.
    pub fn build(
        inner_common: &CommonCircuitData<F, D>,
        inner_verifier: &VerifierOnlyCircuitData<InnerConfig, D>,
        config: CircuitConfig,
    ) -> Self {
        let _span = info_span!("wrap_final_layer_build").entered();
        let mut builder = CircuitBuilder::<F, D>::new(config);
        let proof_target = builder.add_virtual_proof_with_pis(inner_common);
        let vd = builder.constant_verifier_data(inner_verifier);
        builder.verify_proof::<InnerConfig>(&proof_target, &vd, inner_common);
        builder.register_public_inputs(&proof_target.public_inputs);
        let data = builder.build::<WrapConfig>();
        Self { data, inner_common: inner_common.clone(), proof_target }
    }

    /// Proves the final layer for one inner proof. The inner proof is checked first with
    /// plonky2's verifier so that a bad input gives [`WrapError::InvalidInnerProof`] rather than
    /// a failed witness generation.
    pub fn prove(
        &self,
        inner: &InnerProof,
        inner_verifier: &VerifierOnlyCircuitData<InnerConfig, D>,
    ) -> Result<FinalProof, WrapError> {
        let _span = info_span!("wrap_final_layer_prove").entered();
        if inner.public_inputs.len() != self.inner_common.num_public_inputs {
            return Err(WrapError::PublicInputCount {
                expected: self.inner_common.num_public_inputs,
                got: inner.public_inputs.len(),
            });
        }
        VerifierCircuitData {
            verifier_only: inner_verifier.clone(),
            common: self.inner_common.clone(),
        }
        .verify(inner.clone())
        .map_err(|e| WrapError::InvalidInnerProof(format!("{e:#}")))?;
        let mut pw = PartialWitness::new();
        pw.set_proof_with_pis_target(&self.proof_target, inner)
            .map_err(|e| WrapError::Prove(format!("{e:#}")))?;
        self.data.prove(pw).map_err(|e| WrapError::Prove(format!("{e:#}")))
    }

    /// Verifies a final-layer proof with plonky2's verifier.
    pub fn verify(&self, proof: &FinalProof) -> Result<(), WrapError> {
        self.data.verify(proof.clone()).map_err(|e| WrapError::InvalidFinalProof(format!("{e:#}")))
    }
}

//! The files of `proofbook-prover wrap` (layouts in docs/wrap.md §9).
//!
//! * Input: a proof of the standard recursion shape together with the verifier data of its
//!   circuit (the final layer is built for that circuit), the bundle file of
//!   [`proofbook_circuits::bundle::ProofBundle`].
//! * Output, [`WrappedProof`]: JSON with the Groth16 proof and verifying key (arkworks'
//!   compressed serialization, hex), the Groth16 public inputs (32-byte big-endian hex), the
//!   wrapped statement (the Goldilocks public inputs) and the circuit id of the keys.

use ark_bn254::{Bn254, Fr};
use ark_ff::{BigInteger, PrimeField};
use ark_groth16::{Proof, VerifyingKey};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use plonky2::field::types::{Field, Field64, PrimeField64};
use serde::{Deserialize, Serialize};

use super::final_layer::F;
use super::groth16::WrapProof;
use super::WrapError;

/// `format` of a [`WrappedProof`] file.
pub const WRAPPED_FORMAT: &str = "proofbook-wrap-groth16-bn254-v1";

/// The output of `proofbook-prover wrap`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrappedProof {
    /// [`WRAPPED_FORMAT`].
    pub format: String,
    /// Circuit id of the Groth16 keys (hex SHA-256, [`super::groth16::circuit_id`]).
    pub circuit_id: String,
    /// `true` when the keys come from the insecure seeded setup.
    pub insecure_dev_setup: bool,
    /// The wrapped statement: the final layer's (= the inner proof's) public inputs.
    pub statement: Vec<u64>,
    /// Groth16 public inputs, 32-byte big-endian hex.
    pub public_inputs: Vec<String>,
    /// The Groth16 proof, arkworks compressed (128 bytes), hex.
    pub proof: String,
    /// The verifying key, arkworks compressed, hex.
    pub vk: String,
}

fn fr_hex(x: &Fr) -> String {
    let b = x.into_bigint().to_bytes_be();
    format!("0x{}{}", "00".repeat(32 - b.len()), hex::encode(b))
}

fn unhex(s: &str) -> Result<Vec<u8>, WrapError> {
    hex::decode(s.trim_start_matches("0x")).map_err(|e| WrapError::ProofFile(e.to_string()))
}

impl WrappedProof {
    /// The file content for a proof of `statement` with the verifying key `vk`.
    pub fn new(
        circuit_id: &[u8; 32],
        insecure_dev_setup: bool,
        statement: &[F],
        proof: &WrapProof,
        vk: &VerifyingKey<Bn254>,
    ) -> Result<Self, WrapError> {
        let ser = |e: ark_serialize::SerializationError| WrapError::Serialization(e.to_string());
        let mut p = Vec::new();
        proof.proof.serialize_compressed(&mut p).map_err(ser)?;
        let mut v = Vec::new();
        vk.serialize_compressed(&mut v).map_err(ser)?;
        Ok(Self {
            format: WRAPPED_FORMAT.to_owned(),
            circuit_id: hex::encode(circuit_id),
            insecure_dev_setup,
            statement: statement.iter().map(PrimeField64::to_canonical_u64).collect(),
            public_inputs: proof.public_inputs.iter().map(fr_hex).collect(),
            proof: format!("0x{}", hex::encode(p)),
            vk: format!("0x{}", hex::encode(v)),
        })
    }

    /// The statement as Goldilocks elements (each value must be canonical).
    pub fn statement(&self) -> Result<Vec<F>, WrapError> {
        self.statement
            .iter()
            .map(|&x| {
                (x < F::ORDER)
                    .then(|| F::from_canonical_u64(x))
                    .ok_or_else(|| WrapError::ProofFile(format!("statement value {x} ≥ p")))
            })
            .collect()
    }

    /// The Groth16 proof and public inputs.
    pub fn wrap_proof(&self) -> Result<WrapProof, WrapError> {
        let proof = Proof::<Bn254>::deserialize_compressed(&unhex(&self.proof)?[..])
            .map_err(|e| WrapError::ProofFile(format!("proof: {e}")))?;
        let public_inputs = self
            .public_inputs
            .iter()
            .map(|s| {
                let b = unhex(s)?;
                let x = Fr::from_be_bytes_mod_order(&b);
                // Only canonical encodings: the reduction must not have changed the value.
                (b.len() == 32 && fr_hex(&x) == format!("0x{}", hex::encode(&b)))
                    .then_some(x)
                    .ok_or_else(|| WrapError::ProofFile(format!("public input {s} not canonical")))
            })
            .collect::<Result<_, _>>()?;
        Ok(WrapProof { proof, public_inputs })
    }

    /// The verifying key.
    pub fn verifying_key(&self) -> Result<VerifyingKey<Bn254>, WrapError> {
        VerifyingKey::<Bn254>::deserialize_compressed(&unhex(&self.vk)?[..])
            .map_err(|e| WrapError::ProofFile(format!("verifying key: {e}")))
    }
}

//! A Groth16 verifier generated for a verifying key, compiled at run time with the pinned
//! solcjs and deployed in an in-process EVM (revm). Shared by `tests/wrap_evm.rs` and the
//! `wrap_e2e` bench (included with `#[path]`).

use alloy::primitives::{Address, U256};
use ark_bn254::Bn254;
use ark_groth16::VerifyingKey;
use proofbook_contracts::bindings::Groth16Verifier;
use proofbook_contracts::evm::InProcessEvm;
use proofbook_contracts::{groth16, solc};
use proofbook_prover::wrap::groth16::WrapProof;

const FROM: Address = Address::repeat_byte(0xd0);

/// The deployed verifier and its chain.
pub(crate) struct EvmVerifier {
    evm: InProcessEvm,
    address: Address,
}

impl EvmVerifier {
    /// Generates the verifier of `vk` as contract `name`, compiles and deploys it.
    pub(crate) fn deploy(vk: &VerifyingKey<Bn254>, name: &str) -> anyhow::Result<Self> {
        let code = solc::compile_groth16_verifier(&groth16::solidity_verifier(vk, name), name)?;
        let mut evm = InProcessEvm::new();
        let (address, _) = evm.deploy(FROM, code.into())?;
        Ok(Self { evm, address })
    }

    /// The calldata form of a wrap proof: the 256-byte proof and the inputs as words.
    pub(crate) fn encode(proof: &WrapProof) -> (Vec<u8>, Vec<U256>) {
        let inputs = proof
            .public_inputs
            .iter()
            .map(|x| U256::from_be_bytes(groth16::encode_scalar(*x)))
            .collect();
        (groth16::encode_proof(&proof.proof), inputs)
    }

    /// `verifyProof(proof, inputs)`: the verdict and the transaction's gas.
    pub(crate) fn verify(&mut self, proof: &[u8], inputs: &[U256]) -> anyhow::Result<(bool, u64)> {
        let (ok, out) = self.evm.call(
            FROM,
            self.address,
            &Groth16Verifier::verifyProofCall {
                proof: proof.to_vec().into(),
                inputs: inputs.to_vec(),
            },
        )?;
        Ok((ok, out.gas_used))
    }
}

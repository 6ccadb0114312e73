//! The committed Groth16 wrap of a real final-layer proof (`prover/tests/fixtures/
//! wrap_groth16_test.json`, test FRI config, INSECURE seeded keys) on Ethereum: the Solidity
//! verifier generated from its verifying key, compiled at run time with the pinned solcjs and
//! deployed in revm, accepts the proof and rejects a tampered proof and a changed public input.

use alloy::primitives::{Address, U256};
use proofbook_contracts::bindings::Groth16Verifier;
use proofbook_contracts::evm::InProcessEvm;
use proofbook_contracts::{groth16, solc};
use proofbook_prover::wrap::files::WrappedProof;

#[test]
fn generated_verifier_accepts_the_wrap_proof_on_the_evm() -> anyhow::Result<()> {
    let path =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../prover/tests/fixtures/wrap_groth16_test.json");
    let wrapped: WrappedProof = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    let vk = wrapped.verifying_key()?;
    let proof = wrapped.wrap_proof()?;

    let source = groth16::solidity_verifier(&vk, "WrapVerifier");
    let code = solc::compile_groth16_verifier(&source, "WrapVerifier")?;
    let mut evm = InProcessEvm::new();
    let from = Address::repeat_byte(0xd0);
    let (verifier, _) = evm.deploy(from, code.into())?;
    let encoded = groth16::encode_proof(&proof.proof);
    let inputs: Vec<U256> = proof
        .public_inputs
        .iter()
        .map(|x| U256::from_be_bytes(groth16::encode_scalar(*x)))
        .collect();
    let mut call = |p: &[u8], xs: &[U256]| -> anyhow::Result<(bool, u64)> {
        let (ok, out) = evm.call(
            from,
            verifier,
            &Groth16Verifier::verifyProofCall { proof: p.to_vec().into(), inputs: xs.to_vec() },
        )?;
        Ok((ok, out.gas_used))
    };
    let (ok, gas) = call(&encoded, &inputs)?;
    assert!(ok, "the wrap proof verifies on the EVM");
    println!("WrapVerifier.verifyProof ({} inputs): {gas} gas (transaction total)", inputs.len());

    let mut tampered = encoded.clone();
    tampered[40] ^= 1; // A.y
    assert!(!call(&tampered, &inputs)?.0, "tampered proof");
    for i in 0..inputs.len() {
        let mut changed = inputs.clone();
        changed[i] += U256::from(1);
        assert!(!call(&encoded, &changed)?.0, "changed public input {i}");
    }
    assert!(!call(&encoded, &inputs[1..])?.0, "missing public input");
    Ok(())
}

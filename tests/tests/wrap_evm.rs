//! The committed Groth16 wrap of a real final-layer proof (`prover/tests/fixtures/
//! wrap_groth16_test.json`, test FRI config, INSECURE seeded keys) on Ethereum: the Solidity
//! verifier generated from its verifying key, compiled at run time with the pinned solcjs and
//! deployed in revm, accepts the proof and rejects a tampered proof and a changed public input.

use alloy::primitives::U256;
use proofbook_prover::wrap::files::WrappedProof;

#[path = "../support/evm_verifier.rs"]
mod evm_verifier;
use evm_verifier::EvmVerifier;

#[test]
fn generated_verifier_accepts_the_wrap_proof_on_the_evm() -> anyhow::Result<()> {
    let path =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../prover/tests/fixtures/wrap_groth16_test.json");
    let wrapped: WrappedProof = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    let proof = wrapped.wrap_proof()?;
    let mut verifier = EvmVerifier::deploy(&wrapped.verifying_key()?, "WrapVerifier")?;
    let (encoded, inputs) = EvmVerifier::encode(&proof);
    let (ok, gas) = verifier.verify(&encoded, &inputs)?;
    assert!(ok, "the wrap proof verifies on the EVM");
    println!("WrapVerifier.verifyProof ({} inputs): {gas} gas (transaction total)", inputs.len());

    let mut tampered = encoded.clone();
    tampered[40] ^= 1; // A.y
    assert!(!verifier.verify(&tampered, &inputs)?.0, "tampered proof");
    for i in 0..inputs.len() {
        let mut changed = inputs.clone();
        changed[i] += U256::from(1);
        assert!(!verifier.verify(&encoded, &changed)?.0, "changed public input {i}");
    }
    assert!(!verifier.verify(&encoded, &inputs[1..])?.0, "missing public input");
    Ok(())
}

//! The committed generated files equal what the generators produce now: the Solidity
//! Poseidon (from plonky2's constants), the Groth16 verifier of the trivial statement
//! circuit, and the golden vectors the forge tests read.

use proofbook_contracts::{contracts_dir, groth16, poseidon_sol, vectors};

fn committed(rel: &str) -> String {
    std::fs::read_to_string(contracts_dir().join(rel))
        .unwrap_or_else(|e| panic!("reading {rel}: {e}"))
}

fn check(rel: &str, generated: &str) {
    assert!(
        committed(rel) == generated,
        "{rel} is stale: run `cargo run -p proofbook-contracts --bin gen-contracts` and `scripts/build-contracts.sh`"
    );
}

#[test]
fn generated_files_are_current() -> anyhow::Result<()> {
    check("src/PoseidonGoldilocks.sol", &poseidon_sol::poseidon_goldilocks_sol());
    let keys = groth16::insecure_dev_setup(groth16::DEV_SETUP_SEED)?;
    check("src/Groth16Verifier.sol", &groth16::solidity_verifier(&keys.vk, "Groth16Verifier"));
    check(
        "test/vectors/poseidon.json",
        &(serde_json::to_string_pretty(&vectors::poseidon_vectors())? + "\n"),
    );
    check(
        "test/vectors/groth16.json",
        &(serde_json::to_string_pretty(&vectors::groth16_vectors(&keys)?)? + "\n"),
    );
    check(
        "test/vectors/blob.json",
        &(serde_json::to_string_pretty(&vectors::blob_vectors()?)? + "\n"),
    );
    Ok(())
}

#[test]
fn trivial_statement_proofs_verify_natively_only_for_their_digest() -> anyhow::Result<()> {
    let keys = groth16::insecure_dev_setup(groth16::DEV_SETUP_SEED)?;
    let d = ark_bn254::Fr::from(12_345u64);
    let proof = groth16::prove_trivial(&keys, d, 9)?;
    assert!(groth16::verify(&keys.vk, &[d], &proof)?);
    assert!(!groth16::verify(&keys.vk, &[d + ark_bn254::Fr::from(1u64)], &proof)?);
    assert!(matches!(
        groth16::verify(&keys.vk, &[d, d], &proof),
        Err(groth16::Groth16Error::InputCount { expected: 2, got: 1 })
    ));
    Ok(())
}

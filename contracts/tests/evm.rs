//! The committed bytecode in the in-process EVM (revm): Poseidon agrees with plonky2 on
//! random inputs, the generated Groth16 verifier accepts a valid proof and rejects an
//! invalid one and one for another statement, and the rollup verifies a batch with a real
//! proof of the trivial statement.

use alloy::primitives::{keccak256, Address, B256, U256};
use alloy::sol_types::{SolCall, SolConstructor, SolError};
use plonky2::field::types::{Field, Field64, PrimeField64};
use plonky2::plonk::config::Hasher;
use proofbook_circuits::hash::F;
use proofbook_contracts::bindings::{Groth16Verifier, PoseidonGoldilocks, Rollup, TestUSDC};
use proofbook_contracts::encoding::{batch_statement, digest_scalar, stored_batch};
use proofbook_contracts::evm::{EvmError, InProcessEvm};
use proofbook_contracts::groth16;
use proofbook_contracts::{contracts_dir, solc};
use proptest::prelude::*;

const DEPLOYER: Address = Address::repeat_byte(0xd0);

fn deploy(evm: &mut InProcessEvm, code: &[u8], args: Vec<u8>) -> Address {
    let mut init = code.to_vec();
    init.extend(args);
    evm.deploy(DEPLOYER, init.into()).expect("deploys").0
}

fn u256s(x: &[F]) -> Vec<U256> {
    x.iter().map(|e| U256::from(e.to_canonical_u64())).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]
    #[test]
    fn poseidon_matches_plonky2(input in proptest::collection::vec(0..F::ORDER, 0..40)) {
        let mut evm = InProcessEvm::new();
        let p = deploy(&mut evm, &PoseidonGoldilocks::BYTECODE, vec![]);
        let xs: Vec<F> = input.iter().map(|&v| F::from_canonical_u64(v)).collect();
        let expected = <plonky2::hash::poseidon::PoseidonHash as Hasher<F>>::hash_no_pad(&xs);
        let (got, _) = evm
            .call(DEPLOYER, p, &PoseidonGoldilocks::hashNoPadCall { input: u256s(&xs) })
            .expect("hashes");
        prop_assert_eq!(got.to_vec(), u256s(&expected.elements));
    }
}

#[test]
fn groth16_verifier_accepts_only_valid_proofs_of_the_statement() -> anyhow::Result<()> {
    let keys = groth16::insecure_dev_setup(groth16::DEV_SETUP_SEED)?;
    let mut evm = InProcessEvm::new();
    let v = deploy(&mut evm, &Groth16Verifier::BYTECODE, vec![]);
    let digest = U256::from(0xabcdefu64);
    let proof = groth16::encode_proof(&groth16::prove_trivial(&keys, digest_scalar(digest), 3)?);
    let call = |evm: &mut InProcessEvm, proof: &[u8], x: U256| -> anyhow::Result<(bool, u64)> {
        let (ok, out) = evm.call(
            DEPLOYER,
            v,
            &Groth16Verifier::verifyProofCall { proof: proof.to_vec().into(), inputs: vec![x] },
        )?;
        Ok((ok, out.gas_used))
    };
    let (ok, gas) = call(&mut evm, &proof, digest)?;
    assert!(ok, "valid proof");
    println!("Groth16Verifier.verifyProof: {gas} gas (transaction total)");
    assert!(!call(&mut evm, &proof, digest + U256::from(1))?.0, "another statement");
    let mut bad = proof;
    bad[200] ^= 1; // C.x changed
    assert!(!call(&mut evm, &bad, digest)?.0, "tampered proof");
    Ok(())
}

/// The run-time compiler (used for verifiers of keys made at run time) gives forge's bytecode
/// for the committed verifier: same compiler, same settings.
#[test]
fn run_time_solc_reproduces_the_forge_artifact() -> anyhow::Result<()> {
    let source = std::fs::read_to_string(contracts_dir().join("src/Groth16Verifier.sol"))?;
    let code = solc::compile_groth16_verifier(&source, "Groth16Verifier")?;
    assert_eq!(code, Groth16Verifier::BYTECODE.to_vec());
    let broken = source.replace("returns (bool ok)", "returns (bool ok");
    assert!(matches!(
        solc::compile_groth16_verifier(&broken, "Groth16Verifier"),
        Err(solc::SolcError::Compile(_))
    ));
    Ok(())
}

#[test]
fn rollup_verifies_a_batch_with_a_real_trivial_statement_proof() -> anyhow::Result<()> {
    let keys = groth16::insecure_dev_setup(groth16::DEV_SETUP_SEED)?;
    let mut evm = InProcessEvm::new();
    let usdc = deploy(&mut evm, &TestUSDC::BYTECODE, vec![]);
    let poseidon = deploy(&mut evm, &PoseidonGoldilocks::BYTECODE, vec![]);
    let verifier = deploy(&mut evm, &Groth16Verifier::BYTECODE, vec![]);
    let genesis = B256::from(U256::from(77));
    let args = Rollup::constructorCall {
        usdc_: usdc,
        verifier_: verifier,
        poseidon_: poseidon,
        operator_: DEPLOYER,
        insuranceOwner: DEPLOYER,
        genesisStateRoot: genesis,
        priorityDeadline_: 7 * 86_400,
    }
    .abi_encode();
    let rollup = deploy(&mut evm, &Rollup::BYTECODE, args);
    let public_data = vec![0u8, 0];
    let (prev, _) = evm.call(DEPLOYER, rollup, &Rollup::batchCommitmentsCall(0))?;
    let header = Rollup::BatchHeader {
        batchNumber: 1,
        timestamp: evm.timestamp(),
        prevCommitment: prev,
        oldStateRoot: genesis,
        newStateRoot: B256::repeat_byte(3),
    };
    evm.call(
        DEPLOYER,
        rollup,
        &Rollup::commitBatchCall { h: header.clone(), publicData: public_data.clone().into() },
    )?;
    let batch = stored_batch(&header, &public_data, 0, |_| None)?;
    let digest = batch_statement(&batch);
    let (on_chain, _) =
        evm.call(DEPLOYER, rollup, &Rollup::statementDigestCall { b: batch.clone() })?;
    assert_eq!(on_chain, digest, "Rust and Solidity statement digests agree");
    assert_eq!(batch.publicDataHash, keccak256(&public_data));

    // a real proof, but of another statement: rejected, nothing changes
    let other = groth16::encode_proof(&groth16::prove_trivial(
        &keys,
        digest_scalar(digest ^ U256::from(1)),
        4,
    )?);
    let err = evm
        .call(DEPLOYER, rollup, &Rollup::verifyBatchCall { b: batch.clone(), proof: other.into() })
        .expect_err("rejected");
    assert!(
        matches!(&err, EvmError::Revert(d) if d.as_ref() == Rollup::InvalidProof::SELECTOR),
        "{err}"
    );
    let proof = groth16::encode_proof(&groth16::prove_trivial(&keys, digest_scalar(digest), 5)?);
    let (_, out) =
        evm.call(DEPLOYER, rollup, &Rollup::verifyBatchCall { b: batch, proof: proof.into() })?;
    println!("Rollup.verifyBatch with the Groth16 verifier: {} gas", out.gas_used);
    let (root, _) = evm.call(DEPLOYER, rollup, &Rollup::verifiedStateRootCall {})?;
    assert_eq!(root, B256::repeat_byte(3));
    let _ = F::ZERO;
    let _ = Rollup::totalVerifiedCall::SELECTOR;
    Ok(())
}

/// `sol-verifier` turns the vk of the prover's committed wrap fixture into a contract that
/// compiles; a file that is not a wrapped proof is refused with a message.
#[test]
fn sol_verifier_emits_the_wrap_verifier() -> anyhow::Result<()> {
    let wrapped = contracts_dir().join("../prover/tests/fixtures/wrap_groth16_test.json");
    let dir = std::env::temp_dir().join(format!("pb-sol-verifier-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let out = dir.join("WrapVerifier.sol");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_sol-verifier"))
        .arg("--wrapped")
        .arg(&wrapped)
        .arg("--out")
        .arg(&out)
        .arg("--check")
        .output()?;
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let source = std::fs::read_to_string(&out)?;
    assert!(source.contains("contract WrapVerifier is IVerifier"));
    assert!(source.contains("inputs.length != 3"), "three packed inputs");
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_sol-verifier"))
        .arg("--wrapped")
        .arg(contracts_dir().join("foundry.toml"))
        .arg("--out")
        .arg(dir.join("x.sol"))
        .output()?;
    assert!(!bad.status.success());
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

//! Groth16 over BN254 for the rollup: the Solidity verifier generator, the EVM encoding of
//! proofs and public inputs, and the **trivial statement circuit** used until the real
//! wrapper circuit (the wrap issue) exists.
//!
//! [`solidity_verifier`] turns any `ark_groth16::VerifyingKey<Bn254>` into a contract that
//! implements `IVerifier` with the BN254 precompiles (`ecAdd` 0x06, `ecMul` 0x07,
//! `ecPairing` 0x08): it checks `e(−A, B)·e(α, β)·e(vk_x, γ)·e(C, δ) = 1` with
//! `vk_x = IC_0 + Σ x_i·IC_i`. Proof encoding ([`encode_proof`]): eight big-endian words
//! `A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y` (EIP-197 puts the imaginary part of
//! a G2 coordinate first).
//!
//! [`TrivialStatementCircuit`] proves knowledge of nothing beyond the statement digest
//! itself: its one public input is the digest, bound by a constraint. Its proofs are real
//! Groth16 proofs, so the contract path (accept a valid proof, reject an invalid one or one
//! for another statement) is exercised for real, but they say nothing about the batch.
//! [`insecure_dev_setup`] derives its keys from a public seed: **anyone can forge proofs**
//! for a verifier built from those keys. Development and tests only.

use std::fmt::Write as _;

use ark_bn254::{Bn254, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use ark_groth16::{Groth16, Proof, ProvingKey, VerifyingKey};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use ark_relations::lc;
use ark_snark::{CircuitSpecificSetupSNARK, SNARK};
use ark_std::rand::rngs::StdRng;
use ark_std::rand::SeedableRng;

/// Failures of proving or verifying with the trivial statement circuit.
#[derive(Debug, thiserror::Error)]
pub enum Groth16Error {
    /// arkworks could not synthesise, set up or prove the circuit.
    #[error("groth16: {0}")]
    Synthesis(#[from] SynthesisError),
    /// A proof or key did not have the expected number of public inputs.
    #[error("verifying key has {got} public inputs, expected {expected}")]
    InputCount {
        /// Inputs the caller supplied.
        expected: usize,
        /// Inputs the key has.
        got: usize,
    },
}

/// The one-input circuit that stands in for the wrapper circuit: public input `digest`,
/// witness `x`, constraints `x · 1 = digest` and `x · x = x²` (so the digest is bound and
/// the system is not empty). A valid proof exists for every digest — the proof shows
/// nothing about a batch. Named "trivial" wherever it is used.
#[derive(Clone, Copy, Debug)]
pub struct TrivialStatementCircuit {
    /// The batch statement digest (see [`crate::encoding::statement_digest`]); `None` at setup.
    pub digest: Option<Fr>,
}

impl ConstraintSynthesizer<Fr> for TrivialStatementCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let digest =
            cs.new_input_variable(|| self.digest.ok_or(SynthesisError::AssignmentMissing))?;
        let x = cs.new_witness_variable(|| self.digest.ok_or(SynthesisError::AssignmentMissing))?;
        let x_sq = cs.new_witness_variable(|| {
            self.digest.map(|d| d * d).ok_or(SynthesisError::AssignmentMissing)
        })?;
        cs.enforce_r1cs_constraint(
            || lc!() + x,
            || lc!() + ark_relations::gr1cs::Variable::One,
            || lc!() + digest,
        )?;
        cs.enforce_r1cs_constraint(|| lc!() + x, || lc!() + x, || lc!() + x_sq)?;
        Ok(())
    }
}

/// Keys of the trivial statement circuit.
#[derive(Clone, Debug)]
pub struct DevKeys {
    /// Proving key.
    pub pk: ProvingKey<Bn254>,
    /// Verifying key (what [`solidity_verifier`] turns into a contract).
    pub vk: VerifyingKey<Bn254>,
}

/// Seed of the development setup of the trivial statement circuit (public, so INSECURE).
pub const DEV_SETUP_SEED: u64 = 0x7072_6f6f_6662_6f6f; // "proofboo"

/// A deterministic, **INSECURE** setup of [`TrivialStatementCircuit`] from a public seed:
/// the toxic waste is known to anyone who reads this code. Development and tests only.
pub fn insecure_dev_setup(seed: u64) -> Result<DevKeys, Groth16Error> {
    let mut rng = StdRng::seed_from_u64(seed);
    let (pk, vk) = Groth16::<Bn254>::setup(TrivialStatementCircuit { digest: None }, &mut rng)?;
    Ok(DevKeys { pk, vk })
}

/// A proof of the trivial statement circuit for `digest`; `seed` fixes the prover's
/// randomness (so fixtures are reproducible).
pub fn prove_trivial(keys: &DevKeys, digest: Fr, seed: u64) -> Result<Proof<Bn254>, Groth16Error> {
    let mut rng = StdRng::seed_from_u64(seed);
    Ok(Groth16::<Bn254>::prove(
        &keys.pk,
        TrivialStatementCircuit { digest: Some(digest) },
        &mut rng,
    )?)
}

/// Native verification (what the contract must agree with).
pub fn verify(
    vk: &VerifyingKey<Bn254>,
    inputs: &[Fr],
    proof: &Proof<Bn254>,
) -> Result<bool, Groth16Error> {
    if vk.gamma_abc_g1.len() != inputs.len() + 1 {
        return Err(Groth16Error::InputCount {
            expected: inputs.len(),
            got: vk.gamma_abc_g1.len() - 1,
        });
    }
    Ok(Groth16::<Bn254>::verify(vk, inputs, proof)?)
}

fn be32(x: impl PrimeField) -> [u8; 32] {
    let b = x.into_bigint().to_bytes_be();
    let mut out = [0u8; 32];
    out[32 - b.len()..].copy_from_slice(&b);
    out
}

fn g1_words(p: &G1Affine) -> [[u8; 32]; 2] {
    // The point at infinity is (0, 0) for the precompiles (arkworks stores it as such too,
    // but with a flag; write the zeros explicitly).
    if p.is_zero() {
        return [[0; 32]; 2];
    }
    [be32(p.x), be32(p.y)]
}

fn fq2_words(x: &Fq2) -> [[u8; 32]; 2] {
    [be32(x.c1), be32(x.c0)]
}

fn g2_words(p: &G2Affine) -> [[u8; 32]; 4] {
    if p.is_zero() {
        return [[0; 32]; 4];
    }
    let [a, b] = fq2_words(&p.x);
    let [c, d] = fq2_words(&p.y);
    [a, b, c, d]
}

/// The 256-byte EVM encoding of a proof (module docs).
pub fn encode_proof(proof: &Proof<Bn254>) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    for w in g1_words(&proof.a) {
        out.extend_from_slice(&w);
    }
    for w in g2_words(&proof.b) {
        out.extend_from_slice(&w);
    }
    for w in g1_words(&proof.c) {
        out.extend_from_slice(&w);
    }
    out
}

/// A BN254 scalar as the `uint256` the verifier takes.
pub fn encode_scalar(x: Fr) -> [u8; 32] {
    be32(x)
}

/// The scalar a 32-byte big-endian digest below the modulus stands for.
pub fn scalar_from_be(bytes: &[u8; 32]) -> Fr {
    Fr::from_be_bytes_mod_order(bytes)
}

fn hex_word(w: &[u8; 32]) -> String {
    format!("0x{}", hex::encode(w))
}

/// Solidity source of a Groth16 verifier for `vk`, implementing `IVerifier`
/// (`contracts/src/IVerifier.sol`) under the contract name `name`.
pub fn solidity_verifier(vk: &VerifyingKey<Bn254>, name: &str) -> String {
    let n = vk.gamma_abc_g1.len() - 1;
    let mut consts = String::new();
    let g1 = |s: &mut String, label: &str, p: &G1Affine| {
        let [x, y] = g1_words(p);
        let _ = writeln!(s, "    uint256 internal constant {label}_X = {};", hex_word(&x));
        let _ = writeln!(s, "    uint256 internal constant {label}_Y = {};", hex_word(&y));
    };
    let g2 = |s: &mut String, label: &str, p: &G2Affine| {
        let [a, b, c, d] = g2_words(p);
        let _ = writeln!(s, "    uint256 internal constant {label}_X1 = {};", hex_word(&a));
        let _ = writeln!(s, "    uint256 internal constant {label}_X0 = {};", hex_word(&b));
        let _ = writeln!(s, "    uint256 internal constant {label}_Y1 = {};", hex_word(&c));
        let _ = writeln!(s, "    uint256 internal constant {label}_Y0 = {};", hex_word(&d));
    };
    g1(&mut consts, "ALPHA", &vk.alpha_g1);
    g2(&mut consts, "BETA", &vk.beta_g2);
    g2(&mut consts, "GAMMA", &vk.gamma_g2);
    g2(&mut consts, "DELTA", &vk.delta_g2);
    for (i, p) in vk.gamma_abc_g1.iter().enumerate() {
        g1(&mut consts, &format!("IC{i}"), p);
    }
    let mut msm = String::new();
    for i in 1..=n {
        let _ = writeln!(
            msm,
            "            {{\n                let s := calldataload(add(inputs.offset, {off}))\n                if iszero(lt(s, R)) {{ fail() }}\n                mstore(0x80, IC{i}_X) mstore(0xa0, IC{i}_Y) mstore(0xc0, s)\n                if iszero(staticcall(gas(), 0x07, 0x80, 0x60, 0x80, 0x40)) {{ fail() }}\n                mstore(0xc0, mload(0x00)) mstore(0xe0, mload(0x20))\n                if iszero(staticcall(gas(), 0x06, 0x80, 0x80, 0x00, 0x40)) {{ fail() }}\n            }}",
            off = 32 * (i - 1),
        );
    }
    format!(
        r#"// SPDX-License-Identifier: MIT OR Apache-2.0
// GENERATED by proofbook_contracts::groth16::solidity_verifier from a Groth16 verifying key
// over BN254. Do not edit.
pragma solidity 0.8.37;

import {{IVerifier}} from "./IVerifier.sol";

/// @title Groth16 verifier over BN254 ({n} public input(s)), using the EIP-196/197
/// precompiles. Proof: eight words A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y.
contract {name} is IVerifier {{
    /// BN254 scalar field (public inputs must be below it) and base field.
    uint256 internal constant R = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001;
    uint256 internal constant Q = 0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47;
{consts}
    /// @inheritdoc IVerifier
    function verifyProof(bytes calldata proof, uint256[] calldata inputs) external view returns (bool ok) {{
        if (proof.length != 256 || inputs.length != {n}) return false;
        assembly {{
            function fail() {{
                mstore(0, 0)
                return(0, 0x20)
            }}
            // every proof coordinate must be a canonical base-field element
            for {{ let i := 0 }} lt(i, 8) {{ i := add(i, 1) }} {{
                if iszero(lt(calldataload(add(proof.offset, mul(32, i))), Q)) {{ fail() }}
            }}
            // vk_x = IC0 + Σ inputs[i]·IC(i+1), accumulated at 0x00
            mstore(0x00, IC0_X)
            mstore(0x20, IC0_Y)
{msm}
            let vkx := mload(0x00)
            let vky := mload(0x20)
            let p := mload(0x40)
            // e(−A, B)
            mstore(p, calldataload(proof.offset))
            let ay := calldataload(add(proof.offset, 0x20))
            mstore(add(p, 0x20), mod(sub(Q, ay), Q))
            calldatacopy(add(p, 0x40), add(proof.offset, 0x40), 0x80)
            // e(α, β)
            mstore(add(p, 0xc0), ALPHA_X)
            mstore(add(p, 0xe0), ALPHA_Y)
            mstore(add(p, 0x100), BETA_X1)
            mstore(add(p, 0x120), BETA_X0)
            mstore(add(p, 0x140), BETA_Y1)
            mstore(add(p, 0x160), BETA_Y0)
            // e(vk_x, γ)
            mstore(add(p, 0x180), vkx)
            mstore(add(p, 0x1a0), vky)
            mstore(add(p, 0x1c0), GAMMA_X1)
            mstore(add(p, 0x1e0), GAMMA_X0)
            mstore(add(p, 0x200), GAMMA_Y1)
            mstore(add(p, 0x220), GAMMA_Y0)
            // e(C, δ)
            calldatacopy(add(p, 0x240), add(proof.offset, 0xc0), 0x40)
            mstore(add(p, 0x280), DELTA_X1)
            mstore(add(p, 0x2a0), DELTA_X0)
            mstore(add(p, 0x2c0), DELTA_Y1)
            mstore(add(p, 0x2e0), DELTA_Y0)
            if iszero(staticcall(gas(), 0x08, p, 0x300, 0x00, 0x20)) {{ fail() }}
            ok := mload(0x00)
        }}
    }}
}}
"#
    )
}

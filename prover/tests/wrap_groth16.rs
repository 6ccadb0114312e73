//! Groth16 of the R1CS verifier (`wrap::groth16`) on the committed final-layer fixture (test
//! FRI config).
//!
//! * The setup synthesizes the circuit without values (arkworks' setup mode), the prover with
//!   them: both must give the same constraint matrices, and those must match the committed
//!   golden shape (`fixtures/wrap_r1cs_test.golden`), so that a change of the R1CS layout
//!   cannot slip by without bumping `R1CS_LAYOUT_VERSION` (which keys the key cache).
//! * The committed Groth16 wrap of the fixture (`fixtures/wrap_groth16_test.json`, made by the
//!   ignored `regenerate_groth16_fixture`: seeded setup and proof, ~5 min) verifies natively
//!   and is rejected with a changed statement, public input or proof point.
//! * The key store round-trips keys and refuses a corrupted file; keys of another circuit
//!   are refused by the prover.

use std::io::Write as _;

use ark_bn254::{Bn254, Fr, G1Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, PrimeField};
use ark_groth16::Groth16;
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef, OptimizationGoal, SynthesisError,
    SynthesisMode, R1CS_PREDICATE_LABEL,
};
use ark_relations::lc;
use ark_std::rand::rngs::StdRng;
use ark_std::rand::SeedableRng;
use plonky2::field::types::Field;
use proofbook_prover::wrap::config::pack_statement;
use proofbook_prover::wrap::files::WrappedProof;
use proofbook_prover::wrap::final_layer::F;
use proofbook_prover::wrap::groth16::{
    self, circuit_id, KeyStore, WrapCircuit, WrapKeys, WrapProof, R1CS_LAYOUT_VERSION,
};
use proofbook_prover::wrap::WrapError;
use sha2::{Digest, Sha256};

mod common;
use common::{fixture, fixture_path, GROTH16_FILE};

const GOLDEN_FILE: &str = "wrap_r1cs_test.golden";
const DEV_SEED: u64 = 0x7072_6f6f_6662_6f6f;

/// Constraint count, variable counts and a SHA-256 of the R1CS matrices of one synthesis.
fn shape(mode: SynthesisMode) -> String {
    let (vd, proof) = fixture();
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(mode);
    (&WrapCircuit::new(proof, vd)).generate_constraints(cs.clone()).expect("synthesizes");
    cs.finalize();
    let matrices = cs.to_matrices().expect("matrices")[R1CS_PREDICATE_LABEL].clone();
    let mut h = Sha256::new();
    for m in &matrices {
        h.update((m.len() as u64).to_le_bytes());
        for row in m {
            h.update((row.len() as u64).to_le_bytes());
            for (coeff, var) in row {
                h.update(coeff.into_bigint().to_bytes_le());
                h.update((*var as u64).to_le_bytes());
            }
        }
    }
    format!(
        "layout_version={R1CS_LAYOUT_VERSION}\nconstraints={}\ninstance_variables={}\nwitness_variables={}\nmatrices_sha256={}\n",
        cs.num_constraints(),
        cs.num_instance_variables(),
        cs.num_witness_variables(),
        hex::encode(h.finalize())
    )
}

#[test]
fn setup_and_prover_synthesize_the_same_golden_system() {
    let setup = shape(SynthesisMode::Setup);
    let prove =
        shape(SynthesisMode::Prove { construct_matrices: true, generate_lc_assignments: false });
    assert_eq!(setup, prove, "setup mode and prove mode must build the same R1CS");
    print!("wrap R1CS (test config):\n{prove}");
    let path = fixture_path(GOLDEN_FILE);
    if std::env::var_os("PROOFBOOK_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &prove).expect("golden written");
    }
    let golden = std::fs::read_to_string(&path).expect("golden file");
    assert_eq!(
        prove, golden,
        "the wrap R1CS changed: bump R1CS_LAYOUT_VERSION, rerun with PROOFBOOK_UPDATE_GOLDEN=1 \
         and regenerate the Groth16 fixture (regenerate_groth16_fixture)"
    );
}

fn wrapped_fixture() -> WrappedProof {
    let text = std::fs::read_to_string(fixture_path(GROTH16_FILE)).expect("groth16 fixture");
    serde_json::from_str(&text).expect("wrapped proof JSON")
}

/// Run once after a change of the final-layer fixture or of the R1CS layout (minutes): seeded
/// setup, proof, native verification; also checks that a final-layer proof with one changed
/// opening yields no valid Groth16 proof.
#[test]
#[ignore = "slow: Groth16 setup and proof of ~1.2M constraints"]
fn regenerate_groth16_fixture() -> anyhow::Result<()> {
    let (vd, proof) = fixture();
    let (keys, setup) = groth16::insecure_dev_setup(proof, vd, DEV_SEED)?;
    println!("setup: {} variables, {:.1} s", setup.variables, setup.elapsed.as_secs_f64());
    let (wrap, report) = groth16::prove(&keys, proof, vd)?;
    println!("prove: {report:?}");
    groth16::verify(keys.vk(), &proof.public_inputs, &wrap)?;
    let out = WrappedProof::new(&keys.circuit_id, true, &proof.public_inputs, &wrap, keys.vk())?;
    std::fs::write(fixture_path(GROTH16_FILE), serde_json::to_string_pretty(&out)? + "\n")?;

    let mut bad = proof.clone();
    bad.proof.openings.wires[0] += <F as plonky2::field::extension::Extendable<2>>::Extension::ONE;
    assert!(matches!(groth16::prove(&keys, &bad, vd), Err(WrapError::R1csUnsatisfied)));
    Ok(())
}

#[test]
fn groth16_fixture_verifies_and_rejects_tampering() -> anyhow::Result<()> {
    let (vd, final_proof) = fixture();
    let wrapped = wrapped_fixture();
    assert_eq!(wrapped.circuit_id, hex::encode(circuit_id(vd)?), "fixture made for this layer");
    let vk = wrapped.verifying_key()?;
    let statement = wrapped.statement()?;
    assert_eq!(statement, final_proof.public_inputs);
    let proof = wrapped.wrap_proof()?;
    assert_eq!(proof.public_inputs, pack_statement(&statement));
    groth16::verify(&vk, &statement, &proof)?;

    // A changed statement whose packing no longer matches the proof's inputs.
    let mut other = statement.clone();
    other[0] += F::ONE;
    assert!(matches!(groth16::verify(&vk, &other, &proof), Err(WrapError::StatementMismatch)));
    // The same change with consistently repacked inputs: the pairing check fails.
    let repacked = WrapProof { proof: proof.proof.clone(), public_inputs: pack_statement(&other) };
    assert!(matches!(groth16::verify(&vk, &other, &repacked), Err(WrapError::InvalidGroth16Proof)));
    // A changed proof point.
    let mut moved = proof;
    moved.proof.a = (moved.proof.a + G1Affine::generator()).into_affine();
    assert!(matches!(
        groth16::verify(&vk, &statement, &moved),
        Err(WrapError::InvalidGroth16Proof)
    ));
    Ok(())
}

/// `x · x = y` with `y` public: a tiny circuit for the key-store tests.
struct Square(Option<Fr>);

impl ConstraintSynthesizer<Fr> for Square {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let y = cs.new_input_variable(|| {
            self.0.map(|x| x * x).ok_or(SynthesisError::AssignmentMissing)
        })?;
        let x = cs.new_witness_variable(|| self.0.ok_or(SynthesisError::AssignmentMissing))?;
        cs.enforce_r1cs_constraint(|| lc!() + x, || lc!() + x, || lc!() + y)?;
        Ok(())
    }
}

fn tiny_keys(id: [u8; 32]) -> WrapKeys {
    let pk = Groth16::<Bn254>::generate_random_parameters_with_reduction(
        Square(None),
        &mut StdRng::seed_from_u64(7),
    )
    .expect("setup");
    WrapKeys { circuit_id: id, pk }
}

#[test]
fn key_store_round_trips_and_refuses_corrupted_keys() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let store = KeyStore::new(dir.path().join("keys"));
    let keys = tiny_keys([5; 32]);
    assert!(store.load(&keys.circuit_id)?.is_none(), "empty store");
    let files = store.store(&keys)?;
    let loaded = store.load(&keys.circuit_id)?.expect("stored keys");
    assert_eq!(loaded.pk, keys.pk);
    assert_eq!(loaded.circuit_id, keys.circuit_id);
    assert!(store.load(&[6; 32])?.is_none(), "other id");

    // One flipped byte in the proving key.
    let mut bytes = std::fs::read(&files.pk)?;
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    std::fs::File::create(&files.pk)?.write_all(&bytes)?;
    assert!(matches!(store.load(&keys.circuit_id), Err(WrapError::KeyHash { .. })));
    // A truncated verifying key.
    store.store(&keys)?;
    let vk = std::fs::read(&files.vk)?;
    std::fs::write(&files.vk, &vk[..vk.len() - 1])?;
    assert!(matches!(store.load(&keys.circuit_id), Err(WrapError::KeyHash { .. })));
    Ok(())
}

#[test]
fn prover_refuses_keys_of_another_circuit() {
    let (vd, proof) = fixture();
    let keys = tiny_keys([0; 32]);
    assert!(matches!(groth16::prove(&keys, proof, vd), Err(WrapError::KeyMismatch)));
}

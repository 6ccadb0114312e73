//! Groth16 over BN254 of the R1CS verifier of a final-layer proof ([`super::r1cs::verifier`]):
//! circuit-specific setup, proving, native verification, and keys cached on disk.
//!
//! * [`WrapCircuit`]: the arkworks circuit. Its shape depends only on the final layer's verifier
//!   data (circuit digest, constants/sigmas cap, `CommonCircuitData`); the proof only supplies
//!   the witness, so any proof of the final layer can drive the setup.
//! * [`insecure_dev_setup`]: keys from a public seed. **Anyone who knows the seed can forge
//!   proofs** for a verifier built from them; development and benches only. The procedure for a
//!   real two-phase ceremony is in docs/wrap.md.
//! * [`KeyStore`]: keys on disk under an id that hashes the final layer's verifier data and the
//!   R1CS verifier's version ([`circuit_id`]), with the SHA-256 of each file checked on load.
//! * [`prove`] / [`verify`]: a proof whose public inputs are the final layer's public inputs,
//!   packed three Goldilocks values per `Fr` ([`super::config::pack_statement`]).

use std::cell::RefCell;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ark_bn254::{Bn254, Fr};
use ark_ff::UniformRand;
use ark_groth16::{Groth16, Proof, ProvingKey, VerifyingKey};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef, OptimizationGoal, SynthesisError,
    SynthesisMode, R1CS_PREDICATE_LABEL,
};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use ark_snark::SNARK;
use ark_std::rand::rngs::StdRng;
use ark_std::rand::SeedableRng;
use sha2::{Digest, Sha256};
use tracing::{info, info_span};

use super::config::pack_statement;
use super::final_layer::{verifier_data_to_bytes, FinalProof, FinalVerifierData};
use super::r1cs::verifier::verify_final_proof;
use super::WrapError;

/// Version of the R1CS verifier's constraint layout. Bump it whenever a gadget changes the
/// system it emits, so that keys cached for the old layout are not reused ([`circuit_id`]).
pub const R1CS_LAYOUT_VERSION: u32 = 1;

/// The R1CS verifier of one final-layer proof as an arkworks circuit.
pub struct WrapCircuit<'a> {
    proof: &'a FinalProof,
    verifier: &'a FinalVerifierData,
    /// A [`WrapError`] that is not a synthesis error (unsupported gate, proof shape), kept here
    /// because `generate_constraints` can only return a `SynthesisError`.
    failure: RefCell<Option<WrapError>>,
}

impl<'a> WrapCircuit<'a> {
    /// The circuit for `proof` of the final layer described by `verifier`.
    pub fn new(proof: &'a FinalProof, verifier: &'a FinalVerifierData) -> Self {
        Self { proof, verifier, failure: RefCell::new(None) }
    }

    fn synthesize(&self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        match verify_final_proof(cs, self.proof, self.verifier) {
            Ok(_) => Ok(()),
            Err(WrapError::Synthesis(e)) => Err(e),
            Err(other) => {
                *self.failure.borrow_mut() = Some(other);
                Err(SynthesisError::Unsatisfiable)
            }
        }
    }

    /// Turns a synthesis error back into the [`WrapError`] that caused it.
    fn error(&self, e: SynthesisError) -> WrapError {
        self.failure.borrow_mut().take().unwrap_or(WrapError::Synthesis(e))
    }
}

impl ConstraintSynthesizer<Fr> for &WrapCircuit<'_> {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        self.synthesize(cs)
    }
}

/// The id of the wrap circuit for a final layer: SHA-256 over a domain tag, the
/// [`R1CS_LAYOUT_VERSION`] and plonky2's serialization of the final layer's verifier data.
pub fn circuit_id(verifier: &FinalVerifierData) -> Result<[u8; 32], WrapError> {
    let mut h = Sha256::new();
    h.update(b"proofbook-wrap-groth16");
    h.update(R1CS_LAYOUT_VERSION.to_le_bytes());
    h.update(verifier_data_to_bytes(verifier)?);
    Ok(h.finalize().into())
}

/// Groth16 keys of the wrap circuit of one final layer.
#[derive(Clone, Debug)]
pub struct WrapKeys {
    /// [`circuit_id`] of the final layer the keys are for.
    pub circuit_id: [u8; 32],
    /// The proving key (it contains the verifying key).
    pub pk: ProvingKey<Bn254>,
}

impl WrapKeys {
    /// The verifying key (what the Solidity verifier is generated from).
    pub fn vk(&self) -> &VerifyingKey<Bn254> {
        &self.pk.vk
    }
}

/// Figures of one setup.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SetupReport {
    /// Variables of the system (instance and witness, the constant one included): the length
    /// of the proving key's A query.
    pub variables: usize,
    /// Wall time of the whole setup (synthesis included).
    pub elapsed: Duration,
}

/// Circuit-specific Groth16 setup with toxic waste drawn from `seed`: **INSECURE** — anyone who
/// knows `seed` can forge proofs for these keys. For development, tests and benches only.
pub fn insecure_dev_setup(
    proof: &FinalProof,
    verifier: &FinalVerifierData,
    seed: u64,
) -> Result<(WrapKeys, SetupReport), WrapError> {
    let _span = info_span!("wrap_groth16_setup", seed).entered();
    let start = Instant::now();
    let circuit = WrapCircuit::new(proof, verifier);
    let mut rng = StdRng::seed_from_u64(seed);
    let pk = Groth16::<Bn254>::generate_random_parameters_with_reduction(&circuit, &mut rng)
        .map_err(|e| circuit.error(e))?;
    let report = SetupReport { variables: pk.a_query.len(), elapsed: start.elapsed() };
    let keys = WrapKeys { circuit_id: circuit_id(verifier)?, pk };
    info!(elapsed_s = report.elapsed.as_secs_f64(), "groth16 setup done");
    Ok((keys, report))
}

/// A Groth16 proof of the wrap circuit with its public inputs.
#[derive(Clone, Debug, PartialEq)]
pub struct WrapProof {
    /// The proof (A, B, C).
    pub proof: Proof<Bn254>,
    /// The Groth16 public inputs: the final layer's public inputs packed three per element.
    pub public_inputs: Vec<Fr>,
}

/// Phase timings of [`prove`].
#[derive(Clone, Copy, Debug, Default)]
pub struct ProveReport {
    /// R1CS constraints of the synthesized system.
    pub constraints: usize,
    /// Witness variables.
    pub witnesses: usize,
    /// Synthesis of the R1CS verifier with the proof's values (and inlining of the linear
    /// combinations).
    pub synthesis: Duration,
    /// The constraint matrices.
    pub matrices: Duration,
    /// QAP witness map and the multi-scalar multiplications.
    pub groth16: Duration,
}

/// Randomness for the proof's blinding (`r`, `s`) from the operating system.
fn os_rng() -> Result<StdRng, WrapError> {
    let mut seed = [0u8; 32];
    File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut seed))
        .map_err(|e| WrapError::Io { path: PathBuf::from("/dev/urandom"), source: e })?;
    Ok(StdRng::from_seed(seed))
}

/// Proves the wrap circuit for `proof` with `keys` and checks the result natively. Fails with
/// [`WrapError::KeyMismatch`] if the keys were made for another final layer, and with
/// [`WrapError::R1csUnsatisfied`] if the proof does not satisfy the R1CS verifier (a proof
/// plonky2 would reject).
pub fn prove(
    keys: &WrapKeys,
    proof: &FinalProof,
    verifier: &FinalVerifierData,
) -> Result<(WrapProof, ProveReport), WrapError> {
    let _span = info_span!("wrap_groth16_prove").entered();
    if keys.circuit_id != circuit_id(verifier)? {
        return Err(WrapError::KeyMismatch);
    }
    let mut report = ProveReport::default();
    let circuit = WrapCircuit::new(proof, verifier);

    let t = Instant::now();
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Prove { construct_matrices: true, generate_lc_assignments: false });
    {
        let _s = info_span!("synthesis").entered();
        circuit.synthesize(cs.clone()).map_err(|e| circuit.error(e))?;
        cs.finalize();
    }
    report.synthesis = t.elapsed();
    report.constraints = cs.num_constraints();
    report.witnesses = cs.num_witness_variables();
    info!(
        constraints = report.constraints,
        synthesis_s = report.synthesis.as_secs_f64(),
        "wrap circuit synthesized"
    );

    let t = Instant::now();
    let matrices = cs
        .to_matrices()?
        .remove(R1CS_PREDICATE_LABEL)
        .ok_or(WrapError::Synthesis(SynthesisError::PredicateNotFound))?;
    report.matrices = t.elapsed();

    let t = Instant::now();
    let num_inputs = cs.num_instance_variables();
    let instance = cs.instance_assignment()?;
    let public_inputs = instance[1..].to_vec();
    let assignment = [instance, cs.witness_assignment()?].concat();
    drop(cs);
    let mut rng = os_rng()?;
    let (r, s) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
    let groth = {
        let _s = info_span!("groth16_prove", constraints = report.constraints).entered();
        Groth16::<Bn254>::create_proof_with_reduction_and_matrices(
            &keys.pk,
            r,
            s,
            &matrices,
            num_inputs,
            report.constraints,
            &assignment,
        )?
    };
    report.groth16 = t.elapsed();
    info!(groth16_s = report.groth16.as_secs_f64(), "groth16 proof done");
    // A witness that does not satisfy the system (a final-layer proof plonky2 would reject)
    // yields a proof that does not verify: checking it (milliseconds) is cheaper than
    // `is_satisfied` (tens of seconds at this size).
    if !Groth16::<Bn254>::verify(keys.vk(), &public_inputs, &groth)? {
        return Err(WrapError::R1csUnsatisfied);
    }
    Ok((WrapProof { proof: groth, public_inputs }, report))
}

/// Verifies a wrap proof natively against `vk` and the final layer's public inputs `statement`
/// (Goldilocks values, as the final-layer proof exposes them).
pub fn verify(
    vk: &VerifyingKey<Bn254>,
    statement: &[plonky2::field::goldilocks_field::GoldilocksField],
    proof: &WrapProof,
) -> Result<(), WrapError> {
    let inputs = pack_statement(statement);
    if inputs != proof.public_inputs {
        return Err(WrapError::StatementMismatch);
    }
    if vk.gamma_abc_g1.len() != inputs.len() + 1 {
        return Err(WrapError::VerifyingKeyInputs {
            expected: inputs.len(),
            got: vk.gamma_abc_g1.len() - 1,
        });
    }
    match Groth16::<Bn254>::verify(vk, &inputs, &proof.proof)? {
        true => Ok(()),
        false => Err(WrapError::InvalidGroth16Proof),
    }
}

/// Where [`KeyStore::load_or_setup`] found its keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// Read from the store (hash checked).
    Cached,
    /// Made by a fresh setup and written to the store.
    Setup(SetupReport),
}

/// Files of one set of keys in a [`KeyStore`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyFiles {
    /// The proving key, arkworks' uncompressed serialization.
    pub pk: PathBuf,
    /// The verifying key, arkworks' compressed serialization.
    pub vk: PathBuf,
    /// `sha256 <hex>  <file name>` lines for both files.
    pub hashes: PathBuf,
}

/// A directory of wrap keys, one set per [`circuit_id`].
///
/// The hash file detects a truncated or corrupted key file (and the wrong file under the right
/// name); it is not a defence against someone who can write to the directory — the verifying key
/// that counts is the one in the deployed Solidity verifier, and a proving key that does not
/// match it only yields proofs the chain rejects.
#[derive(Clone, Debug)]
pub struct KeyStore {
    dir: PathBuf,
}

/// A `Write` that hashes what passes through it.
struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> WrapError + '_ {
    move |source| WrapError::Io { path: path.to_path_buf(), source }
}

fn ser_err(e: ark_serialize::SerializationError) -> WrapError {
    WrapError::Serialization(e.to_string())
}

fn file_sha256(path: &Path) -> Result<String, WrapError> {
    let mut f = BufReader::with_capacity(1 << 20, File::open(path).map_err(io_err(path))?);
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(io_err(path))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

impl KeyStore {
    /// A store in `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The files of the keys for `id`.
    pub fn files(&self, id: &[u8; 32]) -> KeyFiles {
        let stem = format!("wrap-{}", hex::encode(&id[..8]));
        KeyFiles {
            pk: self.dir.join(format!("{stem}.pk")),
            vk: self.dir.join(format!("{stem}.vk")),
            hashes: self.dir.join(format!("{stem}.sha256")),
        }
    }

    /// Writes `keys` (proving key, verifying key, then the hash file, atomically: after a crash
    /// mid-write, [`KeyStore::load`] finds no keys or refuses them, never half-written ones).
    pub fn store(&self, keys: &WrapKeys) -> Result<KeyFiles, WrapError> {
        let _span = info_span!("wrap_keys_store").entered();
        std::fs::create_dir_all(&self.dir).map_err(io_err(&self.dir))?;
        let files = self.files(&keys.circuit_id);
        // Keys being replaced stop being loadable before their files change.
        match std::fs::remove_file(&files.hashes) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(io_err(&files.hashes)(e));
            }
            _ => {}
        }
        let mut lines = String::new();
        for (path, compressed) in [(&files.pk, false), (&files.vk, true)] {
            let file = File::create(path).map_err(io_err(path))?;
            let mut w = HashingWriter {
                inner: BufWriter::with_capacity(1 << 20, file),
                hasher: Sha256::new(),
                bytes: 0,
            };
            if compressed {
                keys.vk().serialize_compressed(&mut w).map_err(ser_err)?;
            } else {
                keys.pk.serialize_uncompressed(&mut w).map_err(ser_err)?;
            }
            w.flush().map_err(io_err(path))?;
            w.inner.get_ref().sync_all().map_err(io_err(path))?;
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            lines.push_str(&format!("{}  {name}\n", hex::encode(w.hasher.finalize())));
            info!(file = %path.display(), bytes = w.bytes, "key file written");
        }
        // The hash file appears whole or not at all: written aside, synced, renamed.
        let tmp = files.hashes.with_extension("sha256.tmp");
        let mut f = File::create(&tmp).map_err(io_err(&tmp))?;
        f.write_all(lines.as_bytes()).and_then(|()| f.sync_all()).map_err(io_err(&tmp))?;
        std::fs::rename(&tmp, &files.hashes).map_err(io_err(&files.hashes))?;
        Ok(files)
    }

    /// Reads the keys for `id`, or `None` if the store has none. A key file whose SHA-256
    /// differs from the hash file is [`WrapError::KeyHash`].
    pub fn load(&self, id: &[u8; 32]) -> Result<Option<WrapKeys>, WrapError> {
        let _span = info_span!("wrap_keys_load").entered();
        let files = self.files(id);
        if !files.hashes.exists() {
            return Ok(None);
        }
        let listed = std::fs::read_to_string(&files.hashes).map_err(io_err(&files.hashes))?;
        for path in [&files.pk, &files.vk] {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            let expected = listed
                .lines()
                .find_map(|l| l.strip_suffix(name).map(|h| h.trim().to_owned()))
                .ok_or_else(|| WrapError::KeyHash { path: path.clone() })?;
            if file_sha256(path)? != expected {
                return Err(WrapError::KeyHash { path: path.clone() });
            }
        }
        let reader =
            BufReader::with_capacity(1 << 20, File::open(&files.pk).map_err(io_err(&files.pk))?);
        // Unchecked (no subgroup checks): the file's hash matched what this store wrote.
        let pk =
            ProvingKey::<Bn254>::deserialize_uncompressed_unchecked(reader).map_err(ser_err)?;
        let vk_bytes = std::fs::read(&files.vk).map_err(io_err(&files.vk))?;
        let vk = VerifyingKey::<Bn254>::deserialize_compressed(&vk_bytes[..]).map_err(ser_err)?;
        if vk != pk.vk {
            return Err(WrapError::KeyHash { path: files.vk });
        }
        Ok(Some(WrapKeys { circuit_id: *id, pk }))
    }

    /// The keys for the final layer `verifier`: from the store if there, else an
    /// [`insecure_dev_setup`] with `seed`, written to the store.
    pub fn load_or_setup(
        &self,
        proof: &FinalProof,
        verifier: &FinalVerifierData,
        seed: u64,
    ) -> Result<(WrapKeys, KeySource), WrapError> {
        let id = circuit_id(verifier)?;
        if let Some(keys) = self.load(&id)? {
            return Ok((keys, KeySource::Cached));
        }
        let (keys, report) = insecure_dev_setup(proof, verifier, seed)?;
        self.store(&keys)?;
        Ok((keys, KeySource::Setup(report)))
    }
}

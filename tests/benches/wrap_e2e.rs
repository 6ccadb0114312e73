//! The Ethereum wrap end to end, measured: a recursion-shape plonky2 proof → final layer →
//! Groth16 over BN254 → the generated Solidity verifier (compiled with the pinned solcjs) in
//! an EVM (revm at the project's hardfork), which accepts the proof and rejects a tampered
//! proof and a changed public input. Prints one line of figures (no assertions on time).
//!
//! ```text
//! cargo bench --profile test --workspace --bench wrap_e2e -- --config production
//! cargo bench --profile test --workspace --bench wrap_e2e -- --config production --inner batch.bin
//! ```
//!
//! `--inner FILE` wraps a proof bundle (for example the batch proof written by
//! `batch_bench --write-proof FILE`); without it, a sample hash-chain proof with one recursion
//! layer. Groth16 keys (INSECURE seeded setup) are cached in `--keys DIR`; a run with cached
//! keys reports `setup_s=cached`. Peak memory per phase is the process's `VmHWM`, reset
//! before each phase (`/proc/self/clear_refs`).

use std::path::PathBuf;
use std::time::Instant;

use alloy::primitives::U256;
use anyhow::Context;
use ark_serialize::CanonicalSerialize;
use clap::{Parser, ValueEnum};
use proofbook_circuits::bundle::ProofBundle;
use proofbook_prover::wrap::config::{
    conjectured_security_bits, wrap_circuit_config, wrap_test_circuit_config,
};
use proofbook_prover::wrap::final_layer::FinalLayer;
use proofbook_prover::wrap::groth16::{self, KeySource, KeyStore};
use proofbook_prover::wrap::sample::{sample_inner, test_seed};

#[path = "../support/evm_verifier.rs"]
mod evm_verifier;
use evm_verifier::EvmVerifier;

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FinalConfig {
    Production,
    Test,
}

#[derive(Parser, Debug)]
struct Args {
    /// FRI configuration of the final layer.
    #[arg(long, value_enum, default_value_t = FinalConfig::Production)]
    config: FinalConfig,
    /// A proof bundle to wrap (default: the sample recursion-shape proof).
    #[arg(long)]
    inner: Option<PathBuf>,
    /// Directory of cached Groth16 keys.
    #[arg(long, default_value = "target/wrap-keys")]
    keys: PathBuf,
    /// Seed of the INSECURE development setup.
    #[arg(long, default_value_t = 0x7072_6f6f_6662_6f6f)]
    setup_seed: u64,
    /// cargo bench passes `--bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

/// Resets the process's peak-RSS counter (Linux: `5` to `/proc/self/clear_refs`).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The process's peak RSS since the last [`reset_peak`], in MiB.
fn peak_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let t0 = Instant::now();
    let bundle = match &args.inner {
        Some(path) => ProofBundle::from_bytes(
            &std::fs::read(path).with_context(|| format!("reading {}", path.display()))?,
        )?,
        None => {
            let s = sample_inner(test_seed(), 4)?;
            ProofBundle { verifier: s.data.verifier_data(), proof: s.proof }
        }
    };
    bundle.verify()?;
    let inner_s = t0.elapsed().as_secs_f64();
    let config = match args.config {
        FinalConfig::Production => wrap_circuit_config(),
        FinalConfig::Test => wrap_test_circuit_config(),
    };
    let bits = conjectured_security_bits(&config.fri_config);

    let t = Instant::now();
    let layer = FinalLayer::build(&bundle.verifier.common, &bundle.verifier.verifier_only, config);
    let final_build_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let final_proof = layer.prove(&bundle.proof, &bundle.verifier.verifier_only)?;
    let final_prove_s = t.elapsed().as_secs_f64();
    layer.verify(&final_proof)?;
    let vd = layer.data.verifier_data();
    eprintln!(
        "final layer: degree 2^{}, {bits} conjectured bits, build {final_build_s:.1} s, prove {final_prove_s:.1} s",
        vd.common.degree_bits()
    );

    reset_peak();
    let store = KeyStore::new(&args.keys);
    let t = Instant::now();
    let (keys, source) = store.load_or_setup(&final_proof, &vd, args.setup_seed)?;
    let setup = match source {
        KeySource::Cached => format!("cached(load {:.1})", t.elapsed().as_secs_f64()),
        KeySource::Setup(r) => format!("{:.1}", r.elapsed.as_secs_f64()),
    };
    let setup_peak = peak_mib();
    let files = store.files(&keys.circuit_id);
    let pk_bytes = std::fs::metadata(&files.pk)?.len();
    let mut vk_compressed = Vec::new();
    keys.vk().serialize_compressed(&mut vk_compressed)?;

    reset_peak();
    let (proof, report) = groth16::prove(&keys, &final_proof, &vd)?;
    let prove_peak = peak_mib();
    groth16::verify(keys.vk(), &final_proof.public_inputs, &proof)?;

    // The generated Solidity verifier, compiled with the pinned solcjs, in revm.
    let mut verifier = EvmVerifier::deploy(keys.vk(), "WrapVerifier")?;
    let (evm_proof, inputs) = EvmVerifier::encode(&proof);
    let mut call = |p: &[u8], xs: &[U256]| verifier.verify(p, xs);
    let (ok, gas) = call(&evm_proof, &inputs)?;
    anyhow::ensure!(ok, "the Solidity verifier rejected a valid wrap proof");
    let mut tampered = evm_proof.clone();
    tampered[200] ^= 1; // C.x
    anyhow::ensure!(!call(&tampered, &inputs)?.0, "a tampered proof was accepted");
    let mut changed = inputs.clone();
    changed[0] += U256::from(1);
    anyhow::ensure!(!call(&evm_proof, &changed)?.0, "a changed public input was accepted");

    println!(
        "config={:?} bits={bits} inner_degree=2^{} final_degree=2^{} constraints={} witnesses={} \
         public_inputs={} inner_s={inner_s:.1} final_build_s={final_build_s:.1} \
         final_prove_s={final_prove_s:.1} setup_s={setup} setup_peak_mib={setup_peak} \
         synthesis_s={:.1} groth16_prove_s={:.1} prove_peak_mib={prove_peak} pk_bytes={pk_bytes} \
         vk_bytes={} verify_gas={gas} tampered_proof=rejected changed_input=rejected",
        args.config,
        bundle.verifier.common.degree_bits(),
        vd.common.degree_bits(),
        report.constraints,
        report.witnesses,
        proof.public_inputs.len(),
        report.synthesis.as_secs_f64(),
        (report.matrices + report.groth16).as_secs_f64(),
        vk_compressed.len(),
    );
    Ok(())
}

//! `proofbook-prover`: the proving pipeline's command line.
//!
//! * `wrap --proof FILE --out FILE`: a recursion-shape plonky2 proof (a proof bundle,
//!   `proofbook_circuits::bundle`) → final layer → Groth16 over BN254, verified natively; writes the
//!   wrapped proof (JSON). Keys are cached in `--keys DIR`.
//! * `verify --wrapped FILE`: checks a wrapped proof natively against its verifying key.
//! * `sample --out FILE`: writes a sample inner-proof bundle (a hash-chain proof with one
//!   recursion layer) to try `wrap` on.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use plonky2::plonk::circuit_data::{CircuitConfig, VerifierCircuitData};
use proofbook_prover::circuits::bundle::ProofBundle;
use proofbook_prover::wrap::config::{
    conjectured_security_bits, wrap_circuit_config, wrap_test_circuit_config,
};
use proofbook_prover::wrap::files::WrappedProof;
use proofbook_prover::wrap::final_layer::FinalLayer;
use proofbook_prover::wrap::groth16::{self, KeySource, KeyStore};
use proofbook_prover::wrap::sample::{sample_inner, test_seed};

#[derive(Parser, Debug)]
#[command(name = "proofbook-prover", version, about = "proofbook's proving pipeline")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Wrap a recursion-shape plonky2 proof into a Groth16 proof over BN254.
    Wrap(WrapArgs),
    /// Verify a wrapped proof natively.
    Verify(VerifyArgs),
    /// Write a sample inner-proof bundle.
    Sample(SampleArgs),
}

/// FRI configuration of the final layer.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum FinalConfig {
    /// Rate 1/16, 22 queries, 16 PoW bits (104 conjectured bits).
    Production,
    /// Rate 1/8, 2 queries, 4 PoW bits: insecure, for tests.
    Test,
}

impl FinalConfig {
    fn circuit_config(self) -> CircuitConfig {
        match self {
            Self::Production => wrap_circuit_config(),
            Self::Test => wrap_test_circuit_config(),
        }
    }
}

#[derive(Args, Debug)]
struct WrapArgs {
    /// Inner-proof bundle to wrap.
    #[arg(long)]
    proof: PathBuf,
    /// Where to write the wrapped proof (JSON).
    #[arg(long)]
    out: PathBuf,
    /// FRI configuration of the final layer.
    #[arg(long, value_enum, default_value_t = FinalConfig::Production)]
    config: FinalConfig,
    /// Directory of cached Groth16 keys.
    #[arg(long, default_value = "wrap-keys")]
    keys: PathBuf,
    /// Seed of the INSECURE development setup, used when the keys are not cached.
    #[arg(long, default_value_t = 0x7072_6f6f_6662_6f6f)]
    setup_seed: u64,
}

#[derive(Args, Debug)]
struct VerifyArgs {
    /// A file written by `wrap`.
    #[arg(long)]
    wrapped: PathBuf,
}

#[derive(Args, Debug)]
struct SampleArgs {
    /// Where to write the bundle.
    #[arg(long)]
    out: PathBuf,
    /// Chained Poseidon hashes in the base circuit.
    #[arg(long, default_value_t = 4)]
    hashes: usize,
}

/// One phase of a long command: a spinner while it runs, its time afterwards.
fn phase<T>(
    timings: &mut Vec<(&'static str, Duration)>,
    name: &'static str,
    f: impl FnOnce() -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed_precise}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message(name);
    bar.enable_steady_tick(Duration::from_millis(200));
    let t = Instant::now();
    let out = f();
    let d = t.elapsed();
    bar.finish_and_clear();
    eprintln!("{name}: {:.2} s{}", d.as_secs_f64(), if out.is_err() { " (failed)" } else { "" });
    timings.push((name, d));
    out
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

fn wrap(args: &WrapArgs) -> anyhow::Result<()> {
    let mut timings = Vec::new();
    let bundle = phase(&mut timings, "read inner proof", || {
        Ok(ProofBundle::from_bytes(&read(&args.proof)?)?)
    })?;
    let config = args.config.circuit_config();
    eprintln!(
        "final layer: {:?} config, {} conjectured bits",
        args.config,
        conjectured_security_bits(&config.fri_config)
    );
    let layer = phase(&mut timings, "build final layer", || {
        Ok(FinalLayer::build(&bundle.verifier.common, &bundle.verifier.verifier_only, config))
    })?;
    let final_proof = phase(&mut timings, "prove final layer", || {
        Ok(layer.prove(&bundle.proof, &bundle.verifier.verifier_only)?)
    })?;
    let vd: VerifierCircuitData<_, _, 2> = layer.data.verifier_data();
    let store = KeyStore::new(&args.keys);
    let (keys, source) = phase(&mut timings, "groth16 keys (load or setup)", || {
        Ok(store.load_or_setup(&final_proof, &vd, args.setup_seed)?)
    })?;
    match source {
        KeySource::Cached => eprintln!("keys: cached in {}", args.keys.display()),
        KeySource::Setup(r) => eprintln!(
            "keys: INSECURE seeded setup ({} variables, {:.1} s), stored in {}",
            r.variables,
            r.elapsed.as_secs_f64(),
            args.keys.display()
        ),
    }
    let (proof, report) =
        phase(&mut timings, "groth16 prove", || Ok(groth16::prove(&keys, &final_proof, &vd)?))?;
    eprintln!(
        "groth16: {} constraints, {} witnesses; synthesis {:.2} s, matrices {:.2} s, prove {:.2} s",
        report.constraints,
        report.witnesses,
        report.synthesis.as_secs_f64(),
        report.matrices.as_secs_f64(),
        report.groth16.as_secs_f64()
    );
    let out =
        WrappedProof::new(&keys.circuit_id, true, &final_proof.public_inputs, &proof, keys.vk())?;
    std::fs::write(&args.out, serde_json::to_string_pretty(&out)? + "\n")
        .with_context(|| format!("writing {}", args.out.display()))?;
    let total: Duration = timings.iter().map(|(_, d)| *d).sum();
    println!(
        "wrapped: {} public inputs, {} constraints, total {:.1} s -> {}",
        proof.public_inputs.len(),
        report.constraints,
        total.as_secs_f64(),
        args.out.display()
    );
    Ok(())
}

fn verify(args: &VerifyArgs) -> anyhow::Result<()> {
    let wrapped: WrappedProof = serde_json::from_slice(&read(&args.wrapped)?)
        .with_context(|| format!("parsing {}", args.wrapped.display()))?;
    if wrapped.format != proofbook_prover::wrap::files::WRAPPED_FORMAT {
        anyhow::bail!("unknown format {}", wrapped.format);
    }
    groth16::verify(&wrapped.verifying_key()?, &wrapped.statement()?, &wrapped.wrap_proof()?)?;
    println!(
        "ok: statement of {} values, circuit {}{}",
        wrapped.statement.len(),
        wrapped.circuit_id.get(..16).unwrap_or(&wrapped.circuit_id),
        if wrapped.insecure_dev_setup { " (INSECURE dev setup)" } else { "" }
    );
    Ok(())
}

fn sample(args: &SampleArgs) -> anyhow::Result<()> {
    let mut timings = Vec::new();
    let inner =
        phase(&mut timings, "prove sample", || Ok(sample_inner(test_seed(), args.hashes)?))?;
    let bundle = ProofBundle { verifier: inner.data.verifier_data(), proof: inner.proof };
    let bytes = bundle.to_bytes()?;
    std::fs::write(&args.out, &bytes).with_context(|| format!("writing {}", args.out.display()))?;
    println!("sample: {} bytes -> {}", bytes.len(), args.out.display());
    Ok(())
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Wrap(a) => wrap(&a),
        Command::Verify(a) => verify(&a),
        Command::Sample(a) => sample(&a),
    }
}

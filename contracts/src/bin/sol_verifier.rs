//! Emits the Solidity Groth16 verifier of a verifying key: the `vk` of a wrapped proof
//! (`proofbook-prover wrap --out FILE`, arkworks compressed, hex) or a raw compressed key.
//!
//! `cargo run -p proofbook-contracts --bin sol-verifier -- --wrapped wrapped.json --out contracts/src/WrapVerifier.sol`
//!
//! With `--check`, the output is also compiled with the pinned solcjs (`contracts/node_modules`).

use std::path::PathBuf;

use anyhow::Context as _;
use ark_bn254::Bn254;
use ark_groth16::VerifyingKey;
use ark_serialize::CanonicalDeserialize;
use clap::Parser;
use proofbook_contracts::{groth16, solc};

#[derive(Parser, Debug)]
#[command(about = "Write the Solidity Groth16 verifier of a verifying key")]
struct Args {
    /// A wrapped proof (JSON with a `vk` field, hex of the compressed key).
    #[arg(long, conflicts_with = "vk")]
    wrapped: Option<PathBuf>,
    /// A verifying key file (arkworks compressed).
    #[arg(long)]
    vk: Option<PathBuf>,
    /// Where to write the contract.
    #[arg(long)]
    out: PathBuf,
    /// Contract name.
    #[arg(long, default_value = "WrapVerifier")]
    name: String,
    /// Also compile the output with the pinned solcjs.
    #[arg(long)]
    check: bool,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let bytes = match (&args.wrapped, &args.vk) {
        (Some(path), None) => {
            let json: serde_json::Value = serde_json::from_slice(
                &std::fs::read(path).with_context(|| format!("reading {}", path.display()))?,
            )?;
            let hex_vk = json["vk"].as_str().context("no `vk` field")?;
            hex::decode(hex_vk.trim_start_matches("0x")).context("`vk` is not hex")?
        }
        (None, Some(path)) => {
            std::fs::read(path).with_context(|| format!("reading {}", path.display()))?
        }
        _ => anyhow::bail!("give --wrapped FILE or --vk FILE"),
    };
    let vk = VerifyingKey::<Bn254>::deserialize_compressed(&bytes[..])
        .context("not a compressed BN254 Groth16 verifying key")?;
    let source = groth16::solidity_verifier(&vk, &args.name);
    if args.check {
        let code = solc::compile_groth16_verifier(&source, &args.name)?;
        println!("compiled: {} bytes of creation code", code.len());
    }
    std::fs::write(&args.out, &source)
        .with_context(|| format!("writing {}", args.out.display()))?;
    println!("wrote {} ({} public inputs)", args.out.display(), vk.gamma_abc_g1.len() - 1);
    Ok(())
}

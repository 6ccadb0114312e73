//! The `proofbook-prover` binary: `verify` accepts the committed wrap fixture and refuses a
//! tampered copy with a message and a failing exit status; `sample` writes a proof bundle
//! that reads back and verifies. (`wrap` itself takes minutes: it is run by the
//! `wrap_e2e` bench and documented in docs/BENCHMARKS.md.)

use std::process::Command;

use proofbook_prover::circuits::bundle::ProofBundle;

mod common;
use common::{fixture_path, GROTH16_FILE};

fn prover() -> Command {
    Command::new(env!("CARGO_BIN_EXE_proofbook-prover"))
}

#[test]
fn verify_accepts_the_fixture_and_refuses_a_tampered_copy() -> anyhow::Result<()> {
    let out = prover().arg("verify").arg("--wrapped").arg(fixture_path(GROTH16_FILE)).output()?;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("ok: statement of 8 values"));

    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture_path(GROTH16_FILE))?)?;
    json["statement"][0] = serde_json::json!(json["statement"][0].as_u64().unwrap_or(0) + 1);
    let dir = tempfile::tempdir()?;
    let tampered = dir.path().join("tampered.json");
    std::fs::write(&tampered, json.to_string())?;
    let out = prover().arg("verify").arg("--wrapped").arg(&tampered).output()?;
    assert!(!out.status.success(), "a changed statement must not verify");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not the packed statement"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}

#[test]
fn sample_writes_a_bundle_that_verifies() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("inner.bin");
    let out = prover().args(["sample", "--hashes", "2", "--out"]).arg(&path).output()?;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let bytes = std::fs::read(&path)?;
    let bundle = ProofBundle::from_bytes(&bytes)?;
    bundle.verify()?;
    assert_eq!(bundle.proof.public_inputs.len(), 8, "seed and result of the hash chain");
    assert!(ProofBundle::from_bytes(&bytes[..bytes.len() / 2]).is_err(), "truncated bundle");
    Ok(())
}

//! Compiles Solidity at run time with the pinned solcjs (`contracts/node_modules/solc`, the
//! compiler forge uses through `tools/solc`) and the settings of `foundry.toml`, so that a
//! contract generated from data known only at run time — a Groth16 verifier for freshly made
//! keys — runs as real solc output.

use std::io::Write as _;
use std::process::{Command, Stdio};

use crate::contracts_dir;

/// Failures of a run-time compilation.
#[derive(Debug, thiserror::Error)]
pub enum SolcError {
    /// `contracts/node_modules/solc` is missing (`scripts/build-contracts.sh` installs it).
    #[error("solcjs not installed at {0}: run scripts/build-contracts.sh")]
    NotInstalled(String),
    /// `node` could not be started or its output read.
    #[error("running node: {0}")]
    Node(#[from] std::io::Error),
    /// solc reported errors.
    #[error("solc: {0}")]
    Compile(String),
    /// solc's output was not the expected JSON (or lacked the contract).
    #[error("solc output: {0}")]
    Output(String),
}

/// Runs solcjs on standard JSON, resolving nothing from disk (all sources given).
const DRIVER: &str = r#"
const solc = require(process.argv[1]);
let input = "";
process.stdin.on("data", (d) => (input += d));
process.stdin.on("end", () => process.stdout.write(solc.compile(input)));
"#;

/// Creation bytecode of `contract` in the source `file`, compiled from `sources`
/// (`(name, content)` pairs; imports resolve among them) with `foundry.toml`'s settings:
/// EVM version prague, optimizer with 200 runs (Yul optimizer and constant optimizer off),
/// no metadata hash, no CBOR trailer.
pub fn compile(sources: &[(&str, &str)], file: &str, contract: &str) -> Result<Vec<u8>, SolcError> {
    let solcjs = contracts_dir().join("node_modules/solc");
    if !solcjs.join("package.json").exists() {
        return Err(SolcError::NotInstalled(solcjs.display().to_string()));
    }
    let srcs: serde_json::Map<String, serde_json::Value> = sources
        .iter()
        .map(|(name, content)| ((*name).to_owned(), serde_json::json!({ "content": content })))
        .collect();
    let input = serde_json::json!({
        "language": "Solidity",
        "sources": srcs,
        "settings": {
            "evmVersion": "prague",
            "optimizer": { "enabled": true, "runs": 200,
                           "details": { "yul": false, "constantOptimizer": false } },
            "metadata": { "bytecodeHash": "none", "appendCBOR": false },
            "outputSelection": { "*": { "*": ["evm.bytecode.object"] } }
        }
    });
    let mut child = Command::new("node")
        .arg("-e")
        .arg(DRIVER)
        .arg(&solcjs)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    child
        .stdin
        .take()
        .ok_or_else(|| SolcError::Output("no stdin".into()))?
        .write_all(input.to_string().as_bytes())?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        return Err(SolcError::Output(String::from_utf8_lossy(&out.stderr).into_owned()));
    }
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| SolcError::Output(e.to_string()))?;
    let errors: Vec<String> = json["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["severity"] == "error")
        .map(|e| e["formattedMessage"].as_str().unwrap_or("?").to_owned())
        .collect();
    if !errors.is_empty() {
        return Err(SolcError::Compile(errors.join("\n")));
    }
    let object = json["contracts"][file][contract]["evm"]["bytecode"]["object"]
        .as_str()
        .ok_or_else(|| SolcError::Output(format!("no bytecode for {file}:{contract}")))?;
    hex::decode(object).map_err(|e| SolcError::Output(e.to_string()))
}

/// Creation bytecode of a generated Groth16 verifier (`crate::groth16::solidity_verifier`)
/// named `name`, compiled with the committed `IVerifier.sol`.
pub fn compile_groth16_verifier(source: &str, name: &str) -> Result<Vec<u8>, SolcError> {
    let file = format!("src/{name}.sol");
    compile(&[(&file, source), ("src/IVerifier.sol", include_str!("IVerifier.sol"))], &file, name)
}

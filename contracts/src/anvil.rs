//! The pinned anvil from npm (`contracts/node_modules/@foundry-rs/anvil-*`), found without
//! any network access, started through alloy's node bindings.

use std::path::PathBuf;

use alloy::node_bindings::{Anvil, AnvilInstance};

/// The EVM hardfork every part of the project pins (solc `evm_version`, anvil, revm).
pub const HARDFORK: &str = "prague";

/// Why anvil could not be started.
#[derive(Debug, thiserror::Error)]
pub enum AnvilError {
    /// No anvil binary at the expected places.
    #[error(
        "anvil not found (looked at {0:?}); run `npm install` in contracts/ or set PROOFBOOK_ANVIL"
    )]
    NotFound(Vec<PathBuf>),
    /// The binary did not start or did not report its endpoint.
    #[error("anvil failed to start: {0}")]
    Spawn(#[from] alloy::node_bindings::NodeError),
}

/// Path of the anvil binary: `$PROOFBOOK_ANVIL` if set, else the npm package's native
/// binary under `contracts/node_modules`.
pub fn anvil_path() -> Result<PathBuf, AnvilError> {
    let mut tried = Vec::new();
    if let Some(p) = std::env::var_os("PROOFBOOK_ANVIL") {
        let p = PathBuf::from(p);
        if p.is_file() {
            return Ok(p);
        }
        tried.push(p);
    }
    let nm = crate::contracts_dir().join("node_modules");
    for rel in [
        "@foundry-rs/anvil-linux-amd64/bin/anvil",
        "@foundry-rs/anvil-linux-arm64/bin/anvil",
        ".bin/anvil",
    ] {
        let p = nm.join(rel);
        if p.is_file() {
            return Ok(p);
        }
        tried.push(p);
    }
    Err(AnvilError::NotFound(tried))
}

/// Starts anvil on a free port with the project's hardfork; stopped when dropped.
pub fn spawn() -> Result<AnvilInstance, AnvilError> {
    let path = anvil_path()?;
    Ok(Anvil::at(path).args(["--hardfork", HARDFORK]).try_spawn()?)
}

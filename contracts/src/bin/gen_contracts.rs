//! Regenerates the generated Solidity sources and the golden vectors of the contracts:
//! `src/PoseidonGoldilocks.sol`, `src/Groth16Verifier.sol` (trivial statement circuit,
//! INSECURE dev keys), `test/vectors/poseidon.json`, `test/vectors/groth16.json`.
//! Then run `scripts/build-contracts.sh` to refresh the artifacts.

use anyhow::Context as _;
use proofbook_contracts::{contracts_dir, groth16, poseidon_sol, vectors};

fn main() -> anyhow::Result<()> {
    let dir = contracts_dir();
    let write = |rel: &str, text: String| -> anyhow::Result<()> {
        let p = dir.join(rel);
        std::fs::write(&p, text).with_context(|| format!("writing {}", p.display()))?;
        println!("wrote {}", p.display());
        Ok(())
    };
    write("src/PoseidonGoldilocks.sol", poseidon_sol::poseidon_goldilocks_sol())?;
    let keys = groth16::insecure_dev_setup(groth16::DEV_SETUP_SEED)?;
    write("src/Groth16Verifier.sol", groth16::solidity_verifier(&keys.vk, "Groth16Verifier"))?;
    std::fs::create_dir_all(dir.join("test/vectors"))?;
    write(
        "test/vectors/poseidon.json",
        serde_json::to_string_pretty(&vectors::poseidon_vectors())? + "\n",
    )?;
    write(
        "test/vectors/groth16.json",
        serde_json::to_string_pretty(&vectors::groth16_vectors(&keys)?)? + "\n",
    )?;
    write(
        "test/vectors/blob.json",
        serde_json::to_string_pretty(&vectors::blob_vectors()?)? + "\n",
    )?;
    Ok(())
}

//! The `proofbook` command-line tool.

fn main() -> anyhow::Result<()> {
    println!("proofbook: placeholder");
    Ok(())
}

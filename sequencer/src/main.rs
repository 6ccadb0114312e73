//! The `proofbook` command-line tool.

use clap::{Parser, Subcommand};
use proofbook_circuits::hash::digest_hex;
use proofbook_circuits::pubdata::{ForcedWithdrawalStatus, PubOp};

/// proofbook: a ZK-rollup for an order-book derivatives venue.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the scripted scenario natively and print the state root after every step.
    Demo,
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Demo => {
            let outcome = proofbook_sequencer::demo::run(|_, step| {
                let result = match &step.result {
                    Ok(r) => match &r.op {
                        PubOp::ForcedWithdrawal(f)
                            if f.status != ForcedWithdrawalStatus::Honoured =>
                        {
                            format!("processed as rejected ({:?})", f.status)
                        }
                        _ => "ok".to_string(),
                    },
                    Err(e) => format!("rejected: {e}"),
                };
                println!(
                    "batch {:>2}  {:<58} {}  {}",
                    step.batch,
                    step.label,
                    digest_hex(&step.root),
                    result
                );
            })?;
            println!("final state root   {}", digest_hex(&outcome.final_root));
            println!("rebuilt from pubdata {}", digest_hex(&outcome.rebuilt_root));
            anyhow::ensure!(
                outcome.final_root == outcome.rebuilt_root,
                "rebuild from public data disagrees"
            );
            println!(
                "{} batches, {} public-data bytes, total collateral {} = deposits {} − withdrawals {}",
                outcome.batches.len(),
                outcome.batches.iter().map(|b| b.pubdata.len()).sum::<usize>(),
                outcome.total_collateral,
                outcome.deposits,
                outcome.withdrawals
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_parses() {
        let cli = Cli::try_parse_from(["proofbook", "demo"]).unwrap();
        assert!(matches!(cli.command, Command::Demo));
        assert!(Cli::try_parse_from(["proofbook"]).is_err());
    }
}

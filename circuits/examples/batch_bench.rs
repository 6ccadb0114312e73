//! Proves a batch end to end and prints one line of figures:
//!
//! ```text
//! cargo run --release -p proofbook-circuits --example batch_bench -- --trades N --config production
//! ```
//!
//! The chunk circuit constrains Noop and Deposit only so far: Trade constraints do not exist
//! yet, so the bench cannot prove trades. It says so in its output and proves the deposits a
//! batch of N trades would need (N deposits, one per account) instead, so that the chunk and
//! aggregation figures are real.

use std::time::Instant;

use alloy_primitives::Address;
use anyhow::Context;
use clap::Parser;
use proofbook_circuits::aggregate::{BatchProof, BatchProver, BatchWitness};
use proofbook_circuits::circuit::chunk::PRODUCTION_K;
use proofbook_circuits::circuit::{ChunkCircuit, StateRoots};
use proofbook_circuits::commit::StateTrees;
use proofbook_circuits::config::NamedConfig;
use proofbook_circuits::pubdata::DepositOp;
use proofbook_circuits::state::{Config, Genesis, Market, State};
use proofbook_circuits::tx::{apply, Tx};

#[derive(Parser, Debug)]
#[command(about = "Prove a batch and print rows, timings and proof size")]
struct Args {
    /// Trades in the batch (proven as the deposits they need while trades are unconstrained).
    #[arg(long, default_value_t = 16)]
    trades: usize,
    /// Named config: fast_test or production.
    #[arg(long, default_value = "production")]
    config: NamedConfig,
    /// Slots per chunk (default: the production K).
    #[arg(long)]
    k: Option<usize>,
}

fn deposit_batch(n: usize) -> anyhow::Result<(BatchWitness, State)> {
    let genesis = Genesis {
        config: Config {
            oracle_pubkey: [0; 5],
            max_fee_ppm: 1_000,
            funding_cap_ppm_per_hour: 1_000,
            liquidation_fee_cap_ppm: 20_000,
            chain_id: 31_337,
            rollup: Address::repeat_byte(0x70),
        },
        markets: vec![Market::perp(1, 1)],
        timestamp: 1_767_225_600,
        insurance_owner: Address::repeat_byte(0x99),
    };
    let mut state = State::genesis(&genesis)?;
    let mut trees = StateTrees::build(&state);
    let start = StateRoots {
        accounts_root: trees.accounts_root(),
        markets_root: trees.markets_root(),
        config_hash: trees.config_hash(),
    };
    state.begin_batch(genesis.timestamp + 60)?;
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut ops = Vec::with_capacity(n);
    for i in 0..n {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let id = u32::try_from(i + 1)?;
        let d = DepositOp {
            account_id: id,
            l1_address: Address::repeat_byte((i % 251) as u8 + 1),
            pubkey: [seed >> 4, seed >> 8, seed >> 12, seed >> 16, seed >> 20],
            amount: 1_000_000 + (seed >> 40),
        };
        ops.push(apply(&mut state, &Tx::Deposit(d)).context("native deposit")?.op);
    }
    let journal = state.take_journal();
    let txs = ops.into_iter().zip(trees.witness(&journal)).collect();
    Ok((BatchWitness { batch_number: 1, timestamp: genesis.timestamp + 60, start, txs }, state))
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let k = args.k.unwrap_or(PRODUCTION_K);
    let (witness, _) = deposit_batch(args.trades.max(1))?;
    let statement = witness.statement()?;

    // Rows per slot: the difference between a 2-slot and a 1-slot chunk (same gates at every
    // config; only FRI differs).
    let one = ChunkCircuit::build(NamedConfig::FastTest, 1).num_gates;
    let two = ChunkCircuit::build(NamedConfig::FastTest, 2).num_gates;

    let t = Instant::now();
    let prover = BatchProver::new(args.config, k);
    let chunks = witness.chunks(k)?;
    let levels = chunks.len().trailing_zeros() as usize;
    for l in 1..=levels {
        prover.aggregation_circuit(l);
    }
    let build_s = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let mut proofs = prover.prove_chunks(&chunks)?;
    let prove_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut level_s = Vec::new();
    for l in 1..=levels {
        let tl = Instant::now();
        proofs = prover.aggregate_level(l, &proofs)?;
        level_s.push(format!("{:.2}", tl.elapsed().as_secs_f64()));
    }
    let aggregate_s = t.elapsed().as_secs_f64();
    let proof = BatchProof { level: levels, proof: proofs.pop().context("no proof")? };
    prover.verify_batch(&proof, &statement)?;
    let chunk = prover.chunk_circuit();
    let agg_rows = if levels > 0 {
        let a = prover.aggregation_circuit(1);
        format!("{}(2^{})", a.num_gates, a.data.common.degree_bits())
    } else {
        "-".to_string()
    };
    eprintln!(
        "note: Trade constraints are not implemented yet; the {} transactions proven are \
         deposits (types constrained: noop, deposit)",
        args.trades
    );
    println!(
        "trades={} proven_as=deposits chunks={} k={} rows_per_chunk={}(2^{}) rows_per_deposit_slot={} \
         aggregation_rows={} build_s={:.2} prove_s={:.2} aggregate_s={:.2} level_s=[{}] \
         proof_bytes={} config={} verify=ok",
        args.trades,
        chunks.len(),
        k,
        chunk.num_gates,
        chunk.data.common.degree_bits(),
        two - one,
        agg_rows,
        build_s,
        prove_s,
        aggregate_s,
        level_s.join(","),
        proof.proof.to_bytes().len(),
        args.config.name(),
    );
    Ok(())
}

//! Proves a batch end to end and prints one line of figures:
//!
//! ```text
//! cargo run --release -p proofbook-circuits --example batch_bench -- --trades N --config production
//! ```
//!
//! The chunk circuit constrains Noop, Deposit, Withdraw, Transfer and CancelOrder so far:
//! Trade constraints do not exist yet, so the bench cannot prove trades. It says so in its
//! output and proves, instead, the N deposits a batch of N trades would need (one per
//! account) followed by N account-signed transactions (withdrawals, transfers and cancels
//! in turn, each with its Schnorr signature, funding settlement and margin check), so that
//! the chunk and aggregation figures are real and every slot kind is exercised.

use std::time::Instant;

use alloy_primitives::Address;
use anyhow::Context;
use clap::Parser;
use plonky2::plonk::circuit_builder::CircuitBuilder;
use proofbook_circuits::aggregate::{BatchProof, BatchProver, BatchWitness};
use proofbook_circuits::circuit::chunk::PRODUCTION_K;
use proofbook_circuits::circuit::reads::MarketReadTargets;
use proofbook_circuits::circuit::slot::AccountUpdateTargets;
use proofbook_circuits::circuit::{ChunkCircuit, StateRoots};
use proofbook_circuits::client::L2Signer;
use proofbook_circuits::commit::StateTrees;
use proofbook_circuits::config::NamedConfig;
use proofbook_circuits::constants::MAX_POSITIONS;
use proofbook_circuits::ecgfp5::Scalar;
use proofbook_circuits::hash::{D, F};
use proofbook_circuits::order_target::OrderSlotUpdateTargets;
use proofbook_circuits::pubdata::DepositOp;
use proofbook_circuits::risk::funding_target::FundingGadgets;
use proofbook_circuits::risk::margin_target::MarginGadgets;
use proofbook_circuits::schnorr::circuit::CircuitBuilderSchnorr;
use proofbook_circuits::schnorr::SecretKey;
use proofbook_circuits::state::{AccountTarget, Config, Genesis, Market, MarketTarget, State};
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

/// The L2 signer of bench account `id` (a fixed secret key per account).
fn signer(id: u32) -> anyhow::Result<L2Signer> {
    let d = Scalar::from_u64(0x5eed_0000 + u64::from(id));
    Ok(L2Signer::new(SecretKey::new(d).map_err(|e| anyhow::anyhow!("{e}"))?))
}

fn signed_batch(n: usize) -> anyhow::Result<(BatchWitness, State)> {
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
    let markets: Vec<Market> = state.markets().cloned().collect();
    state.begin_batch(genesis.timestamp + 60)?;
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut ops = Vec::with_capacity(n);
    let mut sources = Vec::with_capacity(n);
    for i in 0..n {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let id = u32::try_from(i + 1)?;
        let d = DepositOp {
            account_id: id,
            l1_address: Address::repeat_byte((i % 251) as u8 + 1),
            pubkey: signer(id)?.pubkey(),
            amount: 1_000_000 + (seed >> 40),
        };
        let tx = Tx::Deposit(d);
        ops.push(apply(&mut state, &tx).context("native deposit")?.op);
        sources.push(tx);
    }
    let config = genesis.config.clone();
    for i in 0..n {
        let id = u32::try_from(i + 1)?;
        let s = signer(id)?;
        let tx = match i % 3 {
            0 => Tx::Withdraw(s.withdraw(&config, id, 1_000 + i as u64, 0)),
            1 => Tx::Transfer(s.transfer(&config, id, id % u32::try_from(n)? + 1, 500, 0)),
            _ => Tx::CancelOrder(s.cancel(&config, id, id, 0)),
        };
        ops.push(apply(&mut state, &tx).context("native signed transaction")?.op);
        sources.push(tx);
    }
    let journal = state.take_journal();
    let txs = ops.into_iter().zip(trees.witness(&journal)).collect();
    let w = BatchWitness {
        batch_number: 1,
        timestamp: genesis.timestamp + 60,
        start,
        config: genesis.config,
        markets,
        txs,
        sources,
    };
    Ok((w, state))
}

/// Rows a part of a slot adds to a circuit (`num_gates` delta; arithmetic gates are shared
/// between parts, so the parts add up to about the slot, not exactly).
fn rows(part: impl FnOnce(&mut CircuitBuilder<F, D>)) -> usize {
    let mut b = CircuitBuilder::<F, D>::new(NamedConfig::FastTest.circuit_config());
    let before = b.num_gates();
    part(&mut b);
    b.num_gates() - before
}

/// The rows of each part of a slot, for docs/circuits.md.
fn part_rows() -> String {
    let account = rows(|b| {
        AccountUpdateTargets::new(b);
    });
    let order = rows(|b| {
        OrderSlotUpdateTargets::new(b);
    });
    let schnorr = rows(|b| {
        let c = b.add_virtual_bool_target_safe();
        let pk = b.add_virtual_public_key_target();
        let sig = b.add_virtual_schnorr_signature_target();
        let msg = b.add_virtual_targets(4);
        b.verify_schnorr_if(c, pk, &msg, sig);
    });
    let reads = rows(|b| {
        let c = b.add_virtual_bool_target_safe();
        let a = AccountTarget::new(b);
        let root = b.add_virtual_hash();
        MarketReadTargets::constrain(b, c, &a, root);
    });
    let settle = rows(|b| {
        let c = b.add_virtual_bool_target_safe();
        let (a, n) = (AccountTarget::new(b), AccountTarget::new(b));
        let m: [MarketTarget; MAX_POSITIONS] = core::array::from_fn(|_| MarketTarget::new(b));
        b.settle_funding_if(c, &a, &m, n.collateral, &n.positions);
    });
    let risk = rows(|b| {
        let a = AccountTarget::new(b);
        let m: [MarketTarget; MAX_POSITIONS] = core::array::from_fn(|_| MarketTarget::new(b));
        let r = b.account_risk(&a, &m);
        r.is_initial_margined(b);
    });
    format!(
        "account_update={account} order_slot_update={order} schnorr={schnorr} \
         market_reads={reads} settle_funding={settle} account_risk={risk}"
    )
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let k = args.k.unwrap_or(PRODUCTION_K);
    let (witness, _) = signed_batch(args.trades.max(2))?;
    let statement = witness.statement()?;

    // Rows per slot: the difference between a 2-slot and a 1-slot chunk (same gates at every
    // config; only FRI differs).
    let one = ChunkCircuit::build(NamedConfig::FastTest, 1).num_gates;
    let two = ChunkCircuit::build(NamedConfig::FastTest, 2).num_gates;
    eprintln!("rows per part of a slot: {}", part_rows());

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
         deposits and as many withdrawals, transfers and cancels (types constrained: noop, \
         deposit, withdraw, transfer, cancel_order)",
        2 * args.trades.max(2)
    );
    println!(
        "trades={} proven_as=deposits+signed chunks={} k={} rows_per_chunk={}(2^{}) rows_per_slot={} \
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

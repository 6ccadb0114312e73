//! Proves a batch end to end and prints one line of figures:
//!
//! ```text
//! cargo run --release -p proofbook-circuits --example batch_bench -- --trades N --config production
//! ```
//!
//! The batch: the deposits the trades need (a market maker and one taker per trade), then N
//! random valid trades on a perp priced at genesis (random size, price on the tick, side and
//! fees; every order's first fill, so both signatures are verified). Deposits go to
//! universal chunks of K slots, trades to trade chunks of `PRODUCTION_TRADE_K` slots; both
//! chunk circuits share one shape and aggregate into one proof. The first stderr line gives
//! the rows of each part of a slot (`num_gates` deltas) for docs/circuits.md.

use std::time::Instant;

use alloy_primitives::Address;
use anyhow::Context;
use clap::Parser;
use plonky2::plonk::circuit_builder::CircuitBuilder;
use proofbook_circuits::aggregate::{BatchProof, BatchProver, BatchWitness};
use proofbook_circuits::bundle::ProofBundle;
use proofbook_circuits::circuit::chunk::ChunkKind;
use proofbook_circuits::circuit::chunk::{PRODUCTION_K, PRODUCTION_TRADE_K};
use proofbook_circuits::circuit::reads::MarketReadTargets;
use proofbook_circuits::circuit::slot::AccountUpdateTargets;
use proofbook_circuits::circuit::tx::trade::{RunningRoots, TradeContext, TradeSlotTargets};
use proofbook_circuits::circuit::{ChunkCircuit, ChunkWitness, StateRoots};
use proofbook_circuits::client::L2Signer;
use proofbook_circuits::commit::StateTrees;
use proofbook_circuits::config::NamedConfig;
use proofbook_circuits::constants::MAX_POSITIONS;
use proofbook_circuits::ecgfp5::Scalar;
use proofbook_circuits::hash::{D, F};
use proofbook_circuits::order::{Order, OrderFlags, Side};
use proofbook_circuits::order_target::OrderSlotUpdateTargets;
use proofbook_circuits::pubdata::DepositOp;
use proofbook_circuits::risk::funding_target::FundingGadgets;
use proofbook_circuits::risk::margin_target::MarginGadgets;
use proofbook_circuits::schnorr::circuit::CircuitBuilderSchnorr;
use proofbook_circuits::schnorr::SecretKey;
use proofbook_circuits::state::{AccountTarget, Config, Genesis, Market, MarketTarget, State};
use proofbook_circuits::tx::{apply, Trade, Tx};

#[derive(Parser, Debug)]
#[command(about = "Prove a batch and print rows, timings and proof size")]
struct Args {
    /// Trades in the batch (proven with the deposits they need).
    #[arg(long, default_value_t = 16)]
    trades: usize,
    /// Named config: fast_test or production.
    #[arg(long, default_value = "production")]
    config: NamedConfig,
    /// Slots per chunk (default: the production K).
    #[arg(long)]
    k: Option<usize>,
    /// Also write the batch proof with its circuit's verifier data (a proof bundle, the input
    /// of `proofbook-prover wrap`) to this file.
    #[arg(long)]
    write_proof: Option<std::path::PathBuf>,
}

/// The L2 signer of bench account `id` (a fixed secret key per account).
fn signer(id: u32) -> anyhow::Result<L2Signer> {
    let d = Scalar::from_u64(0x5eed_0000 + u64::from(id));
    Ok(L2Signer::new(SecretKey::new(d).map_err(|e| anyhow::anyhow!("{e}"))?))
}

fn trade_batch(n: usize) -> anyhow::Result<(BatchWitness, State)> {
    let mut perp = Market::perp(1, 1).with_tick_size(100);
    perp.mark_price = 100_000_000;
    perp.index_price = 100_000_000;
    let genesis = Genesis {
        config: Config {
            oracle_pubkey: [0; 5],
            max_fee_ppm: 1_000,
            funding_cap_ppm_per_hour: 1_000,
            liquidation_fee_cap_ppm: 20_000,
            chain_id: 31_337,
            rollup: Address::repeat_byte(0x70),
        },
        markets: vec![perp],
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
    let now = genesis.timestamp + 60;
    state.begin_batch(now)?;
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        seed >> 33
    };
    let mut ops = Vec::with_capacity(2 * n + 1);
    let mut sources = Vec::with_capacity(2 * n + 1);
    // Account 1 makes every market; accounts 2..=n+1 take one trade each.
    for i in 0..=n {
        let id = u32::try_from(i + 1)?;
        let d = DepositOp {
            account_id: id,
            l1_address: Address::repeat_byte((i % 251) as u8 + 1),
            pubkey: signer(id)?.pubkey(),
            amount: if id == 1 { 1_000_000_000_000 } else { 10_000_000_000 + (next() % 1_000_000) },
        };
        let tx = Tx::Deposit(d);
        ops.push(apply(&mut state, &tx).context("native deposit")?.op);
        sources.push(tx);
    }
    let config = genesis.config.clone();
    let maker_key = signer(1)?;
    for i in 0..n {
        let taker = u32::try_from(i + 2)?;
        let size = 1 + next() % 50;
        let price = u32::try_from(100_000_000 - 50_000 + (next() % 1_000) * 100)?;
        let taker_buys = next() % 2 == 0;
        let (ms, ts) = if taker_buys { (Side::Sell, Side::Buy) } else { (Side::Buy, Side::Sell) };
        let order = |account_id, side, price, size, nonce| Order {
            account_id,
            market_id: 1,
            side,
            price,
            size,
            nonce,
            expiry: now + 3_600,
            flags: OrderFlags::default(),
            max_fee_ppm: 1_000,
        };
        let tx = Tx::Trade(Trade {
            maker: maker_key.sign_order(&config, order(1, ms, price, size, u32::try_from(i + 1)?)),
            taker: signer(taker)?.sign_order(&config, order(taker, ts, price, size, 1)),
            size,
            maker_fee_ppm: u32::try_from(next() % 500)?,
            taker_fee_ppm: u32::try_from(next() % 1_000)?,
        });
        ops.push(apply(&mut state, &tx).context("native trade")?.op);
        sources.push(tx);
    }
    let journal = state.take_journal();
    let txs = ops.into_iter().zip(trees.witness(&journal)).collect();
    let w = BatchWitness {
        batch_number: 1,
        timestamp: now,
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
    // transition_allowed alone: its builder with both risks' targets, minus the two risks.
    let transition = rows(|b| {
        let (a, n) = (AccountTarget::new(b), AccountTarget::new(b));
        let m: [MarketTarget; MAX_POSITIONS] = core::array::from_fn(|_| MarketTarget::new(b));
        let before = b.account_risk(&a, &m);
        let after = b.account_risk(&n, &m);
        b.transition_allowed(&before, &after, a.positions[0].size, n.positions[0].size);
    })
    .saturating_sub(2 * risk);
    let trade = rows(|b| {
        let ctx = TradeContext {
            domain: core::array::from_fn(|_| b.add_virtual_target()),
            max_fee_ppm: b.add_virtual_target(),
            now: b.add_virtual_target(),
        };
        let roots = RunningRoots {
            accounts: b.add_virtual_hash(),
            markets: b.add_virtual_hash(),
            pubdata: b.add_virtual_hash(),
        };
        TradeSlotTargets::build(b, &ctx, roots);
    });
    format!(
        "account_update={account} order_slot_update={order} schnorr={schnorr} \
         market_reads={reads} settle_funding={settle} account_risk={risk} \
         transition_allowed={transition} trade_slot={trade}"
    )
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let k = args.k.unwrap_or(PRODUCTION_K);
    let (witness, _) = trade_batch(args.trades.max(1))?;
    let statement = witness.statement()?;

    // Rows per universal slot: the difference between a 2-slot and a 1-slot chunk (same
    // gates at every config; only FRI differs).
    let one = ChunkCircuit::build(NamedConfig::FastTest, 1).num_gates;
    let two = ChunkCircuit::build(NamedConfig::FastTest, 2).num_gates;
    eprintln!("rows per part of a slot: {}", part_rows());

    let t = Instant::now();
    let prover = BatchProver::new(args.config, k, PRODUCTION_TRADE_K);
    let chunks = prover.chunks(&witness)?;
    let kinds: Vec<ChunkKind> = chunks.iter().map(ChunkWitness::kind).collect();
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
        proofs = prover.aggregate_level(l, &proofs, &kinds)?;
        level_s.push(format!("{:.2}", tl.elapsed().as_secs_f64()));
    }
    let aggregate_s = t.elapsed().as_secs_f64();
    let proof = BatchProof { level: levels, proof: proofs.pop().context("no proof")? };
    prover.verify_batch(&proof, &statement)?;
    if let Some(path) = &args.write_proof {
        let verifier = if levels == 0 {
            prover.circuit_of(kinds[0]).data.verifier_data()
        } else {
            prover.aggregation_circuit(levels).data.verifier_data()
        };
        let bundle = ProofBundle { verifier, proof: proof.proof.clone() };
        bundle.verify()?;
        std::fs::write(path, bundle.to_bytes()?)
            .with_context(|| format!("writing {}", path.display()))?;
        eprintln!("batch proof bundle written to {}", path.display());
    }
    let chunk = prover.chunk_circuit();
    let trade = prover.trade_circuit();
    let agg_rows = if levels > 0 {
        let a = prover.aggregation_circuit(1);
        format!("{}(2^{})", a.num_gates, a.data.common.degree_bits())
    } else {
        "-".to_string()
    };
    let n_trade = kinds.iter().filter(|k| **k == ChunkKind::Trade).count();
    println!(
        "trades={} chunks={} trade_chunks={} k={} k_trade={} rows_per_chunk={}(2^{}) \
         rows_per_trade_chunk={}(2^{}) rows_per_slot={} aggregation_rows={} build_s={:.2} \
         prove_s={:.2} aggregate_s={:.2} level_s=[{}] proof_bytes={} config={} verify=ok",
        args.trades.max(1),
        chunks.len(),
        n_trade,
        k,
        PRODUCTION_TRADE_K,
        chunk.num_gates,
        chunk.data.common.degree_bits(),
        trade.num_gates,
        trade.data.common.degree_bits(),
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

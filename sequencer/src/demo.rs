//! The scripted scenario: every transaction type, natively, batch by batch.
//!
//! Five traders derive their L2 keys from Ethereum signatures and deposit; a market maker
//! sells BTC-PERP to two takers and a third trader, with partial fills of one resting order
//! across batches; a trader writes BTC calls that another buys; the oracle moves BTC down,
//! funding ticks, the most leveraged account falls below maintenance and is liquidated by a
//! liquidator's signed order; BTC rallies through the call's strike, the option expires and
//! settles; then a cancel, a withdrawal, a transfer and three forced withdrawals (one
//! honoured, one rejected for margin, one from the wrong L1 address).
//!
//! `proofbook demo` prints it; `tests/tests/scenario.rs` checks its invariants after every
//! step.

use alloy_primitives::{Address, B256};
use alloy_signer_local::PrivateKeySigner;
use proofbook_circuits::client::L2Signer;
use proofbook_circuits::commit::StateTrees;
use proofbook_circuits::error::TxError;
use proofbook_circuits::hash::Digest;
use proofbook_circuits::order::{Order, OrderFlags, Side, SignedOrder};
use proofbook_circuits::pubdata::{encode_batch, DepositOp, PriceEntry};
use proofbook_circuits::rebuild::{rebuild_state, BatchData};
use proofbook_circuits::state::{Config, Genesis, Market, MarketKind, State};
use proofbook_circuits::tx::{
    apply, ForcedWithdrawal, FundingTick, Liquidate, Receipt, SettleOption, Trade, Tx,
};

/// Genesis time of the scenario: 2026-01-01T00:00:00Z.
pub const T0: u64 = 1_767_225_600;
/// Expiry of the scenario's options: three hours after genesis.
pub const EXPIRY: u64 = T0 + 3 * 3600;
/// USDC in quantums.
pub const USDC: u64 = 1_000_000;

/// Account ids of the scenario's traders.
pub mod id {
    /// Insurance fund and fees.
    pub const INSURANCE: u32 = 0;
    /// Market maker.
    pub const ALICE: u32 = 1;
    /// Taker, long BTC.
    pub const BOB: u32 = 2;
    /// Over-leveraged taker: liquidated.
    pub const CAROL: u32 = 3;
    /// Liquidator.
    pub const DAVE: u32 = 4;
    /// Call writer.
    pub const ERIN: u32 = 5;
}

/// Market ids of the scenario.
pub mod market {
    /// BTC perpetual (lot 0.001 BTC).
    pub const BTC_PERP: u8 = 1;
    /// ETH perpetual (lot 0.01 ETH).
    pub const ETH_PERP: u8 = 2;
    /// BTC call, strike 110 000 USD, expiring at [`super::EXPIRY`].
    pub const BTC_CALL: u8 = 3;
    /// BTC put, strike 90 000 USD, same expiry.
    pub const BTC_PUT: u8 = 4;
}

/// One step: a transaction and what it did.
#[derive(Debug)]
pub struct Step {
    /// Batch number (0-based).
    pub batch: usize,
    /// What the step does.
    pub label: String,
    /// The transaction.
    pub tx: Tx,
    /// Its receipt, or why it was rejected.
    pub result: Result<Receipt, TxError>,
    /// The state root after the step.
    pub root: Digest,
}

/// What the scenario produced.
#[derive(Debug)]
pub struct Outcome {
    /// The genesis it started from.
    pub genesis: Genesis,
    /// Each batch as L1 would store it.
    pub batches: Vec<BatchData>,
    /// The final state.
    pub state: State,
    /// The final state root, committed incrementally.
    pub final_root: Digest,
    /// The root of the state rebuilt from genesis and public data alone.
    pub rebuilt_root: Digest,
    /// Σ collateral at the end, pending funding settled.
    pub total_collateral: i128,
    /// Σ deposits.
    pub deposits: i128,
    /// Σ withdrawals paid (L2 and honoured forced withdrawals).
    pub withdrawals: i128,
}

/// Why the scenario stopped.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// A step the scenario expects to succeed was rejected.
    #[error("step {label:?} was rejected: {source}")]
    Rejected {
        /// The step.
        label: String,
        /// Why.
        source: TxError,
    },
    /// Key derivation failed.
    #[error("key derivation: {0}")]
    Key(#[from] proofbook_circuits::keys::KeyError),
    /// The genesis is invalid.
    #[error("genesis: {0}")]
    Genesis(#[from] proofbook_circuits::state::GenesisError),
    /// Rebuilding from public data failed.
    #[error("rebuild: {0}")]
    Rebuild(#[from] proofbook_circuits::rebuild::RebuildError),
}

fn wallet(byte: u8) -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&B256::repeat_byte(byte))
        .expect("a repeated non-zero byte is a valid key")
}

/// The scenario's markets.
pub fn markets() -> Vec<Market> {
    vec![
        Market::perp(market::BTC_PERP, 1).with_tick_size(100_000),
        Market::perp(market::ETH_PERP, 2).with_lot_size(1_000_000).with_tick_size(10_000),
        Market::option(market::BTC_CALL, MarketKind::Call, 1, 110_000_000, EXPIRY)
            .with_tick_size(10_000),
        Market::option(market::BTC_PUT, MarketKind::Put, 1, 90_000_000, EXPIRY)
            .with_tick_size(10_000),
    ]
}

/// Runs the scenario, calling `on_step` after every step with the state and the step.
pub fn run(mut on_step: impl FnMut(&State, &Step)) -> Result<Outcome, DemoError> {
    let rollup = Address::repeat_byte(0x70);
    let chain_id = 31_337;
    let oracle = L2Signer::from_ethereum(&wallet(0x0c), chain_id, &rollup)?;
    let config = Config {
        oracle_pubkey: oracle.pubkey(),
        max_fee_ppm: 1_000,
        funding_cap_ppm_per_hour: 1_000,
        liquidation_fee_cap_ppm: 20_000,
        chain_id,
        rollup,
    };
    let genesis = Genesis {
        config: config.clone(),
        markets: markets(),
        timestamp: T0,
        insurance_owner: Address::repeat_byte(0x99),
    };
    let mut state = State::genesis(&genesis)?;
    let mut trees = StateTrees::build(&state);

    let wallets: Vec<PrivateKeySigner> = (1..=5).map(|i| wallet(0x10 + i)).collect();
    let signers: Vec<L2Signer> = wallets
        .iter()
        .map(|w| L2Signer::from_ethereum(w, chain_id, &rollup))
        .collect::<Result<_, _>>()?;
    let signer = |id: u32| &signers[id as usize - 1];
    let addr = |id: u32| wallets[id as usize - 1].address();

    let mut batches: Vec<BatchData> = Vec::new();
    let mut ops = Vec::new();
    let mut batch_ts = T0;
    let (mut deposits, mut withdrawals) = (0i128, 0i128);

    let mut step = |state: &mut State,
                    label: &str,
                    tx: Tx,
                    ops: &mut Vec<_>,
                    batch: usize|
     -> Result<(), DemoError> {
        let result = apply(state, &tx);
        if let Ok(r) = &result {
            ops.push(r.op.clone());
            if let Some(p) = &r.payout {
                withdrawals += i128::from(p.amount);
            }
            if let Tx::Deposit(d) = &tx {
                deposits += i128::from(d.amount);
            }
        }
        let root = trees.commit(&state.take_journal());
        let s = Step { batch, label: label.to_string(), tx, result, root };
        on_step(state, &s);
        if let Err(e) = s.result {
            return Err(DemoError::Rejected { label: s.label, source: e });
        }
        Ok(())
    };
    let end_batch = |state: &State, ops: &mut Vec<_>, batches: &mut Vec<BatchData>| {
        batches.push(BatchData { timestamp: state.now(), pubdata: encode_batch(ops) });
        ops.clear();
    };
    let order = |account_id: u32,
                 market_id: u8,
                 side: Side,
                 price: u32,
                 size: u64,
                 nonce: u32,
                 flags: OrderFlags| Order {
        account_id,
        market_id,
        side,
        price,
        size,
        nonce,
        expiry: T0 + 86_400,
        flags,
        max_fee_ppm: 500,
    };
    let signed = |o: Order| signer(o.account_id).sign_order(&config, o);
    let unsigned = |o: Order| SignedOrder { order: o, signature: None };
    let post_only = OrderFlags { post_only: true, ..OrderFlags::default() };
    let ioc = OrderFlags { ioc: true, ..OrderFlags::default() };
    let gtc = OrderFlags::default();
    let px = |e: &[(u8, u32, u32)]| {
        e.iter().map(|&(market_id, mark, index)| PriceEntry { market_id, mark, index }).collect()
    };

    // Batch 0: deposits and the first prices.
    let b = 0;
    state.begin_batch(batch_ts + 60).expect("time moves forward");
    for (id, usdc) in [
        (id::ALICE, 100_000),
        (id::BOB, 20_000),
        (id::CAROL, 1_200),
        (id::DAVE, 50_000),
        (id::ERIN, 2_000),
    ] {
        let tx = Tx::Deposit(DepositOp {
            account_id: id,
            l1_address: addr(id),
            pubkey: signer(id).pubkey(),
            amount: usdc * USDC,
        });
        step(&mut state, &format!("deposit {usdc} USDC to account {id}"), tx, &mut ops, b)?;
    }
    let prices = px(&[
        (market::BTC_PERP, 100_000_000, 100_000_000),
        (market::ETH_PERP, 40_000_000, 40_000_000),
        (market::BTC_CALL, 2_000_000, 100_000_000),
        (market::BTC_PUT, 1_500_000, 100_000_000),
    ]);
    step(
        &mut state,
        "oracle: BTC 100k, ETH 4k, options",
        Tx::OraclePrices(oracle.oracle_prices(&config, T0 + 30, prices)),
        &mut ops,
        b,
    )?;
    end_batch(&state, &mut ops, &mut batches);

    // Batch 1: trading; the maker's order fills partially.
    let b = 1;
    batch_ts += 600;
    state.begin_batch(batch_ts).expect("time moves forward");
    let a1 = order(id::ALICE, market::BTC_PERP, Side::Sell, 100_000_000, 1_000, 1, post_only);
    let trade = Trade {
        maker: signed(a1),
        taker: signed(order(id::BOB, market::BTC_PERP, Side::Buy, 100_200_000, 300, 1, ioc)),
        size: 300,
        maker_fee_ppm: 100,
        taker_fee_ppm: 300,
    };
    step(
        &mut state,
        "Bob buys 300 BTC-PERP lots from Alice's order (first fills)",
        Tx::Trade(trade),
        &mut ops,
        b,
    )?;
    let trade = Trade {
        maker: unsigned(a1),
        taker: signed(order(id::CAROL, market::BTC_PERP, Side::Buy, 100_100_000, 100, 1, ioc)),
        size: 100,
        maker_fee_ppm: 100,
        taker_fee_ppm: 300,
    };
    step(
        &mut state,
        "Carol buys 100 lots at 10x (Alice's order, no signature)",
        Tx::Trade(trade),
        &mut ops,
        b,
    )?;
    let trade = Trade {
        maker: signed(order(id::ERIN, market::BTC_CALL, Side::Sell, 2_000_000, 10, 1, post_only)),
        taker: signed(order(id::ALICE, market::BTC_CALL, Side::Buy, 2_100_000, 10, 2, ioc)),
        size: 10,
        maker_fee_ppm: 0,
        taker_fee_ppm: 200,
    };
    step(
        &mut state,
        "Erin writes 10 BTC 110k calls, Alice buys them",
        Tx::Trade(trade),
        &mut ops,
        b,
    )?;
    end_batch(&state, &mut ops, &mut batches);

    // Batch 2: the same resting order fills again in a later batch; BTC falls.
    let b = 2;
    batch_ts += 600;
    state.begin_batch(batch_ts).expect("time moves forward");
    let trade = Trade {
        maker: unsigned(a1),
        taker: signed(order(id::BOB, market::BTC_PERP, Side::Buy, 100_000_000, 200, 2, gtc)),
        size: 200,
        maker_fee_ppm: 100,
        taker_fee_ppm: 300,
    };
    step(
        &mut state,
        "Bob buys 200 more from Alice's order (600/1000 filled)",
        Tx::Trade(trade),
        &mut ops,
        b,
    )?;
    let prices =
        px(&[(market::BTC_PERP, 96_000_000, 96_000_000), (market::BTC_CALL, 900_000, 96_000_000)]);
    step(
        &mut state,
        "oracle: BTC 96k",
        Tx::OraclePrices(oracle.oracle_prices(&config, batch_ts - 10, prices)),
        &mut ops,
        b,
    )?;
    end_batch(&state, &mut ops, &mut batches);

    // Batch 3: funding, BTC falls further, Carol is liquidated.
    let b = 3;
    batch_ts = T0 + 4_200;
    state.begin_batch(batch_ts).expect("time moves forward");
    let tick = FundingTick { market_id: market::BTC_PERP, timestamp: batch_ts, new_index: 50_000 };
    step(&mut state, "funding: longs pay 0.05 USDC per lot", Tx::FundingTick(tick), &mut ops, b)?;
    let prices =
        px(&[(market::BTC_PERP, 92_500_000, 92_500_000), (market::BTC_CALL, 400_000, 92_500_000)]);
    step(
        &mut state,
        "oracle: BTC 92.5k, Carol below maintenance",
        Tx::OraclePrices(oracle.oracle_prices(&config, batch_ts - 100, prices)),
        &mut ops,
        b,
    )?;
    let liq = Liquidate {
        liquidated: id::CAROL,
        liquidator: Some(signed(order(
            id::DAVE,
            market::BTC_PERP,
            Side::Buy,
            90_000_000,
            100,
            1,
            gtc,
        ))),
        market_id: market::BTC_PERP,
        size: 100,
        price: 90_000_000,
        insurance_fee_ppm: 10_000,
    };
    step(
        &mut state,
        "Dave liquidates Carol's 100 lots at 90k (1% to insurance)",
        Tx::Liquidate(liq),
        &mut ops,
        b,
    )?;
    end_batch(&state, &mut ops, &mut batches);

    // Batch 4: after expiry, BTC at 111k: the call settles in the money.
    let b = 4;
    batch_ts = EXPIRY + 60;
    state.begin_batch(batch_ts).expect("time moves forward");
    let prices = px(&[
        (market::BTC_PERP, 111_000_000, 111_000_000),
        (market::BTC_CALL, 1_000_000, 111_000_000),
        (market::BTC_PUT, 0, 111_000_000),
    ]);
    step(
        &mut state,
        "oracle after expiry: BTC 111k fixes settlement",
        Tx::OraclePrices(oracle.oracle_prices(&config, EXPIRY + 30, prices)),
        &mut ops,
        b,
    )?;
    for who in [id::ALICE, id::ERIN] {
        let tx = Tx::SettleOption(SettleOption { account_id: who, market_id: market::BTC_CALL });
        step(&mut state, &format!("settle account {who}'s BTC call position"), tx, &mut ops, b)?;
    }
    end_batch(&state, &mut ops, &mut batches);

    // Batch 5: account-level transactions and forced withdrawals.
    let b = 5;
    batch_ts += 600;
    state.begin_batch(batch_ts).expect("time moves forward");
    step(
        &mut state,
        "Alice cancels the rest of her order",
        Tx::CancelOrder(signer(id::ALICE).cancel(&config, id::ALICE, 1, 0)),
        &mut ops,
        b,
    )?;
    step(
        &mut state,
        "Bob withdraws 1000 USDC",
        Tx::Withdraw(signer(id::BOB).withdraw(&config, id::BOB, 1_000 * USDC, 0)),
        &mut ops,
        b,
    )?;
    step(
        &mut state,
        "Alice transfers 500 USDC to Erin",
        Tx::Transfer(signer(id::ALICE).transfer(&config, id::ALICE, id::ERIN, 500 * USDC, 1)),
        &mut ops,
        b,
    )?;
    step(
        &mut state,
        "Carol withdraws 100 USDC",
        Tx::Withdraw(signer(id::CAROL).withdraw(&config, id::CAROL, 100 * USDC, 0)),
        &mut ops,
        b,
    )?;
    let fw = |account_id, l1_address, amount| {
        Tx::ForcedWithdrawal(ForcedWithdrawal { account_id, l1_address, amount })
    };
    step(
        &mut state,
        "Erin force-withdraws 1000 USDC (honoured)",
        fw(id::ERIN, addr(id::ERIN), 1_000 * USDC),
        &mut ops,
        b,
    )?;
    step(
        &mut state,
        "Bob force-withdraws 25000 USDC (rejected: margin)",
        fw(id::BOB, addr(id::BOB), 25_000 * USDC),
        &mut ops,
        b,
    )?;
    step(
        &mut state,
        "Erin force-withdraws Alice's funds (rejected: not owner)",
        fw(id::ALICE, addr(id::ERIN), USDC),
        &mut ops,
        b,
    )?;
    end_batch(&state, &mut ops, &mut batches);

    let final_root = trees.root();
    let rebuilt_root = rebuild_state(&genesis, &batches)?.state_root();
    let total_collateral = state.net_collateral();
    Ok(Outcome {
        genesis,
        batches,
        state,
        final_root,
        rebuilt_root,
        total_collateral,
        deposits,
        withdrawals,
    })
}

//! `apply(Trade)` on the hot path: the stateful stage alone (`apply_checked`: slots, limits,
//! funding, fill, margin; no hashing), the stateless stage alone (`precheck`: order hashes,
//! and a signature on a first fill), and the per-batch commitment of 1 000 trades.

use alloy_primitives::{Address, B256};
use alloy_signer_local::PrivateKeySigner;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use proofbook_circuits::client::L2Signer;
use proofbook_circuits::commit::StateTrees;
use proofbook_circuits::order::{Order, OrderFlags, Side, SignedOrder};
use proofbook_circuits::pubdata::{DepositOp, PriceEntry};
use proofbook_circuits::state::{Config, Genesis, Market, State};
use proofbook_circuits::tx::{apply, apply_checked, precheck, Trade, Tx};
use std::hint::black_box;

const T0: u64 = 1_767_225_600;
const P: u32 = 100_000_000;

struct Setup {
    state: State,
    config: Config,
    signers: Vec<L2Signer>,
}

fn setup() -> Setup {
    let rollup = Address::repeat_byte(0x70);
    let w = |b: u8| PrivateKeySigner::from_bytes(&B256::repeat_byte(b)).unwrap();
    let oracle = L2Signer::from_ethereum(&w(0x0c), 1, &rollup).unwrap();
    let config = Config {
        oracle_pubkey: oracle.pubkey(),
        max_fee_ppm: 1_000,
        funding_cap_ppm_per_hour: 1_000,
        liquidation_fee_cap_ppm: 20_000,
        chain_id: 1,
        rollup,
    };
    let perp = Market::perp(1, 1).with_tick_size(100_000);
    let genesis = Genesis {
        config: config.clone(),
        markets: vec![perp],
        timestamp: T0,
        insurance_owner: Address::repeat_byte(9),
    };
    let mut state = State::genesis(&genesis).unwrap();
    state.begin_batch(T0 + 60).unwrap();
    let signers: Vec<L2Signer> =
        (1..=2).map(|i| L2Signer::from_ethereum(&w(0x10 + i), 1, &rollup).unwrap()).collect();
    for (i, s) in signers.iter().enumerate() {
        let d = DepositOp {
            account_id: i as u32 + 1,
            l1_address: Address::repeat_byte(i as u8 + 1),
            pubkey: s.pubkey(),
            amount: 1 << 50,
        };
        apply(&mut state, &Tx::Deposit(d)).unwrap();
    }
    let o = oracle.oracle_prices(
        &config,
        T0 + 30,
        vec![PriceEntry { market_id: 1, mark: P, index: P }],
    );
    apply(&mut state, &Tx::OraclePrices(o)).unwrap();
    state.take_journal();
    Setup { state, config, signers }
}

fn order(account_id: u32, side: Side, nonce: u32) -> Order {
    Order {
        account_id,
        market_id: 1,
        side,
        price: P,
        size: (1 << 40) - 1,
        nonce,
        expiry: u64::from(u32::MAX),
        flags: OrderFlags::default(),
        max_fee_ppm: 1_000,
    }
}

fn bench_apply(c: &mut Criterion) {
    let Setup { mut state, config, signers } = setup();
    // Two resting orders per account, one per direction, first-filled once; then every
    // iteration is two continuing fills (buy, then sell back), so positions stay bounded.
    let a_sell = signers[0].sign_order(&config, order(1, Side::Sell, 1));
    let a_buy = signers[0].sign_order(&config, order(1, Side::Buy, 2));
    let b_buy = signers[1].sign_order(&config, order(2, Side::Buy, 1));
    let b_sell = signers[1].sign_order(&config, order(2, Side::Sell, 2));
    let t1 = Tx::Trade(Trade {
        maker: a_sell.clone(),
        taker: b_buy.clone(),
        size: 1,
        maker_fee_ppm: 100,
        taker_fee_ppm: 300,
    });
    let t2 = Tx::Trade(Trade {
        maker: a_buy.clone(),
        taker: b_sell.clone(),
        size: 1,
        maker_fee_ppm: 100,
        taker_fee_ppm: 300,
    });
    apply(&mut state, &t1).unwrap();
    apply(&mut state, &t2).unwrap();
    state.take_journal();
    let strip = |o: &SignedOrder| SignedOrder { order: o.order, signature: None };
    let c1 = precheck(
        &state,
        Tx::Trade(Trade {
            maker: strip(&a_sell),
            taker: strip(&b_buy),
            size: 1,
            maker_fee_ppm: 100,
            taker_fee_ppm: 300,
        }),
    )
    .unwrap();
    let c2 = precheck(
        &state,
        Tx::Trade(Trade {
            maker: strip(&a_buy),
            taker: strip(&b_sell),
            size: 1,
            maker_fee_ppm: 100,
            taker_fee_ppm: 300,
        }),
    )
    .unwrap();

    let mut g = c.benchmark_group("apply");
    g.bench_function("apply_checked_trade_x2", |b| {
        b.iter(|| {
            apply_checked(&mut state, black_box(&c1)).unwrap();
            apply_checked(&mut state, black_box(&c2)).unwrap();
            state.take_journal();
        })
    });
    g.bench_function("precheck_trade_continuing", |b| {
        let tx = c1.tx().clone();
        b.iter(|| precheck(&state, black_box(tx.clone())).unwrap())
    });
    g.bench_function("precheck_trade_first_fill_one_signature", |b| {
        let tx = Tx::Trade(Trade {
            maker: a_sell.clone(),
            taker: strip(&b_buy),
            size: 1,
            maker_fee_ppm: 100,
            taker_fee_ppm: 300,
        });
        b.iter(|| precheck(&state, black_box(tx.clone())).unwrap())
    });
    g.sample_size(20);
    // A batch of 1 000 continuing fills: the trees before it, and its journal.
    let batch = || {
        let mut s = state.clone();
        let trees = StateTrees::build(&s);
        for _ in 0..500 {
            apply_checked(&mut s, &c1).unwrap();
            apply_checked(&mut s, &c2).unwrap();
        }
        (trees, s.take_journal())
    };
    g.bench_function("commit_1000_trades", |b| {
        b.iter_batched(batch, |(mut trees, journal)| trees.commit(&journal), BatchSize::LargeInput)
    });
    g.bench_function("witness_1000_trades", |b| {
        b.iter_batched(batch, |(mut trees, journal)| trees.witness(&journal), BatchSize::LargeInput)
    });
    g.finish();
}

criterion_group!(benches, bench_apply);
criterion_main!(benches);

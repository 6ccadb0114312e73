//! Matching benchmark: ops/s and per-operation latency percentiles on a realistic mix.
//!
//! 1. The order book alone (no signatures, no spec): an exchange-core-like flow around a
//!    drifting mark — good-till-cancel limit orders (about a fifth of them marketable),
//!    IOC orders crossing one to a few levels, and cancels of random resting orders — over
//!    a book of a few thousand resting orders. The matching loop runs the engine's own
//!    per-maker checks (expiry, self-trade) with a fill decision.
//! 2. The engine with the spec: the same kind of flow through [`Engine::submit_verified`]
//!    and [`Engine::cancel_checked`], every fill applied as a spec `Trade`, every cancel as a
//!    spec `CancelOrder`, with pre-trade margin. Signatures are verified beforehand (as the
//!    node does at admission, in parallel) and not timed.
//!
//! Run: `cargo bench --profile dev -p proofbook-sequencer --bench matching`
//! (`BOOK_OPS` and `ENGINE_OPS` set the number of operations).

use std::hint::black_box;
use std::time::Instant;

use proofbook_circuits::order::{OrderFlags, Side};
use proofbook_sequencer::engine::fixture::{Venue, BTC_PERP, BTC_PRICE, BTC_TICK};
use proofbook_sequencer::engine::{
    order_key, verify_cancel, verify_order, CheckedTx, Decision, EngineConfig, OrderBook, OrderKey,
    RestingOrder, SplitMix64, VerifiedOrder,
};

#[derive(Clone, Copy)]
enum BookOp {
    Place { key: OrderKey, account: u32, side: Side, price: u32, qty: u64, ioc: bool },
    Cancel(OrderKey),
}

const NOW: u64 = 1_000;
/// Resting orders the flow keeps the book near (exchange-core's tests use a few thousand).
const TARGET_BOOK: usize = 5_000;

/// A small draw as a signed offset.
fn small(x: u64) -> i64 {
    i64::try_from(x).unwrap_or(i64::MAX)
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Runs one op on the book; returns the number of fills.
#[inline]
fn run_op(book: &mut OrderBook, op: &BookOp) -> u32 {
    match *op {
        BookOp::Place { key, account, side, price, qty, ioc } => {
            let mut fills = 0u32;
            let left = book.match_incoming(side, price, qty, |m, offered| {
                if NOW > m.expiry || m.account == account {
                    Decision::Remove
                } else {
                    fills += 1;
                    Decision::Fill(offered)
                }
            });
            if !ioc && left > 0 {
                let o = RestingOrder {
                    key,
                    account,
                    side,
                    price,
                    remaining: left,
                    expiry: u64::MAX,
                    reduce_only: false,
                };
                let _ = book.insert(o);
            }
            fills
        }
        BookOp::Cancel(key) => u32::from(book.remove(key).is_ok()),
    }
}

/// Generates the flow by running it once (so cancels target live orders).
fn generate_book_ops(n: usize, seed: u64) -> (Vec<BookOp>, Vec<BookOp>) {
    let mut rng = SplitMix64::new(seed);
    let mut book = OrderBook::with_capacity(1 << 16);
    let mut live: Vec<OrderKey> = Vec::new();
    let mut next = 1u32;
    let tick = 1u32;
    let mut mid: i64 = 100_000;
    let accounts = 1_000u64;
    let place = |rng: &mut SplitMix64, mid: i64, ioc: bool, next: &mut u32| {
        let side = if rng.below(2) == 0 { Side::Buy } else { Side::Sell };
        let dir = if side == Side::Buy { 1 } else { -1 };
        // Passive orders rest 1..=40 ticks behind the mid (denser near it); about a fifth
        // cross by 0..=3 ticks; IOC orders cross by 0..=5 ticks.
        let offset: i64 = if ioc {
            small(rng.below(6))
        } else if rng.below(5) == 0 {
            small(rng.below(4))
        } else {
            let u = rng.next_f64();
            -(1 + (u * u * 40.0) as i64)
        };
        let price = (mid + dir * offset) as u32 * tick;
        let qty = 1 + rng.below(20) + if rng.below(10) == 0 { rng.below(200) } else { 0 };
        let account = rng.below(accounts) as u32;
        *next += 1;
        BookOp::Place { key: order_key(account, *next), account, side, price, qty, ioc }
    };
    let mut prefill = Vec::new();
    for _ in 0..4_000 {
        let op = place(&mut rng, mid, false, &mut next);
        if let BookOp::Place { key, .. } = op {
            live.push(key);
        }
        run_op(&mut book, &op);
        prefill.push(op);
    }
    let mut ops = Vec::with_capacity(n);
    for _ in 0..n {
        if rng.below(64) == 0 {
            mid += small(rng.below(3)) - 1;
        }
        // About half GTC limit orders, a tenth IOC, the rest cancels; cancels give way to
        // limit orders while the book is below its target depth, so it stays near it.
        let r = rng.below(100);
        let op = if r < 50 || (r >= 60 && book.len() < TARGET_BOOK) {
            place(&mut rng, mid, false, &mut next)
        } else if r < 60 {
            place(&mut rng, mid, true, &mut next)
        } else {
            // Cancel a random live order (one that filled meanwhile is a miss, also realistic).
            let mut op = None;
            while !live.is_empty() {
                let i = rng.below(live.len() as u64) as usize;
                let k = live.swap_remove(i);
                if book.get(k).is_some() {
                    op = Some(BookOp::Cancel(k));
                    break;
                }
            }
            op.unwrap_or_else(|| place(&mut rng, mid, false, &mut next))
        };
        if let BookOp::Place { key, ioc: false, .. } = op {
            live.push(key);
        }
        run_op(&mut book, &op);
        ops.push(op);
    }
    (prefill, ops)
}

fn percentiles(name: &str, lat: &mut [u32]) {
    if lat.is_empty() {
        return;
    }
    lat.sort_unstable();
    let p = |q: f64| lat[((lat.len() as f64 * q) as usize).min(lat.len() - 1)];
    println!(
        "  {name:<14} n={:>9}  p50={:>6} ns  p99={:>6} ns  p99.9={:>7} ns  max={:>8} ns",
        lat.len(),
        p(0.50),
        p(0.99),
        p(0.999),
        lat[lat.len() - 1]
    );
}

fn bench_book() {
    let n = env_usize("BOOK_OPS", 3_000_000);
    let (prefill, ops) = generate_book_ops(n, 7);
    let fresh = || {
        let mut b = OrderBook::with_capacity(1 << 16);
        for op in &prefill {
            run_op(&mut b, op);
        }
        b
    };
    // Throughput: the whole flow, timed as one loop (best of 3).
    let mut best = f64::MAX;
    let mut fills = 0u64;
    for _ in 0..3 {
        let mut book = fresh();
        fills = 0;
        let t = Instant::now();
        for op in &ops {
            fills += u64::from(run_op(&mut book, black_box(op)));
        }
        best = best.min(t.elapsed().as_secs_f64());
        black_box(&book);
    }
    let (mut places, mut iocs, mut cancels) = (0, 0, 0);
    for op in &ops {
        match op {
            BookOp::Place { ioc: false, .. } => places += 1,
            BookOp::Place { ioc: true, .. } => iocs += 1,
            BookOp::Cancel(_) => cancels += 1,
        }
    }
    println!("order book alone ({} resting before the run)", fresh().len());
    println!(
        "  mix: {places} GTC limit, {iocs} IOC, {cancels} cancels; {fills} fills; book after: {} orders",
        {
            let mut b = fresh();
            for op in &ops {
                run_op(&mut b, op);
            }
            b.len()
        }
    );
    println!(
        "  throughput: {:.0} ops/s ({:.1} ns/op, {} ops in {:.3} s)",
        ops.len() as f64 / best,
        best * 1e9 / ops.len() as f64,
        ops.len(),
        best
    );
    // Latency: each op timed on its own (includes ~20-30 ns of clock reads).
    let mut book = fresh();
    let (mut lp, mut li, mut lc) =
        (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    for op in &ops {
        let t = Instant::now();
        black_box(run_op(&mut book, black_box(op)));
        let ns = t.elapsed().as_nanos().min(u128::from(u32::MAX)) as u32;
        match op {
            BookOp::Place { ioc: false, .. } => lp.push(ns),
            BookOp::Place { ioc: true, .. } => li.push(ns),
            BookOp::Cancel(_) => lc.push(ns),
        }
    }
    let mut all: Vec<u32> = lp.iter().chain(&li).chain(&lc).copied().collect();
    percentiles("all", &mut all);
    percentiles("gtc_limit", &mut lp);
    percentiles("ioc", &mut li);
    percentiles("cancel", &mut lc);
}

enum EngineOp {
    Place(Box<VerifiedOrder>),
    Cancel(Box<CheckedTx>),
}

fn bench_engine() {
    let n = env_usize("ENGINE_OPS", 20_000);
    let accounts = 50u32;
    let mk = || Venue::new(accounts, 10_000_000, EngineConfig::default()).expect("venue");
    // Generate by running once with signing and verification (untimed).
    let mut v = mk();
    let mut rng = SplitMix64::new(11);
    let mut nonce = vec![0u32; accounts as usize + 1];
    let mut cancel_nonce = vec![0u32; accounts as usize + 1];
    let mut live: Vec<(u32, u32)> = Vec::new();
    let mut ops = Vec::with_capacity(n);
    let t_gen = Instant::now();
    for _ in 0..n {
        let r = rng.below(100);
        if r < 30 && !live.is_empty() {
            let i = rng.below(live.len() as u64) as usize;
            let (a, on) = live.swap_remove(i);
            let c = v.signer(a).cancel(v.engine.config(), a, on, cancel_nonce[a as usize]);
            let key = v.engine.pubkey(a).unwrap();
            let checked = verify_cancel(v.engine.config(), &key, c).unwrap();
            if v.engine.cancel_checked(checked.clone()).is_ok() {
                cancel_nonce[a as usize] += 1;
                ops.push(EngineOp::Cancel(Box::new(checked)));
            }
            continue;
        }
        let a = 1 + rng.below(u64::from(accounts)) as u32;
        nonce[a as usize] += 1;
        let side = if rng.below(2) == 0 { Side::Buy } else { Side::Sell };
        let dir: i64 = if side == Side::Buy { 1 } else { -1 };
        let ioc = r >= 85;
        let offset: i64 = if ioc || rng.below(5) == 0 {
            small(rng.below(3))
        } else {
            -(1 + small(rng.below(20)))
        };
        let price = (i64::from(BTC_PRICE) + dir * offset * i64::from(BTC_TICK)) as u32;
        let flags = OrderFlags { ioc, ..OrderFlags::default() };
        let so = v.order(a, BTC_PERP, side, price, 1 + rng.below(20), nonce[a as usize], flags);
        let key = v.engine.pubkey(a).unwrap();
        let vo = verify_order(v.engine.config(), &key, so).unwrap();
        if v.engine.submit_verified(vo.clone()).is_ok() {
            if !ioc {
                live.push((a, nonce[a as usize]));
            }
            ops.push(EngineOp::Place(Box::new(vo)));
        }
    }
    let gen_s = t_gen.elapsed().as_secs_f64();
    let trades = v
        .engine
        .take_pending()
        .applied
        .iter()
        .filter(|a| matches!(a.tx, proofbook_circuits::tx::Tx::Trade(_)))
        .count();
    // Timed replay on a fresh engine.
    let mut e = mk().engine;
    let (mut lp, mut lc) = (Vec::new(), Vec::new());
    let t = Instant::now();
    for op in &ops {
        let t0 = Instant::now();
        match op {
            EngineOp::Place(vo) => {
                black_box(e.submit_verified(VerifiedOrder::clone(vo)).ok());
                lp.push(t0.elapsed().as_nanos() as u32);
            }
            EngineOp::Cancel(c) => {
                black_box(e.cancel_checked(CheckedTx::clone(c)).ok());
                lc.push(t0.elapsed().as_nanos() as u32);
            }
        }
    }
    let s = t.elapsed().as_secs_f64();
    let resting = e.book(BTC_PERP).map_or(0, |b| b.len());
    let p = e.take_pending();
    println!("engine with the spec ({accounts} accounts; signatures verified beforehand, untimed: {gen_s:.1} s to sign+verify+generate)");
    println!(
        "  {} ops ({} orders, {} cancels) -> {} spec transactions ({} trades) in {:.3} s: {:.0} ops/s, {:.0} trades/s",
        ops.len(),
        lp.len(),
        lc.len(),
        p.applied.len(),
        trades,
        s,
        ops.len() as f64 / s,
        trades as f64 / s
    );
    println!("  resting at the end: {resting}");
    percentiles("submit", &mut lp);
    percentiles("cancel", &mut lc);
}

fn main() {
    println!(
        "matching bench ({} build)",
        if cfg!(debug_assertions) { "debug-assertions" } else { "optimised" }
    );
    bench_book();
    bench_engine();
}

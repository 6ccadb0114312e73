//! Property tests: the book against a reference model, and random order flows through the
//! engine keeping the book invariants and the spec state consistent.

use proofbook_circuits::order::{OrderFlags, Side};
use proofbook_sequencer::engine::fixture::{Venue, BTC_PERP, BTC_PRICE, BTC_TICK, T0, USDC};
use proofbook_sequencer::engine::{
    order_key, split_key, Decision, EngineConfig, OrderBook, OrderState, RestingOrder,
};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum BookOp {
    /// Match, then rest the remainder.
    Place { buy: bool, tick: u32, qty: u64, account: u32 },
    /// Cancel the n-th resting order (mod count).
    Cancel(usize),
}

fn book_op() -> impl Strategy<Value = BookOp> {
    prop_oneof![
        3 => (any::<bool>(), 0u32..12, 1u64..40, 0u32..4)
            .prop_map(|(buy, tick, qty, account)| BookOp::Place { buy, tick, qty, account }),
        1 => any::<usize>().prop_map(BookOp::Cancel),
    ]
}

/// The reference: a flat list in arrival order; the best maker is found by a full scan.
#[derive(Default)]
struct Model {
    orders: Vec<RestingOrder>,
}

impl Model {
    fn best(&self, side: Side) -> Option<usize> {
        let mut best: Option<usize> = None;
        for (i, o) in self.orders.iter().enumerate() {
            if o.side != side {
                continue;
            }
            let better = match best {
                None => true,
                Some(b) => match side {
                    Side::Buy => o.price > self.orders[b].price,
                    Side::Sell => o.price < self.orders[b].price,
                },
            };
            if better {
                best = Some(i);
            }
        }
        best
    }

    /// Returns fills `(maker key, qty)` and the unfilled rest; self-matches cancel the maker.
    fn place(
        &mut self,
        side: Side,
        limit: u32,
        mut qty: u64,
        account: u32,
    ) -> (Vec<(u64, u64)>, u64) {
        let mut fills = Vec::new();
        while qty > 0 {
            let Some(i) = self.best(side.opposite()) else { break };
            let crosses = match side {
                Side::Buy => self.orders[i].price <= limit,
                Side::Sell => self.orders[i].price >= limit,
            };
            if !crosses {
                break;
            }
            if self.orders[i].account == account {
                self.orders.remove(i);
                continue;
            }
            let q = qty.min(self.orders[i].remaining);
            fills.push((self.orders[i].key, q));
            qty -= q;
            self.orders[i].remaining -= q;
            if self.orders[i].remaining == 0 {
                self.orders.remove(i);
            }
        }
        (fills, qty)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn book_matches_the_reference_model(ops in prop::collection::vec(book_op(), 1..120)) {
        let mut book = OrderBook::new();
        let mut model = Model::default();
        let base = 1_000u32;
        for (n, op) in ops.into_iter().enumerate() {
            match op {
                BookOp::Place { buy, tick, qty, account } => {
                    let side = if buy { Side::Buy } else { Side::Sell };
                    let price = base + tick;
                    let mut got = Vec::new();
                    let left = book.match_incoming(side, price, qty, |m, offered| {
                        if m.account == account {
                            Decision::Remove
                        } else {
                            got.push((m.key, offered));
                            Decision::Fill(offered)
                        }
                    });
                    let (want, want_left) = model.place(side, price, qty, account);
                    prop_assert_eq!(&got, &want);
                    prop_assert_eq!(left, want_left);
                    if left > 0 {
                        let o = RestingOrder {
                            key: order_key(account, n as u32),
                            account,
                            side,
                            price,
                            remaining: left,
                            expiry: u64::MAX,
                            reduce_only: false,
                        };
                        book.insert(o).unwrap();
                        model.orders.push(o);
                    }
                }
                BookOp::Cancel(i) => {
                    if !model.orders.is_empty() {
                        let o = model.orders.remove(i % model.orders.len());
                        prop_assert_eq!(book.remove(o.key), Ok(o));
                    }
                }
            }
            book.check_invariants().map_err(TestCaseError::fail)?;
            prop_assert_eq!(book.len(), model.orders.len());
        }
        // Same resting orders in the same priority.
        for side in [Side::Buy, Side::Sell] {
            let mut want: Vec<RestingOrder> =
                model.orders.iter().copied().filter(|o| o.side == side).collect();
            // Stable sort keeps arrival order within a price.
            match side {
                Side::Buy => want.sort_by_key(|o| std::cmp::Reverse(o.price)),
                Side::Sell => want.sort_by_key(|o| o.price),
            }
            prop_assert_eq!(book.orders(side), want);
        }
    }
}

#[derive(Clone, Debug)]
enum Flow {
    Place { account: u32, buy: bool, tick: i32, size: u64, kind: u8, expiring: bool },
    Cancel(usize),
    Advance,
    Mark(i32),
}

fn flow() -> impl Strategy<Value = Flow> {
    prop_oneof![
        6 => (1u32..5, any::<bool>(), -4i32..5, 1u64..30, 0u8..4, any::<bool>()).prop_map(
            |(account, buy, tick, size, kind, expiring)| Flow::Place { account, buy, tick, size, kind, expiring }
        ),
        2 => any::<usize>().prop_map(Flow::Cancel),
        1 => Just(Flow::Advance),
        1 => (-3i32..4).prop_map(Flow::Mark),
    ]
}

const ACCOUNTS: u32 = 4;
const FUNDS: u64 = 20_000;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn random_flows_keep_book_and_state_consistent(flows in prop::collection::vec(flow(), 1..30)) {
        let mut v = Venue::new(ACCOUNTS, FUNDS, EngineConfig::default()).unwrap();
        let (mut now, mut oracle_t) = (T0 + 60, T0 + 30);
        let mut nonces = [0u32; ACCOUNTS as usize + 1];
        for f in flows {
            match f {
                Flow::Place { account, buy, tick, size, kind, expiring } => {
                    nonces[account as usize] += 1;
                    let flags = match kind {
                        0 => OrderFlags::default(),
                        1 => OrderFlags { ioc: true, ..OrderFlags::default() },
                        2 => OrderFlags { post_only: true, ..OrderFlags::default() },
                        _ => OrderFlags { reduce_only: true, ..OrderFlags::default() },
                    };
                    let side = if buy { Side::Buy } else { Side::Sell };
                    let price = (BTC_PRICE as i64 + i64::from(tick) * i64::from(BTC_TICK)) as u32;
                    let mut o = v.order(account, BTC_PERP, side, price, size, nonces[account as usize], flags).order;
                    if expiring {
                        o.expiry = now + 40;
                    }
                    let so = v.signer(account).sign_order(v.engine.config(), o);
                    let _ = v.engine.submit(so);
                }
                Flow::Cancel(i) => {
                    let resting: Vec<RestingOrder> = [Side::Buy, Side::Sell]
                        .into_iter()
                        .flat_map(|s| v.engine.book(BTC_PERP).unwrap().orders(s))
                        .collect();
                    if !resting.is_empty() {
                        let (a, n) = split_key(resting[i % resting.len()].key);
                        let c = v.cancel(a, n);
                        prop_assert!(v.engine.cancel(c).is_ok());
                        prop_assert!(v.engine.book(BTC_PERP).unwrap().get(order_key(a, n)).is_none());
                    }
                }
                Flow::Advance => {
                    now += 30;
                    v.engine.begin_batch(now).unwrap();
                }
                Flow::Mark(d) => {
                    oracle_t += 1;
                    if oracle_t > now {
                        now = oracle_t;
                        v.engine.begin_batch(now).unwrap();
                    }
                    let p = (BTC_PRICE as i64 + i64::from(d) * 500_000) as u32;
                    v.set_prices(oracle_t, &[(BTC_PERP, p, p)]).unwrap();
                }
            }
            let book = v.engine.book(BTC_PERP).unwrap();
            book.check_invariants().map_err(TestCaseError::fail)?;
            // Every resting order: status agrees with the book, and the fills recorded in the
            // spec's order slot agree with the status.
            for side in [Side::Buy, Side::Sell] {
                for o in book.orders(side) {
                    let (a, n) = split_key(o.key);
                    let s = v.engine.order_status(a, n).unwrap();
                    prop_assert_eq!(s.state, OrderState::Resting);
                    prop_assert_eq!(s.remaining, o.remaining);
                    prop_assert_eq!(s.filled + s.remaining, s.size);
                    let slot = v.engine.state().slot(a, (n % (1 << 16)) as u16);
                    let slot_filled = if slot.order_nonce == n { slot.filled } else { 0 };
                    prop_assert_eq!(slot_filled, s.filled);
                }
            }
            // The spec state: positions net to zero, open interest is the longs, money is
            // conserved, and every account is at least maintenance-margined... or was allowed
            // there only by the spec's own rules (checked by apply).
            let st = v.engine.state();
            let sizes: Vec<i64> = (1..=ACCOUNTS).map(|a| st.account(a).unwrap().size_in(BTC_PERP)).collect();
            prop_assert_eq!(sizes.iter().sum::<i64>(), 0);
            let longs: i64 = sizes.iter().filter(|&&s| s > 0).sum();
            let market = st.markets().find(|m| m.id == BTC_PERP).unwrap();
            prop_assert_eq!(market.open_interest, longs as u64);
            prop_assert_eq!(st.net_collateral(), i128::from(ACCOUNTS) * i128::from(FUNDS * USDC));
        }
        let p = v.engine.take_pending();
        prop_assert_eq!(p.applied.len(), p.journal.len());
    }
}

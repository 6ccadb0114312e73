//! Matching engine behaviour: priority, partial fills, order types, self-trade prevention,
//! cancels, reduce-only, expiry, margin rejections, spec rejections at fill time.

use proofbook_circuits::commit::StateTrees;
use proofbook_circuits::order::{OrderFlags, Side};
use proofbook_circuits::tx::Tx;
use proofbook_sequencer::engine::fixture::{Venue, BTC_PERP, BTC_PRICE, BTC_TICK, T0};
use proofbook_sequencer::engine::{
    CancelReason, EngineConfig, EngineError, Event, Fill, OrderState, SelfTradePolicy,
};

const P: u32 = BTC_PRICE;
const T: u32 = BTC_TICK;
const GTC: OrderFlags = OrderFlags { post_only: false, reduce_only: false, ioc: false };
const IOC: OrderFlags = OrderFlags { post_only: false, reduce_only: false, ioc: true };
const POST: OrderFlags = OrderFlags { post_only: true, reduce_only: false, ioc: false };
const REDUCE: OrderFlags = OrderFlags { post_only: false, reduce_only: true, ioc: false };

fn venue() -> Venue {
    Venue::new(6, 100_000, EngineConfig::default()).expect("venue")
}

fn fills(events: &[Event]) -> Vec<Fill> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Fill(f) => Some(f.clone()),
            _ => None,
        })
        .collect()
}

fn submit(
    v: &mut Venue,
    a: u32,
    side: Side,
    price: u32,
    size: u64,
    nonce: u32,
    f: OrderFlags,
) -> Vec<Event> {
    let o = v.order(a, BTC_PERP, side, price, size, nonce, f);
    v.engine.submit(o).expect("accepted")
}

fn root(v: &Venue) -> proofbook_circuits::hash::Digest {
    StateTrees::build(v.engine.state()).root()
}

fn check(v: &Venue) {
    v.engine.book(BTC_PERP).expect("book").check_invariants().expect("book invariants");
}

#[test]
fn price_time_priority() {
    let mut v = venue();
    submit(&mut v, 1, Side::Sell, P + T, 5, 1, GTC);
    submit(&mut v, 2, Side::Sell, P, 5, 1, GTC);
    submit(&mut v, 3, Side::Sell, P, 5, 1, GTC);
    let ev = submit(&mut v, 4, Side::Buy, P + T, 15, 1, IOC);
    let f = fills(&ev);
    assert_eq!(
        f.iter().map(|f| (f.maker.0, f.price, f.size)).collect::<Vec<_>>(),
        vec![(2, P, 5), (3, P, 5), (1, P + T, 5)]
    );
    assert!(v.engine.book(BTC_PERP).unwrap().is_empty());
    // Each fill is a spec trade, applied.
    let pending = v.engine.take_pending();
    let trades = pending.applied.iter().filter(|a| matches!(a.tx, Tx::Trade(_))).count();
    assert_eq!(trades, 3);
    assert_eq!(pending.applied.len(), pending.journal.len());
    assert_eq!(v.engine.state().account(4).unwrap().size_in(BTC_PERP), 15);
    check(&v);
}

#[test]
fn partial_fills_and_resting_remainder() {
    let mut v = venue();
    submit(&mut v, 1, Side::Sell, P, 10, 7, GTC);
    let ev = submit(&mut v, 2, Side::Buy, P, 4, 1, GTC);
    assert_eq!(fills(&ev).len(), 1);
    let s = v.engine.order_status(1, 7).unwrap();
    assert_eq!((s.state, s.filled, s.remaining), (OrderState::Resting, 4, 6));
    assert_eq!(v.engine.state().slot(1, 7).filled, 4);
    let ev = submit(&mut v, 3, Side::Buy, P, 10, 1, GTC);
    assert_eq!(fills(&ev)[0].size, 6);
    assert_eq!(v.engine.order_status(1, 7).unwrap().state, OrderState::Filled);
    let s = v.engine.order_status(3, 1).unwrap();
    assert_eq!((s.state, s.filled, s.remaining), (OrderState::Resting, 6, 4));
    let d = v.engine.depth(BTC_PERP, 5).unwrap();
    assert!(d.asks.is_empty());
    assert_eq!((d.bids[0].price, d.bids[0].size, d.bids[0].orders), (P, 4, 1));
    // Book events carry the new level aggregates.
    assert!(ev
        .iter()
        .any(|e| matches!(e, Event::Book { side: Side::Sell, level, .. } if level.size == 0)));
    check(&v);
}

#[test]
fn ioc_never_rests_and_post_only_never_takes() {
    let mut v = venue();
    submit(&mut v, 1, Side::Sell, P, 3, 1, GTC);
    let ev = submit(&mut v, 2, Side::Buy, P, 5, 1, IOC);
    assert_eq!(fills(&ev)[0].size, 3);
    let s = v.engine.order_status(2, 1).unwrap();
    assert_eq!(
        (s.state, s.filled, s.reason.clone()),
        (OrderState::Cancelled, 3, Some(CancelReason::IocRemainder))
    );
    assert!(v.engine.book(BTC_PERP).unwrap().is_empty());

    submit(&mut v, 1, Side::Sell, P, 3, 2, GTC);
    let before = v.engine.depth(BTC_PERP, 10).unwrap();
    let r = v.engine.submit(v.order(3, BTC_PERP, Side::Buy, P, 1, 1, POST));
    assert_eq!(r.unwrap_err(), EngineError::PostOnlyWouldCross);
    assert_eq!(v.engine.depth(BTC_PERP, 10).unwrap(), before);
    // A post-only order below the ask rests, and makes when it is reached.
    submit(&mut v, 3, Side::Buy, P - T, 2, 1, POST);
    let ev = submit(&mut v, 4, Side::Sell, P - T, 5, 1, IOC);
    let f = fills(&ev);
    assert_eq!(f.iter().map(|f| (f.maker.0, f.price)).collect::<Vec<_>>(), vec![(3, P - T)]);
    // Contradictory flags.
    let both = OrderFlags { post_only: true, ioc: true, reduce_only: false };
    let r = v.engine.submit(v.order(5, BTC_PERP, Side::Buy, P, 1, 1, both));
    assert_eq!(r.unwrap_err().code(), 1008);
    check(&v);
}

#[test]
fn self_trade_prevention_policies() {
    let mut v = venue();
    submit(&mut v, 1, Side::Sell, P, 5, 1, GTC);
    submit(&mut v, 2, Side::Sell, P, 5, 1, GTC);
    let ev = submit(&mut v, 1, Side::Buy, P, 5, 2, GTC);
    // Cancel-resting (default): account 1's ask is cancelled, the buy fills against 2.
    assert_eq!(fills(&ev).iter().map(|f| f.maker.0).collect::<Vec<_>>(), vec![2]);
    let s = v.engine.order_status(1, 1).unwrap();
    assert_eq!((s.state, s.reason.clone()), (OrderState::Cancelled, Some(CancelReason::SelfTrade)));

    let cfg =
        EngineConfig { self_trade: SelfTradePolicy::CancelIncoming, ..EngineConfig::default() };
    let mut v = Venue::new(3, 100_000, cfg).unwrap();
    submit(&mut v, 1, Side::Sell, P, 5, 1, GTC);
    let ev = submit(&mut v, 1, Side::Buy, P, 5, 2, GTC);
    assert!(fills(&ev).is_empty());
    assert_eq!(v.engine.order_status(1, 1).unwrap().state, OrderState::Resting);
    let s = v.engine.order_status(1, 2).unwrap();
    assert_eq!((s.state, s.reason.clone()), (OrderState::Cancelled, Some(CancelReason::SelfTrade)));

    let cfg = EngineConfig { self_trade: SelfTradePolicy::CancelBoth, ..EngineConfig::default() };
    let mut v = Venue::new(3, 100_000, cfg).unwrap();
    submit(&mut v, 1, Side::Sell, P, 5, 1, GTC);
    submit(&mut v, 2, Side::Sell, P, 5, 1, GTC);
    let ev = submit(&mut v, 1, Side::Buy, P, 5, 2, GTC);
    assert!(fills(&ev).is_empty());
    assert_eq!(v.engine.order_status(1, 1).unwrap().state, OrderState::Cancelled);
    assert_eq!(v.engine.order_status(1, 2).unwrap().state, OrderState::Cancelled);
    assert_eq!(v.engine.order_status(2, 1).unwrap().state, OrderState::Resting);
    check(&v);
}

#[test]
fn cancels_are_proven_and_final() {
    let mut v = venue();
    submit(&mut v, 1, Side::Buy, P - T, 5, 3, GTC);
    submit(&mut v, 1, Side::Buy, P - 2 * T, 5, 4, GTC);
    let ev = v.engine.cancel(v.cancel(1, 3)).unwrap();
    assert!(ev.iter().any(
        |e| matches!(e, Event::Order(s) if s.nonce == 3 && s.reason == Some(CancelReason::User))
    ));
    assert_eq!(v.engine.depth(BTC_PERP, 5).unwrap().bids.len(), 1);
    assert!(v.engine.state().slot(1, 3).cancelled);
    assert!(v.engine.take_pending().applied.iter().any(|a| matches!(a.tx, Tx::CancelOrder(_))));
    // The cancelled order can never come back.
    let r = v.engine.submit(v.order(1, BTC_PERP, Side::Buy, P - T, 5, 3, GTC));
    assert_eq!(r.unwrap_err(), EngineError::OrderDone);
    // A cancel with a stale account nonce is rejected and changes nothing.
    let stale = v.signer(1).cancel(v.engine.config(), 1, 4, 0);
    let before = root(&v);
    let e = v.engine.cancel(stale).unwrap_err();
    assert_eq!(e.code(), 2025, "{e}");
    assert_eq!(root(&v), before);
    assert_eq!(v.engine.order_status(1, 4).unwrap().state, OrderState::Resting);
    // A cancel signed by another key is a bad signature.
    let forged = v.signer(2).cancel(v.engine.config(), 1, 4, 1);
    assert_eq!(v.engine.cancel(forged).unwrap_err(), EngineError::BadSignature);
    check(&v);
}

#[test]
fn reduce_only_fills_at_most_the_position() {
    let mut v = venue();
    let r = v.engine.submit(v.order(1, BTC_PERP, Side::Sell, P, 5, 1, REDUCE));
    assert_eq!(r.unwrap_err(), EngineError::ReduceOnlyWouldIncrease);
    // Account 1 goes long 5.
    submit(&mut v, 2, Side::Sell, P, 5, 1, GTC);
    submit(&mut v, 1, Side::Buy, P, 5, 2, GTC);
    assert_eq!(v.engine.state().account(1).unwrap().size_in(BTC_PERP), 5);
    // A reduce-only buy would grow it.
    let r = v.engine.submit(v.order(1, BTC_PERP, Side::Buy, P, 1, 3, REDUCE));
    assert_eq!(r.unwrap_err(), EngineError::ReduceOnlyWouldIncrease);
    // A reduce-only sell of 10 against a bid of 20 fills 5 and cancels the rest.
    submit(&mut v, 3, Side::Buy, P, 20, 1, GTC);
    let ev = submit(&mut v, 1, Side::Sell, P, 10, 4, REDUCE);
    assert_eq!(fills(&ev).iter().map(|f| f.size).sum::<u64>(), 5);
    let s = v.engine.order_status(1, 4).unwrap();
    assert_eq!(
        (s.state, s.filled, s.reason.clone()),
        (OrderState::Cancelled, 5, Some(CancelReason::ReduceOnly))
    );
    assert_eq!(v.engine.state().account(1).unwrap().size_in(BTC_PERP), 0);
    check(&v);
}

#[test]
fn resting_reduce_only_is_capped_at_fill_time() {
    let mut v = venue();
    submit(&mut v, 2, Side::Sell, P, 5, 1, GTC);
    submit(&mut v, 1, Side::Buy, P, 5, 1, GTC);
    // Resting reduce-only ask for 8 while long 5.
    submit(&mut v, 1, Side::Sell, P + T, 8, 2, REDUCE);
    let ev = submit(&mut v, 3, Side::Buy, P + T, 8, 1, IOC);
    assert_eq!(fills(&ev).iter().map(|f| f.size).sum::<u64>(), 5);
    let s = v.engine.order_status(1, 2).unwrap();
    assert_eq!(
        (s.state, s.filled, s.reason.clone()),
        (OrderState::Cancelled, 5, Some(CancelReason::ReduceOnly))
    );
    assert!(v.engine.book(BTC_PERP).unwrap().is_empty());
    check(&v);
}

#[test]
fn expired_orders_are_dropped_never_filled() {
    let mut v = venue();
    let mut o = v.order(1, BTC_PERP, Side::Sell, P, 5, 1, GTC).order;
    o.expiry = T0 + 100;
    let so = v.signer(1).sign_order(v.engine.config(), o);
    v.engine.submit(so).unwrap();
    submit(&mut v, 2, Side::Sell, P + T, 5, 1, GTC);
    v.engine.begin_batch(T0 + 101).unwrap();
    // Submitting an expired order is refused.
    let mut o2 = o;
    o2.nonce = 2;
    let so2 = v.signer(1).sign_order(v.engine.config(), o2);
    assert!(matches!(v.engine.submit(so2).unwrap_err(), EngineError::Expired { .. }));
    // The expired ask is dropped when reached; the buy fills the next one.
    let ev = submit(&mut v, 3, Side::Buy, P + T, 5, 1, GTC);
    assert_eq!(fills(&ev).iter().map(|f| f.maker.0).collect::<Vec<_>>(), vec![2]);
    let s = v.engine.order_status(1, 1).unwrap();
    assert_eq!(
        (s.state, s.filled, s.reason.clone()),
        (OrderState::Cancelled, 0, Some(CancelReason::Expired))
    );
    assert_eq!(v.engine.state().account(1).unwrap().size_in(BTC_PERP), 0);
    check(&v);
}

#[test]
fn margin_breach_is_rejected_with_reason_and_changes_nothing() {
    let mut v = Venue::new(3, 1_000, EngineConfig::default()).unwrap();
    submit(&mut v, 2, Side::Sell, P, 50, 1, GTC);
    let depth = v.engine.depth(BTC_PERP, 10).unwrap();
    let r0 = root(&v);
    let pending = v.engine.pending_len();
    // 1 000 USDC, 10 % initial margin: at most ~100 lots of 100 USDC notional... 1000 lots is
    // 100 000 USDC of notional.
    let e = v.engine.submit(v.order(1, BTC_PERP, Side::Buy, P, 1_000, 1, GTC)).unwrap_err();
    assert!(matches!(e, EngineError::InsufficientMargin { account: 1, .. }), "{e}");
    assert_eq!(e.code(), 1016);
    assert_eq!(e.name(), "insufficient_margin");
    assert_eq!(v.engine.depth(BTC_PERP, 10).unwrap(), depth);
    assert_eq!(root(&v), r0);
    assert_eq!(v.engine.pending_len(), pending);
    assert!(v.engine.order_status(1, 1).is_none());
    // Resting orders count: 90 lots rest (900 USDC of IM), then 50 more do not fit
    // (1 400 USDC of IM against about 1 136 of value, bought 1 USDC below the mark).
    submit(&mut v, 3, Side::Buy, P - 10 * T, 90, 1, GTC);
    let e = v.engine.submit(v.order(3, BTC_PERP, Side::Buy, P - 10 * T, 50, 2, GTC)).unwrap_err();
    assert!(matches!(e, EngineError::InsufficientMargin { account: 3, .. }), "{e}");
    check(&v);
}

#[test]
fn a_fill_the_spec_rejects_cancels_the_maker_and_keeps_the_book_consistent() {
    let mut v = Venue::new(3, 2_000, EngineConfig::default()).unwrap();
    // Account 1 bids 150 lots at 100 USDC: 1 500 USDC of IM on 2 000 USDC, fine at mark 100.
    submit(&mut v, 1, Side::Buy, P, 150, 1, GTC);
    // BTC falls to 95: buying 150 at 100 now loses 750 USDC at once and the account would
    // hold 1 250 USDC of value against 1 425 of IM — the spec rejects the fill.
    v.set_prices(T0 + 40, &[(BTC_PERP, 95_000_000, 95_000_000)]).unwrap();
    let r0 = root(&v);
    let ev = submit(&mut v, 2, Side::Sell, P, 150, 1, GTC);
    assert!(fills(&ev).is_empty());
    let s = v.engine.order_status(1, 1).unwrap();
    assert_eq!(s.state, OrderState::Cancelled);
    assert!(matches!(&s.reason, Some(CancelReason::Rejected { code: 2023, .. })), "{:?}", s.reason);
    // Nothing was applied; the seller rests.
    assert_eq!(root(&v), r0);
    assert_eq!(v.engine.order_status(2, 1).unwrap().state, OrderState::Resting);
    check(&v);
}

#[test]
fn admission_checks_ticks_bounds_signatures_and_slots() {
    let mut v = venue();
    let e = v.engine.submit(v.order(1, BTC_PERP, Side::Buy, P + 1, 1, 1, GTC)).unwrap_err();
    assert_eq!(e, EngineError::OffTick { price: P + 1, tick: T });
    let e = v.engine.submit(v.order(1, BTC_PERP, Side::Buy, P, 0, 1, GTC)).unwrap_err();
    assert_eq!(e.code(), 1004);
    let e = v.engine.submit(v.order(1, 99, Side::Buy, P, 1, 1, GTC)).unwrap_err();
    assert_eq!(e, EngineError::UnknownMarket(99));
    let mut forged = v.order(1, BTC_PERP, Side::Buy, P, 1, 1, GTC);
    forged.order.size = 2;
    assert_eq!(v.engine.submit(forged).unwrap_err(), EngineError::BadSignature);
    let mut o = v.order(1, BTC_PERP, Side::Buy, P, 1, 1, GTC).order;
    o.max_fee_ppm = 100;
    let so = v.signer(1).sign_order(v.engine.config(), o);
    assert!(matches!(v.engine.submit(so).unwrap_err(), EngineError::FeeCapTooLow { .. }));
    submit(&mut v, 1, Side::Buy, P - T, 1, 5, GTC);
    let e = v.engine.submit(v.order(1, BTC_PERP, Side::Buy, P - T, 1, 5, GTC)).unwrap_err();
    assert_eq!(e, EngineError::DuplicateOrder);
    // Same slot (nonce + 2^16), another resting order.
    let e =
        v.engine.submit(v.order(1, BTC_PERP, Side::Buy, P - T, 1, 5 + (1 << 16), GTC)).unwrap_err();
    assert_eq!(e, EngineError::SlotBusy(5));
    // Error codes are distinct.
    let codes = [e.code(), EngineError::BadSignature.code(), EngineError::DuplicateOrder.code()];
    assert_eq!(codes, [1012, 1003, 1010]);
    check(&v);
}

#[test]
fn same_inputs_give_same_fills_and_root() {
    fn run() -> (Vec<Event>, proofbook_circuits::hash::Digest) {
        let mut v = venue();
        let mut all = Vec::new();
        let mut rng = proofbook_sequencer::engine::SplitMix64::new(42);
        for n in 1..=60u32 {
            let a = 1 + (rng.below(5) as u32);
            let side = if rng.below(2) == 0 { Side::Buy } else { Side::Sell };
            let price = P - 3 * T + (rng.below(7) as u32) * T;
            let size = 1 + rng.below(9);
            let flags = if rng.below(4) == 0 { IOC } else { GTC };
            if let Ok(ev) = v.engine.submit(v.order(a, BTC_PERP, side, price, size, n, flags)) {
                all.extend(ev);
            }
        }
        (all, root(&v))
    }
    let (e1, r1) = run();
    let (e2, r2) = run();
    assert!(fills(&e1).len() > 5);
    assert_eq!(e1, e2);
    assert_eq!(r1, r2);
}

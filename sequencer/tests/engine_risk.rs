//! The risk engine: liquidation monitor, funding ticks, the simulated oracle, the account
//! view, and the error codes.

use proofbook_circuits::order::{OrderFlags, Side};
use proofbook_circuits::risk::account_risk;
use proofbook_circuits::tx::Tx;
use proofbook_sequencer::engine::fixture::{
    account_signer, Venue, BTC_CALL, BTC_PERP, BTC_PRICE, BTC_PUT, ETH_PERP, T0,
};
use proofbook_sequencer::engine::{
    CancelReason, EngineConfig, EngineError, Event, Liquidator, OrderState, SimulatedOracle,
    VolSurface,
};

const GTC: OrderFlags = OrderFlags { post_only: false, reduce_only: false, ioc: false };
const LOT: u32 = 1_000_000; // one USDC per lot

fn submit(
    v: &mut Venue,
    a: u32,
    m: u8,
    side: Side,
    price: u32,
    size: u64,
    nonce: u32,
) -> Vec<Event> {
    let o = v.order(a, m, side, price, size, nonce, GTC);
    v.engine.submit(o).expect("accepted")
}

/// Account 3 long 90 BTC-PERP lots at 100 USDC on 1 000 USDC; account 2 the short side.
fn leveraged(cfg: EngineConfig) -> Venue {
    let mut v = Venue::new(5, 1_000, cfg).unwrap();
    v.deposit(5, 1_000_000).unwrap();
    submit(&mut v, 2, BTC_PERP, Side::Sell, BTC_PRICE, 90, 1);
    submit(&mut v, 3, BTC_PERP, Side::Buy, BTC_PRICE, 90, 1);
    // A resting order of account 3, to be cancelled by its liquidation.
    submit(&mut v, 3, BTC_PERP, Side::Sell, BTC_PRICE + 50 * LOT, 10, 2);
    assert_eq!(v.engine.state().account(3).unwrap().size_in(BTC_PERP), 90);
    v
}

#[test]
fn liquidation_monitor_closes_accounts_below_maintenance() {
    let liquidator = Liquidator { account_id: 5, signer: account_signer(5), first_nonce: 1 << 30 };
    let mut v = leveraged(EngineConfig { liquidator: Some(liquidator), ..EngineConfig::default() });
    // At 95 the account is above maintenance: nothing happens.
    v.set_prices(T0 + 40, &[(BTC_PERP, 95 * LOT, 95 * LOT)]).unwrap();
    assert!(!v.engine.account_view(3).unwrap().liquidatable);
    assert!(v.engine.run_liquidations().unwrap().is_empty());
    // At 93: TAV ≈ 370 < MMR ≈ 418.5.
    v.set_prices(T0 + 41, &[(BTC_PERP, 93 * LOT, 93 * LOT)]).unwrap();
    let view = v.engine.account_view(3).unwrap();
    assert!(view.liquidatable && view.tav > 0, "{view:?}");
    v.engine.take_pending();
    let ev = v.engine.run_liquidations().unwrap();
    let liq: Vec<_> = ev
        .iter()
        .filter_map(|e| match e {
            Event::Liquidation { account_id, size, price, liquidator, .. } => {
                Some((*account_id, *size, *price, *liquidator))
            }
            _ => None,
        })
        .collect();
    assert_eq!(liq.len(), 1, "{ev:?}");
    let (acct, size, price, by) = liq[0];
    assert_eq!((acct, size, by), (3, 90, Some(5)));
    // Between the bankruptcy price (≈ 88.9) and the mark.
    assert!(price < 93 * LOT && price > 88 * LOT, "{price}");
    let st = v.engine.state();
    assert_eq!(st.account(3).unwrap().size_in(BTC_PERP), 0);
    assert_eq!(st.account(5).unwrap().size_in(BTC_PERP), 90);
    let s = v.engine.order_status(3, 2).unwrap();
    assert_eq!(
        (s.state, s.reason.clone()),
        (OrderState::Cancelled, Some(CancelReason::Liquidation))
    );
    let p = v.engine.take_pending();
    assert!(matches!(&p.applied[..], [a] if matches!(a.tx, Tx::Liquidate(_))));
    // Nothing left to do.
    assert!(v.engine.run_liquidations().unwrap().is_empty());
}

#[test]
fn bankrupt_accounts_are_taken_over_by_the_insurance_fund() {
    let mut v = leveraged(EngineConfig::default());
    v.set_prices(T0 + 40, &[(BTC_PERP, 88 * LOT, 88 * LOT)]).unwrap();
    let view = v.engine.account_view(3).unwrap();
    assert!(view.tav < 0, "{view:?}");
    let ev = v.engine.run_liquidations().unwrap();
    assert!(
        ev.iter().any(|e| matches!(e, Event::Liquidation { account_id: 3, liquidator: None, .. })),
        "{ev:?}"
    );
    assert_eq!(v.engine.state().account(3).unwrap().size_in(BTC_PERP), 0);
    assert_eq!(v.engine.state().account(0).unwrap().size_in(BTC_PERP), 90);
}

#[test]
fn funding_ticks_follow_the_premium_within_the_cap() {
    let mut v = Venue::new(3, 100_000, EngineConfig::default()).unwrap();
    submit(&mut v, 2, BTC_PERP, Side::Sell, BTC_PRICE, 10, 1);
    submit(&mut v, 1, BTC_PERP, Side::Buy, BTC_PRICE, 10, 1);
    // Mark 0.4 % over index: longs pay.
    v.set_prices(
        T0 + 40,
        &[(BTC_PERP, 100_400_000, 100_000_000), (ETH_PERP, 40_000_000, 40_000_000)],
    )
    .unwrap();
    v.engine.begin_batch(T0 + 3_600).unwrap();
    let ev = v.engine.funding_ticks().unwrap();
    assert_eq!(
        ev.iter()
            .filter(|e| matches!(e, Event::Applied { kind } if kind == "funding_tick"))
            .count(),
        2
    );
    let m = v.engine.state().markets().find(|m| m.id == BTC_PERP).unwrap().clone();
    assert!(m.funding_index > 0);
    assert_eq!(m.funding_time, T0 + 3_600);
    assert!(v.engine.account_view(1).unwrap().pending_funding > 0);
    assert!(v.engine.account_view(2).unwrap().pending_funding < 0);
    // A second run at the same time proposes nothing.
    assert!(v.engine.funding_ticks().unwrap().is_empty());
}

#[test]
fn simulated_oracle_is_deterministic_signed_and_accepted() {
    let feed = |v: &Venue| {
        SimulatedOracle::new(
            v.oracle.clone(),
            9,
            &[(1, 100_000.0), (2, 4_000.0)],
            0.8,
            VolSurface::default(),
        )
    };
    let mut v1 = Venue::new(1, 1_000, EngineConfig::default()).unwrap();
    let mut v2 = Venue::new(1, 1_000, EngineConfig::default()).unwrap();
    let (mut f1, mut f2) = (feed(&v1), feed(&v2));
    for i in 1..=20u64 {
        let ts = T0 + 60 + 10 * i;
        v1.engine.begin_batch(ts).unwrap();
        v2.engine.begin_batch(ts).unwrap();
        let u1 = f1.tick(v1.engine.state(), ts);
        let u2 = f2.tick(v2.engine.state(), ts);
        assert_eq!(u1, u2);
        assert_eq!(u1.iter().map(|u| u.entries.len()).sum::<usize>(), 4);
        for u in u1 {
            v1.engine.apply_tx(Tx::OraclePrices(u)).expect("the spec accepts the feed");
        }
        for u in u2 {
            v2.engine.apply_tx(Tx::OraclePrices(u)).unwrap();
        }
    }
    let st = v1.engine.state();
    let m = |id: u8| st.markets().find(|m| m.id == id).unwrap().clone();
    let (perp, call, put) = (m(BTC_PERP), m(BTC_CALL), m(BTC_PUT));
    assert!(perp.mark_price > 90 * LOT && perp.mark_price < 110 * LOT, "{}", perp.mark_price);
    assert!(call.mark_price > 0 && call.mark_price < call.index_price);
    assert!(put.mark_price > 0 && put.mark_price < put.strike);
    // A feed signed by another key is refused.
    let mut forged =
        SimulatedOracle::new(account_signer(1), 9, &[(1, 100_000.0)], 0.8, VolSurface::default());
    let ts = T0 + 400;
    v1.engine.begin_batch(ts).unwrap();
    let u = forged.tick(v1.engine.state(), ts).remove(0);
    assert_eq!(v1.engine.apply_tx(Tx::OraclePrices(u)).unwrap_err().code(), 2007);
}

#[test]
fn account_view_has_the_spec_margin_and_greeks() {
    let mut v = Venue::new(3, 100_000, EngineConfig::default()).unwrap();
    submit(&mut v, 2, BTC_CALL, Side::Sell, 2 * LOT, 10, 1);
    submit(&mut v, 1, BTC_CALL, Side::Buy, 2 * LOT, 10, 1);
    submit(&mut v, 2, BTC_PERP, Side::Sell, BTC_PRICE, 5, 2);
    submit(&mut v, 1, BTC_PERP, Side::Buy, BTC_PRICE, 5, 2);
    let long = v.engine.account_view(1).unwrap();
    let short = v.engine.account_view(2).unwrap();
    let st = v.engine.state();
    let r = account_risk(st.account(2).unwrap(), st);
    assert_eq!((short.tav, short.imr, short.mmr), (r.tav, r.imr, r.mmr));
    assert!(short.imr > 0 && long.positions.len() == 2);
    let call = long.positions.iter().find(|p| p.market_id == BTC_CALL).unwrap();
    let vol = call.implied_vol.unwrap();
    assert!(vol > 0.05 && vol < 5.0, "{vol}");
    // 10 lots of 0.001 BTC: delta in (0, 0.01) BTC for the calls, plus 0.005 BTC of perp.
    assert!(call.greeks.delta > 0.0 && call.greeks.delta < 0.01, "{:?}", call.greeks);
    assert!(call.greeks.gamma > 0.0 && call.greeks.vega > 0.0 && call.greeks.theta < 0.0);
    assert!((long.greeks.delta - call.greeks.delta - 0.005).abs() < 1e-12);
    assert!(short.greeks.delta < 0.0);
    assert_eq!(long.open_orders, 0);
    assert!(matches!(v.engine.account_view(77), Err(EngineError::UnknownAccount(77))));
}

#[test]
fn error_codes_are_stable_and_distinct() {
    use proofbook_circuits::error::TxError;
    let all = [
        EngineError::UnknownMarket(1),
        EngineError::UnknownAccount(1),
        EngineError::BadSignature,
        EngineError::OutOfBounds("x"),
        EngineError::OffTick { price: 1, tick: 2 },
        EngineError::Expired { expiry: 1, now: 2 },
        EngineError::FeeCapTooLow { max_fee_ppm: 1, fee_ppm: 2 },
        EngineError::ContradictoryFlags,
        EngineError::MarketClosed(1),
        EngineError::DuplicateOrder,
        EngineError::StaleNonce,
        EngineError::SlotBusy(1),
        EngineError::OrderDone,
        EngineError::PostOnlyWouldCross,
        EngineError::ReduceOnlyWouldIncrease,
        EngineError::InsufficientMargin { account: 1, tav: 0, imr: 1 },
        EngineError::UnknownOrder,
        EngineError::NotAllowed("x"),
        EngineError::Rejected(TxError::SelfTrade),
        EngineError::Rejected(TxError::MarginBreach(1)),
    ];
    let mut codes: Vec<i32> = all.iter().map(EngineError::code).collect();
    assert_eq!(codes[..3], [1001, 1002, 1003]);
    assert_eq!(EngineError::Rejected(TxError::MarginBreach(1)).code(), 2023);
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), all.len());
    let mut names: Vec<&str> = all[..18].iter().map(EngineError::name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 18);
}

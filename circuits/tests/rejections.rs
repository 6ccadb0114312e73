//! A rejection test for every rule a transaction can break: each gets its typed error and
//! leaves the state root (and every value) unchanged.

mod common;

use alloy_primitives::Address;
use common::*;
use proofbook_circuits::error::{Party, TxError};
use proofbook_circuits::order::{OrderFlags, Side, SignedOrder};
use proofbook_circuits::pubdata::{DepositOp, PriceEntry};
use proofbook_circuits::state::Config;
use proofbook_circuits::tx::{FundingTick, Liquidate, SettleOption, Trade, Tx, Withdraw};

const P: u32 = 100_000_000;

fn trade(maker: SignedOrder, taker: SignedOrder, size: u64) -> Tx {
    Tx::Trade(Trade { maker, taker, size, maker_fee_ppm: 100, taker_fee_ppm: 300 })
}

/// Maker sells 1 000 lots at P (first fill of 10), leaving a resting order for later fills.
fn with_resting_maker() -> (Fixture, SignedOrder) {
    let mut f = Fixture::new();
    let m = f.sign(f.order(MAKER, Side::Sell, P, 1_000, 7));
    let t = f.sign(f.order(TAKER, Side::Buy, P, 10, 1));
    f.ok(trade(m.clone(), t, 10));
    (f, m)
}

#[test]
fn bad_signature() {
    let mut f = Fixture::new();
    let m = f.sign(f.order(MAKER, Side::Sell, P, 10, 1));
    // Signed by the taker's key for the maker's account.
    let forged = SignedOrder {
        order: m.order,
        signature: f.sign(f.order(TAKER, Side::Sell, P, 10, 1)).signature,
    };
    let t = f.sign(f.order(TAKER, Side::Buy, P, 10, 1));
    f.rejects(trade(forged, t.clone(), 10), TxError::BadSignature(Party::Maker));
    // A tampered order (size changed after signing).
    let mut tampered = t;
    tampered.order.size = 20;
    f.rejects(trade(m, tampered, 10), TxError::BadSignature(Party::Taker));
}

#[test]
fn wrong_domain() {
    let mut f = Fixture::new();
    // The same order signed for another deployment (chain id) does not verify here.
    let other = Config { chain_id: 1, ..f.config.clone() };
    let m = f.signer(MAKER).sign_order(&other, f.order(MAKER, Side::Sell, P, 10, 1));
    let t = f.sign(f.order(TAKER, Side::Buy, P, 10, 1));
    f.rejects(trade(m, t.clone(), 10), TxError::BadSignature(Party::Maker));
    let other = Config { rollup: Address::repeat_byte(0x71), ..f.config.clone() };
    let m = f.signer(MAKER).sign_order(&other, f.order(MAKER, Side::Sell, P, 10, 1));
    f.rejects(trade(m, t, 10), TxError::BadSignature(Party::Maker));
}

#[test]
fn missing_signature_on_first_fill() {
    let mut f = Fixture::new();
    let m = SignedOrder { order: f.order(MAKER, Side::Sell, P, 10, 1), signature: None };
    let t = f.sign(f.order(TAKER, Side::Buy, P, 10, 1));
    f.rejects(trade(m, t, 10), TxError::MissingSignature(Party::Maker));
}

#[test]
fn expired_order() {
    let mut f = Fixture::new();
    let mut o = f.order(MAKER, Side::Sell, P, 10, 1);
    o.expiry = T0 + 59; // the batch time is T0 + 60
    let t = f.sign(f.order(TAKER, Side::Buy, P, 10, 1));
    f.rejects(trade(f.sign(o), t, 10), TxError::OrderExpired(Party::Maker));
}

#[test]
fn overfill() {
    let (mut f, m) = with_resting_maker();
    let t = f.sign(f.order(TAKER, Side::Buy, P, 2_000, 2));
    // 10 filled already; 991 more would exceed 1 000.
    f.rejects(trade(SignedOrder { signature: None, ..m }, t, 991), TxError::Overfill(Party::Maker));
    // The taker's own size too.
    let small = f.sign(f.order(TAKER, Side::Buy, P, 5, 3));
    f.rejects(trade(m, small, 6), TxError::Overfill(Party::Taker));
}

#[test]
fn replayed_and_stale_order_nonce() {
    let (mut f, m) = with_resting_maker();
    // Replay: the taker's fully filled order (nonce 1, size 10) again.
    let t = f.sign(f.order(TAKER, Side::Buy, P, 10, 1));
    f.rejects(trade(m.clone(), t, 1), TxError::Overfill(Party::Taker));
    // A newer order in the same slot (7 + 2^16) resets it; the old one is then stale.
    let newer = f.sign(f.order(MAKER, Side::Sell, P, 5, 7 + 65_536));
    let t2 = f.sign(f.order(TAKER, Side::Buy, P, 5, 2));
    f.ok(trade(newer, t2, 5));
    let t3 = f.sign(f.order(TAKER, Side::Buy, P, 5, 3));
    f.rejects(trade(m, t3, 5), TxError::StaleOrderNonce(Party::Maker));
}

#[test]
fn order_hash_mismatch() {
    let (mut f, m) = with_resting_maker();
    // Same nonce (slot holds nonce 7), different terms, validly signed: not the stored order.
    let other = f.sign(f.order(MAKER, Side::Sell, P + 100_000, 1_000, 7));
    let t = f.sign(f.order(TAKER, Side::Buy, P + 100_000, 5, 2));
    f.rejects(trade(other, t, 5), TxError::OrderHashMismatch(Party::Maker));
    let _ = m;
}

#[test]
fn cancelled_order() {
    let (mut f, m) = with_resting_maker();
    f.ok(Tx::CancelOrder(f.signer(MAKER).cancel(&f.config, MAKER, 7, 0)));
    let t = f.sign(f.order(TAKER, Side::Buy, P, 5, 2));
    f.rejects(trade(m, t, 5), TxError::OrderCancelled(Party::Maker));
    // Cancelling it again.
    f.rejects(
        Tx::CancelOrder(f.signer(MAKER).cancel(&f.config, MAKER, 7, 1)),
        TxError::OrderCancelled(Party::Signer),
    );
}

#[test]
fn crossed_price_violation() {
    let mut f = Fixture::new();
    let m = f.sign(f.order(MAKER, Side::Sell, P, 10, 1));
    let t = f.sign(f.order(TAKER, Side::Buy, P - 100_000, 10, 1));
    f.rejects(trade(m, t, 10), TxError::PriceWorseThanLimit(Party::Taker));
}

#[test]
fn order_shape_rules() {
    let mut f = Fixture::new();
    let sell = |f: &Fixture, id, n| f.sign(f.order(id, Side::Sell, P, 10, n));
    let buy = |f: &Fixture, id, n| f.sign(f.order(id, Side::Buy, P, 10, n));
    f.rejects(trade(sell(&f, MAKER, 1), sell(&f, TAKER, 1), 10), TxError::SameSide);
    f.rejects(trade(sell(&f, MAKER, 1), buy(&f, MAKER, 2), 10), TxError::SelfTrade);
    f.rejects(trade(sell(&f, MAKER, 1), buy(&f, TAKER, 1), 0), TxError::ZeroAmount);
    let mut po = f.order(TAKER, Side::Buy, P, 10, 1);
    po.flags = OrderFlags { post_only: true, ..OrderFlags::default() };
    f.rejects(trade(sell(&f, MAKER, 1), f.sign(po), 10), TxError::PostOnlyTaker);
    let mut ioc = f.order(MAKER, Side::Sell, P, 10, 1);
    ioc.flags = OrderFlags { ioc: true, ..OrderFlags::default() };
    f.rejects(trade(f.sign(ioc), buy(&f, TAKER, 1), 10), TxError::IocMaker);
    let off = f.sign(f.order(MAKER, Side::Sell, P + 1, 10, 1));
    f.rejects(
        trade(off, f.sign(f.order(TAKER, Side::Buy, P + 100_000, 10, 1)), 10),
        TxError::OffTick(Party::Maker),
    );
    let mut other_market = f.order(TAKER, Side::Buy, P, 10, 1);
    other_market.market_id = CALL;
    f.rejects(
        trade(sell(&f, MAKER, 1), f.sign(other_market), 10),
        TxError::OrderMismatch(Party::Taker),
    );
}

#[test]
fn fee_above_limit() {
    let mut f = Fixture::new();
    let m = f.sign(f.order(MAKER, Side::Sell, P, 10, 1));
    let t = f.sign(f.order(TAKER, Side::Buy, P, 10, 1));
    // The order's cap (500 ppm).
    let tx = Tx::Trade(Trade {
        maker: m.clone(),
        taker: t,
        size: 10,
        maker_fee_ppm: 100,
        taker_fee_ppm: 501,
    });
    f.rejects(tx, TxError::FeeAboveLimit(Party::Taker));
    // The protocol's cap (1 000 ppm) even if the order allows more.
    let mut generous = f.order(TAKER, Side::Buy, P, 10, 1);
    generous.max_fee_ppm = 5_000;
    let tx = Tx::Trade(Trade {
        maker: m,
        taker: f.sign(generous),
        size: 10,
        maker_fee_ppm: 0,
        taker_fee_ppm: 1_001,
    });
    f.rejects(tx, TxError::FeeAboveLimit(Party::Taker));
}

#[test]
fn reduce_only_violation() {
    let mut f = Fixture::new();
    // The taker has no position: a reduce-only buy would open one.
    let mut ro = f.order(TAKER, Side::Buy, P, 10, 1);
    ro.flags = OrderFlags { reduce_only: true, ..OrderFlags::default() };
    let m = f.sign(f.order(MAKER, Side::Sell, P, 10, 1));
    f.rejects(trade(m.clone(), f.sign(ro), 10), TxError::ReduceOnlyViolation(Party::Taker));
    // Long 10, a reduce-only sell of 20 would flip the position.
    f.ok(trade(m, f.sign(f.order(TAKER, Side::Buy, P, 10, 2)), 10));
    let mut flip = f.order(TAKER, Side::Sell, P, 20, 3);
    flip.flags = OrderFlags { reduce_only: true, ..OrderFlags::default() };
    let bid = f.sign(f.order(MAKER, Side::Buy, P, 20, 2));
    f.rejects(trade(bid.clone(), f.sign(flip), 20), TxError::ReduceOnlyViolation(Party::Taker));
    // Reducing by 10 is fine.
    let mut close = f.order(TAKER, Side::Sell, P, 10, 4);
    close.flags = OrderFlags { reduce_only: true, ..OrderFlags::default() };
    f.ok(trade(bid, f.sign(close), 10));
}

#[test]
fn margin_breach() {
    let mut f = Fixture::new();
    // SMALL has 1 200 USDC: 130 lots (13 000 USD notional) need 1 300 USDC at 10 %.
    let m = f.sign(f.order(MAKER, Side::Sell, P, 1_000, 1));
    let t = f.sign(f.order(SMALL, Side::Buy, P, 130, 1));
    f.rejects(trade(m.clone(), t, 130), TxError::MarginBreach(SMALL));
    // 110 lots fit.
    let t = f.sign(f.order(SMALL, Side::Buy, P, 110, 2));
    f.ok(trade(m, t, 110));
}

#[test]
fn positions_full_and_unknown_parties() {
    let mut f = Fixture::new();
    let m = f.sign(f.order(MAKER, Side::Sell, P, 10, 1));
    let mut ghost = f.order(TAKER, Side::Buy, P, 10, 1);
    ghost.account_id = 77;
    f.rejects(
        trade(m.clone(), SignedOrder { order: ghost, signature: None }, 10),
        TxError::AccountNotFound(77),
    );
    let mut nowhere = f.order(TAKER, Side::Buy, P, 10, 1);
    nowhere.market_id = 9;
    let mut nowhere_m = m.order;
    nowhere_m.market_id = 9;
    f.rejects(trade(f.sign(nowhere_m), f.sign(nowhere), 10), TxError::MarketNotFound(9));
}

#[test]
fn wrong_account_nonce() {
    let mut f = Fixture::new();
    let w = f.signer(TAKER).withdraw(&f.config, TAKER, USDC, 1);
    f.rejects(Tx::Withdraw(w), TxError::WrongNonce { expected: 0, got: 1 });
    f.ok(Tx::Withdraw(f.signer(TAKER).withdraw(&f.config, TAKER, USDC, 0)));
    // Replaying the same withdrawal.
    let again = f.signer(TAKER).withdraw(&f.config, TAKER, USDC, 0);
    f.rejects(Tx::Withdraw(again), TxError::WrongNonce { expected: 1, got: 0 });
}

#[test]
fn withdraw_and_transfer_rules() {
    let mut f = Fixture::new();
    let forged = f.signer(MAKER).withdraw(&f.config, TAKER, USDC, 0);
    f.rejects(Tx::Withdraw(forged), TxError::BadSignature(Party::Signer));
    f.rejects(Tx::Withdraw(f.signer(TAKER).withdraw(&f.config, TAKER, 0, 0)), TxError::ZeroAmount);
    // More than the account is worth.
    f.rejects(
        Tx::Withdraw(f.signer(SMALL).withdraw(&f.config, SMALL, 1_201 * USDC, 0)),
        TxError::MarginBreach(SMALL),
    );
    f.rejects(
        Tx::Transfer(f.signer(SMALL).transfer(&f.config, SMALL, TAKER, 1_201 * USDC, 0)),
        TxError::MarginBreach(SMALL),
    );
    f.rejects(
        Tx::Transfer(f.signer(SMALL).transfer(&f.config, SMALL, SMALL, USDC, 0)),
        TxError::TransferToSelf,
    );
    f.rejects(
        Tx::Transfer(f.signer(SMALL).transfer(&f.config, SMALL, 99, USDC, 0)),
        TxError::AccountNotFound(99),
    );
    // With a position, free collateral is TAV − IMR.
    let m = f.sign(f.order(MAKER, Side::Sell, P, 100, 1));
    f.ok(trade(m, f.sign(f.order(SMALL, Side::Buy, P, 100, 1)), 100));
    // TAV ≈ 1 200 − 3 (fee), IMR = 1 000: 197 is free, 198 is not.
    f.rejects(
        Tx::Withdraw(f.signer(SMALL).withdraw(&f.config, SMALL, 198 * USDC, 0)),
        TxError::MarginBreach(SMALL),
    );
    f.ok(Tx::Withdraw(f.signer(SMALL).withdraw(&f.config, SMALL, 197 * USDC, 0)));
}

#[test]
fn deposit_rules() {
    let mut f = Fixture::new();
    let d = |account_id, l1_address, amount| {
        Tx::Deposit(DepositOp { account_id, l1_address, pubkey: [1, 2, 3, 4, 5], amount })
    };
    f.rejects(d(TAKER, Address::repeat_byte(1), USDC), TxError::AccountOwnerMismatch(TAKER));
    f.rejects(d(50, Address::repeat_byte(1), 0), TxError::ZeroAmount);
    f.rejects(d(50, Address::repeat_byte(1), u64::MAX), TxError::OutOfBounds("collateral"));
}

#[test]
fn bad_oracle_update() {
    let mut f = Fixture::new();
    f.state.begin_batch(T0 + 600).unwrap();
    let entries = vec![PriceEntry { market_id: BTC, mark: P, index: P }];
    // Signed by someone else.
    let forged = f.signer(MAKER).oracle_prices(&f.config, T0 + 500, entries.clone());
    f.rejects(Tx::OraclePrices(forged), TxError::BadSignature(Party::Oracle));
    // Valid signature, tampered price.
    let mut tampered = f.oracle.oracle_prices(&f.config, T0 + 500, entries.clone());
    tampered.entries[0].mark += 1;
    f.rejects(Tx::OraclePrices(tampered), TxError::BadSignature(Party::Oracle));
    // Not newer than the last update (T0 + 30).
    let stale = f.oracle.oracle_prices(&f.config, T0 + 30, entries.clone());
    f.rejects(Tx::OraclePrices(stale), TxError::BadTimestamp);
    // In the future of the batch.
    let future = f.oracle.oracle_prices(&f.config, T0 + 601, entries);
    f.rejects(Tx::OraclePrices(future), TxError::BadTimestamp);
    // Implausible: a call worth more than spot; duplicate market.
    let call = vec![PriceEntry { market_id: CALL, mark: P + 1, index: P }];
    f.rejects(
        Tx::OraclePrices(f.oracle.oracle_prices(&f.config, T0 + 500, call)),
        TxError::BadOracleUpdate("implausible price"),
    );
    let dup = vec![PriceEntry { market_id: BTC, mark: P, index: P }; 2];
    f.rejects(
        Tx::OraclePrices(f.oracle.oracle_prices(&f.config, T0 + 500, dup)),
        TxError::BadOracleUpdate("duplicate market"),
    );
}

#[test]
fn funding_above_the_cap() {
    let mut f = Fixture::new();
    f.state.begin_batch(T0 + 3_600).unwrap();
    // One hour at 1 000 ppm/h on a 100 000 000 mark: |Δ| ≤ 100 000.
    let tick = |new_index| {
        Tx::FundingTick(FundingTick { market_id: BTC, timestamp: T0 + 3_600, new_index })
    };
    f.rejects(tick(100_001), TxError::FundingAboveCap);
    f.rejects(tick(-100_001), TxError::FundingAboveCap);
    f.rejects(
        Tx::FundingTick(FundingTick { market_id: CALL, timestamp: T0 + 3_600, new_index: 1 }),
        TxError::NotPerp(CALL),
    );
    f.rejects(
        Tx::FundingTick(FundingTick { market_id: BTC, timestamp: T0 + 3_601, new_index: 1 }),
        TxError::BadTimestamp,
    );
    f.ok(tick(100_000));
    f.rejects(tick(100_000), TxError::BadTimestamp);
}

/// SMALL long 110 lots at P with 1 200 USDC; BTC then drops to 91 000 USD: TAV = 1 200 − 3.3
/// (fee) − 990 = 206.7, MMR = 110 · 91 · 5 % = 500.5 → liquidatable, not bankrupt.
fn with_liquidatable() -> Fixture {
    let mut f = Fixture::new();
    let m = f.sign(f.order(MAKER, Side::Sell, P, 1_000, 1));
    f.ok(trade(m, f.sign(f.order(SMALL, Side::Buy, P, 110, 1)), 110));
    f.state.begin_batch(T0 + 600).unwrap();
    f.prices(T0 + 500, &[(BTC, 91_000_000, 91_000_000)]);
    f
}

fn liquidation(f: &Fixture, price: u32, size: u64, fee: u32) -> Tx {
    let o = f.sign(f.order(LIQUIDATOR, Side::Buy, price, size, 1));
    Tx::Liquidate(Liquidate {
        liquidated: SMALL,
        liquidator: Some(o),
        market_id: BTC,
        size,
        price,
        insurance_fee_ppm: fee,
    })
}

#[test]
fn liquidation_of_a_healthy_account() {
    let mut f = Fixture::new();
    let m = f.sign(f.order(MAKER, Side::Sell, P, 1_000, 1));
    f.ok(trade(m, f.sign(f.order(SMALL, Side::Buy, P, 110, 1)), 110));
    f.rejects(liquidation(&f, P, 110, 0), TxError::NotLiquidatable(SMALL));
    // The insurance account is never liquidated.
    let o = f.sign(f.order(LIQUIDATOR, Side::Buy, P, 1, 1));
    let tx = Tx::Liquidate(Liquidate {
        liquidated: 0,
        liquidator: Some(o),
        market_id: BTC,
        size: 1,
        price: P,
        insurance_fee_ppm: 0,
    });
    f.rejects(tx, TxError::NotLiquidatable(0));
}

#[test]
fn liquidation_beyond_the_bankruptcy_price() {
    let mut f = with_liquidatable();
    // Zero price = 91 000 000 − TAV/110 lots = 91 000 000 − 1 879 090.9 ≈ 89 120 909.
    f.rejects(liquidation(&f, 89_100_000, 110, 0), TxError::BeyondBankruptcyPrice);
    f.rejects(liquidation(&f, 89_200_000, 111, 0), TxError::ReduceOnlyViolation(Party::Liquidated));
    f.rejects(liquidation(&f, 89_200_000, 110, 20_001), TxError::FeeAboveLimit(Party::Liquidated));
    // A solvent account cannot be taken over by the insurance fund.
    let takeover = Tx::Liquidate(Liquidate {
        liquidated: SMALL,
        liquidator: None,
        market_id: BTC,
        size: 110,
        price: 90_000_000,
        insurance_fee_ppm: 0,
    });
    f.rejects(takeover, TxError::TakeoverOfSolvent);
    f.ok(liquidation(&f, 89_200_000, 110, 0));
    assert_eq!(f.state.account(SMALL).unwrap().size_in(BTC), 0);
}

#[test]
fn insurance_takeover_of_a_bankrupt_account() {
    let mut f = with_liquidatable();
    f.state.begin_batch(T0 + 900).unwrap();
    f.prices(T0 + 800, &[(BTC, 88_000_000, 88_000_000)]);
    // TAV = 1 200 − 3.3 − 1 320 < 0: bankrupt. The fund must pay at least the zero price,
    // above mark, absorbing the deficit.
    let acc = f.state.account(SMALL).unwrap().clone();
    assert!(acc.collateral < 0);
    let takeover = |price| {
        Tx::Liquidate(Liquidate {
            liquidated: SMALL,
            liquidator: None,
            market_id: BTC,
            size: 110,
            price,
            insurance_fee_ppm: 0,
        })
    };
    f.rejects(takeover(88_000_000), TxError::BeyondBankruptcyPrice);
    f.ok(takeover(89_200_000));
    let after = f.state.account(SMALL).unwrap();
    assert_eq!(after.size_in(BTC), 0);
    assert!(after.collateral >= 0);
}

#[test]
fn option_rules() {
    let mut f = Fixture::new();
    // Not expired: no settlement; perps do not settle.
    f.rejects(
        Tx::SettleOption(SettleOption { account_id: MAKER, market_id: CALL }),
        TxError::NotSettled(CALL),
    );
    f.rejects(
        Tx::SettleOption(SettleOption { account_id: MAKER, market_id: BTC }),
        TxError::NotOption(BTC),
    );
    // After expiry the market no longer trades.
    f.state.begin_batch(EXPIRY + 10).unwrap();
    let mut sell = f.order(MAKER, Side::Sell, 2_000_000, 1, 1);
    sell.market_id = CALL;
    let mut buy = f.order(TAKER, Side::Buy, 2_000_000, 1, 1);
    buy.market_id = CALL;
    f.rejects(trade(f.sign(sell), f.sign(buy), 1), TxError::MarketExpired(CALL));
    f.prices(EXPIRY + 1, &[(CALL, 0, 100_000_000)]);
    f.rejects(
        Tx::SettleOption(SettleOption { account_id: MAKER, market_id: CALL }),
        TxError::NoPosition(CALL),
    );
}

#[test]
fn fields_out_of_bounds_are_rejected_before_hashing() {
    let mut f = Fixture::new();
    let m = f.sign(f.order(MAKER, Side::Sell, P, 10, 1));
    // An expiry of 2^40 or more could alias a signed one modulo p; it never reaches the hash.
    let mut far = f.order(TAKER, Side::Buy, P, 10, 1);
    far.expiry = 1 << 40;
    f.rejects(
        trade(m.clone(), SignedOrder { order: far, signature: None }, 10),
        TxError::OutOfBounds("order expiry"),
    );
    let mut huge = f.order(TAKER, Side::Buy, P, 10, 1);
    huge.size = u64::MAX;
    f.rejects(
        trade(m.clone(), SignedOrder { order: huge, signature: None }, 10),
        TxError::OutOfBounds("order size"),
    );
    let mut zero = f.order(TAKER, Side::Buy, P, 10, 1);
    zero.size = 0;
    f.rejects(
        trade(m, SignedOrder { order: zero, signature: None }, 10),
        TxError::OutOfBounds("order size"),
    );
    let w = f.signer(TAKER).withdraw(&f.config, TAKER, 1, 0);
    f.rejects(Tx::Withdraw(Withdraw { amount: u64::MAX, ..w }), TxError::OutOfBounds("amount"));
    let tick = FundingTick { market_id: BTC, timestamp: T0 + 60, new_index: i64::MIN };
    f.rejects(Tx::FundingTick(tick), TxError::OutOfBounds("funding index"));
}

#[test]
fn invalid_genesis_is_rejected() {
    use proofbook_circuits::state::{Genesis, GenesisError, Market, MarketKind, State};
    let f = Fixture::new();
    let g = |markets: Vec<Market>| Genesis { markets, ..f.genesis.clone() };
    let err = |g: Genesis| State::genesis(&g).map(|_| ()).unwrap_err();
    assert_eq!(err(g(vec![Market::perp(1, 1), Market::perp(1, 2)])), GenesisError::MarketId(1));
    assert_eq!(err(g(vec![Market::perp(0, 1)])), GenesisError::MarketId(0));
    assert!(matches!(
        err(g(vec![Market::perp(2, 1).with_tick_size(0)])),
        GenesisError::MarketTerms(2, _)
    ));
    assert!(matches!(
        err(g(vec![Market::perp(2, 1).with_margin(50_000, 100_000)])),
        GenesisError::MarketTerms(2, _)
    ));
    let expired = Market::option(3, MarketKind::Put, 1, 90_000_000, T0);
    assert!(matches!(err(g(vec![expired])), GenesisError::MarketTerms(3, _)));
    let no_owner = Genesis { insurance_owner: Address::ZERO, ..f.genesis.clone() };
    assert!(matches!(err(no_owner), GenesisError::Config(_)));
    assert!(State::genesis(&f.genesis).is_ok());
}

#[test]
fn time_never_goes_backwards() {
    let mut f = Fixture::new();
    assert_eq!(f.state.begin_batch(T0), Err(TxError::TimeGoesBackwards));
}

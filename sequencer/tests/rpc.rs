//! The RPC over real HTTP and WebSocket: every method and subscription, and every kind of
//! bad request answered with its documented error code and no state change.

mod common;

use std::time::Duration;

use common::{
    call_code, config, error_code, order, raw_post, signer, start_node, BTC, IOC, MARK, POST_ONLY,
    TICK,
};
use jsonrpsee::core::client::{ClientT, Error as ClientError};
use jsonrpsee::http_client::HttpClientBuilder;
use jsonrpsee::rpc_params;
use jsonrpsee::ws_client::WsClientBuilder;
use proofbook_circuits::order::Side;
use proofbook_sequencer::devnet::USDC;
use proofbook_sequencer::engine::OrderState;
use proofbook_sequencer::rpc::{code, PbApiClient};

async fn next<T>(s: &mut jsonrpsee::core::client::Subscription<T>) -> T
where
    T: serde::de::DeserializeOwned,
{
    tokio::time::timeout(Duration::from_secs(10), s.next())
        .await
        .expect("a notification in time")
        .expect("subscription open")
        .expect("notification decodes")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_method_over_http_and_websocket() {
    let dir = tempfile::tempdir().unwrap();
    let node = start_node(dir.path(), |_| {}).await;
    let http = HttpClientBuilder::default().build(format!("http://{}", node.rpc_addr)).unwrap();
    let ws = WsClientBuilder::default().build(format!("ws://{}", node.rpc_addr)).await.unwrap();

    let markets = http.markets().await.unwrap();
    let names: Vec<&str> = markets.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names[..3], ["BTC-PERP", "ETH-PERP", "BTC-90000-C"]);
    assert_eq!(markets.len(), 8);
    assert_eq!(markets[0].mark_price, MARK, "genesis oracle prices");

    let mut fills = ws.subscribe_fills(2).await.unwrap();
    let mut orders = ws.subscribe_orders(1).await.unwrap();
    let mut book = ws.subscribe_book(BTC).await.unwrap();
    let mut batches = ws.subscribe_batches().await.unwrap();

    // A maker quote rests, over HTTP.
    let ack =
        http.submit_order(order(1, BTC, Side::Sell, MARK + TICK, 10, 1, POST_ONLY)).await.unwrap();
    assert_eq!(ack.order.state, OrderState::Resting);
    assert!(ack.fills.is_empty());
    assert_eq!(next(&mut orders).await.state, OrderState::Resting);
    assert_eq!(next(&mut book).await.best_ask, Some(MARK + TICK));
    let depth = ws.book(BTC, Some(5)).await.unwrap();
    let levels: Vec<(u32, u64, u32)> =
        depth.asks.iter().map(|l| (l.price, l.size, l.orders)).collect();
    assert_eq!(levels, vec![(MARK + TICK, 10, 1)]);
    assert!(depth.bids.is_empty());

    // A taker crosses it, over WebSocket.
    let ack = ws.submit_order(order(2, BTC, Side::Buy, MARK + 2 * TICK, 4, 1, IOC)).await.unwrap();
    assert_eq!(ack.order.state, OrderState::Filled);
    assert_eq!(ack.fills.len(), 1);
    assert_eq!((ack.fills[0].price, ack.fills[0].size), (MARK + TICK, 4));
    let f = next(&mut fills).await;
    assert_eq!((f.maker, f.taker, f.size), ((1, 1), (2, 1), 4));
    let maker = http.order_status(1, 1).await.unwrap();
    assert_eq!((maker.state, maker.filled, maker.remaining), (OrderState::Resting, 4, 6));
    assert_eq!(http.recent_trades(BTC, None).await.unwrap().len(), 1);

    let acct = ws.account(2).await.unwrap();
    assert_eq!(acct.positions.len(), 1);
    assert_eq!(acct.positions[0].size, 4);
    // Greeks are in units of the underlying: 4 lots of 0.001 BTC.
    assert!((acct.greeks.delta - 0.004).abs() < 1e-9, "a perp's delta is its size");
    assert!(acct.imr.parse::<i128>().unwrap() > 0);
    assert!(acct.tav.parse::<i128>().unwrap() > acct.imr.parse::<i128>().unwrap());
    assert_eq!(http.account(1).await.unwrap().open_orders.len(), 1);

    // Cancel the rest of the quote; withdraw some collateral.
    let cancel = signer(1).cancel(&config(), 1, 1, 0);
    let ack = http.cancel_order(cancel).await.unwrap();
    assert_eq!(ack.order.unwrap().state, OrderState::Cancelled);
    assert!(http.book(BTC, None).await.unwrap().asks.is_empty());
    let w = signer(3).withdraw(&config(), 3, 1_000 * USDC, 0);
    let ack = ws.withdraw(w).await.unwrap();
    assert_eq!(ack.payout.unwrap().amount, 1_000 * USDC);

    // The batch with those transactions is sealed within ~100 ms and announced.
    let mut sealed = Vec::new();
    while !sealed.iter().any(|b: &proofbook_sequencer::storage::BatchRecord| !b.payouts.is_empty())
    {
        sealed.push(next(&mut batches).await);
    }
    let stored = http.batches(None, None).await.unwrap();
    assert!(stored.len() >= 2, "genesis batch and ours");
    assert_eq!(stored[0].number, 0);
    for pair in stored.windows(2) {
        assert_eq!(pair[0].state_root, pair[1].prev_root, "batches chain");
    }
    let wd =
        http.withdrawals(Some(proofbook_sequencer::devnet::dev_wallet(3).address())).await.unwrap();
    assert_eq!(wd.len(), 1);
    assert!(http.withdrawals(Some(alloy_primitives::Address::ZERO)).await.unwrap().is_empty());

    let status = http.status(Some(true)).await.unwrap();
    assert_eq!(status.chain_id, proofbook_sequencer::devnet::CHAIN_ID);
    assert!(status.state_root.unwrap().starts_with("0x"));
    assert!(http.status(None).await.unwrap().state_root.is_none());

    // rpc.discover documents every registered method.
    let doc: serde_json::Value = http.request("rpc.discover", rpc_params![]).await.unwrap();
    let listed: Vec<&str> =
        doc["methods"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
    for name in proofbook_sequencer::openrpc::documented() {
        assert!(listed.contains(&name), "{name} missing from rpc.discover");
    }
    assert_eq!(
        listed.len(),
        proofbook_sequencer::openrpc::documented().count(),
        "no undocumented method"
    );
    assert!(doc["methods"].as_array().unwrap().iter().all(|m| m.get("summary").is_some()));
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_documented_errors_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let node = start_node(dir.path(), |c| c.rpc.max_request_bytes = 16 * 1024).await;
    let addr = node.rpc_addr;
    let http = HttpClientBuilder::default().build(format!("http://{addr}")).unwrap();
    // A resting quote to collide with, then wait for its batch so nothing is pending.
    http.submit_order(order(1, BTC, Side::Sell, MARK + TICK, 10, 1, POST_ONLY)).await.unwrap();
    while http.status(None).await.unwrap().pending_txs > 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let before = http.status(Some(true)).await.unwrap();
    let book_before = http.book(BTC, None).await.unwrap();

    // Transport level: malformed JSON, unknown method, bad params, oversize.
    let (_, body) = raw_post(addr, br#"{"jsonrpc":"2.0","id":1,"method":"pb_status""#).await;
    assert_eq!(error_code(&body), Some(-32700), "{body}");
    let (_, body) =
        raw_post(addr, br#"{"jsonrpc":"2.0","id":1,"method":"pb_nope","params":[]}"#).await;
    assert_eq!(error_code(&body), Some(-32601), "{body}");
    let (_, body) =
        raw_post(addr, br#"{"jsonrpc":"2.0","id":1,"method":"pb_account","params":["x"]}"#).await;
    assert_eq!(error_code(&body), Some(-32602), "{body}");
    let (_, body) = raw_post(
        addr,
        br#"{"jsonrpc":"2.0","id":1,"method":"pb_submitOrder","params":[{"order":1}]}"#,
    )
    .await;
    assert_eq!(error_code(&body), Some(-32602), "{body}");
    let big = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"pb_markets","params":[],"pad":"{}"}}"#,
        "x".repeat(32 * 1024)
    );
    let (status, body) = raw_post(addr, big.as_bytes()).await;
    assert!(status == 413 || error_code(&body) == Some(-32007), "{status} {body}");

    // Application level.
    let e = |r: Result<_, ClientError>| {
        call_code(r.map(|_: proofbook_sequencer::rpc::OrderAck| ()).unwrap_err())
    };
    // Signed by another account's key.
    let mut forged = order(2, BTC, Side::Buy, MARK, 1, 5, POST_ONLY);
    forged.order.account_id = 1;
    assert_eq!(e(http.submit_order(forged).await), code::BAD_SIGNATURE);
    // Tampered after signing.
    let mut tampered = order(1, BTC, Side::Buy, MARK, 1, 5, POST_ONLY);
    tampered.order.size = 2;
    assert_eq!(e(http.submit_order(tampered).await), code::BAD_SIGNATURE);
    let mut unsigned = order(1, BTC, Side::Buy, MARK, 1, 5, POST_ONLY);
    unsigned.signature = None;
    assert_eq!(e(http.submit_order(unsigned).await), code::BAD_SIGNATURE);
    assert_eq!(
        e(http.submit_order(order(99, BTC, Side::Buy, MARK, 1, 5, POST_ONLY)).await),
        code::UNKNOWN_ACCOUNT
    );
    assert_eq!(
        e(http.submit_order(order(1, 77, Side::Buy, MARK, 1, 5, POST_ONLY)).await),
        code::UNKNOWN_MARKET
    );
    assert_eq!(
        e(http.submit_order(order(1, BTC, Side::Buy, MARK + 1, 1, 5, POST_ONLY)).await),
        code::INVALID_ORDER
    );
    // The same order nonce again (replay).
    assert_eq!(
        e(http.submit_order(order(1, BTC, Side::Sell, MARK + TICK, 10, 1, POST_ONLY)).await),
        code::STALE_ORDER_NONCE
    );
    // Post-only crossing the resting ask.
    assert_eq!(
        e(http.submit_order(order(2, BTC, Side::Buy, MARK + TICK, 1, 5, POST_ONLY)).await),
        code::POST_ONLY_WOULD_TAKE
    );
    // Far beyond the account's margin.
    assert_eq!(
        e(http.submit_order(order(2, BTC, Side::Buy, MARK, 10_000_000, 6, POST_ONLY)).await),
        code::INSUFFICIENT_MARGIN
    );
    // Cancel with the wrong account nonce, or signed by someone else.
    let c = signer(1).cancel(&config(), 1, 1, 7);
    assert_eq!(call_code(http.cancel_order(c).await.unwrap_err()), code::WRONG_NONCE);
    let mut c = signer(2).cancel(&config(), 2, 1, 0);
    c.account_id = 1;
    assert_eq!(call_code(http.cancel_order(c).await.unwrap_err()), code::BAD_SIGNATURE);
    // Withdrawing more than the free collateral.
    let w = signer(4).withdraw(&config(), 4, u64::MAX / 4, 0);
    assert!(matches!(
        call_code(http.withdraw(w).await.unwrap_err()),
        code::INSUFFICIENT_MARGIN | code::REJECTED | code::INVALID_ORDER
    ));
    assert_eq!(call_code(http.order_status(1, 999).await.unwrap_err()), code::ORDER_NOT_FOUND);
    assert_eq!(
        call_code(http.account(999).await.unwrap_err()).clamp(0, 9999),
        code::UNKNOWN_ACCOUNT
    );
    assert_eq!(call_code(http.book(200, None).await.unwrap_err()), code::UNKNOWN_MARKET);

    let after = http.status(Some(true)).await.unwrap();
    assert_eq!(before.state_root, after.state_root, "no state change");
    assert_eq!(before.next_seq, after.next_seq, "nothing logged");
    assert_eq!(book_before, http.book(BTC, None).await.unwrap(), "books unchanged");
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_connection_rate_limit() {
    let dir = tempfile::tempdir().unwrap();
    let node = start_node(dir.path(), |c| {
        c.rpc.rate_per_sec = 1;
        c.rpc.burst = 3;
    })
    .await;
    let ws = WsClientBuilder::default().build(format!("ws://{}", node.rpc_addr)).await.unwrap();
    let mut limited = 0;
    for _ in 0..10 {
        match ws.markets().await {
            Ok(_) => {}
            Err(e) => {
                assert_eq!(call_code(e), code::RATE_LIMITED);
                limited += 1;
            }
        }
    }
    assert!(limited >= 6, "only {limited} of 10 limited");
    // Another connection has its own bucket.
    let other = WsClientBuilder::default().build(format!("ws://{}", node.rpc_addr)).await.unwrap();
    other.markets().await.expect("a fresh connection is not limited");
    node.stop().await;
}

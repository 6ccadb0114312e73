//! Helpers shared by the node's integration tests.
#![allow(dead_code, unreachable_pub)] // each test binary uses a different subset

use std::net::SocketAddr;

use proofbook_circuits::client::L2Signer;
use proofbook_circuits::order::{Order, OrderFlags, Side, SignedOrder};
use proofbook_circuits::state::Config;
use proofbook_sequencer::devnet;
use proofbook_sequencer::node::{Node, NodeConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Order flags the tests use.
pub const POST_ONLY: OrderFlags = OrderFlags { post_only: true, reduce_only: false, ioc: false };
pub const IOC: OrderFlags = OrderFlags { post_only: false, reduce_only: false, ioc: true };
/// The devnet's BTC perpetual, its genesis mark and tick.
pub const BTC: u8 = devnet::market::BTC_PERP;
pub const MARK: u32 = 100_000_000;
pub const TICK: u32 = 100_000;

/// The JSON-RPC error code of a client call that must fail with one.
pub fn call_code(e: jsonrpsee::core::client::Error) -> i32 {
    match e {
        jsonrpsee::core::client::Error::Call(e) => e.code(),
        other => panic!("expected a JSON-RPC error, got {other}"),
    }
}

/// A node in a temporary directory on a free port.
pub async fn start_node(dir: &std::path::Path, tweak: impl FnOnce(&mut NodeConfig)) -> Node {
    let mut cfg = NodeConfig::new(dir, "127.0.0.1:0".parse().unwrap());
    cfg.dev_accounts = 4;
    cfg.oracle_ms = 0;
    cfg.funding_ms = 0;
    cfg.batch_ms = 100;
    tweak(&mut cfg);
    Node::start(cfg).await.expect("node starts")
}

pub fn config() -> Config {
    devnet::genesis(0).unwrap().config
}

pub fn signer(id: u32) -> L2Signer {
    devnet::dev_signer(id).unwrap()
}

/// A signed order of a dev account.
pub fn order(
    account: u32,
    market: u8,
    side: Side,
    price: u32,
    size: u64,
    nonce: u32,
    flags: OrderFlags,
) -> SignedOrder {
    let o = Order {
        account_id: account,
        market_id: market,
        side,
        price,
        size,
        nonce,
        expiry: u64::from(u32::MAX),
        flags,
        max_fee_ppm: 1_000,
    };
    signer(account).sign_order(&config(), o)
}

/// Posts `body` as-is to the node over HTTP/1.1; returns the status code and the body.
pub async fn raw_post(addr: SocketAddr, body: &[u8]) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(body).await.unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out).await;
    let text = String::from_utf8_lossy(&out).to_string();
    let status = text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map_or(String::new(), |(_, b)| b.to_string());
    (status, body)
}

/// The JSON-RPC error code in a raw response body (chunked encoding tolerated).
pub fn error_code(body: &str) -> Option<i64> {
    let start = body.find('{')?;
    let end = body.rfind('}')?;
    let v: serde_json::Value = serde_json::from_str(&body[start..=end]).ok()?;
    v["error"]["code"].as_i64()
}

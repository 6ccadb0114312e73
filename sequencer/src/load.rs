//! `proofbook load`: a realistic signed-order flow against a running node.
//!
//! Each dev account is driven by one worker over its own WebSocket connection, closed-loop
//! with up to `inflight` requests outstanding (a new one leaves when one is acknowledged).
//! Before a cancel the worker waits for everything outstanding, and the next request waits
//! for the cancel, so the account nonces of cancels arrive in order and a cancel's target
//! was acknowledged. The mix: makers quote post-only
//! limits 1–20 ticks around the mark, takers send IOC orders 30 ticks through it, and every
//! seventh request cancels the account's oldest open quote. Orders are signed before the
//! clock starts, in parallel, so the figures measure the node and not the client's signing.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use futures::stream::{FuturesUnordered, StreamExt};
use jsonrpsee::ws_client::{WsClient, WsClientBuilder};
use proofbook_circuits::client::L2Signer;
use proofbook_circuits::order::{Order, OrderFlags, Side};
use proofbook_circuits::state::Config;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;

use crate::devnet;
use crate::rpc::PbApiClient;

/// Load settings.
#[derive(Clone, Debug)]
pub struct LoadConfig {
    /// WebSocket URL of the node (`ws://host:port`).
    pub url: String,
    /// Dev accounts to trade with (`1..=accounts`), one connection each.
    pub accounts: u32,
    /// Requests in total (orders and cancels).
    pub orders: u64,
    /// Markets to trade.
    pub markets: Vec<u8>,
    /// First order nonce (default: from the node's sequence number, so reruns never reuse
    /// nonces).
    pub nonce_base: Option<u32>,
    /// Random seed of the flow.
    pub seed: u64,
    /// Requests outstanding per account (1: strictly one after the other).
    pub inflight: usize,
}

/// Why the load could not run.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Connecting or a query failed.
    #[error("rpc: {0}")]
    Rpc(#[from] jsonrpsee::core::client::Error),
    /// A dev key could not be derived.
    #[error("key: {0}")]
    Key(#[from] proofbook_circuits::keys::KeyError),
    /// A market is missing or unpriced.
    #[error("market {0} is not listed or not priced")]
    Market(u8),
}

/// What the load did.
#[derive(Clone, Debug, Default)]
pub struct LoadReport {
    /// Requests acknowledged.
    pub acked: u64,
    /// Requests refused with a JSON-RPC error.
    pub rejected: u64,
    /// Requests that failed in transport (node gone).
    pub failed: u64,
    /// Wall time of the measured phase.
    pub elapsed: Duration,
    /// Latency of every acknowledged request, microseconds, sorted.
    pub latencies_us: Vec<u32>,
    /// Acknowledged orders: `(account, order nonce)`.
    pub acked_orders: Vec<(u32, u32)>,
    /// Error messages by count.
    pub errors: std::collections::BTreeMap<String, u64>,
}

impl LoadReport {
    /// A latency percentile (0..=100), microseconds.
    pub fn percentile(&self, p: f64) -> u32 {
        if self.latencies_us.is_empty() {
            return 0;
        }
        let i = ((p / 100.0) * (self.latencies_us.len() - 1) as f64).round() as usize;
        self.latencies_us[i.min(self.latencies_us.len() - 1)]
    }

    /// Acknowledged requests per second.
    pub fn per_second(&self) -> f64 {
        self.acked as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The one-line summary.
    pub fn summary(&self) -> String {
        format!(
            "acked={} rejected={} failed={} orders_per_s={:.0} p50_us={} p99_us={} p999_us={}",
            self.acked,
            self.rejected,
            self.failed,
            self.per_second(),
            self.percentile(50.0),
            self.percentile(99.0),
            self.percentile(99.9),
        )
    }
}

/// One pre-signed request.
enum Req {
    Order(proofbook_circuits::order::SignedOrder),
    Cancel(proofbook_circuits::tx::CancelOrder),
}

struct Plan {
    reqs: Vec<Req>,
}

#[allow(clippy::too_many_arguments)] // the plan's inputs; a struct would only rename them
fn plan_account(
    config: &Config,
    signer: &L2Signer,
    account: u32,
    count: u64,
    markets: &[(u8, u32, u32)],
    nonce_base: u32,
    mut account_nonce: u32,
    expiry: u64,
    seed: u64,
) -> Plan {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed ^ (u64::from(account) << 32));
    let mut open: VecDeque<u32> = VecDeque::new();
    let mut nonce = nonce_base;
    let mut reqs = Vec::with_capacity(count as usize);
    for i in 0..count {
        if i % 7 == 6 {
            if let Some(target) = open.pop_front() {
                reqs.push(Req::Cancel(signer.cancel(config, account, target, account_nonce)));
                account_nonce += 1;
                continue;
            }
        }
        let &(market_id, mark, tick) = &markets[rng.random_range(0..markets.len())];
        let side = if rng.random::<bool>() { Side::Buy } else { Side::Sell };
        let mark = mark / tick * tick;
        let taker = rng.random_range(0..100) < 30;
        let (price, flags) = if taker {
            let p = match side {
                Side::Buy => mark + 30 * tick,
                Side::Sell => mark.saturating_sub(30 * tick).max(tick),
            };
            (p, OrderFlags { ioc: true, ..OrderFlags::default() })
        } else {
            let k = rng.random_range(1..=20u32);
            let p = match side {
                Side::Buy => mark.saturating_sub(k * tick).max(tick),
                Side::Sell => mark + k * tick,
            };
            (p, OrderFlags { post_only: true, ..OrderFlags::default() })
        };
        let order = Order {
            account_id: account,
            market_id,
            side,
            price,
            size: rng.random_range(1..=10),
            nonce,
            expiry,
            flags,
            max_fee_ppm: 1_000,
        };
        if !taker {
            open.push_back(nonce);
        }
        nonce += 1;
        reqs.push(Req::Order(signer.sign_order(config, order)));
    }
    Plan { reqs }
}

/// Runs the load; stops early (with what it has) if the node goes away.
pub async fn run(cfg: &LoadConfig) -> Result<LoadReport, LoadError> {
    let probe = WsClientBuilder::default().build(&cfg.url).await?;
    let status = probe.status(None).await?;
    let markets = probe.markets().await?;
    let mut traded = Vec::new();
    for id in &cfg.markets {
        let m = markets.iter().find(|m| m.market_id == *id).ok_or(LoadError::Market(*id))?;
        if m.mark_price == 0 {
            return Err(LoadError::Market(*id));
        }
        traded.push((m.market_id, m.mark_price, m.tick_size));
    }
    let config = Config { chain_id: status.chain_id, rollup: status.rollup, ..devnet_config()? };
    let nonce_base = cfg
        .nonce_base
        .unwrap_or_else(|| u32::try_from(status.next_seq + 1).unwrap_or(u32::MAX / 2));
    let mut account_nonces = Vec::new();
    for a in 1..=cfg.accounts {
        account_nonces.push(probe.account(a).await?.nonce);
    }
    let expiry = status.timestamp + 86_400;
    let per_account = cfg.orders.div_ceil(u64::from(cfg.accounts.max(1)));
    let t = Instant::now();
    let plans: Vec<Plan> = (1..=cfg.accounts)
        .into_par_iter()
        .map(|a| -> Result<Plan, LoadError> {
            let signer = devnet::dev_signer(a)?;
            Ok(plan_account(
                &config,
                &signer,
                a,
                per_account,
                &traded,
                nonce_base,
                account_nonces[a as usize - 1],
                expiry,
                cfg.seed,
            ))
        })
        .collect::<Result<_, _>>()?;
    tracing::info!(elapsed_ms = t.elapsed().as_millis() as u64, "signed the flow");

    let mut clients = Vec::new();
    for _ in &plans {
        clients.push(
            WsClientBuilder::default()
                .request_timeout(Duration::from_secs(30))
                .build(&cfg.url)
                .await?,
        );
    }
    let start = Instant::now();
    let tasks: Vec<_> = plans
        .into_iter()
        .zip(clients)
        .map(|(plan, client)| tokio::spawn(drive(plan, client, cfg.inflight.max(1))))
        .collect();
    let mut report = LoadReport::default();
    for t in tasks {
        if let Ok(r) = t.await {
            report.acked += r.acked;
            report.rejected += r.rejected;
            report.failed += r.failed;
            report.latencies_us.extend(r.latencies_us);
            report.acked_orders.extend(r.acked_orders);
            for (k, v) in r.errors {
                *report.errors.entry(k).or_default() += v;
            }
        }
    }
    report.elapsed = start.elapsed();
    report.latencies_us.sort_unstable();
    Ok(report)
}

fn devnet_config() -> Result<Config, LoadError> {
    Ok(devnet::genesis(0)?.config)
}

type Sent = (Result<(), jsonrpsee::core::client::Error>, Option<(u32, u32)>, Duration);

async fn send(client: &WsClient, req: Req) -> Sent {
    let t = Instant::now();
    let (result, key) = match req {
        Req::Order(so) => {
            let key = (so.order.account_id, so.order.nonce);
            (client.submit_order(so).await.map(|_| ()), Some(key))
        }
        Req::Cancel(c) => (client.cancel_order(c).await.map(|_| ()), None),
    };
    (result, key, t.elapsed())
}

impl LoadReport {
    /// Counts one request's outcome; `false` if the transport failed (stop).
    fn record(&mut self, (result, key, elapsed): Sent) -> bool {
        match result {
            Ok(()) => {
                self.acked += 1;
                self.latencies_us.push(u32::try_from(elapsed.as_micros()).unwrap_or(u32::MAX));
                self.acked_orders.extend(key);
                true
            }
            Err(jsonrpsee::core::client::Error::Call(e)) => {
                self.rejected += 1;
                *self.errors.entry(format!("{} {}", e.code(), e.message())).or_default() += 1;
                true
            }
            Err(e) => {
                self.failed += 1;
                *self.errors.entry(format!("transport: {e}")).or_default() += 1;
                false
            }
        }
    }
}

async fn drive(plan: Plan, client: WsClient, inflight: usize) -> LoadReport {
    let mut r = LoadReport::default();
    let mut running = FuturesUnordered::new();
    let mut ok = true;
    for req in plan.reqs {
        let cancel = matches!(req, Req::Cancel(_));
        let limit = if cancel { 1 } else { inflight };
        while ok && running.len() >= limit {
            if let Some(done) = running.next().await {
                ok = r.record(done);
            }
        }
        if !ok {
            break;
        }
        if cancel {
            ok = r.record(send(&client, req).await);
        } else {
            running.push(send(&client, req));
        }
    }
    while let Some(done) = running.next().await {
        r.record(done);
    }
    r
}

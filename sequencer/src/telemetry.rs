//! Metrics for the operator: a Prometheus exporter (`proofbook node --metrics-addr`, text
//! format on `GET /metrics`) and the names the node records under.
//!
//! | metric | type | labels | meaning |
//! |---|---|---|---|
//! | `pb_inputs_acked_total` | counter | `kind` | client inputs acknowledged (durable) |
//! | `pb_inputs_rejected_total` | counter | `kind`, `reason` | client inputs refused, by the engine's reason name |
//! | `pb_ack_latency_seconds` | histogram | `kind` | admission to acknowledgement, in the node |
//! | `pb_admission_seconds` | histogram | — | an order's or cancel's signature check on the pool, from the handler's request (queueing included) |
//! | `pb_engine_seconds` | histogram | `kind` | the sequencing thread's processing of one input (matching, spec transactions) |
//! | `pb_wal_fsync_seconds` | histogram | — | one group commit (write + fsync) of the log |
//! | `pb_wal_group_size` | histogram | — | records per group commit |
//! | `pb_batches_sealed_total` | counter | — | batches cut |
//! | `pb_batch_txs` | histogram | — | transactions per sealed batch |
//! | `pb_batch_witness_seconds` | histogram | — | witness and root of one batch (batcher thread) |
//! | `pb_book_depth_lots` | gauge | `market`, `side` | lots resting on a side of a book |
//! | `pb_book_levels` | gauge | `market`, `side` | price levels on a side of a book |
//! | `pb_open_orders` | gauge | — | resting orders in every book |
//! | `pb_pending_txs` | gauge | — | transactions in the open batch |
//! | `pb_log_records` | gauge | — | next log sequence number |
//!
//! Gauges are refreshed by the sequencing thread once a second. Without an exporter the
//! `metrics` macros record into nothing (a few nanoseconds each).

use std::net::SocketAddr;
use std::time::Duration;

use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder};
use proofbook_circuits::order::Side;

use crate::core::{Core, Input};
use crate::node::SubmitError;

/// Histogram buckets for latencies, seconds (50 µs … 1 s).
const LATENCY_BUCKETS: &[f64] = &[
    1e-6, 5e-6, 20e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2e-3, 5e-3, 10e-3, 25e-3, 50e-3,
    100e-3, 250e-3, 1.0,
];
/// Buckets for counts (records per group commit, transactions per batch).
const SIZE_BUCKETS: &[f64] = &[1.0, 4.0, 16.0, 64.0, 256.0, 1_024.0, 4_096.0, 16_384.0, 65_536.0];

/// Installs the global Prometheus recorder with its HTTP listener on `addr` (one per
/// process).
pub fn install(addr: SocketAddr) -> Result<(), BuildError> {
    PrometheusBuilder::new()
        .with_http_listener(addr)
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)?
        .set_buckets_for_metric(Matcher::Full("pb_wal_group_size".into()), SIZE_BUCKETS)?
        .set_buckets_for_metric(Matcher::Full("pb_batch_txs".into()), SIZE_BUCKETS)?
        .install()
}

/// The `kind` label of an input.
pub const fn input_kind(input: &Input) -> &'static str {
    match input {
        Input::Order(_) => "order",
        Input::Cancel(_) => "cancel",
        Input::Withdraw(_) => "withdraw",
        Input::Deposit(_) => "deposit",
        Input::Oracle(_) => "oracle",
        Input::Tick { .. } => "tick",
        Input::Funding => "funding",
        Input::Liquidations => "liquidations",
    }
}

/// A client input was acknowledged `latency` after admission began.
pub fn acked(kind: &'static str, latency: Duration) {
    metrics::counter!("pb_inputs_acked_total", "kind" => kind).increment(1);
    metrics::histogram!("pb_ack_latency_seconds", "kind" => kind).record(latency);
}

/// A client input was refused.
pub fn rejected(kind: &'static str, e: &SubmitError) {
    let reason = match e {
        SubmitError::Rejected(e) => e.name(),
        SubmitError::Storage(_) => "storage",
        SubmitError::Stopped => "stopped",
    };
    metrics::counter!("pb_inputs_rejected_total", "kind" => kind, "reason" => reason).increment(1);
}

/// Admission (signature verification, with the wait for a pool thread) took `d`.
pub fn admission(d: Duration) {
    metrics::histogram!("pb_admission_seconds").record(d);
}

/// The engine processed an input in `d`.
pub fn engine(kind: &'static str, d: Duration) {
    metrics::histogram!("pb_engine_seconds", "kind" => kind).record(d);
}

/// A batch of `txs` transactions was sealed.
pub fn batch_sealed(txs: u64) {
    metrics::counter!("pb_batches_sealed_total").increment(1);
    metrics::histogram!("pb_batch_txs").record(txs as f64);
}

/// Refreshes the book and sequencing gauges.
pub fn book_gauges(core: &Core) {
    let engine = core.engine();
    for m in core.state().markets() {
        let Some(book) = engine.book(m.id) else { continue };
        for (side, name) in [(Side::Buy, "bid"), (Side::Sell, "ask")] {
            let levels = book.depth(side, usize::MAX);
            let lots: u64 = levels.iter().map(|l| l.size).sum();
            let market = m.id.to_string();
            metrics::gauge!("pb_book_depth_lots", "market" => market.clone(), "side" => name)
                .set(lots as f64);
            metrics::gauge!("pb_book_levels", "market" => market, "side" => name)
                .set(levels.len() as f64);
        }
    }
    metrics::gauge!("pb_open_orders").set(engine.resting_count() as f64);
    metrics::gauge!("pb_pending_txs").set(core.pending_txs() as f64);
    metrics::gauge!("pb_log_records").set(core.next_seq() as f64);
}

//! The Prometheus exporter of a running node, scraped over HTTP (its own test binary: the
//! metrics recorder is global to the process).

mod common;

use std::time::Duration;

use common::{call_code, order, start_node, BTC, IOC, MARK, POST_ONLY, TICK};
use jsonrpsee::http_client::HttpClientBuilder;
use proofbook_circuits::order::Side;
use proofbook_sequencer::rpc::{code, PbApiClient};

/// `GET path` over HTTP/1.1; the response body.
async fn http_get(addr: std::net::SocketAddr, path: &str) -> Option<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.ok()?;
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.ok()?;
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.ok()?;
    let text = String::from_utf8_lossy(&out).to_string();
    text.starts_with("HTTP/1.1 200").then_some(text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_exporter_serves_the_node_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let metrics_addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let node = start_node(dir.path(), |c| c.metrics_addr = Some(metrics_addr)).await;
    let http = HttpClientBuilder::default().build(format!("http://{}", node.rpc_addr)).unwrap();
    http.submit_order(order(1, BTC, Side::Sell, MARK + TICK, 10, 1, POST_ONLY)).await.unwrap();
    http.submit_order(order(2, BTC, Side::Buy, MARK + TICK, 3, 1, IOC)).await.unwrap();
    let bad = order(1, BTC, Side::Buy, MARK + 1, 1, 2, POST_ONLY);
    assert_eq!(call_code(http.submit_order(bad).await.unwrap_err()), code::INVALID_ORDER);

    // Gauges refresh once a second and the batch is cut within 100 ms: poll the scrape.
    let wanted = [
        r#"pb_inputs_acked_total{kind="order"} 2"#,
        r#"pb_inputs_rejected_total{kind="order",reason="off_tick"} 1"#,
        "pb_wal_fsync_seconds_bucket",
        "pb_ack_latency_seconds_bucket",
        "pb_batches_sealed_total",
        "pb_batch_txs_bucket",
        r#"pb_book_depth_lots{market="1",side="ask"} 7"#,
        "pb_open_orders 1",
    ];
    let t = std::time::Instant::now();
    let text = loop {
        let text = http_get(metrics_addr, "/metrics").await.unwrap_or_default();
        if wanted.iter().all(|w| text.contains(w)) {
            break text;
        }
        assert!(t.elapsed() < Duration::from_secs(20), "missing metrics in:\n{text}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(text.contains("# TYPE pb_wal_fsync_seconds histogram"), "{text}");
    node.stop().await;
}

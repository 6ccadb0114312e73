//! Crash safety: the `proofbook` binary under `proofbook load` is killed with SIGKILL at
//! random moments, several rounds. After each restart (from its newest checkpoint plus the
//! log's tail: the node checkpoints every 300 records) every acknowledged order is there,
//! the node's state root equals a from-scratch replay of its log, and it serves again.

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use jsonrpsee::http_client::{HttpClient, HttpClientBuilder};
use proofbook_circuits::hash::digest_hex;
use proofbook_circuits::order::{Order, OrderFlags, Side};
use proofbook_sequencer::devnet;
use proofbook_sequencer::load::{self, LoadConfig};
use proofbook_sequencer::node::replay;
use proofbook_sequencer::rpc::PbApiClient;
use proofbook_sequencer::storage::Store;
use rand::{Rng, SeedableRng};

fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

fn spawn(dir: &Path, addr: SocketAddr) -> Child {
    let log =
        std::fs::OpenOptions::new().create(true).append(true).open(dir.join("node.log")).unwrap();
    Command::new(env!("CARGO_BIN_EXE_proofbook"))
        .args(["node", "--datadir"])
        .arg(dir.join("db"))
        .args([
            "--rpc-addr",
            &addr.to_string(),
            "--batch-ms",
            "50",
            "--dev-accounts",
            "8",
            "--oracle-ms",
            "0",
            "--funding-ms",
            "0",
            "--checkpoint-every",
            "300",
        ])
        .env("RUST_LOG", "warn,proofbook_sequencer::node=info")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("the proofbook binary starts")
}

async fn wait_serving(addr: SocketAddr, child: &mut Child, dir: &Path) -> HttpClient {
    let client = HttpClientBuilder::default().build(format!("http://{addr}")).unwrap();
    let t = Instant::now();
    loop {
        if client.status(None).await.is_ok() {
            return client;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "node exited with {status}: {}",
                std::fs::read_to_string(dir.join("node.log")).unwrap_or_default()
            );
        }
        assert!(t.elapsed() < Duration::from_secs(30), "node did not start");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn kill(child: &mut Child) {
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_under_load_loses_nothing_acknowledged() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut rng = rand::rngs::StdRng::seed_from_u64(std::process::id().into());
    let mut acked: Vec<(u32, u32)> = Vec::new();
    let rounds = 4;
    for round in 0..rounds {
        let addr = free_addr();
        let mut child = spawn(dir, addr);
        let client = wait_serving(addr, &mut child, dir).await;

        // Every order acknowledged before any earlier kill is there.
        for &(account, nonce) in &acked {
            client.order_status(account, nonce).await.unwrap_or_else(|e| {
                panic!("round {round}: acknowledged order ({account}, {nonce}) lost: {e}")
            });
        }
        // The live state root is the from-scratch replay of the log: the node is idle
        // (no oracle, nothing pending once the last batch is cut), so stop it and replay.
        while client.status(None).await.unwrap().pending_txs > 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let live = client.status(Some(true)).await.unwrap();
        kill(&mut child);
        let store = Store::open(&dir.join("db")).unwrap();
        let genesis = store.meta("genesis").unwrap().unwrap();
        let core = replay(&store, &genesis, |_| {}).unwrap();
        assert_eq!(
            Some(digest_hex(&core.state().state_root())),
            live.state_root,
            "round {round}: root differs from replay"
        );
        assert_eq!(core.next_seq(), live.next_seq);
        drop(store);
        if round == rounds - 1 {
            break;
        }

        // Restart, put it under load, kill it at a random moment.
        let addr = free_addr();
        let mut child = spawn(dir, addr);
        let client = wait_serving(addr, &mut child, dir).await;
        let start_seq = client.status(None).await.unwrap().next_seq;
        let cfg = LoadConfig {
            url: format!("ws://{addr}"),
            accounts: 8,
            orders: 4_000,
            markets: vec![devnet::market::BTC_PERP],
            nonce_base: Some(u32::try_from(start_seq).unwrap() + 1),
            seed: round,
            inflight: 4,
        };
        let load = tokio::spawn(async move { load::run(&cfg).await });
        // Wait until the load is flowing, then a random delay.
        let t = Instant::now();
        while client.status(None).await.map(|s| s.next_seq).unwrap_or(0) < start_seq + 50 {
            assert!(t.elapsed() < Duration::from_secs(30), "load did not start");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..400))).await;
        kill(&mut child);
        let report = load.await.unwrap().expect("load ran");
        assert!(report.acked > 0, "round {round}: nothing acknowledged");
        eprintln!("round {round}: {} (killed)", report.summary());
        acked.extend(report.acked_orders);
    }
    assert!(acked.len() > 100, "the test exercised the node: {} acked orders", acked.len());

    // The node serves again: a new order is acknowledged.
    let addr = free_addr();
    let mut child = spawn(dir, addr);
    let client = wait_serving(addr, &mut child, dir).await;
    let signer = devnet::dev_signer(1).unwrap();
    let config = devnet::genesis(0).unwrap().config;
    let order = Order {
        account_id: 1,
        market_id: devnet::market::BTC_PERP,
        side: Side::Buy,
        price: 1_000_000,
        size: 1,
        nonce: u32::MAX - 1,
        expiry: u64::from(u32::MAX),
        flags: OrderFlags { post_only: true, ..OrderFlags::default() },
        max_fee_ppm: 1_000,
    };
    client.submit_order(signer.sign_order(&config, order)).await.expect("serves after the crashes");
    kill(&mut child);
    let log = std::fs::read_to_string(dir.join("node.log")).unwrap();
    assert!(log.contains("checkpoint stored"), "the node took checkpoints");
    assert!(
        log.lines().any(|l| l.contains("replayed the log") && !l.contains("checkpoint=0 ")),
        "a restart started from a checkpoint"
    );
}

//! The `proofbook` command-line tool: the node, client commands and the load generator.

use std::net::SocketAddr;
use std::path::PathBuf;

use alloy_primitives::B256;
use alloy_signer_local::PrivateKeySigner;
use anyhow::Context as _;
use clap::{Args, Parser, Subcommand, ValueEnum};
use jsonrpsee::http_client::HttpClientBuilder;
use proofbook_circuits::client::L2Signer;
use proofbook_circuits::hash::digest_hex;
use proofbook_circuits::order::{Order, OrderFlags, Side};
use proofbook_circuits::pubdata::{ForcedWithdrawalStatus, PubOp};
use proofbook_circuits::state::Config;
use proofbook_sequencer::devnet;
use proofbook_sequencer::rpc::{PbApiClient, RpcLimits};

/// proofbook: a ZK-rollup for an order-book derivatives venue.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the scripted scenario natively and print the state root after every step.
    Demo,
    /// Run a sequencer node (embedded devnet: RocksDB in the data directory, simulated
    /// oracle, BTC-PERP, ETH-PERP and a BTC option chain, funded dev accounts).
    Node(NodeArgs),
    /// L2 keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Place or cancel orders.
    #[command(subcommand)]
    Order(OrderCommand),
    /// Show an account: collateral, positions, margin, Greeks, open orders.
    Account {
        #[command(flatten)]
        rpc: RpcArgs,
        /// Account id.
        #[arg(long)]
        account: u32,
    },
    /// Drive a realistic signed-order flow and print throughput and latency.
    Load(LoadArgs),
}

#[derive(Debug, Args)]
struct NodeArgs {
    /// Data directory (created if missing).
    #[arg(long)]
    datadir: PathBuf,
    /// JSON-RPC address (HTTP and WebSocket).
    #[arg(long, default_value = "127.0.0.1:8545")]
    rpc_addr: SocketAddr,
    /// Prometheus exporter address (`GET /metrics`); none by default.
    #[arg(long)]
    metrics_addr: Option<SocketAddr>,
    #[command(flatten)]
    batch: BatchArgs,
    #[command(flatten)]
    dev: DevArgs,
    #[command(flatten)]
    limits: LimitArgs,
}

#[derive(Debug, Args)]
struct BatchArgs {
    /// Seal a batch after this many milliseconds.
    #[arg(long, default_value_t = 1_000)]
    batch_ms: u64,
    /// Seal a batch once it holds this many transactions.
    #[arg(long, default_value_t = 4_096)]
    batch_txs: usize,
    /// Checkpoint the state and books at the first batch boundary after this many log
    /// records (0: never); a restart replays only the log after the newest checkpoint.
    #[arg(long, default_value_t = 100_000)]
    checkpoint_every: u64,
}

#[derive(Debug, Args)]
struct DevArgs {
    /// Dev accounts funded at genesis (only when the data directory is new).
    #[arg(long, default_value_t = 64)]
    dev_accounts: u32,
    /// Simulated oracle period, milliseconds (0: prices only at genesis).
    #[arg(long, default_value_t = 1_000)]
    oracle_ms: u64,
    /// Funding round period, milliseconds (0: no funding rounds).
    #[arg(long, default_value_t = 60_000)]
    funding_ms: u64,
}

#[derive(Debug, Args)]
struct LimitArgs {
    /// Largest request body, bytes.
    #[arg(long, default_value_t = 64 * 1024)]
    max_request_bytes: u32,
    /// Requests per second per connection.
    #[arg(long, default_value_t = 50_000)]
    rate_limit: u32,
    /// Burst size of the per-connection rate limit.
    #[arg(long, default_value_t = 10_000)]
    rate_burst: u32,
    /// Most simultaneous connections.
    #[arg(long, default_value_t = 1_024)]
    max_connections: u32,
}

#[derive(Debug, Args)]
struct RpcArgs {
    /// Node URL (http:// for commands, ws:// for load).
    #[arg(long, default_value = "http://127.0.0.1:8545")]
    rpc: String,
}

#[derive(Debug, Args)]
struct SignerArgs {
    /// Account id.
    #[arg(long)]
    account: u32,
    /// Ethereum private key (hex) the L2 key derives from; default: the dev account's.
    #[arg(long)]
    eth_key: Option<String>,
}

impl SignerArgs {
    fn wallet(&self) -> anyhow::Result<PrivateKeySigner> {
        match &self.eth_key {
            None => Ok(devnet::dev_wallet(self.account)),
            Some(k) => {
                let b: B256 = k.parse().context("--eth-key is not 32 bytes of hex")?;
                PrivateKeySigner::from_bytes(&b).context("invalid private key")
            }
        }
    }
    fn signer(&self) -> anyhow::Result<L2Signer> {
        Ok(L2Signer::from_ethereum(&self.wallet()?, devnet::CHAIN_ID, &devnet::rollup())?)
    }
}

#[derive(Debug, Subcommand)]
enum KeyCommand {
    /// Derive the L2 key from an Ethereum key's signature and print it (secret!).
    Derive(SignerArgs),
    /// Print the L1 address and L2 public key.
    Show(SignerArgs),
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum SideArg {
    Buy,
    Sell,
}

#[derive(Debug, Subcommand)]
enum OrderCommand {
    /// Sign and submit a limit order.
    Place {
        #[command(flatten)]
        rpc: RpcArgs,
        #[command(flatten)]
        signer: SignerArgs,
        /// Market id (see `pb_markets`).
        #[arg(long)]
        market: u8,
        /// Buy or sell.
        #[arg(long, value_enum)]
        side: SideArg,
        /// Limit price, quantums per lot.
        #[arg(long)]
        price: u32,
        /// Size, lots.
        #[arg(long)]
        size: u64,
        /// Order nonce (unique per account; its slot is nonce mod 65536).
        #[arg(long)]
        nonce: u32,
        /// Post-only.
        #[arg(long)]
        post_only: bool,
        /// Immediate or cancel.
        #[arg(long)]
        ioc: bool,
        /// Reduce-only.
        #[arg(long)]
        reduce_only: bool,
        /// Seconds until expiry.
        #[arg(long, default_value_t = 86_400)]
        ttl: u64,
    },
    /// Sign and submit a cancel.
    Cancel {
        #[command(flatten)]
        rpc: RpcArgs,
        #[command(flatten)]
        signer: SignerArgs,
        /// Nonce of the order to cancel.
        #[arg(long)]
        order_nonce: u32,
    },
}

#[derive(Debug, Args)]
struct LoadArgs {
    /// Node URL (ws:// or http://, WebSocket is used).
    #[arg(long, default_value = "ws://127.0.0.1:8545")]
    rpc: String,
    /// Dev accounts to trade with, one connection each.
    #[arg(long, default_value_t = 32)]
    accounts: u32,
    /// Requests in total.
    #[arg(long, default_value_t = 20_000)]
    orders: u64,
    /// Markets to trade, comma-separated ids.
    #[arg(long, value_delimiter = ',', default_value = "1,2")]
    markets: Vec<u8>,
    /// First order nonce (default: derived from the node's sequence number).
    #[arg(long)]
    nonce_base: Option<u32>,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Requests outstanding per account (pipelined on its connection).
    #[arg(long, default_value_t = 1)]
    inflight: usize,
}

fn config() -> anyhow::Result<Config> {
    Ok(devnet::genesis(0)?.config)
}

fn demo() -> anyhow::Result<()> {
    let outcome = proofbook_sequencer::demo::run(|_, step| {
        let result = match &step.result {
            Ok(r) => match &r.op {
                PubOp::ForcedWithdrawal(f) if f.status != ForcedWithdrawalStatus::Honoured => {
                    format!("processed as rejected ({:?})", f.status)
                }
                _ => "ok".to_string(),
            },
            Err(e) => format!("rejected: {e}"),
        };
        println!(
            "batch {:>2}  {:<58} {}  {}",
            step.batch,
            step.label,
            digest_hex(&step.root),
            result
        );
    })?;
    println!("final state root   {}", digest_hex(&outcome.final_root));
    println!("rebuilt from pubdata {}", digest_hex(&outcome.rebuilt_root));
    anyhow::ensure!(
        outcome.final_root == outcome.rebuilt_root,
        "rebuild from public data disagrees"
    );
    println!(
        "{} batches, {} public-data bytes, total collateral {} = deposits {} − withdrawals {}",
        outcome.batches.len(),
        outcome.batches.iter().map(|b| b.pubdata.len()).sum::<usize>(),
        outcome.total_collateral,
        outcome.deposits,
        outcome.withdrawals
    );
    Ok(())
}

fn http_url(u: &str) -> String {
    u.replacen("ws://", "http://", 1)
}

fn print_json<T: serde::Serialize>(v: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

async fn run(cmd: Command) -> anyhow::Result<()> {
    match cmd {
        Command::Demo => demo()?,
        Command::Node(a) => {
            let mut cfg = proofbook_sequencer::node::NodeConfig::new(a.datadir, a.rpc_addr);
            cfg.batch_ms = a.batch.batch_ms;
            cfg.batch_txs = a.batch.batch_txs;
            cfg.checkpoint_every = a.batch.checkpoint_every;
            cfg.dev_accounts = a.dev.dev_accounts;
            cfg.oracle_ms = a.dev.oracle_ms;
            cfg.funding_ms = a.dev.funding_ms;
            cfg.metrics_addr = a.metrics_addr;
            cfg.rpc = RpcLimits {
                max_request_bytes: a.limits.max_request_bytes,
                rate_per_sec: a.limits.rate_limit,
                burst: a.limits.rate_burst,
                max_connections: a.limits.max_connections,
                ..RpcLimits::default()
            };
            let node = proofbook_sequencer::node::Node::start(cfg).await?;
            println!("listening on {}", node.rpc_addr);
            tokio::select! {
                r = tokio::signal::ctrl_c() => r?,
                () = node.stopped() => {}
            }
            node.stop().await;
        }
        Command::Key(KeyCommand::Derive(s)) => {
            let w = s.wallet()?;
            let sk = proofbook_circuits::keys::derive_l2_key_with_signer(
                &w,
                devnet::CHAIN_ID,
                &devnet::rollup(),
            )?;
            println!("l1_address {}", w.address());
            println!("l2_secret  0x{}", hex::encode(sk.to_bytes()));
            println!("l2_pubkey  {:?}", L2Signer::new(sk).pubkey());
        }
        Command::Key(KeyCommand::Show(s)) => {
            println!("l1_address {}", s.wallet()?.address());
            println!("l2_pubkey  {:?}", s.signer()?.pubkey());
        }
        Command::Order(OrderCommand::Place {
            rpc,
            signer,
            market,
            side,
            price,
            size,
            nonce,
            post_only,
            ioc,
            reduce_only,
            ttl,
        }) => {
            let client = HttpClientBuilder::default().build(http_url(&rpc.rpc))?;
            let now = client.status(None).await?.timestamp;
            let order = Order {
                account_id: signer.account,
                market_id: market,
                side: match side {
                    SideArg::Buy => Side::Buy,
                    SideArg::Sell => Side::Sell,
                },
                price,
                size,
                nonce,
                expiry: now + ttl,
                flags: OrderFlags { post_only, reduce_only, ioc },
                max_fee_ppm: 1_000,
            };
            let so = signer.signer()?.sign_order(&config()?, order);
            print_json(&client.submit_order(so).await?)?;
        }
        Command::Order(OrderCommand::Cancel { rpc, signer, order_nonce }) => {
            let client = HttpClientBuilder::default().build(http_url(&rpc.rpc))?;
            let nonce = client.account(signer.account).await?.nonce;
            let c = signer.signer()?.cancel(&config()?, signer.account, order_nonce, nonce);
            print_json(&client.cancel_order(c).await?)?;
        }
        Command::Account { rpc, account } => {
            let client = HttpClientBuilder::default().build(http_url(&rpc.rpc))?;
            print_json(&client.account(account).await?)?;
        }
        Command::Load(a) => {
            let cfg = proofbook_sequencer::load::LoadConfig {
                url: a.rpc.replacen("http://", "ws://", 1),
                accounts: a.accounts,
                orders: a.orders,
                markets: a.markets,
                nonce_base: a.nonce_base,
                seed: a.seed,
                inflight: a.inflight,
            };
            let report = proofbook_sequencer::load::run(&cfg).await?;
            for (e, n) in &report.errors {
                eprintln!("{n:>8}  {e}");
            }
            println!("{}", report.summary());
        }
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(run(cli.command))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_parses() {
        let cli = Cli::try_parse_from(["proofbook", "demo"]).unwrap();
        assert!(matches!(cli.command, Command::Demo));
        assert!(Cli::try_parse_from(["proofbook"]).is_err());
        let cli = Cli::try_parse_from([
            "proofbook",
            "node",
            "--datadir",
            "/tmp/x",
            "--rpc-addr",
            "127.0.0.1:0",
            "--batch-ms",
            "50",
            "--batch-txs",
            "10",
        ])
        .unwrap();
        assert!(matches!(cli.command, Command::Node(ref a) if a.batch.batch_ms == 50));
        let cli = Cli::try_parse_from([
            "proofbook",
            "load",
            "--rpc",
            "ws://x",
            "--accounts",
            "4",
            "--orders",
            "100",
        ])
        .unwrap();
        assert!(matches!(cli.command, Command::Load(ref a) if a.orders == 100));
        assert!(Cli::try_parse_from(["proofbook", "order", "place", "--account", "1"]).is_err());
    }
}

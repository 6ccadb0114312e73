//! The node: storage, replay, the sequencing thread, the log writer, the batcher, the
//! simulated oracle and the RPC server, wired together.
//!
//! ```text
//!  RPC handlers ──verify signature (rayon)──► sequencing thread ──► log writer ──fsync──► ack
//!                                              (Core: state+books)   (group commit)      + events
//!                                                     │ sealed batches
//!                                                     ▼
//!                                                  batcher ──witness, root──► RocksDB
//! ```
//!
//! Start-up replays the whole log through a fresh [`Core`]: the result is exactly the state
//! and books the node had acknowledged (the log is written in processing order, and only
//! accepted inputs are written).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use parking_lot::RwLock;
use proofbook_circuits::hash::fe;
use proofbook_circuits::schnorr::{verify, PublicKey};
use proofbook_circuits::state::{Config, Genesis, GenesisError, State};
use proofbook_circuits::tx::Receipt;
use tokio::sync::oneshot;

use crate::adapter::{OrderInfo, Placed, Reject};
use crate::batcher::{Batcher, BatcherError};
use crate::core::{Core, Input, Outcome};
use crate::events::{BookTop, Event, Events};
use crate::oracle::SimOracle;
use crate::storage::{StorageError, Store, WalWriter};

/// Node settings.
#[derive(Clone, Debug)]
pub struct NodeConfig {
    /// Data directory (RocksDB).
    pub datadir: PathBuf,
    /// RPC listen address (HTTP and WebSocket on one port).
    pub rpc_addr: SocketAddr,
    /// Seal a batch after this many milliseconds (if it holds transactions).
    pub batch_ms: u64,
    /// Seal a batch once it holds this many transactions.
    pub batch_txs: usize,
    /// Dev accounts funded at genesis.
    pub dev_accounts: u32,
    /// Oracle update period, milliseconds (0 = no simulated oracle after genesis).
    pub oracle_ms: u64,
    /// RPC limits.
    pub rpc: crate::rpc::RpcLimits,
}

impl NodeConfig {
    /// Defaults for a data directory and an address.
    pub fn new(datadir: impl Into<PathBuf>, rpc_addr: SocketAddr) -> Self {
        Self {
            datadir: datadir.into(),
            rpc_addr,
            batch_ms: 1_000,
            batch_txs: 4_096,
            dev_accounts: 64,
            oracle_ms: 1_000,
            rpc: crate::rpc::RpcLimits::default(),
        }
    }
}

/// Why the node could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The stored genesis is invalid.
    #[error("genesis: {0}")]
    Genesis(#[from] GenesisError),
    /// A dev key could not be derived.
    #[error("key: {0}")]
    Key(#[from] proofbook_circuits::keys::KeyError),
    /// A logged input no longer applies: the log and the code disagree.
    #[error("replay diverged at sequence {seq}: {reason}")]
    Replay {
        /// Sequence number.
        seq: u64,
        /// Why.
        reason: String,
    },
    /// The batcher failed.
    #[error(transparent)]
    Batcher(#[from] BatcherError),
    /// The RPC server could not start.
    #[error("rpc server: {0}")]
    Rpc(String),
}

/// Why an input was not acknowledged.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// The account does not exist or has no key.
    #[error("account {0} does not exist or has no key")]
    UnknownAccount(u32),
    /// The signature does not verify under the account's key.
    #[error("bad signature")]
    BadSignature,
    /// The sequencer refused it; nothing changed.
    #[error(transparent)]
    Rejected(#[from] Reject),
    /// Logging failed: not acknowledged (and not durable).
    #[error("storage: {0}")]
    Storage(String),
    /// The node is shutting down.
    #[error("the node is stopping")]
    Stopped,
}

/// An acknowledged input.
#[derive(Clone, Debug)]
pub enum Ack {
    /// An order.
    Order {
        /// Log sequence number.
        seq: u64,
        /// What happened.
        placed: Placed,
    },
    /// A cancel.
    Cancel {
        /// Log sequence number.
        seq: u64,
        /// The order, if it was resting.
        order: Option<OrderInfo>,
    },
    /// A deposit, withdrawal or oracle update.
    Applied {
        /// Log sequence number.
        seq: u64,
        /// The spec receipt.
        receipt: Receipt,
    },
}

type Reply = oneshot::Sender<Result<Ack, SubmitError>>;
/// A read of the core, run on the sequencing thread.
pub type ReadFn = Box<dyn FnOnce(&Core) + Send>;

enum Command {
    Submit(Input, Option<Reply>),
    Read(ReadFn),
    Shutdown,
}

/// What RPC handlers share.
#[derive(Debug)]
pub struct Shared {
    cmd: mpsc::Sender<Command>,
    keys: RwLock<HashMap<u32, [u64; 5]>>,
    genesis: Genesis,
    /// Storage (batches, witnesses).
    pub store: Arc<Store>,
    /// The event bus.
    pub events: Events,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Submit(..) => "Submit",
            Self::Read(_) => "Read",
            Self::Shutdown => "Shutdown",
        })
    }
}

impl Shared {
    /// The deployment config.
    pub const fn config(&self) -> &Config {
        &self.genesis.config
    }

    /// The genesis.
    pub const fn genesis(&self) -> &Genesis {
        &self.genesis
    }

    fn key(&self, account: u32) -> Result<PublicKey, SubmitError> {
        let k =
            self.keys.read().get(&account).copied().ok_or(SubmitError::UnknownAccount(account))?;
        PublicKey::from_elements(k.map(fe)).map_err(|_| SubmitError::UnknownAccount(account))
    }

    /// Admission: verifies the input's signature under its account's key (CPU-heavy: call
    /// it off the async runtime).
    pub fn verify(&self, input: &Input) -> Result<(), SubmitError> {
        let c = self.config();
        let (account, msg, sig) = match input {
            Input::Order(so) => {
                let sig = so.signature.ok_or(SubmitError::BadSignature)?;
                (so.order.account_id, so.order.hash(c), sig)
            }
            Input::Cancel(x) => (x.account_id, x.message(c), x.signature),
            Input::Withdraw(x) => (x.account_id, x.message(c), x.signature),
            // Only the node itself produces these.
            Input::Deposit(_) | Input::Oracle(_) | Input::Tick { .. } => {
                return Err(SubmitError::BadSignature)
            }
        };
        let pk = self.key(account)?;
        verify(&pk, &msg.elements, &sig).map_err(|_| SubmitError::BadSignature)
    }

    /// Verifies on the rayon pool, then sequences and waits for the durable acknowledgement.
    pub async fn submit(self: &Arc<Self>, input: Input) -> Result<Ack, SubmitError> {
        let (vtx, vrx) = oneshot::channel();
        let me = Arc::clone(self);
        rayon::spawn(move || {
            let r = me.verify(&input).map(|()| input);
            let _ = vtx.send(r);
        });
        let input = vrx.await.map_err(|_| SubmitError::Stopped)??;
        self.sequence(input).await
    }

    /// Sequences an input already verified.
    pub(crate) async fn sequence(&self, input: Input) -> Result<Ack, SubmitError> {
        let (tx, rx) = oneshot::channel();
        self.cmd.send(Command::Submit(input, Some(tx))).map_err(|_| SubmitError::Stopped)?;
        rx.await.map_err(|_| SubmitError::Stopped)?
    }

    /// Runs `f` on the core, on the sequencing thread (a consistent view).
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Core) -> T + Send + 'static,
    ) -> Result<T, SubmitError> {
        let (tx, rx) = oneshot::channel();
        let job: ReadFn = Box::new(move |core| {
            let _ = tx.send(f(core));
        });
        self.cmd.send(Command::Read(job)).map_err(|_| SubmitError::Stopped)?;
        rx.await.map_err(|_| SubmitError::Stopped)
    }
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The inputs a fresh devnet starts with: dev deposits, the first tick, first prices.
fn genesis_inputs(genesis: &Genesis, dev_accounts: u32) -> Result<Vec<Input>, NodeError> {
    let mut v: Vec<Input> =
        crate::devnet::dev_deposits(dev_accounts)?.into_iter().map(Input::Deposit).collect();
    let t = genesis.timestamp + 1;
    v.push(Input::Tick { timestamp: t });
    let oracle = SimOracle::new(crate::devnet::oracle_signer()?, 0);
    v.extend(
        oracle.updates(&genesis.config, genesis.markets.iter(), t).into_iter().map(Input::Oracle),
    );
    Ok(v)
}

/// Opens a data directory: its genesis (creating a devnet genesis and its first inputs if
/// the log is empty) and the store.
pub fn open_datadir(dir: &Path, dev_accounts: u32) -> Result<(Arc<Store>, Genesis), NodeError> {
    std::fs::create_dir_all(dir).map_err(StorageError::Io)?;
    let store = Arc::new(Store::open(dir)?);
    let genesis = match store.meta::<Genesis>("genesis")? {
        Some(g) => g,
        None => {
            let g = crate::devnet::genesis(unix_now())?;
            store.put_meta("genesis", &g)?;
            g
        }
    };
    if store.log_len()? == 0 {
        let mut core = Core::new(genesis.clone())?;
        let mut records = Vec::new();
        for input in genesis_inputs(&genesis, dev_accounts)? {
            let (seq, _) = core
                .process(&input)
                .map_err(|e| NodeError::Replay { seq: core.next_seq(), reason: e.to_string() })?;
            records.push((seq, input));
        }
        store.append(&records)?;
    }
    Ok((store, genesis))
}

/// Replays the whole log of `store` into a fresh core; sealed batches go to `on_batch`.
pub fn replay(
    store: &Store,
    genesis: &Genesis,
    mut on_batch: impl FnMut(crate::core::SealedBatch),
) -> Result<Core, NodeError> {
    let mut core = Core::new(genesis.clone())?;
    for (seq, input) in store.log_from::<Input>(0)? {
        let (s, outcome) =
            core.process(&input).map_err(|e| NodeError::Replay { seq, reason: e.to_string() })?;
        debug_assert_eq!(s, seq);
        if let Outcome::Tick(Some(b)) = outcome {
            on_batch(b);
        }
    }
    Ok(core)
}

/// A running node.
#[derive(Debug)]
pub struct Node {
    /// Shared with the RPC handlers.
    pub shared: Arc<Shared>,
    /// The RPC server's bound address.
    pub rpc_addr: SocketAddr,
    server: jsonrpsee::server::ServerHandle,
    sequencer: Option<JoinHandle<()>>,
}

impl Node {
    /// Opens the data directory, replays the log and starts serving.
    pub async fn start(cfg: NodeConfig) -> Result<Self, NodeError> {
        let (store, genesis) = open_datadir(&cfg.datadir, cfg.dev_accounts)?;
        let events = Events::new();
        let batcher =
            Batcher::start(Arc::clone(&store), &State::genesis(&genesis)?, events.clone());
        let t = Instant::now();
        let core = replay(&store, &genesis, |b| batcher.push(b))?;
        tracing::info!(
            records = core.next_seq(),
            resting = core.matcher().resting_count(),
            elapsed_ms = t.elapsed().as_millis() as u64,
            "replayed the log"
        );
        let keys: HashMap<u32, [u64; 5]> = core
            .state()
            .accounts()
            .filter(|(_, a)| a.has_key())
            .map(|(id, a)| (id, a.pubkey))
            .collect();
        let (cmd, rx) = mpsc::channel();
        let shared = Arc::new(Shared {
            cmd,
            keys: RwLock::new(keys),
            genesis: genesis.clone(),
            store: Arc::clone(&store),
            events: events.clone(),
        });
        let writer = WalWriter::start(Arc::clone(&store));
        let oracle = SimOracle::new(crate::devnet::oracle_signer()?, unix_now());
        let seq_shared = Arc::clone(&shared);
        let timing = Timing {
            batch: Duration::from_millis(cfg.batch_ms.max(1)),
            batch_txs: cfg.batch_txs.max(1),
            oracle: (cfg.oracle_ms > 0).then(|| Duration::from_millis(cfg.oracle_ms)),
        };
        let sequencer = std::thread::Builder::new()
            .name("sequencer".into())
            .spawn(move || {
                Sequencer { core, writer, batcher, oracle, shared: seq_shared, events, timing }
                    .run(rx)
            })
            .expect("spawning a thread");
        let (server, rpc_addr) = crate::rpc::serve(cfg.rpc_addr, &cfg.rpc, Arc::clone(&shared))
            .await
            .map_err(|e| NodeError::Rpc(e.to_string()))?;
        tracing::info!(%rpc_addr, "serving JSON-RPC over HTTP and WebSocket");
        Ok(Self { shared, rpc_addr, server, sequencer: Some(sequencer) })
    }

    /// Stops serving, flushes the log and the batcher.
    pub async fn stop(mut self) {
        let _ = self.server.stop();
        self.server.clone().stopped().await;
        let _ = self.shared.cmd.send(Command::Shutdown);
        if let Some(h) = self.sequencer.take() {
            let _ = tokio::task::spawn_blocking(move || h.join()).await;
        }
    }

    /// Resolves when the RPC server stops.
    pub async fn stopped(&self) {
        self.server.clone().stopped().await;
    }
}

struct Timing {
    batch: Duration,
    batch_txs: usize,
    oracle: Option<Duration>,
}

struct Sequencer {
    core: Core,
    writer: WalWriter,
    batcher: Batcher,
    oracle: SimOracle,
    shared: Arc<Shared>,
    events: Events,
    timing: Timing,
}

impl Sequencer {
    fn run(mut self, rx: mpsc::Receiver<Command>) {
        let mut last_seal = Instant::now();
        let mut last_oracle = Instant::now();
        loop {
            let now = Instant::now();
            let mut wait = self.timing.batch.saturating_sub(now - last_seal);
            if let Some(p) = self.timing.oracle {
                wait = wait.min(p.saturating_sub(now - last_oracle));
            }
            match rx.recv_timeout(wait.max(Duration::from_millis(1))) {
                Ok(Command::Submit(input, reply)) => self.submit(input, reply),
                Ok(Command::Read(f)) => f(&self.core),
                Ok(Command::Shutdown) | Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {}
            }
            let pending = self.core.pending_txs();
            if pending >= self.timing.batch_txs
                || (pending > 0 && last_seal.elapsed() >= self.timing.batch)
            {
                self.tick();
                last_seal = Instant::now();
            } else if pending == 0 && last_seal.elapsed() >= self.timing.batch {
                last_seal = Instant::now();
            }
            if let Some(p) = self.timing.oracle {
                if last_oracle.elapsed() >= p {
                    self.oracle_update(p);
                    last_oracle = Instant::now();
                }
            }
        }
        self.writer.stop();
        if let Err(e) = self.batcher.stop() {
            tracing::error!(error = %e, "batcher failed");
        }
    }

    fn tick(&mut self) {
        let timestamp = unix_now().max(self.core.state().now());
        self.submit(Input::Tick { timestamp }, None);
    }

    fn oracle_update(&mut self, period: Duration) {
        if unix_now() > self.core.state().now() {
            self.tick();
        }
        let ts = self.core.state().now();
        if self.core.state().markets().all(|m| m.oracle_time >= ts) {
            return;
        }
        self.oracle.step(period.as_secs_f64());
        let updates = self.oracle.updates(self.shared.config(), self.core.state().markets(), ts);
        for u in updates {
            self.submit(Input::Oracle(u), None);
        }
    }

    fn submit(&mut self, input: Input, reply: Option<Reply>) {
        let (seq, outcome) = match self.core.process(&input) {
            Ok(x) => x,
            Err(e) => {
                match reply {
                    Some(r) => {
                        let _ = r.send(Err(e.into()));
                    }
                    None => tracing::warn!(error = %e, "internal input refused"),
                }
                return;
            }
        };
        metrics::counter!("inputs_accepted").increment(1);
        let mut events = Vec::new();
        let ack = match outcome {
            Outcome::Order(placed) => {
                let m = placed.info.order.market_id;
                events.extend(placed.fills.iter().cloned().map(Event::Fill));
                events.extend(placed.makers.iter().cloned().map(Event::Order));
                events.push(Event::Order(placed.info.clone()));
                let (best_bid, best_ask) = self.core.matcher().top(m);
                events.push(Event::Book(BookTop { market_id: m, best_bid, best_ask, seq }));
                Ack::Order { seq, placed }
            }
            Outcome::Cancel(order) => {
                if let Some(info) = &order {
                    let m = info.order.market_id;
                    events.push(Event::Order(info.clone()));
                    let (best_bid, best_ask) = self.core.matcher().top(m);
                    events.push(Event::Book(BookTop { market_id: m, best_bid, best_ask, seq }));
                }
                Ack::Cancel { seq, order }
            }
            Outcome::Applied(receipt) => {
                if let Input::Deposit(d) = &input {
                    if let Some(a) = self.core.state().account(d.account_id) {
                        self.shared.keys.write().insert(d.account_id, a.pubkey);
                    }
                }
                Ack::Applied { seq, receipt }
            }
            Outcome::Tick(sealed) => {
                if let Some(b) = sealed {
                    self.batcher.push(b);
                }
                Ack::Applied {
                    seq,
                    receipt: Receipt { op: proofbook_circuits::pubdata::PubOp::Noop, payout: None },
                }
            }
        };
        let bus = self.events.clone();
        let done: crate::storage::Completion = Box::new(move |r| match r {
            Ok(()) => {
                if let Some(reply) = reply {
                    let _ = reply.send(Ok(ack));
                }
                for e in events {
                    bus.send(e);
                }
            }
            Err(e) => {
                if let Some(reply) = reply {
                    let _ = reply.send(Err(SubmitError::Storage(e.to_string())));
                }
            }
        });
        if let Err(e) = self.writer.append(seq, &input, Some(done)) {
            tracing::error!(error = %e, "cannot log an accepted input; stopping");
            std::process::abort();
        }
    }
}

//! The node: storage, replay, the sequencing thread, the log writer, the batcher, the
//! simulated oracle, the risk engine's schedule, metrics and the RPC server, wired together.
//!
//! ```text
//!  RPC handlers ──admit: verify signature (rayon, all cores)──► sequencing thread ──► log writer ──fsync──► ack
//!                                                  (Core: engine = state + books)      (group commit)     + events
//!                                                         │ sealed batches
//!                                                         ▼
//!                                                      batcher ──witness, root──► RocksDB
//! ```
//!
//! The sequencing thread also runs the node's schedule, each step an ordinary logged input:
//! a `Tick` every `--batch-ms` (or once `--batch-txs` transactions are pending) seals the
//! batch; the simulated oracle's signed prices every `--oracle-ms`; a `Funding` round every
//! `--funding-ms`; and a `Liquidations` run after every price update and funding round. Only
//! *when* these run depends on the wall clock; *what* they do depends on the logged inputs
//! alone, so replay is exact.
//!
//! Start-up restores the newest usable checkpoint (state, books, order statuses; taken at a
//! batch boundary every `--checkpoint-every` records, written once the log covers it) and
//! replays the log's tail after it, or the whole log through a fresh [`Core`] (signatures
//! verified in parallel, chunk by chunk): the result is exactly the state and books the node
//! had acknowledged (the log is written in processing order, and only accepted inputs are
//! written).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use parking_lot::RwLock;
use proofbook_circuits::state::{Config, Genesis, GenesisError, State};
use proofbook_circuits::tx::Payout;
use rayon::prelude::*;
use tokio::sync::oneshot;

use crate::batcher::{Batcher, BatcherError};
use crate::core::{admit, signer_account, Admitted, Checkpoint, Core, Input};
use crate::engine::{EngineConfig, EngineError, SimulatedOracle};
use crate::events::{BookTop, Event, Events};
use crate::storage::{StorageError, Store, WalWriter};
use crate::telemetry;

/// Node settings.
#[derive(Clone, Debug)]
pub struct NodeConfig {
    /// Data directory (RocksDB).
    pub datadir: PathBuf,
    /// RPC listen address (HTTP and WebSocket on one port).
    pub rpc_addr: SocketAddr,
    /// Prometheus exporter address (`GET /metrics`); `None`: no exporter.
    pub metrics_addr: Option<SocketAddr>,
    /// Seal a batch after this many milliseconds (if it holds transactions).
    pub batch_ms: u64,
    /// Seal a batch once it holds this many transactions.
    pub batch_txs: usize,
    /// Dev accounts funded at genesis.
    pub dev_accounts: u32,
    /// Oracle update period, milliseconds (0 = no simulated oracle after genesis).
    pub oracle_ms: u64,
    /// Funding round period, milliseconds (0 = no funding rounds).
    pub funding_ms: u64,
    /// Take a state checkpoint at the first batch boundary after this many log records since
    /// the last one (0 = never).
    pub checkpoint_every: u64,
    /// RPC limits.
    pub rpc: crate::rpc::RpcLimits,
}

impl NodeConfig {
    /// Defaults for a data directory and an address.
    pub fn new(datadir: impl Into<PathBuf>, rpc_addr: SocketAddr) -> Self {
        Self {
            datadir: datadir.into(),
            rpc_addr,
            metrics_addr: None,
            batch_ms: 1_000,
            batch_txs: 4_096,
            dev_accounts: 64,
            oracle_ms: 1_000,
            funding_ms: 60_000,
            checkpoint_every: 100_000,
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
    /// The Prometheus exporter could not start.
    #[error("metrics exporter: {0}")]
    Metrics(String),
}

/// Why an input was not acknowledged.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// The engine refused it (at admission or in sequence); nothing changed.
    #[error(transparent)]
    Rejected(#[from] EngineError),
    /// Logging failed: not acknowledged (and not durable).
    #[error("storage: {0}")]
    Storage(String),
    /// The node is shutting down.
    #[error("the node is stopping")]
    Stopped,
}

/// An acknowledged input: durable once received.
#[derive(Clone, Debug)]
pub struct Ack {
    /// Log sequence number.
    pub seq: u64,
    /// What the engine did (order statuses, fills, book levels), in order.
    pub events: Vec<crate::engine::Event>,
    /// The L1 payout a withdrawal queued.
    pub payout: Option<Payout>,
}

type Reply = oneshot::Sender<Result<Ack, SubmitError>>;
/// A read of the core, run on the sequencing thread.
pub type ReadFn = Box<dyn FnOnce(&Core) + Send>;

#[allow(clippy::large_enum_variant)] // one per input, moved once; boxing would allocate per input
enum Command {
    Submit(Admitted, Option<Reply>),
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

    /// Admission of a client's input: an order's or cancel's signature verified under its
    /// account's key (CPU-heavy: call it off the async runtime). Withdrawals are verified by
    /// the engine in sequence (they are rare); inputs only the node makes are refused.
    pub fn admit(&self, input: Input) -> Result<Admitted, SubmitError> {
        match &input {
            Input::Order(_) | Input::Cancel(_) | Input::Withdraw(_) => {}
            _ => return Err(EngineError::NotAllowed("only the node makes this input").into()),
        }
        let key = signer_account(&input).and_then(|a| self.keys.read().get(&a).copied());
        Ok(admit(self.config(), key, input)?)
    }

    /// Verifies on the rayon pool (every core), then sequences and waits for the durable
    /// acknowledgement.
    pub async fn submit(self: &Arc<Self>, input: Input) -> Result<Ack, SubmitError> {
        let t = Instant::now();
        let kind = telemetry::input_kind(&input);
        let (vtx, vrx) = oneshot::channel();
        let me = Arc::clone(self);
        rayon::spawn(move || {
            let r = me.admit(input);
            telemetry::admission(t.elapsed());
            let _ = vtx.send(r);
        });
        let admitted = match vrx.await.map_err(|_| SubmitError::Stopped)? {
            Ok(a) => a,
            Err(e) => {
                telemetry::rejected(kind, &e);
                return Err(e);
            }
        };
        let r = self.sequence(admitted).await;
        if r.is_ok() {
            telemetry::acked(kind, t.elapsed());
        }
        r
    }

    /// Sequences an admitted input.
    pub(crate) async fn sequence(&self, input: Admitted) -> Result<Ack, SubmitError> {
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

/// The inputs a fresh devnet starts with: dev and liquidator deposits, the first tick,
/// first prices.
fn genesis_inputs(genesis: &Genesis, dev_accounts: u32) -> Result<Vec<Input>, NodeError> {
    let mut v: Vec<Input> =
        crate::devnet::dev_deposits(dev_accounts)?.into_iter().map(Input::Deposit).collect();
    v.push(Input::Deposit(crate::devnet::liquidator_deposit()?));
    let t = genesis.timestamp + 1;
    v.push(Input::Tick { timestamp: t });
    let state = State::genesis(genesis)?;
    let mut oracle = crate::devnet::oracle(0)?;
    v.extend(oracle.tick(&state, t).into_iter().map(Input::Oracle));
    Ok(v)
}

/// The engine settings of a node (the devnet's).
pub fn engine_config() -> Result<EngineConfig, NodeError> {
    Ok(crate::devnet::engine_config()?)
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
        let mut core = Core::new(genesis.clone(), engine_config()?)?;
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

/// Log records verified in parallel per replay chunk.
const REPLAY_CHUNK: usize = 8_192;

/// Replays `log` (records from sequence `core.next_seq()` on) into `core`; sealed batches go
/// to `on_batch`.
///
/// Signatures are verified again (the log is not trusted to be untampered), in parallel per
/// chunk of records: each order's or cancel's key is the account's key in the state, or the
/// key a deposit earlier in the chunk sets (a key, once set, never changes). An input whose
/// key guess or verification fails goes to the engine unverified, which verifies it against
/// the state — the same outcome as the live path's.
pub fn replay_into(
    core: &mut Core,
    log: Vec<(u64, Input)>,
    mut on_batch: impl FnMut(crate::core::SealedBatch),
) -> Result<(), NodeError> {
    let config = core.genesis().config.clone();
    for chunk in log.chunks(REPLAY_CHUNK) {
        let view: &Core = core;
        let mut keys: HashMap<u32, [u64; 5]> = HashMap::new();
        for (_, input) in chunk {
            if let Input::Deposit(d) = input {
                let known = view.engine().pubkey(d.account_id).filter(|k| *k != [0; 5]);
                keys.entry(d.account_id).or_insert_with(|| known.unwrap_or(d.pubkey));
            }
        }
        let admitted: Vec<Admitted> = chunk
            .par_iter()
            .map(|(_, input)| {
                let plain = || Admitted::Plain(input.clone());
                if !matches!(input, Input::Order(_) | Input::Cancel(_)) {
                    return plain();
                }
                let account = signer_account(input).unwrap_or(u32::MAX);
                let key = keys.get(&account).copied().or_else(|| view.engine().pubkey(account));
                admit(&config, key, input.clone()).unwrap_or_else(|_| plain())
            })
            .collect();
        for ((seq, _), a) in chunk.iter().zip(admitted) {
            if *seq != core.next_seq() {
                return Err(NodeError::Replay {
                    seq: *seq,
                    reason: format!("expected sequence {}", core.next_seq()),
                });
            }
            let (_, outcome) = core
                .process_admitted(a)
                .map_err(|e| NodeError::Replay { seq: *seq, reason: e.to_string() })?;
            if let Some(b) = outcome.sealed {
                on_batch(b);
            }
        }
    }
    Ok(())
}

/// Replays the whole log of `store` into a fresh core; sealed batches go to `on_batch`.
pub fn replay(
    store: &Store,
    genesis: &Genesis,
    on_batch: impl FnMut(crate::core::SealedBatch),
) -> Result<Core, NodeError> {
    let mut core = Core::new(genesis.clone(), engine_config()?)?;
    replay_into(&mut core, store.log_from::<Input>(0)?, on_batch)?;
    Ok(core)
}

/// The core of the newest checkpoint of `store`, if it is usable: the log covers it, the
/// batches it sealed are stored with their witnesses, and its state root is the last stored
/// batch's. Anything else (a missing, stale or corrupt checkpoint) means a full replay.
pub fn restore_checkpoint(store: &Store, genesis: &Genesis) -> Result<Option<Core>, NodeError> {
    let cp = match store.latest_checkpoint::<Checkpoint>() {
        Ok(Some((_, cp))) => cp,
        Ok(None) => return Ok(None),
        Err(e) => {
            tracing::warn!(error = %e, "unreadable checkpoint: full replay");
            return Ok(None);
        }
    };
    if cp.next_seq > store.log_len()? {
        tracing::warn!(next_seq = cp.next_seq, "checkpoint ahead of the log: full replay");
        return Ok(None);
    }
    let last = match cp.next_batch.checked_sub(1) {
        None => None,
        Some(n) => match store.batch(n)? {
            Some(b) if store.has_witness(n)? => Some(b),
            _ => {
                tracing::info!(batch = n, "checkpoint's batches not all stored: full replay");
                return Ok(None);
            }
        },
    };
    let core = match Core::restore(genesis.clone(), engine_config()?, cp) {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "checkpoint does not restore: full replay");
            return Ok(None);
        }
    };
    if let Some(b) = last {
        let root = proofbook_circuits::hash::digest_hex(&core.state().state_root());
        if root != b.state_root {
            tracing::warn!(
                batch = b.number,
                "checkpoint root differs from the batch's: full replay"
            );
            return Ok(None);
        }
    }
    Ok(Some(core))
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
        if let Some(addr) = cfg.metrics_addr {
            telemetry::install(addr).map_err(|e| NodeError::Metrics(e.to_string()))?;
        }
        let (store, genesis) = open_datadir(&cfg.datadir, cfg.dev_accounts)?;
        let events = Events::new();
        let t = Instant::now();
        let restored = restore_checkpoint(&store, &genesis)?;
        let from = restored.as_ref().map_or(0, Core::next_seq);
        let base = match &restored {
            Some(c) => c.state().clone(),
            None => State::genesis(&genesis)?,
        };
        let batcher = Batcher::start(Arc::clone(&store), &base, events.clone());
        let mut core = match restored {
            Some(c) => c,
            None => Core::new(genesis.clone(), engine_config()?)?,
        };
        replay_into(&mut core, store.log_from::<Input>(from)?, |b| batcher.push(b))?;
        tracing::info!(
            checkpoint = from,
            records = core.next_seq(),
            resting = core.engine().resting_count(),
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
        let oracle = crate::devnet::oracle(unix_now())?;
        let seq_shared = Arc::clone(&shared);
        let period = |ms: u64| (ms > 0).then(|| Duration::from_millis(ms));
        let timing = Timing {
            checkpoint_every: cfg.checkpoint_every,
            batch: Duration::from_millis(cfg.batch_ms.max(1)),
            batch_txs: cfg.batch_txs.max(1),
            oracle: period(cfg.oracle_ms),
            funding: period(cfg.funding_ms),
        };
        let sequencer = std::thread::Builder::new()
            .name("sequencer".into())
            .spawn(move || {
                let last_checkpoint = core.next_seq();
                Sequencer {
                    core,
                    writer,
                    batcher,
                    oracle,
                    shared: seq_shared,
                    events,
                    timing,
                    last_checkpoint,
                }
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
    checkpoint_every: u64,
    batch: Duration,
    batch_txs: usize,
    oracle: Option<Duration>,
    funding: Option<Duration>,
}

struct Sequencer {
    core: Core,
    writer: WalWriter,
    batcher: Batcher,
    oracle: SimulatedOracle,
    shared: Arc<Shared>,
    events: Events,
    timing: Timing,
    last_checkpoint: u64,
}

/// How often the sequencing thread refreshes its gauges (book depth, open orders).
const GAUGE_PERIOD: Duration = Duration::from_secs(1);

impl Sequencer {
    fn run(mut self, rx: mpsc::Receiver<Command>) {
        let mut last_seal = Instant::now();
        let mut last_oracle = Instant::now();
        let mut last_funding = Instant::now();
        let mut last_gauges = Instant::now();
        loop {
            let now = Instant::now();
            let mut wait = self.timing.batch.saturating_sub(now - last_seal);
            if let Some(p) = self.timing.oracle {
                wait = wait.min(p.saturating_sub(now - last_oracle));
            }
            if let Some(p) = self.timing.funding {
                wait = wait.min(p.saturating_sub(now - last_funding));
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
                    self.oracle_update();
                    last_oracle = Instant::now();
                }
            }
            if let Some(p) = self.timing.funding {
                if last_funding.elapsed() >= p {
                    self.funding_round();
                    last_funding = Instant::now();
                }
            }
            if last_gauges.elapsed() >= GAUGE_PERIOD {
                telemetry::book_gauges(&self.core);
                last_gauges = Instant::now();
            }
        }
        self.writer.stop();
        if let Err(e) = self.batcher.stop() {
            tracing::error!(error = %e, "batcher failed");
        }
    }

    fn internal(&mut self, input: Input) {
        self.submit(Admitted::Plain(input), None);
    }

    fn tick(&mut self) {
        let timestamp = unix_now().max(self.core.state().now());
        self.internal(Input::Tick { timestamp });
        let every = self.timing.checkpoint_every;
        if every > 0
            && self.core.pending_txs() == 0
            && self.core.next_seq() >= self.last_checkpoint + every
        {
            self.checkpoint();
        }
    }

    /// Takes a checkpoint (between batches) and stores it once the log covers it, on a
    /// thread of its own (encoding it is not the sequencing thread's work).
    fn checkpoint(&mut self) {
        let cp = match self.core.checkpoint() {
            Ok(cp) => cp,
            Err(e) => {
                tracing::warn!(error = %e, "no checkpoint");
                return;
            }
        };
        self.last_checkpoint = cp.next_seq;
        let store = Arc::clone(&self.shared.store);
        let write = move || {
            let t = Instant::now();
            match store.put_checkpoint(cp.next_seq, &cp) {
                Ok(()) => tracing::info!(
                    next_seq = cp.next_seq,
                    elapsed_ms = t.elapsed().as_millis() as u64,
                    "checkpoint stored"
                ),
                Err(e) => tracing::warn!(error = %e, "checkpoint not stored"),
            }
        };
        let done: crate::storage::Completion = Box::new(move |r| {
            if r.is_ok() {
                let _ = std::thread::Builder::new().name("checkpoint".into()).spawn(write);
            }
        });
        if let Err(e) = self.writer.after_durable(done) {
            tracing::warn!(error = %e, "no checkpoint");
        }
    }

    /// Moves the clock to the wall clock's second (sealing the open batch) if it is behind.
    fn catch_up_clock(&mut self) {
        if unix_now() > self.core.state().now() {
            self.tick();
        }
    }

    /// Signed prices from the simulated oracle, then the liquidation monitor.
    fn oracle_update(&mut self) {
        self.catch_up_clock();
        let ts = self.core.state().now();
        let updates = self.oracle.tick(self.core.state(), ts);
        if updates.is_empty() {
            return;
        }
        for u in updates {
            self.internal(Input::Oracle(u));
        }
        self.internal(Input::Liquidations);
    }

    /// A funding round, then the liquidation monitor.
    fn funding_round(&mut self) {
        self.catch_up_clock();
        self.internal(Input::Funding);
        self.internal(Input::Liquidations);
    }

    fn submit(&mut self, admitted: Admitted, reply: Option<Reply>) {
        let input = admitted.input();
        let t = Instant::now();
        let result = self.core.process_admitted(admitted);
        telemetry::engine(telemetry::input_kind(&input), t.elapsed());
        let (seq, outcome) = match result {
            Ok(x) => x,
            Err(e) => {
                match reply {
                    Some(r) => {
                        let e = SubmitError::from(e);
                        telemetry::rejected(telemetry::input_kind(&input), &e);
                        let _ = r.send(Err(e));
                    }
                    None => tracing::warn!(error = %e, ?input, "internal input refused"),
                }
                return;
            }
        };
        let mut bus = Vec::new();
        if self.events.active() {
            let mut markets: Vec<u8> = Vec::new();
            for e in &outcome.events {
                match e {
                    crate::engine::Event::Fill(f) => bus.push(Event::Fill(f.clone())),
                    crate::engine::Event::Order(o) => bus.push(Event::Order(o.clone())),
                    crate::engine::Event::Book { market_id, .. } => markets.push(*market_id),
                    _ => {}
                }
            }
            markets.sort_unstable();
            markets.dedup();
            for market_id in markets {
                let (best_bid, best_ask) = self.core.engine().top(market_id);
                bus.push(Event::Book(BookTop { market_id, best_bid, best_ask, seq }));
            }
        }
        if let Input::Deposit(d) = &input {
            if let Some(a) = self.core.state().account(d.account_id) {
                self.shared.keys.write().insert(d.account_id, a.pubkey);
            }
        }
        if let Some(b) = outcome.sealed {
            telemetry::batch_sealed(b.tx_count);
            self.batcher.push(b);
        }
        let ack = Ack { seq, events: outcome.events, payout: outcome.payout };
        let events = self.events.clone();
        let done: crate::storage::Completion = Box::new(move |r| match r {
            Ok(()) => {
                if let Some(reply) = reply {
                    let _ = reply.send(Ok(ack));
                }
                for e in bus {
                    events.send(e);
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

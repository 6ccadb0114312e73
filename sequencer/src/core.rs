//! The deterministic sequencing core: the matching and risk engine ([`crate::engine`]) and
//! the open batch, advanced by one logged [`Input`] at a time.
//!
//! The log order is the processing order, and [`Core::process`] depends on nothing but the
//! engine's state and the input (no clock, no randomness: time enters only through `Tick`
//! inputs, prices only through signed oracle inputs, and the risk engine's own work —
//! funding ticks and the liquidation monitor — only through `Funding` and `Liquidations`
//! inputs that the node logs when its schedule runs them). Replaying a log therefore
//! reproduces the same states, books and batches; `tests/determinism.rs` checks it.
//!
//! Signatures are verified once, at admission ([`admit`], on any thread): the core takes
//! an [`Admitted`] input carrying the engine's [`VerifiedOrder`] / [`CheckedTx`], so the
//! spec does not verify again on the sequential path. [`Core::process`] of a plain input
//! verifies on the spot (the engine's own `submit`), with the same outcome.

use std::collections::VecDeque;

use proofbook_circuits::error::TxError;
use proofbook_circuits::order::SignedOrder;
use proofbook_circuits::pubdata::{encode_batch, DepositOp, PubOp};
use proofbook_circuits::rebuild::BatchData;
use proofbook_circuits::state::{Config, Genesis, GenesisError, State, TxWrites};
use proofbook_circuits::tx::{CancelOrder, OraclePrices, Payout, Tx, Withdraw};
use serde::{Deserialize, Serialize};

use crate::engine::{
    verify_cancel, verify_order, CheckedTx, Engine, EngineConfig, EngineError, EngineSnapshot,
    Event, Fill, VerifiedOrder,
};

/// Fills remembered per market for `pb_recentTrades`.
pub const RECENT_TRADES: usize = 256;

/// One accepted input: what the write-ahead log stores.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Input {
    /// An L1 deposit (from the priority queue; dev deposits at genesis).
    Deposit(DepositOp),
    /// A signed order, verified at admission.
    Order(SignedOrder),
    /// A signed cancel, verified at admission.
    Cancel(CancelOrder),
    /// A signed withdrawal.
    Withdraw(Withdraw),
    /// A signed oracle update.
    Oracle(OraclePrices),
    /// The clock: seals the open batch if it holds transactions, then opens the next one at
    /// `timestamp` (unix seconds, never decreasing).
    Tick {
        /// The new batch timestamp.
        timestamp: u64,
    },
    /// The risk engine's funding round ([`Engine::funding_ticks`]): every perpetual's
    /// funding index advances to the batch time.
    Funding,
    /// The liquidation monitor ([`Engine::run_liquidations`]): accounts below maintenance
    /// margin are liquidated.
    Liquidations,
}

/// An input ready for the core, its signature checked at admission.
#[allow(clippy::large_enum_variant)] // moved once per input; boxing would allocate per input
#[derive(Clone, Debug)]
pub enum Admitted {
    /// A verified order.
    Order(VerifiedOrder),
    /// A verified cancel.
    Cancel(CheckedTx),
    /// Anything else (verified, if signed, by the engine on the sequencing thread).
    Plain(Input),
}

impl Admitted {
    /// The input as the log stores it.
    pub fn input(&self) -> Input {
        match self {
            Self::Order(v) => Input::Order(v.signed().clone()),
            Self::Cancel(c) => match c.tx() {
                Tx::CancelOrder(c) => Input::Cancel(c.clone()),
                // `admit` makes cancels only from `CancelOrder`s.
                other => unreachable!("a checked cancel holds a cancel, not {other:?}"),
            },
            Self::Plain(i) => i.clone(),
        }
    }
}

/// Admission: verifies an order's or a cancel's signature under `key`, the account's L2 key
/// (`None`: the account does not exist). Stateless and CPU-heavy (a Schnorr verification):
/// the node runs it on its verification pool, in parallel, never on the sequencing thread.
/// Other inputs pass unchanged.
pub fn admit(
    config: &Config,
    key: Option<[u64; 5]>,
    input: Input,
) -> Result<Admitted, EngineError> {
    match input {
        Input::Order(so) => {
            let account = so.order.account_id;
            let key = key.ok_or(EngineError::UnknownAccount(account))?;
            verify_order(config, &key, so).map(Admitted::Order)
        }
        Input::Cancel(c) => {
            let key = key.ok_or(EngineError::UnknownAccount(c.account_id))?;
            verify_cancel(config, &key, c).map(Admitted::Cancel)
        }
        other => Ok(Admitted::Plain(other)),
    }
}

/// The account an order or cancel is signed by (whose key [`admit`] needs).
pub const fn signer_account(input: &Input) -> Option<u32> {
    match input {
        Input::Order(so) => Some(so.order.account_id),
        Input::Cancel(c) => Some(c.account_id),
        Input::Withdraw(w) => Some(w.account_id),
        _ => None,
    }
}

/// A batch cut by a `Tick`.
#[derive(Clone, Debug)]
pub struct SealedBatch {
    /// Batch number.
    pub number: u64,
    /// Timestamp and public data, as L1 stores them.
    pub data: BatchData,
    /// Number of transactions.
    pub tx_count: u64,
    /// The leaves each transaction wrote (for the witness).
    pub journal: Vec<TxWrites>,
    /// Sequence number of the sealing tick.
    pub last_seq: u64,
    /// Payouts queued by withdrawals.
    pub payouts: Vec<Payout>,
}

/// What an accepted input did.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// The engine's events, in order.
    pub events: Vec<Event>,
    /// The batch a `Tick` sealed (if the open one held transactions).
    pub sealed: Option<SealedBatch>,
    /// The L1 payout a withdrawal queued.
    pub payout: Option<Payout>,
}

/// Finished orders' statuses a checkpoint keeps.
pub const CHECKPOINT_FINISHED_ORDERS: usize = 1 << 16;

/// The core between batches (right after a `Tick`), as serialisable values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The engine: state, books, order statuses.
    pub engine: EngineSnapshot,
    /// Recent fills of every market, oldest first.
    pub recent: Vec<Fill>,
    /// Number of the open batch.
    pub next_batch: u64,
    /// Sequence number of the next input: the checkpoint is the state after the log's
    /// records `0..next_seq`.
    pub next_seq: u64,
}

/// The sequencing core.
#[derive(Debug)]
pub struct Core {
    genesis: Genesis,
    engine: Engine,
    recent: Vec<VecDeque<Fill>>,
    next_batch: u64,
    next_seq: u64,
}

impl Core {
    /// The core at genesis, with the engine settings `cfg`.
    pub fn new(genesis: Genesis, cfg: EngineConfig) -> Result<Self, GenesisError> {
        let state = State::genesis(&genesis)?;
        Ok(Self {
            genesis,
            engine: Engine::new(state, cfg),
            recent: vec![VecDeque::new(); 256],
            next_batch: 0,
            next_seq: 0,
        })
    }

    /// The genesis.
    pub const fn genesis(&self) -> &Genesis {
        &self.genesis
    }

    /// The live state.
    pub const fn state(&self) -> &State {
        self.engine.state()
    }

    /// The matching and risk engine (books, order statuses, accounts).
    pub const fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Sequence number the next accepted input gets.
    pub const fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Number of the batch being filled.
    pub const fn open_batch(&self) -> u64 {
        self.next_batch
    }

    /// Transactions in the open batch.
    pub fn pending_txs(&self) -> usize {
        self.engine.pending_len()
    }

    /// The last `limit` fills of a market, newest last.
    pub fn recent_trades(&self, market_id: u8, limit: usize) -> Vec<Fill> {
        let t = &self.recent[usize::from(market_id)];
        t.iter().skip(t.len().saturating_sub(limit)).cloned().collect()
    }

    /// A checkpoint of the core; only between batches (no pending transaction). It keeps the
    /// statuses of the last [`CHECKPOINT_FINISHED_ORDERS`] finished orders.
    pub fn checkpoint(&self) -> Result<Checkpoint, EngineError> {
        Ok(Checkpoint {
            engine: self.engine.snapshot(CHECKPOINT_FINISHED_ORDERS)?,
            recent: self.recent.iter().flatten().cloned().collect(),
            next_batch: self.next_batch,
            next_seq: self.next_seq,
        })
    }

    /// The core a checkpoint was taken of (resting orders' signatures verified again).
    pub fn restore(
        genesis: Genesis,
        cfg: EngineConfig,
        cp: Checkpoint,
    ) -> Result<Self, EngineError> {
        let mut recent = vec![VecDeque::new(); 256];
        for f in cp.recent {
            let t: &mut VecDeque<Fill> = &mut recent[usize::from(f.market_id)];
            if t.len() == RECENT_TRADES {
                t.pop_front();
            }
            t.push_back(f);
        }
        Ok(Self {
            genesis,
            engine: Engine::restore(cp.engine, cfg)?,
            recent,
            next_batch: cp.next_batch,
            next_seq: cp.next_seq,
        })
    }

    /// Processes a plain input (signatures verified here). `Ok` means accepted: it gets the
    /// next sequence number and must be logged. `Err` means refused, and nothing changed.
    pub fn process(&mut self, input: &Input) -> Result<(u64, Outcome), EngineError> {
        self.process_admitted(Admitted::Plain(input.clone()))
    }

    /// [`Self::process`] of an input admitted by [`admit`].
    pub fn process_admitted(&mut self, input: Admitted) -> Result<(u64, Outcome), EngineError> {
        let seq = self.next_seq;
        let e = &mut self.engine;
        let mut sealed = None;
        let mut payout = None;
        let events = match input {
            Admitted::Order(v) => e.submit_verified(v)?,
            Admitted::Cancel(c) => e.cancel_checked(c)?,
            Admitted::Plain(input) => match input {
                Input::Order(so) => e.submit(so)?,
                Input::Cancel(c) => e.cancel(c)?,
                Input::Deposit(d) => e.deposit(d)?,
                Input::Withdraw(w) => {
                    let ev = e.apply_tx(Tx::Withdraw(w))?;
                    payout = e.pending().last().and_then(|a| a.receipt.payout.clone());
                    ev
                }
                Input::Oracle(o) => e.apply_tx(Tx::OraclePrices(o))?,
                Input::Funding => e.funding_ticks()?,
                Input::Liquidations => e.run_liquidations()?,
                Input::Tick { timestamp } => {
                    if timestamp < e.state().now() {
                        return Err(TxError::TimeGoesBackwards.into());
                    }
                    if e.pending_len() > 0 {
                        let now = e.state().now();
                        let pending = e.take_pending();
                        let ops: Vec<PubOp> =
                            pending.applied.iter().map(|a| a.receipt.op.clone()).collect();
                        let payouts = pending
                            .applied
                            .iter()
                            .filter_map(|a| a.receipt.payout.clone())
                            .collect();
                        sealed = Some(SealedBatch {
                            number: self.next_batch,
                            data: BatchData { timestamp: now, pubdata: encode_batch(&ops) },
                            tx_count: ops.len() as u64,
                            journal: pending.journal,
                            last_seq: seq,
                            payouts,
                        });
                        self.next_batch += 1;
                    }
                    e.begin_batch(timestamp)?;
                    Vec::new()
                }
            },
        };
        for ev in &events {
            if let Event::Fill(f) = ev {
                let t = &mut self.recent[usize::from(f.market_id)];
                if t.len() == RECENT_TRADES {
                    t.pop_front();
                }
                t.push_back(f.clone());
            }
        }
        self.next_seq += 1;
        Ok((seq, Outcome { events, sealed, payout }))
    }
}

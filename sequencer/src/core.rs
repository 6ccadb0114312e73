//! The deterministic sequencing core: the state, the books and the open batch, advanced by
//! one logged [`Input`] at a time.
//!
//! The log order is the processing order, and [`Core::process`] depends on nothing but the
//! state and the input (no clock, no randomness: time enters only through `Tick` inputs,
//! prices only through signed oracle inputs). Replaying a log therefore reproduces the same
//! states, books and batches; `tests/determinism.rs` checks it.

use proofbook_circuits::order::SignedOrder;
use proofbook_circuits::pubdata::{encode_batch, DepositOp, PubOp};
use proofbook_circuits::rebuild::BatchData;
use proofbook_circuits::state::{Genesis, GenesisError, State, TxWrites};
use proofbook_circuits::tx::{
    apply_checked, precheck_with, CancelOrder, OraclePrices, Payout, Receipt, Tx, Withdraw,
};
use serde::{Deserialize, Serialize};

use crate::adapter::{Matcher, OrderInfo, Placed, Reject};

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
    /// A signed withdrawal, verified at admission.
    Withdraw(Withdraw),
    /// A signed oracle update.
    Oracle(OraclePrices),
    /// The clock: seals the open batch if it holds transactions, then opens the next one at
    /// `timestamp` (unix seconds, never decreasing).
    Tick {
        /// The new batch timestamp.
        timestamp: u64,
    },
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

/// What an input did.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// An order was placed.
    Order(Placed),
    /// A cancel was applied; the order's info if it was resting.
    Cancel(Option<OrderInfo>),
    /// A deposit, withdrawal or oracle update was applied.
    Applied(Receipt),
    /// The clock moved; a batch was sealed if the open one was not empty.
    Tick(Option<SealedBatch>),
}

/// The sequencing core.
#[derive(Debug)]
pub struct Core {
    genesis: Genesis,
    state: State,
    matcher: Matcher,
    ops: Vec<PubOp>,
    payouts: Vec<Payout>,
    next_batch: u64,
    next_seq: u64,
}

/// Signatures reaching the core were verified at admission (see [`crate::adapter`]).
fn admitted(
    _: &[u64; 5],
    _: &proofbook_circuits::hash::Digest,
    _: &proofbook_circuits::schnorr::Signature,
) -> bool {
    true
}

impl Core {
    /// The core at genesis.
    pub fn new(genesis: Genesis) -> Result<Self, GenesisError> {
        let state = State::genesis(&genesis)?;
        Ok(Self {
            genesis,
            state,
            matcher: Matcher::new(),
            ops: Vec::new(),
            payouts: Vec::new(),
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
        &self.state
    }

    /// The books.
    pub const fn matcher(&self) -> &Matcher {
        &self.matcher
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
        self.ops.len()
    }

    /// Processes an input. `Ok` means accepted: it gets the next sequence number and must
    /// be logged. `Err` means refused, and nothing changed.
    pub fn process(&mut self, input: &Input) -> Result<(u64, Outcome), Reject> {
        let seq = self.next_seq;
        let outcome = match input {
            Input::Order(so) => {
                let placed = self.matcher.place(&mut self.state, so.clone(), seq)?;
                for r in &placed.receipts {
                    self.ops.push(r.op.clone());
                }
                Outcome::Order(placed)
            }
            Input::Cancel(c) => {
                let (receipt, info) = self.matcher.cancel(&mut self.state, c)?;
                self.ops.push(receipt.op);
                Outcome::Cancel(info)
            }
            Input::Deposit(d) => Outcome::Applied(self.apply(Tx::Deposit(d.clone()))?),
            Input::Withdraw(w) => Outcome::Applied(self.apply(Tx::Withdraw(w.clone()))?),
            Input::Oracle(o) => Outcome::Applied(self.apply(Tx::OraclePrices(o.clone()))?),
            Input::Tick { timestamp } => {
                if *timestamp < self.state.now() {
                    return Err(proofbook_circuits::error::TxError::TimeGoesBackwards.into());
                }
                let sealed = if self.ops.is_empty() {
                    None
                } else {
                    let ops = std::mem::take(&mut self.ops);
                    let b = SealedBatch {
                        number: self.next_batch,
                        data: BatchData {
                            timestamp: self.state.now(),
                            pubdata: encode_batch(&ops),
                        },
                        tx_count: ops.len() as u64,
                        journal: self.state.take_journal(),
                        last_seq: seq,
                        payouts: std::mem::take(&mut self.payouts),
                    };
                    self.next_batch += 1;
                    Some(b)
                };
                self.state.begin_batch(*timestamp)?;
                Outcome::Tick(sealed)
            }
        };
        self.next_seq += 1;
        Ok((seq, outcome))
    }

    fn apply(&mut self, tx: Tx) -> Result<Receipt, Reject> {
        let checked = precheck_with(&self.state, tx, admitted)?;
        let receipt = apply_checked(&mut self.state, &checked)?;
        self.ops.push(receipt.op.clone());
        if let Some(p) = &receipt.payout {
            self.payouts.push(p.clone());
        }
        Ok(receipt)
    }
}

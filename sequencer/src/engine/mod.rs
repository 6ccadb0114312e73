//! The matching and risk engine: one price-time-priority order book per market over the
//! native spec [`State`], every match applied as the spec's own `Trade` transaction.
//!
//! # API for the node
//!
//! The engine is a deterministic state machine: the same sequence of calls gives the same
//! events, the same pending transactions and the same state root. It is single-threaded
//! (`&mut self`); the expensive, stateless part of admission — hashing an order and
//! verifying its signature — can run on other threads beforehand with [`verify_order`] /
//! [`verify_cancel`] (given the account's key from [`Engine::pubkey`]), and the engine then
//! takes the [`VerifiedOrder`] / [`CheckedTx`].
//!
//! Inputs (each returns the [`Event`]s it caused, or an [`EngineError`] with a stable
//! [`EngineError::code`], in which case nothing changed):
//! - [`Engine::submit`] (signed order; verifies it) / [`Engine::submit_verified`];
//! - [`Engine::cancel`] (signed spec `CancelOrder`) / [`Engine::cancel_checked`];
//! - [`Engine::deposit`], [`Engine::apply_tx`] (oracle prices, withdrawals, transfers,
//!   forced withdrawals, option settlement: any spec transaction but trades and
//!   liquidations, which only the engine forms) / [`Engine::apply_checked_tx`];
//! - [`Engine::begin_batch`]: the batch timestamp (orders expire against it);
//! - [`Engine::funding_ticks`], [`Engine::run_liquidations`]: the risk engine's own
//!   transactions, computed from the state;
//! - [`Engine::apply_input`]: any of the above as one serialisable [`Input`] (what a
//!   write-ahead log stores).
//!
//! Outputs and queries: [`Engine::take_pending`] (applied spec transactions with their
//! receipts and the state journal, for the batcher), [`Engine::order_status`],
//! [`Engine::depth`], [`Engine::account_view`], [`Engine::state`], [`Engine::book`].
//!
//! # Policies
//! - Fill price: the maker's limit. Fees: `maker_fee_ppm` / `taker_fee_ppm` of
//!   [`EngineConfig`]; an order's `max_fee_ppm` must cover the fee it may pay
//!   (post-only: maker fee; IOC: taker fee; otherwise both).
//! - Limit orders match, then rest; IOC orders never rest; post-only orders that would cross
//!   are rejected; reduce-only orders fill at most the position they reduce (at admission
//!   and at every fill) and are cancelled when it is gone.
//! - Expiry: the spec's rule (`now > expiry` is expired); an expired resting order is dropped
//!   when matching reaches it, never filled.
//! - Self-trade prevention ([`SelfTradePolicy`], default: cancel the resting order): the spec
//!   rejects self-trades, so an incoming order never fills against its own account.
//! - Pre-trade margin: before an order matches or rests, the account is evaluated with the
//!   spec's risk code as if the order and the account's other resting orders on the same side
//!   of the market filled completely at their limit prices (the worst case for its value),
//!   fees included; the transition must be one the spec allows
//!   ([`proofbook_circuits::risk::transition_allowed`]), or the order is rejected with
//!   [`EngineError::InsufficientMargin`].
//! - A fill the spec rejects changes nothing: if the reason is the maker's (its margin,
//!   reduce-only, slot), the maker is cancelled and matching goes on; otherwise the incoming
//!   order stops and its rest is cancelled with the reason.

mod book;
mod error;
pub mod fixture;
mod oracle;
mod risk;

use std::collections::VecDeque;

use proofbook_circuits::client::L2Signer;
use proofbook_circuits::error::{Party, TxError};
use proofbook_circuits::order::{Order, OrderFlags, Side, SignedOrder};
use proofbook_circuits::pubdata::DepositOp;
use proofbook_circuits::risk::Markets;
use proofbook_circuits::state::{Config, State, StateSnapshot, TxWrites};
use proofbook_circuits::tx::{apply_checked, precheck, CancelOrder, Receipt, Tx};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use book::{
    crosses, order_key, split_key, BookError, Decision, FxHasher, FxMap, LevelView, OrderBook,
    OrderKey, RestingOrder,
};
pub use error::{tx_error_code, EngineError};
pub use oracle::{SimulatedOracle, SplitMix64, VolSurface};
pub use proofbook_circuits::tx::{CheckedTx, VerifiedOrder};
pub use risk::{AccountView, PositionView};

impl RestingOrder {
    /// The book entry of order `o` with `remaining` lots left (live matching and
    /// checkpoint restore build it alike).
    fn of(key: OrderKey, o: &Order, remaining: u64) -> Self {
        Self {
            key,
            account: o.account_id,
            side: o.side,
            price: o.price,
            remaining,
            expiry: o.expiry,
            reduce_only: o.flags.reduce_only,
        }
    }
}

/// Hashes an order and verifies its signature under `pubkey` (the account's key): the
/// stateless part of admission, safe to run on any thread.
pub fn verify_order(
    config: &Config,
    pubkey: &[u64; 5],
    order: SignedOrder,
) -> Result<VerifiedOrder, EngineError> {
    VerifiedOrder::verify(config, pubkey, order, Party::Taker).map_err(EngineError::from_admission)
}

/// Verifies a signed cancel under `pubkey` (the account's key), on any thread.
pub fn verify_cancel(
    config: &Config,
    pubkey: &[u64; 5],
    cancel: CancelOrder,
) -> Result<CheckedTx, EngineError> {
    CheckedTx::cancel(config, pubkey, cancel).map_err(EngineError::from_admission)
}

/// What to do when an incoming order would match a resting order of the same account.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SelfTradePolicy {
    /// Cancel the resting order and go on matching (Binance's `EXPIRE_MAKER`).
    #[default]
    CancelResting,
    /// Stop matching and cancel the rest of the incoming order (`EXPIRE_TAKER`).
    CancelIncoming,
    /// Cancel both (`EXPIRE_BOTH`).
    CancelBoth,
}

/// The operator's liquidator: an account that takes over positions of accounts below
/// maintenance margin with orders it signs itself.
#[derive(Clone, Debug)]
pub struct Liquidator {
    /// Its account (funded like any other).
    pub account_id: u32,
    /// Its L2 key.
    pub signer: L2Signer,
    /// Order nonce of its first liquidation order; later ones count up.
    pub first_nonce: u32,
}

/// Engine parameters.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// Fee charged to the resting side of a fill, ppm of notional.
    pub maker_fee_ppm: u32,
    /// Fee charged to the incoming side, ppm of notional.
    pub taker_fee_ppm: u32,
    /// Self-trade prevention.
    pub self_trade: SelfTradePolicy,
    /// The backstop liquidator; without one only bankrupt accounts are taken over (by the
    /// insurance fund).
    pub liquidator: Option<Liquidator>,
    /// How many finished orders [`Engine::order_status`] remembers (oldest forgotten first).
    pub finished_orders_kept: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            maker_fee_ppm: 100,
            taker_fee_ppm: 300,
            self_trade: SelfTradePolicy::CancelResting,
            liquidator: None,
            finished_orders_kept: 1 << 20,
        }
    }
}

/// Where an order is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// Resting in the book (possibly partly filled).
    Resting,
    /// Completely filled.
    Filled,
    /// Cancelled (see [`CancelReason`]); partly filled if `filled > 0`.
    Cancelled,
}

/// Why an order left the book, or never rested, unfilled or partly filled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum CancelReason {
    /// A signed cancel (the spec's `CancelOrder`).
    User,
    /// The unfilled rest of an IOC order.
    IocRemainder,
    /// Self-trade prevention.
    SelfTrade,
    /// Its expiry passed.
    Expired,
    /// A reduce-only order's position is closed (or flipped).
    ReduceOnly,
    /// Its account was liquidated.
    Liquidation,
    /// A newer order (or cancel) took its order slot.
    SlotReused,
    /// The spec rejected a fill.
    Rejected {
        /// [`EngineError::code`] of the rejection.
        code: i32,
        /// The spec's message.
        message: String,
    },
}

/// An order's status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderStatus {
    /// Account.
    pub account_id: u32,
    /// Order nonce.
    pub nonce: u32,
    /// Market.
    pub market_id: u8,
    /// Side.
    pub side: Side,
    /// Limit price.
    pub price: u32,
    /// Order size, lots.
    pub size: u64,
    /// Lots filled (including fills before a restart, from the order's slot).
    pub filled: u64,
    /// Lots still resting (0 unless `state` is resting).
    pub remaining: u64,
    /// State.
    pub state: OrderState,
    /// Why it was cancelled.
    pub reason: Option<CancelReason>,
}

impl OrderStatus {
    /// The order's key.
    pub const fn key(&self) -> OrderKey {
        order_key(self.account_id, self.nonce)
    }
}

/// One fill (one spec `Trade`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fill {
    /// Fill number since the engine started, from 1.
    pub seq: u64,
    /// Market.
    pub market_id: u8,
    /// Price (the maker's).
    pub price: u32,
    /// Lots.
    pub size: u64,
    /// The incoming order's side.
    pub taker_side: Side,
    /// Maker account and order nonce.
    pub maker: (u32, u32),
    /// Taker account and order nonce.
    pub taker: (u32, u32),
    /// Maker fee, quantums (rounded down, as the spec charges it).
    pub maker_fee: u64,
    /// Taker fee, quantums.
    pub taker_fee: u64,
}

/// What an input caused, for subscriptions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// An order's status changed (accepted, partly filled, filled, cancelled).
    Order(OrderStatus),
    /// A fill.
    Fill(Fill),
    /// A price level's new aggregate (size 0: the level is gone).
    Book {
        /// Market.
        market_id: u8,
        /// Side of the level.
        side: Side,
        /// The level after the input.
        level: LevelView,
    },
    /// A spec transaction other than a trade was applied.
    Applied {
        /// The transaction's kind (`deposit`, `oracle_prices`, `funding_tick`,
        /// `liquidate`, `cancel_order`, …).
        kind: String,
    },
    /// A liquidation fill.
    Liquidation {
        /// The liquidated account.
        account_id: u32,
        /// Market.
        market_id: u8,
        /// Lots closed.
        size: u64,
        /// Price.
        price: u32,
        /// The liquidator's account (`None`: insurance-fund takeover).
        liquidator: Option<u32>,
    },
}

/// A spec transaction the engine applied, with its receipt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    /// The transaction (trades carry a signature on an order's first fill only).
    pub tx: Tx,
    /// What applying it produced (the public-data record).
    pub receipt: Receipt,
}

/// The transactions applied since the last [`Engine::take_pending`], in order, with the
/// state journal (one entry per transaction) that [`proofbook_circuits::commit`] consumes.
#[derive(Clone, Debug)]
pub struct Pending {
    /// Applied transactions.
    pub applied: Vec<Applied>,
    /// Leaf writes, one entry per applied transaction.
    pub journal: Vec<TxWrites>,
}

/// An order book's best levels.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookDepth {
    /// Market.
    pub market_id: u8,
    /// Bids, best (highest) first.
    pub bids: Vec<LevelView>,
    /// Asks, best (lowest) first.
    pub asks: Vec<LevelView>,
}

/// One input of the engine, as a write-ahead log stores it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "input", rename_all = "snake_case")]
pub enum Input {
    /// [`Engine::begin_batch`].
    BeginBatch {
        /// Batch timestamp, unix seconds.
        timestamp: u64,
    },
    /// [`Engine::submit`].
    Order(SignedOrder),
    /// [`Engine::cancel`].
    Cancel(CancelOrder),
    /// [`Engine::deposit`].
    Deposit(DepositOp),
    /// [`Engine::apply_tx`].
    Tx(Box<Tx>),
    /// [`Engine::funding_ticks`].
    FundingTicks,
    /// [`Engine::run_liquidations`].
    Liquidations,
}

/// A resting order in an [`EngineSnapshot`]: the signed order and its status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotOrder {
    /// The signed order (verified again on restore).
    pub order: SignedOrder,
    /// Its status (`remaining` is what rests).
    pub status: OrderStatus,
}

/// Everything the engine holds between batches, as serialisable values: a checkpoint.
/// [`Engine::restore`] of a snapshot behaves exactly like the engine it was taken of.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineSnapshot {
    /// The spec state.
    pub state: StateSnapshot,
    /// Resting orders, book by book (market order; bids, then asks), in priority order.
    pub resting: Vec<SnapshotOrder>,
    /// Statuses of finished orders, oldest first.
    pub finished: Vec<OrderStatus>,
    /// Fills so far.
    pub fills: u64,
    /// The liquidator's next order nonce.
    pub liq_nonce: u32,
}

/// Open (resting) size of one account in one market, by side, with its notional at the
/// orders' limit prices.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Exposure {
    pub(crate) buy_qty: u64,
    pub(crate) buy_notional: u128,
    pub(crate) sell_qty: u64,
    pub(crate) sell_notional: u128,
}

impl Exposure {
    fn add(&mut self, side: Side, qty: u64, price: u32) {
        let n = u128::from(qty) * u128::from(price);
        match side {
            Side::Buy => {
                self.buy_qty += qty;
                self.buy_notional += n;
            }
            Side::Sell => {
                self.sell_qty += qty;
                self.sell_notional += n;
            }
        }
    }
    fn sub(&mut self, side: Side, qty: u64, price: u32) {
        let n = u128::from(qty) * u128::from(price);
        match side {
            Side::Buy => {
                self.buy_qty -= qty;
                self.buy_notional -= n;
            }
            Side::Sell => {
                self.sell_qty -= qty;
                self.sell_notional -= n;
            }
        }
    }
}

const fn exposure_key(account: u32, market: u8) -> u64 {
    (account as u64) << 8 | market as u64
}

const fn slot_key(account: u32, slot: u16) -> u64 {
    (account as u64) << 16 | slot as u64
}

/// A resting order's verified form.
#[derive(Clone, Debug)]
struct Live {
    verified: VerifiedOrder,
}

/// Everything but the books, so the matching loop can borrow a book and the rest apart.
#[derive(Debug)]
struct Core {
    state: State,
    cfg: EngineConfig,
    live: FxMap<OrderKey, Live>,
    live_slots: FxMap<u64, u32>,
    exposure: FxMap<u64, Exposure>,
    status: FxMap<OrderKey, OrderStatus>,
    finished: VecDeque<OrderKey>,
    pending: Vec<Applied>,
    touched: Vec<(u8, Side, u32)>,
    fills: u64,
    liq_nonce: u32,
}

/// The engine: books, the spec state, order statuses and pending transactions.
#[derive(Debug)]
pub struct Engine {
    books: Vec<Option<OrderBook>>,
    core: Core,
}

/// Whether a spec rejection of a fill is the maker's fault.
fn blames_maker(e: &TxError, maker_account: u32) -> bool {
    match e {
        TxError::Overfill(p)
        | TxError::StaleOrderNonce(p)
        | TxError::OrderHashMismatch(p)
        | TxError::OrderCancelled(p)
        | TxError::OrderExpired(p)
        | TxError::ReduceOnlyViolation(p)
        | TxError::FeeAboveLimit(p)
        | TxError::PriceWorseThanLimit(p)
        | TxError::OffTick(p)
        | TxError::BadSignature(p)
        | TxError::MissingSignature(p) => *p == Party::Maker,
        TxError::MarginBreach(a) | TxError::PositionsFull(a) => *a == maker_account,
        _ => false,
    }
}

fn tx_kind(tx: &Tx) -> &'static str {
    match tx {
        Tx::Deposit(_) => "deposit",
        Tx::ForcedWithdrawal(_) => "forced_withdrawal",
        Tx::Withdraw(_) => "withdraw",
        Tx::Transfer(_) => "transfer",
        Tx::Trade(_) => "trade",
        Tx::CancelOrder(_) => "cancel_order",
        Tx::OraclePrices(_) => "oracle_prices",
        Tx::FundingTick(_) => "funding_tick",
        Tx::Liquidate(_) => "liquidate",
        Tx::SettleOption(_) => "settle_option",
        Tx::Noop => "noop",
    }
}

fn fee_of(size: u64, price: u32, ppm: u32) -> u64 {
    (u128::from(size) * u128::from(price) * u128::from(ppm) / 1_000_000) as u64
}

impl Engine {
    /// An engine over `state` (typically [`State::genesis`] or a state replayed from a log),
    /// with one empty book per listed market.
    pub fn new(state: State, cfg: EngineConfig) -> Self {
        let mut books = vec![None; 256];
        for m in state.markets() {
            books[usize::from(m.id)] = Some(OrderBook::new());
        }
        let liq_nonce = cfg.liquidator.as_ref().map_or(0, |l| l.first_nonce);
        Self {
            books,
            core: Core {
                state,
                cfg,
                live: FxMap::default(),
                live_slots: FxMap::default(),
                exposure: FxMap::default(),
                status: FxMap::default(),
                finished: VecDeque::new(),
                pending: Vec::new(),
                touched: Vec::new(),
                fills: 0,
                liq_nonce,
            },
        }
    }

    /// The spec state.
    pub const fn state(&self) -> &State {
        &self.core.state
    }

    /// The protocol config (for [`verify_order`] off the engine thread).
    pub const fn config(&self) -> &Config {
        self.core.state.config()
    }

    /// The engine's parameters.
    pub const fn engine_config(&self) -> &EngineConfig {
        &self.core.cfg
    }

    /// An account's key (all zero if none), for [`verify_order`] / [`verify_cancel`].
    pub fn pubkey(&self, account_id: u32) -> Option<[u64; 5]> {
        self.core.state.account(account_id).map(|a| a.pubkey)
    }

    /// A market's book.
    pub fn book(&self, market_id: u8) -> Option<&OrderBook> {
        self.books[usize::from(market_id)].as_ref()
    }

    /// A snapshot of the engine between batches (no pending transactions), keeping the
    /// statuses of the last `finished_kept` finished orders.
    pub fn snapshot(&self, finished_kept: usize) -> Result<EngineSnapshot, EngineError> {
        if !self.core.pending.is_empty() {
            return Err(EngineError::NotAllowed("a snapshot is taken between batches"));
        }
        let mut resting = Vec::new();
        for book in self.books.iter().flatten() {
            for side in [Side::Buy, Side::Sell] {
                for o in book.orders(side) {
                    let live = self.core.live.get(&o.key).ok_or(EngineError::UnknownOrder)?;
                    let status = self.core.status.get(&o.key).ok_or(EngineError::UnknownOrder)?;
                    resting.push(SnapshotOrder {
                        order: live.verified.signed().clone(),
                        status: status.clone(),
                    });
                }
            }
        }
        let mut finished: Vec<OrderStatus> = self
            .core
            .finished
            .iter()
            .rev()
            .filter_map(|k| self.core.status.get(k).filter(|s| s.state != OrderState::Resting))
            .take(finished_kept)
            .cloned()
            .collect();
        finished.reverse();
        Ok(EngineSnapshot {
            state: self.core.state.snapshot(),
            resting,
            finished,
            fills: self.core.fills,
            liq_nonce: self.core.liq_nonce,
        })
    }

    /// The engine a snapshot was taken of. Resting orders' signatures are verified again,
    /// in parallel; one that fails (a corrupt snapshot) fails the restore.
    pub fn restore(snapshot: EngineSnapshot, cfg: EngineConfig) -> Result<Self, EngineError> {
        let mut e = Self::new(State::from_snapshot(snapshot.state), cfg);
        let verified: Vec<Result<VerifiedOrder, EngineError>> = snapshot
            .resting
            .par_iter()
            .map(|r| {
                let a = r.order.order.account_id;
                let key = e.pubkey(a).ok_or(EngineError::UnknownAccount(a))?;
                verify_order(e.config(), &key, r.order.clone())
            })
            .collect();
        for (r, v) in snapshot.resting.into_iter().zip(verified) {
            let v = v?;
            let o = v.signed().order;
            let key = order_key(o.account_id, o.nonce);
            let remaining = r.status.remaining;
            let book = e.books[usize::from(o.market_id)]
                .as_mut()
                .ok_or(EngineError::UnknownMarket(o.market_id))?;
            let resting = RestingOrder::of(key, &o, remaining);
            book.insert(resting).map_err(|_| EngineError::DuplicateOrder)?;
            e.core.live.insert(key, Live { verified: v });
            e.core.live_slots.insert(slot_key(o.account_id, o.slot()), o.nonce);
            e.core
                .exposure
                .entry(exposure_key(o.account_id, o.market_id))
                .or_default()
                .add(o.side, remaining, o.price);
            e.core.status.insert(key, r.status);
        }
        for s in snapshot.finished {
            let key = s.key();
            e.core.status.insert(key, s);
            e.core.finished.push_back(key);
        }
        e.core.fills = snapshot.fills;
        e.core.liq_nonce = snapshot.liq_nonce;
        Ok(e)
    }

    /// Starts a batch at `timestamp` (never backwards): the time orders expire against and
    /// transactions are checked at.
    pub fn begin_batch(&mut self, timestamp: u64) -> Result<(), EngineError> {
        Ok(self.core.state.begin_batch(timestamp)?)
    }

    /// Takes the transactions applied since the last call, with the state journal.
    pub fn take_pending(&mut self) -> Pending {
        Pending {
            applied: std::mem::take(&mut self.core.pending),
            journal: self.core.state.take_journal(),
        }
    }

    /// The transactions applied since the last [`Self::take_pending`], in order.
    pub fn pending(&self) -> &[Applied] {
        &self.core.pending
    }

    /// Number of transactions applied since the last [`Self::take_pending`].
    pub fn pending_len(&self) -> usize {
        self.core.pending.len()
    }

    /// An order's status (resting, or among the last finished ones).
    pub fn order_status(&self, account_id: u32, nonce: u32) -> Option<&OrderStatus> {
        self.core.status.get(&order_key(account_id, nonce))
    }

    /// The best `levels` levels of each side of a market.
    pub fn depth(&self, market_id: u8, levels: usize) -> Result<BookDepth, EngineError> {
        let b = self.book(market_id).ok_or(EngineError::UnknownMarket(market_id))?;
        Ok(BookDepth {
            market_id,
            bids: b.depth(Side::Buy, levels),
            asks: b.depth(Side::Sell, levels),
        })
    }

    /// An account's collateral, positions, TAV, IMR, MMR and Greeks at the current marks.
    pub fn account_view(&self, account_id: u32) -> Result<AccountView, EngineError> {
        risk::account_view(&self.core.state, account_id, self.open_orders_of(account_id))
    }

    /// The resting orders of an account, by nonce.
    pub fn open_orders(&self, account_id: u32) -> Vec<OrderStatus> {
        let mut v: Vec<OrderStatus> = self
            .core
            .live
            .keys()
            .filter(|&&k| split_key(k).0 == account_id)
            .filter_map(|k| self.core.status.get(k).cloned())
            .collect();
        v.sort_unstable_by_key(|s| s.nonce);
        v
    }

    /// Number of resting orders in every book.
    pub fn resting_count(&self) -> usize {
        self.core.live.len()
    }

    /// The best bid and ask of a market.
    pub fn top(&self, market_id: u8) -> (Option<u32>, Option<u32>) {
        self.book(market_id).map_or((None, None), |b| (b.best(Side::Buy), b.best(Side::Sell)))
    }

    /// Every resting order of every book (market, then bids and asks in priority order):
    /// equal for two engines that went through the same inputs.
    pub fn fingerprint(&self) -> Vec<(u8, RestingOrder)> {
        let mut v = Vec::new();
        for (m, b) in self.books.iter().enumerate() {
            if let Some(b) = b {
                for side in [Side::Buy, Side::Sell] {
                    v.extend(b.orders(side).into_iter().map(|o| (m as u8, o)));
                }
            }
        }
        v
    }

    fn open_orders_of(&self, account_id: u32) -> usize {
        self.core.live.keys().filter(|&&k| split_key(k).0 == account_id).count()
    }

    /// Applies one logged input.
    pub fn apply_input(&mut self, input: Input) -> Result<Vec<Event>, EngineError> {
        match input {
            Input::BeginBatch { timestamp } => self.begin_batch(timestamp).map(|()| Vec::new()),
            Input::Order(o) => self.submit(o),
            Input::Cancel(c) => self.cancel(c),
            Input::Deposit(d) => self.deposit(d),
            Input::Tx(tx) => self.apply_tx(*tx),
            Input::FundingTicks => self.funding_ticks(),
            Input::Liquidations => self.run_liquidations(),
        }
    }

    /// Submits a signed order: verifies its signature, then [`Self::submit_verified`].
    pub fn submit(&mut self, order: SignedOrder) -> Result<Vec<Event>, EngineError> {
        let account = order.order.account_id;
        let key = self.pubkey(account).ok_or(EngineError::UnknownAccount(account))?;
        let v = verify_order(self.config(), &key, order)?;
        self.submit_verified(v)
    }

    /// Admits a verified order (checks below), matches it, and rests what is left unless it
    /// is IOC. On `Err` nothing changed.
    ///
    /// Checks, in order: market listed and open, account exists, flags, tick, expiry, fee
    /// cap, not already resting, order slot (the spec's nonce-slot rule: a newer nonce or a
    /// different order with this nonce in the slot is stale; a cancelled or completely filled
    /// order is done; another resting order of the account in the same slot is busy),
    /// reduce-only direction, post-only cross, pre-trade margin.
    pub fn submit_verified(&mut self, v: VerifiedOrder) -> Result<Vec<Event>, EngineError> {
        let o = v.signed().order;
        let admitted = self.core.admit(&v, self.books[usize::from(o.market_id)].as_ref())?;
        let mut events = Vec::new();
        let book = self.books[usize::from(o.market_id)]
            .as_mut()
            .ok_or(EngineError::UnknownMarket(o.market_id))?;
        self.core.run_order(book, &v, admitted, &mut events);
        self.core.flush_book_events(&self.books, &mut events);
        Ok(events)
    }

    /// A signed cancel: verifies it, then [`Self::cancel_checked`].
    pub fn cancel(&mut self, cancel: CancelOrder) -> Result<Vec<Event>, EngineError> {
        let key =
            self.pubkey(cancel.account_id).ok_or(EngineError::UnknownAccount(cancel.account_id))?;
        let checked = verify_cancel(self.config(), &key, cancel)?;
        self.cancel_checked(checked)
    }

    /// Applies a verified spec `CancelOrder` (the cancel is proven: its slot is marked
    /// cancelled and the account nonce advances), then removes the order from its book.
    pub fn cancel_checked(&mut self, checked: CheckedTx) -> Result<Vec<Event>, EngineError> {
        if !matches!(checked.tx(), Tx::CancelOrder(_)) {
            return Err(EngineError::NotAllowed("cancel_checked takes a cancel"));
        }
        self.apply_checked_tx(checked)
    }

    /// A deposit from the L1 priority queue.
    pub fn deposit(&mut self, deposit: DepositOp) -> Result<Vec<Event>, EngineError> {
        self.apply_tx(Tx::Deposit(deposit))
    }

    /// Applies a spec transaction other than a trade or a liquidation (those only the engine
    /// forms): prechecks (signatures) and applies it.
    pub fn apply_tx(&mut self, tx: Tx) -> Result<Vec<Event>, EngineError> {
        if matches!(tx, Tx::Trade(_) | Tx::Liquidate(_)) {
            return Err(EngineError::NotAllowed("trades and liquidations come from the engine"));
        }
        let checked = precheck(&self.core.state, tx)?;
        self.apply_checked_tx(checked)
    }

    /// [`Self::apply_tx`] for a transaction prechecked elsewhere.
    pub fn apply_checked_tx(&mut self, checked: CheckedTx) -> Result<Vec<Event>, EngineError> {
        if matches!(checked.tx(), Tx::Trade(_) | Tx::Liquidate(_)) {
            return Err(EngineError::NotAllowed("trades and liquidations come from the engine"));
        }
        let receipt = apply_checked(&mut self.core.state, &checked)?;
        let tx = checked.into_tx();
        let mut events = vec![Event::Applied { kind: tx_kind(&tx).to_string() }];
        if let Tx::CancelOrder(c) = &tx {
            let (account, nonce) = (c.account_id, c.order_nonce);
            let slot = (u64::from(nonce) % proofbook_circuits::constants::ORDER_SLOTS) as u16;
            // The cancel marks the slot for `nonce`: a resting order with that nonce is
            // cancelled, one with an older nonce in the same slot can never fill again.
            if let Some(&live_nonce) = self.core.live_slots.get(&slot_key(account, slot)) {
                let reason = if live_nonce == nonce {
                    Some(CancelReason::User)
                } else if live_nonce < nonce {
                    Some(CancelReason::SlotReused)
                } else {
                    None
                };
                if let Some(r) = reason {
                    self.cancel_resting(order_key(account, live_nonce), r, &mut events);
                }
            }
        }
        self.core.pending.push(Applied { tx, receipt });
        self.core.flush_book_events(&self.books, &mut events);
        Ok(events)
    }

    /// Removes a resting order from its book without a spec transaction (liquidation, slot
    /// reuse); the order's signature stays valid, so this is not a proven cancel.
    fn cancel_resting(&mut self, key: OrderKey, reason: CancelReason, events: &mut Vec<Event>) {
        let Some(market) = self.core.status.get(&key).map(|s| s.market_id) else { return };
        let Some(book) = self.books[usize::from(market)].as_mut() else { return };
        if let Ok(o) = book.remove(key) {
            self.core.touched.push((market, o.side, o.price));
            self.core.finish(key, OrderState::Cancelled, Some(reason), events);
        }
    }

    /// Advances every perpetual's funding index to the batch time by the premium of mark over
    /// index (an eighth of it per hour), within the spec's cap; markets already ticked at this
    /// time are skipped. Applied as spec `FundingTick` transactions, in market order.
    pub fn funding_ticks(&mut self) -> Result<Vec<Event>, EngineError> {
        let ticks = risk::funding_proposals(&self.core.state);
        let mut events = Vec::new();
        for t in ticks {
            // Proposals are within the spec's bounds; one it still rejects is skipped.
            if let Ok(ev) = self.apply_tx(Tx::FundingTick(t)) {
                events.extend(ev);
            }
        }
        Ok(events)
    }

    /// The liquidation monitor: every account below maintenance margin (in account order)
    /// has its resting orders cancelled and its positions closed, market by market, while it
    /// stays liquidatable — by the configured [`Liquidator`] at a price within the spec's
    /// bankruptcy bound, or, for a bankrupt account the liquidator cannot take, by the
    /// insurance fund. Each close is a spec `Liquidate` transaction; one the spec rejects is
    /// skipped (and retried at the next run).
    pub fn run_liquidations(&mut self) -> Result<Vec<Event>, EngineError> {
        let mut events = Vec::new();
        for account in risk::liquidatable_accounts(&self.core.state) {
            let keys: Vec<OrderKey> = {
                let mut k: Vec<OrderKey> =
                    self.core.live.keys().copied().filter(|&k| split_key(k).0 == account).collect();
                k.sort_unstable();
                k
            };
            for k in keys {
                self.cancel_resting(k, CancelReason::Liquidation, &mut events);
            }
            let liq = self.core.cfg.liquidator.clone();
            let markets: Vec<u8> = self.core.state.account(account).map_or_else(Vec::new, |a| {
                let mut m: Vec<u8> =
                    a.positions.iter().filter(|p| !p.is_empty()).map(|p| p.market_id).collect();
                m.sort_unstable();
                m
            });
            for market_id in markets {
                // The liquidator first; the insurance fund if that fails (bankrupt accounts).
                for by in [liq.as_ref(), None] {
                    let st = &self.core.state;
                    let Some(tx) =
                        risk::liquidation_tx(st, account, market_id, by, &mut self.core.liq_nonce)
                    else {
                        break;
                    };
                    let Ok(checked) = precheck(st, tx) else { continue };
                    if let Ok(receipt) = apply_checked(&mut self.core.state, &checked) {
                        let tx = checked.into_tx();
                        if let Tx::Liquidate(l) = &tx {
                            events.push(Event::Liquidation {
                                account_id: l.liquidated,
                                market_id: l.market_id,
                                size: l.size,
                                price: l.price,
                                liquidator: l.liquidator.as_ref().map(|s| s.order.account_id),
                            });
                        }
                        self.core.pending.push(Applied { tx, receipt });
                        break;
                    }
                }
            }
        }
        self.core.flush_book_events(&self.books, &mut events);
        Ok(events)
    }
}

/// What admission found out about an order.
#[derive(Clone, Copy, Debug)]
struct Admitted {
    /// Lots that may still fill (size minus fills recorded in its slot).
    remaining: u64,
    /// Lots filled before (from the slot).
    filled_before: u64,
    /// For a reduce-only order, the most it may fill now (the position it reduces).
    cap: Option<u64>,
}

impl Core {
    fn fee_needed(&self, flags: OrderFlags) -> u32 {
        if flags.post_only {
            self.cfg.maker_fee_ppm
        } else if flags.ioc {
            self.cfg.taker_fee_ppm
        } else {
            self.cfg.maker_fee_ppm.max(self.cfg.taker_fee_ppm)
        }
    }

    fn admit(&self, v: &VerifiedOrder, book: Option<&OrderBook>) -> Result<Admitted, EngineError> {
        let o: &Order = &v.signed().order;
        let book = book.ok_or(EngineError::UnknownMarket(o.market_id))?;
        let now = self.state.now();
        let market = Markets::market(&self.state, o.market_id);
        let market = market.ok_or(EngineError::UnknownMarket(o.market_id))?;
        if market.mark_price == 0 || market.is_expired(now) {
            return Err(EngineError::MarketClosed(o.market_id));
        }
        let account =
            self.state.account(o.account_id).ok_or(EngineError::UnknownAccount(o.account_id))?;
        if o.flags.post_only && o.flags.ioc {
            return Err(EngineError::ContradictoryFlags);
        }
        if o.price == 0 || !o.price.is_multiple_of(market.tick_size) {
            return Err(EngineError::OffTick { price: o.price, tick: market.tick_size });
        }
        if now > o.expiry {
            return Err(EngineError::Expired { expiry: o.expiry, now });
        }
        let fee_ppm = self.fee_needed(o.flags);
        if o.max_fee_ppm < fee_ppm {
            return Err(EngineError::FeeCapTooLow { max_fee_ppm: o.max_fee_ppm, fee_ppm });
        }
        let key = order_key(o.account_id, o.nonce);
        if self.live.contains_key(&key) {
            return Err(EngineError::DuplicateOrder);
        }
        let slot = self.state.slot(o.account_id, o.slot());
        let mut filled_before = 0;
        if !slot.is_empty() && slot.order_nonce == o.nonce {
            if slot.cancelled {
                return Err(EngineError::OrderDone);
            }
            if slot.order_hash != *v.hash() {
                return Err(EngineError::StaleNonce);
            }
            if slot.filled >= o.size {
                return Err(EngineError::OrderDone);
            }
            filled_before = slot.filled;
        } else if !slot.is_empty() && slot.order_nonce > o.nonce {
            return Err(EngineError::StaleNonce);
        }
        if self.live_slots.contains_key(&slot_key(o.account_id, o.slot())) {
            return Err(EngineError::SlotBusy(o.slot()));
        }
        let remaining = o.size - filled_before;
        let cap = if o.flags.reduce_only {
            let pos = account.size_in(o.market_id);
            if pos == 0 || (pos > 0) == (o.side == Side::Buy) {
                return Err(EngineError::ReduceOnlyWouldIncrease);
            }
            Some(pos.unsigned_abs())
        } else {
            None
        };
        if o.flags.post_only {
            if let Some(best) = book.best(o.side.opposite()) {
                if crosses(o.side, o.price, best) {
                    return Err(EngineError::PostOnlyWouldCross);
                }
            }
        }
        let exposure = self
            .exposure
            .get(&exposure_key(o.account_id, o.market_id))
            .copied()
            .unwrap_or_default();
        risk::pre_trade_check(&self.state, &exposure, o, remaining, fee_ppm)?;
        Ok(Admitted { remaining, filled_before, cap })
    }

    fn status_of(o: &Order, filled: u64, remaining: u64, state: OrderState) -> OrderStatus {
        OrderStatus {
            account_id: o.account_id,
            nonce: o.nonce,
            market_id: o.market_id,
            side: o.side,
            price: o.price,
            size: o.size,
            filled,
            remaining,
            state,
            reason: None,
        }
    }

    /// Matches an admitted order and rests or cancels the rest.
    fn run_order(
        &mut self,
        book: &mut OrderBook,
        v: &VerifiedOrder,
        a: Admitted,
        events: &mut Vec<Event>,
    ) {
        let o = v.signed().order;
        let key = order_key(o.account_id, o.nonce);
        let mut stop: Option<CancelReason> = None;
        let mut filled = a.filled_before;
        let matchable = a.cap.map_or(a.remaining, |c| c.min(a.remaining));
        if !o.flags.post_only {
            let left = book.match_incoming(o.side, o.price, matchable, |maker, offered| {
                self.on_maker(v, maker, offered, &mut stop, events)
            });
            filled += matchable - left;
        }
        let remaining = o.size - filled;
        let cap_left = a.cap.map(|c| c - (filled - a.filled_before));
        let reason = if remaining == 0 {
            None
        } else if let Some(r) = stop {
            Some(r)
        } else if o.flags.ioc {
            Some(CancelReason::IocRemainder)
        } else if cap_left == Some(0) {
            Some(CancelReason::ReduceOnly)
        } else {
            None
        };
        let mut st = Self::status_of(&o, filled, 0, OrderState::Filled);
        if remaining == 0 {
            self.remember_finished(key, st.clone());
        } else if let Some(r) = reason {
            st.state = OrderState::Cancelled;
            st.reason = Some(r);
            self.remember_finished(key, st.clone());
        } else {
            let resting = RestingOrder::of(key, &o, remaining);
            if book.insert(resting).is_ok() {
                self.live.insert(key, Live { verified: v.clone() });
                self.live_slots.insert(slot_key(o.account_id, o.slot()), o.nonce);
                self.exposure
                    .entry(exposure_key(o.account_id, o.market_id))
                    .or_default()
                    .add(o.side, remaining, o.price);
                self.touched.push((o.market_id, o.side, o.price));
                st.state = OrderState::Resting;
                st.remaining = remaining;
                self.status.insert(key, st.clone());
            }
        }
        events.push(Event::Order(st));
    }

    /// The matching loop's decision for one resting order.
    fn on_maker(
        &mut self,
        taker: &VerifiedOrder,
        maker: &RestingOrder,
        offered: u64,
        stop: &mut Option<CancelReason>,
        events: &mut Vec<Event>,
    ) -> Decision {
        if stop.is_some() {
            return Decision::Stop;
        }
        let t = &taker.signed().order;
        let now = self.state.now();
        let market = t.market_id;
        if now > maker.expiry {
            self.drop_maker(maker, market, CancelReason::Expired, events);
            return Decision::Remove;
        }
        if maker.account == t.account_id {
            return match self.cfg.self_trade {
                SelfTradePolicy::CancelResting => {
                    self.drop_maker(maker, market, CancelReason::SelfTrade, events);
                    Decision::Remove
                }
                SelfTradePolicy::CancelIncoming => {
                    *stop = Some(CancelReason::SelfTrade);
                    Decision::Stop
                }
                SelfTradePolicy::CancelBoth => {
                    self.drop_maker(maker, market, CancelReason::SelfTrade, events);
                    *stop = Some(CancelReason::SelfTrade);
                    Decision::Remove
                }
            };
        }
        let mut q = offered;
        let mut exhausted = false;
        if maker.reduce_only {
            let pos = self.state.account(maker.account).map_or(0, |a| a.size_in(market));
            let reducing =
                (pos > 0 && maker.side == Side::Sell) || (pos < 0 && maker.side == Side::Buy);
            let cap = if reducing { pos.unsigned_abs() } else { 0 };
            if cap == 0 {
                self.drop_maker(maker, market, CancelReason::ReduceOnly, events);
                return Decision::Remove;
            }
            if cap < q {
                q = cap;
                exhausted = true;
            }
        }
        let Some(live) = self.live.get(&maker.key) else {
            // Unreachable while the book and `live` agree; drop rather than fill blind.
            self.drop_maker(maker, market, CancelReason::SlotReused, events);
            return Decision::Remove;
        };
        let mo = &live.verified.signed().order;
        let first = |state: &State, o: &Order| {
            let s = state.slot(o.account_id, o.slot());
            s.is_empty() || s.order_nonce != o.nonce
        };
        let sigs = [first(&self.state, mo), first(&self.state, t)];
        let fees = [self.cfg.maker_fee_ppm, self.cfg.taker_fee_ppm];
        let checked = CheckedTx::trade(&live.verified, taker, q, fees, sigs);
        match apply_checked(&mut self.state, &checked) {
            Ok(receipt) => {
                self.pending.push(Applied { tx: checked.into_tx(), receipt });
                self.fills += 1;
                events.push(Event::Fill(Fill {
                    seq: self.fills,
                    market_id: market,
                    price: maker.price,
                    size: q,
                    taker_side: t.side,
                    maker: split_key(maker.key),
                    taker: (t.account_id, t.nonce),
                    maker_fee: fee_of(q, maker.price, fees[0]),
                    taker_fee: fee_of(q, maker.price, fees[1]),
                }));
                self.touched.push((market, maker.side, maker.price));
                if let Some(e) = self.exposure.get_mut(&exposure_key(maker.account, market)) {
                    e.sub(maker.side, q, maker.price);
                }
                let left = maker.remaining - q;
                if left == 0 {
                    self.finish_live(maker.key, OrderState::Filled, None, q, events);
                    Decision::Fill(q)
                } else if exhausted {
                    if let Some(e) = self.exposure.get_mut(&exposure_key(maker.account, market)) {
                        e.sub(maker.side, left, maker.price);
                    }
                    let reason = Some(CancelReason::ReduceOnly);
                    self.finish_live(maker.key, OrderState::Cancelled, reason, q, events);
                    Decision::FillThenRemove(q)
                } else {
                    if let Some(s) = self.status.get_mut(&maker.key) {
                        s.filled += q;
                        s.remaining = left;
                        events.push(Event::Order(s.clone()));
                    }
                    Decision::Fill(q)
                }
            }
            Err(e) => {
                if blames_maker(&e, maker.account) {
                    let err = EngineError::Rejected(e);
                    let reason =
                        CancelReason::Rejected { code: err.code(), message: err.to_string() };
                    self.drop_maker(maker, market, reason, events);
                    Decision::Remove
                } else {
                    let err = EngineError::Rejected(e);
                    *stop =
                        Some(CancelReason::Rejected { code: err.code(), message: err.to_string() });
                    Decision::Stop
                }
            }
        }
    }

    /// Bookkeeping for a resting order the book is about to remove unfilled.
    fn drop_maker(
        &mut self,
        maker: &RestingOrder,
        market: u8,
        reason: CancelReason,
        events: &mut Vec<Event>,
    ) {
        self.touched.push((market, maker.side, maker.price));
        if let Some(e) = self.exposure.get_mut(&exposure_key(maker.account, market)) {
            e.sub(maker.side, maker.remaining, maker.price);
        }
        self.finish_live(maker.key, OrderState::Cancelled, Some(reason), 0, events);
    }

    /// A resting order leaves `live` (the book removes it) after `filled_now` more lots;
    /// its exposure is already accounted for by the caller.
    fn finish_live(
        &mut self,
        key: OrderKey,
        state: OrderState,
        reason: Option<CancelReason>,
        filled_now: u64,
        events: &mut Vec<Event>,
    ) {
        if let Some(live) = self.live.remove(&key) {
            let o = live.verified.signed().order;
            self.live_slots.remove(&slot_key(o.account_id, o.slot()));
        }
        if let Some(mut s) = self.status.remove(&key) {
            s.filled += filled_now;
            s.remaining = 0;
            s.state = state;
            s.reason = reason;
            events.push(Event::Order(s.clone()));
            self.remember_finished(key, s);
        }
    }

    /// A resting order removed by [`Engine::cancel_resting`] (the book already removed it).
    fn finish(
        &mut self,
        key: OrderKey,
        state: OrderState,
        reason: Option<CancelReason>,
        events: &mut Vec<Event>,
    ) {
        if let Some(s) = self.status.get(&key) {
            let (account, market, side, price, rem) =
                (s.account_id, s.market_id, s.side, s.price, s.remaining);
            if let Some(e) = self.exposure.get_mut(&exposure_key(account, market)) {
                e.sub(side, rem, price);
            }
        }
        self.finish_live(key, state, reason, 0, events);
    }

    fn remember_finished(&mut self, key: OrderKey, status: OrderStatus) {
        self.status.insert(key, status);
        self.finished.push_back(key);
        while self.finished.len() > self.cfg.finished_orders_kept {
            if let Some(old) = self.finished.pop_front() {
                if self.status.get(&old).is_some_and(|s| s.state != OrderState::Resting) {
                    self.status.remove(&old);
                }
            }
        }
    }

    /// One `Book` event per touched level, with its aggregate after the input.
    fn flush_book_events(&mut self, books: &[Option<OrderBook>], events: &mut Vec<Event>) {
        if self.touched.is_empty() {
            return;
        }
        self.touched.sort_unstable_by_key(|&(m, s, p)| (m, s as u8, p));
        self.touched.dedup();
        for &(market_id, side, price) in &self.touched {
            if let Some(b) = books[usize::from(market_id)].as_ref() {
                events.push(Event::Book { market_id, side, level: b.level(side, price) });
            }
        }
        self.touched.clear();
    }
}

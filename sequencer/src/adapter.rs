//! The node's interface to matching: everything the sequencing core asks of an order book
//! goes through [`Matcher`].
//!
//! This is the one engine-facing module of the node. Until the dedicated matching and risk
//! engine (`crate::engine`, its own issue item) is wired in here, [`Matcher`] is a compact
//! price-time-priority book per market written against the spec crate: every fill is a spec
//! `Trade` applied with [`proofbook_circuits::tx::apply_checked`] (so the spec's rules —
//! slots, limits, fees, reduce-only, margin — decide every fill), a maker whose fill the spec
//! rejects is removed from the book, and self-trades cancel the resting order.
//!
//! Deterministic: the outcome depends only on the state and the sequence of calls.

use std::collections::{BTreeMap, HashMap, VecDeque};

use proofbook_circuits::error::{Party, TxError};
use proofbook_circuits::hash::Digest;
use proofbook_circuits::order::{Order, Side, SignedOrder};
use proofbook_circuits::pubdata::PubOp;
use proofbook_circuits::risk::{account_risk, position_risk, Markets};
use proofbook_circuits::schnorr::Signature;
use proofbook_circuits::state::State;
use proofbook_circuits::tx::{apply_checked, precheck_with, CancelOrder, Receipt, Trade, Tx};
use serde::{Deserialize, Serialize};

/// Maker fee, ppm of notional.
pub const MAKER_FEE_PPM: u32 = 100;
/// Taker fee, ppm of notional.
pub const TAKER_FEE_PPM: u32 = 300;
/// Trades remembered per market for `pb_recentTrades`.
const RECENT_TRADES: usize = 256;

/// Signatures reaching the core were verified at admission (RPC, in parallel) or come from
/// the log, which holds only admitted inputs: the sequential path does not verify again.
fn admitted(_key: &[u64; 5], _msg: &Digest, _sig: &Signature) -> bool {
    true
}

/// An order's identity: account and order nonce.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct OrderKey {
    /// Account.
    pub account_id: u32,
    /// Order nonce.
    pub nonce: u32,
}

impl OrderKey {
    /// The key of an order.
    pub const fn of(o: &Order) -> Self {
        Self { account_id: o.account_id, nonce: o.nonce }
    }
}

/// Lifecycle of an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// Resting in the book.
    Open,
    /// Completely filled.
    Filled,
    /// Cancelled by its owner.
    Cancelled,
    /// IOC remainder dropped, or removed by self-trade prevention or a rejected fill.
    Expired,
}

/// What the node knows about an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderInfo {
    /// The order.
    pub order: Order,
    /// Lots filled.
    pub filled: u64,
    /// State.
    pub state: OrderState,
    /// Why it left the book, if it did not fill or get cancelled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One fill.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fill {
    /// Market.
    pub market_id: u8,
    /// The resting order.
    pub maker: OrderKey,
    /// The incoming order.
    pub taker: OrderKey,
    /// Taker side.
    pub taker_side: Side,
    /// Price, quantums per lot.
    pub price: u32,
    /// Lots.
    pub size: u64,
    /// Log sequence number of the input that produced it.
    pub seq: u64,
}

/// Why the book refused an input. Nothing changed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Reject {
    /// The spec rejects the order's first fill or the cancel.
    #[error(transparent)]
    Tx(#[from] TxError),
    /// An order with this account and nonce is already live or was already used.
    #[error("order {0:?} already exists")]
    Duplicate(OrderKey),
    /// A post-only order would take liquidity.
    #[error("post-only order would cross the book")]
    PostOnlyWouldTake,
    /// The order's fee cap is below the fee it would pay.
    #[error("fee cap {cap} ppm below the fee of {fee} ppm")]
    FeeCap {
        /// The order's cap.
        cap: u32,
        /// The fee.
        fee: u32,
    },
    /// Resting the order would leave the account below initial margin.
    #[error("insufficient margin to rest the order: value {tav} < requirement {imr}")]
    InsufficientMargin {
        /// Account value including the order's worst-case effect.
        tav: i128,
        /// Initial requirement including the order.
        imr: i128,
    },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Resting {
    order: SignedOrder,
    filled: u64,
    seq: u64,
}

impl Resting {
    fn open(&self) -> u64 {
        self.order.order.size - self.filled
    }
}

#[derive(Clone, Debug, Default)]
struct Level {
    queue: VecDeque<(OrderKey, u64)>,
    open: u64,
}

#[derive(Clone, Debug, Default)]
struct Book {
    /// Bids keyed by price (best = last).
    bids: BTreeMap<u32, Level>,
    /// Asks keyed by price (best = first).
    asks: BTreeMap<u32, Level>,
}

impl Book {
    fn side(&mut self, side: Side) -> &mut BTreeMap<u32, Level> {
        match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        }
    }
    /// Best price on `side`.
    fn best(&self, side: Side) -> Option<u32> {
        match side {
            Side::Buy => self.bids.keys().next_back().copied(),
            Side::Sell => self.asks.keys().next().copied(),
        }
    }
}

/// Aggregated depth of one market.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Depth {
    /// Market.
    pub market_id: u8,
    /// Bids, best first: `(price, lots)`.
    pub bids: Vec<(u32, u64)>,
    /// Asks, best first.
    pub asks: Vec<(u32, u64)>,
}

/// The result of placing an order.
#[derive(Clone, Debug)]
pub struct Placed {
    /// The order afterwards.
    pub info: OrderInfo,
    /// Its fills, in order.
    pub fills: Vec<Fill>,
    /// The spec receipts of the fills.
    pub receipts: Vec<Receipt>,
    /// Resting orders whose state changed (filled, or removed), with their new info.
    pub makers: Vec<OrderInfo>,
}

/// Order books of every market.
#[derive(Debug, Default)]
pub struct Matcher {
    books: HashMap<u8, Book>,
    resting: HashMap<OrderKey, Resting>,
    done: HashMap<OrderKey, OrderInfo>,
    trades: HashMap<u8, VecDeque<Fill>>,
}

fn blames_maker(e: &TxError, maker: u32) -> bool {
    use TxError as E;
    match e {
        E::BadSignature(p)
        | E::MissingSignature(p)
        | E::OrderExpired(p)
        | E::Overfill(p)
        | E::StaleOrderNonce(p)
        | E::OrderHashMismatch(p)
        | E::OrderCancelled(p)
        | E::PriceWorseThanLimit(p)
        | E::OffTick(p)
        | E::ReduceOnlyViolation(p)
        | E::FeeAboveLimit(p) => *p == Party::Maker,
        E::MarginBreach(id) | E::PositionsFull(id) => *id == maker,
        _ => false,
    }
}

impl Matcher {
    /// Empty books.
    pub fn new() -> Self {
        Self::default()
    }

    /// Places a verified order: matches it against the book at the resting prices (price-
    /// time priority), then rests the remainder unless it is IOC. On `Err` nothing changed.
    pub fn place(
        &mut self,
        state: &mut State,
        so: SignedOrder,
        seq: u64,
    ) -> Result<Placed, Reject> {
        let o = so.order;
        let key = OrderKey::of(&o);
        let market = state.market(o.market_id).ok_or(TxError::MarketNotFound(o.market_id))?;
        if market.mark_price == 0 {
            return Err(TxError::MarketNotPriced(o.market_id).into());
        }
        if market.is_expired(state.now()) {
            return Err(TxError::MarketExpired(o.market_id).into());
        }
        if o.price == 0 || !o.price.is_multiple_of(market.tick_size) {
            return Err(TxError::OffTick(Party::Taker).into());
        }
        if o.size == 0 || o.size > proofbook_circuits::constants::MAX_SIZE {
            return Err(TxError::OutOfBounds("order size").into());
        }
        if state.now() > o.expiry {
            return Err(TxError::OrderExpired(Party::Taker).into());
        }
        let fee = if o.flags.post_only { MAKER_FEE_PPM } else { TAKER_FEE_PPM };
        if o.max_fee_ppm < fee.max(if o.flags.ioc { 0 } else { MAKER_FEE_PPM }) {
            return Err(Reject::FeeCap { cap: o.max_fee_ppm, fee });
        }
        if self.resting.contains_key(&key) || self.done.contains_key(&key) {
            return Err(Reject::Duplicate(key));
        }
        let account = state.account(o.account_id).ok_or(TxError::AccountNotFound(o.account_id))?;
        if !account.has_key() {
            return Err(TxError::NoKey(o.account_id).into());
        }
        let slot = state.slot(o.account_id, o.slot());
        if !slot.is_empty() {
            if slot.order_nonce > o.nonce {
                return Err(TxError::StaleOrderNonce(Party::Taker).into());
            }
            if slot.order_nonce == o.nonce {
                return Err(if slot.cancelled {
                    TxError::OrderCancelled(Party::Taker).into()
                } else {
                    Reject::Duplicate(key)
                });
            }
        }
        let opposite = o.side.opposite();
        let crosses = |p: u32| match o.side {
            Side::Buy => p <= o.price,
            Side::Sell => p >= o.price,
        };
        let book = self.books.entry(o.market_id).or_default();
        if o.flags.post_only && book.best(opposite).is_some_and(crosses) {
            return Err(Reject::PostOnlyWouldTake);
        }
        // A resting remainder must be margined: check before any fill so a refusal changes
        // nothing.
        if !o.flags.ioc {
            self.check_resting_margin(state, &o, o.size)?;
        }

        let mut placed = Placed {
            info: OrderInfo { order: o, filled: 0, state: OrderState::Open, reason: None },
            fills: Vec::new(),
            receipts: Vec::new(),
            makers: Vec::new(),
        };
        let mut taker_err: Option<TxError> = None;
        while placed.info.filled < o.size {
            let book = self.books.entry(o.market_id).or_default();
            let Some(price) = book.best(opposite).filter(|p| crosses(*p)) else { break };
            let level = book.side(opposite).get_mut(&price).expect("best level exists");
            let Some(&(mk, mseq)) = level.queue.front() else {
                book.side(opposite).remove(&price);
                continue;
            };
            let Some(maker) = self.resting.get(&mk).filter(|r| r.seq == mseq).cloned() else {
                level.queue.pop_front();
                continue;
            };
            if mk.account_id == o.account_id {
                // Self-trade prevention: cancel the resting order.
                let info = self.remove(&mk, OrderState::Expired, Some("self-trade prevention"));
                placed.makers.extend(info);
                continue;
            }
            let size = (o.size - placed.info.filled).min(maker.open());
            let trade = Trade {
                maker: SignedOrder {
                    order: maker.order.order,
                    signature: if maker.filled == 0 { maker.order.signature } else { None },
                },
                taker: SignedOrder {
                    order: o,
                    signature: if placed.info.filled == 0 { so.signature } else { None },
                },
                size,
                maker_fee_ppm: MAKER_FEE_PPM,
                taker_fee_ppm: TAKER_FEE_PPM,
            };
            let result = precheck_with(state, Tx::Trade(trade), admitted)
                .and_then(|c| apply_checked(state, &c));
            match result {
                Ok(receipt) => {
                    let fill = Fill {
                        market_id: o.market_id,
                        maker: mk,
                        taker: key,
                        taker_side: o.side,
                        price,
                        size,
                        seq,
                    };
                    placed.info.filled += size;
                    let r = self.resting.get_mut(&mk).expect("maker is resting");
                    r.filled += size;
                    let level = self
                        .books
                        .get_mut(&o.market_id)
                        .and_then(|b| b.side(opposite).get_mut(&price))
                        .expect("level exists");
                    level.open -= size;
                    if r.open() == 0 {
                        placed.makers.extend(self.remove(&mk, OrderState::Filled, None));
                    } else {
                        placed.makers.push(OrderInfo {
                            order: r.order.order,
                            filled: r.filled,
                            state: OrderState::Open,
                            reason: None,
                        });
                    }
                    let recent = self.trades.entry(o.market_id).or_default();
                    if recent.len() == RECENT_TRADES {
                        recent.pop_front();
                    }
                    recent.push_back(fill.clone());
                    placed.fills.push(fill);
                    placed.receipts.push(receipt);
                }
                Err(e) if blames_maker(&e, mk.account_id) => {
                    let why = e.to_string();
                    placed.makers.extend(self.remove(&mk, OrderState::Expired, Some(&why)));
                }
                Err(e) => {
                    taker_err = Some(e);
                    break;
                }
            }
        }
        if let Some(e) = taker_err {
            if placed.fills.is_empty() {
                // Refused outright unless makers were removed on the way (self-trade, bad
                // makers): then the book changed and the order is logged, expired.
                if placed.makers.is_empty() {
                    return Err(e.into());
                }
                placed.info.state = OrderState::Expired;
                placed.info.reason = Some(e.to_string());
                self.done.insert(key, placed.info.clone());
                return Ok(placed);
            }
            placed.info.state = OrderState::Expired;
            placed.info.reason = Some(e.to_string());
        } else if placed.info.filled == o.size {
            placed.info.state = OrderState::Filled;
        } else if o.flags.ioc {
            placed.info.state = OrderState::Expired;
            placed.info.reason = Some("IOC remainder".into());
        } else {
            let r = Resting { order: so, filled: placed.info.filled, seq };
            self.insert(r);
            return Ok(placed);
        }
        self.done.insert(key, placed.info.clone());
        Ok(placed)
    }

    fn insert(&mut self, r: Resting) {
        let o = r.order.order;
        let key = OrderKey::of(&o);
        let level =
            self.books.entry(o.market_id).or_default().side(o.side).entry(o.price).or_default();
        level.queue.push_back((key, r.seq));
        level.open += r.open();
        self.resting.insert(key, r);
    }

    /// Removes a resting order (O(1) but for the level lookup: its queue entry is dropped
    /// lazily when it reaches the front).
    fn remove(
        &mut self,
        key: &OrderKey,
        state: OrderState,
        reason: Option<&str>,
    ) -> Option<OrderInfo> {
        let r = self.resting.remove(key)?;
        let o = r.order.order;
        if let Some(book) = self.books.get_mut(&o.market_id) {
            let side = book.side(o.side);
            if let Some(level) = side.get_mut(&o.price) {
                level.open -= r.open();
                if level.open == 0 {
                    side.remove(&o.price);
                }
            }
        }
        let info =
            OrderInfo { order: o, filled: r.filled, state, reason: reason.map(String::from) };
        self.done.insert(*key, info.clone());
        Some(info)
    }

    /// Pre-trade margin of a resting order: the account must stay initial-margined if the
    /// whole remainder filled at its limit (spec formulas, current marks).
    fn check_resting_margin(&self, state: &State, o: &Order, size: u64) -> Result<(), Reject> {
        let account = state.account(o.account_id).ok_or(TxError::AccountNotFound(o.account_id))?;
        let market = state.market(o.market_id).ok_or(TxError::MarketNotFound(o.market_id))?;
        let mut risk = account_risk(account, state);
        let cur = account.size_in(o.market_id);
        let signed = i64::try_from(size).unwrap_or(i64::MAX) * o.side.sign();
        let (old, new) = (position_risk(market, cur), position_risk(market, cur + signed));
        // Cash paid (buy) or received (sell) at the limit, against the value at the mark.
        let cash = -i128::from(signed) * i128::from(o.price);
        risk.tav += new.value - old.value + cash;
        risk.imr += new.im - old.im;
        if risk.tav < risk.imr {
            return Err(Reject::InsufficientMargin { tav: risk.tav, imr: risk.imr });
        }
        Ok(())
    }

    /// Applies a verified cancel with the spec (a proven cancel, which bumps the account's
    /// nonce) and removes the order from the book if it rests.
    pub fn cancel(
        &mut self,
        state: &mut State,
        c: &CancelOrder,
    ) -> Result<(Receipt, Option<OrderInfo>), Reject> {
        let checked = precheck_with(state, Tx::CancelOrder(c.clone()), admitted)?;
        let receipt = apply_checked(state, &checked)?;
        debug_assert!(matches!(receipt.op, PubOp::CancelOrder { .. }));
        let key = OrderKey { account_id: c.account_id, nonce: c.order_nonce };
        let info = self.remove(&key, OrderState::Cancelled, None);
        Ok((receipt, info))
    }

    /// An order's status.
    pub fn order(&self, key: &OrderKey) -> Option<OrderInfo> {
        if let Some(r) = self.resting.get(key) {
            return Some(OrderInfo {
                order: r.order.order,
                filled: r.filled,
                state: OrderState::Open,
                reason: None,
            });
        }
        self.done.get(key).cloned()
    }

    /// Open orders of an account.
    pub fn open_orders(&self, account_id: u32) -> Vec<OrderInfo> {
        let mut v: Vec<_> = self
            .resting
            .iter()
            .filter(|(k, _)| k.account_id == account_id)
            .map(|(k, _)| self.order(k).expect("resting"))
            .collect();
        v.sort_by_key(|i| i.order.nonce);
        v
    }

    /// Aggregated depth, `levels` per side.
    pub fn depth(&self, market_id: u8, levels: usize) -> Depth {
        let agg = |it: &mut dyn Iterator<Item = (&u32, &Level)>| -> Vec<(u32, u64)> {
            it.filter(|(_, l)| l.open > 0).take(levels).map(|(p, l)| (*p, l.open)).collect()
        };
        match self.books.get(&market_id) {
            None => Depth { market_id, bids: vec![], asks: vec![] },
            Some(b) => Depth {
                market_id,
                bids: agg(&mut b.bids.iter().rev()),
                asks: agg(&mut b.asks.iter()),
            },
        }
    }

    /// Best bid and ask of a market.
    pub fn top(&self, market_id: u8) -> (Option<u32>, Option<u32>) {
        self.books.get(&market_id).map_or((None, None), |b| (b.best(Side::Buy), b.best(Side::Sell)))
    }

    /// Recent fills of a market, newest last.
    pub fn recent_trades(&self, market_id: u8, limit: usize) -> Vec<Fill> {
        self.trades.get(&market_id).map_or_else(Vec::new, |t| {
            t.iter().skip(t.len().saturating_sub(limit)).cloned().collect()
        })
    }

    /// Number of resting orders.
    pub fn resting_count(&self) -> usize {
        self.resting.len()
    }

    /// A digest of the books' contents in time priority (for determinism checks).
    pub fn fingerprint(&self) -> Vec<(u8, u8, u32, u64, u64, OrderKey)> {
        let mut v: Vec<_> = self
            .resting
            .iter()
            .map(|(k, r)| {
                let o = &r.order.order;
                (o.market_id, o.side as u8, o.price, r.seq, r.filled, *k)
            })
            .collect();
        v.sort();
        v
    }
}

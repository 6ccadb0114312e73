//! JSON-RPC 2.0 over HTTP and WebSocket on one port (jsonrpsee): the `pb_*` methods and
//! subscriptions, `rpc.discover` (OpenRPC), request-size and per-connection rate limits.
//!
//! Every failure is a JSON-RPC error with a stable code from [`code`] (documented in
//! `docs/rpc.md`) and changes nothing: refusals happen before an input is sequenced, or the
//! sequencer refuses it without changing the state or the books.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use alloy_primitives::Address;
use jsonrpsee::core::middleware::{Batch, Notification, RpcServiceBuilder, RpcServiceT};
use jsonrpsee::core::{async_trait, RpcResult, SubscriptionResult};
use jsonrpsee::proc_macros::rpc;
use jsonrpsee::server::{Server, ServerHandle};
use jsonrpsee::types::{ErrorObjectOwned, Request};
use jsonrpsee::{ConnectionId, MethodResponse, PendingSubscriptionSink};
use parking_lot::Mutex;
use proofbook_circuits::error::TxError;
use proofbook_circuits::hash::digest_hex;
use proofbook_circuits::order::SignedOrder;
use proofbook_circuits::risk::greeks::Greeks;
use proofbook_circuits::risk::Markets;
use proofbook_circuits::state::MarketKind;
use proofbook_circuits::tx::{CancelOrder, Payout, Withdraw};
use serde::{Deserialize, Serialize};

use crate::core::Input;
use crate::engine::{BookDepth, EngineError, Event as EngineEvent, Fill, OrderStatus};
use crate::events::{BookTop, Event};
use crate::node::{Ack, Shared, SubmitError};
use crate::storage::BatchRecord;

/// Stable error codes. JSON-RPC's own (-32700 parse error, -32600 invalid request, -32601
/// method not found, -32602 invalid params, -32603 internal) and jsonrpsee's -32007
/// (request too big) keep their meaning.
pub mod code {
    /// The signature does not verify under the account's key.
    pub const BAD_SIGNATURE: i32 = 1001;
    /// The account does not exist or has no L2 key.
    pub const UNKNOWN_ACCOUNT: i32 = 1002;
    /// The market does not exist.
    pub const UNKNOWN_MARKET: i32 = 1003;
    /// The market is not tradable (not priced yet, or expired).
    pub const MARKET_CLOSED: i32 = 1004;
    /// The order's terms are invalid (tick, size, expiry, fee cap, bounds).
    pub const INVALID_ORDER: i32 = 1005;
    /// The order nonce is stale or already used (replay).
    pub const STALE_ORDER_NONCE: i32 = 1006;
    /// The account nonce of a cancel or withdrawal is not the account's current nonce.
    pub const WRONG_NONCE: i32 = 1007;
    /// The account would be insufficiently margined.
    pub const INSUFFICIENT_MARGIN: i32 = 1008;
    /// A post-only order would take liquidity.
    pub const POST_ONLY_WOULD_TAKE: i32 = 1009;
    /// A reduce-only order would grow or flip the position.
    pub const REDUCE_ONLY: i32 = 1010;
    /// The order was cancelled.
    pub const ORDER_CANCELLED: i32 = 1011;
    /// No such order.
    pub const ORDER_NOT_FOUND: i32 = 1012;
    /// Another rule of the spec refused the transaction (the message says which).
    pub const REJECTED: i32 = 1013;
    /// The per-connection request rate was exceeded.
    pub const RATE_LIMITED: i32 = 1014;
    /// The input could not be made durable: not acknowledged.
    pub const STORAGE: i32 = 1015;
    /// The node is stopping.
    pub const UNAVAILABLE: i32 = 1016;
}

/// RPC server limits.
#[derive(Clone, Copy, Debug)]
pub struct RpcLimits {
    /// Largest request body, bytes.
    pub max_request_bytes: u32,
    /// Largest response body, bytes.
    pub max_response_bytes: u32,
    /// Requests per second per connection (token bucket refill).
    pub rate_per_sec: u32,
    /// Bucket size (burst).
    pub burst: u32,
    /// Most simultaneous connections.
    pub max_connections: u32,
}

impl Default for RpcLimits {
    fn default() -> Self {
        Self {
            max_request_bytes: 64 * 1024,
            max_response_bytes: 16 * 1024 * 1024,
            rate_per_sec: 50_000,
            burst: 10_000,
            max_connections: 1_024,
        }
    }
}

fn err(code: i32, message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObjectOwned::owned::<()>(code, message, None)
}

/// The RPC code of an engine refusal.
pub fn engine_code(e: &EngineError) -> i32 {
    use EngineError as E;
    match e {
        E::UnknownMarket(_) => code::UNKNOWN_MARKET,
        E::UnknownAccount(_) => code::UNKNOWN_ACCOUNT,
        E::BadSignature => code::BAD_SIGNATURE,
        E::OutOfBounds(_)
        | E::OffTick { .. }
        | E::Expired { .. }
        | E::FeeCapTooLow { .. }
        | E::ContradictoryFlags => code::INVALID_ORDER,
        E::MarketClosed(_) => code::MARKET_CLOSED,
        E::DuplicateOrder | E::StaleNonce | E::SlotBusy(_) | E::OrderDone => {
            code::STALE_ORDER_NONCE
        }
        E::PostOnlyWouldCross => code::POST_ONLY_WOULD_TAKE,
        E::ReduceOnlyWouldIncrease => code::REDUCE_ONLY,
        E::InsufficientMargin { .. } => code::INSUFFICIENT_MARGIN,
        E::UnknownOrder => code::ORDER_NOT_FOUND,
        E::NotAllowed(_) => code::REJECTED,
        E::Rejected(t) => tx_code(t),
    }
}

/// The `data` of an error from the engine: its own stable reason and code (1001–1018 for
/// the engine's reasons, 2000 + n for the spec's; `crate::engine::EngineError::code`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ErrorData {
    /// The engine's reason (`EngineError::name`).
    pub reason: String,
    /// The engine's code.
    pub engine_code: i32,
}

fn tx_code(e: &TxError) -> i32 {
    use TxError as E;
    match e {
        E::AccountNotFound(_) | E::NoKey(_) => code::UNKNOWN_ACCOUNT,
        E::MarketNotFound(_) => code::UNKNOWN_MARKET,
        E::MarketNotPriced(_) | E::MarketExpired(_) => code::MARKET_CLOSED,
        E::BadSignature(_) | E::MissingSignature(_) => code::BAD_SIGNATURE,
        E::StaleOrderNonce(_) | E::OrderHashMismatch(_) => code::STALE_ORDER_NONCE,
        E::WrongNonce { .. } => code::WRONG_NONCE,
        E::MarginBreach(_) => code::INSUFFICIENT_MARGIN,
        E::ReduceOnlyViolation(_) => code::REDUCE_ONLY,
        E::OrderCancelled(_) => code::ORDER_CANCELLED,
        E::OffTick(_)
        | E::OutOfBounds(_)
        | E::FeeAboveLimit(_)
        | E::ZeroAmount
        | E::OrderExpired(_)
        | E::PriceWorseThanLimit(_)
        | E::Overfill(_) => code::INVALID_ORDER,
        _ => code::REJECTED,
    }
}

impl From<SubmitError> for ErrorObjectOwned {
    fn from(e: SubmitError) -> Self {
        match &e {
            SubmitError::Rejected(r) => {
                let data = ErrorData { reason: r.name().into(), engine_code: r.code() };
                Self::owned(engine_code(r), e.to_string(), Some(data))
            }
            SubmitError::Storage(_) => err(code::STORAGE, e.to_string()),
            SubmitError::Stopped => err(code::UNAVAILABLE, e.to_string()),
        }
    }
}

/// Acknowledgement of an order: durable once received.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OrderAck {
    /// Log sequence number.
    pub seq: u64,
    /// The order after matching.
    pub order: OrderStatus,
    /// Its fills.
    pub fills: Vec<Fill>,
}

/// Acknowledgement of a cancel, withdrawal or other input.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InputAck {
    /// Log sequence number.
    pub seq: u64,
    /// The cancelled order, if it was resting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<OrderStatus>,
    /// The L1 payout a withdrawal queued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payout: Option<Payout>,
}

/// A position with its risk and Greeks.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PositionView {
    /// Market.
    pub market_id: u8,
    /// Signed size, lots.
    pub size: i64,
    /// Mark price (options: the option's mark), quantums per lot.
    pub mark: u32,
    /// Index price (options: spot).
    pub index: u32,
    /// Mark-to-market value, quantums (decimal string).
    pub value: String,
    /// Initial requirement.
    pub im: String,
    /// Maintenance requirement.
    pub mm: String,
    /// Implied volatility of an option's mark.
    pub implied_vol: Option<f64>,
    /// Greeks of the position: delta in units of the underlying, gamma per USDC of spot,
    /// vega per 1.00 of volatility, theta per year (USDC).
    pub greeks: Greeks,
}

/// An account with its margin.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AccountView {
    /// Account id.
    pub account_id: u32,
    /// L1 owner.
    pub l1_address: Address,
    /// Collateral with pending funding settled, quantums.
    pub collateral: i64,
    /// Funding owed (positive) or due (negative), not yet settled in the state, quantums.
    pub pending_funding: String,
    /// Account nonce (the next cancel or withdrawal must carry it).
    pub nonce: u32,
    /// Total account value (decimal string: may exceed 2^53).
    pub tav: String,
    /// Initial margin requirement.
    pub imr: String,
    /// Maintenance margin requirement.
    pub mmr: String,
    /// `max(0, TAV − IMR)`.
    pub free_collateral: String,
    /// Below maintenance margin (the liquidation monitor will act).
    pub liquidatable: bool,
    /// Positions.
    pub positions: Vec<PositionView>,
    /// Account Greeks (sum of the positions').
    pub greeks: Greeks,
    /// Resting orders.
    pub open_orders: Vec<OrderStatus>,
}

/// A market.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MarketView {
    /// Id.
    pub market_id: u8,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: MarketKind,
    /// Strike (options), quantums per lot.
    pub strike: u32,
    /// Expiry (options), unix seconds.
    pub expiry: u64,
    /// Tick size, quantums.
    pub tick_size: u32,
    /// Lot size, 10^-8 units of the underlying.
    pub lot_size: u64,
    /// Mark price.
    pub mark_price: u32,
    /// Index price.
    pub index_price: u32,
    /// Open interest, lots.
    pub open_interest: u64,
    /// Funding index.
    pub funding_index: i64,
    /// Best bid.
    pub best_bid: Option<u32>,
    /// Best ask.
    pub best_ask: Option<u32>,
}

/// A queued L1 payout.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WithdrawalView {
    /// Batch that queued it.
    pub batch: u64,
    /// Recipient.
    pub l1_address: Address,
    /// Amount, quantums.
    pub amount: u64,
    /// The batch's status.
    pub status: crate::storage::BatchStatus,
}

/// Node status.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StatusView {
    /// Next log sequence number.
    pub next_seq: u64,
    /// Batch being filled.
    pub open_batch: u64,
    /// Transactions in it.
    pub pending_txs: u64,
    /// Batch timestamp.
    pub timestamp: u64,
    /// State root of the live state, if asked for (computed from scratch: it stalls the
    /// sequencer for a while on a big state).
    pub state_root: Option<String>,
    /// Resting orders.
    pub resting_orders: u64,
    /// Chain id of the signing domain.
    pub chain_id: u64,
    /// Rollup address of the signing domain.
    pub rollup: Address,
}

/// The `pb` API.
#[rpc(server, client, namespace = "pb")]
pub trait PbApi {
    /// Submits a signed order.
    #[method(name = "submitOrder")]
    async fn submit_order(&self, order: SignedOrder) -> RpcResult<OrderAck>;
    /// Cancels an order (signed).
    #[method(name = "cancelOrder")]
    async fn cancel_order(&self, cancel: CancelOrder) -> RpcResult<InputAck>;
    /// Withdraws collateral to L1 (signed).
    #[method(name = "withdraw")]
    async fn withdraw(&self, withdraw: Withdraw) -> RpcResult<InputAck>;
    /// An order's status.
    #[method(name = "orderStatus")]
    async fn order_status(&self, account_id: u32, nonce: u32) -> RpcResult<OrderStatus>;
    /// An account: collateral, positions, TAV, IMR, MMR, Greeks, open orders.
    #[method(name = "account")]
    async fn account(&self, account_id: u32) -> RpcResult<AccountView>;
    /// Order book depth.
    #[method(name = "book")]
    async fn book(&self, market_id: u8, depth: Option<u32>) -> RpcResult<BookDepth>;
    /// The markets.
    #[method(name = "markets")]
    async fn markets(&self) -> RpcResult<Vec<MarketView>>;
    /// Recent fills of a market, newest last.
    #[method(name = "recentTrades")]
    async fn recent_trades(&self, market_id: u8, limit: Option<u32>) -> RpcResult<Vec<Fill>>;
    /// Sealed batches with their status.
    #[method(name = "batches")]
    async fn batches(&self, from: Option<u64>, limit: Option<u32>) -> RpcResult<Vec<BatchRecord>>;
    /// Queued L1 payouts, optionally for one address.
    #[method(name = "withdrawals")]
    async fn withdrawals(&self, l1_address: Option<Address>) -> RpcResult<Vec<WithdrawalView>>;
    /// Node status; with `with_root`, the live state root too.
    #[method(name = "status")]
    async fn status(&self, with_root: Option<bool>) -> RpcResult<StatusView>;
    /// Fills of an account.
    #[subscription(name = "subscribeFills" => "fill", unsubscribe = "unsubscribeFills", item = Fill)]
    async fn subscribe_fills(&self, account_id: u32) -> SubscriptionResult;
    /// Order updates of an account.
    #[subscription(name = "subscribeOrders" => "order", unsubscribe = "unsubscribeOrders", item = OrderStatus)]
    async fn subscribe_orders(&self, account_id: u32) -> SubscriptionResult;
    /// Top-of-book changes of a market.
    #[subscription(name = "subscribeBook" => "bookTop", unsubscribe = "unsubscribeBook", item = BookTop)]
    async fn subscribe_book(&self, market_id: u8) -> SubscriptionResult;
    /// Batch status changes.
    #[subscription(name = "subscribeBatches" => "batch", unsubscribe = "unsubscribeBatches", item = BatchRecord)]
    async fn subscribe_batches(&self) -> SubscriptionResult;
}

/// The server implementation.
#[derive(Debug)]
struct PbRpc {
    shared: Arc<Shared>,
}

impl PbRpc {
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&crate::core::Core) -> T + Send + 'static,
    ) -> RpcResult<T> {
        self.shared.read(f).await.map_err(Into::into)
    }

    async fn subscribe(
        &self,
        pending: PendingSubscriptionSink,
        filter: impl Fn(&Event) -> Option<serde_json::Result<Box<serde_json::value::RawValue>>> + Send,
    ) -> SubscriptionResult {
        let mut rx = self.shared.events.subscribe();
        let sink = pending.accept().await?;
        loop {
            tokio::select! {
                () = sink.closed() => break,
                ev = rx.recv() => match ev {
                    Ok(e) => {
                        if let Some(msg) = filter(&e) {
                            if sink.send(msg?).await.is_err() {
                                break;
                            }
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                        tracing::debug!(missed = n, "slow subscriber");
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                },
            }
        }
        Ok(())
    }
}

fn raw<T: Serialize>(v: &T) -> Option<serde_json::Result<Box<serde_json::value::RawValue>>> {
    Some(serde_json::value::to_raw_value(v))
}

#[async_trait]
impl PbApiServer for PbRpc {
    async fn submit_order(&self, order: SignedOrder) -> RpcResult<OrderAck> {
        let (account, nonce) = (order.order.account_id, order.order.nonce);
        let Ack { seq, events, .. } = self.shared.submit(Input::Order(order)).await?;
        let mut status = None;
        let mut fills = Vec::new();
        for e in events {
            match e {
                EngineEvent::Order(s) if s.account_id == account && s.nonce == nonce => {
                    status = Some(s);
                }
                EngineEvent::Fill(f) if f.taker == (account, nonce) => fills.push(f),
                _ => {}
            }
        }
        let order = status.ok_or_else(|| {
            err(jsonrpsee::types::error::INTERNAL_ERROR_CODE, "no status for the order")
        })?;
        Ok(OrderAck { seq, order, fills })
    }

    async fn cancel_order(&self, cancel: CancelOrder) -> RpcResult<InputAck> {
        let (account, nonce) = (cancel.account_id, cancel.order_nonce);
        let Ack { seq, events, .. } = self.shared.submit(Input::Cancel(cancel)).await?;
        let order = events.into_iter().find_map(|e| match e {
            EngineEvent::Order(s) if s.account_id == account && s.nonce == nonce => Some(s),
            _ => None,
        });
        Ok(InputAck { seq, order, payout: None })
    }

    async fn withdraw(&self, withdraw: Withdraw) -> RpcResult<InputAck> {
        let Ack { seq, payout, .. } = self.shared.submit(Input::Withdraw(withdraw)).await?;
        Ok(InputAck { seq, order: None, payout })
    }

    async fn order_status(&self, account_id: u32, nonce: u32) -> RpcResult<OrderStatus> {
        self.read(move |c| c.engine().order_status(account_id, nonce).cloned()).await?.ok_or_else(
            || err(code::ORDER_NOT_FOUND, format!("no order {nonce} of account {account_id}")),
        )
    }

    async fn account(&self, account_id: u32) -> RpcResult<AccountView> {
        self.read(move |c| {
            let v = c.engine().account_view(account_id).ok()?;
            let a = c.state().account(account_id)?;
            Some(AccountView {
                account_id,
                l1_address: a.l1_address,
                collateral: v.collateral,
                pending_funding: v.pending_funding.to_string(),
                nonce: v.nonce,
                tav: v.tav.to_string(),
                imr: v.imr.to_string(),
                mmr: v.mmr.to_string(),
                free_collateral: v.free_collateral.to_string(),
                liquidatable: v.liquidatable,
                positions: v
                    .positions
                    .into_iter()
                    .map(|p| PositionView {
                        market_id: p.market_id,
                        size: p.size,
                        mark: p.mark,
                        index: p.index,
                        value: p.value.to_string(),
                        im: p.im.to_string(),
                        mm: p.mm.to_string(),
                        implied_vol: p.implied_vol,
                        greeks: p.greeks,
                    })
                    .collect(),
                greeks: v.greeks,
                open_orders: c.engine().open_orders(account_id),
            })
        })
        .await?
        .ok_or_else(|| err(code::UNKNOWN_ACCOUNT, format!("account {account_id} does not exist")))
    }

    async fn book(&self, market_id: u8, depth: Option<u32>) -> RpcResult<BookDepth> {
        let levels = depth.unwrap_or(20).min(1_000) as usize;
        self.read(move |c| c.engine().depth(market_id, levels).ok())
            .await?
            .ok_or_else(|| err(code::UNKNOWN_MARKET, format!("market {market_id} does not exist")))
    }

    async fn markets(&self) -> RpcResult<Vec<MarketView>> {
        self.read(|c| {
            c.state()
                .markets()
                .map(|m| {
                    let (best_bid, best_ask) = c.engine().top(m.id);
                    MarketView {
                        market_id: m.id,
                        name: crate::devnet::market_name(m),
                        kind: m.kind,
                        strike: m.strike,
                        expiry: m.expiry,
                        tick_size: m.tick_size,
                        lot_size: m.lot_size,
                        mark_price: m.mark_price,
                        index_price: m.index_price,
                        open_interest: m.open_interest,
                        funding_index: m.funding_index,
                        best_bid,
                        best_ask,
                    }
                })
                .collect()
        })
        .await
    }

    async fn recent_trades(&self, market_id: u8, limit: Option<u32>) -> RpcResult<Vec<Fill>> {
        let limit = limit.unwrap_or(100).min(256) as usize;
        self.read(move |c| c.state().market(market_id).map(|_| c.recent_trades(market_id, limit)))
            .await?
            .ok_or_else(|| err(code::UNKNOWN_MARKET, format!("market {market_id} does not exist")))
    }

    async fn batches(&self, from: Option<u64>, limit: Option<u32>) -> RpcResult<Vec<BatchRecord>> {
        let limit = limit.unwrap_or(20).min(200) as usize;
        self.shared
            .store
            .batches(from.unwrap_or(0), limit)
            .map_err(|e| err(code::STORAGE, e.to_string()))
    }

    async fn withdrawals(&self, l1_address: Option<Address>) -> RpcResult<Vec<WithdrawalView>> {
        let mut out = Vec::new();
        let mut from = 0;
        loop {
            let page = self
                .shared
                .store
                .batches(from, 1_000)
                .map_err(|e| err(code::STORAGE, e.to_string()))?;
            let Some(last) = page.last() else { break };
            from = last.number + 1;
            for b in &page {
                for p in &b.payouts {
                    if l1_address.is_none_or(|a| a == p.l1_address) {
                        out.push(WithdrawalView {
                            batch: b.number,
                            l1_address: p.l1_address,
                            amount: p.amount,
                            status: b.status,
                        });
                    }
                }
            }
        }
        Ok(out)
    }

    async fn status(&self, with_root: Option<bool>) -> RpcResult<StatusView> {
        let g = self.shared.config().clone();
        self.read(move |c| StatusView {
            next_seq: c.next_seq(),
            open_batch: c.open_batch(),
            pending_txs: c.pending_txs() as u64,
            timestamp: c.state().now(),
            state_root: with_root.unwrap_or(false).then(|| digest_hex(&c.state().state_root())),
            resting_orders: c.engine().resting_count() as u64,
            chain_id: g.chain_id,
            rollup: g.rollup,
        })
        .await
    }

    async fn subscribe_fills(
        &self,
        pending: PendingSubscriptionSink,
        account_id: u32,
    ) -> SubscriptionResult {
        self.subscribe(pending, move |e| match e {
            Event::Fill(f) if f.maker.0 == account_id || f.taker.0 == account_id => raw(f),
            _ => None,
        })
        .await
    }

    async fn subscribe_orders(
        &self,
        pending: PendingSubscriptionSink,
        account_id: u32,
    ) -> SubscriptionResult {
        self.subscribe(pending, move |e| match e {
            Event::Order(o) if o.account_id == account_id => raw(o),
            _ => None,
        })
        .await
    }

    async fn subscribe_book(
        &self,
        pending: PendingSubscriptionSink,
        market_id: u8,
    ) -> SubscriptionResult {
        self.subscribe(pending, move |e| match e {
            Event::Book(b) if b.market_id == market_id => raw(b),
            _ => None,
        })
        .await
    }

    async fn subscribe_batches(&self, pending: PendingSubscriptionSink) -> SubscriptionResult {
        self.subscribe(pending, |e| match e {
            Event::Batch(b) => raw(b),
            _ => None,
        })
        .await
    }
}

/// Per-connection token buckets, keyed by jsonrpsee's connection id (an HTTP keep-alive
/// connection or a WebSocket).
#[derive(Debug)]
struct Buckets {
    rate: f64,
    burst: f64,
    map: Mutex<HashMap<usize, (f64, Instant)>>,
}

impl Buckets {
    /// Takes a token for `conn`; `false` if the bucket is empty.
    fn take(&self, conn: usize) -> bool {
        let now = Instant::now();
        let mut map = self.map.lock();
        if map.len() > 100_000 {
            // Forget idle connections (their buckets are full again anyway).
            map.retain(|_, (_, t)| now.duration_since(*t).as_secs() < 60);
        }
        let (tokens, last) = map.entry(conn).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * self.rate).min(self.burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// The rate-limiting RPC middleware.
#[derive(Clone, Debug)]
struct RateLimit<S> {
    service: S,
    buckets: Arc<Buckets>,
}

impl<S> RpcServiceT for RateLimit<S>
where
    S: RpcServiceT<MethodResponse = MethodResponse> + Send + Sync + Clone + 'static,
{
    type MethodResponse = S::MethodResponse;
    type NotificationResponse = S::NotificationResponse;
    type BatchResponse = S::BatchResponse;

    fn call<'a>(&self, req: Request<'a>) -> impl Future<Output = Self::MethodResponse> + Send + 'a {
        let conn = req.extensions().get::<ConnectionId>().map_or(0, |c| c.0);
        let allowed = self.buckets.take(conn);
        let service = self.service.clone();
        async move {
            if allowed {
                service.call(req).await
            } else {
                MethodResponse::error(req.id, err(code::RATE_LIMITED, "rate limit exceeded"))
            }
        }
    }

    fn batch<'a>(&self, batch: Batch<'a>) -> impl Future<Output = Self::BatchResponse> + Send + 'a {
        // Batches are disabled on this server (see `serve`).
        self.service.batch(batch)
    }

    fn notification<'a>(
        &self,
        n: Notification<'a>,
    ) -> impl Future<Output = Self::NotificationResponse> + Send + 'a {
        self.service.notification(n)
    }
}

/// Starts the server on `addr`; returns its handle and bound address.
pub async fn serve(
    addr: SocketAddr,
    limits: &RpcLimits,
    shared: Arc<Shared>,
) -> Result<(ServerHandle, SocketAddr), Box<dyn std::error::Error + Send + Sync>> {
    let buckets = Arc::new(Buckets {
        rate: f64::from(limits.rate_per_sec),
        burst: f64::from(limits.burst.max(1)),
        map: Mutex::new(HashMap::new()),
    });
    let middleware = RpcServiceBuilder::new()
        .layer_fn(move |service| RateLimit { service, buckets: Arc::clone(&buckets) });
    let config = jsonrpsee::server::ServerConfig::builder()
        .max_request_body_size(limits.max_request_bytes)
        .max_response_body_size(limits.max_response_bytes)
        .max_connections(limits.max_connections)
        .set_batch_request_config(jsonrpsee::server::BatchRequestConfig::Disabled)
        .build();
    let server =
        Server::builder().set_config(config).set_rpc_middleware(middleware).build(addr).await?;
    let bound = server.local_addr()?;
    let mut module = PbRpc { shared }.into_rpc();
    let doc = crate::openrpc::document(&module.method_names().collect::<Vec<_>>());
    module.register_method("rpc.discover", move |_, _, _| -> RpcResult<serde_json::Value> {
        Ok(doc.clone())
    })?;
    Ok((server.start(module), bound))
}

//! The OpenRPC document `rpc.discover` returns: every method with its parameters, result and
//! the error codes it can return (the same table as `docs/rpc.md`).

use serde_json::{json, Value};

use crate::rpc::code;

/// One documented method.
struct Doc {
    name: &'static str,
    summary: &'static str,
    params: &'static [(&'static str, &'static str, bool)],
    result: &'static str,
    errors: &'static [i32],
}

const ORDER_ERRORS: &[i32] = &[
    code::BAD_SIGNATURE,
    code::UNKNOWN_ACCOUNT,
    code::UNKNOWN_MARKET,
    code::MARKET_CLOSED,
    code::INVALID_ORDER,
    code::STALE_ORDER_NONCE,
    code::INSUFFICIENT_MARGIN,
    code::POST_ONLY_WOULD_TAKE,
    code::REDUCE_ONLY,
    code::ORDER_CANCELLED,
    code::REJECTED,
    code::STORAGE,
    code::UNAVAILABLE,
];
const SIGNED_ERRORS: &[i32] = &[
    code::BAD_SIGNATURE,
    code::UNKNOWN_ACCOUNT,
    code::WRONG_NONCE,
    code::STALE_ORDER_NONCE,
    code::ORDER_CANCELLED,
    code::INSUFFICIENT_MARGIN,
    code::REJECTED,
    code::STORAGE,
    code::UNAVAILABLE,
];

const DOCS: &[Doc] = &[
    Doc {
        name: "pb_submitOrder",
        summary: "Submit a signed order; acknowledged once durable, with its fills.",
        params: &[("order", "SignedOrder", true)],
        result: "OrderAck",
        errors: ORDER_ERRORS,
    },
    Doc {
        name: "pb_cancelOrder",
        summary: "Cancel an order with a signed CancelOrder (bumps the account nonce).",
        params: &[("cancel", "CancelOrder", true)],
        result: "InputAck",
        errors: SIGNED_ERRORS,
    },
    Doc {
        name: "pb_withdraw",
        summary: "Withdraw collateral to the account's L1 address (signed).",
        params: &[("withdraw", "Withdraw", true)],
        result: "InputAck",
        errors: SIGNED_ERRORS,
    },
    Doc {
        name: "pb_orderStatus",
        summary: "Status of an order: resting, filled or cancelled (with the reason), lots filled and remaining.",
        params: &[("account_id", "u32", true), ("nonce", "u32", true)],
        result: "OrderStatus",
        errors: &[code::ORDER_NOT_FOUND],
    },
    Doc {
        name: "pb_account",
        summary: "Collateral, positions, TAV, IMR, MMR, Greeks and open orders of an account.",
        params: &[("account_id", "u32", true)],
        result: "AccountView",
        errors: &[code::UNKNOWN_ACCOUNT],
    },
    Doc {
        name: "pb_book",
        summary: "Aggregated order book depth of a market (default 20 levels per side).",
        params: &[("market_id", "u8", true), ("depth", "u32", false)],
        result: "BookDepth",
        errors: &[code::UNKNOWN_MARKET],
    },
    Doc {
        name: "pb_markets",
        summary: "Listed markets with terms, oracle prices and top of book.",
        params: &[],
        result: "MarketView[]",
        errors: &[],
    },
    Doc {
        name: "pb_recentTrades",
        summary: "Recent fills of a market, newest last (default 100, at most 256).",
        params: &[("market_id", "u8", true), ("limit", "u32", false)],
        result: "Fill[]",
        errors: &[code::UNKNOWN_MARKET],
    },
    Doc {
        name: "pb_batches",
        summary: "Sealed batches from a number on, with public data, roots and status.",
        params: &[("from", "u64", false), ("limit", "u32", false)],
        result: "BatchRecord[]",
        errors: &[code::STORAGE],
    },
    Doc {
        name: "pb_withdrawals",
        summary: "L1 payouts queued by withdrawals, optionally for one L1 address.",
        params: &[("l1_address", "Address", false)],
        result: "WithdrawalView[]",
        errors: &[code::STORAGE],
    },
    Doc {
        name: "pb_status",
        summary: "Sequence number, open batch; with `with_root`, the live state root.",
        params: &[("with_root", "bool", false)],
        result: "StatusView",
        errors: &[],
    },
    Doc {
        name: "pb_subscribeFills",
        summary: "Subscription (WebSocket): fills of an account; notifications `pb_fill`.",
        params: &[("account_id", "u32", true)],
        result: "Fill (per notification)",
        errors: &[],
    },
    Doc {
        name: "pb_unsubscribeFills",
        summary: "Ends a fills subscription.",
        params: &[("subscription", "string", true)],
        result: "bool",
        errors: &[],
    },
    Doc {
        name: "pb_subscribeOrders",
        summary: "Subscription: order updates of an account; notifications `pb_order`.",
        params: &[("account_id", "u32", true)],
        result: "OrderStatus (per notification)",
        errors: &[],
    },
    Doc {
        name: "pb_unsubscribeOrders",
        summary: "Ends an order-update subscription.",
        params: &[("subscription", "string", true)],
        result: "bool",
        errors: &[],
    },
    Doc {
        name: "pb_subscribeBook",
        summary: "Subscription: top-of-book changes of a market; notifications `pb_bookTop`.",
        params: &[("market_id", "u8", true)],
        result: "BookTop (per notification)",
        errors: &[],
    },
    Doc {
        name: "pb_unsubscribeBook",
        summary: "Ends a book subscription.",
        params: &[("subscription", "string", true)],
        result: "bool",
        errors: &[],
    },
    Doc {
        name: "pb_subscribeBatches",
        summary: "Subscription: sealed batches and status changes; notifications `pb_batch`.",
        params: &[],
        result: "BatchRecord (per notification)",
        errors: &[],
    },
    Doc {
        name: "pb_unsubscribeBatches",
        summary: "Ends a batch subscription.",
        params: &[("subscription", "string", true)],
        result: "bool",
        errors: &[],
    },
    Doc {
        name: "rpc.discover",
        summary: "This OpenRPC document.",
        params: &[],
        result: "OpenRPC document",
        errors: &[],
    },
];

/// Message of each application error code.
pub const ERRORS: &[(i32, &str)] = &[
    (code::BAD_SIGNATURE, "bad signature"),
    (code::UNKNOWN_ACCOUNT, "unknown account"),
    (code::UNKNOWN_MARKET, "unknown market"),
    (code::MARKET_CLOSED, "market not tradable"),
    (code::INVALID_ORDER, "invalid order"),
    (code::STALE_ORDER_NONCE, "stale or used order nonce"),
    (code::WRONG_NONCE, "wrong account nonce"),
    (code::INSUFFICIENT_MARGIN, "insufficient margin"),
    (code::POST_ONLY_WOULD_TAKE, "post-only order would take"),
    (code::REDUCE_ONLY, "reduce-only violated"),
    (code::ORDER_CANCELLED, "order cancelled"),
    (code::ORDER_NOT_FOUND, "order not found"),
    (code::REJECTED, "rejected by the rules"),
    (code::RATE_LIMITED, "rate limit exceeded"),
    (code::STORAGE, "not durable: storage failure"),
    (code::UNAVAILABLE, "node stopping"),
];

/// Names of the documented methods.
pub fn documented() -> impl Iterator<Item = &'static str> {
    DOCS.iter().map(|d| d.name)
}

/// The document; `registered` are the server's method names, any undocumented one is
/// listed with a generic entry (a test keeps that list empty).
pub fn document(registered: &[&str]) -> Value {
    let message = |c: i32| ERRORS.iter().find(|(k, _)| *k == c).map_or("", |(_, m)| m);
    let mut methods: Vec<Value> = DOCS
        .iter()
        .map(|d| {
            json!({
                "name": d.name,
                "summary": d.summary,
                "params": d.params.iter().map(|(n, t, req)| json!({
                    "name": n, "required": req, "schema": { "title": t }
                })).collect::<Vec<_>>(),
                "result": { "name": "result", "schema": { "title": d.result } },
                "errors": d.errors.iter().map(|c| json!({ "code": c, "message": message(*c) })).collect::<Vec<_>>(),
            })
        })
        .collect();
    for r in registered {
        if !DOCS.iter().any(|d| d.name == *r) {
            methods.push(
                json!({ "name": r, "params": [], "result": { "name": "result", "schema": {} } }),
            );
        }
    }
    json!({
        "openrpc": "1.2.6",
        "info": { "title": "proofbook sequencer", "version": env!("CARGO_PKG_VERSION") },
        "methods": methods,
        "components": {
            "errors": ERRORS.iter().map(|(c, m)| json!({ "code": c, "message": m })).collect::<Vec<_>>()
        }
    })
}

//! Why the engine refused an input. Every refusal leaves the engine — book, spec state and
//! pending transactions — unchanged.

use proofbook_circuits::error::TxError;

/// A refused order, cancel or transaction. [`EngineError::code`] gives each variant a stable
/// number for the RPC layer (never reused; new variants take new numbers).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// The market is not listed.
    #[error("market {0} does not exist")]
    UnknownMarket(u8),
    /// The account does not exist in the state.
    #[error("account {0} does not exist")]
    UnknownAccount(u32),
    /// The order's signature does not verify, is missing, or the account has no key.
    #[error("bad or missing signature")]
    BadSignature,
    /// Zero or out-of-bound size, fee cap above 10^6, expiry beyond the timestamp bound.
    #[error("order out of bounds: {0}")]
    OutOfBounds(&'static str),
    /// The price is zero or not a multiple of the market's tick size.
    #[error("price {price} is not a positive multiple of the tick size {tick}")]
    OffTick {
        /// The order's price.
        price: u32,
        /// The market's tick size.
        tick: u32,
    },
    /// The order's expiry is before the engine's current time.
    #[error("order expired at {expiry} (now {now})")]
    Expired {
        /// The order's expiry.
        expiry: u64,
        /// The engine's time.
        now: u64,
    },
    /// The order's fee cap is below the fee the venue charges.
    #[error("fee cap {max_fee_ppm} ppm below the venue's fee {fee_ppm} ppm")]
    FeeCapTooLow {
        /// The order's cap.
        max_fee_ppm: u32,
        /// The fee it would pay.
        fee_ppm: u32,
    },
    /// Post-only together with IOC: such an order could neither take nor rest.
    #[error("post-only and IOC are exclusive")]
    ContradictoryFlags,
    /// The market has no oracle price yet, or the option has expired.
    #[error("market {0} is not open for trading")]
    MarketClosed(u8),
    /// An order with this account and nonce is already resting.
    #[error("order already resting")]
    DuplicateOrder,
    /// The order's slot holds a newer nonce, or another order with the same nonce.
    #[error("stale or reused order nonce")]
    StaleNonce,
    /// Another resting order of the account uses the same order slot (nonce mod 2^16).
    #[error("order slot {0} is used by another resting order")]
    SlotBusy(u16),
    /// The order was cancelled or completely filled already.
    #[error("order already cancelled or filled")]
    OrderDone,
    /// A post-only order would take liquidity.
    #[error("post-only order would cross the book")]
    PostOnlyWouldCross,
    /// A reduce-only order would open or grow a position.
    #[error("reduce-only order would not reduce the position")]
    ReduceOnlyWouldIncrease,
    /// Filled entirely at its limit price (the worst case), together with the account's other
    /// resting orders on the same side of the market, the order would leave the account below
    /// initial margin (the spec's `transition_allowed`).
    #[error("margin: account {account} would have TAV {tav} below IMR {imr}")]
    InsufficientMargin {
        /// The account.
        account: u32,
        /// Total account value in the worst case, quantums.
        tav: i128,
        /// Initial margin requirement in the worst case, quantums.
        imr: i128,
    },
    /// No resting order with this key (order status, internal cancel).
    #[error("unknown order")]
    UnknownOrder,
    /// The operation is not accepted through this entry point (trades and liquidations are
    /// formed by the engine only).
    #[error("not allowed: {0}")]
    NotAllowed(&'static str),
    /// The spec rejected the transaction (code 2000 + the spec's reason).
    #[error("rejected by the rules: {0}")]
    Rejected(#[from] TxError),
}

impl EngineError {
    /// Stable numeric code: 1001.. for the engine's own reasons, 2000.. for the spec's.
    pub const fn code(&self) -> i32 {
        match self {
            Self::UnknownMarket(_) => 1001,
            Self::UnknownAccount(_) => 1002,
            Self::BadSignature => 1003,
            Self::OutOfBounds(_) => 1004,
            Self::OffTick { .. } => 1005,
            Self::Expired { .. } => 1006,
            Self::FeeCapTooLow { .. } => 1007,
            Self::ContradictoryFlags => 1008,
            Self::MarketClosed(_) => 1009,
            Self::DuplicateOrder => 1010,
            Self::StaleNonce => 1011,
            Self::SlotBusy(_) => 1012,
            Self::OrderDone => 1013,
            Self::PostOnlyWouldCross => 1014,
            Self::ReduceOnlyWouldIncrease => 1015,
            Self::InsufficientMargin { .. } => 1016,
            Self::UnknownOrder => 1017,
            Self::NotAllowed(_) => 1018,
            Self::Rejected(e) => 2000 + tx_error_code(e),
        }
    }

    /// A short stable name of the variant (`snake_case`), for logs and RPC error data.
    pub const fn name(&self) -> &'static str {
        match self {
            Self::UnknownMarket(_) => "unknown_market",
            Self::UnknownAccount(_) => "unknown_account",
            Self::BadSignature => "bad_signature",
            Self::OutOfBounds(_) => "out_of_bounds",
            Self::OffTick { .. } => "off_tick",
            Self::Expired { .. } => "expired",
            Self::FeeCapTooLow { .. } => "fee_cap_too_low",
            Self::ContradictoryFlags => "contradictory_flags",
            Self::MarketClosed(_) => "market_closed",
            Self::DuplicateOrder => "duplicate_order",
            Self::StaleNonce => "stale_nonce",
            Self::SlotBusy(_) => "slot_busy",
            Self::OrderDone => "order_done",
            Self::PostOnlyWouldCross => "post_only_would_cross",
            Self::ReduceOnlyWouldIncrease => "reduce_only_would_increase",
            Self::InsufficientMargin { .. } => "insufficient_margin",
            Self::UnknownOrder => "unknown_order",
            Self::NotAllowed(_) => "not_allowed",
            Self::Rejected(_) => "rejected_by_rules",
        }
    }

    /// The engine's error for a spec error found while admitting an order (signature errors
    /// fold into [`Self::BadSignature`], bounds into [`Self::OutOfBounds`]).
    pub(crate) fn from_admission(e: TxError) -> Self {
        match e {
            TxError::BadSignature(_) | TxError::MissingSignature(_) | TxError::NoKey(_) => {
                Self::BadSignature
            }
            TxError::OutOfBounds(what) => Self::OutOfBounds(what),
            TxError::AccountNotFound(a) => Self::UnknownAccount(a),
            TxError::MarketNotFound(m) => Self::UnknownMarket(m),
            other => Self::Rejected(other),
        }
    }
}

/// Stable number of a spec rejection reason (0..).
pub const fn tx_error_code(e: &TxError) -> i32 {
    match e {
        TxError::AccountNotFound(_) => 1,
        TxError::AccountOwnerMismatch(_) => 2,
        TxError::NoKey(_) => 3,
        TxError::MarketNotFound(_) => 4,
        TxError::MarketNotPriced(_) => 5,
        TxError::MarketExpired(_) => 6,
        TxError::BadSignature(_) => 7,
        TxError::MissingSignature(_) => 8,
        TxError::OrderExpired(_) => 9,
        TxError::Overfill(_) => 10,
        TxError::StaleOrderNonce(_) => 11,
        TxError::OrderHashMismatch(_) => 12,
        TxError::OrderCancelled(_) => 13,
        TxError::OrderMismatch(_) => 14,
        TxError::SameSide => 15,
        TxError::SelfTrade => 16,
        TxError::PriceWorseThanLimit(_) => 17,
        TxError::OffTick(_) => 18,
        TxError::PostOnlyTaker => 19,
        TxError::IocMaker => 20,
        TxError::ReduceOnlyViolation(_) => 21,
        TxError::FeeAboveLimit(_) => 22,
        TxError::MarginBreach(_) => 23,
        TxError::PositionsFull(_) => 24,
        TxError::WrongNonce { .. } => 25,
        TxError::ZeroAmount => 26,
        TxError::OutOfBounds(_) => 27,
        TxError::BadTimestamp => 28,
        TxError::BadOracleUpdate(_) => 29,
        TxError::FundingAboveCap => 30,
        TxError::NotPerp(_) => 31,
        TxError::NotOption(_) => 32,
        TxError::NotSettled(_) => 33,
        TxError::NoPosition(_) => 34,
        TxError::NotLiquidatable(_) => 35,
        TxError::BeyondBankruptcyPrice => 36,
        TxError::TakeoverOfSolvent => 37,
        TxError::TransferToSelf => 38,
        TxError::TimeGoesBackwards => 39,
    }
}

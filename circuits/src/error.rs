//! Why a transaction is rejected. Every rejection leaves the state unchanged.

use thiserror::Error;

/// Which party of a transaction an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Party {
    /// The resting order's side of a trade.
    Maker,
    /// The incoming order's side of a trade.
    Taker,
    /// The account being liquidated.
    Liquidated,
    /// The liquidator.
    Liquidator,
    /// The account that signed an account-level transaction.
    Signer,
    /// The oracle.
    Oracle,
}

/// A rejected transaction.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum TxError {
    /// The account does not exist.
    #[error("account {0} does not exist")]
    AccountNotFound(u32),
    /// A deposit names an existing account owned by another L1 address.
    #[error("account {0} belongs to another L1 address")]
    AccountOwnerMismatch(u32),
    /// The account has no signing key yet.
    #[error("account {0} has no L2 key")]
    NoKey(u32),
    /// The market does not exist.
    #[error("market {0} does not exist")]
    MarketNotFound(u8),
    /// The market has no oracle price yet.
    #[error("market {0} has no oracle price")]
    MarketNotPriced(u8),
    /// The option market has expired: no more trading.
    #[error("market {0} has expired")]
    MarketExpired(u8),
    /// A signature does not verify (wrong key, tampered message, or signed for another
    /// deployment: the chain id and rollup address are part of every signed message).
    #[error("bad signature ({0:?})")]
    BadSignature(Party),
    /// The order's first fill carries no signature.
    #[error("missing signature on the first fill ({0:?})")]
    MissingSignature(Party),
    /// The order's expiry is in the past.
    #[error("order expired ({0:?})")]
    OrderExpired(Party),
    /// The fill would exceed the order's size.
    #[error("overfill ({0:?})")]
    Overfill(Party),
    /// The slot holds a newer order nonce: this order is stale or replayed.
    #[error("stale order nonce ({0:?})")]
    StaleOrderNonce(Party),
    /// The slot holds this nonce with another order hash.
    #[error("order does not match the one stored in its slot ({0:?})")]
    OrderHashMismatch(Party),
    /// The order was cancelled.
    #[error("order cancelled ({0:?})")]
    OrderCancelled(Party),
    /// The order is for another market or account than the fill.
    #[error("order does not match the fill ({0:?})")]
    OrderMismatch(Party),
    /// Both orders are on the same side.
    #[error("both orders are on the same side")]
    SameSide,
    /// Maker and taker are the same account.
    #[error("self-trade")]
    SelfTrade,
    /// The fill price is worse than an order's limit.
    #[error("price worse than the limit ({0:?})")]
    PriceWorseThanLimit(Party),
    /// The price is not a multiple of the market's tick size.
    #[error("price not on the tick grid ({0:?})")]
    OffTick(Party),
    /// A post-only order would take.
    #[error("post-only order cannot take")]
    PostOnlyTaker,
    /// An IOC order would rest.
    #[error("IOC order cannot be the maker")]
    IocMaker,
    /// A reduce-only order would grow or flip the position.
    #[error("reduce-only violated ({0:?})")]
    ReduceOnlyViolation(Party),
    /// A fee exceeds the order's or the protocol's limit.
    #[error("fee above the limit ({0:?})")]
    FeeAboveLimit(Party),
    /// The account would be left insufficiently margined.
    #[error("margin breach on account {0}")]
    MarginBreach(u32),
    /// A ninth position would be opened.
    #[error("account {0} has no free position slot")]
    PositionsFull(u32),
    /// The account-level nonce is not the account's current nonce.
    #[error("wrong nonce: expected {expected}, got {got}")]
    WrongNonce {
        /// The account's nonce.
        expected: u32,
        /// The transaction's nonce.
        got: u32,
    },
    /// Zero amount or size.
    #[error("zero amount")]
    ZeroAmount,
    /// A value exceeds its protocol bound (collateral, size, amount, timestamp, index).
    #[error("value out of bounds: {0}")]
    OutOfBounds(&'static str),
    /// An oracle or funding timestamp does not increase, or lies in the future.
    #[error("timestamp not increasing or in the future")]
    BadTimestamp,
    /// A malformed oracle update (no entries, too many, duplicate market, implausible price).
    #[error("malformed oracle update: {0}")]
    BadOracleUpdate(&'static str),
    /// The funding index moves faster than the cap allows.
    #[error("funding above the cap")]
    FundingAboveCap,
    /// The market is not a perpetual.
    #[error("market {0} is not a perpetual")]
    NotPerp(u8),
    /// The market is not an option.
    #[error("market {0} is not an option")]
    NotOption(u8),
    /// The option has no settlement price yet.
    #[error("option market {0} is not settled yet")]
    NotSettled(u8),
    /// The account has no position in the market.
    #[error("no position in market {0}")]
    NoPosition(u8),
    /// Liquidation of an account at or above maintenance margin.
    #[error("account {0} is not liquidatable")]
    NotLiquidatable(u32),
    /// Liquidation price beyond the bankruptcy bound.
    #[error("liquidation price beyond the bankruptcy price")]
    BeyondBankruptcyPrice,
    /// The insurance fund may take over only a bankrupt account.
    #[error("insurance takeover of a solvent account")]
    TakeoverOfSolvent,
    /// A transfer to oneself.
    #[error("transfer to the same account")]
    TransferToSelf,
    /// The batch timestamp would go backwards.
    #[error("batch timestamp goes backwards")]
    TimeGoesBackwards,
}

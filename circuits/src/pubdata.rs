//! Public data: the compact byte record of each transaction that L1 stores for every batch,
//! so that anyone can rebuild the whole state from L1 data alone (the exit tool relies on it).
//!
//! The byte layout of every record is specified in `docs/pubdata.md`, with golden vectors
//! checked by `circuits/tests/pubdata_golden.rs`. Integers are big-endian; a record starts
//! with its type byte; records are concatenated in transaction order. Signatures are not
//! public, but every leaf field is reconstructible: an order's first fill publishes the
//! order's terms so its hash (stored in the slot) can be recomputed.

use alloy_primitives::Address;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::constants::{MAX_ORACLE_ENTRIES, MAX_SIZE, MAX_TIMESTAMP, ORDER_SLOTS, PPM};
use crate::hash::F;
use crate::order::{Order, OrderFlags, Side};
use plonky2::field::types::Field64;

/// A malformed public-data record.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum PubdataError {
    /// The bytes end inside a record.
    #[error("public data ends inside a record at byte {0}")]
    UnexpectedEnd(usize),
    /// Unknown record type byte.
    #[error("unknown record type {0:#04x} at byte {1}")]
    UnknownType(u8, usize),
    /// A field holds a value outside its bound.
    #[error("invalid field {0} at byte {1}")]
    InvalidField(&'static str, usize),
}

/// Record type bytes.
pub mod op_type {
    /// Padding.
    pub const NOOP: u8 = 0x00;
    /// L1 deposit.
    pub const DEPOSIT: u8 = 0x01;
    /// L1 forced withdrawal (honoured or rejected with a reason).
    pub const FORCED_WITHDRAWAL: u8 = 0x02;
    /// L2 withdrawal.
    pub const WITHDRAW: u8 = 0x03;
    /// L2 transfer.
    pub const TRANSFER: u8 = 0x04;
    /// Trade.
    pub const TRADE: u8 = 0x05;
    /// Order cancel.
    pub const CANCEL_ORDER: u8 = 0x06;
    /// Oracle prices.
    pub const ORACLE_PRICES: u8 = 0x07;
    /// Funding tick.
    pub const FUNDING_TICK: u8 = 0x08;
    /// Liquidation.
    pub const LIQUIDATE: u8 = 0x09;
    /// Option settlement.
    pub const SETTLE_OPTION: u8 = 0x0a;
}

/// Outcome of a forced withdrawal. Never skipped: a request that cannot be honoured is
/// processed as rejected, with the reason, so L1 can pop it from the priority queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForcedWithdrawalStatus {
    /// Paid out.
    Honoured = 0,
    /// The account does not exist.
    NoSuchAccount = 1,
    /// The requester is not the account's L1 address.
    NotOwner = 2,
    /// Paying would leave the account below initial margin.
    InsufficientMargin = 3,
    /// Zero, or beyond the collateral bound.
    InvalidAmount = 4,
}

impl ForcedWithdrawalStatus {
    fn from_u8(b: u8) -> Option<Self> {
        Some(match b {
            0 => Self::Honoured,
            1 => Self::NoSuchAccount,
            2 => Self::NotOwner,
            3 => Self::InsufficientMargin,
            4 => Self::InvalidAmount,
            _ => return None,
        })
    }
}

/// An order's terms, published on its first fill (the fields of the order hash that the
/// fill record does not already carry).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderTerms {
    /// Full order nonce (the record carries only its slot).
    pub nonce: u32,
    /// Order size, lots.
    pub size: u64,
    /// Expiry, unix seconds.
    pub expiry: u64,
    /// Flags.
    pub flags: OrderFlags,
    /// Fee cap, ppm.
    pub max_fee_ppm: u32,
    /// Limit price. Published for takers only: a maker's (and a liquidator's) limit is the
    /// fill price, which the record already carries.
    pub price: u32,
}

impl OrderTerms {
    /// The order these terms were published for, given what the fill record carries: the
    /// account, the market and the order's side. Its hash is what the slot stores.
    pub const fn order(&self, account_id: u32, market_id: u8, side: Side) -> Order {
        Order {
            account_id,
            market_id,
            side,
            price: self.price,
            size: self.size,
            nonce: self.nonce,
            expiry: self.expiry,
            flags: self.flags,
            max_fee_ppm: self.max_fee_ppm,
        }
    }
}

/// One side of a fill.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FillSide {
    /// The account.
    pub account_id: u32,
    /// Order slot (order nonce mod 2^16).
    pub slot: u16,
    /// Fee rate paid, ppm of the fill notional.
    pub fee_ppm: u32,
    /// Present on the order's first fill.
    pub first_fill: Option<OrderTerms>,
}

/// A deposit from the L1 priority queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepositOp {
    /// Credited account (created if new).
    pub account_id: u32,
    /// The depositor: the account's L1 owner.
    pub l1_address: Address,
    /// L2 public key for a new account (five canonical limbs).
    pub pubkey: [u64; 5],
    /// Amount, quantums.
    pub amount: u64,
}

/// A forced withdrawal from the L1 priority queue, with its outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForcedWithdrawalOp {
    /// The account.
    pub account_id: u32,
    /// The requester (`msg.sender` on L1).
    pub l1_address: Address,
    /// Requested amount, quantums.
    pub amount: u64,
    /// Honoured or rejected, and why.
    pub status: ForcedWithdrawalStatus,
}

/// A trade: the taker's order filled against the maker's, at the maker's price.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TradeOp {
    /// Maker side.
    pub maker: FillSide,
    /// Taker side.
    pub taker: FillSide,
    /// Market.
    pub market_id: u8,
    /// The taker's side (the maker's is the opposite).
    pub taker_side: Side,
    /// Filled lots.
    pub size: u64,
    /// Fill price (the maker's limit).
    pub price: u32,
}

/// A liquidation fill.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiquidateOp {
    /// The liquidated account.
    pub liquidated: u32,
    /// The liquidator's side (account 0 with no order for an insurance takeover; its
    /// `fee_ppm` is the insurance fee the liquidated account pays).
    pub liquidator: FillSide,
    /// Whether the insurance fund takes the position over (no order, bankrupt account).
    pub takeover: bool,
    /// Market.
    pub market_id: u8,
    /// Lots closed.
    pub size: u64,
    /// Fill price.
    pub price: u32,
}

/// One oracle price.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceEntry {
    /// Market.
    pub market_id: u8,
    /// Mark price (options: the option's mark).
    pub mark: u32,
    /// Index price (options: spot of the underlying).
    pub index: u32,
}

/// A public-data record: the effect of one transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PubOp {
    /// Padding.
    Noop,
    /// Deposit.
    Deposit(DepositOp),
    /// Forced withdrawal.
    ForcedWithdrawal(ForcedWithdrawalOp),
    /// L2 withdrawal.
    Withdraw {
        /// The account.
        account_id: u32,
        /// Amount, quantums.
        amount: u64,
    },
    /// Transfer.
    Transfer {
        /// Sender.
        from: u32,
        /// Recipient.
        to: u32,
        /// Amount, quantums.
        amount: u64,
    },
    /// Trade.
    Trade(TradeOp),
    /// Order cancel.
    CancelOrder {
        /// The account.
        account_id: u32,
        /// The cancelled order's nonce.
        order_nonce: u32,
    },
    /// Oracle prices.
    OraclePrices {
        /// Oracle timestamp.
        timestamp: u64,
        /// One to four prices.
        entries: Vec<PriceEntry>,
    },
    /// Funding tick.
    FundingTick {
        /// Perp market.
        market_id: u8,
        /// Tick time.
        timestamp: u64,
        /// New cumulative funding index.
        new_index: i64,
    },
    /// Liquidation.
    Liquidate(LiquidateOp),
    /// Option settlement.
    SettleOption {
        /// The account.
        account_id: u32,
        /// The expired option market.
        market_id: u8,
    },
}

struct Writer<'a>(&'a mut Vec<u8>);

impl Writer<'_> {
    fn u(&mut self, v: u64, bytes: usize) {
        debug_assert!(bytes == 8 || v < 1 << (8 * bytes));
        self.0.extend_from_slice(&v.to_be_bytes()[8 - bytes..]);
    }
    fn addr(&mut self, a: &Address) {
        self.0.extend_from_slice(a.as_slice());
    }
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], PubdataError> {
        let s = self.b.get(self.pos..self.pos + n).ok_or(PubdataError::UnexpectedEnd(self.pos))?;
        self.pos += n;
        Ok(s)
    }
    fn u(&mut self, bytes: usize) -> Result<u64, PubdataError> {
        let mut buf = [0u8; 8];
        buf[8 - bytes..].copy_from_slice(self.take(bytes)?);
        Ok(u64::from_be_bytes(buf))
    }
    fn u8(&mut self) -> Result<u8, PubdataError> {
        Ok(self.u(1)? as u8)
    }
    fn u16(&mut self) -> Result<u16, PubdataError> {
        Ok(self.u(2)? as u16)
    }
    fn u32(&mut self) -> Result<u32, PubdataError> {
        Ok(self.u(4)? as u32)
    }
    fn addr(&mut self) -> Result<Address, PubdataError> {
        Ok(Address::from_slice(self.take(20)?))
    }
    fn invalid(&self, field: &'static str) -> PubdataError {
        PubdataError::InvalidField(field, self.pos)
    }
    fn size(&mut self) -> Result<u64, PubdataError> {
        let v = self.u(5)?;
        if v == 0 || v > MAX_SIZE {
            return Err(self.invalid("size"));
        }
        Ok(v)
    }
    fn ppm(&mut self) -> Result<u32, PubdataError> {
        let v = self.u(3)?;
        if v > PPM {
            return Err(self.invalid("ppm"));
        }
        Ok(v as u32)
    }
    fn timestamp(&mut self) -> Result<u64, PubdataError> {
        let v = self.u(5)?;
        if v > MAX_TIMESTAMP {
            return Err(self.invalid("timestamp"));
        }
        Ok(v)
    }
}

/// Trade/liquidate flag bits.
const TAKER_BUYS: u8 = 1;
const MAKER_FIRST: u8 = 2;
const TAKER_FIRST: u8 = 4;
const TAKEOVER: u8 = 1;
const LIQUIDATOR_FIRST: u8 = 2;

fn write_terms(w: &mut Writer<'_>, t: &OrderTerms, with_price: bool) {
    w.u(u64::from(t.nonce), 4);
    w.u(t.size, 5);
    w.u(t.expiry, 5);
    w.u(u64::from(t.flags.bits()), 1);
    w.u(u64::from(t.max_fee_ppm), 3);
    if with_price {
        w.u(u64::from(t.price), 4);
    }
}

fn read_terms(
    r: &mut Reader<'_>,
    price: Option<u32>,
    slot: u16,
) -> Result<OrderTerms, PubdataError> {
    let nonce = r.u32()?;
    if u64::from(nonce) % ORDER_SLOTS != u64::from(slot) {
        return Err(r.invalid("order nonce does not match slot"));
    }
    let size = r.size()?;
    let expiry = r.timestamp()?;
    let flags = OrderFlags::from_bits(r.u8()?).ok_or_else(|| r.invalid("order flags"))?;
    let max_fee_ppm = r.ppm()?;
    let price = match price {
        Some(p) => p,
        None => r.u32()?,
    };
    Ok(OrderTerms { nonce, size, expiry, flags, max_fee_ppm, price })
}

impl PubOp {
    /// Appends the record's bytes.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut w = Writer(out);
        match self {
            Self::Noop => w.u(u64::from(op_type::NOOP), 1),
            Self::Deposit(d) => {
                w.u(u64::from(op_type::DEPOSIT), 1);
                w.u(u64::from(d.account_id), 4);
                w.addr(&d.l1_address);
                for l in d.pubkey {
                    w.u(l, 8);
                }
                w.u(d.amount, 8);
            }
            Self::ForcedWithdrawal(f) => {
                w.u(u64::from(op_type::FORCED_WITHDRAWAL), 1);
                w.u(u64::from(f.account_id), 4);
                w.addr(&f.l1_address);
                w.u(f.amount, 8);
                w.u(f.status as u64, 1);
            }
            Self::Withdraw { account_id, amount } => {
                w.u(u64::from(op_type::WITHDRAW), 1);
                w.u(u64::from(*account_id), 4);
                w.u(*amount, 8);
            }
            Self::Transfer { from, to, amount } => {
                w.u(u64::from(op_type::TRANSFER), 1);
                w.u(u64::from(*from), 4);
                w.u(u64::from(*to), 4);
                w.u(*amount, 8);
            }
            Self::Trade(t) => {
                let flags = if t.taker_side == Side::Buy { TAKER_BUYS } else { 0 }
                    | if t.maker.first_fill.is_some() { MAKER_FIRST } else { 0 }
                    | if t.taker.first_fill.is_some() { TAKER_FIRST } else { 0 };
                w.u(u64::from(op_type::TRADE), 1);
                w.u(u64::from(flags), 1);
                w.u(u64::from(t.maker.account_id), 4);
                w.u(u64::from(t.taker.account_id), 4);
                w.u(u64::from(t.market_id), 1);
                w.u(t.size, 5);
                w.u(u64::from(t.price), 4);
                w.u(u64::from(t.maker.fee_ppm), 3);
                w.u(u64::from(t.taker.fee_ppm), 3);
                w.u(u64::from(t.maker.slot), 2);
                w.u(u64::from(t.taker.slot), 2);
                if let Some(m) = &t.maker.first_fill {
                    write_terms(&mut w, m, false);
                }
                if let Some(tk) = &t.taker.first_fill {
                    write_terms(&mut w, tk, true);
                }
            }
            Self::CancelOrder { account_id, order_nonce } => {
                w.u(u64::from(op_type::CANCEL_ORDER), 1);
                w.u(u64::from(*account_id), 4);
                w.u(u64::from(*order_nonce), 4);
            }
            Self::OraclePrices { timestamp, entries } => {
                w.u(u64::from(op_type::ORACLE_PRICES), 1);
                w.u(*timestamp, 5);
                w.u(entries.len() as u64, 1);
                for e in entries {
                    w.u(u64::from(e.market_id), 1);
                    w.u(u64::from(e.mark), 4);
                    w.u(u64::from(e.index), 4);
                }
            }
            Self::FundingTick { market_id, timestamp, new_index } => {
                w.u(u64::from(op_type::FUNDING_TICK), 1);
                w.u(u64::from(*market_id), 1);
                w.u(*timestamp, 5);
                w.u(new_index.cast_unsigned(), 8);
            }
            Self::Liquidate(l) => {
                let flags = if l.takeover { TAKEOVER } else { 0 }
                    | if l.liquidator.first_fill.is_some() { LIQUIDATOR_FIRST } else { 0 };
                w.u(u64::from(op_type::LIQUIDATE), 1);
                w.u(u64::from(flags), 1);
                w.u(u64::from(l.liquidated), 4);
                w.u(u64::from(l.liquidator.account_id), 4);
                w.u(u64::from(l.market_id), 1);
                w.u(l.size, 5);
                w.u(u64::from(l.price), 4);
                w.u(u64::from(l.liquidator.fee_ppm), 3);
                w.u(u64::from(l.liquidator.slot), 2);
                if let Some(t) = &l.liquidator.first_fill {
                    write_terms(&mut w, t, false);
                }
            }
            Self::SettleOption { account_id, market_id } => {
                w.u(u64::from(op_type::SETTLE_OPTION), 1);
                w.u(u64::from(*account_id), 4);
                w.u(u64::from(*market_id), 1);
            }
        }
    }

    /// The record's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::new();
        self.encode(&mut v);
        v
    }

    /// Decodes one record at the start of `bytes`; returns it and its length.
    pub fn decode(bytes: &[u8]) -> Result<(Self, usize), PubdataError> {
        let mut r = Reader { b: bytes, pos: 0 };
        let ty = r.u8()?;
        let op = match ty {
            op_type::NOOP => Self::Noop,
            op_type::DEPOSIT => {
                let account_id = r.u32()?;
                let l1_address = r.addr()?;
                let mut pubkey = [0u64; 5];
                for l in &mut pubkey {
                    *l = r.u(8)?;
                    if *l >= F::ORDER {
                        return Err(r.invalid("pubkey limb"));
                    }
                }
                let amount = r.u(8)?;
                Self::Deposit(DepositOp { account_id, l1_address, pubkey, amount })
            }
            op_type::FORCED_WITHDRAWAL => {
                let account_id = r.u32()?;
                let l1_address = r.addr()?;
                let amount = r.u(8)?;
                let status =
                    ForcedWithdrawalStatus::from_u8(r.u8()?).ok_or_else(|| r.invalid("status"))?;
                Self::ForcedWithdrawal(ForcedWithdrawalOp {
                    account_id,
                    l1_address,
                    amount,
                    status,
                })
            }
            op_type::WITHDRAW => Self::Withdraw { account_id: r.u32()?, amount: r.u(8)? },
            op_type::TRANSFER => Self::Transfer { from: r.u32()?, to: r.u32()?, amount: r.u(8)? },
            op_type::TRADE => {
                let flags = r.u8()?;
                if flags & !(TAKER_BUYS | MAKER_FIRST | TAKER_FIRST) != 0 {
                    return Err(r.invalid("trade flags"));
                }
                let maker_account = r.u32()?;
                let taker_account = r.u32()?;
                let market_id = r.u8()?;
                let size = r.size()?;
                let price = r.u32()?;
                let maker_fee = r.ppm()?;
                let taker_fee = r.ppm()?;
                let maker_slot = r.u16()?;
                let taker_slot = r.u16()?;
                let maker_terms = if flags & MAKER_FIRST != 0 {
                    Some(read_terms(&mut r, Some(price), maker_slot)?)
                } else {
                    None
                };
                let taker_terms = if flags & TAKER_FIRST != 0 {
                    Some(read_terms(&mut r, None, taker_slot)?)
                } else {
                    None
                };
                Self::Trade(TradeOp {
                    maker: FillSide {
                        account_id: maker_account,
                        slot: maker_slot,
                        fee_ppm: maker_fee,
                        first_fill: maker_terms,
                    },
                    taker: FillSide {
                        account_id: taker_account,
                        slot: taker_slot,
                        fee_ppm: taker_fee,
                        first_fill: taker_terms,
                    },
                    market_id,
                    taker_side: if flags & TAKER_BUYS != 0 { Side::Buy } else { Side::Sell },
                    size,
                    price,
                })
            }
            op_type::CANCEL_ORDER => {
                Self::CancelOrder { account_id: r.u32()?, order_nonce: r.u32()? }
            }
            op_type::ORACLE_PRICES => {
                let timestamp = r.timestamp()?;
                let n = usize::from(r.u8()?);
                if n == 0 || n > MAX_ORACLE_ENTRIES {
                    return Err(r.invalid("oracle entry count"));
                }
                let mut entries = Vec::with_capacity(n);
                for _ in 0..n {
                    entries.push(PriceEntry {
                        market_id: r.u8()?,
                        mark: r.u32()?,
                        index: r.u32()?,
                    });
                }
                Self::OraclePrices { timestamp, entries }
            }
            op_type::FUNDING_TICK => Self::FundingTick {
                market_id: r.u8()?,
                timestamp: r.timestamp()?,
                new_index: r.u(8)?.cast_signed(),
            },
            op_type::LIQUIDATE => {
                let flags = r.u8()?;
                if flags & !(TAKEOVER | LIQUIDATOR_FIRST) != 0
                    || flags == TAKEOVER | LIQUIDATOR_FIRST
                {
                    return Err(r.invalid("liquidation flags"));
                }
                let liquidated = r.u32()?;
                let liquidator = r.u32()?;
                let market_id = r.u8()?;
                let size = r.size()?;
                let price = r.u32()?;
                let fee_ppm = r.ppm()?;
                let slot = r.u16()?;
                let first_fill = if flags & LIQUIDATOR_FIRST != 0 {
                    Some(read_terms(&mut r, Some(price), slot)?)
                } else {
                    None
                };
                Self::Liquidate(LiquidateOp {
                    liquidated,
                    liquidator: FillSide { account_id: liquidator, slot, fee_ppm, first_fill },
                    takeover: flags & TAKEOVER != 0,
                    market_id,
                    size,
                    price,
                })
            }
            op_type::SETTLE_OPTION => {
                Self::SettleOption { account_id: r.u32()?, market_id: r.u8()? }
            }
            other => return Err(PubdataError::UnknownType(other, 0)),
        };
        Ok((op, r.pos))
    }
}

/// Encodes a batch's records, concatenated.
pub fn encode_batch(ops: &[PubOp]) -> Vec<u8> {
    let mut out = Vec::new();
    for op in ops {
        op.encode(&mut out);
    }
    out
}

/// Decodes a batch's concatenated records.
pub fn decode_batch(bytes: &[u8]) -> Result<Vec<PubOp>, PubdataError> {
    let mut ops = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let (op, n) = PubOp::decode(&bytes[pos..]).map_err(|e| match e {
            PubdataError::UnexpectedEnd(p) => PubdataError::UnexpectedEnd(pos + p),
            PubdataError::UnknownType(t, p) => PubdataError::UnknownType(t, pos + p),
            PubdataError::InvalidField(f, p) => PubdataError::InvalidField(f, pos + p),
        })?;
        ops.push(op);
        pos += n;
    }
    Ok(ops)
}

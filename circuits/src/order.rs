//! Orders and order slots.
//!
//! An order is signed once; its hash is stored in the account's order slot
//! `order_nonce mod 2^16` on its first fill, so later fills show the order and match the stored
//! hash instead of verifying the signature again (Loopring's storage-slot scheme). The slot
//! also proves partial fills (`filled` never exceeds the order size), cancels and replay
//! protection (an order may fill only if its slot holds its nonce, or a smaller one, which is
//! then reset).

use serde::{Deserialize, Serialize};

use crate::constants::ORDER_SLOTS;
use crate::hash::{fe, hash_tagged, tag, Digest, F, ZERO_DIGEST};
use crate::schnorr::Signature;
use crate::state::Config;

/// Buy or sell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// Increase the position (pay cash).
    Buy = 0,
    /// Decrease the position (receive cash).
    Sell = 1,
}

impl Side {
    /// The other side.
    pub const fn opposite(self) -> Self {
        match self {
            Self::Buy => Self::Sell,
            Self::Sell => Self::Buy,
        }
    }
    /// `+1` for buy, `−1` for sell.
    pub const fn sign(self) -> i64 {
        match self {
            Self::Buy => 1,
            Self::Sell => -1,
        }
    }
}

/// Order flags.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderFlags {
    /// May only rest (be the maker), never take.
    pub post_only: bool,
    /// May only reduce the position, never flip or grow it.
    pub reduce_only: bool,
    /// Immediate or cancel: may only take, never rest.
    pub ioc: bool,
}

impl OrderFlags {
    /// Bit packing: `post_only | reduce_only << 1 | ioc << 2`.
    pub const fn bits(self) -> u8 {
        self.post_only as u8 | (self.reduce_only as u8) << 1 | (self.ioc as u8) << 2
    }
    /// Inverse of [`Self::bits`]; `None` if unknown bits are set.
    pub const fn from_bits(b: u8) -> Option<Self> {
        if b & !0b111 != 0 {
            return None;
        }
        Some(Self { post_only: b & 1 != 0, reduce_only: b & 2 != 0, ioc: b & 4 != 0 })
    }
}

/// A limit order as the trader signs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// The trading account.
    pub account_id: u32,
    /// The market.
    pub market_id: u8,
    /// Buy or sell.
    pub side: Side,
    /// Limit price, quantums per lot (a multiple of the market's tick size).
    pub price: u32,
    /// Size in lots, `0 < size < 2^40`.
    pub size: u64,
    /// Order nonce; its slot is `nonce mod 2^16`.
    pub nonce: u32,
    /// Last valid second (unix), inclusive.
    pub expiry: u64,
    /// post-only / reduce-only / IOC.
    pub flags: OrderFlags,
    /// Largest fee rate the trader accepts, ppm of notional.
    pub max_fee_ppm: u32,
}

impl Order {
    /// The order's slot in the account's order subtree.
    pub const fn slot(&self) -> u16 {
        (self.nonce as u64 % ORDER_SLOTS) as u16
    }

    /// The signed message:
    /// `H(ORDER, domain(6) ‖ account ‖ market ‖ side ‖ price ‖ size ‖ nonce ‖ expiry ‖ flags ‖ max_fee)`.
    pub fn hash(&self, config: &Config) -> Digest {
        let mut e: Vec<F> = config.domain().to_vec();
        e.extend([
            fe(u64::from(self.account_id)),
            fe(u64::from(self.market_id)),
            fe(self.side as u64),
            fe(u64::from(self.price)),
            fe(self.size),
            fe(u64::from(self.nonce)),
            fe(self.expiry),
            fe(u64::from(self.flags.bits())),
            fe(u64::from(self.max_fee_ppm)),
        ]);
        hash_tagged(tag::ORDER, &e)
    }
}

/// An order with its signature. The signature is required on the order's first fill only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedOrder {
    /// The order.
    pub order: Order,
    /// Schnorr signature over [`Order::hash`] by the account's key.
    pub signature: Option<Signature>,
}

/// An order-slot leaf: `(order_nonce u32, order_hash, filled u48 lots, cancelled bool)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSlot {
    /// Nonce of the order occupying the slot.
    pub order_nonce: u32,
    /// Hash of that order (zero if it was cancelled before any fill).
    pub order_hash: Digest,
    /// Lots filled so far.
    pub filled: u64,
    /// Whether the order was cancelled.
    pub cancelled: bool,
}

impl OrderSlot {
    /// Whether the slot is unused.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The leaf hash: `H(ORDER_SLOT, nonce ‖ hash(4) ‖ filled ‖ cancelled)`, zero if unused.
    pub fn leaf_hash(&self) -> Digest {
        if self.is_empty() {
            return ZERO_DIGEST;
        }
        let h = self.order_hash.elements;
        hash_tagged(
            tag::ORDER_SLOT,
            &[
                fe(u64::from(self.order_nonce)),
                h[0],
                h[1],
                h[2],
                h[3],
                fe(self.filled),
                fe(u64::from(self.cancelled)),
            ],
        )
    }
}

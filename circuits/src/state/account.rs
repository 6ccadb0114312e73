//! The account leaf: key, L1 owner, collateral, nonce and up to eight positions.

use alloy_primitives::Address;
use serde::{Deserialize, Serialize};

use crate::constants::MAX_POSITIONS;
use crate::hash::{address_limbs, fe, fe_signed, hash_tagged, tag, Digest, F, ZERO_DIGEST};

/// One position slot: `(market_id u8, size i64 with |size| < 2^40 lots, funding_snapshot i64)`.
/// An unused slot is all zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// Market id (1..=255); 0 = unused slot.
    pub market_id: u8,
    /// Signed size in lots (positive = long).
    pub size: i64,
    /// The market's funding index when this position last settled funding.
    pub funding_snapshot: i64,
}

impl Position {
    /// Whether the slot is unused.
    pub const fn is_empty(&self) -> bool {
        self.market_id == 0
    }
}

/// An account leaf. Order slots live beside it (their subtree root enters the leaf hash).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Encoded ecGFp5 public key (five canonical limbs); all zero = no key yet.
    pub pubkey: [u64; 5],
    /// The only L1 address that may force-withdraw or exit.
    pub l1_address: Address,
    /// Signed USDC quantums: the quote balance (trades move cash here), |collateral| < 2^62.
    pub collateral: i64,
    /// Account-level L2 nonce (withdraw, transfer, cancel); must equal the tx's nonce.
    pub nonce: u32,
    /// Position slots.
    pub positions: [Position; MAX_POSITIONS],
}

impl Account {
    /// Whether this leaf is the empty leaf (the account does not exist).
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Whether the account has a signing key.
    pub fn has_key(&self) -> bool {
        self.pubkey != [0; 5]
    }

    /// The position in `market_id`, if any.
    pub fn position(&self, market_id: u8) -> Option<&Position> {
        self.positions.iter().find(|p| !p.is_empty() && p.market_id == market_id)
    }

    /// Signed size in `market_id` (0 if none).
    pub fn size_in(&self, market_id: u8) -> i64 {
        self.position(market_id).map_or(0, |p| p.size)
    }

    /// Whether any position is open.
    pub fn has_positions(&self) -> bool {
        self.positions.iter().any(|p| !p.is_empty())
    }

    /// The field elements of the leaf, in hashing order, after the tag:
    /// `pubkey(5) ‖ l1_address(5 × u32) ‖ collateral ‖ nonce ‖ positions(8 × 3) ‖ orders_root(4)`.
    pub fn leaf_elements(&self, orders_root: &Digest) -> Vec<F> {
        let mut v = Vec::with_capacity(5 + 5 + 2 + 3 * MAX_POSITIONS + 4);
        v.extend(self.pubkey.iter().map(|&x| fe(x)));
        v.extend(address_limbs(&self.l1_address.0 .0));
        v.push(fe_signed(self.collateral));
        v.push(fe(u64::from(self.nonce)));
        for p in &self.positions {
            v.push(fe(u64::from(p.market_id)));
            v.push(fe_signed(p.size));
            v.push(fe_signed(p.funding_snapshot));
        }
        v.extend_from_slice(&orders_root.elements);
        v
    }

    /// The leaf hash: `H(ACCOUNT, leaf_elements)`, or the zero digest for the empty leaf
    /// (whose order subtree is necessarily empty).
    pub fn leaf_hash(&self, orders_root: &Digest) -> Digest {
        if self.is_empty() {
            return ZERO_DIGEST;
        }
        hash_tagged(tag::ACCOUNT, &self.leaf_elements(orders_root))
    }
}

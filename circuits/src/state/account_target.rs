//! The in-circuit twin of the account leaf ([`Account::leaf_elements`],
//! [`Account::leaf_hash`]): the same fields in the same hashing order.

use plonky2::field::types::Field64;
use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::PartialWitness;
use plonky2::plonk::circuit_builder::CircuitBuilder;

use super::{Account, Position};
use crate::circuit::witness::set;
use crate::circuit::CircuitError;
use crate::constants::MAX_POSITIONS;
use crate::gadgets::range::RangeGadgets;
use crate::hash::{address_limbs, fe, fe_signed, tag, HashGadgets, D, F};

/// A position slot in a circuit: `market_id` (8 bits), `size` and `funding_snapshot`
/// (signed, field-encoded).
#[derive(Copy, Clone, Debug)]
pub struct PositionTarget {
    /// Market id, 0 = unused.
    pub market_id: Target,
    /// Signed size in lots, `|size| < 2^40`.
    pub size: Target,
    /// Funding index snapshot, `|·| < 2^62`.
    pub funding_snapshot: Target,
}

/// An account leaf in a circuit. Fields are field-encoded as in [`Account::leaf_elements`];
/// their widths are those of [`Account`] (an old leaf is bound by its Merkle path, a new one
/// by the rules of the transaction that writes it).
#[derive(Clone, Debug)]
pub struct AccountTarget {
    /// Encoded public key, five canonical limbs.
    pub pubkey: [Target; 5],
    /// L1 owner as five 32-bit limbs, big-endian limb order.
    pub l1_address: [Target; 5],
    /// Signed collateral, `|collateral| < 2^62`.
    pub collateral: Target,
    /// Account nonce, 32 bits.
    pub nonce: Target,
    /// Position slots.
    pub positions: [PositionTarget; MAX_POSITIONS],
}

impl AccountTarget {
    /// A new account of virtual targets.
    pub fn new(builder: &mut CircuitBuilder<F, D>) -> Self {
        let mut t = || builder.add_virtual_target();
        Self {
            pubkey: core::array::from_fn(|_| t()),
            l1_address: core::array::from_fn(|_| t()),
            collateral: t(),
            nonce: t(),
            positions: core::array::from_fn(|_| PositionTarget {
                market_id: t(),
                size: t(),
                funding_snapshot: t(),
            }),
        }
    }

    /// The fields of the leaf without the orders root, in hashing order.
    fn fields(&self) -> Vec<Target> {
        let mut v = Vec::with_capacity(12 + 3 * MAX_POSITIONS);
        v.extend_from_slice(&self.pubkey);
        v.extend_from_slice(&self.l1_address);
        v.push(self.collateral);
        v.push(self.nonce);
        for p in &self.positions {
            v.extend([p.market_id, p.size, p.funding_snapshot]);
        }
        v
    }

    /// The field elements of the leaf, in hashing order, after the tag:
    /// `pubkey(5) ‖ l1_address(5 × u32) ‖ collateral ‖ nonce ‖ positions(8 × 3) ‖ orders_root(4)`.
    pub fn leaf_elements(&self, orders_root: &HashOutTarget) -> Vec<Target> {
        let mut v = self.fields();
        v.extend_from_slice(&orders_root.elements);
        v
    }

    /// Whether this leaf is the empty leaf (every field zero).
    pub fn is_empty(&self, builder: &mut CircuitBuilder<F, D>) -> BoolTarget {
        builder.all_zero(&self.fields())
    }

    /// Whether the account has a signing key (a non-zero key limb).
    pub fn has_key(&self, builder: &mut CircuitBuilder<F, D>) -> BoolTarget {
        let none = builder.all_zero(&self.pubkey);
        builder.not(none)
    }

    /// The leaf hash: `H(ACCOUNT, leaf_elements)`, or the zero digest for the empty leaf
    /// (whose order subtree is necessarily empty). Returns the hash and the emptiness flag.
    pub fn leaf_hash(
        &self,
        builder: &mut CircuitBuilder<F, D>,
        orders_root: &HashOutTarget,
    ) -> (HashOutTarget, BoolTarget) {
        let empty = self.is_empty(builder);
        let h = builder.hash_tagged(tag::ACCOUNT, &self.leaf_elements(orders_root));
        let zero = builder.zero();
        let elements = h.elements.map(|e| builder.select(empty, zero, e));
        (HashOutTarget { elements }, empty)
    }

    /// Asserts, when `cond` is 1, that the position slots equal `other`'s.
    pub fn connect_positions_if(
        &self,
        builder: &mut CircuitBuilder<F, D>,
        cond: BoolTarget,
        other: &Self,
    ) {
        for (a, b) in self.positions.iter().zip(&other.positions) {
            builder.connect_if(cond, a.market_id, b.market_id);
            builder.connect_if(cond, a.size, b.size);
            builder.connect_if(cond, a.funding_snapshot, b.funding_snapshot);
        }
    }

    /// Sets the targets from a native account.
    pub fn set(&self, pw: &mut PartialWitness<F>, a: &Account) -> Result<(), CircuitError> {
        for (t, v) in self.pubkey.iter().zip(a.pubkey) {
            if v >= F::ORDER {
                return Err(CircuitError::Witness(format!("pubkey limb {v:#x} not canonical")));
            }
            set(pw, *t, fe(v))?;
        }
        for (t, v) in self.l1_address.iter().zip(address_limbs(&a.l1_address.0 .0)) {
            set(pw, *t, v)?;
        }
        set(pw, self.collateral, fe_signed(a.collateral))?;
        set(pw, self.nonce, fe(u64::from(a.nonce)))?;
        for (t, p) in self.positions.iter().zip(&a.positions) {
            let Position { market_id, size, funding_snapshot } = *p;
            set(pw, t.market_id, fe(u64::from(market_id)))?;
            set(pw, t.size, fe_signed(size))?;
            set(pw, t.funding_snapshot, fe_signed(funding_snapshot))?;
        }
        Ok(())
    }
}

//! The in-circuit twin of the order-slot leaf ([`OrderSlot::leaf_hash`]) and of a slot's
//! update in its account's order subtree.

use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::PartialWitness;
use plonky2::plonk::circuit_builder::CircuitBuilder;
use serde::{Deserialize, Serialize};

use crate::circuit::witness::{set, set_bool, set_hash};
use crate::circuit::CircuitError;
use crate::constants::ORDER_TREE_DEPTH;
use crate::gadgets::range::RangeGadgets;
use crate::hash::{fe, tag, HashGadgets, D, F, ZERO_DIGEST};
use crate::merkle::{MerkleProof, UpdateProof, UpdateProofTarget};
use crate::order::OrderSlot;

/// An order slot in a circuit.
#[derive(Copy, Clone, Debug)]
pub struct OrderSlotTarget {
    /// Nonce of the order in the slot, 32 bits.
    pub order_nonce: Target,
    /// Hash of that order.
    pub order_hash: HashOutTarget,
    /// Lots filled, 48 bits.
    pub filled: Target,
    /// Whether the order was cancelled (boolean).
    pub cancelled: BoolTarget,
}

impl OrderSlotTarget {
    /// A new slot of virtual targets (`cancelled` asserted boolean; the other widths are
    /// bound by the leaf's path for an old slot and by the writing rule for a new one).
    pub fn new(builder: &mut CircuitBuilder<F, D>) -> Self {
        Self {
            order_nonce: builder.add_virtual_target(),
            order_hash: builder.add_virtual_hash(),
            filled: builder.add_virtual_target(),
            cancelled: builder.add_virtual_bool_target_safe(),
        }
    }

    fn fields(&self) -> Vec<Target> {
        let mut v = vec![self.order_nonce];
        v.extend_from_slice(&self.order_hash.elements);
        v.push(self.filled);
        v.push(self.cancelled.target);
        v
    }

    /// Whether the slot is unused (every field zero).
    pub fn is_empty(&self, builder: &mut CircuitBuilder<F, D>) -> BoolTarget {
        builder.all_zero(&self.fields())
    }

    /// The leaf hash `H(ORDER_SLOT, nonce ‖ hash(4) ‖ filled ‖ cancelled)`, zero if unused;
    /// returns it with the emptiness flag.
    pub fn leaf_hash(&self, builder: &mut CircuitBuilder<F, D>) -> (HashOutTarget, BoolTarget) {
        let empty = self.is_empty(builder);
        let h = builder.hash_tagged(tag::ORDER_SLOT, &self.fields());
        let zero = builder.zero();
        let elements = h.elements.map(|e| builder.select(empty, zero, e));
        (HashOutTarget { elements }, empty)
    }

    /// Sets the targets from a native slot.
    pub fn set(&self, pw: &mut PartialWitness<F>, s: &OrderSlot) -> Result<(), CircuitError> {
        set(pw, self.order_nonce, fe(u64::from(s.order_nonce)))?;
        set_hash(pw, self.order_hash, s.order_hash)?;
        set(pw, self.filled, fe(s.filled))?;
        set_bool(pw, self.cancelled, s.cancelled)
    }
}

/// One order-slot write, natively: the slot before and after and the update proof in the
/// account's order subtree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSlotStep {
    /// Slot index (order nonce mod 2^16).
    pub slot: u16,
    /// Slot before.
    pub before: OrderSlot,
    /// Slot after.
    pub after: OrderSlot,
    /// Path and roots in the order subtree.
    pub proof: UpdateProof,
}

/// One order-slot write in a circuit: both slots, their leaf hashes on one depth-16 path.
#[derive(Clone, Debug)]
pub struct OrderSlotUpdateTargets {
    /// Slot before.
    pub old: OrderSlotTarget,
    /// Slot after.
    pub new: OrderSlotTarget,
    /// Whether the old slot is unused.
    pub old_empty: BoolTarget,
    /// The path and both order-subtree roots.
    pub update: UpdateProofTarget,
}

impl OrderSlotUpdateTargets {
    /// A slot update (the caller ties the roots to the account's orders roots).
    pub fn new(builder: &mut CircuitBuilder<F, D>) -> Self {
        let old = OrderSlotTarget::new(builder);
        let new = OrderSlotTarget::new(builder);
        let (old_leaf, old_empty) = old.leaf_hash(builder);
        let (new_leaf, _) = new.leaf_hash(builder);
        let update = UpdateProofTarget::new(builder, ORDER_TREE_DEPTH, old_leaf, new_leaf);
        Self { old, new, old_empty, update }
    }

    /// Sets the update from a native step, or an unused one (empty slots on an all-zero
    /// path) for `None`.
    pub fn set(
        &self,
        pw: &mut PartialWitness<F>,
        step: Option<&OrderSlotStep>,
    ) -> Result<(), CircuitError> {
        match step {
            Some(s) => {
                self.old.set(pw, &s.before)?;
                self.new.set(pw, &s.after)?;
                self.update.set(pw, &s.proof)
            }
            None => {
                let empty = OrderSlot::default();
                self.old.set(pw, &empty)?;
                self.new.set(pw, &empty)?;
                let path = MerkleProof { index: 0, siblings: vec![ZERO_DIGEST; ORDER_TREE_DEPTH] };
                self.update.path.set(pw, &path)
            }
        }
    }
}

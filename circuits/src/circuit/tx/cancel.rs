//! `CancelOrder` in a circuit: the rules of [`crate::tx::CancelOrder`], gated by the slot's
//! cancel selector. The signer's rules (key, signature, nonce) are [`super::signer`]'s; this
//! module adds, on the slot's order-slot update:
//!
//! - the record's account is the updated leaf → `index = account_id`;
//! - the slot is `order_nonce mod 2^16` → order path index = the low 16 bits;
//! - the slot write is the account's order subtree change → the update's roots are the
//!   account leaf's orders roots before and after;
//! - the slot holds this order (`!empty ∧ nonce = order_nonce`): it must not be cancelled
//!   already (`OrderCancelled`) and becomes cancelled, nothing else changes;
//! - otherwise the slot must be empty or hold an older nonce (`StaleOrderNonce`) and
//!   becomes `(order_nonce, hash 0, filled 0, cancelled)`;
//! - the signed message → `H(L2_TX, domain ‖ CANCEL_KIND ‖ account ‖ order_nonce ‖ old.nonce)`;
//! - nothing else of the account changes → collateral and positions equal before and after.

use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::PartialWitness;
use plonky2::plonk::circuit_builder::CircuitBuilder;

use super::withdraw::l2_message;
use crate::circuit::slot::AccountUpdateTargets;
use crate::circuit::witness::set;
use crate::circuit::CircuitError;
use crate::constants::ORDER_TREE_DEPTH;
use crate::gadgets::range::RangeGadgets;
use crate::hash::{fe, D, F};
use crate::order_target::OrderSlotUpdateTargets;
use crate::pubdata::op_type;
use crate::pubdata_commit::{PubdataGadgets, RECORD_WORDS};
use crate::tx::CANCEL_KIND;

/// The 32-bit fields of a cancel record after its type byte: account, order nonce.
pub const CANCEL_UNITS: usize = 2;

/// A cancel's own witness: its record fields (range-checked below 2^32 by the packing).
#[derive(Clone, Debug)]
pub struct CancelTargets {
    /// The record's fields after the type byte.
    pub units: [Target; CANCEL_UNITS],
}

/// Adds a cancel's targets to a slot and asserts its own rules when `sel` is 1; returns
/// them, the record words and the signed message.
pub fn constrain(
    builder: &mut CircuitBuilder<F, D>,
    sel: BoolTarget,
    acct: &AccountUpdateTargets,
    order: &OrderSlotUpdateTargets,
    domain: &[Target; 6],
) -> (CancelTargets, [Target; RECORD_WORDS], HashOutTarget) {
    let units: [Target; CANCEL_UNITS] = core::array::from_fn(|_| builder.add_virtual_target());
    // Soundness: record_words range-checks every unit below 2^32.
    let words = builder.record_words(op_type::CANCEL_ORDER, &units);
    let (account_id, order_nonce) = (units[0], units[1]);
    builder.connect_if(sel, acct.update.path.index, account_id);
    // Soundness: split_low_high range-checks both halves and recomposes the 32-bit nonce.
    let (slot_index, _) = builder.split_low_high(order_nonce, ORDER_TREE_DEPTH, 32);
    builder.connect_if(sel, order.update.path.index, slot_index);
    for i in 0..4 {
        builder.connect_if(
            sel,
            order.update.old_root.elements[i],
            acct.orders_root_before.elements[i],
        );
        builder.connect_if(
            sel,
            order.update.new_root.elements[i],
            acct.orders_root_after.elements[i],
        );
    }

    let (old, new) = (&order.old, &order.new);
    let one = builder.one();
    let zero = builder.zero();
    let same = builder.is_equal(old.order_nonce, order_nonce);
    let occupied = builder.not(order.old_empty);
    let live = builder.and(occupied, same);
    let sel_live = builder.and(sel, live);
    let not_live = builder.not(live);
    let sel_new = builder.and(sel, not_live);
    // This order: not cancelled yet.
    builder.assert_zero_if(sel_live, old.cancelled.target);
    // Another order: the slot is empty or holds an older nonce (both 32 bits: the old one
    // by its leaf, the new one by the record).
    let older = builder.less_than(old.order_nonce, order_nonce, 32);
    let replaceable = builder.or(order.old_empty, older);
    builder.connect_if(sel_new, replaceable.target, one);
    builder.connect_if(sel, new.order_nonce, order_nonce);
    builder.connect_if(sel, new.cancelled.target, one);
    for i in 0..4 {
        let h = builder.select(live, old.order_hash.elements[i], zero);
        builder.connect_if(sel, new.order_hash.elements[i], h);
    }
    let filled = builder.select(live, old.filled, zero);
    builder.connect_if(sel, new.filled, filled);

    builder.connect_if(sel, acct.new.collateral, acct.old.collateral);
    acct.new.connect_positions_if(builder, sel, &acct.old);

    let msg = l2_message(builder, domain, CANCEL_KIND, &[account_id, order_nonce, acct.old.nonce]);
    (CancelTargets { units }, words, msg)
}

impl CancelTargets {
    /// Sets the record fields (all zero when `c` is `None`: a slot of another type).
    pub fn set(
        &self,
        pw: &mut PartialWitness<F>,
        c: Option<(u32, u32)>,
    ) -> Result<(), CircuitError> {
        let (account, order_nonce) = c.unwrap_or((0, 0));
        for (t, v) in self.units.iter().zip([account, order_nonce]) {
            set(pw, *t, fe(u64::from(v)))?;
        }
        Ok(())
    }
}

//! `Transfer` in a circuit: the rules of [`crate::tx::Transfer`], gated by the slot's
//! transfer selector. The sender (the slot's first account update) follows
//! [`super::signer`] and [`super::debit`]; the recipient is the slot's second account
//! update. This module adds:
//!
//! - the record's accounts are the updated leaves → `index₁ = from`, `index₂ = to`;
//! - `from ≠ to` → `assert_nonzero_if(from − to)`;
//! - the recipient exists → its old leaf is not empty;
//! - `amount ≤ MAX_COLLATERAL`, `amount ≠ 0` → as for withdrawals;
//! - the signed message → `H(L2_TX, domain ‖ TRANSFER_KIND ‖ from ‖ to ‖ amount ‖ old.nonce)`;
//! - `credit(to, amount)` within the bound → `new₂.collateral = old₂.collateral + amount`,
//!   `|new₂.collateral| < 2^62`;
//! - nothing else of the recipient changes (no funding settlement for the recipient) → key,
//!   owner, nonce, positions and orders root equal before and after.

use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::PartialWitness;
use plonky2::plonk::circuit_builder::CircuitBuilder;

use super::withdraw::{amount, l2_message, SignedDebit};
use crate::circuit::slot::AccountUpdateTargets;
use crate::circuit::witness::set;
use crate::circuit::CircuitError;
use crate::constants::COLLATERAL_BITS;
use crate::gadgets::range::RangeGadgets;
use crate::gadgets::signed::SignedGadgets;
use crate::hash::{fe, D, F};
use crate::pubdata::op_type;
use crate::pubdata_commit::PubdataGadgets;
use crate::tx::TRANSFER_KIND;

/// The 32-bit fields of a transfer record after its type byte: from, to, amount (hi, lo).
pub const TRANSFER_UNITS: usize = 4;

/// A transfer's own witness: its record fields (range-checked as for withdrawals).
#[derive(Clone, Debug)]
pub struct TransferTargets {
    /// The record's fields after the type byte.
    pub units: [Target; TRANSFER_UNITS],
}

/// Adds a transfer's targets to a slot and asserts its own rules when `sel` is 1: `from`
/// is the sender's update, `to` the recipient's.
pub fn constrain(
    builder: &mut CircuitBuilder<F, D>,
    sel: BoolTarget,
    from: &AccountUpdateTargets,
    to: &AccountUpdateTargets,
    domain: &[Target; 6],
) -> (TransferTargets, SignedDebit) {
    let units: [Target; TRANSFER_UNITS] = core::array::from_fn(|_| builder.add_virtual_target());
    // Soundness: record_words range-checks every unit below 2^32.
    let words = builder.record_words(op_type::TRANSFER, &units);
    let (from_id, to_id) = (units[0], units[1]);
    let amount = amount(builder, units[2], units[3]);
    builder.connect_if(sel, from.update.path.index, from_id);
    builder.connect_if(sel, to.update.path.index, to_id);
    let d = builder.sub(from_id, to_id);
    builder.assert_nonzero_if(sel, d);
    builder.assert_nonzero_if(sel, amount);
    let one = builder.one();
    let exists = builder.not(to.old_empty);
    builder.connect_if(sel, exists.target, one);

    let sum = builder.add(to.old.collateral, amount);
    builder.connect_if(sel, to.new.collateral, sum);
    // Soundness: old ∈ [−MAX, MAX] (state invariant) and amount ∈ [1, 2^62) put the sum in
    // (−2^62, 2^63); |new| < 2^62 then holds exactly when the sum is at most MAX, the only
    // field element encoding it being the integer itself.
    let (_, mag) = builder.signed_magnitude(to.new.collateral, COLLATERAL_BITS as usize);
    builder.check_bits_if(sel, mag, COLLATERAL_BITS as usize);
    builder.connect_if(sel, to.new.nonce, to.old.nonce);
    for i in 0..5 {
        builder.connect_if(sel, to.new.pubkey[i], to.old.pubkey[i]);
        builder.connect_if(sel, to.new.l1_address[i], to.old.l1_address[i]);
    }
    to.new.connect_positions_if(builder, sel, &to.old);
    for i in 0..4 {
        builder.connect_if(
            sel,
            to.orders_root_after.elements[i],
            to.orders_root_before.elements[i],
        );
    }

    let msg = l2_message(builder, domain, TRANSFER_KIND, &[from_id, to_id, amount, from.old.nonce]);
    (TransferTargets { units }, SignedDebit { words, amount, msg })
}

impl TransferTargets {
    /// Sets the record fields (all zero when `t` is `None`: a slot of another type).
    pub fn set(
        &self,
        pw: &mut PartialWitness<F>,
        t: Option<(u32, u32, u64)>,
    ) -> Result<(), CircuitError> {
        let (from, to, amount) = t.unwrap_or((0, 0, 0));
        let vals = [u64::from(from), u64::from(to), amount >> 32, amount & 0xffff_ffff];
        for (t, v) in self.units.iter().zip(vals) {
            set(pw, *t, fe(v))?;
        }
        Ok(())
    }
}

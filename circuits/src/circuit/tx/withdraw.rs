//! `Withdraw` in a circuit: the rules of [`crate::tx::Withdraw`], gated by the slot's
//! withdraw selector. The signer's rules (key, signature, nonce) are [`super::signer`]'s,
//! the sender's (funding settlement, debit, margin after) [`super::debit`]'s; this module
//! adds:
//!
//! - the record's account is the updated leaf → `index = account_id`;
//! - `amount ≤ MAX_COLLATERAL` (`check_bounds`) → `amount_hi < 2^30`;
//! - `amount ≠ 0` → `assert_nonzero_if`;
//! - the signed message → `H(L2_TX, domain ‖ WITHDRAW_KIND ‖ account ‖ amount ‖ old.nonce)`.

use plonky2::field::types::Field;
use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::PartialWitness;
use plonky2::plonk::circuit_builder::CircuitBuilder;

use crate::circuit::slot::AccountUpdateTargets;
use crate::circuit::witness::set;
use crate::circuit::CircuitError;
use crate::gadgets::range::RangeGadgets;
use crate::hash::{fe, tag, HashGadgets, D, F};
use crate::pubdata::op_type;
use crate::pubdata_commit::{PubdataGadgets, RECORD_WORDS};
use crate::tx::WITHDRAW_KIND;

/// The 32-bit fields of a withdraw record after its type byte: account, amount (hi, lo).
pub const WITHDRAW_UNITS: usize = 3;

/// A withdrawal's own witness: its record fields, each range-checked below 2^32 by the
/// record packing, the amount's high half below 2^30.
#[derive(Clone, Debug)]
pub struct WithdrawTargets {
    /// The record's fields after the type byte.
    pub units: [Target; WITHDRAW_UNITS],
}

/// What a type module hands the slot: its record words, the amount leaving the sender and
/// the message the sender signs.
#[derive(Clone, Debug)]
pub struct SignedDebit {
    /// The record words.
    pub words: [Target; RECORD_WORDS],
    /// The amount, below 2^62.
    pub amount: Target,
    /// The L2 message digest.
    pub msg: HashOutTarget,
}

/// `u = hi·2^32 + lo` for two 32-bit halves.
pub(crate) fn join(builder: &mut CircuitBuilder<F, D>, hi: Target, lo: Target) -> Target {
    let base = builder.constant(F::from_canonical_u64(1 << 32));
    builder.mul_add(hi, base, lo)
}

/// `l2_message(kind, fields)` in a circuit: `H(L2_TX, domain ‖ kind ‖ fields)`.
pub(crate) fn l2_message(
    builder: &mut CircuitBuilder<F, D>,
    domain: &[Target; 6],
    kind: u8,
    fields: &[Target],
) -> HashOutTarget {
    let mut e = domain.to_vec();
    e.push(builder.constant(fe(u64::from(kind))));
    e.extend_from_slice(fields);
    builder.hash_tagged(tag::L2_TX, &e)
}

/// The amount of a record, `hi·2^32 + lo` with `hi < 2^30` (so `amount ≤ MAX_COLLATERAL`).
pub(crate) fn amount(builder: &mut CircuitBuilder<F, D>, hi: Target, lo: Target) -> Target {
    // Soundness: with lo < 2^32 (record packing), hi < 2^30 bounds the amount below 2^62,
    // exactly check_bounds' amount ≤ MAX_COLLATERAL = 2^62 − 1.
    builder.check_bits(hi, 30);
    join(builder, hi, lo)
}

/// Adds a withdrawal's targets to a slot and asserts its own rules when `sel` is 1.
pub fn constrain(
    builder: &mut CircuitBuilder<F, D>,
    sel: BoolTarget,
    acct: &AccountUpdateTargets,
    domain: &[Target; 6],
) -> (WithdrawTargets, SignedDebit) {
    let units: [Target; WITHDRAW_UNITS] = core::array::from_fn(|_| builder.add_virtual_target());
    // Soundness: record_words range-checks every unit below 2^32.
    let words = builder.record_words(op_type::WITHDRAW, &units);
    let account_id = units[0];
    let amount = amount(builder, units[1], units[2]);
    builder.connect_if(sel, acct.update.path.index, account_id);
    builder.assert_nonzero_if(sel, amount);
    let msg = l2_message(builder, domain, WITHDRAW_KIND, &[account_id, amount, acct.old.nonce]);
    (WithdrawTargets { units }, SignedDebit { words, amount, msg })
}

impl WithdrawTargets {
    /// Sets the record fields (all zero when `w` is `None`: a slot of another type).
    pub fn set(
        &self,
        pw: &mut PartialWitness<F>,
        w: Option<(u32, u64)>,
    ) -> Result<(), CircuitError> {
        let (account, amount) = w.unwrap_or((0, 0));
        let vals = [u64::from(account), amount >> 32, amount & 0xffff_ffff];
        for (t, v) in self.units.iter().zip(vals) {
            set(pw, *t, fe(v))?;
        }
        Ok(())
    }
}

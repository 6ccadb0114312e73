//! `Deposit` in a circuit: the rules of [`crate::tx::deposit`], gated by the slot's deposit
//! selector.
//!
//! Native rule → constraint:
//! - the record's account is the updated leaf → `index = account_id`;
//! - `amount ≠ 0` → `assert_nonzero_if`;
//! - pubkey limbs canonical (`< p`) → `hi < 2^32 − 1 or lo = 0` on each limb;
//! - a new account takes the depositor as owner, an existing one must be owned by it →
//!   `new.l1 = d.l1`, and `old.l1 = d.l1` unless the old leaf is empty;
//! - the key is set once → `new.pubkey = has_key(old) ? old.pubkey : d.pubkey`;
//! - `collateral + amount ≤ MAX_COLLATERAL` → `new.collateral = old.collateral + amount` and
//!   `MAX_COLLATERAL − new.collateral < 2^63`;
//! - nothing else changes → nonce, positions and orders root equal before and after.

use plonky2::field::types::Field;
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::PartialWitness;
use plonky2::plonk::circuit_builder::CircuitBuilder;

use crate::circuit::slot::AccountUpdateTargets;
use crate::circuit::witness::set;
use crate::circuit::CircuitError;
use crate::constants::MAX_COLLATERAL;
use crate::gadgets::range::RangeGadgets;
use crate::hash::{address_limbs, fe, D, F};
use crate::pubdata::{op_type, DepositOp};
use crate::pubdata_commit::{PubdataGadgets, RECORD_WORDS};

/// The 32-bit fields of a deposit record after its type byte: account, address (5), pubkey
/// (5 × hi, lo), amount (hi, lo).
pub const DEPOSIT_UNITS: usize = 18;

/// A deposit's own witness: the 32-bit fields of its record, in record order. Each is
/// range-checked below 2^32 by the record packing; the amount's high half below 2^31.
#[derive(Clone, Debug)]
pub struct DepositTargets {
    /// The record's fields after the type byte.
    pub units: [Target; DEPOSIT_UNITS],
}

/// `u = hi·2^32 + lo` for two 32-bit halves.
fn join(builder: &mut CircuitBuilder<F, D>, hi: Target, lo: Target) -> Target {
    let base = builder.constant(F::from_canonical_u64(1 << 32));
    builder.mul_add(hi, base, lo)
}

/// Asserts that `hi·2^32 + lo < p` (a canonical limb), for 32-bit halves: p = 2^64 − 2^32 + 1,
/// so the only non-canonical values have `hi = 2^32 − 1` and `lo ≥ 1`.
fn assert_canonical(builder: &mut CircuitBuilder<F, D>, hi: Target, lo: Target) {
    let max = builder.constant(F::from_canonical_u64(u64::from(u32::MAX)));
    let top = builder.is_equal(hi, max);
    builder.assert_zero_if(top, lo);
}

/// Adds a deposit's targets to a slot and asserts its rules when `sel` is 1; returns the
/// targets and the words of its public-data record.
pub fn constrain(
    builder: &mut CircuitBuilder<F, D>,
    sel: BoolTarget,
    acct: &AccountUpdateTargets,
) -> (DepositTargets, [Target; RECORD_WORDS]) {
    let units: [Target; DEPOSIT_UNITS] = core::array::from_fn(|_| builder.add_virtual_target());
    // Soundness: record_words range-checks every unit below 2^32.
    let words = builder.record_words(op_type::DEPOSIT, &units);
    let account_id = units[0];
    let l1 = &units[1..6];
    let pubkey: Vec<Target> = (0..5)
        .map(|i| {
            let (hi, lo) = (units[6 + 2 * i], units[7 + 2 * i]);
            assert_canonical(builder, hi, lo);
            join(builder, hi, lo)
        })
        .collect();
    // Soundness: amount_hi < 2^31 makes amount < 2^63 < p, so the field sum below is the
    // integer sum. Natively an amount ≥ 2^63 always breaks the collateral bound (collateral
    // > −2^62), so no valid deposit is excluded.
    builder.check_bits(units[16], 31);
    let amount = join(builder, units[16], units[17]);

    builder.connect_if(sel, acct.update.path.index, account_id);
    builder.assert_nonzero_if(sel, amount);

    let existing = builder.not(acct.old_empty);
    let sel_existing = builder.and(sel, existing);
    for (i, &d) in l1.iter().enumerate() {
        builder.connect_if(sel, acct.new.l1_address[i], d);
        builder.connect_if(sel_existing, acct.old.l1_address[i], d);
    }
    let has_key = acct.old.has_key(builder);
    for (i, &d) in pubkey.iter().enumerate() {
        let want = builder.select(has_key, acct.old.pubkey[i], d);
        builder.connect_if(sel, acct.new.pubkey[i], want);
    }

    let sum = builder.add(acct.old.collateral, amount);
    builder.connect_if(sel, acct.new.collateral, sum);
    let max = builder.constant(F::from_canonical_u64(MAX_COLLATERAL as u64));
    let headroom = builder.sub(max, acct.new.collateral);
    // Soundness: old collateral ∈ (−2^62, 2^62) (a state invariant) and amount ∈ [1, 2^63)
    // put the new collateral in (−2^62, 2^63 + 2^62); MAX − new is then below 2^63 exactly
    // when new ≤ MAX (a negative difference is p − x ≥ 2^63 as a field element).
    builder.check_bits_if(sel, headroom, 63);

    builder.connect_if(sel, acct.new.nonce, acct.old.nonce);
    acct.new.connect_positions_if(builder, sel, &acct.old);
    for i in 0..4 {
        builder.connect_if(
            sel,
            acct.orders_root_after.elements[i],
            acct.orders_root_before.elements[i],
        );
    }
    (DepositTargets { units }, words)
}

impl DepositTargets {
    /// Sets the record fields of `d` (all zero when `d` is `None`: a slot of another type).
    pub fn set(
        &self,
        pw: &mut PartialWitness<F>,
        d: Option<&DepositOp>,
    ) -> Result<(), CircuitError> {
        let mut vals = [0u64; DEPOSIT_UNITS];
        if let Some(d) = d {
            vals[0] = u64::from(d.account_id);
            for (i, l) in address_limbs(&d.l1_address.0 .0).iter().enumerate() {
                vals[1 + i] = plonky2::field::types::PrimeField64::to_canonical_u64(l);
            }
            for (i, &k) in d.pubkey.iter().enumerate() {
                vals[6 + 2 * i] = k >> 32;
                vals[7 + 2 * i] = k & 0xffff_ffff;
            }
            vals[16] = d.amount >> 32;
            vals[17] = d.amount & 0xffff_ffff;
        }
        for (t, v) in self.units.iter().zip(vals) {
            set(pw, *t, fe(v))?;
        }
        Ok(())
    }
}

//! What `Withdraw` and `Transfer` share beyond [`super::signer`]: the sender's side of
//! `withdraw::execute` / `transfer::execute` and the margin check after ([`crate::tx`]),
//! asserted on the slot's first account update when `sel` (the slot is a withdrawal or a
//! transfer) is 1.
//!
//! Native rule → constraint:
//! - funding is settled first (`settle`) → [`FundingGadgets::settle_funding_if`] into the
//!   hinted `settled_collateral`, within `|·| ≤ MAX_COLLATERAL`, perp snapshots moved,
//!   markets and sizes unchanged;
//! - `credit(−amount)` within the bound → `new.collateral = settled − amount`,
//!   `|new.collateral| < 2^62`;
//! - the account stays initial-margined → `account_risk(new).is_initial_margined()` over the
//!   markets of its positions, each read under the markets root;
//! - the order slots do not change → equal orders roots.

use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::PartialWitness;
use plonky2::plonk::circuit_builder::CircuitBuilder;
use serde::{Deserialize, Serialize};

use crate::circuit::reads::{MarketReadTargets, MarketReads};
use crate::circuit::slot::AccountUpdateTargets;
use crate::circuit::witness::set;
use crate::circuit::CircuitError;
use crate::constants::COLLATERAL_BITS;
use crate::gadgets::range::RangeGadgets;
use crate::gadgets::signed::SignedGadgets;
use crate::hash::{fe_signed, D, F};
use crate::risk::funding_target::FundingGadgets;
use crate::risk::margin_target::MarginGadgets;

/// The sender's witness beyond its account leaves and signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DebitWitness {
    /// The markets of the sender's positions.
    pub markets: MarketReads,
    /// The sender's collateral after funding settlement, before the debit.
    pub settled_collateral: i64,
}

/// The sender's targets beyond its account leaves and signature.
#[derive(Clone, Debug)]
pub struct DebitTargets {
    /// Collateral after settlement (hint, pinned by the settlement equation).
    pub settled_collateral: Target,
    /// The market reads.
    pub reads: MarketReadTargets,
}

/// Asserts the sender's rules (module docs) when `sel` is 1: `amount` (below 2^62) leaves
/// the account of `acct`.
pub fn constrain(
    builder: &mut CircuitBuilder<F, D>,
    sel: BoolTarget,
    acct: &AccountUpdateTargets,
    amount: Target,
    markets_root: HashOutTarget,
) -> DebitTargets {
    let (old, new) = (&acct.old, &acct.new);
    let reads = MarketReadTargets::constrain(builder, sel, old, markets_root);
    let settled_collateral = builder.add_virtual_target();
    builder.settle_funding_if(sel, old, &reads.markets, settled_collateral, &new.positions);

    let debited = builder.sub(settled_collateral, amount);
    builder.connect_if(sel, new.collateral, debited);
    // Soundness: settled ∈ [−MAX, MAX] and amount ∈ [0, 2^62) make the integer difference
    // lie in (−2^63, 2^62); with |new| < 2^62 asserted it is the only field element that
    // encodes it, so the field equation above is the integer one.
    let (_, mag) = builder.signed_magnitude(new.collateral, COLLATERAL_BITS as usize);
    builder.check_bits_if(sel, mag, COLLATERAL_BITS as usize);

    for i in 0..4 {
        builder.connect_if(
            sel,
            acct.orders_root_after.elements[i],
            acct.orders_root_before.elements[i],
        );
    }

    let risk = builder.account_risk(new, &reads.markets);
    let margined = risk.is_initial_margined(builder);
    let one = builder.one();
    builder.connect_if(sel, margined.target, one);
    DebitTargets { settled_collateral, reads }
}

impl DebitTargets {
    /// Sets the sender's witness (zeros when `d` is `None`: a slot of another type).
    pub fn set(
        &self,
        pw: &mut PartialWitness<F>,
        d: Option<&DebitWitness>,
    ) -> Result<(), CircuitError> {
        set(pw, self.settled_collateral, fe_signed(d.map_or(0, |d| d.settled_collateral)))?;
        self.reads.set(pw, d.map(|d| &d.markets))
    }
}

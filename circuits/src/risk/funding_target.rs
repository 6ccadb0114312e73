//! In-circuit twins of [`pending_funding`](super::funding::pending_funding) and
//! [`settle_funding`](super::funding::settle_funding), with the same names.
//!
//! A perp position owes `s · (F_market − F_snapshot)`: up to 2^41 · 2^63, so it is computed
//! as a sign and a big-integer magnitude, and the settlement `collateral' = collateral −
//! Σ owed` is checked as the equality of two sums of magnitudes.
//! Widths: `|s| ≤ 2^40`, funding indices `|F| < 2^62` (state invariant), collateral
//! `|c| ≤ MAX_COLLATERAL = 2^62 − 1`.

use plonky2::field::types::Field;
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::plonk::circuit_builder::CircuitBuilder;

use super::margin_target::RISK_LIMBS;
use crate::constants::{COLLATERAL_BITS, FUNDING_INDEX_BITS, MAX_POSITIONS, SIZE_BITS};
use crate::gadgets::bigint::{BigUintGadgets, BigUintTarget};
use crate::gadgets::range::RangeGadgets;
use crate::gadgets::signed::SignedGadgets;
use crate::hash::{D, F};
use crate::state::{AccountTarget, MarketKind, MarketTarget, PositionTarget};

/// Limbs of the funding sums: each payment is below 2^104, eight of them below 2^107.
const FUNDING_LIMBS: usize = 4;

/// Funding an account owes, in a circuit: `owed = plus − minus`, and which position slots
/// hold perps (whose snapshots settlement moves).
#[derive(Clone, Debug)]
pub struct PendingFundingTarget {
    /// Sum of the payments the account owes.
    pub plus: BigUintTarget,
    /// Sum of the payments the account is owed.
    pub minus: BigUintTarget,
    /// Per position slot: used and in a perp market.
    pub is_perp: [BoolTarget; MAX_POSITIONS],
}

/// `F + 2^62` as a two-limb big integer, for a funding index `|F| < 2^62`.
fn shifted_index(builder: &mut CircuitBuilder<F, D>, f: Target) -> BigUintTarget {
    let bits = FUNDING_INDEX_BITS as usize;
    let offset = builder.constant(F::from_canonical_u64(1 << bits));
    let s = builder.add(f, offset);
    // Soundness: the range check below 2^63 is exactly F ∈ [−2^62, 2^62).
    builder.biguint_from_u64(s, bits + 1)
}

/// The in-circuit funding gadgets.
pub trait FundingGadgets {
    /// Twin of [`super::funding::pending_funding`]: `Σ s_i · (F_market − F_i)` over the
    /// perp positions; `markets[i]` is the market of position `i` (any values for an unused
    /// slot).
    fn pending_funding(
        &mut self,
        account: &AccountTarget,
        markets: &[MarketTarget; MAX_POSITIONS],
    ) -> PendingFundingTarget;

    /// Twin of [`super::funding::settle_funding`], asserted when `cond` is 1: `settled_collateral
    /// = collateral − owed` within `|·| ≤ MAX_COLLATERAL`, and `settled_positions` are the
    /// account's positions with every perp snapshot moved to its market's funding index
    /// (market and size unchanged).
    fn settle_funding_if(
        &mut self,
        cond: BoolTarget,
        account: &AccountTarget,
        markets: &[MarketTarget; MAX_POSITIONS],
        settled_collateral: Target,
        settled_positions: &[PositionTarget; MAX_POSITIONS],
    );
}

impl FundingGadgets for CircuitBuilder<F, D> {
    fn pending_funding(
        &mut self,
        account: &AccountTarget,
        markets: &[MarketTarget; MAX_POSITIONS],
    ) -> PendingFundingTarget {
        let none = BigUintTarget { limbs: vec![] };
        let mut plus = none.clone();
        let mut minus = none.clone();
        let zero = self.zero();
        let perp = self.constant(F::from_canonical_u64(MarketKind::Perp as u64));
        let mut flags = Vec::with_capacity(MAX_POSITIONS);
        for (p, m) in account.positions.iter().zip(markets) {
            let unused = self.is_equal(p.market_id, zero);
            let used = self.not(unused);
            let kind_perp = self.is_equal(m.kind, perp);
            let is_perp = self.and(used, kind_perp);
            let (s_neg, q) = self.signed_magnitude(p.size, SIZE_BITS as usize);
            let q = self.biguint_from_u64(q, SIZE_BITS as usize + 1);
            let fm = shifted_index(self, m.funding_index);
            let fs = shifted_index(self, p.funding_snapshot);
            // |F_m − F_s| and its sign, from the two-limb differences (borrow = F_m < F_s).
            let (up, borrow) = self.sub_biguint(&fm, &fs);
            let (down, _) = self.sub_biguint(&fs, &fm);
            let delta = self.select_biguint(borrow, &down, &up);
            let owed = self.mul_biguint(&q, &delta);
            let owed = BigUintTarget {
                limbs: owed.limbs.iter().map(|&l| self.mul(is_perp.target, l)).collect(),
            };
            // s·Δ < 0 exactly when one of s, Δ is negative (a zero owes nothing either way).
            let prod = self.mul(s_neg.target, borrow.target);
            let sum = self.add(s_neg.target, borrow.target);
            let twice = self.mul_const(F::TWO, prod);
            let owed_neg = BoolTarget::new_unsafe(self.sub(sum, twice));
            let to_plus = self.select_biguint(owed_neg, &none, &owed);
            let to_minus = self.select_biguint(owed_neg, &owed, &none);
            plus = self.add_biguint_bounded(&plus, &to_plus, FUNDING_LIMBS);
            minus = self.add_biguint_bounded(&minus, &to_minus, FUNDING_LIMBS);
            flags.push(is_perp);
        }
        let is_perp = flags.try_into().expect("one flag per position");
        PendingFundingTarget { plus, minus, is_perp }
    }

    fn settle_funding_if(
        &mut self,
        cond: BoolTarget,
        account: &AccountTarget,
        markets: &[MarketTarget; MAX_POSITIONS],
        settled_collateral: Target,
        settled_positions: &[PositionTarget; MAX_POSITIONS],
    ) {
        let owed = self.pending_funding(account, markets);
        let bits = COLLATERAL_BITS as usize;
        let (c_neg, c_mag) = self.signed_magnitude(account.collateral, bits);
        let (s_neg, s_mag) = self.signed_magnitude(settled_collateral, bits);
        // |collateral'| ≤ MAX_COLLATERAL = 2^62 − 1.
        self.check_bits_if(cond, s_mag, bits);
        let c = self.biguint_from_u64(c_mag, bits + 1);
        let s = self.biguint_from_u64(s_mag, bits + 1);
        let none = BigUintTarget { limbs: vec![] };
        let c_plus = self.select_biguint(c_neg, &none, &c);
        let c_minus = self.select_biguint(c_neg, &c, &none);
        let s_plus = self.select_biguint(s_neg, &none, &s);
        let s_minus = self.select_biguint(s_neg, &s, &none);
        // c − owed = c'  ⟺  c⁺ + c'⁻ + owed⁻ = c⁻ + c'⁺ + owed⁺.
        let l = self.add_biguint_bounded(&c_plus, &s_minus, RISK_LIMBS + 1);
        let l = self.add_biguint_bounded(&l, &owed.minus, RISK_LIMBS + 1);
        let r = self.add_biguint_bounded(&c_minus, &s_plus, RISK_LIMBS + 1);
        let r = self.add_biguint_bounded(&r, &owed.plus, RISK_LIMBS + 1);
        self.connect_biguint_if(cond, &l, &r);
        for (i, (p, m)) in account.positions.iter().zip(markets).enumerate() {
            let q = &settled_positions[i];
            self.connect_if(cond, q.market_id, p.market_id);
            self.connect_if(cond, q.size, p.size);
            let want = self.select(owed.is_perp[i], m.funding_index, p.funding_snapshot);
            self.connect_if(cond, q.funding_snapshot, want);
        }
    }
}

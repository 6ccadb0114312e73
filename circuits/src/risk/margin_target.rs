//! In-circuit twins of [`position_risk`](super::margin::position_risk) and
//! [`account_risk`](super::margin::account_risk), with the same names: the same formulas
//! (module docs of [`super::margin`]) over a position's market leaf, read by the caller
//! through a Merkle path.
//!
//! Signed quantities become a sign and a magnitude, magnitudes become 32-bit-limb big
//! integers ([`crate::gadgets::bigint`]): a notional times a ppm fraction reaches 2^93, far
//! beyond a field element. TAV is carried as `tav_plus − tav_minus` (both non-negative), so
//! `TAV ≥ IMR` becomes the unsigned comparison `tav_plus ≥ tav_minus + IMR`.
//!
//! Widths (the market leaf's are the native types', a state invariant; ppm ≤ 10^6 by
//! [`crate::state::Genesis::validate`]): size `|s| ≤ 2^40`, prices 32 bits, `price · ppm`
//! and `max(imf·S − OTM·10^6, floor·S)` below 2^52, `q · price · ppm` below 2^93; every sum
//! fits [`RISK_LIMBS`] limbs (TAV and requirements are below 2^76).

use plonky2::field::types::Field;
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::plonk::circuit_builder::CircuitBuilder;

use crate::constants::{COLLATERAL_BITS, MAX_POSITIONS, PPM, SIZE_BITS};
use crate::gadgets::bigint::{BigUintGadgets, BigUintTarget};
use crate::gadgets::range::RangeGadgets;
use crate::gadgets::signed::SignedGadgets;
use crate::hash::{D, F};
use crate::state::{AccountTarget, MarketKind, MarketTarget};

/// Limbs of every risk sum (128 bits; TAV and requirements are below 2^76).
pub const RISK_LIMBS: usize = 4;

/// Bits of `price · ppm` and of the short-option term `max(imf·S − OTM·10^6, floor·S)`.
const PRICE_PPM_BITS: usize = 52;

/// Value and requirements of one position in a circuit.
#[derive(Clone, Debug)]
pub struct PositionRiskTarget {
    /// Whether the value `size · price` is negative (a short position).
    pub value_negative: BoolTarget,
    /// `|value|`, quantums.
    pub value_abs: BigUintTarget,
    /// Initial requirement, quantums.
    pub im: BigUintTarget,
    /// Maintenance requirement, quantums.
    pub mm: BigUintTarget,
}

/// Total account value and requirements in a circuit: `TAV = tav_plus − tav_minus`.
#[derive(Clone, Debug)]
pub struct AccountRiskTarget {
    /// Collateral if positive plus the values of long positions.
    pub tav_plus: BigUintTarget,
    /// −collateral if negative plus the magnitudes of short positions' values.
    pub tav_minus: BigUintTarget,
    /// Initial margin requirement.
    pub imr: BigUintTarget,
    /// Maintenance margin requirement.
    pub mmr: BigUintTarget,
}

impl AccountRiskTarget {
    /// `TAV ≥ IMR`, i.e. `tav_plus ≥ tav_minus + IMR`.
    pub fn is_initial_margined(&self, builder: &mut CircuitBuilder<F, D>) -> BoolTarget {
        let need = builder.add_biguint_bounded(&self.tav_minus, &self.imr, RISK_LIMBS + 1);
        let short = builder.less_than_biguint(&self.tav_plus, &need);
        builder.not(short)
    }
}

/// `max(x − y, 0)` for `x, y < 2^32` (a price difference, saturating like the native
/// `saturating_sub`).
fn saturating_sub(builder: &mut CircuitBuilder<F, D>, x: Target, y: Target) -> Target {
    let lt = builder.less_than(x, y, 32);
    let d = builder.sub(x, y);
    let zero = builder.zero();
    builder.select(lt, zero, d)
}

/// `ceil(x / 10^6)`: `(x + 10^6 − 1) div 10^6`, by the hinted division.
fn ceil_ppm(builder: &mut CircuitBuilder<F, D>, x: &BigUintTarget) -> BigUintTarget {
    let round = builder.constant_biguint(&[(PPM - 1) as u32]);
    let up = builder.add_biguint(x, &round);
    let ppm = builder.constant_biguint(&[PPM as u32]);
    // Soundness: div_rem_biguint pins its hinted quotient by q·10^6 + r = x + 10^6 − 1 and
    // r < 10^6, with range-checked limbs.
    builder.div_rem_biguint(&up, &ppm).0
}

/// Multiplies every limb by a boolean: `cond ? a : 0`.
fn gate(builder: &mut CircuitBuilder<F, D>, cond: BoolTarget, a: &BigUintTarget) -> BigUintTarget {
    BigUintTarget { limbs: a.limbs.iter().map(|&l| builder.mul(cond.target, l)).collect() }
}

/// The in-circuit risk gadgets.
pub trait MarginGadgets {
    /// Value and requirements of a position of `size` lots in `market` (twin of
    /// [`super::margin::position_risk`]). `size` is signed, `|size| ≤ 2^40` (asserted).
    fn position_risk(&mut self, market: &MarketTarget, size: Target) -> PositionRiskTarget;

    /// TAV, IMR and MMR of an account whose funding is settled (twin of
    /// [`super::margin::account_risk`]); `markets[i]` is the market of position `i` (any
    /// values for an unused position slot, whose size is 0).
    fn account_risk(
        &mut self,
        account: &AccountTarget,
        markets: &[MarketTarget; MAX_POSITIONS],
    ) -> AccountRiskTarget;

    /// Whether a reduce-only order's fill keeps the position from growing or flipping (twin
    /// of `tx::fill::reduces`): `|after| ≤ |before|` and `after = 0` or the same sign.
    /// Sizes are signed, `|·| ≤ 2^40` (asserted).
    fn reduces(&mut self, before: Target, after: Target) -> BoolTarget;

    /// Whether a trade or liquidation fill may move an account from `before` to `after`
    /// (twin of [`super::margin::transition_allowed`]).
    ///
    /// Allowed if the account ends initial-margined; otherwise only if it reduced risk: no
    /// position grew or flipped (`|s_new| ≤ |s_old|`, same sign or closed), and the
    /// value-to-maintenance ratio did not fall, `TAV_new·MMR_old ≥ TAV_old·MMR_new`
    /// (cross-multiplied; if `MMR_old = 0`, `TAV_new ≥ TAV_old`).
    ///
    /// A fill moves one market's position only, so the caller passes that market's sizes
    /// before and after and asserts every other position unchanged (for an unchanged
    /// position the native reduction test holds trivially). With `TAV = tav⁺ − tav⁻` the
    /// comparisons are unsigned: `tav⁺_a·M_b + tav⁻_b·M_a ≥ tav⁻_a·M_b + tav⁺_b·M_a`, and
    /// `tav⁺_a + tav⁻_b ≥ tav⁻_a + tav⁺_b`.
    fn transition_allowed(
        &mut self,
        risk_before: &AccountRiskTarget,
        risk_after: &AccountRiskTarget,
        size_before: Target,
        size_after: Target,
    ) -> BoolTarget;
}

impl MarginGadgets for CircuitBuilder<F, D> {
    fn position_risk(&mut self, m: &MarketTarget, size: Target) -> PositionRiskTarget {
        let (neg, q) = self.signed_magnitude(size, SIZE_BITS as usize);
        let q = self.biguint_from_u64(q, SIZE_BITS as usize + 1);
        let kind = |b: &mut Self, k: MarketKind| {
            let c = b.constant(F::from_canonical_u64(k as u64));
            b.is_equal(m.kind, c)
        };
        let is_perp = kind(self, MarketKind::Perp);
        let is_call = kind(self, MarketKind::Call);
        let is_option = self.not(is_perp);
        let zero = self.zero();
        let unsettled = self.is_equal(m.settlement_price, zero);
        let settled = self.not(unsettled);
        let settled_option = self.and(is_option, settled);

        // Value: size · mark, or size · payoff for a settled option.
        let call_payoff = saturating_sub(self, m.settlement_price, m.strike);
        let put_payoff = saturating_sub(self, m.strike, m.settlement_price);
        let payoff = self.select(is_call, call_payoff, put_payoff);
        let price = self.select(settled_option, payoff, m.mark_price);
        let value_abs = self.mul_biguint(&q, &BigUintTarget { limbs: vec![price] });

        // Requirements: perps always; options only short and unsettled.
        let open_option = self.and(is_option, unsettled);
        let short_option = self.and(open_option, neg);
        let has_req = self.or(is_perp, short_option);
        let spot = m.index_price;
        let otm_call = saturating_sub(self, m.strike, spot);
        let otm_put = saturating_sub(self, spot, m.strike);
        let otm = self.select(is_call, otm_call, otm_put);
        // a = imf·S − OTM·10^6 ∈ (−2^52, 2^52), b = floor·S ∈ [0, 2^52).
        let imf_s = self.mul(m.imf_ppm, spot);
        let otm_ppm = self.mul_const(F::from_canonical_u64(PPM), otm);
        let a = self.sub(imf_s, otm_ppm);
        let b = self.mul(m.im_floor_ppm, spot);
        let a_lt_b = self.signed_less_than(a, b, PRICE_PPM_BITS + 1);
        let short_im = self.select(a_lt_b, b, a);
        let perp_im = self.mul(m.mark_price, m.imf_ppm);
        let perp_mm = self.mul(m.mark_price, m.mmf_ppm);
        let short_mm = self.mul(spot, m.mmf_ppm);
        let x_im = self.select(is_perp, perp_im, short_im);
        let x_mm = self.select(is_perp, perp_mm, short_mm);
        let x_im = self.mul(has_req.target, x_im);
        let x_mm = self.mul(has_req.target, x_mm);
        // Soundness: biguint_from_u64 range-checks each term below 2^52 (true by the widths
        // in the module docs), so the big-integer products below are exact.
        let x_im = self.biguint_from_u64(x_im, PRICE_PPM_BITS);
        let x_mm = self.biguint_from_u64(x_mm, PRICE_PPM_BITS);
        let qx_im = self.mul_biguint(&q, &x_im);
        let qx_mm = self.mul_biguint(&q, &x_mm);
        let im_add = ceil_ppm(self, &qx_im);
        let mm_add = ceil_ppm(self, &qx_mm);
        // A short option also carries its mark value q·V (value_abs, as V = mark when
        // unsettled).
        let base = gate(self, short_option, &value_abs);
        let im = self.add_biguint_bounded(&base, &im_add, RISK_LIMBS);
        let mm = self.add_biguint_bounded(&base, &mm_add, RISK_LIMBS);
        PositionRiskTarget { value_negative: neg, value_abs, im, mm }
    }

    fn account_risk(
        &mut self,
        account: &AccountTarget,
        markets: &[MarketTarget; MAX_POSITIONS],
    ) -> AccountRiskTarget {
        let (c_neg, c_mag) = self.signed_magnitude(account.collateral, COLLATERAL_BITS as usize);
        let c = self.biguint_from_u64(c_mag, COLLATERAL_BITS as usize + 1);
        let none = BigUintTarget { limbs: vec![] };
        let mut tav_plus = self.select_biguint(c_neg, &none, &c);
        let mut tav_minus = self.select_biguint(c_neg, &c, &none);
        let mut imr = none.clone();
        let mut mmr = none.clone();
        for (p, m) in account.positions.iter().zip(markets) {
            let r = self.position_risk(m, p.size);
            let long = self.select_biguint(r.value_negative, &none, &r.value_abs);
            let short = self.select_biguint(r.value_negative, &r.value_abs, &none);
            tav_plus = self.add_biguint_bounded(&tav_plus, &long, RISK_LIMBS);
            tav_minus = self.add_biguint_bounded(&tav_minus, &short, RISK_LIMBS);
            imr = self.add_biguint_bounded(&imr, &r.im, RISK_LIMBS);
            mmr = self.add_biguint_bounded(&mmr, &r.mm, RISK_LIMBS);
        }
        AccountRiskTarget { tav_plus, tav_minus, imr, mmr }
    }

    fn reduces(&mut self, before: Target, after: Target) -> BoolTarget {
        let bits = SIZE_BITS as usize;
        let (neg_b, mag_b) = self.signed_magnitude(before, bits);
        let (neg_a, mag_a) = self.signed_magnitude(after, bits);
        // Both magnitudes are at most 2^40 < 2^41.
        let smaller = self.less_or_equal(mag_a, mag_b, bits + 1);
        let zero = self.zero();
        let closed = self.is_equal(mag_a, zero);
        // after ≠ 0 and |after| ≤ |before| make before ≠ 0, so "same sign" is neg_a = neg_b.
        let same = self.is_equal(neg_a.target, neg_b.target);
        let kept = self.or(closed, same);
        self.and(smaller, kept)
    }

    fn transition_allowed(
        &mut self,
        risk_before: &AccountRiskTarget,
        risk_after: &AccountRiskTarget,
        size_before: Target,
        size_after: Target,
    ) -> BoolTarget {
        let margined = risk_after.is_initial_margined(self);
        let reduced = self.reduces(size_before, size_after);
        let (b, a) = (risk_before, risk_after);
        let wide = 2 * RISK_LIMBS + 1;
        // MMR_old = 0: TAV_new ≥ TAV_old.
        let l0 = self.add_biguint_bounded(&a.tav_plus, &b.tav_minus, RISK_LIMBS + 1);
        let r0 = self.add_biguint_bounded(&a.tav_minus, &b.tav_plus, RISK_LIMBS + 1);
        let lt0 = self.less_than_biguint(&l0, &r0);
        let ge0 = self.not(lt0);
        // Otherwise TAV_new·MMR_old ≥ TAV_old·MMR_new.
        let pa_mb = self.mul_biguint(&a.tav_plus, &b.mmr);
        let mb_ma = self.mul_biguint(&b.tav_minus, &a.mmr);
        let ma_mb = self.mul_biguint(&a.tav_minus, &b.mmr);
        let pb_ma = self.mul_biguint(&b.tav_plus, &a.mmr);
        let l = self.add_biguint_bounded(&pa_mb, &mb_ma, wide);
        let r = self.add_biguint_bounded(&ma_mb, &pb_ma, wide);
        let lt = self.less_than_biguint(&l, &r);
        let ge = self.not(lt);
        let mmr_zero = self.all_zero(&b.mmr.limbs);
        let ratio = self.select(mmr_zero, ge0.target, ge.target);
        // Soundness: a select between two booleans is boolean.
        let ratio = BoolTarget::new_unsafe(ratio);
        let reducing = self.and(reduced, ratio);
        self.or(margined, reducing)
    }
}

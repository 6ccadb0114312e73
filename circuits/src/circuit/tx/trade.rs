//! `Trade` in a circuit: the rules of [`crate::tx::Trade`] (`tx/trade.rs` and the fill rules
//! of `tx/fill.rs`), every assertion gated by the trade slot's selector. A trade slot lives
//! in a trade chunk ([`crate::circuit::chunk::ChunkKind::Trade`]), whose slots hold a Trade
//! or a Noop: a trade carries two Schnorr verifications and four margin evaluations, about
//! three universal slots' worth of rows.
//!
//! Native rule → constraint (`apply`, `check_order`, `fill_slot`, `fill`, `settle`,
//! `settled_view`, `transition_allowed`):
//! - `size ≠ 0` (`ZeroAmount`) → the record's size, 40 bits, is non-zero;
//! - same market (`OrderMismatch`) → both orders' market = the record's market = the market
//!   leaf's id and index;
//! - opposite sides (`SameSide`) → `maker.side + taker.side = 1`; the record's taker-buys
//!   bit is `1 − taker.side`;
//! - different accounts (`SelfTrade`) → `maker.account ≠ taker.account`; neither is account
//!   0 (the insurance and fee account; the native rule allows it, the circuit refuses it:
//!   [`crate::circuit::CircuitError::InsuranceTrade`]);
//! - post-only taker, IOC maker (`PostOnlyTaker`, `IocMaker`) → those flag bits are 0;
//! - the market is listed, priced, not expired (`MarketNotPriced`, `MarketExpired`) → its
//!   leaf sits at `market_id` under the running markets root, `mark ≠ 0`, and not
//!   (`kind ≠ perp ∧ now ≥ expiry`);
//! - fill price = maker's price → `price = maker.price`;
//! - per order ([`PartyTargets`]): the account exists; `now ≤ expiry` (`OrderExpired`);
//!   `price ≠ 0` and a multiple of the tick (`OffTick`, by the hinted division with zero
//!   remainder); `fee ≤ max_fee ≤ 10^6` and `fee ≤ config.max_fee_ppm` (`FeeAboveLimit`,
//!   and `check_order_bounds`); the fill price within the limit (`PriceWorseThanLimit`); the
//!   slot `nonce mod 2^16`: if it holds this nonce, not cancelled (`OrderCancelled`) and its
//!   hash is the order's (`OrderHashMismatch`), else empty or an older nonce
//!   (`StaleOrderNonce`) and the order's first fill, whose signature verifies under the
//!   account's key (`BadSignature`, `MissingSignature`); no overfill (`Overfill`); the slot
//!   becomes `(nonce, hash, filled + size, false)`; the record's slot and first-fill terms
//!   are the order's;
//! - `settle` of both accounts → [`FundingGadgets::settle_funding_if`] into hinted settled
//!   collateral and positions;
//! - `fill` → the position in the market moves by `±size` (a new one takes the first free
//!   slot with the market's funding index, `PositionsFull` if none; a closed one frees its
//!   slot; `|new| ≤ MAX_SIZE`); collateral moves by `∓size·price − fee` with
//!   `fee = floor(size·price·fee_ppm/10^6)` (exact big-integer equations) within
//!   `MAX_COLLATERAL`; nonce, key and owner unchanged; fees credited to account 0 when their
//!   sum is not zero (a third account write), nothing else of it changes; open interest
//!   moves by the change of the long sizes, within `[0, 2^64)`, and nothing else of the
//!   market changes;
//! - reduce-only (`ReduceOnlyViolation`) → [`MarginGadgets::reduces`] on the market's size;
//! - margin after (`MarginBreach`) → [`MarginGadgets::transition_allowed`] on the settled
//!   account before and the account after, each [`MarginGadgets::account_risk`] over the
//!   markets of its positions (read under the markets root before the trade; a new
//!   position's market is the trade's market).

use plonky2::field::types::Field;
use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::PartialWitness;
use plonky2::plonk::circuit_builder::CircuitBuilder;
use serde::{Deserialize, Serialize};

use super::debit::DebitWitness;
use crate::circuit::reads::{MarketLeaves, MarketReadTargets};
use crate::circuit::slot::{AccountStep, AccountUpdateTargets};
use crate::circuit::witness::{set, set_bool};
use crate::circuit::CircuitError;
use crate::commit::{TxWitness, WitnessStep};
use crate::constants::{
    COLLATERAL_BITS, INSURANCE_ACCOUNT, MARKET_TREE_DEPTH, MAX_POSITIONS, ORDER_TREE_DEPTH, PPM,
    SIZE_BITS, TIMESTAMP_BITS,
};
use crate::ecgfp5::circuit::{GFp5Target, WitnessScalar};
use crate::gadgets::bigint::{BigUintGadgets, BigUintTarget};
use crate::gadgets::range::RangeGadgets;
use crate::gadgets::signed::SignedGadgets;
use crate::hash::{fe, fe_signed, tag, HashGadgets, D, F};
use crate::merkle::{MerkleProof, UpdateProof, UpdateProofTarget};
use crate::order::{Side, SignedOrder};
use crate::order_target::{OrderSlotStep, OrderSlotUpdateTargets};
use crate::pubdata::{op_type, TradeOp};
use crate::pubdata_commit::RECORD_WORDS;
use crate::risk::funding_target::FundingGadgets;
use crate::risk::margin_target::{MarginGadgets, RISK_LIMBS};
use crate::risk::pending_funding;
use crate::schnorr::circuit::{CircuitBuilderSchnorr, PublicKeyTarget, SchnorrSignatureTarget};
use crate::state::{Account, AccountTarget, Market, MarketKind, MarketTarget, PositionTarget};
use crate::tx::Tx;

/// One market-leaf write, natively: the leaf before and after and its update proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketStep {
    /// Leaf before.
    pub before: Market,
    /// Leaf after.
    pub after: Market,
    /// Path and roots in the markets tree.
    pub proof: UpdateProof,
}

/// One side of a trade, natively: the signed order, its slot write, its account write and
/// its market reads with the settled collateral.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyWitness {
    /// The order (its signature is verified on its first fill only).
    pub order: SignedOrder,
    /// The order-slot write.
    pub slot: OrderSlotStep,
    /// The account write.
    pub account: AccountStep,
    /// The markets of the account's positions and its collateral after settlement.
    pub debit: DebitWitness,
}

/// The witness of one trade slot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TradeWitness {
    /// The record.
    pub op: TradeOp,
    /// The maker's side.
    pub maker: PartyWitness,
    /// The taker's side.
    pub taker: PartyWitness,
    /// The fee account's write (present when the fees are not zero).
    pub insurance: Option<AccountStep>,
    /// The market write (open interest).
    pub market: MarketStep,
}

fn account_step(step: &WitnessStep, want: u32) -> Option<AccountStep> {
    match step {
        WitnessStep::Account {
            id,
            before,
            orders_root_before,
            after,
            orders_root_after,
            proof,
        } if *id == want => Some(AccountStep {
            before: before.clone(),
            orders_root_before: *orders_root_before,
            after: after.clone(),
            orders_root_after: *orders_root_after,
            proof: proof.clone(),
        }),
        _ => None,
    }
}

fn slot_step(step: &WitnessStep, want: u32) -> Option<OrderSlotStep> {
    match step {
        WitnessStep::Slot { account, slot, before, after, proof } if *account == want => {
            Some(OrderSlotStep {
                slot: *slot,
                before: *before,
                after: *after,
                proof: proof.clone(),
            })
        }
        _ => None,
    }
}

fn debit_witness(before: &Account, markets: &MarketLeaves) -> Result<DebitWitness, CircuitError> {
    let settled = i128::from(before.collateral) - pending_funding(before, markets);
    Ok(DebitWitness {
        markets: markets.reads_for(before)?,
        settled_collateral: i64::try_from(settled)
            .map_err(|_| CircuitError::WitnessShape("settled collateral out of range"))?,
    })
}

impl TradeWitness {
    /// The slot of a native trade: its record, its witness (slots, accounts, market, in the
    /// journal's order) and the transaction (the orders and signatures); `markets` is the
    /// markets tree before the trade.
    pub fn from_native(
        op: &TradeOp,
        w: &TxWitness,
        tx: &Tx,
        markets: &MarketLeaves,
    ) -> Result<Self, CircuitError> {
        let Tx::Trade(t) = tx else {
            return Err(CircuitError::WitnessShape("the record is not the transaction's"));
        };
        if t.maker.order.account_id != op.maker.account_id
            || t.taker.order.account_id != op.taker.account_id
            || t.size != op.size
        {
            return Err(CircuitError::WitnessShape("the record is not the transaction's"));
        }
        let (m, k) = (op.maker.account_id, op.taker.account_id);
        if m == INSURANCE_ACCOUNT || k == INSURANCE_ACCOUNT {
            return Err(CircuitError::InsuranceTrade);
        }
        let shape = CircuitError::WitnessShape(
            "a trade writes two slots, maker, taker, the fee account if any, and its market",
        );
        // The journal's order: the maker's slot, the taker's, then the accounts in the order
        // they were first written (maker, taker, fee account), then the market.
        let slots: Vec<&WitnessStep> =
            w.steps.iter().filter(|s| matches!(s, WitnessStep::Slot { .. })).collect();
        let accounts: Vec<&WitnessStep> =
            w.steps.iter().filter(|s| matches!(s, WitnessStep::Account { .. })).collect();
        let markets_w: Vec<&WitnessStep> =
            w.steps.iter().filter(|s| matches!(s, WitnessStep::Market { .. })).collect();
        let (insurance, market) = match (slots.len(), accounts.len(), markets_w.as_slice()) {
            (2, 2, [m]) => (None, *m),
            (2, 3, [m]) => (
                Some(account_step(accounts[2], INSURANCE_ACCOUNT).ok_or_else(|| shape.clone())?),
                *m,
            ),
            _ => return Err(shape),
        };
        let market = match market {
            WitnessStep::Market { id, before, after, proof } if *id == op.market_id => {
                MarketStep { before: before.clone(), after: after.clone(), proof: proof.clone() }
            }
            _ => return Err(shape),
        };
        let party = |so: &SignedOrder, slot: &WitnessStep, acct: &WitnessStep, id: u32| {
            let account = account_step(acct, id).ok_or_else(|| shape.clone())?;
            let debit = debit_witness(&account.before, markets)?;
            Ok::<_, CircuitError>(PartyWitness {
                order: so.clone(),
                slot: slot_step(slot, id).ok_or_else(|| shape.clone())?,
                account,
                debit,
            })
        };
        let maker = party(&t.maker, slots[0], accounts[0], m)?;
        let taker = party(&t.taker, slots[1], accounts[1], k)?;
        Ok(Self { op: op.clone(), maker, taker, insurance, market })
    }

    /// The account updates in order (maker, taker, fee account).
    pub fn account_steps(&self) -> Vec<&AccountStep> {
        let mut v = vec![&self.maker.account, &self.taker.account];
        v.extend(self.insurance.as_ref());
        v
    }
}

/// An order in a circuit, with the widths its record bytes range-check.
#[derive(Clone, Debug)]
pub struct OrderTarget {
    /// Account, 32 bits.
    pub account_id: Target,
    /// Market, 8 bits.
    pub market_id: Target,
    /// Side: 0 buy, 1 sell.
    pub side: BoolTarget,
    /// Limit price, 32 bits.
    pub price: Target,
    /// Size, 40 bits.
    pub size: Target,
    /// Order nonce, 32 bits.
    pub nonce: Target,
    /// Expiry, 40 bits.
    pub expiry: Target,
    /// post-only, reduce-only, IOC.
    pub flags: [BoolTarget; 3],
    /// Fee cap, ppm, 24 bits and at most 10^6.
    pub max_fee_ppm: Target,
}

impl OrderTarget {
    fn new(builder: &mut CircuitBuilder<F, D>) -> Self {
        Self {
            account_id: builder.add_virtual_target(),
            market_id: builder.add_virtual_target(),
            side: builder.add_virtual_bool_target_safe(),
            price: builder.add_virtual_target(),
            size: builder.add_virtual_target(),
            nonce: builder.add_virtual_target(),
            expiry: builder.add_virtual_target(),
            flags: core::array::from_fn(|_| builder.add_virtual_bool_target_safe()),
            max_fee_ppm: builder.add_virtual_target(),
        }
    }

    /// `post_only | reduce_only << 1 | ioc << 2`.
    fn flag_bits(&self, builder: &mut CircuitBuilder<F, D>) -> Target {
        builder.le_sum(self.flags.iter())
    }

    /// The order hash [`crate::order::Order::hash`]:
    /// `H(ORDER, domain ‖ account ‖ market ‖ side ‖ price ‖ size ‖ nonce ‖ expiry ‖ flags ‖ max_fee)`.
    fn hash(&self, builder: &mut CircuitBuilder<F, D>, domain: &[Target; 6]) -> HashOutTarget {
        let flags = self.flag_bits(builder);
        let mut e = domain.to_vec();
        e.extend([
            self.account_id,
            self.market_id,
            self.side.target,
            self.price,
            self.size,
            self.nonce,
            self.expiry,
            flags,
            self.max_fee_ppm,
        ]);
        builder.hash_tagged(tag::ORDER, &e)
    }

    fn set(
        &self,
        pw: &mut PartialWitness<F>,
        o: Option<&crate::order::Order>,
    ) -> Result<(), CircuitError> {
        let d = crate::order::Order {
            account_id: 0,
            market_id: 0,
            side: Side::Buy,
            price: 0,
            size: 0,
            nonce: 0,
            expiry: 0,
            flags: crate::order::OrderFlags::default(),
            max_fee_ppm: 0,
        };
        let o = o.unwrap_or(&d);
        set(pw, self.account_id, fe(u64::from(o.account_id)))?;
        set(pw, self.market_id, fe(u64::from(o.market_id)))?;
        set_bool(pw, self.side, o.side == Side::Sell)?;
        set(pw, self.price, fe(u64::from(o.price)))?;
        set(pw, self.size, fe(o.size))?;
        set(pw, self.nonce, fe(u64::from(o.nonce)))?;
        set(pw, self.expiry, fe(o.expiry))?;
        for (t, v) in self.flags.iter().zip([o.flags.post_only, o.flags.reduce_only, o.flags.ioc]) {
            set_bool(pw, *t, v)?;
        }
        set(pw, self.max_fee_ppm, fe(u64::from(o.max_fee_ppm)))
    }
}

/// The big-endian bytes of `x`, asserting `x < 2^(8·n)`.
fn be_bytes(builder: &mut CircuitBuilder<F, D>, x: Target, n: usize) -> Vec<Target> {
    // Soundness: split_le range-checks x below 2^(8n) (n ≤ 5, so below p) and its bits
    // recompose x, so the bytes are x's unique base-256 digits.
    let bits = builder.split_le(x, 8 * n);
    (0..n).rev().map(|k| builder.le_sum(bits[8 * k..8 * k + 8].iter())).collect()
}

/// `x · cond` for a boolean `cond`.
fn gate_by(builder: &mut CircuitBuilder<F, D>, cond: BoolTarget, x: Target) -> Target {
    builder.mul(cond.target, x)
}

/// `a⁺, a⁻`: a signed value split into two non-negative big integers, `a = a⁺ − a⁻`.
fn plus_minus(
    builder: &mut CircuitBuilder<F, D>,
    x: Target,
    bits: usize,
) -> (BigUintTarget, BigUintTarget) {
    let (neg, mag) = builder.signed_magnitude(x, bits);
    let m = builder.biguint_from_u64(mag, bits + 1);
    let none = BigUintTarget { limbs: vec![] };
    let plus = builder.select_biguint(neg, &none, &m);
    let minus = builder.select_biguint(neg, &m, &none);
    (plus, minus)
}

/// One side of a trade in a circuit.
#[derive(Clone, Debug)]
pub struct PartyTargets {
    /// The order.
    pub order: OrderTarget,
    /// Its signature (verified on a first fill).
    pub signature: SchnorrSignatureTarget,
    /// The order-slot write.
    pub slot: OrderSlotUpdateTargets,
    /// The account write.
    pub account: AccountUpdateTargets,
    /// The market reads of the account's positions.
    pub reads: MarketReadTargets,
    /// Collateral after funding settlement (hint, pinned by the settlement equation).
    pub settled_collateral: Target,
    /// Positions after settlement (hints, pinned by the settlement rule).
    pub settled_positions: [PositionTarget; MAX_POSITIONS],
}

/// What a party's side computes for the record and the trade-level rules.
struct PartyOut {
    /// The order's first fill.
    first: BoolTarget,
    /// Slot index, 16 bits.
    slot_index: Target,
    /// Size in the market before and after (signed).
    size_before: Target,
    size_after: Target,
}

/// The market, fill and context a party's rules are checked against.
struct FillContext<'a> {
    sel: BoolTarget,
    market: &'a MarketTarget,
    market_id: Target,
    size: Target,
    price: Target,
    fee_ppm: Target,
    cash: &'a BigUintTarget,
    fee: BigUintTarget,
    now: Target,
    max_fee_ppm: Target,
    domain: &'a [Target; 6],
    markets_root: HashOutTarget,
}

impl PartyTargets {
    /// One side's targets and its rules: `check_order`, `settle`, `fill_slot` and this
    /// side of `fill`, reduce-only and `transition_allowed` (module docs).
    fn build(
        builder: &mut CircuitBuilder<F, D>,
        order: OrderTarget,
        c: &FillContext<'_>,
    ) -> (Self, PartyOut) {
        let sel = c.sel;
        let one = builder.one();
        let zero = builder.zero();
        let signature = builder.add_virtual_schnorr_signature_target();
        let slot = OrderSlotUpdateTargets::new(builder);
        let account = AccountUpdateTargets::new(builder);
        let settled_collateral = builder.add_virtual_target();
        let settled_positions: [PositionTarget; MAX_POSITIONS] =
            core::array::from_fn(|_| PositionTarget {
                market_id: builder.add_virtual_target(),
                size: builder.add_virtual_target(),
                funding_snapshot: builder.add_virtual_target(),
            });
        let reads = MarketReadTargets::constrain(builder, sel, &account.old, c.markets_root);
        let (o, acct) = (&order, &account);
        let (old, new) = (&acct.old, &acct.new);

        // The order's account is the leaf written, and it exists.
        builder.connect_if(sel, acct.update.path.index, o.account_id);
        builder.assert_zero_if(sel, acct.old_empty.target);
        builder.connect_if(sel, o.market_id, c.market_id);
        // Not expired: now ≤ expiry (both 40 bits).
        let live_order = builder.less_or_equal(c.now, o.expiry, TIMESTAMP_BITS as usize);
        builder.connect_if(sel, live_order.target, one);
        // On the tick: price ≠ 0 and price = q·tick (remainder 0; unsatisfiable for tick 0).
        builder.assert_nonzero_if(sel, o.price);
        let tick = builder.select(sel, c.market.tick_size, one);
        // Soundness: div_rem_biguint pins its hinted quotient by q·tick + r = price, r < tick.
        let (_, r) = builder.div_rem_biguint(
            &BigUintTarget { limbs: vec![o.price] },
            &BigUintTarget { limbs: vec![tick] },
        );
        for l in r.limbs {
            builder.assert_zero_if(sel, l);
        }
        // Fees within both caps (fee 24 bits by the record; caps below 2^32).
        let ppm = builder.constant(fe(PPM));
        let cap_ok = builder.less_or_equal(o.max_fee_ppm, ppm, 32);
        builder.connect_if(sel, cap_ok.target, one);
        let fee_ok = builder.less_or_equal(c.fee_ppm, o.max_fee_ppm, 32);
        builder.connect_if(sel, fee_ok.target, one);
        let fee_ok = builder.less_or_equal(c.fee_ppm, c.max_fee_ppm, 32);
        builder.connect_if(sel, fee_ok.target, one);
        // The fill price within the limit: buy ⇒ price ≤ limit, sell ⇒ price ≥ limit.
        let below = builder.less_or_equal(c.price, o.price, 32);
        let above = builder.less_or_equal(o.price, c.price, 32);
        let within = builder.select(o.side, above.target, below.target);
        builder.connect_if(sel, within, one);

        // The order slot.
        let hash = o.hash(builder, c.domain);
        let slot = &slot;
        // Soundness: split_low_high range-checks both halves and recomposes the 32-bit nonce.
        let (slot_index, _) = builder.split_low_high(o.nonce, ORDER_TREE_DEPTH, 32);
        builder.connect_if(sel, slot.update.path.index, slot_index);
        for i in 0..4 {
            builder.connect_if(
                sel,
                slot.update.old_root.elements[i],
                acct.orders_root_before.elements[i],
            );
            builder.connect_if(
                sel,
                slot.update.new_root.elements[i],
                acct.orders_root_after.elements[i],
            );
        }
        let (so, sn) = (&slot.old, &slot.new);
        let same = builder.is_equal(so.order_nonce, o.nonce);
        let occupied = builder.not(slot.old_empty);
        let live = builder.and(occupied, same);
        let sel_live = builder.and(sel, live);
        builder.assert_zero_if(sel_live, so.cancelled.target);
        for i in 0..4 {
            builder.connect_if(sel_live, so.order_hash.elements[i], hash.elements[i]);
        }
        let first = builder.not(live);
        let sel_first = builder.and(sel, first);
        let older = builder.less_than(so.order_nonce, o.nonce, 32);
        let replaceable = builder.or(slot.old_empty, older);
        builder.connect_if(sel_first, replaceable.target, one);
        let has_key = old.has_key(builder);
        builder.connect_if(sel_first, has_key.target, one);
        let pk = PublicKeyTarget { w: GFp5Target(old.pubkey) };
        builder.verify_schnorr_if(sel_first, pk, &hash.elements, signature);
        // No overfill: filled + size ≤ order size (filled 48 bits by the leaf, sizes 40).
        let filled = builder.select(first, zero, so.filled);
        let total = builder.add(filled, c.size);
        let fits = builder.less_or_equal(total, o.size, 49);
        builder.connect_if(sel, fits.target, one);
        builder.connect_if(sel, sn.order_nonce, o.nonce);
        for i in 0..4 {
            builder.connect_if(sel, sn.order_hash.elements[i], hash.elements[i]);
        }
        builder.connect_if(sel, sn.filled, total);
        builder.assert_zero_if(sel, sn.cancelled.target);

        // settle: funding into the settled account.
        builder.settle_funding_if(sel, old, &reads.markets, settled_collateral, &settled_positions);
        let settled = AccountTarget {
            pubkey: old.pubkey,
            l1_address: old.l1_address,
            collateral: settled_collateral,
            nonce: old.nonce,
            positions: settled_positions,
        };
        let risk_before = builder.account_risk(&settled, &reads.markets);

        // fill: the position in the market moves by ±size.
        let buys = builder.not(o.side);
        let neg_size = builder.neg(c.size);
        let delta = builder.select(buys, c.size, neg_size);
        let mut size_before = zero;
        let mut exists = zero;
        let mut is_trade = Vec::with_capacity(MAX_POSITIONS);
        let mut free_before = builder._false();
        let mut first_free = Vec::with_capacity(MAX_POSITIONS);
        for p in &settled.positions {
            let unused = builder.is_equal(p.market_id, zero);
            let used = builder.not(unused);
            let here = builder.is_equal(p.market_id, c.market_id);
            let t = builder.and(used, here);
            size_before = builder.mul_add(t.target, p.size, size_before);
            exists = builder.add(exists, t.target);
            is_trade.push(t);
            let not_yet = builder.not(free_before);
            first_free.push(builder.and(unused, not_yet));
            free_before = builder.or(free_before, unused);
        }
        // Soundness: a position's market is unique in a valid leaf (the native rule finds it
        // or places it), so `exists` is boolean.
        let exists = BoolTarget::new_unsafe(exists);
        let size_after = builder.add(size_before, delta);
        // |new| ≤ MAX_SIZE = 2^40 − 1 (`OutOfBounds("position size")`).
        let (_, mag_after) = builder.signed_magnitude(size_after, SIZE_BITS as usize);
        builder.check_bits_if(sel, mag_after, SIZE_BITS as usize);
        let closed = builder.is_equal(size_after, zero);
        let absent = builder.not(exists);
        // A new position needs a free slot (`PositionsFull`).
        let sel_absent = builder.and(sel, absent);
        builder.connect_if(sel_absent, free_before.target, one);
        for (i, p) in settled.positions.iter().enumerate() {
            let place = builder.and(absent, first_free[i]);
            let writes = builder.or(is_trade[i], place);
            let q = &new.positions[i];
            let size = builder.select(writes, size_after, p.size);
            builder.connect_if(sel, q.size, size);
            let kept_market = builder.select(closed, zero, c.market_id);
            let market = builder.select(writes, kept_market, p.market_id);
            builder.connect_if(sel, q.market_id, market);
            let kept_snap = builder.select(closed, zero, p.funding_snapshot);
            let snap = builder.select(place, c.market.funding_index, p.funding_snapshot);
            let snap = builder.select(is_trade[i], kept_snap, snap);
            builder.connect_if(sel, q.funding_snapshot, snap);
        }

        // Cash: new − settled = (sells ? cash : 0) − (buys ? cash : 0) − fee, exactly:
        // new⁺ + settled⁻ + loss = new⁻ + settled⁺ + gain.
        let bits = COLLATERAL_BITS as usize;
        let (n_plus, n_minus) = plus_minus(builder, new.collateral, bits);
        let (s_plus, s_minus) = plus_minus(builder, settled_collateral, bits);
        let none = BigUintTarget { limbs: vec![] };
        let gain = builder.select_biguint(buys, &none, c.cash);
        let paid = builder.select_biguint(buys, c.cash, &none);
        let loss = builder.add_biguint_bounded(&paid, &c.fee, RISK_LIMBS);
        let l = builder.add_biguint_bounded(&n_plus, &s_minus, RISK_LIMBS + 1);
        let l = builder.add_biguint_bounded(&l, &loss, RISK_LIMBS + 1);
        let r = builder.add_biguint_bounded(&n_minus, &s_plus, RISK_LIMBS + 1);
        let r = builder.add_biguint_bounded(&r, &gain, RISK_LIMBS + 1);
        builder.connect_biguint_if(sel, &l, &r);
        // |new collateral| ≤ MAX_COLLATERAL: signed_magnitude bounds it by 2^62; the
        // magnitude check excludes 2^62 itself.
        let (_, mag) = builder.signed_magnitude(new.collateral, bits);
        builder.check_bits_if(sel, mag, bits);
        builder.connect_if(sel, new.nonce, old.nonce);
        for i in 0..5 {
            builder.connect_if(sel, new.pubkey[i], old.pubkey[i]);
            builder.connect_if(sel, new.l1_address[i], old.l1_address[i]);
        }

        // Margin after: each position's market is the one read for it, or the trade's for a
        // position placed in a free slot.
        let after_markets: [MarketTarget; MAX_POSITIONS] = core::array::from_fn(|i| {
            let read = &reads.markets[i];
            let unused = builder.is_equal(old.positions[i].market_id, zero);
            let f = read.fields();
            let t = c.market.fields();
            let v: Vec<Target> =
                f.iter().zip(t).map(|(&a, b)| builder.select(unused, b, a)).collect();
            MarketTarget::from_fields(&v)
        });
        let risk_after = builder.account_risk(new, &after_markets);
        // Reduce-only: the market's position did not grow or flip.
        let reduces = builder.reduces(size_before, size_after);
        let reduce_only = o.flags[1];
        let sel_ro = builder.and(sel, reduce_only);
        builder.connect_if(sel_ro, reduces.target, one);
        let allowed =
            builder.transition_allowed(&risk_before, &risk_after, size_before, size_after);
        builder.connect_if(sel, allowed.target, one);

        let targets = Self {
            order,
            signature,
            slot: slot.clone(),
            account,
            reads,
            settled_collateral,
            settled_positions,
        };
        (targets, PartyOut { first, slot_index, size_before, size_after })
    }

    fn set(
        &self,
        pw: &mut PartialWitness<F>,
        w: Option<&PartyWitness>,
    ) -> Result<(), CircuitError> {
        self.order.set(pw, w.map(|w| &w.order.order))?;
        match w.and_then(|w| w.order.signature.as_ref()) {
            Some(sig) => {
                pw.set_scalar_target(self.signature.s, &sig.s)
                    .map_err(|e| CircuitError::Witness(e.to_string()))?;
                for (t, v) in self.signature.e.elements.iter().zip(sig.e.elements) {
                    set(pw, *t, v)?;
                }
            }
            None => {
                for t in self.signature.s.limbs.iter().chain(&self.signature.e.elements) {
                    set(pw, *t, fe(0))?;
                }
            }
        }
        self.slot.set(pw, w.map(|w| &w.slot))?;
        self.account.set(pw, w.map(|w| &w.account))?;
        self.reads.set(pw, w.map(|w| &w.debit.markets))?;
        set(pw, self.settled_collateral, fe_signed(w.map_or(0, |w| w.debit.settled_collateral)))?;
        let settled = w.map(|w| {
            let mut a = w.account.before.clone();
            for (p, r) in a.positions.iter_mut().zip(&w.debit.markets) {
                if let Some(r) = r {
                    if r.market.kind == MarketKind::Perp && !p.is_empty() {
                        p.funding_snapshot = r.market.funding_index;
                    }
                }
            }
            a
        });
        for (i, t) in self.settled_positions.iter().enumerate() {
            let p = settled.as_ref().map(|a| a.positions[i]).unwrap_or_default();
            set(pw, t.market_id, fe(u64::from(p.market_id)))?;
            set(pw, t.size, fe_signed(p.size))?;
            set(pw, t.funding_snapshot, fe_signed(p.funding_snapshot))?;
        }
        Ok(())
    }
}

/// The record's fields, in record order (after the type byte).
#[derive(Clone, Debug)]
pub struct TradeRecordTargets {
    /// Filled lots, 40 bits.
    pub size: Target,
    /// Fill price, 32 bits.
    pub price: Target,
    /// Maker fee, ppm, 24 bits.
    pub maker_fee_ppm: Target,
    /// Taker fee, ppm, 24 bits.
    pub taker_fee_ppm: Target,
}

/// The targets of one trade slot.
#[derive(Clone, Debug)]
pub struct TradeSlotTargets {
    /// Whether the slot holds a trade (else a Noop).
    pub sel: BoolTarget,
    /// The record's own fields.
    pub record: TradeRecordTargets,
    /// The maker's side.
    pub maker: PartyTargets,
    /// The taker's side.
    pub taker: PartyTargets,
    /// The fee account's write.
    pub insurance: AccountUpdateTargets,
    /// The market before.
    pub market: MarketTarget,
    /// Its open interest after (pinned by the open-interest rule).
    pub open_interest_after: Target,
    /// The market write.
    pub market_update: UpdateProofTarget,
}

/// What a trade slot reads from its chunk: the domain and the fee cap of the config, and
/// the batch time.
#[derive(Copy, Clone, Debug)]
pub struct TradeContext {
    /// `chain_id ‖ rollup(5 × u32)`.
    pub domain: [Target; 6],
    /// The config's `max_fee_ppm`, 32 bits.
    pub max_fee_ppm: Target,
    /// The batch timestamp, 40 bits.
    pub now: Target,
}

/// The running roots a slot goes through.
#[derive(Copy, Clone, Debug)]
pub struct RunningRoots {
    /// Accounts root.
    pub accounts: HashOutTarget,
    /// Markets root.
    pub markets: HashOutTarget,
    /// Public-data commitment.
    pub pubdata: HashOutTarget,
}

impl TradeSlotTargets {
    /// Builds a trade slot on the running roots and returns the roots after it.
    pub fn build(
        builder: &mut CircuitBuilder<F, D>,
        ctx: &TradeContext,
        roots: RunningRoots,
    ) -> (Self, RunningRoots) {
        use crate::pubdata_commit::PubdataGadgets;
        let sel = builder.add_virtual_bool_target_safe();
        let one = builder.one();
        let zero = builder.zero();
        let record = TradeRecordTargets {
            size: builder.add_virtual_target(),
            price: builder.add_virtual_target(),
            maker_fee_ppm: builder.add_virtual_target(),
            taker_fee_ppm: builder.add_virtual_target(),
        };
        let (mo, ko) = (OrderTarget::new(builder), OrderTarget::new(builder));
        let insurance = AccountUpdateTargets::new(builder);
        let market = MarketTarget::new(builder);
        let open_interest_after = builder.add_virtual_target();
        let market_after = MarketTarget { open_interest: open_interest_after, ..market };
        let old_leaf = market.leaf_hash(builder);
        let new_leaf = market_after.leaf_hash(builder);
        let market_update = UpdateProofTarget::new(builder, MARKET_TREE_DEPTH, old_leaf, new_leaf);

        // Trade-level rules.
        builder.assert_nonzero_if(sel, record.size);
        builder.connect_if(sel, ko.market_id, mo.market_id);
        builder.connect_if(sel, market.id, mo.market_id);
        builder.connect_if(sel, market_update.path.index, mo.market_id);
        let sides = builder.add(mo.side.target, ko.side.target);
        builder.connect_if(sel, sides, one);
        let same_account = builder.sub(mo.account_id, ko.account_id);
        builder.assert_nonzero_if(sel, same_account);
        builder.assert_nonzero_if(sel, mo.account_id);
        builder.assert_nonzero_if(sel, ko.account_id);
        builder.assert_zero_if(sel, ko.flags[0].target);
        builder.assert_zero_if(sel, mo.flags[2].target);
        builder.assert_nonzero_if(sel, market.mark_price);
        let perp = builder.constant(fe(MarketKind::Perp as u64));
        let is_perp = builder.is_equal(market.kind, perp);
        let is_option = builder.not(is_perp);
        let before_expiry = builder.less_than(ctx.now, market.expiry, TIMESTAMP_BITS as usize);
        let expired_now = builder.not(before_expiry);
        let expired = builder.and(is_option, expired_now);
        builder.assert_zero_if(sel, expired.target);
        builder.connect_if(sel, record.price, mo.price);
        for i in 0..4 {
            builder.connect_if(sel, market_update.old_root.elements[i], roots.markets.elements[i]);
        }

        // Cash and fees: size·price < 2^72, fee = floor(cash·ppm/10^6).
        let q = builder.biguint_from_u64(record.size, SIZE_BITS as usize);
        let cash = builder.mul_biguint(&q, &BigUintTarget { limbs: vec![record.price] });
        let million = builder.constant_biguint(&[PPM as u32]);
        let fee = |b: &mut CircuitBuilder<F, D>, ppm: Target| {
            let x = b.mul_biguint(&cash, &BigUintTarget { limbs: vec![ppm] });
            // Soundness: div_rem_biguint pins the hinted quotient by q·10^6 + r = x, r < 10^6.
            b.div_rem_biguint(&x, &million).0
        };
        let maker_fee = fee(builder, record.maker_fee_ppm);
        let taker_fee = fee(builder, record.taker_fee_ppm);

        let fill = |fee_ppm: Target, fee: &'_ BigUintTarget| FillContext {
            sel,
            market: &market,
            market_id: mo.market_id,
            size: record.size,
            price: record.price,
            fee_ppm,
            cash: &cash,
            fee: fee.clone(),
            now: ctx.now,
            max_fee_ppm: ctx.max_fee_ppm,
            domain: &ctx.domain,
            markets_root: roots.markets,
        };
        let (mctx, tctx) =
            (fill(record.maker_fee_ppm, &maker_fee), fill(record.taker_fee_ppm, &taker_fee));
        let (maker, m_out) = PartyTargets::build(builder, mo, &mctx);
        let (taker, t_out) = PartyTargets::build(builder, ko, &tctx);
        let (mo, ko) = (&maker.order, &taker.order);

        // Fees to account 0 when they are not zero.
        let fees = builder.add_biguint(&maker_fee, &taker_fee);
        let no_fees = builder.all_zero(&fees.limbs);
        let pays = builder.not(no_fees);
        let credit = builder.and(sel, pays);
        {
            let (old, new) = (&insurance.old, &insurance.new);
            builder.connect_if(credit, insurance.update.path.index, zero);
            builder.assert_zero_if(credit, insurance.old_empty.target);
            let bits = COLLATERAL_BITS as usize;
            let (n_plus, n_minus) = plus_minus(builder, new.collateral, bits);
            let (o_plus, o_minus) = plus_minus(builder, old.collateral, bits);
            let l = builder.add_biguint_bounded(&n_plus, &o_minus, RISK_LIMBS + 1);
            let r = builder.add_biguint_bounded(&n_minus, &o_plus, RISK_LIMBS + 1);
            let r = builder.add_biguint_bounded(&r, &fees, RISK_LIMBS + 1);
            builder.connect_biguint_if(credit, &l, &r);
            let (_, mag) = builder.signed_magnitude(new.collateral, bits);
            builder.check_bits_if(credit, mag, bits);
            builder.connect_if(credit, new.nonce, old.nonce);
            for i in 0..5 {
                builder.connect_if(credit, new.pubkey[i], old.pubkey[i]);
                builder.connect_if(credit, new.l1_address[i], old.l1_address[i]);
            }
            new.connect_positions_if(builder, credit, old);
            for i in 0..4 {
                builder.connect_if(
                    credit,
                    insurance.orders_root_after.elements[i],
                    insurance.orders_root_before.elements[i],
                );
            }
        }

        // Open interest: oi' = oi + Σ (long(after) − long(before)) ∈ [0, 2^64).
        let long = |b: &mut CircuitBuilder<F, D>, s: Target| {
            let (neg, mag) = b.signed_magnitude(s, SIZE_BITS as usize);
            let l = b.select(neg, zero, mag);
            b.biguint_from_u64(l, SIZE_BITS as usize + 1)
        };
        // Soundness: split_low_high range-checks both 32-bit halves of the leaf's u64.
        let (lo, hi) = builder.split_low_high(market.open_interest, 32, 64);
        let oi = BigUintTarget { limbs: vec![lo, hi] };
        let la = long(builder, m_out.size_after);
        let lb = long(builder, t_out.size_after);
        let up = builder.add_biguint(&oi, &la);
        let up = builder.add_biguint(&up, &lb);
        let ma = long(builder, m_out.size_before);
        let mb = long(builder, t_out.size_before);
        let down = builder.add_biguint(&ma, &mb);
        let (oi_new, negative) = builder.sub_biguint(&up, &down);
        builder.assert_zero_if(sel, negative.target);
        for &l in &oi_new.limbs[2..] {
            builder.assert_zero_if(sel, l);
        }
        let base = builder.constant(F::from_canonical_u64(1 << 32));
        let oi_field = builder.mul_add(oi_new.limbs[1], base, oi_new.limbs[0]);
        builder.connect_if(sel, open_interest_after, oi_field);

        // The running roots: maker, taker, then the fee account when it is credited.
        let accounts = chain(builder, sel, &maker.account, roots.accounts);
        let accounts = chain(builder, sel, &taker.account, accounts);
        let accounts = chain(builder, credit, &insurance, accounts);
        let markets = HashOutTarget {
            elements: core::array::from_fn(|i| {
                builder.select(sel, market_update.new_root.elements[i], roots.markets.elements[i])
            }),
        };

        // The record: type, flags, accounts, market, size, price, fees, slots, terms.
        let taker_buys = builder.not(ko.side);
        let flags = {
            let a = builder.mul_const_add(F::TWO, m_out.first.target, taker_buys.target);
            builder.mul_const_add(F::from_canonical_u64(4), t_out.first.target, a)
        };
        let mut base_bytes = vec![builder.constant(fe(u64::from(op_type::TRADE)))];
        base_bytes.extend(be_bytes(builder, flags, 1));
        for (x, n) in [
            (mo.account_id, 4),
            (ko.account_id, 4),
            (mo.market_id, 1),
            (record.size, 5),
            (record.price, 4),
            (record.maker_fee_ppm, 3),
            (record.taker_fee_ppm, 3),
            (m_out.slot_index, 2),
            (t_out.slot_index, 2),
        ] {
            base_bytes.extend(be_bytes(builder, x, n));
        }
        let terms = |b: &mut CircuitBuilder<F, D>, o: &OrderTarget, first: BoolTarget, price| {
            let flags = o.flag_bits(b);
            let mut v = Vec::new();
            let mut fields = vec![(o.nonce, 4), (o.size, 5), (o.expiry, 5), (flags, 1)];
            fields.push((o.max_fee_ppm, 3));
            if price {
                fields.push((o.price, 4));
            }
            for (x, n) in fields {
                v.extend(be_bytes(b, x, n));
            }
            v.into_iter().map(|x| gate_by(b, first, x)).collect::<Vec<_>>()
        };
        let m_terms = terms(builder, mo, m_out.first, false);
        let mut t_terms = terms(builder, ko, t_out.first, true);
        let mut bytes = base_bytes;
        let m_len = m_terms.len();
        t_terms.resize(m_len + t_terms.len(), zero);
        // After the base: the maker's terms then the taker's if the maker's are published,
        // else the taker's directly.
        for j in 0..t_terms.len() {
            let with = if j < m_len { m_terms[j] } else { t_terms[j - m_len] };
            let without = t_terms[j];
            bytes.push(builder.select(m_out.first, with, without));
        }
        assert!(bytes.len() <= 4 * RECORD_WORDS, "a trade record fits the words");
        bytes.resize(4 * RECORD_WORDS, zero);
        let words: [Target; RECORD_WORDS] = core::array::from_fn(|w| {
            let mut acc = zero;
            for &byte in &bytes[4 * w..4 * w + 4] {
                acc = builder.mul_const_add(F::from_canonical_u64(256), acc, byte);
            }
            acc
        });
        let pubdata = builder.absorb_record(sel, roots.pubdata, &words);

        let slot = Self {
            sel,
            record,
            maker,
            taker,
            insurance,
            market,
            open_interest_after,
            market_update,
        };
        (slot, RunningRoots { accounts, markets, pubdata })
    }

    /// Assigns the slot (`None`: a Noop).
    pub fn set(
        &self,
        pw: &mut PartialWitness<F>,
        w: Option<&TradeWitness>,
    ) -> Result<(), CircuitError> {
        set_bool(pw, self.sel, w.is_some())?;
        let op = w.map(|w| &w.op);
        set(pw, self.record.size, fe(op.map_or(0, |o| o.size)))?;
        set(pw, self.record.price, fe(op.map_or(0, |o| u64::from(o.price))))?;
        set(pw, self.record.maker_fee_ppm, fe(op.map_or(0, |o| u64::from(o.maker.fee_ppm))))?;
        set(pw, self.record.taker_fee_ppm, fe(op.map_or(0, |o| u64::from(o.taker.fee_ppm))))?;
        self.maker.set(pw, w.map(|w| &w.maker))?;
        self.taker.set(pw, w.map(|w| &w.taker))?;
        self.insurance.set(pw, w.and_then(|w| w.insurance.as_ref()))?;
        match w {
            Some(w) => {
                self.market.set(pw, Some(&w.market.before))?;
                set(pw, self.open_interest_after, fe(w.market.after.open_interest))?;
                self.market_update.set(pw, &w.market.proof)
            }
            None => {
                self.market.set(pw, None)?;
                set(pw, self.open_interest_after, fe(0))?;
                let path = MerkleProof {
                    index: 0,
                    siblings: vec![crate::hash::ZERO_DIGEST; MARKET_TREE_DEPTH],
                };
                self.market_update.path.set(pw, &path)
            }
        }
    }
}

/// Chains an account update onto `root` when `writes` is 1 (as the universal slot does).
fn chain(
    builder: &mut CircuitBuilder<F, D>,
    writes: BoolTarget,
    acct: &AccountUpdateTargets,
    root: HashOutTarget,
) -> HashOutTarget {
    acct.chain(builder, writes, root)
}

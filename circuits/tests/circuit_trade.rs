//! Trades in the trade chunk circuit, on the fixture of `common` (BTC-PERP at 100 USDC per
//! lot, a priced call, funded accounts with Ethereum-derived L2 keys).
//!
//! Agreement: trades applied by the native spec (first fills, a continuing fill of the same
//! maker order, a reduce-only close, a short call, random sizes and fees) prove exactly the
//! native roots and public-data commitment. Soundness: for every rule, a witness that breaks
//! only that rule makes a constraint unsatisfied. Tampered witnesses are rebuilt from a
//! tampered journal of leaf writes through `StateTrees::witness`, so every leaf hash and root
//! is consistent and only the rule under test is broken.

mod circuit_support;
mod common;

use std::sync::OnceLock;

use circuit_support::BATCH;
use common::{Fixture, BTC, CALL, MAKER, SMALL, T0, TAKER};
use plonky2::field::types::Field;
use proofbook_circuits::aggregate::BatchWitness;
use proofbook_circuits::circuit::chunk::ChunkPublicInputs;
use proofbook_circuits::circuit::slot::SlotWitness;
use proofbook_circuits::circuit::{ChunkCircuit, ChunkWitness, CircuitError, StateRoots};
use proofbook_circuits::circuit_test_util::{prove_outcome, prove_public_inputs};
use proofbook_circuits::commit::StateTrees;
use proofbook_circuits::config::NamedConfig;
use proofbook_circuits::hash::{Digest, F};
use proofbook_circuits::order::{Order, Side};
use proofbook_circuits::pubdata::PubOp;
use proofbook_circuits::risk::Markets;
use proofbook_circuits::state::{LeafWrite, Market, State, TxWrites};
use proofbook_circuits::tx::{apply, Trade, Tx};
use proptest::prelude::*;
use proptest::test_runner::{Config as PtConfig, TestRunner};

/// BTC-PERP per-lot price of the fixture (a multiple of its tick, 100 000).
const P: u32 = 100_000_000;
/// BTC-PERP tick.
const TICK: u32 = 100_000;

fn circuit() -> &'static ChunkCircuit {
    static C: OnceLock<ChunkCircuit> = OnceLock::new();
    C.get_or_init(|| ChunkCircuit::build_trade(NamedConfig::FastTest, 1))
}

fn trade(f: &Fixture, maker: Order, taker: Order, size: u64) -> Tx {
    Tx::Trade(Trade {
        maker: f.sign(maker),
        taker: f.sign(taker),
        size,
        maker_fee_ppm: 100,
        taker_fee_ppm: 300,
    })
}

/// MAKER sells `size` lots at P to TAKER (both orders' first fill).
fn simple(f: &Fixture, size: u64, nonce: u32) -> Tx {
    trade(
        f,
        f.order(MAKER, Side::Sell, P, size, nonce),
        f.order(TAKER, Side::Buy, P, size, nonce),
        size,
    )
}

/// MAKER writes `size` calls to TAKER at 2 USDC (both orders' first fill, nonce 1).
fn short_calls(f: &Fixture, size: u64) -> Tx {
    let mut sell = f.order(MAKER, Side::Sell, 2_000_000, size, 1);
    sell.market_id = CALL;
    let mut buy = f.order(TAKER, Side::Buy, 2_000_000, size, 1);
    buy.market_id = CALL;
    trade(f, sell, buy, size)
}

/// A batch applied natively: the state before it, the records, the journal and the
/// transactions, from which a (possibly tampered) batch witness is built.
struct Native {
    before: State,
    timestamp: u64,
    ops: Vec<PubOp>,
    journal: Vec<TxWrites>,
    txs: Vec<Tx>,
}

fn native(f: &mut Fixture, txs: &[Tx]) -> Native {
    let before = f.state.clone();
    let timestamp = f.state.now().max(T0 + 60);
    f.state.begin_batch(timestamp).unwrap();
    let ops = txs
        .iter()
        .map(|tx| apply(&mut f.state, tx).unwrap_or_else(|e| panic!("{tx:?} rejected: {e}")).op)
        .collect();
    let journal = f.state.take_journal();
    Native { before, timestamp, ops, journal, txs: txs.to_vec() }
}

impl Native {
    /// The batch witness of these (possibly tampered) writes, from the state before.
    fn witness_on(&self, before: &State) -> BatchWitness {
        let mut trees = StateTrees::build(before);
        let start = StateRoots {
            accounts_root: trees.accounts_root(),
            markets_root: trees.markets_root(),
            config_hash: trees.config_hash(),
        };
        let markets: Vec<Market> = before.markets().cloned().collect();
        let witnesses = trees.witness(&self.journal);
        BatchWitness {
            batch_number: BATCH,
            timestamp: self.timestamp,
            start,
            config: before.config().clone(),
            markets,
            txs: self.ops.iter().cloned().zip(witnesses).collect(),
            sources: self.txs.clone(),
        }
    }

    fn witness(&self) -> BatchWitness {
        self.witness_on(&self.before)
    }

    /// The first (trade) chunk.
    fn chunk(&self) -> ChunkWitness {
        self.witness().chunks(2, 1).unwrap()[0].clone()
    }
}

fn proved_inputs(w: &ChunkWitness) -> ChunkPublicInputs {
    let pw = circuit().witness(w).expect("witness assigns");
    match prove_public_inputs(&circuit().data, pw) {
        Ok(pi) => ChunkPublicInputs::from_fields(&pi).unwrap(),
        Err(o) => panic!("expected a proof, got {o:?}"),
    }
}

/// Proves every trade chunk of the batch and checks each against the native run, and the
/// last one against the native state root.
fn assert_batch_proves(n: &Native, f: &Fixture) {
    let bw = n.witness();
    let statement = bw.statement().unwrap();
    let chunks = bw.chunks(2, 1).unwrap();
    let mut last = None;
    for c in chunks.iter().filter(|c| !c.slots.is_empty()) {
        let (want, _) = c.run().unwrap();
        assert_eq!(proved_inputs(c), want);
        last = Some(want);
    }
    let last = last.unwrap();
    assert_eq!(last.new_root, statement.new_state_root);
    assert_eq!(last.new_root, f.state.state_root());
    assert_eq!(last.pubdata_out, statement.pubdata_commitment);
}

fn assert_unsatisfied(w: &ChunkWitness, what: &str) {
    let o = prove_outcome(&circuit().data, circuit().witness(w).expect("witness assigns"));
    assert!(o.is_unsatisfied(), "{what}: expected an unsatisfied constraint, got {o:?}");
}

/// The trade's writes, mutably.
fn writes(n: &mut Native) -> &mut TxWrites {
    &mut n.journal[0]
}

fn trade_mut(n: &mut Native) -> &mut Trade {
    match &mut n.txs[0] {
        Tx::Trade(t) => t,
        other => panic!("not a trade: {other:?}"),
    }
}

fn op_mut(n: &mut Native) -> &mut proofbook_circuits::pubdata::TradeOp {
    match &mut n.ops[0] {
        PubOp::Trade(t) => t,
        other => panic!("not a trade record: {other:?}"),
    }
}

/// Replaces one side's order with `o` (re-signed), keeping the record's first-fill terms
/// and the slot's stored hash consistent with it.
fn replace_order(n: &mut Native, f: &Fixture, maker: bool, o: Order) {
    let so = f.sign(o);
    let hash = o.hash(&f.config);
    let t = trade_mut(n);
    if maker {
        t.maker = so;
    } else {
        t.taker = so;
    }
    let op = op_mut(n);
    let side = if maker { &mut op.maker } else { &mut op.taker };
    if let Some(terms) = side.first_fill.as_mut() {
        terms.nonce = o.nonce;
        terms.size = o.size;
        terms.expiry = o.expiry;
        terms.flags = o.flags;
        terms.max_fee_ppm = o.max_fee_ppm;
        if !maker {
            terms.price = o.price;
        }
    }
    let which = usize::from(!maker);
    let LeafWrite::Slot { after, .. } = &mut writes(n)[which] else { panic!("slot write") };
    after.order_hash = hash;
    after.order_nonce = o.nonce;
}

fn account_after(n: &mut Native, id: u32) -> &mut proofbook_circuits::state::Account {
    writes(n)
        .iter_mut()
        .find_map(|w| match w {
            LeafWrite::Account { id: i, after, .. } if *i == id => Some(after),
            _ => None,
        })
        .expect("the account is written")
}

// ---------------------------------------------------------------- agreement

#[test]
fn first_fills_prove_the_native_statement() {
    let mut f = Fixture::new();
    let txs = [simple(&f, 10, 1)];
    let n = native(&mut f, &txs);
    assert_batch_proves(&n, &f);
}

#[test]
fn a_continuing_fill_proves_the_native_statement() {
    let mut f = Fixture::new();
    // MAKER rests 20 lots; TAKER takes 10, then 10 more with a second order. The second
    // trade fills the maker's order again: its slot's hash is checked, no signature.
    let resting = f.order(MAKER, Side::Sell, P, 20, 1);
    let t1 = trade(&f, resting, f.order(TAKER, Side::Buy, P, 10, 1), 10);
    let mut t2 = trade(&f, resting, f.order(TAKER, Side::Buy, P + TICK, 10, 2), 10);
    if let Tx::Trade(t) = &mut t2 {
        t.maker.signature = None;
    }
    let n = native(&mut f, &[t1, t2]);
    assert!(matches!(&n.ops[1], PubOp::Trade(t) if t.maker.first_fill.is_none()));
    assert_batch_proves(&n, &f);
}

#[test]
fn a_reduce_only_close_proves_the_native_statement() {
    let mut f = Fixture::new();
    let t = simple(&f, 10, 1);
    f.ok(t);
    f.state.take_journal();
    // TAKER (long 10) sells 4 with a reduce-only order into MAKER's bid.
    let mut sell = f.order(TAKER, Side::Sell, P, 4, 2);
    sell.flags.reduce_only = true;
    let t = trade(&f, f.order(MAKER, Side::Buy, P, 4, 2), sell, 4);
    let n = native(&mut f, &[t]);
    assert_batch_proves(&n, &f);
}

#[test]
fn a_short_call_trade_proves_the_native_statement() {
    let mut f = Fixture::new();
    let t = short_calls(&f, 3);
    let n = native(&mut f, &[t]);
    assert_batch_proves(&n, &f);
}

#[test]
fn random_trades_agree_with_native() {
    let mut runner = TestRunner::new(PtConfig { cases: 3, ..PtConfig::default() });
    runner
        .run(
            &(1u64..40, 0u32..20, 0u32..=500, 0u32..=500, any::<bool>()),
            |(size, ticks, mf, tf, taker_buys)| {
                let mut f = Fixture::new();
                let price = P - 10 * TICK + ticks * TICK;
                let (ms, ts) =
                    if taker_buys { (Side::Sell, Side::Buy) } else { (Side::Buy, Side::Sell) };
                let tx = Tx::Trade(Trade {
                    maker: f.sign(f.order(MAKER, ms, price, size, 3)),
                    taker: f.sign(f.order(TAKER, ts, price, size + 5, 4)),
                    size,
                    maker_fee_ppm: mf,
                    taker_fee_ppm: tf,
                });
                let n = native(&mut f, &[tx]);
                assert_batch_proves(&n, &f);
                Ok(())
            },
        )
        .unwrap();
}

#[test]
fn a_trade_is_refused_by_the_universal_chunk() {
    let mut f = Fixture::new();
    let txs = [simple(&f, 1, 1)];
    let n = native(&mut f, &txs);
    let w = n.chunk();
    let universal = ChunkCircuit::build(NamedConfig::FastTest, 1);
    assert_eq!(universal.witness(&w).err(), Some(CircuitError::WrongChunk));
}

// ---------------------------------------------------------------- soundness

fn base() -> (Fixture, Native) {
    let mut f = Fixture::new();
    let txs = [simple(&f, 10, 1)];
    let n = native(&mut f, &txs);
    (f, n)
}

#[test]
fn untampered_base_trade_proves() {
    let (_, n) = base();
    let w = n.chunk();
    assert_eq!(proved_inputs(&w), w.run().unwrap().0);
}

#[test]
fn forged_maker_signature_is_rejected() {
    let (f, mut n) = base();
    let other = f.sign(f.order(MAKER, Side::Sell, P, 11, 1));
    trade_mut(&mut n).maker.signature = other.signature;
    assert_unsatisfied(&n.chunk(), "maker signature over another order");
}

#[test]
fn forged_taker_signature_is_rejected() {
    let (f, mut n) = base();
    // Signed by the maker's key over the taker's order.
    let o = f.order(TAKER, Side::Buy, P, 10, 1);
    trade_mut(&mut n).taker.signature = Some(f.signer(MAKER).sign_digest(&o.hash(&f.config)));
    assert_unsatisfied(&n.chunk(), "taker order signed by another key");
}

#[test]
fn an_order_signed_for_another_market_is_rejected() {
    let (f, mut n) = base();
    let mut o = f.order(MAKER, Side::Sell, P, 10, 1);
    o.market_id = CALL;
    replace_order(&mut n, &f, true, o);
    assert_unsatisfied(&n.chunk(), "maker order for the call market");
}

#[test]
fn overfill_is_rejected() {
    let (f, mut n) = base();
    replace_order(&mut n, &f, false, f.order(TAKER, Side::Buy, P, 9, 1));
    assert_unsatisfied(&n.chunk(), "10 lots against a 9-lot order");
}

#[test]
fn a_taker_price_worse_than_its_limit_is_rejected() {
    let (f, mut n) = base();
    replace_order(&mut n, &f, false, f.order(TAKER, Side::Buy, P - TICK, 10, 1));
    assert_unsatisfied(&n.chunk(), "buy limit below the fill price");
}

#[test]
fn a_maker_price_other_than_the_fill_price_is_rejected() {
    let (f, mut n) = base();
    // The maker's ask above the fill price: the fill is worse than the maker's limit.
    replace_order(&mut n, &f, true, f.order(MAKER, Side::Sell, P + TICK, 10, 1));
    assert_unsatisfied(&n.chunk(), "sell limit above the fill price");
}

#[test]
fn an_expired_order_is_rejected() {
    let (f, mut n) = base();
    let mut o = f.order(TAKER, Side::Buy, P, 10, 1);
    o.expiry = n.timestamp - 1;
    replace_order(&mut n, &f, false, o);
    assert_unsatisfied(&n.chunk(), "expired taker order");
}

#[test]
fn a_stale_order_nonce_is_rejected() {
    let mut f = Fixture::new();
    // TAKER's slot 1 holds nonce 65 537 (filled once); a later order with nonce 1 maps to
    // the same slot and is stale.
    let t = simple(&f, 2, 65_537);
    f.ok(t);
    f.state.take_journal();
    let txs = [trade(
        &f,
        f.order(MAKER, Side::Sell, P, 10, 7),
        f.order(TAKER, Side::Buy, P, 10, 131_073),
        10,
    )];
    let mut n = native(&mut f, &txs);
    replace_order(&mut n, &f, false, f.order(TAKER, Side::Buy, P, 10, 1));
    assert_unsatisfied(&n.chunk(), "order nonce older than the slot's");
}

#[test]
fn the_order_s_slot_must_be_written() {
    let (_, mut n) = base();
    // The taker's fill written to slot 3 instead of slot 1 (nonce 1).
    let LeafWrite::Slot { slot, .. } = &mut writes(&mut n)[1] else { panic!("slot write") };
    *slot = 3;
    assert_unsatisfied(&n.chunk(), "fill in another slot");
}

#[test]
fn a_margin_breach_after_the_trade_is_rejected() {
    // SMALL (1 200 USDC) buys 20 lots at 100 USDC: margined at BTC-PERP's 10 % initial
    // margin. The same writes on a state where BTC-PERP needs 100 % initial margin: SMALL
    // opens 2 000 USDC of notional on about 1 200 of value, a breach (natively
    // `MarginBreach`), and nothing else differs.
    let mut f = Fixture::new();
    let txs =
        [trade(&f, f.order(MAKER, Side::Sell, P, 20, 1), f.order(SMALL, Side::Buy, P, 20, 1), 20)];
    let n = native(&mut f, &txs);
    let mut snap = n.before.snapshot();
    for m in &mut snap.markets {
        if m.id == BTC {
            *m = m.clone().with_margin(1_000_000, 500_000);
        }
    }
    let strict = State::from_snapshot(snap);
    let mut n = Native { before: strict.clone(), ..n };
    for w in writes(&mut n).iter_mut() {
        if let LeafWrite::Market { id, before, after } = w {
            let oi = after.open_interest;
            *before = strict.market(*id).unwrap().clone();
            *after = before.clone();
            after.open_interest = oi;
        }
    }
    let mut check = strict;
    let e = apply(&mut check, &n.txs[0]).unwrap_err();
    assert!(matches!(e, proofbook_circuits::error::TxError::MarginBreach(SMALL)), "{e}");
    assert_unsatisfied(&n.chunk(), "margin breach");
}

#[test]
fn a_self_trade_is_rejected() {
    let (f, mut n) = base();
    // Both orders MAKER's: the maker's write, then the taker's on the same leaf from there,
    // each consistent with its fill (slot writes in MAKER's subtree, slots 1 and 2).
    let taker = f.order(MAKER, Side::Buy, P, 10, 2);
    let so = f.sign(taker);
    trade_mut(&mut n).taker = so;
    let op = op_mut(&mut n);
    op.taker.account_id = MAKER;
    op.taker.slot = 2;
    if let Some(t) = op.taker.first_fill.as_mut() {
        t.nonce = 2;
    }
    let ws = writes(&mut n).clone();
    let (mut slot_m, mut slot_t, mut acct_m, mut ins, mut market) = (None, None, None, None, None);
    for w in ws {
        match w {
            LeafWrite::Slot { account, .. } if account == MAKER => slot_m = Some(w),
            LeafWrite::Slot { .. } => slot_t = Some(w),
            LeafWrite::Account { id, .. } if id == MAKER => acct_m = Some(w),
            LeafWrite::Account { id: 0, .. } => ins = Some(w),
            LeafWrite::Account { .. } => {}
            LeafWrite::Market { .. } => market = Some(w),
        }
    }
    let Some(LeafWrite::Slot { after: t_after, .. }) = slot_t else { panic!() };
    let slot_t = LeafWrite::Slot {
        account: MAKER,
        slot: 2,
        before: Default::default(),
        after: proofbook_circuits::order::OrderSlot {
            order_nonce: 2,
            order_hash: taker.hash(&f.config),
            ..t_after
        },
    };
    let Some(LeafWrite::Account { after: mid, .. }) = acct_m.clone() else { panic!() };
    // The taker's fill on MAKER: +10 lots back (the position closes), −cash − taker fee.
    let mut end = mid.clone();
    let cash = 10 * i64::from(P);
    end.collateral -= cash + cash * 300 / 1_000_000;
    end.positions = Default::default();
    let acct_t = LeafWrite::Account { id: MAKER, before: mid, after: end };
    let Some(LeafWrite::Market { id, before, mut after }) = market else { panic!() };
    after.open_interest = before.open_interest;
    *writes(&mut n) = vec![
        slot_m.unwrap(),
        acct_m.unwrap(),
        slot_t,
        acct_t,
        ins.unwrap(),
        LeafWrite::Market { id, before, after },
    ];
    assert_unsatisfied(&n.chunk(), "maker and taker the same account");
}

#[test]
fn a_wrong_position_update_is_rejected() {
    let (_, mut n) = base();
    account_after(&mut n, MAKER).positions[0].size += 1;
    assert_unsatisfied(&n.chunk(), "maker's short one lot too small");
}

/// MAKER holds 3 short calls from an earlier batch, then trades BTC-PERP: the trade may not
/// touch the call. The honest batch proves; the same batch with the call shrunk to 2 (less
/// risk, so every margin rule still holds) leaves a constraint unsatisfied.
#[test]
fn a_party_s_other_position_must_stay_unchanged() {
    let mut f = Fixture::new();
    let t = short_calls(&f, 3);
    f.ok(t);
    f.state.take_journal();
    let txs = [simple(&f, 10, 2)];
    let mut n = native(&mut f, &txs);
    assert_batch_proves(&n, &f);
    let call = account_after(&mut n, MAKER)
        .positions
        .iter_mut()
        .find(|p| p.market_id == CALL)
        .expect("the short call");
    assert_eq!(call.size, -3);
    call.size = -2;
    assert_unsatisfied(&n.chunk(), "the maker's short call shrank in a BTC trade");
}

#[test]
fn wrong_collateral_is_rejected() {
    let (_, mut n) = base();
    account_after(&mut n, TAKER).collateral += 1;
    assert_unsatisfied(&n.chunk(), "taker paid one quantum less");
}

#[test]
fn a_wrong_fee_credit_is_rejected() {
    let (_, mut n) = base();
    account_after(&mut n, 0).collateral += 1;
    assert_unsatisfied(&n.chunk(), "fee account credited one quantum more");
}

#[test]
fn open_interest_must_be_updated() {
    let (_, mut n) = base();
    for w in writes(&mut n).iter_mut() {
        if let LeafWrite::Market { before, after, .. } = w {
            assert_ne!(after.open_interest, before.open_interest);
            after.open_interest = before.open_interest;
        }
    }
    assert_unsatisfied(&n.chunk(), "open interest unchanged");
}

#[test]
fn a_tampered_market_leaf_is_rejected() {
    let (_, n) = base();
    let mut w = n.chunk();
    let SlotWitness::Trade(t) = &mut w.slots[0] else { panic!("a trade slot") };
    t.market.before.mark_price += 1;
    assert_unsatisfied(&w, "market leaf not the tree's");
}

#[test]
fn a_wrong_merkle_path_is_rejected() {
    let (_, n) = base();
    let mut w = n.chunk();
    let pis = w.run().unwrap().0;
    let SlotWitness::Trade(t) = &mut w.slots[0] else { panic!("a trade slot") };
    t.taker.account.proof.path.siblings[5] = Digest { elements: [F::from_canonical_u64(7); 4] };
    let pw = circuit().witness_with_public_inputs(&w, &pis).unwrap();
    let o = prove_outcome(&circuit().data, pw);
    assert!(o.is_unsatisfied(), "{o:?}");
}

#[test]
fn tampered_public_data_is_rejected() {
    let (_, n) = base();
    let w = n.chunk();
    let mut pis = w.run().unwrap().0;
    pis.pubdata_out.elements[0] += F::ONE;
    let pw = circuit().witness_with_public_inputs(&w, &pis).unwrap();
    let o = prove_outcome(&circuit().data, pw);
    assert!(o.is_unsatisfied(), "{o:?}");
}

#[test]
fn a_reduce_only_order_may_not_grow_the_position() {
    let (f, mut n) = base();
    // TAKER's buy flagged reduce-only while opening a long.
    let mut o = f.order(TAKER, Side::Buy, P, 10, 1);
    o.flags.reduce_only = true;
    replace_order(&mut n, &f, false, o);
    assert_unsatisfied(&n.chunk(), "reduce-only order opening a position");
}

#[test]
fn a_trade_with_the_insurance_account_is_a_typed_error() {
    let (_, mut n) = base();
    op_mut(&mut n).maker.account_id = 0;
    trade_mut(&mut n).maker.order.account_id = 0;
    assert_eq!(n.witness().chunks(2, 1).err(), Some(CircuitError::InsuranceTrade));
}

#[test]
fn a_mixed_batch_aggregates_through_both_chunk_circuits() {
    use proofbook_circuits::aggregate::BatchProver;
    use proofbook_circuits::circuit::chunk::ChunkKind;
    let mut f = Fixture::new();
    // A withdrawal (universal chunk), then a trade (trade chunk): one aggregation level
    // verifying one proof of each chunk circuit.
    let w = Tx::Withdraw(f.signer(SMALL).withdraw(&f.config, SMALL, 100 * 1_000_000, 0));
    let txs = [w, simple(&f, 10, 1)];
    let n = native(&mut f, &txs);
    let bw = n.witness();
    let statement = bw.statement().unwrap();
    let prover = BatchProver::new(NamedConfig::FastTest, 2, 1);
    let chunks = prover.chunks(&bw).unwrap();
    let kinds: Vec<ChunkKind> = chunks.iter().map(ChunkWitness::kind).collect();
    assert_eq!(kinds, [ChunkKind::Universal, ChunkKind::Trade]);
    let proof = prover.prove_batch(&bw).unwrap();
    assert_eq!(proof.level, 1);
    prover.verify_batch(&proof, &statement).unwrap();
    assert_eq!(statement.new_state_root, f.state.state_root());
    // The trade chunk's proof claimed as a universal one does not aggregate.
    let proofs = prover.prove_chunks(&chunks).unwrap();
    let agg = prover.aggregation_circuit(1);
    let pw = agg
        .witness_keyed(&proofs[0], ChunkKind::Universal, &proofs[1], ChunkKind::Universal)
        .unwrap();
    let o = prove_outcome(&agg.data, pw);
    assert!(!o.is_proved(), "{o:?}");
}

//! The gadgets against their native twins: range checks, signed values, big integers,
//! tagged Poseidon, Merkle paths and updates, the account leaf and the public-data
//! commitment. Agreement on random inputs (a few cases each: every case is a proof), and
//! soundness: a witness that breaks a check makes a constraint unsatisfied.

use plonky2::field::types::{Field, PrimeField64};
use plonky2::hash::hash_types::HashOut;
use plonky2::iop::target::Target;
use plonky2::iop::witness::Witness;
use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::CircuitData;
use proofbook_circuits::circuit::reads::MarketLeaves;
use proofbook_circuits::circuit::C;
use proofbook_circuits::circuit_test_util::witness_outcome;
use proofbook_circuits::circuit_test_util::{prove_outcome, prove_public_inputs, ProveOutcome};
use proofbook_circuits::config::NamedConfig;
use proofbook_circuits::gadgets::bigint::BigUintTarget;
use proofbook_circuits::gadgets::bigint::{self, BigUintGadgets};
use proofbook_circuits::gadgets::range::{self, RangeGadgets};
use proofbook_circuits::gadgets::signed::{self, SignedGadgets};
use proofbook_circuits::hash::{
    fe, fe_signed, hash_node, hash_tagged, tag, Digest, HashGadgets, D, F,
};
use proofbook_circuits::merkle::{MerkleProofTarget, SparseMerkleTree, UpdateProofTarget};
use proofbook_circuits::pubdata::{DepositOp, PubOp};
use proofbook_circuits::pubdata_commit::{self, PubdataGadgets};
use proofbook_circuits::risk::funding_target::FundingGadgets;
use proofbook_circuits::risk::margin_target::MarginGadgets;
use proofbook_circuits::risk::{funding, margin};
use proofbook_circuits::state::{
    Account, AccountTarget, Market, MarketKind, MarketTarget, Position,
};
use proptest::prelude::*;
use proptest::test_runner::{Config as PtConfig, TestRunner};

const CASES: u32 = 6;

fn builder() -> CircuitBuilder<F, D> {
    CircuitBuilder::new(NamedConfig::FastTest.circuit_config())
}

fn runner() -> TestRunner {
    TestRunner::new(PtConfig::with_cases(CASES))
}

fn proved_outputs(o: Result<Vec<F>, ProveOutcome>) -> Vec<F> {
    o.unwrap_or_else(|other| panic!("expected a proof, got {other:?}"))
}

fn pw_with(ts: &[Target], vs: &[u64]) -> PartialWitness<F> {
    let mut pw = PartialWitness::new();
    for (t, v) in ts.iter().zip(vs) {
        pw.set_target(*t, F::from_noncanonical_u64(*v)).unwrap();
    }
    pw
}

fn digest(xs: [u64; 4]) -> Digest {
    HashOut { elements: xs.map(F::from_noncanonical_u64) }
}

#[test]
fn range_checks_and_comparisons_agree() {
    let mut b = builder();
    let [x, a, c] = [0; 3].map(|_| b.add_virtual_target());
    b.check_bits(x, 20);
    let lt = b.less_than(a, c, 40);
    let le = b.less_or_equal(a, c, 40);
    b.register_public_input(lt.target);
    b.register_public_input(le.target);
    let data: CircuitData<F, C, D> = b.build();
    runner()
        .run(&(0u64..1 << 20, 0u64..1 << 40, 0u64..1 << 40), |(xv, av, cv)| {
            assert!(range::check_bits(xv, 20));
            // Equal operands are the edge case of both comparisons.
            for cv in [cv, av] {
                let out =
                    proved_outputs(prove_public_inputs(&data, pw_with(&[x, a, c], &[xv, av, cv])));
                prop_assert_eq!(out[0] == F::ONE, range::less_than(av, cv, 40));
                prop_assert_eq!(out[1] == F::ONE, range::less_or_equal(av, cv, 40));
            }
            Ok(())
        })
        .unwrap();
    // Soundness: 2^20 is out of range.
    assert!(!range::check_bits(1 << 20, 20));
    let o = prove_outcome(&data, pw_with(&[x, a, c], &[1 << 20, 1, 2]));
    assert!(o.is_unsatisfied(), "{o:?}");
}

#[test]
fn signed_values_agree() {
    let mut b = builder();
    let [x, a, c] = [0; 3].map(|_| b.add_virtual_target());
    b.check_signed_bits(x, 40);
    let lt = b.signed_less_than(a, c, 40);
    b.register_public_input(lt.target);
    let data: CircuitData<F, C, D> = b.build();
    let bound = 1i64 << 40;
    let pw_signed = |vs: [i64; 3]| {
        let mut pw = PartialWitness::new();
        for (t, v) in [x, a, c].iter().zip(vs) {
            pw.set_target(*t, fe_signed(v)).unwrap();
        }
        pw
    };
    runner()
        .run(&(-bound..bound, -bound..bound, -bound..bound), |(xv, av, cv)| {
            assert!(signed::check_signed_bits(xv, 40));
            let out = proved_outputs(prove_public_inputs(&data, pw_signed([xv, av, cv])));
            prop_assert_eq!(out[0] == F::ONE, signed::signed_less_than(av, cv, 40));
            Ok(())
        })
        .unwrap();
    for bad in [bound, -bound - 1] {
        assert!(!signed::check_signed_bits(bad, 40));
        let o = prove_outcome(&data, pw_signed([bad, 0, 0]));
        assert!(o.is_unsatisfied(), "{bad}: {o:?}");
    }
}

fn limbs(x: u128, n: usize) -> Vec<u32> {
    (0..n).map(|i| (x >> (32 * i)) as u32).collect()
}

#[test]
fn bigint_operations_agree() {
    let mut b = builder();
    let x = b.add_virtual_biguint(2);
    let y = b.add_virtual_biguint(2);
    let big = b.add_virtual_biguint(4);
    let sum = b.add_biguint(&x, &y);
    let (diff, borrow) = b.sub_biguint(&x, &y);
    let prod = b.mul_biguint(&x, &y);
    let lt = b.less_than_biguint(&x, &y);
    let (q, r) = b.div_rem_biguint(&big, &y);
    for t in [&sum, &diff, &prod, &q, &r] {
        b.register_public_inputs(&t.limbs);
    }
    b.register_public_input(borrow.target);
    b.register_public_input(lt.target);
    let data: CircuitData<F, C, D> = b.build();
    let inputs: Vec<Target> = [&x, &y, &big].iter().flat_map(|t| t.limbs.clone()).collect();
    runner()
        .run(&(any::<u64>(), 1u64.., any::<u128>()), |(xv, yv, bv)| {
            let (xl, yl, bl) = (limbs(xv.into(), 2), limbs(yv.into(), 2), limbs(bv, 4));
            let vals: Vec<u64> = xl.iter().chain(&yl).chain(&bl).map(|&l| u64::from(l)).collect();
            let out = proved_outputs(prove_public_inputs(&data, pw_with(&inputs, &vals)));
            let out: Vec<u32> = out.iter().map(|f| f.to_canonical_u64() as u32).collect();
            let (d, br) = bigint::sub_biguint(&xl, &yl);
            let (qn, rn) = bigint::div_rem_biguint(&bl, &yl).unwrap();
            let mut want = bigint::add_biguint(&xl, &yl);
            want.extend(d);
            want.extend(bigint::mul_biguint(&xl, &yl));
            want.extend(qn);
            want.extend(rn);
            want.push(u32::from(br));
            want.push(u32::from(bigint::less_than_biguint(&xl, &yl)));
            prop_assert_eq!(out, want);
            Ok(())
        })
        .unwrap();
    // Division by zero has no witness: r < 0 is unsatisfiable.
    let vals: Vec<u64> = [5u64, 0, 0, 0, 9, 9, 9, 9].to_vec();
    let o = prove_outcome(&data, pw_with(&inputs, &vals));
    assert!(o.is_unsatisfied(), "{o:?}");
    // A limb of 2^32 is out of range.
    let o = prove_outcome(&data, pw_with(&inputs, &[1 << 32, 0, 1, 0, 0, 0, 0, 0]));
    assert!(o.is_unsatisfied(), "{o:?}");
}

#[test]
fn division_constraints_reject_a_wrong_quotient() {
    // The constraints alone (no hint): q, r are free inputs.
    let mut b = builder();
    let a = b.add_virtual_biguint(2);
    let d = b.add_virtual_biguint(1);
    let q = b.add_virtual_biguint(2);
    let r = b.add_virtual_biguint(1);
    b.assert_div_rem_biguint(&a, &d, &q, &r);
    let data: CircuitData<F, C, D> = b.build();
    let ts: Vec<Target> = [&a, &d, &q, &r].iter().flat_map(|t| t.limbs.clone()).collect();
    // 100 = 14·7 + 2.
    assert!(prove_outcome(&data, pw_with(&ts, &[100, 0, 7, 14, 0, 2])).is_proved());
    // 100 = 13·7 + 9 holds, but the remainder is not below the divisor.
    let o = prove_outcome(&data, pw_with(&ts, &[100, 0, 7, 13, 0, 9]));
    assert!(o.is_unsatisfied(), "{o:?}");
    // 100 ≠ 14·7 + 3.
    let o = prove_outcome(&data, pw_with(&ts, &[100, 0, 7, 14, 0, 3]));
    assert!(o.is_unsatisfied(), "{o:?}");
}

#[test]
fn tagged_hash_and_node_agree() {
    let mut b = builder();
    let xs: Vec<Target> = (0..13).map(|_| b.add_virtual_target()).collect();
    let h = b.hash_tagged(tag::ACCOUNT, &xs);
    let l = b.add_virtual_hash();
    let r = b.add_virtual_hash();
    let n = b.hash_node(l, r);
    b.register_public_inputs(&h.elements);
    b.register_public_inputs(&n.elements);
    let data: CircuitData<F, C, D> = b.build();
    runner()
        .run(
            &(prop::collection::vec(any::<u64>(), 13), any::<[u64; 4]>(), any::<[u64; 4]>()),
            |(v, lv, rv)| {
                let mut pw = pw_with(&xs, &v);
                pw.set_hash_target(l, digest(lv)).unwrap();
                pw.set_hash_target(r, digest(rv)).unwrap();
                let out = proved_outputs(prove_public_inputs(&data, pw));
                let fs: Vec<F> = v.iter().map(|&x| F::from_noncanonical_u64(x)).collect();
                prop_assert_eq!(&out[..4], &hash_tagged(tag::ACCOUNT, &fs).elements[..]);
                prop_assert_eq!(&out[4..], &hash_node(digest(lv), digest(rv)).elements[..]);
                Ok(())
            },
        )
        .unwrap();
}

#[test]
fn merkle_membership_and_update_agree() {
    const DEPTH: usize = 8;
    let mut b = builder();
    let root = b.add_virtual_hash();
    let leaf = b.add_virtual_hash();
    let path = MerkleProofTarget::new(&mut b, DEPTH);
    path.verify(&mut b, root, leaf);
    let new_leaf = b.add_virtual_hash();
    let upd = UpdateProofTarget::new(&mut b, DEPTH, leaf, new_leaf);
    b.connect_hashes(upd.old_root, root);
    b.register_public_inputs(&upd.new_root.elements);
    let data: CircuitData<F, C, D> = b.build();
    runner()
        .run(
            &(
                prop::collection::vec((0u64..256, any::<[u64; 4]>()), 1..6),
                0u64..256,
                any::<[u64; 4]>(),
            ),
            |(leaves, idx, nl)| {
                let mut t = SparseMerkleTree::new(DEPTH).unwrap();
                for (i, v) in &leaves {
                    t.update(*i, digest(*v)).unwrap();
                }
                let old_root = t.root();
                let old_leaf = t.leaf(idx).unwrap();
                let proof = t.prove(idx).unwrap();
                let u = t.update_with_proof(idx, digest(nl)).unwrap();
                let fill =
                    |pw: &mut PartialWitness<F>, p: &proofbook_circuits::merkle::MerkleProof| {
                        path.set(pw, p).unwrap();
                        upd.set(pw, &u).unwrap();
                        pw.set_hash_target(root, old_root).unwrap();
                        pw.set_hash_target(leaf, old_leaf).unwrap();
                        pw.set_hash_target(new_leaf, u.new_leaf).unwrap();
                    };
                let mut pw = PartialWitness::new();
                fill(&mut pw, &proof);
                let out = proved_outputs(prove_public_inputs(&data, pw));
                prop_assert_eq!(&out[..], &u.new_root.elements[..]);
                // Soundness: a wrong sibling breaks membership.
                let mut bad = proof;
                bad.siblings[3].elements[0] += F::ONE;
                let mut pw = PartialWitness::new();
                fill(&mut pw, &bad);
                let o = prove_outcome(&data, pw);
                prop_assert!(o.is_unsatisfied(), "{:?}", o);
                Ok(())
            },
        )
        .unwrap();
}

fn arb_account() -> impl Strategy<Value = Account> {
    (
        any::<[u32; 5]>(),
        any::<[u8; 20]>(),
        -(1i64 << 61)..(1i64 << 61),
        any::<u32>(),
        any::<u8>(),
        -(1i64 << 39)..(1i64 << 39),
    )
        .prop_map(|(k, addr, collateral, nonce, m, size)| {
            let mut a = Account {
                pubkey: k.map(u64::from),
                l1_address: addr.into(),
                collateral,
                nonce,
                ..Account::default()
            };
            a.positions[m as usize % 8] = Position { market_id: m, size, funding_snapshot: -size };
            a
        })
}

#[test]
fn account_leaf_agrees() {
    let mut b = builder();
    let acct = AccountTarget::new(&mut b);
    let orders = b.add_virtual_hash();
    let (h, empty) = acct.leaf_hash(&mut b, &orders);
    b.register_public_inputs(&h.elements);
    b.register_public_input(empty.target);
    let data: CircuitData<F, C, D> = b.build();
    let check = |a: &Account, o: Digest| {
        let mut pw = PartialWitness::new();
        acct.set(&mut pw, a).unwrap();
        pw.set_hash_target(orders, o).unwrap();
        let out = proved_outputs(prove_public_inputs(&data, pw));
        assert_eq!(&out[..4], &a.leaf_hash(&o).elements[..]);
        assert_eq!(out[4] == F::ONE, a.is_empty());
    };
    check(&Account::default(), digest([1, 2, 3, 4]));
    runner()
        .run(&(arb_account(), any::<[u64; 4]>()), |(a, o)| {
            check(&a, digest(o));
            Ok(())
        })
        .unwrap();
}

#[test]
fn deposit_record_words_and_commitment_agree() {
    let mut b = builder();
    let units: Vec<Target> = (0..18).map(|_| b.add_virtual_target()).collect();
    let words = b.record_words(proofbook_circuits::pubdata::op_type::DEPOSIT, &units);
    let c = b.add_virtual_hash();
    let yes = b._true();
    let no = b._false();
    let c1 = b.absorb_record(yes, c, &words);
    let c0 = b.absorb_record(no, c, &words);
    b.register_public_inputs(&words);
    b.register_public_inputs(&c1.elements);
    b.register_public_inputs(&c0.elements);
    let data: CircuitData<F, C, D> = b.build();
    runner()
        .run(
            &(any::<u32>(), any::<[u8; 20]>(), any::<[u32; 5]>(), any::<u64>(), any::<[u64; 4]>()),
            |(id, addr, key, amount, cv)| {
                let d = DepositOp {
                    account_id: id,
                    l1_address: addr.into(),
                    pubkey: key.map(u64::from),
                    amount,
                };
                let mut vals = vec![u64::from(id)];
                vals.extend(
                    addr.chunks(4).map(|c| u64::from(u32::from_be_bytes(c.try_into().unwrap()))),
                );
                for k in d.pubkey {
                    vals.extend([k >> 32, k & 0xffff_ffff]);
                }
                vals.extend([amount >> 32, amount & 0xffff_ffff]);
                let mut pw = pw_with(&units, &vals);
                pw.set_hash_target(c, digest(cv)).unwrap();
                let out = proved_outputs(prove_public_inputs(&data, pw));
                let op = PubOp::Deposit(d);
                let native: Vec<F> = pubdata_commit::record_words(&op.to_bytes())
                    .unwrap()
                    .iter()
                    .map(|&w| fe(u64::from(w)))
                    .collect();
                prop_assert_eq!(&out[..19], &native[..]);
                prop_assert_eq!(
                    &out[19..23],
                    &pubdata_commit::absorb_record(&digest(cv), &op).elements[..]
                );
                prop_assert_eq!(&out[23..27], &digest(cv).elements[..]);
                Ok(())
            },
        )
        .unwrap();
    // A unit of 2^32 does not fit a 4-byte field.
    let mut vals = vec![0u64; 18];
    vals[3] = 1 << 32;
    let mut pw = pw_with(&units, &vals);
    pw.set_hash_target(c, digest([0; 4])).unwrap();
    let o = prove_outcome(&data, pw);
    assert!(o.is_unsatisfied(), "{o:?}");
}

/// A market for the risk gadgets: id `id`, kind perp/call/put, settled or not.
fn arb_market(id: u8) -> impl Strategy<Value = Market> {
    (
        0u8..3,
        any::<bool>(),
        1u32..u32::MAX,
        1u32..u32::MAX,
        1u32..u32::MAX,
        (0u32..=1_000_000, 0u32..=1_000_000, 0u32..=1_000_000),
        -(1i64 << 61)..(1i64 << 61),
    )
        .prop_map(move |(kind, settled, mark, index, strike, (a, b, c), funding)| {
            let kind = [MarketKind::Perp, MarketKind::Call, MarketKind::Put][kind as usize];
            let mut m = if kind == MarketKind::Perp {
                Market::perp(id, 1)
            } else {
                Market::option(id, kind, 1, strike, 1)
            };
            m.mark_price = mark;
            m.index_price = index;
            m.imf_ppm = a.max(b);
            m.mmf_ppm = a.min(b);
            m.im_floor_ppm = c;
            m.funding_index = funding;
            if settled && kind != MarketKind::Perp {
                m.settlement_price = index;
            }
            m
        })
}

/// An account with up to eight positions, position `i` in market `i + 1` (or unused).
fn arb_risk_account() -> impl Strategy<Value = Account> {
    (
        -(1i64 << 62) + 1..(1i64 << 62),
        prop::collection::vec(
            (any::<bool>(), -(1i64 << 40) + 1..(1i64 << 40), -(1i64 << 61)..(1i64 << 61)),
            8,
        ),
    )
        .prop_map(|(collateral, ps)| {
            let mut a = Account { collateral, pubkey: [1, 0, 0, 0, 0], ..Account::default() };
            for (i, (used, size, snap)) in ps.into_iter().enumerate() {
                if used && size != 0 {
                    a.positions[i] =
                        Position { market_id: i as u8 + 1, size, funding_snapshot: snap };
                }
            }
            a
        })
}

fn biguint_value(w: &impl Witness<F>, t: &BigUintTarget) -> i128 {
    let v = t
        .limbs
        .iter()
        .rev()
        .fold(0u128, |acc, &l| (acc << 32) | u128::from(w.get_target(l).to_canonical_u64()));
    i128::try_from(v).expect("risk sums are below 2^127")
}

#[test]
fn account_risk_and_pending_funding_agree() {
    let mut b = builder();
    let acct = AccountTarget::new(&mut b);
    let markets: [MarketTarget; 8] = core::array::from_fn(|_| MarketTarget::new(&mut b));
    let risk = b.account_risk(&acct, &markets);
    let margined = risk.is_initial_margined(&mut b);
    let funding = b.pending_funding(&acct, &markets);
    let data: CircuitData<F, C, D> = b.build();
    let markets_strategy: Vec<_> = (1..=8).map(arb_market).collect();
    let check = |a: &Account, ms: &[Market]| {
        let leaves = MarketLeaves::new(ms);
        let mut pw = PartialWitness::new();
        acct.set(&mut pw, a).unwrap();
        for (i, t) in markets.iter().enumerate() {
            let used = !a.positions[i].is_empty();
            t.set(&mut pw, used.then(|| &ms[i])).unwrap();
        }
        let w = witness_outcome(&data, pw).expect("witness generates");
        let r = margin::account_risk(a, &leaves);
        let tav = biguint_value(&w, &risk.tav_plus) - biguint_value(&w, &risk.tav_minus);
        assert_eq!(tav, r.tav, "TAV");
        assert_eq!(biguint_value(&w, &risk.imr), r.imr, "IMR");
        assert_eq!(biguint_value(&w, &risk.mmr), r.mmr, "MMR");
        assert_eq!(w.get_target(margined.target) == F::ONE, r.is_initial_margined());
        let owed = biguint_value(&w, &funding.plus) - biguint_value(&w, &funding.minus);
        assert_eq!(owed, funding::pending_funding(a, &leaves), "pending funding");
    };
    runner()
        .run(&(arb_risk_account(), markets_strategy), |(a, ms)| {
            check(&a, &ms);
            Ok(())
        })
        .unwrap();
    // The fixed cases of the native unit tests: a short perp, a short OTM call, a short ITM put.
    let mut ms: Vec<Market> = (1..=8).map(|i| Market::perp(i, 1)).collect();
    ms[0].mark_price = 1_000_003;
    ms[1] = Market::option(2, MarketKind::Call, 1, 110_000, 1);
    ms[1].mark_price = 2_000;
    ms[1].index_price = 100_000;
    ms[2] = Market::option(3, MarketKind::Put, 1, 110_000, 1);
    ms[2].mark_price = 12_000;
    ms[2].index_price = 100_000;
    let mut a = Account { collateral: 50_000, ..Account::default() };
    for (i, s) in [-3i64, -2, -1].into_iter().enumerate() {
        a.positions[i] = Position { market_id: i as u8 + 1, size: s, funding_snapshot: 0 };
    }
    check(&a, &ms);
}

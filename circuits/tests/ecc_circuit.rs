//! The in-circuit twins of GF(p^5), ecGFp5 and Schnorr verification against the native
//! code: agreement on the same inputs (fixed, random, and the reference vectors of
//! `tests/vectors/ecgfp5.json`), and soundness (forged signatures and dishonest hint values
//! do not prove, and fail as "constraint unsatisfied", not as any other error).
//!
//! Agreement checks on many inputs use witness generation only (`witness_outcome`: the
//! circuit's outputs without a proof); each circuit is also proven once in full.

use std::sync::OnceLock;

use anyhow::{anyhow, Result};
use plonky2::field::types::{Field, Field64};
use plonky2::hash::hash_types::HashOut;
use plonky2::iop::target::Target;
use plonky2::iop::witness::{PartialWitness, Witness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::CircuitData;
use proofbook_circuits::circuit_test_util::{
    fast_test_config, prove_outcome, witness_outcome, ProveOutcome, C,
};
use proofbook_circuits::ecgfp5::circuit::{
    z_scales, AffinePointTarget, CircuitBuilderEcGFp5, CircuitBuilderGFp5, CircuitBuilderScalar,
    GFp5Target, PointTarget, ScalarTarget, WitnessGFp5, WitnessScalar, D,
};
use proofbook_circuits::ecgfp5::{GFp5, Point, Scalar};
use proofbook_circuits::hash::{fe, F};
use proofbook_circuits::schnorr::circuit::{
    CircuitBuilderSchnorr, PublicKeyTarget, SchnorrSignatureTarget, WitnessSchnorr,
};
use proofbook_circuits::schnorr::{verify, PublicKey, SecretKey, Signature};
use proptest::prelude::*;
use serde_json::Value;
use sha2::{Digest as _, Sha512};

type Builder = CircuitBuilder<F, D>;
type Data = CircuitData<F, C, D>;

const P: u64 = F::ORDER;

fn builder() -> Builder {
    CircuitBuilder::new(fast_test_config())
}

fn gf(l: [u64; 5]) -> GFp5 {
    GFp5::from_u64_reduce(l)
}

fn arb_gf() -> impl Strategy<Value = GFp5> {
    proptest::array::uniform5(0..P).prop_map(gf)
}

fn scalar_from_seed(seed: u64) -> Scalar {
    Scalar::decode_reduce(&Sha512::digest(seed.to_le_bytes()))
}

fn point(seed: u64) -> Point {
    Point::mulgen(&scalar_from_seed(seed))
}

fn key(seed: u64) -> SecretKey {
    SecretKey::new(scalar_from_seed(seed ^ 0xA5A5)).unwrap_or_else(|_| unreachable!("non-zero"))
}

fn expect_unsatisfied(o: &ProveOutcome, what: &str) {
    assert!(o.is_unsatisfied(), "{what}: expected an unsatisfied constraint, got {o:?}");
}

// ---------------------------------------------------------------------------------------
// GF(p^5)

struct FieldCircuit {
    data: Data,
    a: GFp5Target,
    b: GFp5Target,
    outs: Vec<GFp5Target>,
    is_zero: Target,
    root: GFp5Target,
}

/// The outputs, natively, in the order of `FieldCircuit::outs`.
fn field_native(a: GFp5, b: GFp5) -> Vec<GFp5> {
    let kz = gf([0, 5, 0, 0, 0]); // 5·z
    vec![
        a + b,
        a - b,
        -a,
        a * b,
        a.square(),
        a.inverse(),
        a / b,
        a.half(),
        a.double(),
        kz * (a * b) + b.mul_base(F::NEG_ONE),
        kz * a.square() + b,
    ]
}

fn field_circuit() -> &'static FieldCircuit {
    static C: OnceLock<FieldCircuit> = OnceLock::new();
    C.get_or_init(|| {
        let mut bd = builder();
        let a = bd.add_virtual_gfp5_target();
        let b = bd.add_virtual_gfp5_target();
        let k = F::from_canonical_u64(5);
        let outs = vec![
            bd.gfp5_add(a, b),
            bd.gfp5_sub(a, b),
            bd.gfp5_neg(a),
            bd.gfp5_mul(a, b),
            bd.gfp5_square(a),
            bd.gfp5_inverse(a),
            bd.gfp5_div(a, b),
            bd.gfp5_half(a),
            bd.gfp5_double(a),
            bd.gfp5_mul_lin(z_scales(k), true, a, b, Some((F::NEG_ONE, b))),
            bd.gfp5_square_lin(z_scales(k), true, a, Some((F::ONE, b))),
        ];
        let is_zero = bd.gfp5_is_zero(a).target;
        let a2 = bd.gfp5_square(a);
        let root = bd.gfp5_sqrt(a2);
        FieldCircuit { data: bd.build::<C>(), a, b, outs, is_zero, root }
    })
}

fn field_witness(a: GFp5, b: GFp5) -> Result<PartialWitness<F>> {
    let c = field_circuit();
    let mut pw = PartialWitness::new();
    pw.set_gfp5_target(c.a, a)?;
    pw.set_gfp5_target(c.b, b)?;
    Ok(pw)
}

fn check_field(a: GFp5, b: GFp5) -> Result<()> {
    let c = field_circuit();
    let w = witness_outcome(&c.data, field_witness(a, b)?).map_err(|e| anyhow!("{e:?}"))?;
    for (i, (t, v)) in c.outs.iter().zip(field_native(a, b)).enumerate() {
        anyhow::ensure!(w.get_gfp5_target(*t) == v, "output {i} differs for a={a:?} b={b:?}");
    }
    anyhow::ensure!(w.get_target(c.is_zero) == F::from_bool(a.is_zero()));
    let r = w.get_gfp5_target(c.root);
    anyhow::ensure!(r == a || r == -a, "sqrt(a²) is ±a");
    Ok(())
}

#[test]
fn field_edge_cases_agree() -> Result<()> {
    let m = gf([P - 1; 5]);
    for (a, b) in [
        (GFp5::ZERO, GFp5::ZERO),
        (GFp5::ONE, GFp5::ZERO),
        (GFp5::ZERO, m),
        (m, m),
        (gf([1, 2, 3, 4, 5]), gf([0, 0, 0, 0, 7])),
    ] {
        check_field(a, b)?;
    }
    Ok(())
}

#[test]
fn field_circuit_proves() -> Result<()> {
    let c = field_circuit();
    let pw = field_witness(gf([9, 8, 7, 6, 5]), gf([1, P - 2, 3, 0, 11]))?;
    assert_eq!(prove_outcome(&c.data, pw), ProveOutcome::Proved);
    Ok(())
}

#[test]
fn field_vectors_agree() -> Result<()> {
    let v = vectors()?;
    let c = field_circuit();
    let mut count = 0;
    for op in ["mul", "square", "inverse", "div"] {
        for case in v["gfp5"][op].as_array().ok_or_else(|| anyhow!("no {op}"))? {
            let a = gf_json(&case["a"])?;
            let b = if case.get("b").is_some() { gf_json(&case["b"])? } else { GFp5::ONE };
            let out = gf_json(&case["out"])?;
            let w = witness_outcome(&c.data, field_witness(a, b)?).map_err(|e| anyhow!("{e:?}"))?;
            let idx = match op {
                "mul" => 3,
                "square" => 4,
                "inverse" => 5,
                _ => 6,
            };
            assert_eq!(w.get_gfp5_target(c.outs[idx]), out, "{op} vector {case}");
            count += 1;
        }
    }
    assert_eq!(count, 9 + 10 + 11 + 9);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn field_random_agree(a in arb_gf(), b in arb_gf()) {
        prop_assert!(check_field(a, b).is_ok(), "{:?}", check_field(a, b));
    }
}

#[test]
fn dishonest_inverse_and_sqrt_hints_do_not_prove() -> Result<()> {
    let mut bd = builder();
    let a = bd.add_virtual_gfp5_target();
    let inv = bd.add_virtual_gfp5_target();
    let flag = bd.add_virtual_target();
    bd.gfp5_inverse_from_hint(a, inv, flag);
    let x = bd.add_virtual_gfp5_target();
    let r = bd.add_virtual_gfp5_target();
    bd.gfp5_sqrt_from_hint(x, r);
    let data = bd.build::<C>();
    let a_val = gf([3, 1, 4, 1, 5]);
    let run = |av: GFp5, iv: GFp5, fv: u64, xv: GFp5, rv: GFp5| -> Result<ProveOutcome> {
        let mut pw = PartialWitness::new();
        pw.set_gfp5_target(a, av)?;
        pw.set_gfp5_target(inv, iv)?;
        pw.set_target(flag, fe(fv))?;
        pw.set_gfp5_target(x, xv)?;
        pw.set_gfp5_target(r, rv)?;
        Ok(prove_outcome(&data, pw))
    };
    let sq = a_val.square();
    // Honest values prove.
    assert_eq!(run(a_val, a_val.inverse(), 0, sq, a_val)?, ProveOutcome::Proved);
    // Claiming a ≠ 0 is zero.
    expect_unsatisfied(&run(a_val, GFp5::ZERO, 1, sq, a_val)?, "flag = 1 for a ≠ 0");
    // A wrong inverse.
    expect_unsatisfied(&run(a_val, a_val, 0, sq, a_val)?, "wrong inverse");
    // 1/0 must be 0, and 0 is zero.
    expect_unsatisfied(&run(GFp5::ZERO, GFp5::ONE, 1, sq, a_val)?, "1/0 = 1");
    expect_unsatisfied(&run(GFp5::ZERO, GFp5::ZERO, 0, sq, a_val)?, "flag = 0 for 0");
    // A wrong square root.
    expect_unsatisfied(&run(a_val, a_val.inverse(), 0, sq, a_val.double())?, "wrong root");
    Ok(())
}

#[test]
fn non_squares_are_told_apart() -> Result<()> {
    let mut bd = builder();
    let x = bd.add_virtual_gfp5_target();
    bd.gfp5_assert_non_square(x);
    let y = bd.add_virtual_gfp5_target();
    bd.gfp5_sqrt(y);
    let data = bd.build::<C>();
    let s = gf([5, 6, 7, 8, 9]).square();
    let ns = s * gf([7, 0, 0, 0, 0]);
    assert_eq!(ns.legendre(), -1);
    let run = |xv: GFp5, yv: GFp5| -> Result<ProveOutcome> {
        let mut pw = PartialWitness::new();
        pw.set_gfp5_target(x, xv)?;
        pw.set_gfp5_target(y, yv)?;
        Ok(prove_outcome(&data, pw))
    };
    assert_eq!(run(ns, s)?, ProveOutcome::Proved);
    expect_unsatisfied(&run(s, s)?, "a square claimed non-square");
    expect_unsatisfied(&run(GFp5::ZERO, s)?, "zero claimed non-square");
    expect_unsatisfied(&run(ns, ns)?, "square root of a non-square");
    Ok(())
}

#[test]
fn helper_tells_other_failures_apart() {
    // A target nobody sets: witness generation stalls, which is not a constraint failure.
    let mut bd = builder();
    let a = bd.add_virtual_gfp5_target();
    let b = bd.gfp5_square(a);
    bd.register_public_inputs(&b.0);
    let data = bd.build::<C>();
    let o = prove_outcome(&data, PartialWitness::new());
    assert!(matches!(o, ProveOutcome::OtherError(_)), "{o:?}");
}

// ---------------------------------------------------------------------------------------
// Curve

struct CurveCircuit {
    data: Data,
    w1: GFp5Target,
    w2: GFp5Target,
    outs: Vec<GFp5Target>,
}

fn curve_native(p: &Point, q: &Point) -> Vec<GFp5> {
    vec![
        p.add(q).encode(),
        p.add(q).encode(),
        p.double().encode(),
        p.mdouble(2).encode(),
        p.mdouble(4).encode(),
        p.mdouble(5).encode(),
        p.neg().encode(),
        p.sub(p).encode(),
        p.encode(),
    ]
}

fn curve_circuit() -> &'static CurveCircuit {
    static C: OnceLock<CurveCircuit> = OnceLock::new();
    C.get_or_init(|| {
        let mut bd = builder();
        let w1 = bd.add_virtual_gfp5_target();
        let w2 = bd.add_virtual_gfp5_target();
        let p = bd.point_decode_non_neutral(w1);
        let q = bd.point_decode_non_neutral(w2);
        let qa = bd.point_to_affine(q);
        let sum = bd.point_add(p, q);
        let sum_aff = bd.point_add_affine(p, qa);
        let sum2 = bd.point_add(q, p);
        bd.point_connect(sum, sum2);
        let np = bd.point_neg(p);
        let pts: Vec<PointTarget> = vec![
            sum,
            sum_aff,
            bd.point_double(p),
            bd.point_mdouble(p, 2),
            bd.point_mdouble(p, 4),
            bd.point_mdouble(p, 5),
            np,
            bd.point_add(p, np),
            p,
        ];
        let outs = pts.into_iter().map(|t| bd.point_encode(t)).collect();
        CurveCircuit { data: bd.build::<C>(), w1, w2, outs }
    })
}

fn curve_witness(p: &Point, q: &Point) -> Result<PartialWitness<F>> {
    let c = curve_circuit();
    let mut pw = PartialWitness::new();
    pw.set_gfp5_target(c.w1, p.encode())?;
    pw.set_gfp5_target(c.w2, q.encode())?;
    Ok(pw)
}

fn check_curve(p: &Point, q: &Point) -> Result<()> {
    let c = curve_circuit();
    let w = witness_outcome(&c.data, curve_witness(p, q)?).map_err(|e| anyhow!("{e:?}"))?;
    for (i, (t, v)) in c.outs.iter().zip(curve_native(p, q)).enumerate() {
        anyhow::ensure!(w.get_gfp5_target(*t) == v, "curve output {i} differs");
    }
    Ok(())
}

#[test]
fn curve_ops_agree_and_prove() -> Result<()> {
    let g = Point::GENERATOR;
    check_curve(&g, &g)?;
    check_curve(&g, &g.neg())?;
    check_curve(&point(1), &point(2))?;
    let c = curve_circuit();
    assert_eq!(prove_outcome(&c.data, curve_witness(&point(3), &point(4))?), ProveOutcome::Proved);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn curve_random_agree(a in any::<u64>(), b in any::<u64>()) {
        let r = check_curve(&point(a), &point(b));
        prop_assert!(r.is_ok(), "{:?}", r);
    }
}

#[test]
fn curve_vectors_agree() -> Result<()> {
    let v = vectors()?;
    let c = curve_circuit();
    let mut n = 0;
    for case in v["point"]["add"].as_array().ok_or_else(|| anyhow!("no add"))? {
        let (p, q) = (gf_json(&case["p"])?, gf_json(&case["q"])?);
        let out = gf_json(&case["out"])?;
        if p.is_zero() || q.is_zero() {
            continue; // the neutral is not a public key; decode_non_neutral rejects it
        }
        let mut pw = PartialWitness::new();
        pw.set_gfp5_target(c.w1, p)?;
        pw.set_gfp5_target(c.w2, q)?;
        let w = witness_outcome(&c.data, pw).map_err(|e| anyhow!("{e:?}"))?;
        assert_eq!(w.get_gfp5_target(c.outs[0]), out, "add vector {case}");
        assert_eq!(w.get_gfp5_target(c.outs[1]), out, "add_affine vector {case}");
        n += 1;
    }
    for case in v["point"]["double"].as_array().ok_or_else(|| anyhow!("no double"))? {
        let p = gf_json(&case["p"])?;
        if p.is_zero() {
            continue;
        }
        let mut pw = PartialWitness::new();
        pw.set_gfp5_target(c.w1, p)?;
        pw.set_gfp5_target(c.w2, p)?;
        let w = witness_outcome(&c.data, pw).map_err(|e| anyhow!("{e:?}"))?;
        assert_eq!(w.get_gfp5_target(c.outs[2]), gf_json(&case["out"])?, "double {case}");
        n += 1;
    }
    // Invalid encodings (and the neutral) do not decode as a key.
    let g = Point::GENERATOR.encode();
    for case in v["point"]["decode_invalid"].as_array().ok_or_else(|| anyhow!("no invalid"))? {
        let mut pw = PartialWitness::new();
        pw.set_gfp5_target(c.w1, gf_json(&case["w"])?)?;
        pw.set_gfp5_target(c.w2, g)?;
        let o = witness_outcome(&c.data, pw).err();
        assert!(o.as_ref().is_some_and(ProveOutcome::is_unsatisfied), "{case}: {o:?}");
        n += 1;
    }
    assert!(n >= 20, "only {n} vectors used");
    Ok(())
}

#[test]
fn dishonest_encode_and_decode_hints_do_not_prove() -> Result<()> {
    let mut bd = builder();
    // Encode: P is decoded honestly from w_p, or is P − P (the neutral) when `neutral`.
    let wp = bd.add_virtual_gfp5_target();
    let p = bd.point_decode_non_neutral(wp);
    let np = bd.point_neg(p);
    let zero_pt = bd.point_add(p, np);
    let (we, n) = (bd.add_virtual_gfp5_target(), bd.add_virtual_target());
    bd.point_encode_from_hint(p, we, n);
    let (we0, n0) = (bd.add_virtual_gfp5_target(), bd.add_virtual_target());
    bd.point_encode_from_hint(zero_pt, we0, n0);
    // Decode with a prover-supplied x.
    let wd = bd.add_virtual_gfp5_target();
    let winv = bd.add_virtual_gfp5_target();
    let x = bd.add_virtual_gfp5_target();
    bd.point_decode_from_hint(wd, winv, x);
    let data = bd.build::<C>();

    let pt = point(7);
    let w = pt.encode();
    let (xv, _) = pt.to_xy();
    let b = gf([0, 263, 0, 0, 0]);
    let run = |we_v: GFp5, n_v: u64, we0_v: GFp5, n0_v: u64, x_v: GFp5| -> Result<ProveOutcome> {
        let mut pw = PartialWitness::new();
        pw.set_gfp5_target(wp, w)?;
        pw.set_gfp5_target(we, we_v)?;
        pw.set_target(n, fe(n_v))?;
        pw.set_gfp5_target(we0, we0_v)?;
        pw.set_target(n0, fe(n0_v))?;
        pw.set_gfp5_target(wd, w)?;
        pw.set_gfp5_target(winv, w.inverse())?;
        pw.set_gfp5_target(x, x_v)?;
        Ok(prove_outcome(&data, pw))
    };
    assert_eq!(run(w, 0, GFp5::ZERO, 1, xv)?, ProveOutcome::Proved);
    expect_unsatisfied(&run(GFp5::ZERO, 1, GFp5::ZERO, 1, xv)?, "non-neutral claimed neutral");
    expect_unsatisfied(&run(w + GFp5::ONE, 0, GFp5::ZERO, 1, xv)?, "wrong encoding");
    expect_unsatisfied(&run(w, 0, GFp5::ONE, 0, xv)?, "neutral claimed non-neutral");
    // The other root of x² − (w² − a)·x + b (a square: the point P + N, not in the group).
    expect_unsatisfied(&run(w, 0, GFp5::ZERO, 1, b / xv)?, "decode to the wrong root");
    expect_unsatisfied(&run(w, 0, GFp5::ZERO, 1, xv + GFp5::ONE)?, "decode to a non-root");
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Scalar multiplication

struct MulAddCircuit {
    data: Data,
    s: ScalarTarget,
    e: ScalarTarget,
    wq: GFp5Target,
    out: GFp5Target,
}

fn mul_add_circuit() -> &'static MulAddCircuit {
    static C: OnceLock<MulAddCircuit> = OnceLock::new();
    C.get_or_init(|| {
        let mut bd = builder();
        let s = bd.add_virtual_scalar_target();
        let e = bd.add_virtual_scalar_target();
        let wq = bd.add_virtual_gfp5_target();
        let (_, q): (PointTarget, AffinePointTarget) = bd.point_decode_non_neutral_affine(wq);
        let sd = bd.scalar_digits_unchecked(s);
        let ed = bd.scalar_digits_unchecked(e);
        let r = bd.point_mul_add(&sd, &ed, q);
        let out = bd.point_encode(r);
        MulAddCircuit { data: bd.build::<C>(), s, e, wq, out }
    })
}

fn mul_add_in_circuit(s: &Scalar, e: &Scalar, q: &Point) -> Result<GFp5> {
    let c = mul_add_circuit();
    let mut pw = PartialWitness::new();
    pw.set_scalar_target(c.s, s)?;
    pw.set_scalar_target(c.e, e)?;
    pw.set_gfp5_target(c.wq, q.encode())?;
    let w = witness_outcome(&c.data, pw).map_err(|e| anyhow!("{e:?}"))?;
    Ok(w.get_gfp5_target(c.out))
}

#[test]
fn mul_add_agrees_with_native() -> Result<()> {
    let q = point(11);
    for (s, e) in [
        (Scalar::ZERO, Scalar::ZERO),
        (Scalar::ONE, Scalar::ZERO),
        (Scalar::ZERO, Scalar::ONE),
        (Scalar::MINUS_ONE, Scalar::MINUS_ONE),
        (scalar_from_seed(1), scalar_from_seed(2)),
    ] {
        let native = Point::mul_add_vartime(&s, &e, &q).encode();
        assert_eq!(mul_add_in_circuit(&s, &e, &q)?, native, "s={s:?} e={e:?}");
    }
    Ok(())
}

#[test]
fn mul_vectors_agree() -> Result<()> {
    let v = vectors()?;
    let mut n = 0;
    for case in v["point"]["mul"].as_array().ok_or_else(|| anyhow!("no mul"))? {
        let p = gf_json(&case["p"])?;
        let Some(q) = Point::decode(&p).filter(|q| !q.is_neutral()) else { continue };
        let k = scalar_json(&case["k"])?;
        assert_eq!(mul_add_in_circuit(&Scalar::ZERO, &k, &q)?, gf_json(&case["out"])?, "{case}");
        n += 1;
    }
    for case in
        v["point"]["mul_generator"].as_array().ok_or_else(|| anyhow!("no mulgen"))?.iter().take(8)
    {
        let k = scalar_json(&case["k"])?;
        let out = mul_add_in_circuit(&k, &Scalar::ZERO, &Point::GENERATOR)?;
        assert_eq!(out, gf_json(&case["out"])?, "{case}");
        n += 1;
    }
    assert!(n >= 10, "only {n} vectors");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4))]

    #[test]
    fn mul_add_random_agree(a in any::<u64>(), b in any::<u64>(), c in any::<u64>()) {
        let (s, e, q) = (scalar_from_seed(a), scalar_from_seed(b), point(c));
        let r = mul_add_in_circuit(&s, &e, &q);
        prop_assert_eq!(r.ok(), Some(Point::mul_add_vartime(&s, &e, &q).encode()));
    }
}

#[test]
fn dishonest_digits_do_not_prove() -> Result<()> {
    let mut bd = builder();
    let e = bd.add_virtual_hash();
    let digits = bd.add_virtual_targets(64);
    bd.digest_digits_from_hint(e, &digits);
    // Use every digit as a 16-entry lookup index, as point_mul_add does.
    let table: Vec<Target> = (0..16u64).map(|i| bd.constant(fe(i * i))).collect();
    for &d in &digits {
        let t = bd.random_access(d, table.clone());
        bd.register_public_input(t);
    }
    let data = bd.build::<C>();
    let run = |ev: [u64; 4], dv: &[u64]| -> Result<ProveOutcome> {
        let mut pw = PartialWitness::new();
        pw.set_hash_target(e, HashOut { elements: ev.map(fe) })?;
        for (t, v) in digits.iter().zip(dv) {
            pw.set_target(*t, fe(*v))?;
        }
        Ok(prove_outcome(&data, pw))
    };
    let digits_of =
        |x: u128| -> Vec<u64> { (0..16).map(|i| ((x >> (4 * i)) & 0xF) as u64).collect() };
    let ev = [5u64, P - 1, 1 << 40, 77];
    let honest: Vec<u64> = ev.iter().flat_map(|&x| digits_of(u128::from(x))).collect();
    assert_eq!(run(ev, &honest)?, ProveOutcome::Proved);
    // e_0 + p (below 2^64 since e_0 = 5): same value mod p, not canonical.
    let mut non_canonical = honest;
    non_canonical[..16].copy_from_slice(&digits_of(5 + u128::from(P)));
    expect_unsatisfied(&run(ev, &non_canonical)?, "non-canonical digest digits");
    // A digit of 16 (borrowing from the next): same recomposition, out of range.
    let ev2 = [5 + 16 * 2, P - 1, 1 << 40, 77];
    let mut wide2: Vec<u64> = ev2.iter().flat_map(|&x| digits_of(u128::from(x))).collect();
    wide2[0] += 16;
    wide2[1] -= 1;
    expect_unsatisfied(&run(ev2, &wide2)?, "a 5-bit digit");
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Schnorr

struct SchnorrCircuit {
    data: Data,
    pk: PublicKeyTarget,
    msg: Vec<Target>,
    sig: SchnorrSignatureTarget,
}

const MSG_LEN: usize = 4;

fn schnorr_circuit() -> &'static SchnorrCircuit {
    static C: OnceLock<SchnorrCircuit> = OnceLock::new();
    C.get_or_init(|| {
        let mut bd = builder();
        let pk = bd.add_virtual_public_key_target();
        let sig = bd.add_virtual_schnorr_signature_target();
        let msg = bd.add_virtual_targets(MSG_LEN);
        bd.verify_schnorr(pk, &msg, sig);
        eprintln!("schnorr circuit: {} gates before build", bd.num_gates());
        let data = bd.build::<C>();
        eprintln!("schnorr circuit: degree_bits {}", data.common.degree_bits());
        SchnorrCircuit { data, pk, msg, sig }
    })
}

fn msg(seed: u64) -> Vec<F> {
    (0..MSG_LEN as u64).map(|i| fe((seed.wrapping_mul(31) + i * 7 + 1) % P)).collect()
}

fn schnorr_witness(pk: &PublicKey, m: &[F], sig: &Signature) -> Result<PartialWitness<F>> {
    let c = schnorr_circuit();
    let mut pw = PartialWitness::new();
    pw.set_public_key_target(c.pk, pk)?;
    pw.set_schnorr_signature_target(c.sig, sig)?;
    for (t, v) in c.msg.iter().zip(m) {
        pw.set_target(*t, *v)?;
    }
    Ok(pw)
}

#[test]
fn valid_signature_proves_and_forgeries_do_not() -> Result<()> {
    let c = schnorr_circuit();
    let sk = key(1);
    let pk = sk.public_key();
    let m = msg(1);
    let sig = sk.sign(&m);
    assert_eq!(prove_outcome(&c.data, schnorr_witness(&pk, &m, &sig)?), ProveOutcome::Proved);

    let bad_s = Signature { s: sig.s + Scalar::ONE, ..sig };
    let mut bad_e = sig;
    bad_e.e.elements[2] += F::ONE;
    let other_pk = key(2).public_key();
    let mut other_m = m.clone();
    other_m[3] += F::ONE;
    let cases = [
        ("tampered s", pk, m.clone(), bad_s),
        ("tampered e", pk, m.clone(), bad_e),
        ("other key", other_pk, m.clone(), sig),
        ("other message", pk, other_m, sig),
    ];
    for (what, pk, m, sig) in cases {
        assert!(verify(&pk, &m, &sig).is_err(), "{what}: natively invalid");
        expect_unsatisfied(&prove_outcome(&c.data, schnorr_witness(&pk, &m, &sig)?), what);
    }
    // s + n is the same signature (same R'): accepted, as documented.
    let n_plus = {
        let l = sig.s.limbs();
        let n = Scalar::MODULUS;
        let mut out = [0u64; 5];
        let mut carry = 0u128;
        for i in 0..5 {
            let t = u128::from(l[i]) + u128::from(n[i]) + carry;
            out[i] = t as u64;
            carry = t >> 64;
        }
        out
    };
    let mut pw2 = PartialWitness::new();
    for (i, l) in n_plus.iter().enumerate() {
        pw2.set_target(c.sig.s.limbs[2 * i], fe(l & 0xFFFF_FFFF))?;
        pw2.set_target(c.sig.s.limbs[2 * i + 1], fe(l >> 32))?;
    }
    pw2.set_public_key_target(c.pk, &pk)?;
    pw2.set_hash_target(c.sig.e, sig.e)?;
    for (t, v) in c.msg.iter().zip(&m) {
        pw2.set_target(*t, *v)?;
    }
    assert!(witness_outcome(&c.data, pw2).is_ok(), "s + n gives the same R'");
    // An invalid key encoding does not verify either.
    let invalid_w = (1..20u64)
        .map(|k| gf([k, 0, 0, 0, 0]))
        .find(|w| !Point::is_valid_encoding(w))
        .ok_or_else(|| anyhow!("some small w is invalid"))?;
    let mut pw3 = PartialWitness::new();
    pw3.set_public_key_encoding(c.pk, invalid_w)?;
    pw3.set_schnorr_signature_target(c.sig, &sig)?;
    for (t, v) in c.msg.iter().zip(&m) {
        pw3.set_target(*t, *v)?;
    }
    expect_unsatisfied(&prove_outcome(&c.data, pw3), "invalid key encoding");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4))]

    /// The circuit accepts exactly what `verify` accepts (witness generation; the forgery
    /// cases are proven above).
    #[test]
    fn schnorr_random_agree(seed in any::<u64>(), flip in 0usize..3) {
        let sk = key(seed);
        let pk = sk.public_key();
        let m = msg(seed);
        let mut sig = sk.sign(&m);
        match flip {
            0 => {}
            1 => sig.s += Scalar::from_u64(seed | 1),
            _ => sig.e.elements[seed as usize % 4] += F::ONE,
        }
        let native_ok = verify(&pk, &m, &sig).is_ok();
        prop_assert_eq!(native_ok, flip == 0);
        let c = schnorr_circuit();
        let w = schnorr_witness(&pk, &m, &sig).map_err(|e| TestCaseError::fail(e.to_string()))?;
        match witness_outcome(&c.data, w) {
            Ok(_) => prop_assert!(native_ok),
            Err(o) => prop_assert!(!native_ok && o.is_unsatisfied(), "{:?}", o),
        }
    }
}

#[test]
fn gated_verification() -> Result<()> {
    // One slot, verified only when `cond` is set.
    let mut bd = builder();
    let cond = bd.add_virtual_bool_target_safe();
    let pk = bd.add_virtual_public_key_target();
    let sig_t = bd.add_virtual_schnorr_signature_target();
    let mt = bd.add_virtual_targets(MSG_LEN);
    bd.verify_schnorr_if(cond, pk, &mt, sig_t);
    let data = bd.build::<C>();
    let sk = key(9);
    let m = msg(9);
    let sig = sk.sign(&m);
    let witness = |c: bool, garbage: bool| -> Result<PartialWitness<F>> {
        let mut pw = PartialWitness::new();
        pw.set_bool_target(cond, c)?;
        if garbage {
            // An empty slot: zero key (not a valid key), limbs that are not 32-bit values.
            pw.set_public_key_encoding(pk, GFp5::ZERO)?;
            for l in sig_t.s.limbs {
                pw.set_target(l, F::NEG_ONE)?;
            }
            pw.set_hash_target(sig_t.e, HashOut { elements: [F::NEG_ONE; 4] })?;
            for t in &mt {
                pw.set_target(*t, F::ZERO)?;
            }
        } else {
            pw.set_public_key_target(pk, &sk.public_key())?;
            pw.set_schnorr_signature_target(sig_t, &sig)?;
            for (t, v) in mt.iter().zip(&m) {
                pw.set_target(*t, *v)?;
            }
        }
        Ok(pw)
    };
    // Disabled with garbage: proves (the full proof of this circuit shape).
    assert_eq!(prove_outcome(&data, witness(false, true)?), ProveOutcome::Proved);
    // Enabled with a valid signature: satisfiable (the full proof is in the test above).
    assert!(witness_outcome(&data, witness(true, false)?).is_ok());
    // Enabled with garbage, or with a forged signature: unsatisfied.
    expect_unsatisfied(&prove_outcome(&data, witness(true, true)?), "enforced garbage slot");
    let forged = {
        let mut pw = PartialWitness::new();
        pw.set_bool_target(cond, true)?;
        pw.set_public_key_target(pk, &key(10).public_key())?;
        pw.set_schnorr_signature_target(sig_t, &sig)?;
        for (t, v) in mt.iter().zip(&m) {
            pw.set_target(*t, *v)?;
        }
        pw
    };
    expect_unsatisfied(&prove_outcome(&data, forged), "enforced signature under another key");
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Vectors

fn vectors() -> Result<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/ecgfp5.json");
    Ok(serde_json::from_str(&std::fs::read_to_string(path)?)?)
}

fn gf_json(v: &Value) -> Result<GFp5> {
    let arr = v.as_array().ok_or_else(|| anyhow!("not an array: {v}"))?;
    let mut limbs = [0u64; 5];
    for (l, x) in limbs.iter_mut().zip(arr) {
        *l = x.as_u64().ok_or_else(|| anyhow!("limb is not a u64: {x}"))?;
    }
    GFp5::from_canonical_u64s(limbs).ok_or_else(|| anyhow!("non-canonical {v}"))
}

fn scalar_json(v: &Value) -> Result<Scalar> {
    let s = v["le_hex"].as_str().ok_or_else(|| anyhow!("no le_hex"))?;
    Scalar::decode(&hex::decode(s)?).ok_or_else(|| anyhow!("scalar not canonical"))
}

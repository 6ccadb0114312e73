//! In-circuit Schnorr verification: rows per operation and per verification, and the time
//! to build, prove and verify circuits holding 1, 2 and 4 verifications.
//!
//! Run: `cargo bench --profile dev -p proofbook-circuits --bench schnorr_circuit`
//! (append `-- 1 2 4 8` to choose the verification counts). Uses plonky2's
//! `standard_recursion_config` (100-bit conjectured security, 135 wires, 80 routed).
//! Prints one line per measurement; rows are `num_gates()` before padding to a power of two.

use std::time::Instant;

use plonky2::field::types::Field;
use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::CircuitConfig;
use proofbook_circuits::circuit_test_util::C;
use proofbook_circuits::ecgfp5::circuit::{
    CircuitBuilderEcGFp5, CircuitBuilderGFp5, CircuitBuilderScalar, D,
};
use proofbook_circuits::ecgfp5::Scalar;
use proofbook_circuits::hash::{fe, F};
use proofbook_circuits::schnorr::circuit::{CircuitBuilderSchnorr, WitnessSchnorr};
use proofbook_circuits::schnorr::SecretKey;
use sha2::{Digest as _, Sha512};

const MSG_LEN: usize = 12;

fn key(seed: u64) -> SecretKey {
    let d = Scalar::decode_reduce(&Sha512::digest(seed.to_le_bytes()));
    SecretKey::new(d).expect("non-zero")
}

fn builder() -> CircuitBuilder<F, D> {
    CircuitBuilder::new(CircuitConfig::standard_recursion_config())
}

/// Rows added by `f`, averaged over `reps` calls.
fn rows(name: &str, reps: usize, f: impl Fn(&mut CircuitBuilder<F, D>)) {
    let mut b = builder();
    // Warm up the constants so they are not counted.
    f(&mut b);
    let before = b.num_gates();
    for _ in 0..reps {
        f(&mut b);
    }
    let per = (b.num_gates() - before) as f64 / reps as f64;
    println!("op={name} rows={per:.2}");
}

fn op_rows() {
    rows("gfp5_mul", 400, |b| {
        let x = b.add_virtual_gfp5_target();
        let y = b.add_virtual_gfp5_target();
        b.gfp5_mul(x, y);
    });
    rows("gfp5_square", 400, |b| {
        let x = b.add_virtual_gfp5_target();
        b.gfp5_square(x);
    });
    rows("gfp5_inverse", 100, |b| {
        let x = b.add_virtual_gfp5_target();
        b.gfp5_inverse(x);
    });
    rows("point_add", 50, |b| {
        let p = virtual_point(b);
        let q = virtual_point(b);
        b.point_add(p, q);
    });
    rows("point_add_affine", 50, |b| {
        let p = virtual_point(b);
        let x = b.add_virtual_gfp5_target();
        let u = b.add_virtual_gfp5_target();
        b.point_add_affine(p, proofbook_circuits::ecgfp5::circuit::AffinePointTarget { x, u });
    });
    rows("point_double", 50, |b| {
        let p = virtual_point(b);
        b.point_double(p);
    });
    rows("point_mdouble4", 50, |b| {
        let p = virtual_point(b);
        b.point_mdouble(p, 4);
    });
    rows("point_encode", 50, |b| {
        let p = virtual_point(b);
        b.point_encode(p);
    });
    rows("point_decode_non_neutral", 50, |b| {
        let w = b.add_virtual_gfp5_target();
        b.point_decode_non_neutral(w);
    });
    rows("point_mul_add_320x256", 2, |b| {
        let s = b.add_virtual_scalar_target();
        let e = b.add_virtual_hash();
        let w = b.add_virtual_gfp5_target();
        let (_, q) = b.point_decode_non_neutral_affine(w);
        let sd = b.scalar_digits_unchecked(s);
        let ed = b.digest_digits_unchecked(e);
        b.point_mul_add(&sd, &ed, q);
    });
}

fn virtual_point(b: &mut CircuitBuilder<F, D>) -> proofbook_circuits::ecgfp5::circuit::PointTarget {
    proofbook_circuits::ecgfp5::circuit::PointTarget {
        x: b.add_virtual_gfp5_target(),
        z: b.add_virtual_gfp5_target(),
        u: b.add_virtual_gfp5_target(),
        t: b.add_virtual_gfp5_target(),
    }
}

fn verify_circuit(count: usize) -> anyhow::Result<()> {
    let mut b = builder();
    let mut slots = Vec::new();
    let base = b.num_gates();
    for _ in 0..count {
        let pk = b.add_virtual_public_key_target();
        let sig = b.add_virtual_schnorr_signature_target();
        let msg = b.add_virtual_targets(MSG_LEN);
        b.verify_schnorr(pk, &msg, sig);
        slots.push((pk, sig, msg));
    }
    let rows = b.num_gates() - base;
    let t = Instant::now();
    let data = b.build::<C>();
    let build_s = t.elapsed().as_secs_f64();
    let mut pw = PartialWitness::new();
    for (i, (pk, sig, msg)) in slots.iter().enumerate() {
        let sk = key(i as u64 + 1);
        let m: Vec<F> = (0..MSG_LEN as u64).map(|j| fe(j * 1_000_003 + i as u64)).collect();
        let s = sk.sign(&m);
        pw.set_public_key_target(*pk, &sk.public_key())?;
        pw.set_schnorr_signature_target(*sig, &s)?;
        for (t, v) in msg.iter().zip(&m) {
            pw.set_target(*t, *v)?;
        }
    }
    let mut times = Vec::new();
    let mut proof = None;
    for _ in 0..3 {
        let t = Instant::now();
        proof = Some(data.prove(pw.clone())?);
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let proof = proof.ok_or_else(|| anyhow::anyhow!("no proof"))?;
    let bytes = proof.to_bytes().len();
    let t = Instant::now();
    data.verify(proof)?;
    let verify_ms = t.elapsed().as_secs_f64() * 1e3;
    println!(
        "verifications={count} rows={rows} rows_per_verification={:.0} degree_bits={} \
         build_s={build_s:.2} prove_s={:.2} (min {:.2} max {:.2}) verify_ms={verify_ms:.1} \
         proof_bytes={bytes}",
        rows as f64 / count as f64,
        data.common.degree_bits(),
        times[1],
        times[0],
        times[2],
    );
    let _ = F::ZERO;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let counts: Vec<usize> =
        std::env::args().skip(1).filter_map(|a| a.parse().ok()).filter(|&n| n > 0).collect();
    let counts = if counts.is_empty() { vec![1, 2, 4] } else { counts };
    op_rows();
    for n in counts {
        verify_circuit(n)?;
    }
    Ok(())
}

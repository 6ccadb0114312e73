//! Schnorr over ecGFp5: signing, verification and batch verification, plus the curve and
//! field operations they are made of (to see where the time goes).
//!
//! Run: `cargo bench -p proofbook-circuits --bench schnorr`. `schnorr_batch_verify_64`
//! reports throughput in signatures per second (criterion's "elements"); the per-signature
//! time is the batch time divided by 64. The `_1thread` variant pins rayon to one thread to
//! separate the shared-work gain from parallelism.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use proofbook_circuits::ecgfp5::{GFp5, Point, Scalar};
use proofbook_circuits::hash::{fe, F};
use proofbook_circuits::schnorr::{batch_verify, sign, verify, PublicKey, SecretKey, Signature};
use sha2::{Digest as _, Sha512};

fn scalar(seed: u64) -> Scalar {
    Scalar::decode_reduce(&Sha512::digest(seed.to_le_bytes()))
}

fn key(seed: u64) -> SecretKey {
    SecretKey::new(scalar(seed)).expect("non-zero")
}

/// A typical signed message: an order is about a dozen field elements.
fn message(seed: u64) -> Vec<F> {
    (0..12).map(|i| fe(seed.wrapping_mul(31).wrapping_add(i) % (1 << 60))).collect()
}

fn bench_schnorr(c: &mut Criterion) {
    let sk = key(1);
    let pk = sk.public_key();
    let msg = message(1);
    let sig = sign(&sk, &msg);

    c.bench_function("schnorr_sign", |b| b.iter(|| sign(black_box(&sk), black_box(&msg))));
    c.bench_function("schnorr_verify", |b| {
        b.iter(|| verify(black_box(&pk), black_box(&msg), black_box(&sig)))
    });

    let items: Vec<(PublicKey, Vec<F>, Signature)> = (0..64u64)
        .map(|i| {
            let sk = key(100 + i);
            let m = message(i);
            let sig = sign(&sk, &m);
            (sk.public_key(), m, sig)
        })
        .collect();
    assert!(batch_verify(&items).is_ok());
    let mut group = c.benchmark_group("batch");
    group.throughput(Throughput::Elements(items.len() as u64));
    group.sample_size(20);
    group.bench_function("schnorr_batch_verify_64", |b| b.iter(|| batch_verify(black_box(&items))));
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
    group.bench_function("schnorr_batch_verify_64_1thread", |b| {
        b.iter(|| one.install(|| batch_verify(black_box(&items))))
    });
    group.finish();
}

fn bench_parts(c: &mut Criterion) {
    let a = GFp5::from_u64_reduce([1, 2, 3, 4, 5]).inverse();
    let x = GFp5::from_u64_reduce([9, 8, 7, 6, 5]).inverse();
    c.bench_function("gfp5_mul", |b| b.iter(|| black_box(a) * black_box(x)));
    c.bench_function("gfp5_square", |b| b.iter(|| black_box(a).square()));
    c.bench_function("gfp5_inverse", |b| b.iter(|| black_box(a).inverse()));
    c.bench_function("gfp5_sqrt", |b| b.iter(|| black_box(a).square().sqrt()));

    let p = Point::mulgen(&scalar(2));
    let q = Point::mulgen(&scalar(3));
    let (s, e) = (scalar(4), scalar(5));
    c.bench_function("point_add", |b| b.iter(|| black_box(p).add(black_box(&q))));
    c.bench_function("point_double", |b| b.iter(|| black_box(p).double()));
    c.bench_function("point_mdouble5", |b| b.iter(|| black_box(p).mdouble(5)));
    c.bench_function("point_encode", |b| b.iter(|| black_box(p).encode()));
    c.bench_function("point_decode", |b| {
        let w = p.encode();
        b.iter(|| Point::decode(black_box(&w)))
    });
    c.bench_function("point_mul", |b| b.iter(|| black_box(p).mul(black_box(&s))));
    c.bench_function("point_mulgen", |b| b.iter(|| Point::mulgen(black_box(&s))));
    c.bench_function("point_mul_add_vartime", |b| {
        b.iter(|| Point::mul_add_vartime(black_box(&s), black_box(&e), black_box(&q)))
    });
    let msg = message(9);
    let (r, qw) = (p.encode(), q.encode());
    c.bench_function("challenge_hash_12", |b| {
        b.iter(|| proofbook_circuits::schnorr::challenge(black_box(&r), black_box(&qw), &msg))
    });
}

criterion_group!(benches, bench_schnorr, bench_parts);
criterion_main!(benches);

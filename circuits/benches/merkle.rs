//! Sparse Merkle tree benchmarks: the node hash, a single update in a filled depth-32 tree,
//! and a 10,000-leaf batch update against the same 10,000 updates applied one by one.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use plonky2::hash::hash_types::HashOut;
use proofbook_circuits::constants::ACCOUNT_TREE_DEPTH;
use proofbook_circuits::hash::{fe, hash_node, Digest};
use proofbook_circuits::merkle::SparseMerkleTree;

/// Leaves in the pre-filled tree.
const PREFILL: u64 = 100_000;
/// Leaves touched by one batch.
const BATCH: u64 = 10_000;

/// splitmix64: deterministic pseudo-random indices without a dependency.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A non-empty leaf derived from two counters (all elements far below p).
fn leaf(a: u64, b: u64) -> Digest {
    HashOut { elements: [fe(a + 1), fe(b), fe(a ^ 0x5555), fe(b ^ 0xaaaa)] }
}

fn index(seed: u64, k: u64) -> u64 {
    mix(seed ^ mix(k)) & ((1 << ACCOUNT_TREE_DEPTH) - 1)
}

fn prefilled() -> SparseMerkleTree {
    let leaves = (0..PREFILL).map(|k| (index(1, k), leaf(k, 0)));
    SparseMerkleTree::from_leaves(ACCOUNT_TREE_DEPTH, leaves).expect("indices are in range")
}

fn poseidon(c: &mut Criterion) {
    let (a, b) = (leaf(1, 2), leaf(3, 4));
    c.bench_function("poseidon_two_to_one", |bch| {
        bch.iter(|| hash_node(black_box(a), black_box(b)))
    });
}

fn trees(c: &mut Criterion) {
    let mut tree = prefilled();

    // Rewrites existing leaves with fresh values, so the tree keeps its size.
    let mut k = 0u64;
    c.bench_function("smt_update_depth32", |bch| {
        bch.iter(|| {
            k += 1;
            tree.update(index(1, k % PREFILL), leaf(k, 1)).expect("in range")
        })
    });
    c.bench_function("smt_update_with_proof_depth32", |bch| {
        bch.iter(|| {
            k += 1;
            tree.update_with_proof(index(1, k % PREFILL), leaf(k, 2)).expect("in range")
        })
    });

    // The same 10,000 indices (new ones, in the 100k-leaf tree) rewritten with new values
    // at every iteration, so every iteration does the same work on a tree of the same size.
    let indices: Vec<u64> = (0..BATCH).map(|k| index(2, k)).collect();
    let mut round = 0u64;
    let updates = |round: &mut u64| -> Vec<(u64, Digest)> {
        *round += 1;
        indices.iter().enumerate().map(|(j, &i)| (i, leaf(*round, j as u64))).collect()
    };
    let mut g = c.benchmark_group("smt_batch_update_10k");
    g.sample_size(10).measurement_time(Duration::from_secs(30));
    g.bench_function("batch_update", |bch| {
        bch.iter_batched(
            || updates(&mut round),
            |u| tree.batch_update(&u).expect("in range"),
            criterion::BatchSize::LargeInput,
        )
    });
    g.bench_function("sequential_updates", |bch| {
        bch.iter_batched(
            || updates(&mut round),
            |u| {
                for &(i, v) in &u {
                    tree.update(i, v).expect("in range");
                }
                tree.root()
            },
            criterion::BatchSize::LargeInput,
        )
    });
    g.finish();

    let mut g = c.benchmark_group("smt_from_leaves_100k");
    g.sample_size(10).measurement_time(Duration::from_secs(30));
    g.bench_function("from_leaves", |bch| bch.iter(prefilled));
    g.finish();
}

criterion_group!(benches, poseidon, trees);
criterion_main!(benches);

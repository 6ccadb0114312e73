//! Property tests of the sparse Merkle tree against an independent reference root: the
//! incremental, batched and from-scratch paths agree, proofs verify and tampered proofs do
//! not, and emptying every leaf shrinks the store back to nothing.

use std::collections::{BTreeMap, HashMap};

use plonky2::field::types::{Field, Field64};
use plonky2::hash::hash_types::HashOut;
use proofbook_circuits::hash::{fe, hash_node, Digest, F, ZERO_DIGEST};
use proofbook_circuits::merkle::{
    EmptyHashes, MemoryStore, MerkleError, MerkleProof, SparseMerkleTree, UpdateProof, MAX_DEPTH,
};
use proptest::prelude::*;

/// Empty-subtree hashes computed here, independently of the crate's table.
fn reference_empty(depth: usize) -> Vec<Digest> {
    let mut e = vec![ZERO_DIGEST];
    for l in 0..depth {
        e.push(hash_node(e[l], e[l]));
    }
    e
}

/// The root of a tree holding `leaves`, by plain recursion over the index bits.
fn reference_root(depth: usize, leaves: &BTreeMap<u64, Digest>) -> Digest {
    fn go(level: usize, leaves: &[(u64, Digest)], empty: &[Digest]) -> Digest {
        if leaves.is_empty() {
            return empty[level];
        }
        if level == 0 {
            return leaves[0].1;
        }
        // Within this subtree, bit `level - 1` of the index selects the child.
        let split = leaves.partition_point(|(i, _)| (i >> (level - 1)) & 1 == 0);
        hash_node(go(level - 1, &leaves[..split], empty), go(level - 1, &leaves[split..], empty))
    }
    let v: Vec<(u64, Digest)> = leaves.iter().map(|(i, d)| (*i, *d)).collect();
    go(depth, &v, &reference_empty(depth))
}

fn digest(a: u64, b: u64, c: u64, e: u64) -> Digest {
    HashOut { elements: [fe(a), fe(b), fe(c), fe(e)] }
}

fn arb_digest() -> impl Strategy<Value = Digest> {
    (0..F::ORDER, 0..F::ORDER, 0..F::ORDER, 0..F::ORDER).prop_map(|(a, b, c, e)| digest(a, b, c, e))
}

/// A depth from {8, 16, 32} and updates drawn from a small pool of indices (so indices
/// repeat), about a quarter of them setting the leaf back to empty.
fn arb_case() -> impl Strategy<Value = (usize, Vec<(u64, Digest)>)> {
    prop_oneof![Just(8usize), Just(16), Just(32)].prop_flat_map(|depth| {
        let max = 1u64 << depth;
        prop::collection::vec(0..max, 1..16).prop_flat_map(move |pool| {
            let n = pool.len();
            let value = prop_oneof![1 => Just(ZERO_DIGEST), 3 => arb_digest()];
            prop::collection::vec((any::<prop::sample::Index>(), value), 1..48).prop_map(
                move |picks| {
                    let updates = picks.into_iter().map(|(ix, v)| (pool[ix.index(n)], v)).collect();
                    (depth, updates)
                },
            )
        })
    })
}

/// The final leaves after applying `updates` in order, empties dropped.
fn final_leaves(updates: &[(u64, Digest)]) -> BTreeMap<u64, Digest> {
    let mut m = BTreeMap::new();
    for &(i, v) in updates {
        m.insert(i, v);
    }
    m.retain(|_, v| *v != ZERO_DIGEST);
    m
}

fn nodes(store: &MemoryStore) -> HashMap<(u8, u64), Digest> {
    store.iter().map(|(k, v)| ((k.level, k.index), v)).collect()
}

fn tweak(d: Digest) -> Digest {
    let mut d = d;
    d.elements[0] += F::ONE;
    d
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn incremental_batch_and_from_leaves_agree((depth, updates) in arb_case()) {
        let leaves = final_leaves(&updates);
        let expected = reference_root(depth, &leaves);

        let mut inc = SparseMerkleTree::new(depth).unwrap();
        for &(i, v) in &updates {
            let old_root = inc.root();
            let old_leaf = inc.leaf(i).unwrap();
            let proof = inc.update_with_proof(i, v).unwrap();
            prop_assert!(proof.verify());
            prop_assert_eq!(proof.old_root, old_root);
            prop_assert_eq!(proof.old_leaf, old_leaf);
            prop_assert_eq!(proof.new_root, inc.root());
            prop_assert_eq!(&proof.path, &inc.prove(i).unwrap());
        }
        prop_assert_eq!(inc.root(), expected);

        let mut batch = SparseMerkleTree::new(depth).unwrap();
        prop_assert_eq!(batch.batch_update(&updates).unwrap(), expected);

        let built = SparseMerkleTree::from_leaves(depth, updates.iter().copied()).unwrap();
        prop_assert_eq!(built.root(), expected);

        // Same nodes stored, whichever path wrote them, and nothing empty stored.
        prop_assert_eq!(nodes(inc.store()), nodes(batch.store()));
        prop_assert_eq!(nodes(inc.store()), nodes(built.store()));
        let empty = EmptyHashes::new(depth).unwrap();
        for (k, v) in inc.store().iter() {
            prop_assert_ne!(v, empty.get(k.level as usize).unwrap());
        }
        for (i, v) in &leaves {
            prop_assert_eq!(inc.leaf(*i).unwrap(), *v);
        }
    }

    #[test]
    fn batch_on_a_filled_tree_matches_updates(
        (depth, first) in arb_case(),
        second in prop::collection::vec((0u64..256, arb_digest()), 0..24),
    ) {
        // The second round reuses the first round's indices (by position) and some new ones,
        // so the batch reads untouched siblings from a non-empty store.
        let second: Vec<(u64, Digest)> = second
            .into_iter()
            .map(|(k, v)| {
                let i = if k % 2 == 0 { first[k as usize % first.len()].0 } else { k };
                (i, v)
            })
            .collect();
        let mut inc = SparseMerkleTree::new(depth).unwrap();
        let mut batch = SparseMerkleTree::new(depth).unwrap();
        for &(i, v) in first.iter().chain(&second) {
            inc.update(i, v).unwrap();
        }
        batch.batch_update(&first).unwrap();
        batch.batch_update(&second).unwrap();
        let all: Vec<_> = first.iter().chain(&second).copied().collect();
        prop_assert_eq!(inc.root(), reference_root(depth, &final_leaves(&all)));
        prop_assert_eq!(batch.root(), inc.root());
        prop_assert_eq!(nodes(inc.store()), nodes(batch.store()));
    }

    #[test]
    fn emptying_every_leaf_empties_the_store((depth, updates) in arb_case()) {
        let empty_root = EmptyHashes::new(depth).unwrap().root();
        let zeros: Vec<(u64, Digest)> = updates.iter().map(|&(i, _)| (i, ZERO_DIGEST)).collect();

        let mut inc = SparseMerkleTree::new(depth).unwrap();
        inc.batch_update(&updates).unwrap();
        for &(i, z) in &zeros {
            inc.update(i, z).unwrap();
        }
        prop_assert_eq!(inc.root(), empty_root);
        prop_assert!(inc.store().is_empty());

        let mut batch = SparseMerkleTree::new(depth).unwrap();
        for &(i, v) in &updates {
            batch.update(i, v).unwrap();
        }
        batch.batch_update(&zeros).unwrap();
        prop_assert_eq!(batch.root(), empty_root);
        prop_assert!(batch.store().is_empty());
    }

    #[test]
    fn proofs_verify_and_tampering_fails(
        (depth, updates) in arb_case(),
        probes in prop::collection::vec((any::<u64>(), any::<u64>()), 8),
    ) {
        let leaves = final_leaves(&updates);
        let tree = SparseMerkleTree::from_leaves(depth, updates.iter().copied()).unwrap();
        let root = tree.root();
        let mut counts: HashMap<Digest, usize> = HashMap::new();
        for v in leaves.values() {
            *counts.entry(*v).or_default() += 1;
        }

        for (n, &(i, _)) in updates.iter().enumerate() {
            let leaf = tree.leaf(i).unwrap();
            let proof = tree.prove(i).unwrap();
            prop_assert_eq!(proof.depth(), depth);
            prop_assert!(proof.verify(root, leaf));
            prop_assert_eq!(proof.verify_empty(root), leaf == ZERO_DIGEST);
            prop_assert!(!proof.verify(root, tweak(leaf)));

            // One sibling changed.
            let (a, b) = probes[n % probes.len()];
            let level = (a % depth as u64) as usize;
            let mut bad = proof.clone();
            bad.siblings[level] = tweak(bad.siblings[level]);
            prop_assert!(!bad.verify(root, leaf));

            // Another index with the same siblings: fails for a leaf whose value is unique
            // (an empty leaf may legitimately also sit at the other index).
            if leaf != ZERO_DIGEST && counts[&leaf] == 1 {
                let mut moved = proof.clone();
                moved.index ^= 1 << (b % depth as u64);
                prop_assert!(!moved.verify(root, leaf));
            }

            // Malformed: index out of range, or a sibling missing.
            let mut wide = proof.clone();
            wide.index |= 1 << depth;
            prop_assert!(!wide.verify(root, leaf));
            let mut short = proof.clone();
            short.siblings.pop();
            prop_assert!(!short.verify(root, leaf));
        }

        // Untouched indices are provably empty, and proofs of them do not admit a leaf.
        for &(a, b) in &probes {
            let i = a % (1u64 << depth);
            if leaves.contains_key(&i) {
                continue;
            }
            let proof = tree.prove(i).unwrap();
            prop_assert!(proof.verify_empty(root));
            let v = digest(b % F::ORDER, 1, 2, 3);
            prop_assert!(!proof.verify(root, v));
        }
    }
}

#[test]
fn empty_root_is_empty_at_depth() -> anyhow::Result<()> {
    let reference = reference_empty(MAX_DEPTH);
    for (depth, expected) in reference.iter().enumerate().skip(1) {
        let tree = SparseMerkleTree::new(depth)?;
        assert_eq!(tree.root(), *expected);
        assert_eq!(tree.empty_hash(depth)?, *expected);
        assert_eq!(EmptyHashes::new(depth)?.root(), *expected);
        assert!(tree.prove(0)?.verify_empty(tree.root()));
    }
    Ok(())
}

#[test]
fn out_of_range_is_rejected_and_changes_nothing() -> anyhow::Result<()> {
    for depth in [1usize, 8, 16, 32] {
        let mut tree = SparseMerkleTree::new(depth)?;
        tree.update(1, digest(1, 2, 3, 4))?;
        let (root, stored) = (tree.root(), tree.store().len());
        let bad = 1u64 << depth;
        let err = MerkleError::IndexOutOfRange { index: bad, depth };
        assert_eq!(tree.update(bad, digest(5, 6, 7, 8)), Err(err.clone()));
        assert_eq!(tree.update_with_proof(bad, digest(5, 6, 7, 8)).err(), Some(err.clone()));
        assert_eq!(tree.prove(bad).err(), Some(err.clone()));
        assert_eq!(tree.leaf(bad).err(), Some(err.clone()));
        assert!(tree.leaf(u64::MAX).is_err());
        // A batch with one bad index writes nothing.
        let batch = [(0, digest(9, 9, 9, 9)), (bad, ZERO_DIGEST)];
        assert_eq!(tree.batch_update(&batch), Err(err.clone()));
        assert_eq!((tree.root(), tree.store().len()), (root, stored));
        assert_eq!(tree.leaf(0)?, ZERO_DIGEST);
        assert_eq!(SparseMerkleTree::from_leaves(depth, [(bad, ZERO_DIGEST)]).err(), Some(err));
    }
    for depth in [0usize, 64, 1000] {
        assert_eq!(SparseMerkleTree::new(depth).err(), Some(MerkleError::BadDepth { depth }));
    }
    Ok(())
}

#[test]
fn deepest_tree_works_at_the_last_index() -> anyhow::Result<()> {
    let mut tree = SparseMerkleTree::new(MAX_DEPTH)?;
    let last = (1u64 << MAX_DEPTH) - 1;
    let v = digest(1, 2, 3, 4);
    tree.update(last, v)?;
    assert!(tree.prove(last)?.verify(tree.root(), v));
    assert_eq!(tree.root(), reference_root(MAX_DEPTH, &BTreeMap::from([(last, v)])));
    assert!(tree.update(1u64 << MAX_DEPTH, v).is_err());
    Ok(())
}

#[test]
fn duplicates_in_a_batch_last_write_wins() -> anyhow::Result<()> {
    let (a, b) = (digest(1, 0, 0, 0), digest(2, 0, 0, 0));
    let mut tree = SparseMerkleTree::new(16)?;
    tree.batch_update(&[(5, a), (7, a), (5, b), (7, ZERO_DIGEST)])?;
    assert_eq!(tree.leaf(5)?, b);
    assert_eq!(tree.leaf(7)?, ZERO_DIGEST);
    assert_eq!(tree.root(), reference_root(16, &BTreeMap::from([(5, b)])));
    Ok(())
}

#[test]
fn reopening_a_store_gives_the_same_tree() -> anyhow::Result<()> {
    let leaves: Vec<(u64, Digest)> = (0..50u64).map(|i| (i * 7919, digest(i, i, 0, 1))).collect();
    let tree = SparseMerkleTree::from_leaves(32, leaves.iter().copied())?;
    let root = tree.root();
    let proof = tree.prove(7919)?;
    let mut reopened = SparseMerkleTree::with_store(32, tree.into_store())?;
    assert_eq!(reopened.root(), root);
    assert_eq!(reopened.prove(7919)?, proof);
    // The reopened tree keeps working, and an empty store opens as the empty tree.
    let up = reopened.update_with_proof(3, digest(3, 3, 3, 3))?;
    assert_eq!(up.old_root, root);
    assert_eq!(up.old_leaf, ZERO_DIGEST);
    assert!(up.verify());
    let fresh = SparseMerkleTree::with_store(32, MemoryStore::new())?;
    assert_eq!(fresh.root(), EmptyHashes::new(32)?.root());
    Ok(())
}

#[test]
fn update_proof_of_an_unchanged_leaf() -> anyhow::Result<()> {
    let v = digest(4, 4, 4, 4);
    let mut tree = SparseMerkleTree::new(8)?;
    tree.update(9, v)?;
    let up = tree.update_with_proof(9, v)?;
    assert_eq!(up.old_root, up.new_root);
    assert_eq!(up.path, tree.prove(9)?);
    assert!(up.verify());
    Ok(())
}

#[test]
fn proof_serde_round_trip() -> anyhow::Result<()> {
    let mut tree = SparseMerkleTree::new(16)?;
    let up = tree.update_with_proof(1234, digest(1, 2, 3, 4))?;
    let back: UpdateProof = serde_json::from_str(&serde_json::to_string(&up)?)?;
    assert_eq!(back, up);
    let p: MerkleProof = serde_json::from_str(&serde_json::to_string(&up.path)?)?;
    assert!(p.verify(tree.root(), digest(1, 2, 3, 4)));
    Ok(())
}

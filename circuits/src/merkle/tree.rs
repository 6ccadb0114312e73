//! The sparse Merkle tree: single updates with their witnesses, parallel batch updates and
//! construction from a set of leaves.
//!
//! A single update walks one path: one store read (the sibling) and one `hash_node` per
//! level, and one batched store write. A batch update recomputes only the touched part of
//! the tree, level by level: the touched nodes of a level are paired with their siblings
//! (read from the store when untouched), the parents are hashed in parallel with rayon, and
//! everything is written in one batch at the end. Subtrees that are entirely empty are never
//! hashed: their value is taken from the shared [`EmptyHashes`] table.

use rayon::prelude::*;

use super::{
    check_index, EmptyHashes, MemoryStore, MerkleError, MerkleProof, NodeKey, NodeStore,
    UpdateProof, MAX_DEPTH,
};
use crate::hash::{hash_node, Digest, ZERO_DIGEST};

/// Below this many parents on a level, a batch update hashes them on the calling thread:
/// handing a few microseconds of work to the rayon pool costs more than it saves.
const PAR_THRESHOLD: usize = 64;

/// The key of the node at `level`, `index`.
fn key(level: usize, index: u64) -> NodeKey {
    // Levels never exceed MAX_DEPTH = 63, which fits a u8.
    NodeKey::new(level as u8, index)
}

/// What the store should hold for a node of value `value` whose level has empty hash
/// `empty`: nothing if the node is empty (the store stays sparse).
fn stored(value: Digest, empty: Digest) -> Option<Digest> {
    (value != empty).then_some(value)
}

/// Which child of a [`Pending`] parent was not touched and must be read from the store.
#[derive(Copy, Clone)]
enum Untouched {
    /// Both children were touched.
    Neither,
    /// The left child was not touched.
    Left,
    /// The right child was not touched.
    Right,
}

/// A parent to recompute in a batch update: its index and its children. An untouched child
/// starts as the empty hash of its level and is then read from the store (if stored).
#[derive(Copy, Clone)]
struct Pending {
    parent: u64,
    left: Digest,
    right: Digest,
    untouched: Untouched,
}

/// A sparse Merkle tree of runtime depth over a [`NodeStore`]. See the [module
/// documentation](super) for the conventions.
#[derive(Clone, Debug)]
pub struct SparseMerkleTree<S: NodeStore = MemoryStore> {
    depth: usize,
    root: Digest,
    empty: EmptyHashes,
    store: S,
}

impl SparseMerkleTree<MemoryStore> {
    /// An empty tree of depth `depth` (`1..=MAX_DEPTH`) in memory.
    pub fn new(depth: usize) -> Result<Self, MerkleError> {
        Self::with_store(depth, MemoryStore::new())
    }

    /// A tree in memory holding exactly `leaves` (`(index, leaf)`; a later duplicate index
    /// wins; `ZERO_DIGEST` leaves are empty), built bottom-up in parallel without reading any
    /// store.
    pub fn from_leaves<I>(depth: usize, leaves: I) -> Result<Self, MerkleError>
    where
        I: IntoIterator<Item = (u64, Digest)>,
    {
        let mut tree = Self::new(depth)?;
        let leaves: Vec<(u64, Digest)> = leaves.into_iter().collect();
        for (index, _) in &leaves {
            check_index(depth, *index)?;
        }
        if leaves.is_empty() {
            return Ok(tree);
        }
        let (root, writes) = tree.recompute(sorted_last_wins(leaves), false);
        tree.store.apply(writes);
        tree.root = root;
        Ok(tree)
    }
}

impl<S: NodeStore> SparseMerkleTree<S> {
    /// Opens the tree of depth `depth` held in `store`: the root is read from the store
    /// (node `(depth, 0)`); a store without it holds the empty tree.
    pub fn with_store(depth: usize, store: S) -> Result<Self, MerkleError> {
        let empty = EmptyHashes::new(depth)?;
        let root = store.get(key(depth, 0)).unwrap_or_else(|| empty.root());
        Ok(Self { depth, root, empty, store })
    }

    /// The depth: leaf indices are below `2^depth`, proofs have `depth` siblings.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// The current root.
    pub fn root(&self) -> Digest {
        self.root
    }

    /// The hash of an empty subtree whose root is at `level` (0 = an empty leaf,
    /// `depth` = the empty tree's root).
    pub fn empty_hash(&self, level: usize) -> Result<Digest, MerkleError> {
        self.empty.get(level)
    }

    /// The empty hashes of this tree's depth.
    pub fn empty_hashes(&self) -> EmptyHashes {
        self.empty
    }

    /// The backing store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Gives the backing store back (it holds the root; see [`Self::with_store`]).
    pub fn into_store(self) -> S {
        self.store
    }

    /// The leaf at `index` (`ZERO_DIGEST` if empty).
    pub fn leaf(&self, index: u64) -> Result<Digest, MerkleError> {
        check_index(self.depth, index)?;
        Ok(self.leaf_unchecked(index))
    }

    /// The membership (or, for an empty leaf, non-membership) proof of leaf `index`.
    pub fn prove(&self, index: u64) -> Result<MerkleProof, MerkleError> {
        check_index(self.depth, index)?;
        Ok(MerkleProof { index, siblings: self.siblings(index) })
    }

    /// Sets leaf `index` to `leaf` (`ZERO_DIGEST` empties it) and returns the new root.
    pub fn update(&mut self, index: u64, leaf: Digest) -> Result<Digest, MerkleError> {
        check_index(self.depth, index)?;
        if self.leaf_unchecked(index) != leaf {
            self.write_path(index, leaf, |_| {});
        }
        Ok(self.root)
    }

    /// Sets leaf `index` to `leaf` and returns the witness of the change: the old leaf, the
    /// path (valid before and after), and the old and new roots.
    pub fn update_with_proof(
        &mut self,
        index: u64,
        leaf: Digest,
    ) -> Result<UpdateProof, MerkleError> {
        check_index(self.depth, index)?;
        let old_leaf = self.leaf_unchecked(index);
        let old_root = self.root;
        let siblings = if old_leaf == leaf {
            self.siblings(index)
        } else {
            let mut siblings = Vec::with_capacity(self.depth);
            self.write_path(index, leaf, |s| siblings.push(s));
            siblings
        };
        Ok(UpdateProof {
            path: MerkleProof { index, siblings },
            old_leaf,
            new_leaf: leaf,
            old_root,
            new_root: self.root,
        })
    }

    /// Applies `updates` (`(index, leaf)`; for a repeated index the last one wins) and returns
    /// the new root. Only the touched part of the tree is recomputed, level by level, with
    /// the parents of each level hashed in parallel; the store gets one batch of writes. The
    /// result equals applying the updates one by one with [`Self::update`]. If any index is
    /// out of range, nothing is changed.
    pub fn batch_update(&mut self, updates: &[(u64, Digest)]) -> Result<Digest, MerkleError> {
        for (index, _) in updates {
            check_index(self.depth, *index)?;
        }
        if updates.is_empty() {
            return Ok(self.root);
        }
        let (root, writes) = self.recompute(sorted_last_wins(updates.to_vec()), true);
        self.store.apply(writes);
        self.root = root;
        Ok(root)
    }

    /// The leaf at a checked index.
    fn leaf_unchecked(&self, index: u64) -> Digest {
        self.store.get(NodeKey::leaf(index)).unwrap_or(ZERO_DIGEST)
    }

    /// The siblings of the path of a checked index, leaf level first.
    fn siblings(&self, index: u64) -> Vec<Digest> {
        let empty = self.empty.as_slice();
        (0..self.depth)
            .map(|level| self.store.get(key(level, (index >> level) ^ 1)).unwrap_or(empty[level]))
            .collect()
    }

    /// Writes `leaf` at a checked index and rehashes its path up to the root, passing each
    /// sibling (leaf level first) to `on_sibling`.
    fn write_path(&mut self, index: u64, leaf: Digest, mut on_sibling: impl FnMut(Digest)) {
        let empty = self.empty.as_slice();
        let depth = self.depth;
        // Read every sibling before hashing (the reads are cache misses in a large store;
        // done apart, they do not evict Poseidon's constants between hashes). A stack array:
        // no allocation per update beyond the write batch.
        let mut siblings = [ZERO_DIGEST; MAX_DEPTH];
        for (level, s) in siblings[..depth].iter_mut().enumerate() {
            *s = self.store.get(key(level, (index >> level) ^ 1)).unwrap_or(empty[level]);
        }
        let mut writes = Vec::with_capacity(depth + 1);
        let mut node = leaf;
        for (level, &sibling) in siblings[..depth].iter().enumerate() {
            let idx = index >> level;
            writes.push((key(level, idx), stored(node, empty[level])));
            on_sibling(sibling);
            node = if node == empty[level] && sibling == empty[level] {
                empty[level + 1]
            } else if idx & 1 == 1 {
                hash_node(sibling, node)
            } else {
                hash_node(node, sibling)
            };
        }
        writes.push((key(depth, 0), stored(node, empty[depth])));
        self.store.apply(writes);
        self.root = node;
    }

    /// Recomputes the nodes above `leaves` (checked indices, sorted, unique, non-empty list)
    /// and returns the new root with the writes to apply (the leaves included). Untouched
    /// siblings are read from the store if `lookup`, and are empty otherwise (building from
    /// scratch).
    fn recompute(
        &self,
        leaves: Vec<(u64, Digest)>,
        lookup: bool,
    ) -> (Digest, Vec<(NodeKey, Option<Digest>)>) {
        let empty = self.empty.as_slice();
        let mut writes: Vec<(NodeKey, Option<Digest>)> =
            Vec::with_capacity(leaves.len() * (self.depth / 2 + 1));
        writes.extend(leaves.iter().map(|&(i, d)| (key(0, i), stored(d, empty[0]))));

        // `level_nodes` holds the touched nodes of the current level, sorted by index; both
        // buffers are reused from level to level (they only shrink).
        let mut level_nodes = leaves;
        let mut pending: Vec<Pending> = Vec::with_capacity(level_nodes.len());
        for level in 0..self.depth {
            pending.clear();
            let (e, e_up) = (empty[level], empty[level + 1]);
            let mut k = 0;
            while k < level_nodes.len() {
                let (i, d) = level_nodes[k];
                let parent = i >> 1;
                let p = if i & 1 == 1 {
                    Pending { parent, left: e, right: d, untouched: Untouched::Left }
                } else if let Some(&(_, r)) = level_nodes.get(k + 1).filter(|n| n.0 == i | 1) {
                    k += 1;
                    Pending { parent, left: d, right: r, untouched: Untouched::Neither }
                } else {
                    Pending { parent, left: d, right: e, untouched: Untouched::Right }
                };
                pending.push(p);
                k += 1;
            }
            let parallel = pending.len() >= PAR_THRESHOLD;

            // All the store reads of the level first, then all the hashing: keeping the two
            // apart keeps Poseidon's constants in cache while hashing.
            if lookup {
                let store = &self.store;
                let read = |p: &mut Pending| {
                    let (slot, index) = match p.untouched {
                        Untouched::Neither => return,
                        Untouched::Left => (&mut p.left, p.parent << 1),
                        Untouched::Right => (&mut p.right, (p.parent << 1) | 1),
                    };
                    if let Some(d) = store.get(key(level, index)) {
                        *slot = d;
                    }
                };
                if parallel {
                    pending.par_iter_mut().for_each(read);
                } else {
                    pending.iter_mut().for_each(read);
                }
            }
            let hash_parent = |p: &Pending| {
                let h = if p.left == e && p.right == e { e_up } else { hash_node(p.left, p.right) };
                (p.parent, h)
            };
            if parallel {
                pending.par_iter().map(hash_parent).collect_into_vec(&mut level_nodes);
            } else {
                level_nodes.clear();
                level_nodes.extend(pending.iter().map(hash_parent));
            }
            writes.extend(level_nodes.iter().map(|&(i, d)| (key(level + 1, i), stored(d, e_up))));
        }
        // After `depth` halvings the only touched node is the root.
        let root = level_nodes.first().map_or(empty[self.depth], |&(_, d)| d);
        (root, writes)
    }
}

/// Sorts updates by index, keeping only the last update of each index.
fn sorted_last_wins(mut updates: Vec<(u64, Digest)>) -> Vec<(u64, Digest)> {
    // A stable sort keeps equal indices in input order, so the last of a run is the last
    // write.
    updates.par_sort_by_key(|u| u.0);
    let mut kept = 0;
    for k in 0..updates.len() {
        if updates.get(k + 1).is_some_and(|next| next.0 == updates[k].0) {
            continue;
        }
        updates[kept] = updates[k];
        kept += 1;
    }
    updates.truncate(kept);
    updates
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::fe;
    use plonky2::hash::hash_types::HashOut;

    fn d(x: u64) -> Digest {
        HashOut { elements: [fe(x), fe(x + 1), fe(x + 2), fe(x + 3)] }
    }

    #[test]
    fn layout_convention_by_hand() -> anyhow::Result<()> {
        // Depth 1: leaf 1 is the right child of the root.
        let mut t = SparseMerkleTree::new(1)?;
        t.update(1, d(7))?;
        assert_eq!(t.root(), hash_node(ZERO_DIGEST, d(7)));

        // Depth 2, index 2 = 0b10: left child at level 0, right child at level 1.
        let mut t = SparseMerkleTree::new(2)?;
        t.update(2, d(9))?;
        let e1 = hash_node(ZERO_DIGEST, ZERO_DIGEST);
        assert_eq!(t.root(), hash_node(e1, hash_node(d(9), ZERO_DIGEST)));
        assert_eq!(t.prove(2)?.siblings, vec![ZERO_DIGEST, e1]);

        // Depth 2, leaves 0..4 all set: the full binary tree.
        let t = SparseMerkleTree::from_leaves(2, (0..4).map(|i| (i, d(10 * i + 1))))?;
        let l = hash_node(d(1), d(11));
        let r = hash_node(d(21), d(31));
        assert_eq!(t.root(), hash_node(l, r));
        assert_eq!(t.store().get(key(1, 1)), Some(r));
        assert_eq!(t.store().get(key(2, 0)), Some(t.root()));
        Ok(())
    }

    #[test]
    fn last_write_wins_and_sorted() {
        let v = sorted_last_wins(vec![(5, d(1)), (2, d(2)), (5, d(3)), (2, d(4)), (9, d(5))]);
        assert_eq!(v, vec![(2, d(4)), (5, d(3)), (9, d(5))]);
    }

    #[test]
    fn batch_across_parallel_threshold_matches_sequential() -> anyhow::Result<()> {
        // Enough adjacent and isolated leaves that the lower levels take the rayon path.
        let updates: Vec<(u64, Digest)> =
            (0..500u64).map(|i| ((i * 2654435761) % (1 << 20), d(i))).collect();
        let mut seq = SparseMerkleTree::new(20)?;
        for &(i, v) in &updates {
            seq.update(i, v)?;
        }
        let mut batch = SparseMerkleTree::new(20)?;
        batch.batch_update(&updates)?;
        assert_eq!(batch.root(), seq.root());
        assert_eq!(batch.store().len(), seq.store().len());
        Ok(())
    }
}

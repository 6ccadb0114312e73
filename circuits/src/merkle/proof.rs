//! Merkle paths: membership and non-membership proofs ([`MerkleProof`]) and the witness of a
//! single leaf update ([`UpdateProof`]).

use serde::{Deserialize, Serialize};

use super::MAX_DEPTH;
use crate::hash::{hash_node, Digest, ZERO_DIGEST};

/// The path from a leaf to the root: the leaf index and one sibling per level, leaf level
/// first. The tree depth is `siblings.len()`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerkleProof {
    /// The leaf index; bit `l` = 1 means the path node at level `l` is a right child.
    pub index: u64,
    /// The sibling of the path node at each level, from level 0 (the leaf's sibling) up to
    /// level `depth − 1` (a child of the root).
    pub siblings: Vec<Digest>,
}

impl MerkleProof {
    /// The depth of the tree this path belongs to.
    pub fn depth(&self) -> usize {
        self.siblings.len()
    }

    /// The root obtained by hashing `leaf` up the path. Index bits at or above the depth are
    /// ignored here; [`Self::verify`] rejects them.
    pub fn compute_root(&self, leaf: Digest) -> Digest {
        let mut node = leaf;
        for (level, sibling) in self.siblings.iter().enumerate() {
            node = if (self.index >> level) & 1 == 1 {
                hash_node(*sibling, node)
            } else {
                hash_node(node, *sibling)
            };
        }
        node
    }

    /// Membership: `leaf` sits at `index` in the tree with root `root`. False for a malformed
    /// path (depth outside `1..=MAX_DEPTH` or index not below `2^depth`).
    pub fn verify(&self, root: Digest, leaf: Digest) -> bool {
        let depth = self.depth();
        (1..=MAX_DEPTH).contains(&depth)
            && self.index >> depth == 0
            && self.compute_root(leaf) == root
    }

    /// Non-membership: leaf `index` is empty (`ZERO_DIGEST`) in the tree with root `root`.
    pub fn verify_empty(&self, root: Digest) -> bool {
        self.verify(root, ZERO_DIGEST)
    }
}

/// The witness of one leaf update: the path (its siblings are the same before and after,
/// since they are off the updated path), the old and new leaf, and the old and new root.
/// A circuit checks `path` against `old_root` with `old_leaf`, then recomputes `new_root`
/// from `new_leaf` along the same path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateProof {
    /// The leaf index and the siblings.
    pub path: MerkleProof,
    /// The leaf before the update (`ZERO_DIGEST` if it was empty).
    pub old_leaf: Digest,
    /// The leaf after the update.
    pub new_leaf: Digest,
    /// The root before the update.
    pub old_root: Digest,
    /// The root after the update.
    pub new_root: Digest,
}

impl UpdateProof {
    /// Both halves hold: `old_leaf` under `old_root` and `new_leaf` under `new_root`, on the
    /// same path.
    pub fn verify(&self) -> bool {
        self.path.verify(self.old_root, self.old_leaf)
            && self.path.verify(self.new_root, self.new_leaf)
    }
}

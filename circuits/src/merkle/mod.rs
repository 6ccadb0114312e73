//! Sparse Merkle trees over a storage trait: the account tree (depth 32), each account's
//! order-slot tree (depth 16) and the market tree (depth 8) of DESIGN.md §3.
//!
//! The native tree here is what the sequencer keeps and what witness generation reads; the
//! circuits mirror the conventions below exactly, so they are fixed:
//!
//! - **Leaves** are digests computed by the caller (account leaf, order-slot leaf, market
//!   leaf). An empty leaf is [`ZERO_DIGEST`](crate::hash::ZERO_DIGEST).
//! - **Empty subtrees**: `empty[0] = ZERO_DIGEST`, `empty[l + 1] = hash_node(empty[l],
//!   empty[l])` ([`crate::hash::hash_node`] is Poseidon `two_to_one`). The root of an empty
//!   tree of depth `d` is `empty[d]` ([`EmptyHashes`]).
//! - **Layout**: the node at level `l` (0 = leaves, `depth` = root) and index `i` has children
//!   `(l − 1, 2i)` on the left and `(l − 1, 2i + 1)` on the right; `parent = hash_node(left,
//!   right)`.
//! - **Paths**: bit `l` of the leaf index (least significant first) is 1 exactly when the
//!   path node at level `l` is a RIGHT child; the sibling at level `l` is then its left
//!   neighbour. A [`MerkleProof`] lists the siblings leaf level first.
//! - **Depth** is a runtime parameter in `1..=63` ([`MAX_DEPTH`]); an index must be below
//!   `2^depth`.
//!
//! Storage is sparse: a [`NodeStore`] holds only nodes that differ from the empty hash of
//! their level (writing an empty value removes the node), so setting every leaf back to
//! empty leaves the store empty. The root lives in the store at `(depth, 0)`, so a tree can
//! be reopened from its store ([`SparseMerkleTree::with_store`]); one store holds one tree.

mod empty;
mod proof;
mod store;
mod target;
mod tree;

pub use empty::EmptyHashes;
pub use proof::{MerkleProof, UpdateProof};
pub use store::{MemoryStore, NodeStore};
pub use target::{MerkleProofTarget, UpdateProofTarget};
pub use tree::SparseMerkleTree;

use serde::{Deserialize, Serialize};

/// The largest supported depth: a leaf index is a `u64` below `2^depth`, and the empty-hash
/// table has `MAX_DEPTH + 1` levels.
pub const MAX_DEPTH: usize = 63;

/// The position of a node: its level (0 = leaves, `depth` = root) and its index within the
/// level (`< 2^(depth − level)`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct NodeKey {
    /// Level above the leaves: 0 for a leaf, the tree depth for the root.
    pub level: u8,
    /// Index within the level, counted from the left.
    pub index: u64,
}

impl NodeKey {
    /// The key of the node at `level`, `index`.
    pub const fn new(level: u8, index: u64) -> Self {
        Self { level, index }
    }

    /// The key of leaf `index`.
    pub const fn leaf(index: u64) -> Self {
        Self { level: 0, index }
    }
}

/// A failure of a Merkle-tree operation. Every check happens before anything is written, so
/// an error leaves the tree unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MerkleError {
    /// The depth is outside `1..=MAX_DEPTH`.
    #[error("tree depth {depth} is outside 1..={max}", max = MAX_DEPTH)]
    BadDepth {
        /// The rejected depth.
        depth: usize,
    },
    /// A leaf index is not below `2^depth`.
    #[error("leaf index {index} is out of range for a tree of depth {depth}")]
    IndexOutOfRange {
        /// The rejected index.
        index: u64,
        /// The tree's depth.
        depth: usize,
    },
    /// A level is above the root of the tree.
    #[error("level {level} is above the root of a tree of depth {depth}")]
    LevelOutOfRange {
        /// The rejected level.
        level: usize,
        /// The tree's depth.
        depth: usize,
    },
}

/// Checks that `depth` is in `1..=MAX_DEPTH`.
fn check_depth(depth: usize) -> Result<(), MerkleError> {
    if (1..=MAX_DEPTH).contains(&depth) {
        Ok(())
    } else {
        Err(MerkleError::BadDepth { depth })
    }
}

/// Checks that `index` is a leaf index of a tree of (valid) depth `depth`.
fn check_index(depth: usize, index: u64) -> Result<(), MerkleError> {
    if index >> depth == 0 {
        Ok(())
    } else {
        Err(MerkleError::IndexOutOfRange { index, depth })
    }
}

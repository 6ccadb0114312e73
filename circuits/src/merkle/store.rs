//! Where tree nodes live: the [`NodeStore`] trait and the in-memory [`MemoryStore`].
//!
//! The tree reads single nodes and writes each update as one batch ([`NodeStore::apply`]),
//! so a database-backed store (RocksDB in the sequencer) can commit an update atomically
//! with one write batch. Stores are sparse: the tree never asks to store a node equal to the
//! empty hash of its level; it asks to remove it instead.

use std::collections::HashMap;

use super::NodeKey;
use crate::hash::Digest;

/// Storage of the non-empty nodes of one tree.
///
/// `get` must be callable from several threads at once ([`super::SparseMerkleTree::batch_update`]
/// reads siblings in parallel). The methods cannot fail: a store backed by a fallible medium
/// must treat a failed read or write as fatal, because a tree that silently misses a node
/// computes a wrong root.
pub trait NodeStore: Send + Sync {
    /// The node at `key`, or `None` if it is not stored (the caller then uses the empty hash
    /// of its level).
    fn get(&self, key: NodeKey) -> Option<Digest>;

    /// Stores `value` at `key`, replacing any previous value.
    fn put(&mut self, key: NodeKey, value: Digest);

    /// Removes the node at `key`, if any.
    fn remove(&mut self, key: NodeKey);

    /// Applies a batch of writes in order: `Some` puts, `None` removes. The default applies
    /// them one by one; a database store should override it with one atomic write batch.
    fn apply(&mut self, writes: Vec<(NodeKey, Option<Digest>)>) {
        for (key, value) in writes {
            match value {
                Some(v) => self.put(key, v),
                None => self.remove(key),
            }
        }
    }
}

/// A [`NodeStore`] in a `HashMap`.
#[derive(Clone, Debug, Default)]
pub struct MemoryStore {
    nodes: HashMap<NodeKey, Digest>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of stored (non-empty) nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether no node is stored (the tree is empty).
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Every stored node, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (NodeKey, Digest)> + '_ {
        self.nodes.iter().map(|(k, v)| (*k, *v))
    }
}

impl NodeStore for MemoryStore {
    fn get(&self, key: NodeKey) -> Option<Digest> {
        self.nodes.get(&key).copied()
    }

    fn put(&mut self, key: NodeKey, value: Digest) {
        self.nodes.insert(key, value);
    }

    fn remove(&mut self, key: NodeKey) {
        self.nodes.remove(&key);
    }

    fn apply(&mut self, writes: Vec<(NodeKey, Option<Digest>)>) {
        for (key, value) in writes {
            match value {
                Some(v) => {
                    self.nodes.insert(key, v);
                }
                None => {
                    self.nodes.remove(&key);
                }
            }
        }
    }
}

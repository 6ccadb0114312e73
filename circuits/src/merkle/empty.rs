//! The hashes of empty subtrees, computed once per process and shared by every tree.
//!
//! `empty[0] = ZERO_DIGEST` and `empty[l + 1] = hash_node(empty[l], empty[l])`. The table
//! does not depend on the depth (a depth-`d` tree uses its first `d + 1` entries), so one
//! `OnceLock` table of `MAX_DEPTH + 1` levels serves all depths; after the first use a
//! lookup is an array index.

use std::sync::OnceLock;

use super::{check_depth, MerkleError, MAX_DEPTH};
use crate::hash::{hash_node, Digest, ZERO_DIGEST};

/// The shared table of all `MAX_DEPTH + 1` empty-subtree hashes.
fn table() -> &'static [Digest; MAX_DEPTH + 1] {
    static TABLE: OnceLock<[Digest; MAX_DEPTH + 1]> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = [ZERO_DIGEST; MAX_DEPTH + 1];
        for l in 1..=MAX_DEPTH {
            t[l] = hash_node(t[l - 1], t[l - 1]);
        }
        t
    })
}

/// The empty-subtree hashes of a tree of a given depth: a cheap `Copy` view (a reference to
/// the shared table and the depth), e.g. `EmptyHashes::new(ORDER_TREE_DEPTH)?.root()` is the
/// `orders_root` of an account with no orders.
#[derive(Copy, Clone, Debug)]
pub struct EmptyHashes {
    depth: usize,
    table: &'static [Digest; MAX_DEPTH + 1],
}

impl EmptyHashes {
    /// The empty hashes of a tree of depth `depth` (`1..=MAX_DEPTH`).
    pub fn new(depth: usize) -> Result<Self, MerkleError> {
        check_depth(depth)?;
        Ok(Self { depth, table: table() })
    }

    /// The depth this view was made for.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// The root of an empty tree of this depth: `empty[depth]`.
    pub fn root(&self) -> Digest {
        self.table[self.depth]
    }

    /// The hash of an empty subtree whose root is at `level` (0 = an empty leaf).
    pub fn get(&self, level: usize) -> Result<Digest, MerkleError> {
        if level <= self.depth {
            Ok(self.table[level])
        } else {
            Err(MerkleError::LevelOutOfRange { level, depth: self.depth })
        }
    }

    /// `empty[0..=depth]`, leaf level first.
    pub fn as_slice(&self) -> &'static [Digest] {
        &self.table[..=self.depth]
    }

    /// The whole shared table, `empty[0..=MAX_DEPTH]`.
    pub fn all() -> &'static [Digest; MAX_DEPTH + 1] {
        table()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recurrence_and_bounds() -> anyhow::Result<()> {
        let e = EmptyHashes::new(16)?;
        assert_eq!(e.get(0)?, ZERO_DIGEST);
        for l in 0..16 {
            assert_eq!(e.get(l + 1)?, hash_node(e.get(l)?, e.get(l)?));
        }
        assert_eq!(e.root(), EmptyHashes::all()[16]);
        assert_eq!(e.as_slice().len(), 17);
        assert_ne!(e.get(1)?, ZERO_DIGEST);
        assert_eq!(e.get(17), Err(MerkleError::LevelOutOfRange { level: 17, depth: 16 }));
        assert_eq!(EmptyHashes::new(0).err(), Some(MerkleError::BadDepth { depth: 0 }));
        assert_eq!(EmptyHashes::new(64).err(), Some(MerkleError::BadDepth { depth: 64 }));
        assert!(EmptyHashes::new(MAX_DEPTH).is_ok());
        Ok(())
    }
}

//! The in-circuit twins of [`MerkleProof`] and [`UpdateProof`]: the same conventions (bit `l`
//! of the index = 1 when the path node at level `l` is a right child; siblings leaf level
//! first), one Poseidon row per level.

use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::PartialWitness;
use plonky2::plonk::circuit_builder::CircuitBuilder;

use super::{MerkleProof, UpdateProof};
use crate::circuit::witness::{set, set_hash};
use crate::circuit::CircuitError;
use crate::hash::{HashGadgets, D, F};

/// A Merkle path in a circuit: the index (as a target and its little-endian bits, exactly
/// `depth` of them, so the index is range-checked below `2^depth`) and one sibling per level.
#[derive(Clone, Debug)]
pub struct MerkleProofTarget {
    /// The leaf index, `< 2^depth`.
    pub index: Target,
    /// The bits of the index, least significant first.
    pub index_bits: Vec<BoolTarget>,
    /// The siblings, leaf level first.
    pub siblings: Vec<HashOutTarget>,
}

impl MerkleProofTarget {
    /// A new path of depth `depth` (virtual targets; the index is split into `depth` bits,
    /// which range-checks it).
    pub fn new(builder: &mut CircuitBuilder<F, D>, depth: usize) -> Self {
        let index = builder.add_virtual_target();
        let index_bits = builder.split_le(index, depth);
        let siblings = builder.add_virtual_hashes(depth);
        Self { index, index_bits, siblings }
    }

    /// The depth of the tree this path belongs to.
    pub fn depth(&self) -> usize {
        self.siblings.len()
    }

    /// The root obtained by hashing `leaf` up the path.
    pub fn compute_root(
        &self,
        builder: &mut CircuitBuilder<F, D>,
        leaf: HashOutTarget,
    ) -> HashOutTarget {
        let mut node = leaf;
        for (bit, sibling) in self.index_bits.iter().zip(&self.siblings) {
            node = builder.hash_node_swapped(node, *sibling, *bit);
        }
        node
    }

    /// Membership: asserts that `leaf` sits at the index in the tree with root `root`.
    pub fn verify(
        &self,
        builder: &mut CircuitBuilder<F, D>,
        root: HashOutTarget,
        leaf: HashOutTarget,
    ) {
        let computed = self.compute_root(builder, leaf);
        builder.connect_hashes(computed, root);
    }

    /// Sets the path's targets from a native proof of the same depth.
    pub fn set(&self, pw: &mut PartialWitness<F>, proof: &MerkleProof) -> Result<(), CircuitError> {
        if proof.depth() != self.depth() {
            return Err(CircuitError::PathDepth { got: proof.depth(), want: self.depth() });
        }
        if proof.index >> self.depth() != 0 {
            return Err(CircuitError::Witness(format!("index {} beyond depth", proof.index)));
        }
        set(pw, self.index, crate::hash::fe(proof.index))?;
        for (t, s) in self.siblings.iter().zip(&proof.siblings) {
            set_hash(pw, *t, *s)?;
        }
        Ok(())
    }
}

/// The witness of one leaf update in a circuit: one path, the old and new leaf, and the old
/// and new root, computed from the leaves along the path.
#[derive(Clone, Debug)]
pub struct UpdateProofTarget {
    /// The leaf index and the siblings.
    pub path: MerkleProofTarget,
    /// The leaf before the update.
    pub old_leaf: HashOutTarget,
    /// The leaf after the update.
    pub new_leaf: HashOutTarget,
    /// The root computed from `old_leaf` (the caller ties it to the current root).
    pub old_root: HashOutTarget,
    /// The root computed from `new_leaf` along the same path.
    pub new_root: HashOutTarget,
}

impl UpdateProofTarget {
    /// The update of a leaf from `old_leaf` to `new_leaf` along a new path of depth `depth`:
    /// both roots are computed from the same siblings (two Poseidon rows per level).
    pub fn new(
        builder: &mut CircuitBuilder<F, D>,
        depth: usize,
        old_leaf: HashOutTarget,
        new_leaf: HashOutTarget,
    ) -> Self {
        let path = MerkleProofTarget::new(builder, depth);
        let old_root = path.compute_root(builder, old_leaf);
        let new_root = path.compute_root(builder, new_leaf);
        Self { path, old_leaf, new_leaf, old_root, new_root }
    }

    /// Sets the path from a native update proof (the leaves are set by whoever computes
    /// them).
    pub fn set(&self, pw: &mut PartialWitness<F>, proof: &UpdateProof) -> Result<(), CircuitError> {
        self.path.set(pw, &proof.path)
    }
}

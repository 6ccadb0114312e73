//! The per-batch state commitment and the circuit witness.
//!
//! [`crate::tx::apply`] only changes values and journals the leaves each transaction wrote.
//! At the end of a batch, [`StateTrees`] turns that journal into Merkle roots — and, for the
//! prover, into the witness: every leaf before and after, with its Merkle path, per
//! transaction. The work is parallel where the data allows: each account's order subtree is
//! independent of every other's, and every leaf hash is independent; only the path updates
//! of the accounts and markets trees are sequential, because each depends on the last.

use std::collections::HashMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::constants::{ACCOUNT_TREE_DEPTH, MARKET_TREE_DEPTH, ORDER_TREE_DEPTH};
use crate::hash::{hash_tagged, tag, Digest};
use crate::merkle::{SparseMerkleTree, UpdateProof};
use crate::state::{LeafWrite, Market, State, TxWrites};

/// `state_root = H(STATE, accounts_root ‖ markets_root ‖ config_hash)`.
pub fn state_root(accounts_root: &Digest, markets_root: &Digest, config_hash: &Digest) -> Digest {
    let mut e = Vec::with_capacity(12);
    e.extend_from_slice(&accounts_root.elements);
    e.extend_from_slice(&markets_root.elements);
    e.extend_from_slice(&config_hash.elements);
    hash_tagged(tag::STATE, &e)
}

/// One leaf update of the witness: the leaf values before and after, and the update proof
/// (old leaf hash, siblings, roots).
#[allow(clippy::large_enum_variant)] // account updates dominate a witness; boxing buys nothing
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WitnessStep {
    /// An order slot, in its account's order subtree.
    Slot {
        /// The account.
        account: u32,
        /// Slot index.
        slot: u16,
        /// Slot before and after.
        before: crate::order::OrderSlot,
        /// Slot after.
        after: crate::order::OrderSlot,
        /// Path in the order subtree.
        proof: UpdateProof,
    },
    /// An account leaf in the accounts tree.
    Account {
        /// The account id.
        id: u32,
        /// Leaf before.
        before: crate::state::Account,
        /// Order-subtree root the `before` leaf hashes with.
        orders_root_before: Digest,
        /// Leaf after.
        after: crate::state::Account,
        /// Order-subtree root the `after` leaf hashes with.
        orders_root_after: Digest,
        /// Path in the accounts tree.
        proof: UpdateProof,
    },
    /// A market leaf in the markets tree.
    Market {
        /// The market id.
        id: u8,
        /// Leaf before.
        before: Market,
        /// Leaf after.
        after: Market,
        /// Path in the markets tree.
        proof: UpdateProof,
    },
}

/// The witness of one transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxWitness {
    /// State root before the transaction.
    pub root_before: Digest,
    /// State root after.
    pub root_after: Digest,
    /// Leaf updates in order: slots, then accounts, then markets.
    pub steps: Vec<WitnessStep>,
}

/// The Merkle trees of the state.
#[derive(Debug)]
pub struct StateTrees {
    accounts: SparseMerkleTree,
    markets: SparseMerkleTree,
    orders: HashMap<u32, SparseMerkleTree>,
    config_hash: Digest,
}

/// A tree of a depth the constants fix; those depths are all valid.
fn tree(depth: usize) -> SparseMerkleTree {
    SparseMerkleTree::new(depth).expect("the state's tree depths are valid")
}

fn tree_from(depth: usize, leaves: Vec<(u64, Digest)>) -> SparseMerkleTree {
    SparseMerkleTree::from_leaves(depth, leaves).expect("ids are below 2^depth by their types")
}

/// The journal flattened, each write numbered in order.
fn numbered(journal: &[TxWrites]) -> impl Iterator<Item = (usize, &LeafWrite)> {
    journal.iter().flatten().enumerate()
}

/// One account's order tree with the slot writes to apply to it: `(seq, slot, leaf)`.
type SlotWork = (u32, SparseMerkleTree, Vec<(usize, u64, Digest)>);

impl StateTrees {
    /// Builds every tree from scratch, in parallel.
    pub fn build(state: &State) -> Self {
        let mut by_account: HashMap<u32, Vec<(u64, Digest)>> = HashMap::new();
        for ((a, s), slot) in state.slots() {
            by_account.entry(a).or_default().push((u64::from(s), slot.leaf_hash()));
        }
        let orders: HashMap<u32, SparseMerkleTree> = by_account
            .into_par_iter()
            .map(|(a, leaves)| (a, tree_from(ORDER_TREE_DEPTH, leaves)))
            .collect();
        let empty_orders = tree(ORDER_TREE_DEPTH).root();
        let accounts: Vec<(u32, &crate::state::Account)> = state.accounts().collect();
        let account_leaves: Vec<(u64, Digest)> = accounts
            .par_iter()
            .map(|(id, a)| {
                let r = orders.get(id).map_or(empty_orders, SparseMerkleTree::root);
                (u64::from(*id), a.leaf_hash(&r))
            })
            .collect();
        let market_leaves: Vec<(u64, Digest)> =
            state.markets().map(|m| (u64::from(m.id), m.leaf_hash())).collect();
        Self {
            accounts: tree_from(ACCOUNT_TREE_DEPTH, account_leaves),
            markets: tree_from(MARKET_TREE_DEPTH, market_leaves),
            orders,
            config_hash: state.config().hash(),
        }
    }

    /// The state root.
    pub fn root(&self) -> Digest {
        state_root(&self.accounts.root(), &self.markets.root(), &self.config_hash)
    }

    /// Root of the accounts tree.
    pub fn accounts_root(&self) -> Digest {
        self.accounts.root()
    }

    /// Root of the markets tree.
    pub fn markets_root(&self) -> Digest {
        self.markets.root()
    }

    /// Hash of the config.
    pub fn config_hash(&self) -> Digest {
        self.config_hash
    }

    /// Root of an account's order subtree.
    pub fn orders_root(&self, account: u32) -> Digest {
        self.orders
            .get(&account)
            .map_or_else(|| tree(ORDER_TREE_DEPTH).root(), SparseMerkleTree::root)
    }

    /// Takes the order trees of the accounts with slot writes, to work on them in parallel.
    fn take_order_trees(
        &mut self,
        writes: HashMap<u32, Vec<(usize, u64, Digest)>>,
    ) -> Vec<SlotWork> {
        writes
            .into_iter()
            .map(|(a, w)| (a, self.orders.remove(&a).unwrap_or_else(|| tree(ORDER_TREE_DEPTH)), w))
            .collect()
    }

    /// Commits a batch's journal without producing paths: final values only, each tree
    /// updated once with a parallel batched update (the sequencer's path when no proof is
    /// needed yet).
    pub fn commit(&mut self, journal: &[TxWrites]) -> Digest {
        let mut slots: HashMap<u32, Vec<(usize, u64, Digest)>> = HashMap::new();
        let mut accounts: HashMap<u32, &crate::state::Account> = HashMap::new();
        let mut markets: HashMap<u8, &Market> = HashMap::new();
        for (seq, w) in numbered(journal) {
            match w {
                LeafWrite::Slot { account, slot, after, .. } => {
                    slots.entry(*account).or_default().push((
                        seq,
                        u64::from(*slot),
                        after.leaf_hash(),
                    ));
                }
                LeafWrite::Account { id, after, .. } => {
                    accounts.insert(*id, after);
                }
                LeafWrite::Market { id, after, .. } => {
                    markets.insert(*id, after);
                }
            }
        }
        let mut work = self.take_order_trees(slots);
        work.par_iter_mut().for_each(|(_, t, writes)| {
            let updates: Vec<(u64, Digest)> = writes.iter().map(|(_, i, l)| (*i, *l)).collect();
            t.batch_update(&updates).expect("slot index is a u16");
        });
        self.orders.extend(work.into_iter().map(|(a, t, _)| (a, t)));
        let leaves: Vec<(u64, Digest)> = accounts
            .par_iter()
            .map(|(id, a)| (u64::from(*id), a.leaf_hash(&self.orders_root(*id))))
            .collect();
        self.accounts.batch_update(&leaves).expect("account id is a u32");
        let leaves: Vec<(u64, Digest)> =
            markets.iter().map(|(id, m)| (u64::from(*id), m.leaf_hash())).collect();
        self.markets.batch_update(&leaves).expect("market id is a u8");
        self.root()
    }

    /// Commits a batch's journal transaction by transaction, producing the witness: every
    /// leaf before and after with its Merkle path, and the state root after each transaction.
    pub fn witness(&mut self, journal: &[TxWrites]) -> Vec<TxWitness> {
        // 1. Order subtrees are independent per account: update them in parallel, each write
        //    in journal order, remembering each write's proof and the root after it.
        let mut slot_writes: HashMap<u32, Vec<(usize, u64, Digest)>> = HashMap::new();
        for (seq, w) in numbered(journal) {
            if let LeafWrite::Slot { account, slot, after, .. } = w {
                slot_writes.entry(*account).or_default().push((
                    seq,
                    u64::from(*slot),
                    after.leaf_hash(),
                ));
            }
        }
        let empty_orders = tree(ORDER_TREE_DEPTH).root();
        let mut work = self.take_order_trees(slot_writes);
        let starts: HashMap<u32, Digest> = work.iter().map(|(a, t, _)| (*a, t.root())).collect();
        let proofs: Vec<(usize, u32, UpdateProof)> = work
            .par_iter_mut()
            .flat_map_iter(|(a, t, writes)| {
                writes
                    .iter()
                    .map(|(seq, i, l)| {
                        (*seq, *a, t.update_with_proof(*i, *l).expect("slot index is a u16"))
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        self.orders.extend(work.into_iter().map(|(a, t, _)| (a, t)));
        let mut slot_proofs: HashMap<usize, UpdateProof> = HashMap::with_capacity(proofs.len());
        let mut order_root_now: HashMap<u32, Digest> = starts.clone();

        // 2. Walk the journal in order: the order root an account leaf hashes with is the one
        //    after its last slot write so far. Collect the account and market leaf hashes
        //    and compute them in parallel.
        let mut by_seq: HashMap<usize, (u32, UpdateProof)> =
            proofs.into_iter().map(|(s, a, p)| (s, (a, p))).collect();
        let mut account_roots: HashMap<usize, (Digest, Digest)> = HashMap::new();
        let mut last_root: HashMap<u32, Digest> = HashMap::new();
        for (seq, w) in numbered(journal) {
            match w {
                LeafWrite::Slot { .. } => {
                    let (a, p) = by_seq.remove(&seq).expect("every slot write has a proof");
                    order_root_now.insert(a, p.new_root);
                    slot_proofs.insert(seq, p);
                }
                LeafWrite::Account { id, .. } => {
                    let now = order_root_now
                        .get(id)
                        .copied()
                        .unwrap_or_else(|| self.orders_root_or(*id, empty_orders));
                    // The leaf in the tree was hashed with the root of its previous write in
                    // this batch, or else with the root at the batch start.
                    let before = last_root.insert(*id, now).unwrap_or_else(|| {
                        starts
                            .get(id)
                            .copied()
                            .unwrap_or_else(|| self.orders_root_or(*id, empty_orders))
                    });
                    account_roots.insert(seq, (before, now));
                }
                LeafWrite::Market { .. } => {}
            }
        }
        let leaves: HashMap<usize, Digest> = numbered(journal)
            .collect::<Vec<_>>()
            .par_iter()
            .filter_map(|(seq, w)| match w {
                LeafWrite::Account { after, .. } => {
                    Some((*seq, after.leaf_hash(&account_roots[seq].1)))
                }
                LeafWrite::Market { after, .. } => Some((*seq, after.leaf_hash())),
                LeafWrite::Slot { .. } => None,
            })
            .collect();

        // 3. The accounts and markets trees: sequential, each path depends on the last.
        let mut out = Vec::with_capacity(journal.len());
        let mut seq = 0usize;
        for writes in journal {
            let root_before = self.root();
            let mut steps = Vec::with_capacity(writes.len());
            for w in writes {
                steps.push(match w {
                    LeafWrite::Slot { account, slot, before, after } => WitnessStep::Slot {
                        account: *account,
                        slot: *slot,
                        before: *before,
                        after: *after,
                        proof: slot_proofs.remove(&seq).expect("every slot write has a proof"),
                    },
                    LeafWrite::Account { id, before, after } => {
                        let (rb, ra) = account_roots[&seq];
                        let proof = self
                            .accounts
                            .update_with_proof(u64::from(*id), leaves[&seq])
                            .expect("account id is a u32");
                        WitnessStep::Account {
                            id: *id,
                            before: before.clone(),
                            orders_root_before: rb,
                            after: after.clone(),
                            orders_root_after: ra,
                            proof,
                        }
                    }
                    LeafWrite::Market { id, before, after } => {
                        let proof = self
                            .markets
                            .update_with_proof(u64::from(*id), leaves[&seq])
                            .expect("market id is a u8");
                        WitnessStep::Market {
                            id: *id,
                            before: before.clone(),
                            after: after.clone(),
                            proof,
                        }
                    }
                });
                seq += 1;
            }
            out.push(TxWitness { root_before, root_after: self.root(), steps });
        }
        out
    }

    fn orders_root_or(&self, account: u32, empty: Digest) -> Digest {
        self.orders.get(&account).map_or(empty, SparseMerkleTree::root)
    }
}

impl State {
    /// The state root, computed from scratch (tests and tools; the sequencer keeps
    /// [`StateTrees`] and commits incrementally).
    pub fn state_root(&self) -> Digest {
        StateTrees::build(self).root()
    }
}

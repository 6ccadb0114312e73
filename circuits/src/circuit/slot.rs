//! One transaction slot of a chunk.
//!
//! A slot carries a one-hot type selector (one boolean per constrained type, summing to 1),
//! one shared account-leaf update (old and new leaf, one Merkle path of the accounts tree)
//! and each type module's own targets. The update's old root must equal the running
//! accounts root, and its new root becomes the next one, only when the selected type writes
//! an account; the record words are the selected type's, absorbed into the public-data
//! commitment unless the slot is a Noop.

use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::PartialWitness;
use plonky2::plonk::circuit_builder::CircuitBuilder;
use serde::{Deserialize, Serialize};

use super::tx::deposit::{self, DepositTargets};
use super::witness::{set_bool, set_hash};
use super::CircuitError;
use crate::constants::{ACCOUNT_TREE_DEPTH, ORDER_TREE_DEPTH};
use crate::gadgets::range::RangeGadgets;
use crate::hash::{Digest, D, F, ZERO_DIGEST};
use crate::merkle::{EmptyHashes, MerkleProof, UpdateProof, UpdateProofTarget};
use crate::pubdata::{DepositOp, PubOp};
use crate::pubdata_commit::{PubdataGadgets, RECORD_WORDS};
use crate::state::{Account, AccountTarget};

/// The transaction types a slot can hold, in selector order.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SlotType {
    /// Padding.
    Noop = 0,
    /// L1 deposit.
    Deposit = 1,
}

/// Number of constrained types (length of the selector).
pub const NUM_TYPES: usize = 2;

/// The root of an empty order subtree: the orders root an empty account leaf stands for.
pub fn empty_orders_root() -> Digest {
    EmptyHashes::new(ORDER_TREE_DEPTH).expect("valid depth").root()
}

/// One account leaf written by a slot, natively: the account before and after with the
/// order-subtree roots its leaf hashes with, and the update proof in the accounts tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountStep {
    /// Leaf before (the default account if it did not exist).
    pub before: Account,
    /// Orders root the `before` leaf hashes with.
    pub orders_root_before: Digest,
    /// Leaf after.
    pub after: Account,
    /// Orders root the `after` leaf hashes with.
    pub orders_root_after: Digest,
    /// Path and roots in the accounts tree.
    pub proof: UpdateProof,
}

/// The witness of one slot.
#[allow(clippy::large_enum_variant)] // deposits dominate a chunk; boxing would allocate per slot
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SlotWitness {
    /// Padding.
    Noop,
    /// A deposit and the account leaf it writes.
    Deposit {
        /// The record.
        op: DepositOp,
        /// The account update.
        account: AccountStep,
    },
}

impl SlotWitness {
    /// The slot's type.
    pub const fn slot_type(&self) -> SlotType {
        match self {
            Self::Noop => SlotType::Noop,
            Self::Deposit { .. } => SlotType::Deposit,
        }
    }

    /// The public-data record of the slot.
    pub fn pub_op(&self) -> PubOp {
        match self {
            Self::Noop => PubOp::Noop,
            Self::Deposit { op, .. } => PubOp::Deposit(op.clone()),
        }
    }

    /// The account update, if the slot writes one.
    pub const fn account_step(&self) -> Option<&AccountStep> {
        match self {
            Self::Noop => None,
            Self::Deposit { account, .. } => Some(account),
        }
    }

    /// The slot of a transaction from the native spec: its public-data record and its
    /// witness ([`crate::commit::StateTrees::witness`]).
    pub fn from_native(op: &PubOp, w: &crate::commit::TxWitness) -> Result<Self, CircuitError> {
        use crate::commit::WitnessStep;
        match op {
            PubOp::Noop if w.steps.is_empty() => Ok(Self::Noop),
            PubOp::Noop => Err(CircuitError::WitnessShape("a noop writes no leaf")),
            PubOp::Deposit(d) => match w.steps.as_slice() {
                [WitnessStep::Account {
                    id,
                    before,
                    orders_root_before,
                    after,
                    orders_root_after,
                    proof,
                }] if *id == d.account_id => Ok(Self::Deposit {
                    op: d.clone(),
                    account: AccountStep {
                        before: before.clone(),
                        orders_root_before: *orders_root_before,
                        after: after.clone(),
                        orders_root_after: *orders_root_after,
                        proof: proof.clone(),
                    },
                }),
                _ => Err(CircuitError::WitnessShape("a deposit writes its account leaf only")),
            },
            other => Err(CircuitError::UnsupportedTx(other.to_bytes()[0])),
        }
    }
}

/// The shared account-leaf update of a slot.
#[derive(Clone, Debug)]
pub struct AccountUpdateTargets {
    /// Leaf before.
    pub old: AccountTarget,
    /// Leaf after.
    pub new: AccountTarget,
    /// Orders root the old leaf hashes with.
    pub orders_root_before: HashOutTarget,
    /// Orders root the new leaf hashes with.
    pub orders_root_after: HashOutTarget,
    /// Whether the old leaf is the empty leaf.
    pub old_empty: BoolTarget,
    /// The path, the leaf hashes and both roots.
    pub update: UpdateProofTarget,
}

/// The targets of one slot.
#[derive(Clone, Debug)]
pub struct SlotTargets {
    /// One-hot type selector, in [`SlotType`] order.
    pub selectors: [BoolTarget; NUM_TYPES],
    /// The account update.
    pub account: AccountUpdateTargets,
    /// The deposit module's targets.
    pub deposit: DepositTargets,
}

impl SlotTargets {
    /// Builds a slot on the running `(accounts_root, pubdata)` and returns the values after
    /// it.
    pub fn build(
        builder: &mut CircuitBuilder<F, D>,
        accounts_root: HashOutTarget,
        pubdata: HashOutTarget,
    ) -> (Self, HashOutTarget, HashOutTarget) {
        let selectors: [BoolTarget; NUM_TYPES] =
            core::array::from_fn(|_| builder.add_virtual_bool_target_safe());
        let sum = builder.add_many(selectors.iter().map(|s| s.target));
        builder.assert_one(sum);
        let sel_deposit = selectors[SlotType::Deposit as usize];

        let old = AccountTarget::new(builder);
        let new = AccountTarget::new(builder);
        let orders_root_before = builder.add_virtual_hash();
        let orders_root_after = builder.add_virtual_hash();
        let (old_leaf, old_empty) = old.leaf_hash(builder, &orders_root_before);
        let (new_leaf, _) = new.leaf_hash(builder, &orders_root_after);
        let update = UpdateProofTarget::new(builder, ACCOUNT_TREE_DEPTH, old_leaf, new_leaf);
        let account = AccountUpdateTargets {
            old,
            new,
            orders_root_before,
            orders_root_after,
            old_empty,
            update,
        };

        // The types that write an account leaf, and those that publish a record.
        let writes_account = sel_deposit;
        let publishes = sel_deposit;

        // An empty leaf stands for an empty order subtree: a new account starts with no orders.
        let empty_root = empty_orders_root();
        let new_account = builder.and(writes_account, account.old_empty);
        for (t, v) in account.orders_root_before.elements.iter().zip(empty_root.elements) {
            let c = builder.constant(v);
            builder.connect_if(new_account, *t, c);
        }
        for i in 0..4 {
            builder.connect_if(
                writes_account,
                account.update.old_root.elements[i],
                accounts_root.elements[i],
            );
        }
        let accounts_root_out = HashOutTarget {
            elements: core::array::from_fn(|i| {
                builder.select(
                    writes_account,
                    account.update.new_root.elements[i],
                    accounts_root.elements[i],
                )
            }),
        };

        let (deposit, deposit_words) = deposit::constrain(builder, sel_deposit, &account);
        // The selected type's words: Σ_t sel_t · words_t (only deposits publish so far).
        let words: [Target; RECORD_WORDS] =
            core::array::from_fn(|i| builder.mul(sel_deposit.target, deposit_words[i]));
        let pubdata_out = builder.absorb_record(publishes, pubdata, &words);

        (Self { selectors, account, deposit }, accounts_root_out, pubdata_out)
    }

    /// Assigns the slot's witness.
    pub fn set(&self, pw: &mut PartialWitness<F>, w: &SlotWitness) -> Result<(), CircuitError> {
        let ty = w.slot_type() as usize;
        for (i, s) in self.selectors.iter().enumerate() {
            set_bool(pw, *s, i == ty)?;
        }
        let a = &self.account;
        match w.account_step() {
            Some(step) => {
                a.old.set(pw, &step.before)?;
                a.new.set(pw, &step.after)?;
                set_hash(pw, a.orders_root_before, step.orders_root_before)?;
                set_hash(pw, a.orders_root_after, step.orders_root_after)?;
                a.update.set(pw, &step.proof)?;
            }
            None => {
                // An unused update: the empty leaf on an all-zero path (unconstrained).
                let empty = Account::default();
                a.old.set(pw, &empty)?;
                a.new.set(pw, &empty)?;
                set_hash(pw, a.orders_root_before, ZERO_DIGEST)?;
                set_hash(pw, a.orders_root_after, ZERO_DIGEST)?;
                let path =
                    MerkleProof { index: 0, siblings: vec![ZERO_DIGEST; ACCOUNT_TREE_DEPTH] };
                a.update.path.set(pw, &path)?;
            }
        }
        let d = match w {
            SlotWitness::Deposit { op, .. } => Some(op),
            SlotWitness::Noop => None,
        };
        self.deposit.set(pw, d)?;
        Ok(())
    }
}

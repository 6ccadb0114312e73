//! One transaction slot of a chunk.
//!
//! **Layout.** Every slot can hold any constrained type (a universal slot): a one-hot type
//! selector (one boolean per type, summing to 1), two account-leaf updates (the first for
//! the account a transaction acts on, the second for a transfer's recipient), one
//! order-slot update (a cancel's), the signer's part shared by the account-signed types
//! (one Schnorr verification, [`super::tx::signer`]), the sender's part shared by
//! withdrawals and transfers (the market reads of the sender's positions, funding
//! settlement and the margin check, [`super::tx::debit`]) and each type module's own
//! targets. The first update's old root must equal the running
//! accounts root and the second's the first's new root, and each new root replaces the
//! running one only when the selected type writes that account; the record words are the
//! selected type's, absorbed into the public-data commitment unless the slot is a Noop.
//! Rows per slot per type are in docs/circuits.md: a universal slot costs the sum of its
//! parts whatever it holds, which is the price of not fixing the mix of types per chunk.

use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::PartialWitness;
use plonky2::plonk::circuit_builder::CircuitBuilder;
use serde::{Deserialize, Serialize};

use super::reads::MarketLeaves;
use super::tx::cancel::{self, CancelTargets};
use super::tx::debit::{self, DebitTargets, DebitWitness};
use super::tx::deposit::{self, DepositTargets};
use super::tx::signer::{self, SignerTargets};
use super::tx::trade::{MarketStep, TradeWitness};
use super::tx::transfer::{self, TransferTargets};
use super::tx::withdraw::{self, WithdrawTargets};
use super::witness::{set_bool, set_hash};
use super::CircuitError;
use crate::commit::{TxWitness, WitnessStep};
use crate::constants::{ACCOUNT_TREE_DEPTH, ORDER_TREE_DEPTH};
use crate::gadgets::range::RangeGadgets;
use crate::hash::{Digest, D, F, ZERO_DIGEST};
use crate::merkle::{EmptyHashes, MerkleProof, UpdateProof, UpdateProofTarget};
use crate::order_target::{OrderSlotStep, OrderSlotUpdateTargets};
use crate::pubdata::{DepositOp, PubOp};
use crate::pubdata_commit::{PubdataGadgets, RECORD_WORDS};
use crate::risk::pending_funding;
use crate::schnorr::Signature;
use crate::state::{Account, AccountTarget};
use crate::tx::Tx;

/// The transaction types a slot can hold, in selector order.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SlotType {
    /// Padding.
    Noop = 0,
    /// L1 deposit.
    Deposit = 1,
    /// L2 withdrawal.
    Withdraw = 2,
    /// L2 transfer.
    Transfer = 3,
    /// Order cancel.
    CancelOrder = 4,
    /// Trade (in a trade chunk's slot only, [`super::tx::trade`]).
    Trade = 5,
}

/// Number of types of a universal slot (length of its selector; Trade has its own chunk).
pub const NUM_TYPES: usize = 5;

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

impl AccountStep {
    fn from_step(step: &WitnessStep, want_id: u32) -> Option<Self> {
        match step {
            WitnessStep::Account {
                id,
                before,
                orders_root_before,
                after,
                orders_root_after,
                proof,
            } if *id == want_id => Some(Self {
                before: before.clone(),
                orders_root_before: *orders_root_before,
                after: after.clone(),
                orders_root_after: *orders_root_after,
                proof: proof.clone(),
            }),
            _ => None,
        }
    }
}

/// The witness of one slot.
#[allow(clippy::large_enum_variant)] // one slot per transaction; boxing would allocate per slot
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
    /// A withdrawal.
    Withdraw {
        /// The account.
        account_id: u32,
        /// Amount, quantums.
        amount: u64,
        /// The signature.
        signature: Signature,
        /// The account update.
        account: AccountStep,
        /// Market reads and settled collateral.
        debit: DebitWitness,
    },
    /// A transfer.
    Transfer {
        /// Sender.
        from: u32,
        /// Recipient.
        to: u32,
        /// Amount, quantums.
        amount: u64,
        /// The sender's update.
        account: AccountStep,
        /// The sender's signature.
        signature: Signature,
        /// The recipient's update.
        recipient: AccountStep,
        /// The sender's market reads and settled collateral.
        debit: DebitWitness,
    },
    /// An order cancel.
    CancelOrder {
        /// The account.
        account_id: u32,
        /// Nonce of the cancelled order.
        order_nonce: u32,
        /// The signature.
        signature: Signature,
        /// The order-slot write.
        order: OrderSlotStep,
        /// The account update (nonce, orders root).
        account: AccountStep,
    },
    /// A trade (trade chunks only).
    Trade(Box<TradeWitness>),
}

/// The sender's witness: the markets of its positions, its settled collateral.
fn debit_witness(before: &Account, markets: &MarketLeaves) -> Result<DebitWitness, CircuitError> {
    let settled = i128::from(before.collateral) - pending_funding(before, markets);
    Ok(DebitWitness {
        markets: markets.reads_for(before)?,
        settled_collateral: i64::try_from(settled)
            .map_err(|_| CircuitError::WitnessShape("settled collateral out of range"))?,
    })
}

impl SlotWitness {
    /// The slot's type.
    pub const fn slot_type(&self) -> SlotType {
        match self {
            Self::Noop => SlotType::Noop,
            Self::Deposit { .. } => SlotType::Deposit,
            Self::Withdraw { .. } => SlotType::Withdraw,
            Self::Transfer { .. } => SlotType::Transfer,
            Self::CancelOrder { .. } => SlotType::CancelOrder,
            Self::Trade(_) => SlotType::Trade,
        }
    }

    /// The public-data record of the slot.
    pub fn pub_op(&self) -> PubOp {
        match self {
            Self::Noop => PubOp::Noop,
            Self::Deposit { op, .. } => PubOp::Deposit(op.clone()),
            Self::Withdraw { account_id, amount, .. } => {
                PubOp::Withdraw { account_id: *account_id, amount: *amount }
            }
            Self::Transfer { from, to, amount, .. } => {
                PubOp::Transfer { from: *from, to: *to, amount: *amount }
            }
            Self::CancelOrder { account_id, order_nonce, .. } => {
                PubOp::CancelOrder { account_id: *account_id, order_nonce: *order_nonce }
            }
            Self::Trade(t) => PubOp::Trade(t.op.clone()),
        }
    }

    /// The market write of the slot, if any (a trade's open interest).
    pub fn market_step(&self) -> Option<&MarketStep> {
        match self {
            Self::Trade(t) => Some(&t.market),
            _ => None,
        }
    }

    /// The account updates of the slot, in order (the running accounts root goes through
    /// them).
    pub fn account_steps(&self) -> Vec<&AccountStep> {
        match self {
            Self::Noop => vec![],
            Self::Deposit { account, .. }
            | Self::Withdraw { account, .. }
            | Self::CancelOrder { account, .. } => vec![account],
            Self::Transfer { account, recipient, .. } => vec![account, recipient],
            Self::Trade(t) => t.account_steps(),
        }
    }

    /// The first account update, if the slot writes one.
    pub const fn account_step(&self) -> Option<&AccountStep> {
        match self {
            Self::Noop => None,
            Self::Deposit { account, .. }
            | Self::Withdraw { account, .. }
            | Self::Transfer { account, .. }
            | Self::CancelOrder { account, .. } => Some(account),
            Self::Trade(t) => Some(&t.maker.account),
        }
    }

    /// The slot of a transaction from the native spec: its public-data record, its witness
    /// ([`crate::commit::StateTrees::witness`]), the transaction itself (for the
    /// signatures the record does not carry) and the markets tree the chunk reads.
    pub fn from_native(
        op: &PubOp,
        w: &TxWitness,
        tx: &Tx,
        markets: &MarketLeaves,
    ) -> Result<Self, CircuitError> {
        match (op, tx) {
            (PubOp::Noop, _) if w.steps.is_empty() => Ok(Self::Noop),
            (PubOp::Noop, _) => Err(CircuitError::WitnessShape("a noop writes no leaf")),
            (PubOp::Deposit(d), _) => match w.steps.as_slice() {
                [s] => Ok(Self::Deposit {
                    op: d.clone(),
                    account: AccountStep::from_step(s, d.account_id).ok_or(
                        CircuitError::WitnessShape("a deposit writes its account leaf only"),
                    )?,
                }),
                _ => Err(CircuitError::WitnessShape("a deposit writes its account leaf only")),
            },
            (PubOp::Withdraw { account_id, amount }, Tx::Withdraw(t))
                if t.account_id == *account_id && t.amount == *amount =>
            {
                let account = match w.steps.as_slice() {
                    [s] => AccountStep::from_step(s, *account_id),
                    _ => None,
                }
                .ok_or(CircuitError::WitnessShape("a withdrawal writes its account leaf only"))?;
                let debit = debit_witness(&account.before, markets)?;
                Ok(Self::Withdraw {
                    account_id: *account_id,
                    amount: *amount,
                    signature: t.signature,
                    account,
                    debit,
                })
            }
            (PubOp::Transfer { from, to, amount }, Tx::Transfer(t))
                if t.from == *from && t.to == *to && t.amount == *amount =>
            {
                let (account, recipient) = match w.steps.as_slice() {
                    [a, b] => (AccountStep::from_step(a, *from), AccountStep::from_step(b, *to)),
                    _ => (None, None),
                };
                let shape = CircuitError::WitnessShape("a transfer writes sender then recipient");
                let account = account.ok_or_else(|| shape.clone())?;
                let recipient = recipient.ok_or(shape)?;
                let debit = debit_witness(&account.before, markets)?;
                Ok(Self::Transfer {
                    from: *from,
                    to: *to,
                    amount: *amount,
                    account,
                    signature: t.signature,
                    recipient,
                    debit,
                })
            }
            (PubOp::CancelOrder { account_id, order_nonce }, Tx::CancelOrder(c))
                if c.account_id == *account_id && c.order_nonce == *order_nonce =>
            {
                let shape =
                    CircuitError::WitnessShape("a cancel writes its slot, then its account");
                let (order, account) = match w.steps.as_slice() {
                    [WitnessStep::Slot { account: a, slot, before, after, proof }, s]
                        if *a == *account_id =>
                    {
                        let order = OrderSlotStep {
                            slot: *slot,
                            before: *before,
                            after: *after,
                            proof: proof.clone(),
                        };
                        (order, AccountStep::from_step(s, *account_id).ok_or(shape)?)
                    }
                    _ => return Err(shape),
                };
                Ok(Self::CancelOrder {
                    account_id: *account_id,
                    order_nonce: *order_nonce,
                    signature: c.signature,
                    order,
                    account,
                })
            }
            (PubOp::Trade(t), _) => {
                Ok(Self::Trade(Box::new(TradeWitness::from_native(t, w, tx, markets)?)))
            }
            (PubOp::Withdraw { .. } | PubOp::Transfer { .. } | PubOp::CancelOrder { .. }, _) => {
                Err(CircuitError::WitnessShape("the record is not the transaction's"))
            }
            (other, _) => Err(CircuitError::UnsupportedTx(other.to_bytes()[0])),
        }
    }
}

/// One account-leaf update of a slot.
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

impl AccountUpdateTargets {
    /// A leaf update in the accounts tree: both leaves hashed, both roots computed.
    pub fn new(builder: &mut CircuitBuilder<F, D>) -> Self {
        let old = AccountTarget::new(builder);
        let new = AccountTarget::new(builder);
        let orders_root_before = builder.add_virtual_hash();
        let orders_root_after = builder.add_virtual_hash();
        let (old_leaf, old_empty) = old.leaf_hash(builder, &orders_root_before);
        let (new_leaf, _) = new.leaf_hash(builder, &orders_root_after);
        let update = UpdateProofTarget::new(builder, ACCOUNT_TREE_DEPTH, old_leaf, new_leaf);
        Self { old, new, orders_root_before, orders_root_after, old_empty, update }
    }

    /// Chains the update onto the running `root` when `writes` is 1 and returns the root
    /// after it (`root` itself when `writes` is 0).
    pub(crate) fn chain(
        &self,
        builder: &mut CircuitBuilder<F, D>,
        writes: BoolTarget,
        root: HashOutTarget,
    ) -> HashOutTarget {
        for i in 0..4 {
            builder.connect_if(writes, self.update.old_root.elements[i], root.elements[i]);
        }
        HashOutTarget {
            elements: core::array::from_fn(|i| {
                builder.select(writes, self.update.new_root.elements[i], root.elements[i])
            }),
        }
    }

    /// Sets the update from a native step, or an unused update (the empty leaf on an
    /// all-zero path, unconstrained) for `None`.
    pub(crate) fn set(
        &self,
        pw: &mut PartialWitness<F>,
        step: Option<&AccountStep>,
    ) -> Result<(), CircuitError> {
        match step {
            Some(step) => {
                self.old.set(pw, &step.before)?;
                self.new.set(pw, &step.after)?;
                set_hash(pw, self.orders_root_before, step.orders_root_before)?;
                set_hash(pw, self.orders_root_after, step.orders_root_after)?;
                self.update.set(pw, &step.proof)
            }
            None => {
                let empty = Account::default();
                self.old.set(pw, &empty)?;
                self.new.set(pw, &empty)?;
                set_hash(pw, self.orders_root_before, ZERO_DIGEST)?;
                set_hash(pw, self.orders_root_after, ZERO_DIGEST)?;
                let path =
                    MerkleProof { index: 0, siblings: vec![ZERO_DIGEST; ACCOUNT_TREE_DEPTH] };
                self.update.path.set(pw, &path)
            }
        }
    }
}

/// What every slot of a chunk shares: the markets root reads are checked against and the
/// deployment domain signed messages bind (both opened from the chunk's start state).
#[derive(Copy, Clone, Debug)]
pub struct SlotContext {
    /// The markets root (constant over a chunk: no constrained type writes a market).
    pub markets_root: HashOutTarget,
    /// `chain_id ‖ rollup(5 × u32)` from the config.
    pub domain: [Target; 6],
}

/// The targets of one slot.
#[derive(Clone, Debug)]
pub struct SlotTargets {
    /// One-hot type selector, in [`SlotType`] order.
    pub selectors: [BoolTarget; NUM_TYPES],
    /// The first account update (the account acted on; a transfer's sender).
    pub account: AccountUpdateTargets,
    /// The second account update (a transfer's recipient).
    pub account2: AccountUpdateTargets,
    /// The deposit module's targets.
    pub deposit: DepositTargets,
    /// The withdraw module's targets.
    pub withdraw: WithdrawTargets,
    /// The transfer module's targets.
    pub transfer: TransferTargets,
    /// The cancel module's targets.
    pub cancel: CancelTargets,
    /// The order-slot write (a cancel's).
    pub order: OrderSlotUpdateTargets,
    /// The signature shared by the account-signed types.
    pub signer: SignerTargets,
    /// The sender's targets shared by withdrawals and transfers.
    pub debit: DebitTargets,
}

impl SlotTargets {
    /// Builds a slot on the running `(accounts_root, pubdata)` and returns the values after
    /// it.
    pub fn build(
        builder: &mut CircuitBuilder<F, D>,
        ctx: &SlotContext,
        accounts_root: HashOutTarget,
        pubdata: HashOutTarget,
    ) -> (Self, HashOutTarget, HashOutTarget) {
        let selectors: [BoolTarget; NUM_TYPES] =
            core::array::from_fn(|_| builder.add_virtual_bool_target_safe());
        let sum = builder.add_many(selectors.iter().map(|s| s.target));
        builder.assert_one(sum);
        let sel_deposit = selectors[SlotType::Deposit as usize];
        let sel_withdraw = selectors[SlotType::Withdraw as usize];
        let sel_transfer = selectors[SlotType::Transfer as usize];
        let sel_cancel = selectors[SlotType::CancelOrder as usize];

        let account = AccountUpdateTargets::new(builder);
        let account2 = AccountUpdateTargets::new(builder);
        let order = OrderSlotUpdateTargets::new(builder);

        // The types that write a first account leaf (all but Noop, which is also the set
        // that publishes a record), those that write a second, and the debiting ones.
        // Soundness: a sum of distinct one-hot selectors is boolean.
        let writes_account = BoolTarget::new_unsafe(builder.add_many([
            sel_deposit.target,
            sel_withdraw.target,
            sel_transfer.target,
            sel_cancel.target,
        ]));
        let writes_account2 = sel_transfer;
        let debits = BoolTarget::new_unsafe(builder.add(sel_withdraw.target, sel_transfer.target));
        let signed = BoolTarget::new_unsafe(builder.add(debits.target, sel_cancel.target));
        let publishes = writes_account;

        // An empty leaf stands for an empty order subtree: a new account starts with no orders.
        let empty_root = empty_orders_root();
        let new_account = builder.and(writes_account, account.old_empty);
        for (t, v) in account.orders_root_before.elements.iter().zip(empty_root.elements) {
            let c = builder.constant(v);
            builder.connect_if(new_account, *t, c);
        }
        let mid = account.chain(builder, writes_account, accounts_root);
        let accounts_root_out = account2.chain(builder, writes_account2, mid);

        let (deposit, deposit_words) = deposit::constrain(builder, sel_deposit, &account);
        let (withdraw, w) = withdraw::constrain(builder, sel_withdraw, &account, &ctx.domain);
        let (transfer, t) =
            transfer::constrain(builder, sel_transfer, &account, &account2, &ctx.domain);

        let (cancel, cancel_words, cancel_msg) =
            cancel::constrain(builder, sel_cancel, &account, &order, &ctx.domain);

        // The selected type's amount, message and words: Σ_t sel_t · x_t.
        let amount = {
            let a = builder.mul(sel_withdraw.target, w.amount);
            builder.mul_add(sel_transfer.target, t.amount, a)
        };
        let msg = HashOutTarget {
            elements: core::array::from_fn(|i| {
                let a = builder.mul(sel_withdraw.target, w.msg.elements[i]);
                let a = builder.mul_add(sel_transfer.target, t.msg.elements[i], a);
                builder.mul_add(sel_cancel.target, cancel_msg.elements[i], a)
            }),
        };
        let signer = signer::constrain(builder, signed, &account, msg);
        let debit = debit::constrain(builder, debits, &account, amount, ctx.markets_root);

        let words: [Target; RECORD_WORDS] = core::array::from_fn(|i| {
            let d = builder.mul(sel_deposit.target, deposit_words[i]);
            let d = builder.mul_add(sel_withdraw.target, w.words[i], d);
            let d = builder.mul_add(sel_transfer.target, t.words[i], d);
            builder.mul_add(sel_cancel.target, cancel_words[i], d)
        });
        let pubdata_out = builder.absorb_record(publishes, pubdata, &words);

        let slot = Self {
            selectors,
            account,
            account2,
            deposit,
            withdraw,
            transfer,
            cancel,
            order,
            signer,
            debit,
        };
        (slot, accounts_root_out, pubdata_out)
    }

    /// Assigns the slot's witness.
    pub fn set(&self, pw: &mut PartialWitness<F>, w: &SlotWitness) -> Result<(), CircuitError> {
        if matches!(w, SlotWitness::Trade(_)) {
            return Err(CircuitError::WrongChunk);
        }
        let ty = w.slot_type() as usize;
        for (i, s) in self.selectors.iter().enumerate() {
            set_bool(pw, *s, i == ty)?;
        }
        let steps = w.account_steps();
        self.account.set(pw, steps.first().copied())?;
        self.account2.set(pw, steps.get(1).copied())?;
        let (mut d, mut wd, mut tr, mut c) = (None, None, None, None);
        let (mut sig, mut debit, mut order) = (None, None, None);
        match w {
            SlotWitness::Noop => {}
            SlotWitness::Deposit { op, .. } => d = Some(op),
            SlotWitness::Withdraw { account_id, amount, signature, debit: db, .. } => {
                wd = Some((*account_id, *amount));
                sig = Some(signature);
                debit = Some(db);
            }
            SlotWitness::Transfer { from, to, amount, signature, debit: db, .. } => {
                tr = Some((*from, *to, *amount));
                sig = Some(signature);
                debit = Some(db);
            }
            SlotWitness::CancelOrder { account_id, order_nonce, signature, order: o, .. } => {
                c = Some((*account_id, *order_nonce));
                sig = Some(signature);
                order = Some(o);
            }
            SlotWitness::Trade(_) => return Err(CircuitError::WrongChunk),
        }
        self.deposit.set(pw, d)?;
        self.withdraw.set(pw, wd)?;
        self.transfer.set(pw, tr)?;
        self.cancel.set(pw, c)?;
        self.order.set(pw, order)?;
        self.signer.set(pw, sig)?;
        self.debit.set(pw, debit)
    }
}

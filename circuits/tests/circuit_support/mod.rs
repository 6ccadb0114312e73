//! Shared fixture of the circuit tests: a genesis state, deposit batches built through the
//! native spec (apply → journal → `StateTrees::witness`), and tampering helpers that keep a
//! witness internally consistent (leaf hashes and roots recomputed) so that exactly one
//! rule is broken.

#![allow(dead_code, unreachable_pub)] // each test binary uses its own part

use alloy_primitives::Address;
use proofbook_circuits::aggregate::BatchWitness;
use proofbook_circuits::circuit::slot::{AccountStep, SlotWitness};
use proofbook_circuits::circuit::StateRoots;
use proofbook_circuits::commit::StateTrees;
use proofbook_circuits::pubdata::DepositOp;
use proofbook_circuits::state::{Config, Genesis, Market, State};
use proofbook_circuits::tx::{apply, Tx};

pub const T0: u64 = 1_767_225_600;
pub const BATCH: u64 = 7;

pub fn genesis_state() -> State {
    let genesis = Genesis {
        config: Config {
            oracle_pubkey: [0; 5],
            max_fee_ppm: 1_000,
            funding_cap_ppm_per_hour: 1_000,
            liquidation_fee_cap_ppm: 20_000,
            chain_id: 31_337,
            rollup: Address::repeat_byte(0x70),
        },
        markets: vec![Market::perp(1, 1)],
        timestamp: T0,
        insurance_owner: Address::repeat_byte(0x99),
    };
    State::genesis(&genesis).unwrap()
}

pub fn deposit(account_id: u32, owner: u8, key: u64, amount: u64) -> DepositOp {
    DepositOp {
        account_id,
        l1_address: Address::repeat_byte(owner),
        pubkey: [key, key + 1, key + 2, key + 3, key + 4],
        amount,
    }
}

/// Applies `txs` natively to `state` (whose journal must be empty) and returns the batch
/// witness the native spec produces (the batch time is `T0 + 60` or the state's time if
/// later).
pub fn batch(state: &mut State, txs: &[Tx]) -> BatchWitness {
    let mut trees = StateTrees::build(state);
    let start = StateRoots {
        accounts_root: trees.accounts_root(),
        markets_root: trees.markets_root(),
        config_hash: trees.config_hash(),
    };
    let markets: Vec<Market> = state.markets().cloned().collect();
    let timestamp = state.now().max(T0 + 60);
    state.begin_batch(timestamp).unwrap();
    let ops: Vec<_> = txs
        .iter()
        .map(|tx| apply(state, tx).unwrap_or_else(|e| panic!("{tx:?} rejected: {e}")).op)
        .collect();
    let journal = state.take_journal();
    let witnesses = trees.witness(&journal);
    assert_eq!(trees.root(), state.state_root());
    BatchWitness {
        batch_number: BATCH,
        timestamp,
        start,
        config: state.config().clone(),
        markets,
        txs: ops.into_iter().zip(witnesses).collect(),
        sources: txs.to_vec(),
    }
}

/// Recomputes an account step's leaf hashes and new root from its (tampered) values.
pub fn reseal(step: &mut AccountStep) {
    step.proof.old_leaf = step.before.leaf_hash(&step.orders_root_before);
    step.proof.new_leaf = step.after.leaf_hash(&step.orders_root_after);
    step.proof.old_root = step.proof.path.compute_root(step.proof.old_leaf);
    step.proof.new_root = step.proof.path.compute_root(step.proof.new_leaf);
}

/// The deposit of a slot, mutably.
pub fn deposit_mut(slot: &mut SlotWitness) -> (&mut DepositOp, &mut AccountStep) {
    match slot {
        SlotWitness::Deposit { op, account } => (op, account),
        other => panic!("not a deposit: {other:?}"),
    }
}

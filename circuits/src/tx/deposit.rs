//! `Deposit`: credits collateral from the L1 priority queue; creates the account (key and L1
//! owner) if it is new. An existing account must be owned by the depositor; its key, once
//! set, never changes.

use crate::constants::MAX_COLLATERAL;
use crate::error::TxError;
use crate::pubdata::{DepositOp, PubOp};
use crate::state::Overlay;
use plonky2::field::types::Field64;

/// A deposit: the L1 priority-queue entry and the account the operator credits.
pub type Deposit = DepositOp;

pub(super) fn apply(ov: &mut Overlay<'_>, d: &Deposit) -> Result<PubOp, TxError> {
    execute(ov, d)?;
    Ok(PubOp::Deposit(d.clone()))
}

pub(super) fn execute(ov: &mut Overlay<'_>, d: &DepositOp) -> Result<(), TxError> {
    if d.amount == 0 {
        return Err(TxError::ZeroAmount);
    }
    if d.pubkey.iter().any(|&l| l >= crate::hash::F::ORDER) {
        return Err(TxError::OutOfBounds("pubkey limb"));
    }
    let a = ov.account_or_new(d.account_id);
    if a.is_empty() {
        a.l1_address = d.l1_address;
    } else if a.l1_address != d.l1_address {
        return Err(TxError::AccountOwnerMismatch(d.account_id));
    }
    if !a.has_key() {
        a.pubkey = d.pubkey;
    }
    let c = i128::from(a.collateral) + i128::from(d.amount);
    if c > i128::from(MAX_COLLATERAL) {
        return Err(TxError::OutOfBounds("collateral"));
    }
    a.collateral = c as i64;
    Ok(())
}

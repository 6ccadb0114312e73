//! Every transaction type of DESIGN.md §4, one module each, and the state transition.
//!
//! Applying a transaction has two stages:
//! - [`precheck`] does the stateless, expensive part — order hashes and every signature
//!   present — against a read-only state. The sequencer runs it in parallel, at admission.
//! - [`apply_checked`] does everything else on the sequential hot path: slots, limits,
//!   nonces, funding, fills, margin. It hashes nothing.
//!
//! [`apply`] runs both. Each module writes a transaction's effect once, as the execution of
//! its public-data record ([`PubOp`]): `apply` validates, builds the record, executes it on a
//! scratch copy ([`crate::state::Overlay`]), checks the post-conditions and only then commits;
//! [`replay`] executes a record read back from L1 (the exit tool's path). Every rejection
//! therefore leaves the state unchanged.

mod cancel;
mod deposit;
mod fill;
mod forced_withdrawal;
mod funding_tick;
mod liquidate;
mod oracle;
mod settle;
mod trade;
mod transfer;
mod verified;
mod withdraw;

use alloy_primitives::Address;
use serde::{Deserialize, Serialize};

pub use cancel::{CancelOrder, CANCEL_KIND};
pub use deposit::Deposit;
pub use forced_withdrawal::ForcedWithdrawal;
pub use funding_tick::FundingTick;
pub use liquidate::Liquidate;
pub use oracle::OraclePrices;
pub use settle::SettleOption;
pub use trade::Trade;
pub use transfer::{Transfer, TRANSFER_KIND};
pub use verified::VerifiedOrder;
pub use withdraw::{Withdraw, WITHDRAW_KIND};

use crate::error::{Party, TxError};
use crate::hash::{fe, hash_tagged, tag, Digest, F, ZERO_DIGEST};
use crate::pubdata::PubOp;
use crate::schnorr::{PublicKey, Signature};
use crate::state::{Config, Overlay, State};

/// A transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Tx {
    /// L1 deposit.
    Deposit(Deposit),
    /// L1 forced withdrawal.
    ForcedWithdrawal(ForcedWithdrawal),
    /// L2 withdrawal.
    Withdraw(Withdraw),
    /// L2 transfer.
    Transfer(Transfer),
    /// Trade between a maker and a taker order.
    Trade(Trade),
    /// Order cancel.
    CancelOrder(CancelOrder),
    /// Oracle prices.
    OraclePrices(OraclePrices),
    /// Funding tick.
    FundingTick(FundingTick),
    /// Liquidation.
    Liquidate(Liquidate),
    /// Option settlement.
    SettleOption(SettleOption),
    /// Padding.
    Noop,
}

/// An L1 payout queued by a withdrawal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payout {
    /// Recipient: the account's L1 address.
    pub l1_address: Address,
    /// Amount, quantums.
    pub amount: u64,
}

/// What applying a transaction produced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The public-data record.
    pub op: PubOp,
    /// The L1 payout, for withdrawals and honoured forced withdrawals.
    pub payout: Option<Payout>,
}

/// A transaction whose signatures verified. Only [`precheck`] makes one.
#[derive(Clone, Debug)]
pub struct CheckedTx {
    tx: Tx,
    /// Order hashes (trade: maker, taker; liquidation: the liquidator's order).
    hashes: [Digest; 2],
    /// The key each present signature verified under (all zero if none was present).
    keys: [[u64; 5]; 2],
}

impl CheckedTx {
    /// The transaction.
    pub const fn tx(&self) -> &Tx {
        &self.tx
    }
}

/// Verifies `sig` over `msg` under the encoded key `pubkey`.
pub(crate) fn sig_ok(pubkey: &[u64; 5], msg: &Digest, sig: &Signature) -> bool {
    let elems: [F; 5] = pubkey.map(fe);
    PublicKey::from_elements(elems)
        .is_ok_and(|pk| crate::schnorr::verify(&pk, &msg.elements, sig).is_ok())
}

/// The message an account signs for an account-level transaction:
/// `H(L2_TX, domain(6) ‖ kind ‖ fields)`.
pub fn l2_message(config: &Config, kind: u8, fields: &[u64]) -> Digest {
    let mut e: Vec<F> = config.domain().to_vec();
    e.push(fe(u64::from(kind)));
    e.extend(fields.iter().map(|&x| fe(x)));
    hash_tagged(tag::L2_TX, &e)
}

/// The bounds every field must meet before it is hashed: a hashed value must be a canonical
/// field element below its protocol bound, or two different values (`x` and `x + p`) would
/// share a signature.
fn check_bounds(tx: &Tx) -> Result<(), TxError> {
    use crate::constants::{MAX_COLLATERAL, MAX_FUNDING_INDEX, MAX_TIMESTAMP};
    let order_ok = check_order_bounds;
    let amount_ok = |a: u64| {
        if a > MAX_COLLATERAL as u64 {
            Err(TxError::OutOfBounds("amount"))
        } else {
            Ok(())
        }
    };
    match tx {
        Tx::Trade(t) => {
            order_ok(&t.maker.order)?;
            order_ok(&t.taker.order)
        }
        Tx::Liquidate(l) => l.liquidator.as_ref().map_or(Ok(()), |so| order_ok(&so.order)),
        Tx::Withdraw(w) => amount_ok(w.amount),
        Tx::Transfer(t) => amount_ok(t.amount),
        Tx::OraclePrices(o) if o.timestamp > MAX_TIMESTAMP => {
            Err(TxError::OutOfBounds("timestamp"))
        }
        Tx::FundingTick(f) if f.timestamp > MAX_TIMESTAMP => Err(TxError::OutOfBounds("timestamp")),
        Tx::FundingTick(f) if f.new_index.unsigned_abs() > MAX_FUNDING_INDEX as u64 => {
            Err(TxError::OutOfBounds("funding index"))
        }
        _ => Ok(()),
    }
}

/// The bounds an order's fields must meet before the order is hashed.
fn check_order_bounds(o: &crate::order::Order) -> Result<(), TxError> {
    use crate::constants::{MAX_SIZE, MAX_TIMESTAMP, PPM};
    if o.size == 0 || o.size > MAX_SIZE {
        return Err(TxError::OutOfBounds("order size"));
    }
    if o.expiry > MAX_TIMESTAMP {
        return Err(TxError::OutOfBounds("order expiry"));
    }
    if u64::from(o.max_fee_ppm) > PPM {
        return Err(TxError::OutOfBounds("order fee cap"));
    }
    Ok(())
}

/// Stage 1: bounds, hashes and signatures (stateless but for reading public keys).
pub fn precheck(state: &State, tx: Tx) -> Result<CheckedTx, TxError> {
    check_bounds(&tx)?;
    let mut hashes = [ZERO_DIGEST; 2];
    let mut keys = [[0u64; 5]; 2];
    let config = state.config();
    let key_of = |id: u32| state.account(id).map_or([0; 5], |a| a.pubkey);
    match &tx {
        Tx::Trade(t) => {
            for (i, (so, party)) in
                [(&t.maker, Party::Maker), (&t.taker, Party::Taker)].into_iter().enumerate()
            {
                hashes[i] = so.order.hash(config);
                if let Some(sig) = &so.signature {
                    let k = key_of(so.order.account_id);
                    if !sig_ok(&k, &hashes[i], sig) {
                        return Err(TxError::BadSignature(party));
                    }
                    keys[i] = k;
                }
            }
        }
        Tx::Liquidate(l) => {
            if let Some(so) = &l.liquidator {
                hashes[0] = so.order.hash(config);
                if let Some(sig) = &so.signature {
                    let k = key_of(so.order.account_id);
                    if !sig_ok(&k, &hashes[0], sig) {
                        return Err(TxError::BadSignature(Party::Liquidator));
                    }
                    keys[0] = k;
                }
            }
        }
        Tx::Withdraw(w) => {
            keys[0] = key_of(w.account_id);
            if !sig_ok(&keys[0], &w.message(config), &w.signature) {
                return Err(TxError::BadSignature(Party::Signer));
            }
        }
        Tx::Transfer(t) => {
            keys[0] = key_of(t.from);
            if !sig_ok(&keys[0], &t.message(config), &t.signature) {
                return Err(TxError::BadSignature(Party::Signer));
            }
        }
        Tx::CancelOrder(c) => {
            keys[0] = key_of(c.account_id);
            if !sig_ok(&keys[0], &c.message(config), &c.signature) {
                return Err(TxError::BadSignature(Party::Signer));
            }
        }
        Tx::OraclePrices(o) => {
            if !sig_ok(&config.oracle_pubkey, &o.message(config), &o.signature) {
                return Err(TxError::BadSignature(Party::Oracle));
            }
        }
        Tx::Deposit(_)
        | Tx::ForcedWithdrawal(_)
        | Tx::FundingTick(_)
        | Tx::SettleOption(_)
        | Tx::Noop => {}
    }
    Ok(CheckedTx { tx, hashes, keys })
}

/// Stage 2: the state transition of a prechecked transaction. On error nothing changes.
pub fn apply_checked(state: &mut State, checked: &CheckedTx) -> Result<Receipt, TxError> {
    let mut ov = Overlay::new(state);
    let (op, payout) = match &checked.tx {
        Tx::Deposit(d) => (deposit::apply(&mut ov, d)?, None),
        Tx::ForcedWithdrawal(f) => forced_withdrawal::apply(&mut ov, f)?,
        Tx::Withdraw(w) => withdraw::apply(&mut ov, w, &checked.keys[0])?,
        Tx::Transfer(t) => (transfer::apply(&mut ov, t, &checked.keys[0])?, None),
        Tx::Trade(t) => (trade::apply(&mut ov, t, &checked.hashes, &checked.keys)?, None),
        Tx::CancelOrder(c) => (cancel::apply(&mut ov, c, &checked.keys[0])?, None),
        Tx::OraclePrices(o) => (oracle::apply(&mut ov, o)?, None),
        Tx::FundingTick(f) => (funding_tick::apply(&mut ov, f)?, None),
        Tx::Liquidate(l) => {
            (liquidate::apply(&mut ov, l, &checked.hashes[0], &checked.keys[0])?, None)
        }
        Tx::SettleOption(s) => (settle::apply(&mut ov, s)?, None),
        Tx::Noop => (PubOp::Noop, None),
    };
    let writes = ov.into_writes();
    state.commit(writes);
    Ok(Receipt { op, payout })
}

/// Applies a transaction: [`precheck`] then [`apply_checked`].
pub fn apply(state: &mut State, tx: &Tx) -> Result<Receipt, TxError> {
    let checked = precheck(state, tx.clone())?;
    apply_checked(state, &checked)
}

/// Executes a public-data record read back from L1, without signatures: the effect of the
/// transaction it records. Used to rebuild the state from L1 data alone.
pub fn replay(state: &mut State, op: &PubOp) -> Result<Option<Payout>, TxError> {
    let mut ov = Overlay::new(state);
    let payout = match op {
        PubOp::Noop => None,
        PubOp::Deposit(d) => {
            deposit::execute(&mut ov, d)?;
            None
        }
        PubOp::ForcedWithdrawal(f) => forced_withdrawal::execute(&mut ov, f)?,
        PubOp::Withdraw { account_id, amount } => {
            Some(withdraw::execute(&mut ov, *account_id, *amount)?)
        }
        PubOp::Transfer { from, to, amount } => {
            transfer::execute(&mut ov, *from, *to, *amount)?;
            None
        }
        PubOp::Trade(t) => {
            trade::execute(&mut ov, t)?;
            None
        }
        PubOp::CancelOrder { account_id, order_nonce } => {
            cancel::execute(&mut ov, *account_id, *order_nonce, None)?;
            None
        }
        PubOp::OraclePrices { timestamp, entries } => {
            oracle::execute(&mut ov, *timestamp, entries)?;
            None
        }
        PubOp::FundingTick { market_id, timestamp, new_index } => {
            funding_tick::execute(&mut ov, *market_id, *timestamp, *new_index)?;
            None
        }
        PubOp::Liquidate(l) => {
            liquidate::execute(&mut ov, l)?;
            None
        }
        PubOp::SettleOption { account_id, market_id } => {
            settle::execute(&mut ov, *account_id, *market_id)?;
            None
        }
    };
    let writes = ov.into_writes();
    state.commit(writes);
    Ok(payout)
}

/// Checks an account-level transaction's nonce and that its signature verified under the
/// account's current key.
pub(crate) fn check_signer(
    ov: &Overlay<'_>,
    account_id: u32,
    nonce: u32,
    verified_key: &[u64; 5],
) -> Result<(), TxError> {
    let a = ov.account(account_id)?;
    if !a.has_key() {
        return Err(TxError::NoKey(account_id));
    }
    if a.pubkey != *verified_key {
        return Err(TxError::BadSignature(Party::Signer));
    }
    if a.nonce != nonce {
        return Err(TxError::WrongNonce { expected: a.nonce, got: nonce });
    }
    Ok(())
}

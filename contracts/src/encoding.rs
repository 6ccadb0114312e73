//! What crosses the L1 boundary, derived from the spec types of `proofbook-circuits`: batch
//! headers and stored batches, the statement digest (the proof's public input), and state
//! leaves and Merkle paths in the form `Rollup.exit` takes (docs/contracts.md).

use alloy::primitives::{keccak256, Address, B256, U256};
use ark_bn254::Fr;
use proofbook_circuits::hash::{digest_to_bytes, Digest};
use proofbook_circuits::merkle::MerkleProof;
use proofbook_circuits::pubdata::{decode_batch, ForcedWithdrawalStatus, PubOp, PubdataError};
use proofbook_circuits::state::{Account, Market};

use crate::bindings::Rollup;

/// Why a stored batch could not be derived from public data.
#[derive(Debug, thiserror::Error)]
pub enum EncodingError {
    /// The public data does not decode.
    #[error("public data: {0}")]
    PublicData(#[from] PubdataError),
    /// A withdrawal from an account whose L1 owner is unknown.
    #[error("no L1 owner known for account {0}")]
    UnknownOwner(u32),
}

/// A digest in the contract's `bytes32` form (`digest_to_bytes`: element i as 8 bytes
/// little-endian at bytes 8i..8i+8).
pub fn digest_b256(d: &Digest) -> B256 {
    B256::from(digest_to_bytes(d))
}

/// The siblings of a Merkle path, leaf level first, as `bytes32`.
pub fn siblings(proof: &MerkleProof) -> Vec<B256> {
    proof.siblings.iter().map(digest_b256).collect()
}

/// The batch statement digest (`Rollup.statementDigest`): keccak256 of
/// `old_root ‖ new_root ‖ public_data_hash ‖ batch_number (u64 BE) ‖ timestamp (u64 BE)`
/// with its top three bits cleared, so it is a BN254 scalar.
pub fn statement_digest(
    old_root: B256,
    new_root: B256,
    public_data_hash: B256,
    batch_number: u64,
    timestamp: u64,
) -> U256 {
    let mut pre = Vec::with_capacity(112);
    pre.extend_from_slice(old_root.as_slice());
    pre.extend_from_slice(new_root.as_slice());
    pre.extend_from_slice(public_data_hash.as_slice());
    pre.extend_from_slice(&batch_number.to_be_bytes());
    pre.extend_from_slice(&timestamp.to_be_bytes());
    let h = U256::from_be_bytes(keccak256(&pre).0);
    h & ((U256::from(1) << 253) - U256::from(1))
}

/// [`statement_digest`] of a stored batch.
pub fn batch_statement(b: &Rollup::StoredBatch) -> U256 {
    statement_digest(b.oldStateRoot, b.newStateRoot, b.publicDataHash, b.batchNumber, b.timestamp)
}

/// A digest as the BN254 scalar the verifier takes.
pub fn digest_scalar(d: U256) -> Fr {
    crate::groth16::scalar_from_be(&d.to_be_bytes::<32>())
}

/// The stored batch `Rollup.commitBatch` derives from `header` and `public_data`, given the
/// queue index of the batch's first priority request and the L1 owners of accounts as the
/// contract knows them (`accountOwner`, extended by the deposits of this batch).
pub fn stored_batch(
    header: &Rollup::BatchHeader,
    public_data: &[u8],
    first_priority_op: u64,
    owner: impl Fn(u32) -> Option<Address>,
) -> Result<Rollup::StoredBatch, EncodingError> {
    let ops = decode_batch(public_data)?;
    let mut count = 0u64;
    let mut deposits = 0u128;
    let mut withdrawals = Vec::new();
    let mut new_owners: std::collections::HashMap<u32, Address> = std::collections::HashMap::new();
    for op in &ops {
        match op {
            PubOp::Deposit(d) => {
                count += 1;
                deposits += u128::from(d.amount);
                if owner(d.account_id).is_none() {
                    new_owners.entry(d.account_id).or_insert(d.l1_address);
                }
            }
            PubOp::ForcedWithdrawal(f) => {
                count += 1;
                if f.status == ForcedWithdrawalStatus::Honoured {
                    withdrawals.extend_from_slice(f.l1_address.as_slice());
                    withdrawals.extend_from_slice(&f.amount.to_be_bytes());
                }
            }
            PubOp::Withdraw { account_id, amount } => {
                let to = owner(*account_id)
                    .or_else(|| new_owners.get(account_id).copied())
                    .ok_or(EncodingError::UnknownOwner(*account_id))?;
                withdrawals.extend_from_slice(to.as_slice());
                withdrawals.extend_from_slice(&amount.to_be_bytes());
            }
            _ => {}
        }
    }
    Ok(Rollup::StoredBatch {
        batchNumber: header.batchNumber,
        timestamp: header.timestamp,
        oldStateRoot: header.oldStateRoot,
        newStateRoot: header.newStateRoot,
        publicDataHash: keccak256(public_data),
        firstPriorityOp: first_priority_op,
        priorityOpCount: count,
        depositTotal: deposits,
        withdrawals: withdrawals.into(),
    })
}

/// The stored batch `Rollup.commitBatchBlobs` derives: as [`stored_batch`] over the calldata
/// `l1_records`, with the blob batch's public-data hash
/// ([`crate::blob::blob_da_hash`]) in place of `keccak256(public data)`.
pub fn stored_blob_batch(
    header: &Rollup::BatchHeader,
    l1_records: &[u8],
    pubdata_commitment: B256,
    openings: &[crate::blob::BlobOpening],
    first_priority_op: u64,
    owner: impl Fn(u32) -> Option<Address>,
) -> Result<Rollup::StoredBatch, EncodingError> {
    let mut b = stored_batch(header, l1_records, first_priority_op, owner)?;
    b.publicDataHash = crate::blob::blob_da_hash(l1_records, pubdata_commitment, openings);
    Ok(b)
}

/// An account leaf in `Rollup.AccountLeaf` form.
pub fn account_leaf(id: u32, a: &Account, orders_root: &Digest) -> Rollup::AccountLeaf {
    Rollup::AccountLeaf {
        accountId: id,
        pubkey: a.pubkey,
        l1Address: a.l1_address,
        collateral: a.collateral,
        nonce: a.nonce,
        positions: a.positions.map(|p| Rollup::Position {
            marketId: p.market_id,
            size: p.size,
            fundingSnapshot: p.funding_snapshot,
        }),
        ordersRoot: digest_b256(orders_root),
    }
}

/// A market leaf in `Rollup.MarketLeaf` form.
pub fn market_leaf(m: &Market) -> Rollup::MarketLeaf {
    Rollup::MarketLeaf {
        id: m.id,
        kind: m.kind as u8,
        underlying: m.underlying,
        strike: m.strike,
        expiry: m.expiry,
        lotSize: m.lot_size,
        tickSize: m.tick_size,
        imfPpm: m.imf_ppm,
        mmfPpm: m.mmf_ppm,
        imFloorPpm: m.im_floor_ppm,
        markPrice: m.mark_price,
        indexPrice: m.index_price,
        oracleTime: m.oracle_time,
        fundingIndex: m.funding_index,
        fundingTime: m.funding_time,
        settlementPrice: m.settlement_price,
        openInterest: m.open_interest,
    }
}

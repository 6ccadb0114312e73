//! EIP-4844 data availability for a batch's public data (docs/contracts.md, "Blob batches").
//!
//! A blob batch posts its public data (docs/pubdata.md, the same bytes a calldata batch
//! carries) in blobs instead of calldata: byte `31·j + k` of the data is byte `k + 1` of field
//! element `j` (the first byte of every 32-byte element is zero, so each element is below the
//! BLS12-381 scalar modulus), blob after blob, the tail zero. `Rollup.commitBatchBlobs` then
//! holds, per blob, only its versioned hash (the `BLOBHASH` opcode) and checks a KZG opening
//! of the blob polynomial at the challenge point
//!
//! ```text
//! z = keccak256(versioned_hash ‖ pubdata_commitment) mod r_BLS
//! ```
//!
//! with the point-evaluation precompile (0x0a). `pubdata_commitment` is the circuits' running
//! Poseidon commitment over the same public data (`proofbook_circuits::pubdata_commit`), so z
//! is fixed only after both the blob and the proven public data are: the wrapper circuit
//! proves `p(z) = y` for the polynomial whose evaluations are its public data, and
//! Schwartz–Zippel makes that equality at a random point an equality of the data (the
//! technique EIP-4844 names "point evaluation" for ZK rollups). The statement's public-data
//! field is then [`blob_da_hash`] instead of `keccak256(public data)`.

use alloy::primitives::{keccak256, Bytes, B256, U256};
use alloy_eips::eip4844::{
    env_settings::EnvKzgSettings, kzg_to_versioned_hash, Blob, BlobTransactionSidecar,
    BYTES_PER_BLOB, FIELD_ELEMENTS_PER_BLOB,
};
use proofbook_circuits::pubdata::PubOp;

use crate::bindings::Rollup;

/// Data bytes one blob carries: 4096 field elements of 31 bytes.
pub const BLOB_DATA_BYTES: usize = FIELD_ELEMENTS_PER_BLOB as usize * 31;

/// Most blobs one batch may use (`Rollup.MAX_BLOBS_PER_BATCH`; the per-transaction limit of
/// EIP-7594 on Osaka, and below Prague's per-block maximum of 9).
pub const MAX_BLOBS_PER_BATCH: usize = 6;

/// First byte of the preimage of [`blob_da_hash`]. It is not a public-data record type
/// (`Rollup` reverts on it as the first byte of calldata public data), so the public-data
/// hash of a blob batch can never equal `keccak256` of a calldata batch's public data.
pub const BLOB_DA_TAG: u8 = 0xb1;

/// The BLS12-381 scalar field modulus r (EIP-4844's `BLS_MODULUS`).
pub const BLS_MODULUS: U256 = U256::from_be_bytes([
    0x73, 0xed, 0xa7, 0x53, 0x29, 0x9d, 0x7d, 0x48, 0x33, 0x39, 0xd8, 0x08, 0x09, 0xa1, 0xd8, 0x05,
    0x53, 0xbd, 0xa4, 0x02, 0xff, 0xfe, 0x5b, 0xfe, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01,
]);

/// Why public data could not be put into blobs.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// More public data than [`MAX_BLOBS_PER_BATCH`] blobs hold.
    #[error("public data of {len} bytes exceeds {max} bytes ({MAX_BLOBS_PER_BATCH} blobs)")]
    TooLarge {
        /// Bytes of public data.
        len: usize,
        /// Bytes the blobs of one batch hold.
        max: usize,
    },
    /// The KZG library refused a blob or point (never for blobs built here).
    #[error("KZG: {0}")]
    Kzg(String),
}

/// One blob of a batch with its commitment, and its opening at the batch's challenge point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobOpening {
    /// The blob (131,072 bytes).
    pub blob: Box<[u8; BYTES_PER_BLOB]>,
    /// KZG commitment to the blob polynomial (48-byte compressed G1 point).
    pub commitment: [u8; 48],
    /// `0x01 ‖ sha256(commitment)[1..]`, what `BLOBHASH` returns for it.
    pub versioned_hash: B256,
    /// The challenge point z (big-endian, below r).
    pub z: B256,
    /// The blob polynomial at z (big-endian, below r).
    pub y: B256,
    /// KZG proof of `p(z) = y` (48-byte compressed G1 point).
    pub proof: [u8; 48],
}

/// The public data cut into blobs (at least one, so a batch always opens one).
pub fn blobs_of(public_data: &[u8]) -> Result<Vec<Box<[u8; BYTES_PER_BLOB]>>, BlobError> {
    let max = MAX_BLOBS_PER_BATCH * BLOB_DATA_BYTES;
    if public_data.len() > max {
        return Err(BlobError::TooLarge { len: public_data.len(), max });
    }
    let count = public_data.len().div_ceil(BLOB_DATA_BYTES).max(1);
    let mut blobs = Vec::with_capacity(count);
    for data in (0..count).map(|i| {
        let end = ((i + 1) * BLOB_DATA_BYTES).min(public_data.len());
        &public_data[(i * BLOB_DATA_BYTES).min(end)..end]
    }) {
        let mut blob: Box<[u8; BYTES_PER_BLOB]> =
            vec![0u8; BYTES_PER_BLOB].into_boxed_slice().try_into().expect("BYTES_PER_BLOB bytes");
        for (j, chunk) in data.chunks(31).enumerate() {
            blob[32 * j + 1..32 * j + 1 + chunk.len()].copy_from_slice(chunk);
        }
        blobs.push(blob);
    }
    Ok(blobs)
}

/// The public data a blob carries (the inverse of [`blobs_of`] for one blob, zero tail kept).
pub fn blob_data(blob: &[u8; BYTES_PER_BLOB]) -> Vec<u8> {
    blob.chunks(32).flat_map(|e| e[1..].iter().copied()).collect()
}

/// The challenge point of a blob: `keccak256(versioned_hash ‖ pubdata_commitment) mod r`
/// (`Rollup._blobChallenge`).
pub fn blob_challenge(versioned_hash: B256, pubdata_commitment: B256) -> B256 {
    let mut pre = [0u8; 64];
    pre[..32].copy_from_slice(versioned_hash.as_slice());
    pre[32..].copy_from_slice(pubdata_commitment.as_slice());
    let h = U256::from_be_bytes(keccak256(pre).0);
    B256::from((h % BLS_MODULUS).to_be_bytes::<32>())
}

/// The blobs of `public_data`, each committed and opened at its challenge point for the
/// circuits' commitment `pubdata_commitment` to the same data.
pub fn open_blobs(
    public_data: &[u8],
    pubdata_commitment: B256,
) -> Result<Vec<BlobOpening>, BlobError> {
    let kzg = EnvKzgSettings::Default;
    let settings = kzg.get();
    let err = |e: alloy_eips::eip4844::c_kzg::Error| BlobError::Kzg(e.to_string());
    blobs_of(public_data)?
        .into_iter()
        .map(|blob| {
            let ckzg_blob = alloy_eips::eip4844::c_kzg::Blob::new(*blob);
            let commitment = settings.blob_to_kzg_commitment(&ckzg_blob).map_err(err)?;
            let commitment: [u8; 48] = commitment.to_bytes().into_inner();
            let versioned_hash = kzg_to_versioned_hash(&commitment);
            let z = blob_challenge(versioned_hash, pubdata_commitment);
            let (proof, y) = settings
                .compute_kzg_proof(&ckzg_blob, &alloy_eips::eip4844::c_kzg::Bytes32::new(z.0))
                .map_err(err)?;
            Ok(BlobOpening {
                blob,
                commitment,
                versioned_hash,
                z,
                y: B256::from(*y),
                proof: proof.to_bytes().into_inner(),
            })
        })
        .collect()
}

/// The public-data field of a blob batch's statement (`Rollup.commitBatchBlobs`):
///
/// ```text
/// keccak256(0xb1 ‖ keccak256(l1_records) ‖ pubdata_commitment ‖ (versioned_hash_i ‖ y_i) for each blob)
/// ```
///
/// `l1_records` are the batch's Deposit, ForcedWithdrawal and Withdraw records in order (the
/// contract needs them in calldata to match the priority queue and credit withdrawals).
pub fn blob_da_hash(l1_records: &[u8], pubdata_commitment: B256, openings: &[BlobOpening]) -> B256 {
    let mut pre = Vec::with_capacity(65 + 64 * openings.len());
    pre.push(BLOB_DA_TAG);
    pre.extend_from_slice(keccak256(l1_records).as_slice());
    pre.extend_from_slice(pubdata_commitment.as_slice());
    for o in openings {
        pre.extend_from_slice(o.versioned_hash.as_slice());
        pre.extend_from_slice(o.y.as_slice());
    }
    keccak256(pre)
}

impl BlobOpening {
    /// The opening as `Rollup.commitBatchBlobs` takes it.
    pub fn to_sol(&self) -> Rollup::BlobOpening {
        Rollup::BlobOpening {
            y: self.y,
            commitment: Bytes::copy_from_slice(&self.commitment),
            proof: Bytes::copy_from_slice(&self.proof),
        }
    }
}

/// The batch's L1 records (Deposit, ForcedWithdrawal, Withdraw), in order: the calldata
/// `l1Records` of `Rollup.commitBatchBlobs`.
pub fn l1_records(ops: &[PubOp]) -> Vec<u8> {
    let mut out = Vec::new();
    for op in ops {
        if matches!(op, PubOp::Deposit(_) | PubOp::ForcedWithdrawal(_) | PubOp::Withdraw { .. }) {
            op.encode(&mut out);
        }
    }
    out
}

/// The EIP-4844 transaction sidecar carrying the blobs (with the blob proofs the network
/// checks; the point openings above are what the contract checks).
pub fn sidecar(openings: &[BlobOpening]) -> Result<BlobTransactionSidecar, BlobError> {
    let blobs = openings.iter().map(|o| Blob::from(*o.blob)).collect();
    BlobTransactionSidecar::try_from_blobs_with_settings(blobs, EnvKzgSettings::Default.get())
        .map_err(|e| BlobError::Kzg(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bls_modulus_is_eip4844s() {
        let r = U256::from_str_radix(
            "52435875175126190479447740508185965837690552500527637822603658699938581184513",
            10,
        )
        .unwrap();
        assert_eq!(BLS_MODULUS, r);
    }

    #[test]
    fn blob_layout_round_trips_and_splits() {
        let data: Vec<u8> = (0..BLOB_DATA_BYTES + 100).map(|i| (i % 251) as u8 + 1).collect();
        let blobs = blobs_of(&data).unwrap();
        assert_eq!(blobs.len(), 2);
        for b in &blobs {
            assert!(b.chunks(32).all(|e| e[0] == 0), "top byte of every element is zero");
        }
        let mut back = blob_data(&blobs[0]);
        back.extend(blob_data(&blobs[1]));
        assert_eq!(&back[..data.len()], &data[..]);
        assert!(back[data.len()..].iter().all(|&x| x == 0));
        assert_eq!(blobs_of(&[]).unwrap().len(), 1);
        let too_big = vec![1u8; MAX_BLOBS_PER_BATCH * BLOB_DATA_BYTES + 1];
        assert!(matches!(blobs_of(&too_big), Err(BlobError::TooLarge { .. })));
    }

    #[test]
    fn openings_verify_and_bind_the_commitment() {
        let data: Vec<u8> = (0..3000u32).map(|i| (i * 7 % 256) as u8).collect();
        let c = B256::repeat_byte(0x42);
        let openings = open_blobs(&data, c).unwrap();
        assert_eq!(openings.len(), 1);
        let o = &openings[0];
        assert_eq!(o.versioned_hash[0], 0x01);
        assert_eq!(o.z, blob_challenge(o.versioned_hash, c));
        let settings = EnvKzgSettings::Default;
        let ok = settings
            .get()
            .verify_kzg_proof(
                &alloy_eips::eip4844::c_kzg::Bytes48::new(o.commitment),
                &alloy_eips::eip4844::c_kzg::Bytes32::new(o.z.0),
                &alloy_eips::eip4844::c_kzg::Bytes32::new(o.y.0),
                &alloy_eips::eip4844::c_kzg::Bytes48::new(o.proof),
            )
            .unwrap();
        assert!(ok);
        // Another commitment to the proven data moves z, so the same y no longer opens.
        let other = open_blobs(&data, B256::repeat_byte(0x43)).unwrap();
        assert_ne!(other[0].z, o.z);
        assert_ne!(other[0].y, o.y);
        assert_ne!(
            blob_da_hash(&[], c, &openings),
            blob_da_hash(&[3], c, &openings),
            "the L1 records are bound"
        );
    }
}

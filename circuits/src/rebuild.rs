//! Rebuilding the state from public data alone: what anyone can do with nothing but L1
//! calldata, and what the exit tool relies on when the operator is gone.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::error::TxError;
use crate::pubdata::{decode_batch, PubdataError};
use crate::state::{Genesis, State};
use crate::tx::replay;

/// One batch as L1 stores it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchData {
    /// Batch timestamp.
    pub timestamp: u64,
    /// Concatenated public-data records.
    #[serde(with = "hex_bytes")]
    pub pubdata: Vec<u8>,
}

mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("0x{}", hex::encode(b)))
    }
    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        hex::decode(s.trim_start_matches("0x")).map_err(serde::de::Error::custom)
    }
}

/// Why public data could not be replayed.
#[derive(Debug, Error)]
pub enum RebuildError {
    /// A record is malformed.
    #[error("batch {batch}: {source}")]
    Decode {
        /// Batch number.
        batch: usize,
        /// The decoding error.
        source: PubdataError,
    },
    /// A record does not apply to the state it follows (impossible for proven batches).
    #[error("batch {batch}, record {record}: {source}")]
    Replay {
        /// Batch number.
        batch: usize,
        /// Record index within the batch.
        record: usize,
        /// Why it does not apply.
        source: TxError,
    },
    /// The genesis is invalid.
    #[error("genesis: {0}")]
    Genesis(#[from] crate::state::GenesisError),
    /// Batch timestamps go backwards.
    #[error("batch {0}: timestamp goes backwards")]
    Time(usize),
}

/// The state after batches `0..n`, from genesis and their public data alone.
pub fn rebuild_state(genesis: &Genesis, batches: &[BatchData]) -> Result<State, RebuildError> {
    let mut state = State::genesis(genesis)?;
    for (b, batch) in batches.iter().enumerate() {
        state.begin_batch(batch.timestamp).map_err(|_| RebuildError::Time(b))?;
        let ops = decode_batch(&batch.pubdata)
            .map_err(|source| RebuildError::Decode { batch: b, source })?;
        for (i, op) in ops.iter().enumerate() {
            replay(&mut state, op).map_err(|source| RebuildError::Replay {
                batch: b,
                record: i,
                source,
            })?;
        }
        // The journal is for the sequencer's commitment; a rebuild computes the root once.
        state.take_journal();
    }
    Ok(state)
}

//! The chunk circuit: `K` transaction slots that take the state from `old_state_root` to
//! `new_state_root` and extend the public-data commitment, proven per chunk and aggregated
//! by [`crate::aggregate`].
//!
//! - [`chunk`]: the circuit, its public inputs and its witness (built from the native
//!   spec's [`crate::commit::TxWitness`] and the transaction's public-data record).
//! - [`slot`]: one slot: the one-hot type selector, the shared account-leaf update and the
//!   public-data record, with every tx-type module's assertions gated by its selector.
//! - [`tx`]: one module per transaction type.
//! - [`reads`]: market leaves read under the markets root (funding and margin).
//!
//! Tests tell "a constraint is unsatisfied" from any other failure with
//! [`crate::circuit_test_util::prove_outcome`].

pub mod chunk;
pub mod reads;
pub mod slot;
pub mod tx;
pub mod witness;

use plonky2::plonk::config::PoseidonGoldilocksConfig;

pub use chunk::{ChunkCircuit, ChunkPublicInputs, ChunkWitness, StateRoots};

/// The plonky2 configuration of every proof in the crate: Poseidon over Goldilocks.
pub type C = PoseidonGoldilocksConfig;

/// A failure to build a witness, prove or verify.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CircuitError {
    /// A witness value could not be assigned (a target set twice, a non-canonical value).
    #[error("witness: {0}")]
    Witness(String),
    /// A Merkle path of the wrong depth.
    #[error("Merkle path of depth {got}, the circuit expects {want}")]
    PathDepth {
        /// The path's depth.
        got: usize,
        /// The circuit's.
        want: usize,
    },
    /// The chunk circuit does not constrain this transaction type yet.
    #[error("transaction type {0:#04x} is not constrained by the chunk circuit yet")]
    UnsupportedTx(u8),
    /// A slot of one chunk circuit's types given to the other (a Trade to a universal
    /// chunk, another type to a trade chunk).
    #[error("a slot of the wrong chunk circuit")]
    WrongChunk,
    /// A trade with account 0 (the insurance and fee account) as maker or taker: the
    /// native rules allow it once account 0 has a key, the trade circuit refuses it (the
    /// fee credit would be a second write of the same leaf).
    #[error("a trade with the insurance account as a party is not constrained")]
    InsuranceTrade,
    /// The native witness does not have the shape its transaction type implies.
    #[error("native witness does not match its transaction: {0}")]
    WitnessShape(&'static str),
    /// More transactions than slots.
    #[error("{got} transactions for a chunk of {k} slots")]
    TooManyTxs {
        /// Transactions given.
        got: usize,
        /// Slots.
        k: usize,
    },
    /// A batch with no transactions.
    #[error("a batch needs at least one transaction")]
    EmptyBatch,
    /// The prover failed (including because a constraint is unsatisfied).
    #[error("prove: {0}")]
    Prove(String),
    /// A proof did not verify.
    #[error("verify: {0}")]
    Verify(String),
    /// A proof's public inputs differ from the claimed statement.
    #[error("the proof's statement differs from the claimed one: {0}")]
    StatementMismatch(&'static str),
}

//! Recursive aggregation: a batch of any number of chunks becomes one proof of
//! `(old_state_root, new_state_root, public_data_commitment, batch_number, timestamp)`.
//!
//! **Shape.** The chunk proofs are the leaves of a full binary tree: the number of chunks is
//! padded to a power of two with all-Noop chunks (which prove `R → R` and leave the
//! commitment unchanged). The aggregation circuit of level `l ≥ 1` verifies two proofs of
//! level `l − 1` (level 0 = the chunk circuit), whose verifier key is a constant of the
//! circuit, and checks that they chain:
//!
//! - `left.new_root = right.old_root` and `left.pubdata_out = right.pubdata_in` (so the
//!   commitments are combined in order: the running hash continues across the seam);
//! - the same batch number and timestamp;
//!
//! and exposes `(left.old_root, right.new_root, left.pubdata_in, right.pubdata_out, batch,
//! timestamp)`, the chunk circuit's public-input layout, so every level has the same
//! statement. All levels have the same gates (two recursive verifiers and the chaining); they
//! differ only in the constant inner verifier key, so a batch proof names its level and the
//! verifier checks it against that level's key. The proofs of a level are independent and
//! proven in parallel (rayon).

use std::sync::{Arc, Mutex};

use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::{CircuitData, CommonCircuitData, VerifierOnlyCircuitData};
use plonky2::plonk::proof::{ProofWithPublicInputs, ProofWithPublicInputsTarget};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::circuit::chunk::PublicInputTargets;
use crate::circuit::reads::MarketLeaves;
use crate::circuit::slot::SlotWitness;
use crate::circuit::{ChunkCircuit, ChunkPublicInputs, ChunkWitness, CircuitError, StateRoots, C};
use crate::commit::TxWitness;
use crate::config::NamedConfig;
use crate::hash::{Digest, D, F, ZERO_DIGEST};
use crate::pubdata::PubOp;
use crate::pubdata_commit::pubdata_commitment;
use crate::state::{Config, Market};
use crate::tx::Tx;

/// A proof of the crate's configuration.
pub type Proof = ProofWithPublicInputs<F, C, D>;

/// What a batch proof proves (DESIGN.md §7).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchStatement {
    /// State root before the batch.
    pub old_state_root: Digest,
    /// State root after.
    pub new_state_root: Digest,
    /// [`pubdata_commitment`] of the batch's records.
    pub pubdata_commitment: Digest,
    /// Batch number.
    pub batch_number: u64,
    /// Batch timestamp.
    pub timestamp: u64,
}

/// The witness of a batch, from the native spec: the roots before it and, per transaction,
/// its public-data record and its [`TxWitness`] ([`crate::commit::StateTrees::witness`]).
#[derive(Clone, Debug)]
pub struct BatchWitness {
    /// Batch number.
    pub batch_number: u64,
    /// Batch timestamp.
    pub timestamp: u64,
    /// The state roots before the batch ([`crate::commit::StateTrees`] accessors).
    pub start: StateRoots,
    /// The config (the preimage of `start.config_hash`).
    pub config: Config,
    /// The market leaves at the batch start (the circuit reads them; no constrained type
    /// writes one).
    pub markets: Vec<Market>,
    /// The transactions, in order.
    pub txs: Vec<(PubOp, TxWitness)>,
    /// The transactions the records come from, in the same order: the signatures the
    /// records do not carry.
    pub sources: Vec<Tx>,
}

impl BatchWitness {
    /// The statement, natively: roots and the commitment of the records.
    pub fn statement(&self) -> Result<BatchStatement, CircuitError> {
        let old = self.start.state_root();
        let new = self.txs.last().map_or(old, |(_, w)| w.root_after);
        if let Some((_, w)) = self.txs.first() {
            if w.root_before != old {
                return Err(CircuitError::WitnessShape("first transaction not at the start root"));
            }
        }
        let ops: Vec<PubOp> = self.txs.iter().map(|(op, _)| op.clone()).collect();
        Ok(BatchStatement {
            old_state_root: old,
            new_state_root: new,
            pubdata_commitment: pubdata_commitment(&ops),
            batch_number: self.batch_number,
            timestamp: self.timestamp,
        })
    }

    /// Cuts the batch into chunks of `k` slots, padded with all-Noop chunks to a power of
    /// two; each chunk starts where the previous one ended.
    pub fn chunks(&self, k: usize) -> Result<Vec<ChunkWitness>, CircuitError> {
        if self.txs.is_empty() {
            return Err(CircuitError::EmptyBatch);
        }
        if self.sources.len() != self.txs.len() {
            return Err(CircuitError::WitnessShape("one source transaction per record"));
        }
        let markets = MarketLeaves::new(&self.markets);
        if markets.root() != self.start.markets_root {
            return Err(CircuitError::WitnessShape("markets do not hash to the markets root"));
        }
        let slots: Vec<SlotWitness> = self
            .txs
            .iter()
            .zip(&self.sources)
            .map(|((op, w), tx)| SlotWitness::from_native(op, w, tx, &markets))
            .collect::<Result<_, _>>()?;
        let n = slots.len().div_ceil(k).next_power_of_two();
        let mut out = Vec::with_capacity(n);
        let mut start = self.start;
        let mut pubdata = ZERO_DIGEST;
        let mut rest = slots.as_slice();
        for _ in 0..n {
            let (now, later) = rest.split_at(rest.len().min(k));
            rest = later;
            let chunk = ChunkWitness {
                start,
                pubdata_in: pubdata,
                batch_number: self.batch_number,
                timestamp: self.timestamp,
                config: self.config.clone(),
                slots: now.to_vec(),
            };
            let (pis, end) = chunk.run()?;
            start = end;
            pubdata = pis.pubdata_out;
            out.push(chunk);
        }
        Ok(out)
    }
}

/// A batch proof: the root of the aggregation tree and its level (0 = a single chunk).
#[derive(Clone, Debug)]
pub struct BatchProof {
    /// Aggregation level of the proof: `log2(number of chunks, padded)`.
    pub level: usize,
    /// The proof.
    pub proof: Proof,
}

/// The aggregation circuit of one level.
pub struct AggregationCircuit {
    /// The plonky2 circuit.
    pub data: CircuitData<F, C, D>,
    /// Gates before padding.
    pub num_gates: usize,
    level: usize,
    left: ProofWithPublicInputsTarget<D>,
    right: ProofWithPublicInputsTarget<D>,
}

impl std::fmt::Debug for AggregationCircuit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AggregationCircuit")
            .field("level", &self.level)
            .field("num_gates", &self.num_gates)
            .finish()
    }
}

impl AggregationCircuit {
    /// The circuit of `level` verifying two proofs of the circuit `(inner_common, inner_vk)`.
    pub fn build(
        config: NamedConfig,
        level: usize,
        inner_common: &CommonCircuitData<F, D>,
        inner_vk: &VerifierOnlyCircuitData<C, D>,
    ) -> Self {
        let mut b = CircuitBuilder::<F, D>::new(config.circuit_config());
        let vk = b.constant_verifier_data(inner_vk);
        let left = b.add_virtual_proof_with_pis(inner_common);
        let right = b.add_virtual_proof_with_pis(inner_common);
        b.verify_proof::<C>(&left, &vk, inner_common);
        b.verify_proof::<C>(&right, &vk, inner_common);
        let l = PublicInputTargets::from_slice(&left.public_inputs);
        let r = PublicInputTargets::from_slice(&right.public_inputs);
        b.connect_hashes(l.new_root, r.old_root);
        b.connect_hashes(l.pubdata_out, r.pubdata_in);
        b.connect(l.batch_number, r.batch_number);
        b.connect(l.timestamp, r.timestamp);
        PublicInputTargets {
            old_root: l.old_root,
            new_root: r.new_root,
            pubdata_in: l.pubdata_in,
            pubdata_out: r.pubdata_out,
            batch_number: l.batch_number,
            timestamp: l.timestamp,
        }
        .register(&mut b);
        let num_gates = b.num_gates();
        let data = b.build::<C>();
        Self { data, num_gates, level, left, right }
    }

    /// The level of this circuit.
    pub const fn level(&self) -> usize {
        self.level
    }

    /// The witness: the two inner proofs.
    pub fn witness(&self, left: &Proof, right: &Proof) -> Result<PartialWitness<F>, CircuitError> {
        let mut pw = PartialWitness::new();
        set_proof(&mut pw, &self.left, left)?;
        set_proof(&mut pw, &self.right, right)?;
        Ok(pw)
    }

    /// Proves that `left` and `right` chain.
    pub fn prove(&self, left: &Proof, right: &Proof) -> Result<Proof, CircuitError> {
        let pw = self.witness(left, right)?;
        let _span = tracing::info_span!("aggregate", level = self.level).entered();
        self.data.prove(pw).map_err(|e| CircuitError::Prove(format!("{e:#}")))
    }
}

/// The chunk circuit and the aggregation circuits of every level, built once per config
/// (the aggregation levels lazily), and the batch API the prover crate calls.
pub struct BatchProver {
    config: NamedConfig,
    chunk: ChunkCircuit,
    levels: Mutex<Vec<Arc<AggregationCircuit>>>,
}

impl std::fmt::Debug for BatchProver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchProver")
            .field("config", &self.config)
            .field("chunk", &self.chunk)
            .finish()
    }
}

impl BatchProver {
    /// Builds the chunk circuit of `k` slots for `config`.
    pub fn new(config: NamedConfig, k: usize) -> Self {
        Self { config, chunk: ChunkCircuit::build(config, k), levels: Mutex::new(Vec::new()) }
    }

    /// The chunk circuit.
    pub const fn chunk_circuit(&self) -> &ChunkCircuit {
        &self.chunk
    }

    /// The aggregation circuit of `level ≥ 1` (built on first use, with the levels below).
    pub fn aggregation_circuit(&self, level: usize) -> Arc<AggregationCircuit> {
        assert!(level >= 1, "level 0 is the chunk circuit");
        let mut levels = self.levels.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        while levels.len() < level {
            let l = levels.len() + 1;
            let next = match levels.last() {
                None => AggregationCircuit::build(
                    self.config,
                    l,
                    &self.chunk.data.common,
                    &self.chunk.data.verifier_only,
                ),
                Some(prev) => AggregationCircuit::build(
                    self.config,
                    l,
                    &prev.data.common,
                    &prev.data.verifier_only,
                ),
            };
            levels.push(Arc::new(next));
        }
        Arc::clone(&levels[level - 1])
    }

    /// Proves every chunk, in parallel.
    pub fn prove_chunks(&self, chunks: &[ChunkWitness]) -> Result<Vec<Proof>, CircuitError> {
        chunks.par_iter().map(|c| self.chunk.prove(c)).collect()
    }

    /// Aggregates the proofs of level `level − 1` pairwise into level `level`, in parallel.
    pub fn aggregate_level(
        &self,
        level: usize,
        proofs: &[Proof],
    ) -> Result<Vec<Proof>, CircuitError> {
        if !proofs.len().is_multiple_of(2) {
            return Err(CircuitError::Prove(format!("{} proofs do not pair up", proofs.len())));
        }
        let circuit = self.aggregation_circuit(level);
        proofs.par_chunks(2).map(|p| circuit.prove(&p[0], &p[1])).collect()
    }

    /// Proves a batch: its chunks, then the aggregation tree level by level.
    pub fn prove_batch(&self, witness: &BatchWitness) -> Result<BatchProof, CircuitError> {
        let _span = tracing::info_span!("prove_batch", txs = witness.txs.len()).entered();
        let chunks = witness.chunks(self.chunk.num_slots())?;
        let mut proofs = self.prove_chunks(&chunks)?;
        let mut level = 0;
        while proofs.len() > 1 {
            level += 1;
            proofs = self.aggregate_level(level, &proofs)?;
        }
        let proof = proofs.pop().ok_or(CircuitError::EmptyBatch)?;
        Ok(BatchProof { level, proof })
    }

    /// Verifies a batch proof against the circuit of its level and checks that it proves
    /// `statement` (with the commitment starting from the zero digest).
    pub fn verify_batch(
        &self,
        proof: &BatchProof,
        statement: &BatchStatement,
    ) -> Result<(), CircuitError> {
        let verify = |data: &CircuitData<F, C, D>| {
            data.verify(proof.proof.clone()).map_err(|e| CircuitError::Verify(format!("{e:#}")))
        };
        if proof.level == 0 {
            verify(&self.chunk.data)?;
        } else {
            verify(&self.aggregation_circuit(proof.level).data)?;
        }
        let pis = ChunkPublicInputs::from_fields(&proof.proof.public_inputs)
            .ok_or(CircuitError::StatementMismatch("public-input count"))?;
        let checks = [
            (pis.old_root == statement.old_state_root, "old state root"),
            (pis.new_root == statement.new_state_root, "new state root"),
            (pis.pubdata_in == ZERO_DIGEST, "commitment start"),
            (pis.pubdata_out == statement.pubdata_commitment, "public-data commitment"),
            (pis.batch_number == statement.batch_number, "batch number"),
            (pis.timestamp == statement.timestamp, "timestamp"),
        ];
        match checks.iter().find(|(ok, _)| !ok) {
            Some((_, what)) => Err(CircuitError::StatementMismatch(what)),
            None => Ok(()),
        }
    }
}

/// Sets a proof target.
pub fn set_proof(
    pw: &mut PartialWitness<F>,
    t: &ProofWithPublicInputsTarget<D>,
    p: &Proof,
) -> Result<(), CircuitError> {
    pw.set_proof_with_pis_target(t, p).map_err(|e| CircuitError::Witness(e.to_string()))
}

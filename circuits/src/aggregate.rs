//! Recursive aggregation: a batch of any number of chunks becomes one proof of
//! `(old_state_root, new_state_root, public_data_commitment, batch_number, timestamp)`.
//!
//! **Shape.** The chunk proofs are the leaves of a full binary tree: the number of chunks is
//! padded to a power of two with all-Noop chunks (which prove `R → R` and leave the
//! commitment unchanged). Level 0 has two chunk circuits, the universal one and the trade
//! one ([`crate::circuit::chunk::ChunkKind`]), padded to one shape (the same
//! `CommonCircuitData`: gates and degree). The aggregation circuit of level `l ≥ 1`
//! verifies two proofs of level `l − 1`, whose verifier key is a constant of the circuit
//! (at level 1, one of the two chunk circuits' keys, chosen per inner proof by a private bit
//! that selects between the two constants), and checks that they chain:
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

use plonky2::iop::target::BoolTarget;
use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::{
    CircuitData, CommonCircuitData, VerifierCircuitTarget, VerifierOnlyCircuitData,
};
use plonky2::plonk::proof::{ProofWithPublicInputs, ProofWithPublicInputsTarget};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::circuit::chunk::ChunkKind;
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
    /// The market leaves at the batch start (the circuits read them; trades write their
    /// market's open interest, which the chunking follows).
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

    /// Cuts the batch into chunks, keeping transaction order: runs of trades into trade
    /// chunks of `k_trade` slots, runs of the other types into universal chunks of `k`
    /// slots (a Noop joins the run it is in), padded with all-Noop universal chunks to a
    /// power of two; each chunk starts where the previous one ended.
    pub fn chunks(&self, k: usize, k_trade: usize) -> Result<Vec<ChunkWitness>, CircuitError> {
        if self.txs.is_empty() {
            return Err(CircuitError::EmptyBatch);
        }
        if self.sources.len() != self.txs.len() {
            return Err(CircuitError::WitnessShape("one source transaction per record"));
        }
        let mut markets = MarketLeaves::new(&self.markets);
        if markets.root() != self.start.markets_root {
            return Err(CircuitError::WitnessShape("markets do not hash to the markets root"));
        }
        // Each slot reads the markets as the transactions before it left them.
        let mut runs: Vec<(ChunkKind, Vec<SlotWitness>)> = Vec::new();
        for ((op, w), tx) in self.txs.iter().zip(&self.sources) {
            let slot = SlotWitness::from_native(op, w, tx, &markets)?;
            if let Some(m) = slot.market_step() {
                markets.write(&m.after)?;
            }
            let kind = match (&slot, runs.last()) {
                (SlotWitness::Trade(_), _) => ChunkKind::Trade,
                (SlotWitness::Noop, Some((kind, _))) => *kind,
                _ => ChunkKind::Universal,
            };
            let cap = match kind {
                ChunkKind::Universal => k,
                ChunkKind::Trade => k_trade,
            };
            match runs.last_mut() {
                Some((last, v)) if *last == kind && v.len() < cap => v.push(slot),
                _ => runs.push((kind, vec![slot])),
            }
        }
        let n = runs.len().next_power_of_two();
        runs.resize_with(n, || (ChunkKind::Universal, Vec::new()));
        let mut out = Vec::with_capacity(n);
        let mut start = self.start;
        let mut pubdata = ZERO_DIGEST;
        for (_, slots) in runs {
            let chunk = ChunkWitness {
                start,
                pubdata_in: pubdata,
                batch_number: self.batch_number,
                timestamp: self.timestamp,
                config: self.config.clone(),
                slots,
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
    /// Per inner proof, which inner key verifies it (level 1 only: 1 = the trade chunk's).
    choice: Option<[BoolTarget; 2]>,
}

/// `cond ? a : b`, element by element, for two verifier keys of the same cap height.
fn select_verifier(
    b: &mut CircuitBuilder<F, D>,
    cond: BoolTarget,
    x: &VerifierCircuitTarget,
    y: &VerifierCircuitTarget,
) -> VerifierCircuitTarget {
    let sel = |b: &mut CircuitBuilder<F, D>,
               p: &plonky2::hash::hash_types::HashOutTarget,
               q: &plonky2::hash::hash_types::HashOutTarget| {
        plonky2::hash::hash_types::HashOutTarget {
            elements: core::array::from_fn(|i| b.select(cond, p.elements[i], q.elements[i])),
        }
    };
    let cap = x
        .constants_sigmas_cap
        .0
        .iter()
        .zip(&y.constants_sigmas_cap.0)
        .map(|(p, q)| sel(b, p, q))
        .collect();
    VerifierCircuitTarget {
        constants_sigmas_cap: plonky2::hash::hash_types::MerkleCapTarget(cap),
        circuit_digest: sel(b, &x.circuit_digest, &y.circuit_digest),
    }
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
        Self::build_keys(config, level, inner_common, &[inner_vk])
    }

    /// The circuit of `level` verifying two proofs each of one of the circuits sharing
    /// `inner_common` whose keys are `inner_vks` (one key, or two: the universal and the
    /// trade chunk circuits at level 1). With two keys, a private bit per inner proof
    /// selects its key among the two constants, so only those two circuits' proofs verify.
    pub fn build_keys(
        config: NamedConfig,
        level: usize,
        inner_common: &CommonCircuitData<F, D>,
        inner_vks: &[&VerifierOnlyCircuitData<C, D>],
    ) -> Self {
        assert!(matches!(inner_vks.len(), 1 | 2), "one or two inner keys");
        let mut b = CircuitBuilder::<F, D>::new(config.circuit_config());
        let keys: Vec<VerifierCircuitTarget> =
            inner_vks.iter().map(|vk| b.constant_verifier_data(vk)).collect();
        let left = b.add_virtual_proof_with_pis(inner_common);
        let right = b.add_virtual_proof_with_pis(inner_common);
        let choice = if keys.len() == 2 {
            let c = [b.add_virtual_bool_target_safe(), b.add_virtual_bool_target_safe()];
            let lk = select_verifier(&mut b, c[0], &keys[1], &keys[0]);
            let rk = select_verifier(&mut b, c[1], &keys[1], &keys[0]);
            b.verify_proof::<C>(&left, &lk, inner_common);
            b.verify_proof::<C>(&right, &rk, inner_common);
            Some(c)
        } else {
            b.verify_proof::<C>(&left, &keys[0], inner_common);
            b.verify_proof::<C>(&right, &keys[0], inner_common);
            None
        };
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
        Self { data, num_gates, level, left, right, choice }
    }

    /// The level of this circuit.
    pub const fn level(&self) -> usize {
        self.level
    }

    /// The witness: the two inner proofs (at level 1, both universal chunk proofs).
    pub fn witness(&self, left: &Proof, right: &Proof) -> Result<PartialWitness<F>, CircuitError> {
        self.witness_keyed(left, ChunkKind::Universal, right, ChunkKind::Universal)
    }

    /// The witness: the two inner proofs and, at level 1, the chunk circuit of each.
    pub fn witness_keyed(
        &self,
        left: &Proof,
        left_kind: ChunkKind,
        right: &Proof,
        right_kind: ChunkKind,
    ) -> Result<PartialWitness<F>, CircuitError> {
        let mut pw = PartialWitness::new();
        set_proof(&mut pw, &self.left, left)?;
        set_proof(&mut pw, &self.right, right)?;
        if let Some([l, r]) = self.choice {
            for (t, k) in [(l, left_kind), (r, right_kind)] {
                pw.set_bool_target(t, k == ChunkKind::Trade)
                    .map_err(|e| CircuitError::Witness(e.to_string()))?;
            }
        }
        Ok(pw)
    }

    /// Proves that `left` and `right` chain.
    pub fn prove(&self, left: &Proof, right: &Proof) -> Result<Proof, CircuitError> {
        self.prove_keyed(left, ChunkKind::Universal, right, ChunkKind::Universal)
    }

    /// Proves that `left` and `right` (of the given chunk circuits at level 1) chain.
    pub fn prove_keyed(
        &self,
        left: &Proof,
        left_kind: ChunkKind,
        right: &Proof,
        right_kind: ChunkKind,
    ) -> Result<Proof, CircuitError> {
        let pw = self.witness_keyed(left, left_kind, right, right_kind)?;
        let _span = tracing::info_span!("aggregate", level = self.level).entered();
        self.data.prove(pw).map_err(|e| CircuitError::Prove(format!("{e:#}")))
    }
}

/// The chunk circuit and the aggregation circuits of every level, built once per config
/// (the aggregation levels lazily), and the batch API the prover crate calls.
pub struct BatchProver {
    config: NamedConfig,
    chunk: ChunkCircuit,
    trade: ChunkCircuit,
    levels: Mutex<Vec<Arc<AggregationCircuit>>>,
}

impl std::fmt::Debug for BatchProver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchProver")
            .field("config", &self.config)
            .field("chunk", &self.chunk)
            .field("trade", &self.trade)
            .finish()
    }
}

impl BatchProver {
    /// Builds the universal chunk circuit of `k` slots and the trade chunk circuit of
    /// `k_trade` slots for `config`, the smaller padded to the larger's degree so that both
    /// share one [`CommonCircuitData`] (same gates, same degree) and aggregation level 1
    /// verifies either.
    pub fn new(config: NamedConfig, k: usize, k_trade: usize) -> Self {
        let mut chunk = ChunkCircuit::build(config, k);
        let mut trade = ChunkCircuit::build_trade(config, k_trade);
        let (a, b) = (chunk.data.common.degree_bits(), trade.data.common.degree_bits());
        if a < b {
            chunk = ChunkCircuit::build_kind(config, ChunkKind::Universal, k, Some(b));
        } else if b < a {
            trade = ChunkCircuit::build_kind(config, ChunkKind::Trade, k_trade, Some(a));
        }
        assert!(
            chunk.data.common == trade.data.common,
            "the universal and trade chunk circuits must share one shape"
        );
        Self { config, chunk, trade, levels: Mutex::new(Vec::new()) }
    }

    /// The universal chunk circuit.
    pub const fn chunk_circuit(&self) -> &ChunkCircuit {
        &self.chunk
    }

    /// The trade chunk circuit.
    pub const fn trade_circuit(&self) -> &ChunkCircuit {
        &self.trade
    }

    /// The chunk circuit of `kind`.
    pub const fn circuit_of(&self, kind: ChunkKind) -> &ChunkCircuit {
        match kind {
            ChunkKind::Universal => &self.chunk,
            ChunkKind::Trade => &self.trade,
        }
    }

    /// The aggregation circuit of `level ≥ 1` (built on first use, with the levels below).
    pub fn aggregation_circuit(&self, level: usize) -> Arc<AggregationCircuit> {
        assert!(level >= 1, "level 0 is the chunk circuit");
        let mut levels = self.levels.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        while levels.len() < level {
            let l = levels.len() + 1;
            let next = match levels.last() {
                None => AggregationCircuit::build_keys(
                    self.config,
                    l,
                    &self.chunk.data.common,
                    &[&self.chunk.data.verifier_only, &self.trade.data.verifier_only],
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

    /// Cuts a batch into chunks for this prover's two chunk circuits.
    pub fn chunks(&self, witness: &BatchWitness) -> Result<Vec<ChunkWitness>, CircuitError> {
        witness.chunks(self.chunk.num_slots(), self.trade.num_slots())
    }

    /// Proves every chunk, each with the chunk circuit of its kind, in parallel.
    pub fn prove_chunks(&self, chunks: &[ChunkWitness]) -> Result<Vec<Proof>, CircuitError> {
        chunks.par_iter().map(|c| self.circuit_of(c.kind()).prove(c)).collect()
    }

    /// Aggregates the proofs of level `level − 1` pairwise into level `level`, in parallel;
    /// at level 1, `kinds` names each chunk proof's circuit (ignored above).
    pub fn aggregate_level(
        &self,
        level: usize,
        proofs: &[Proof],
        kinds: &[ChunkKind],
    ) -> Result<Vec<Proof>, CircuitError> {
        if !proofs.len().is_multiple_of(2) {
            return Err(CircuitError::Prove(format!("{} proofs do not pair up", proofs.len())));
        }
        if level == 1 && kinds.len() != proofs.len() {
            return Err(CircuitError::Prove("one chunk kind per chunk proof".to_string()));
        }
        let kind = |i: usize| if level == 1 { kinds[i] } else { ChunkKind::Universal };
        let circuit = self.aggregation_circuit(level);
        (0..proofs.len() / 2)
            .into_par_iter()
            .map(|i| {
                let (l, r) = (2 * i, 2 * i + 1);
                circuit.prove_keyed(&proofs[l], kind(l), &proofs[r], kind(r))
            })
            .collect()
    }

    /// Proves a batch: its chunks, then the aggregation tree level by level.
    pub fn prove_batch(&self, witness: &BatchWitness) -> Result<BatchProof, CircuitError> {
        let _span = tracing::info_span!("prove_batch", txs = witness.txs.len()).entered();
        let chunks = self.chunks(witness)?;
        let kinds: Vec<ChunkKind> = chunks.iter().map(ChunkWitness::kind).collect();
        let mut proofs = self.prove_chunks(&chunks)?;
        let mut level = 0;
        while proofs.len() > 1 {
            level += 1;
            proofs = self.aggregate_level(level, &proofs, &kinds)?;
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
            // A single chunk: either chunk circuit's key.
            verify(&self.chunk.data).or_else(|_| verify(&self.trade.data))?;
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

//! The chunk circuit: `K` slots from `old_state_root` to `new_state_root`.
//!
//! Public inputs (18 field elements, in this order; the aggregation circuit exposes the same
//! layout):
//!
//! | elements | value |
//! |---|---|
//! | 0..4   | `old_state_root` |
//! | 4..8   | `new_state_root` |
//! | 8..12  | `pubdata_in`: the running public-data commitment before the chunk |
//! | 12..16 | `pubdata_out`: after it ([`crate::pubdata_commit`]) |
//! | 16     | `batch_number`, 32 bits |
//! | 17     | `timestamp`, 40 bits ([`crate::constants::TIMESTAMP_BITS`]) |
//!
//! The circuit opens `old_state_root = H(STATE, accounts_root, markets_root, config_hash)`
//! once, runs the accounts root (and, in a trade chunk, the markets root: a trade writes its
//! market's open interest) through the slots, and closes `new_state_root` with the running
//! roots and the config hash.
//!
//! Two chunk circuits ([`ChunkKind`]): universal slots hold every constrained type but
//! Trade ([`super::slot`]); trade slots hold a Trade or a Noop ([`super::tx::trade`]). A
//! batch is cut into runs keeping transaction order (`BatchWitness::chunks`), and
//! `BatchProver` pads both circuits to one shape so aggregation verifies either.
//!
//! **K.** A universal slot costs 7,278 rows (docs/circuits.md: one Schnorr
//! verification 4,430, the margin check 1,956, funding settlement 494, eight market reads
//! 104, two account updates 96 each, one order-slot update 40, the rest selection and the
//! record); plonky2 pads the circuit to a power of two, so [`PRODUCTION_K`] = 4 slots fill
//! about nine tenths of 2^15 with room for the fixed overhead (the config opening, the state
//! roots). A chunk proof's recursive verifier grows only with the log of its rows, so a
//! 2^15 chunk aggregates about as cheaply as a 2^12 one. Tests use 2 slots.

use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::target::Target;
use plonky2::iop::witness::PartialWitness;
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::CircuitData;
use plonky2::plonk::proof::ProofWithPublicInputs;
use serde::{Deserialize, Serialize};

use super::slot::{SlotContext, SlotTargets, SlotWitness};
use super::tx::trade::{RunningRoots, TradeContext, TradeSlotTargets};
use super::witness::{set, set_hash};
use super::{CircuitError, C};
use crate::commit::state_root;
use crate::config::NamedConfig;
use crate::constants::TIMESTAMP_BITS;
use crate::gadgets::range::RangeGadgets;
use crate::hash::{fe, tag, Digest, HashGadgets, D, F};
use crate::pubdata_commit::absorb_record;
use crate::state::Config;
use plonky2::field::types::{Field, PrimeField64};

/// Field elements of the config's preimage ([`Config::hash`]): oracle key (5), three ppm
/// limits, domain (6).
pub const CONFIG_FIELDS: usize = 14;

/// The preimage of [`Config::hash`] after its tag.
fn config_preimage(c: &Config) -> [F; CONFIG_FIELDS] {
    let mut e = [F::ZERO; CONFIG_FIELDS];
    for (x, &k) in e.iter_mut().zip(&c.oracle_pubkey) {
        *x = fe(k);
    }
    e[5] = fe(u64::from(c.max_fee_ppm));
    e[6] = fe(u64::from(c.funding_cap_ppm_per_hour));
    e[7] = fe(u64::from(c.liquidation_fee_cap_ppm));
    e[8..].copy_from_slice(&c.domain());
    e
}

/// Slots per chunk at the production config.
pub const PRODUCTION_K: usize = 4;

/// Trade slots per trade chunk at the production config. A trade slot costs 19,422 rows
/// (docs/circuits.md: two Schnorr verifications 8,860, four margin evaluations — each
/// account before and after — 7,824, two funding settlements 988, two `transition_allowed`
/// 666, sixteen market reads 208, three account updates 288, two order-slot updates 80,
/// about 500 for the fill arithmetic, the market update and the record), so one trade slot
/// fills about 60 % of 2^15, the degree of a universal chunk of [`PRODUCTION_K`] slots, and
/// two would need 2^16: both chunk circuits share one shape and aggregation verifies either.
pub const PRODUCTION_TRADE_K: usize = 1;

/// The two chunk circuits: universal slots (every type but Trade) or trade slots (Trade or
/// Noop).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChunkKind {
    /// Slots holding Noop, Deposit, Withdraw, Transfer or CancelOrder.
    Universal,
    /// Slots holding Trade or Noop.
    Trade,
}

/// Bits of a batch number.
pub const BATCH_NUMBER_BITS: usize = 32;

/// The number of public inputs of a chunk (and of an aggregation) proof.
pub const NUM_PUBLIC_INPUTS: usize = 18;

/// The three parts of a state root.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateRoots {
    /// Root of the accounts tree.
    pub accounts_root: Digest,
    /// Root of the markets tree.
    pub markets_root: Digest,
    /// Hash of the config.
    pub config_hash: Digest,
}

impl StateRoots {
    /// `state_root = H(STATE, accounts_root ‖ markets_root ‖ config_hash)`.
    pub fn state_root(&self) -> Digest {
        state_root(&self.accounts_root, &self.markets_root, &self.config_hash)
    }
}

/// The public inputs of a chunk or aggregation proof.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkPublicInputs {
    /// State root before.
    pub old_root: Digest,
    /// State root after.
    pub new_root: Digest,
    /// Public-data commitment before.
    pub pubdata_in: Digest,
    /// Public-data commitment after.
    pub pubdata_out: Digest,
    /// Batch number.
    pub batch_number: u64,
    /// Batch timestamp.
    pub timestamp: u64,
}

impl ChunkPublicInputs {
    /// The field elements, in public-input order.
    pub fn to_fields(&self) -> Vec<F> {
        let mut v = Vec::with_capacity(NUM_PUBLIC_INPUTS);
        for d in [self.old_root, self.new_root, self.pubdata_in, self.pubdata_out] {
            v.extend_from_slice(&d.elements);
        }
        v.push(fe(self.batch_number));
        v.push(fe(self.timestamp));
        v
    }

    /// Reads them back from a proof's public inputs (`None` if the length is wrong).
    pub fn from_fields(pi: &[F]) -> Option<Self> {
        if pi.len() != NUM_PUBLIC_INPUTS {
            return None;
        }
        let d = |i: usize| Digest { elements: core::array::from_fn(|j| pi[4 * i + j]) };
        Some(Self {
            old_root: d(0),
            new_root: d(1),
            pubdata_in: d(2),
            pubdata_out: d(3),
            batch_number: pi[16].to_canonical_u64(),
            timestamp: pi[17].to_canonical_u64(),
        })
    }
}

/// The public-input targets, in order.
#[derive(Clone, Debug)]
pub struct PublicInputTargets {
    /// State root before.
    pub old_root: HashOutTarget,
    /// State root after.
    pub new_root: HashOutTarget,
    /// Commitment before.
    pub pubdata_in: HashOutTarget,
    /// Commitment after.
    pub pubdata_out: HashOutTarget,
    /// Batch number.
    pub batch_number: Target,
    /// Timestamp.
    pub timestamp: Target,
}

impl PublicInputTargets {
    /// Views a proof's public-input targets (18 of them) in this layout.
    pub fn from_slice(pi: &[Target]) -> Self {
        assert_eq!(pi.len(), NUM_PUBLIC_INPUTS, "public inputs of a chunk proof");
        let h = |i: usize| HashOutTarget { elements: core::array::from_fn(|j| pi[4 * i + j]) };
        Self {
            old_root: h(0),
            new_root: h(1),
            pubdata_in: h(2),
            pubdata_out: h(3),
            batch_number: pi[16],
            timestamp: pi[17],
        }
    }

    /// Registers them as the circuit's public inputs, in order.
    pub fn register(&self, builder: &mut CircuitBuilder<F, D>) {
        for h in [self.old_root, self.new_root, self.pubdata_in, self.pubdata_out] {
            builder.register_public_inputs(&h.elements);
        }
        builder.register_public_input(self.batch_number);
        builder.register_public_input(self.timestamp);
    }
}

/// The witness of one chunk: where it starts and its transactions (at most `K`; the rest
/// of the slots are Noops).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkWitness {
    /// The state roots before the chunk.
    pub start: StateRoots,
    /// The public-data commitment before the chunk.
    pub pubdata_in: Digest,
    /// Batch number.
    pub batch_number: u64,
    /// Batch timestamp.
    pub timestamp: u64,
    /// The config, whose hash is `start.config_hash` (signed messages bind its domain).
    pub config: Config,
    /// The transactions.
    pub slots: Vec<SlotWitness>,
}

impl ChunkWitness {
    /// The circuit the chunk needs: a trade chunk if it holds a trade.
    pub fn kind(&self) -> ChunkKind {
        if self.slots.iter().any(|s| matches!(s, SlotWitness::Trade(_))) {
            ChunkKind::Trade
        } else {
            ChunkKind::Universal
        }
    }

    /// The public inputs the chunk proves and the roots after it, computed natively; checks
    /// that each account update starts from the running root.
    pub fn run(&self) -> Result<(ChunkPublicInputs, StateRoots), CircuitError> {
        if self.config.hash() != self.start.config_hash {
            return Err(CircuitError::WitnessShape("config does not hash to the config hash"));
        }
        let mut roots = self.start;
        let mut pubdata = self.pubdata_in;
        for slot in &self.slots {
            for step in slot.account_steps() {
                if step.proof.old_root != roots.accounts_root || !step.proof.verify() {
                    return Err(CircuitError::WitnessShape("account path off the running root"));
                }
                roots.accounts_root = step.proof.new_root;
            }
            if let Some(m) = slot.market_step() {
                if m.proof.old_root != roots.markets_root || !m.proof.verify() {
                    return Err(CircuitError::WitnessShape("market path off the running root"));
                }
                roots.markets_root = m.proof.new_root;
            }
            pubdata = absorb_record(&pubdata, &slot.pub_op());
        }
        let pis = ChunkPublicInputs {
            old_root: self.start.state_root(),
            new_root: roots.state_root(),
            pubdata_in: self.pubdata_in,
            pubdata_out: pubdata,
            batch_number: self.batch_number,
            timestamp: self.timestamp,
        };
        Ok((pis, roots))
    }
}

/// The chunk circuit of `K` slots, built for one named config.
pub struct ChunkCircuit {
    /// The plonky2 circuit.
    pub data: CircuitData<F, C, D>,
    /// Gates before padding to a power of two.
    pub num_gates: usize,
    config: NamedConfig,
    kind: ChunkKind,
    pis: PublicInputTargets,
    start: [HashOutTarget; 3],
    config_fields: [Target; CONFIG_FIELDS],
    slots: Vec<SlotTargets>,
    trade_slots: Vec<TradeSlotTargets>,
}

impl std::fmt::Debug for ChunkCircuit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChunkCircuit")
            .field("config", &self.config)
            .field("kind", &self.kind)
            .field("k", &self.num_slots())
            .field("num_gates", &self.num_gates)
            .finish()
    }
}

impl ChunkCircuit {
    /// Builds the universal chunk circuit with `k ≥ 1` slots.
    pub fn build(config: NamedConfig, k: usize) -> Self {
        Self::build_kind(config, ChunkKind::Universal, k, None)
    }

    /// Builds the trade chunk circuit with `k ≥ 1` trade slots.
    pub fn build_trade(config: NamedConfig, k: usize) -> Self {
        Self::build_kind(config, ChunkKind::Trade, k, None)
    }

    /// Builds a chunk circuit of `kind` with `k ≥ 1` slots, padded (when `degree_bits` is
    /// given) to `2^degree_bits` rows, so that two chunk circuits share one shape.
    pub fn build_kind(
        config: NamedConfig,
        kind: ChunkKind,
        k: usize,
        degree_bits: Option<usize>,
    ) -> Self {
        assert!(k >= 1, "a chunk has at least one slot");
        let mut b = CircuitBuilder::<F, D>::new(config.circuit_config());
        let pis = PublicInputTargets {
            old_root: b.add_virtual_hash(),
            new_root: b.add_virtual_hash(),
            pubdata_in: b.add_virtual_hash(),
            pubdata_out: b.add_virtual_hash(),
            batch_number: b.add_virtual_target(),
            timestamp: b.add_virtual_target(),
        };
        pis.register(&mut b);
        b.check_bits(pis.batch_number, BATCH_NUMBER_BITS);
        b.check_bits(pis.timestamp, TIMESTAMP_BITS as usize);

        let start = [b.add_virtual_hash(), b.add_virtual_hash(), b.add_virtual_hash()];
        let [accounts0, markets, config_hash] = start;
        let open = b.hash_tagged(
            tag::STATE,
            &[accounts0.elements, markets.elements, config_hash.elements].concat(),
        );
        b.connect_hashes(open, pis.old_root);
        // The config's preimage, for the domain signed messages bind.
        let config_fields: [Target; CONFIG_FIELDS] =
            core::array::from_fn(|_| b.add_virtual_target());
        let opened = b.hash_tagged(tag::CONFIG, &config_fields);
        b.connect_hashes(opened, config_hash);
        let ctx = SlotContext {
            markets_root: markets,
            domain: core::array::from_fn(|i| config_fields[CONFIG_FIELDS - 6 + i]),
        };

        let mut accounts = accounts0;
        let mut markets_now = markets;
        let mut pubdata = pis.pubdata_in;
        let mut slots = Vec::new();
        let mut trade_slots = Vec::new();
        match kind {
            ChunkKind::Universal => {
                for _ in 0..k {
                    let (slot, a, p) = SlotTargets::build(&mut b, &ctx, accounts, pubdata);
                    accounts = a;
                    pubdata = p;
                    slots.push(slot);
                }
            }
            ChunkKind::Trade => {
                // The config's fee cap is a u32.
                let max_fee_ppm = config_fields[5];
                b.check_bits(max_fee_ppm, 32);
                let tctx = TradeContext { domain: ctx.domain, max_fee_ppm, now: pis.timestamp };
                let mut roots = RunningRoots { accounts, markets, pubdata };
                for _ in 0..k {
                    let (slot, r) = TradeSlotTargets::build(&mut b, &tctx, roots);
                    roots = r;
                    trade_slots.push(slot);
                }
                accounts = roots.accounts;
                markets_now = roots.markets;
                pubdata = roots.pubdata;
            }
        }
        let close = b.hash_tagged(
            tag::STATE,
            &[accounts.elements, markets_now.elements, config_hash.elements].concat(),
        );
        b.connect_hashes(close, pis.new_root);
        b.connect_hashes(pubdata, pis.pubdata_out);

        let num_gates = b.num_gates();
        if let Some(bits) = degree_bits {
            pad_to_degree(&mut b, bits);
        }
        let data = b.build::<C>();
        Self { data, num_gates, config, kind, pis, start, config_fields, slots, trade_slots }
    }

    /// The number of slots `K`.
    pub fn num_slots(&self) -> usize {
        self.slots.len() + self.trade_slots.len()
    }

    /// Which chunk circuit this is.
    pub const fn kind(&self) -> ChunkKind {
        self.kind
    }

    /// The config the circuit was built for.
    pub const fn config(&self) -> NamedConfig {
        self.config
    }

    /// The full witness of a chunk (its public inputs computed natively), padded with Noops.
    pub fn witness(&self, w: &ChunkWitness) -> Result<PartialWitness<F>, CircuitError> {
        let (pis, _) = w.run()?;
        self.witness_with_public_inputs(w, &pis)
    }

    /// The witness with the given public inputs (tests use this to claim a wrong statement).
    pub fn witness_with_public_inputs(
        &self,
        w: &ChunkWitness,
        pis: &ChunkPublicInputs,
    ) -> Result<PartialWitness<F>, CircuitError> {
        if w.slots.len() > self.num_slots() {
            return Err(CircuitError::TooManyTxs { got: w.slots.len(), k: self.num_slots() });
        }
        let mut pw = PartialWitness::new();
        set_hash(&mut pw, self.pis.old_root, pis.old_root)?;
        set_hash(&mut pw, self.pis.new_root, pis.new_root)?;
        set_hash(&mut pw, self.pis.pubdata_in, pis.pubdata_in)?;
        set_hash(&mut pw, self.pis.pubdata_out, pis.pubdata_out)?;
        set(&mut pw, self.pis.batch_number, fe(pis.batch_number))?;
        set(&mut pw, self.pis.timestamp, fe(pis.timestamp))?;
        set_hash(&mut pw, self.start[0], w.start.accounts_root)?;
        set_hash(&mut pw, self.start[1], w.start.markets_root)?;
        set_hash(&mut pw, self.start[2], w.start.config_hash)?;
        for (t, v) in self.config_fields.iter().zip(config_preimage(&w.config)) {
            set(&mut pw, *t, v)?;
        }
        let noop = SlotWitness::Noop;
        for (i, slot) in self.slots.iter().enumerate() {
            slot.set(&mut pw, w.slots.get(i).unwrap_or(&noop))?;
        }
        for (i, slot) in self.trade_slots.iter().enumerate() {
            match w.slots.get(i).unwrap_or(&noop) {
                SlotWitness::Noop => slot.set(&mut pw, None)?,
                SlotWitness::Trade(t) => slot.set(&mut pw, Some(t))?,
                _ => return Err(CircuitError::WrongChunk),
            }
        }
        Ok(pw)
    }

    /// Proves a chunk.
    pub fn prove(&self, w: &ChunkWitness) -> Result<ProofWithPublicInputs<F, C, D>, CircuitError> {
        let pw = self.witness(w)?;
        let _span = tracing::info_span!("prove_chunk", k = self.num_slots()).entered();
        self.data.prove(pw).map_err(|e| CircuitError::Prove(format!("{e:#}")))
    }

    /// The slot targets (tests tamper with single values).
    pub fn slot_targets(&self) -> &[SlotTargets] {
        &self.slots
    }

    /// The trade slot targets of a trade chunk.
    pub fn trade_slot_targets(&self) -> &[TradeSlotTargets] {
        &self.trade_slots
    }
}

/// Pads the circuit with no-op rows so that it builds to `2^degree_bits` rows (plonky2 pads
/// to the next power of two; the rows added here only make that power the wanted one).
fn pad_to_degree(b: &mut CircuitBuilder<F, D>, degree_bits: usize) {
    use plonky2::gates::noop::NoopGate;
    let want = (1usize << (degree_bits - 1)) + 1;
    while b.num_gates() < want {
        b.add_gate(NoopGate, vec![]);
    }
}

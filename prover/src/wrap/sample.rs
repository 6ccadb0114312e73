//! A small proof of the standard recursion shape, for tests and benches until the batch proof
//! exists: a base circuit proving `n` chained Goldilocks-Poseidon hashes (public inputs: the
//! 4-element seed and the 4-element result), verified once by a recursion layer with
//! `standard_recursion_config` that re-exposes the same 8 public inputs.

use plonky2::field::types::Field;
use plonky2::hash::hash_types::HashOut;
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::{CircuitConfig, CircuitData};
use plonky2::plonk::config::Hasher;

use super::final_layer::{InnerConfig, InnerProof, D, F};
use super::WrapError;

/// The recursion-shape circuit and one proof of it.
pub struct SampleInner {
    /// Circuit data of the recursion layer (what the final layer verifies).
    pub data: CircuitData<F, InnerConfig, D>,
    /// A proof of the recursion layer.
    pub proof: InnerProof,
}

/// Native twin of the base circuit: `n` times `x <- Poseidon(x)` on a 4-element digest.
pub fn hash_chain(seed: [F; 4], n: usize) -> [F; 4] {
    let mut h = HashOut { elements: seed };
    for _ in 0..n {
        h = PoseidonHash::hash_no_pad(&h.elements);
    }
    h.elements
}

/// Builds and proves the base circuit (`n` hashes from `seed`), then one recursion layer.
pub fn sample_inner(seed: [F; 4], n: usize) -> Result<SampleInner, WrapError> {
    let config = CircuitConfig::standard_recursion_config();
    let prove_err = |e: anyhow::Error| WrapError::Prove(format!("{e:#}"));

    // Base circuit.
    let mut b = CircuitBuilder::<F, D>::new(config.clone());
    let seed_t = b.add_virtual_targets(4);
    b.register_public_inputs(&seed_t);
    let mut cur = seed_t.clone();
    for _ in 0..n {
        cur = b.hash_n_to_hash_no_pad::<PoseidonHash>(cur).elements.to_vec();
    }
    b.register_public_inputs(&cur);
    let base = b.build::<InnerConfig>();
    let mut pw = PartialWitness::new();
    for (t, v) in seed_t.iter().zip(seed) {
        pw.set_target(*t, v).map_err(prove_err)?;
    }
    let base_proof = base.prove(pw).map_err(prove_err)?;

    // One recursion layer: the standard shape.
    let mut b = CircuitBuilder::<F, D>::new(config);
    let pt = b.add_virtual_proof_with_pis(&base.common);
    let vd = b.constant_verifier_data(&base.verifier_only);
    b.verify_proof::<InnerConfig>(&pt, &vd, &base.common);
    b.register_public_inputs(&pt.public_inputs);
    let data = b.build::<InnerConfig>();
    let mut pw = PartialWitness::new();
    pw.set_proof_with_pis_target(&pt, &base_proof).map_err(prove_err)?;
    let proof = data.prove(pw).map_err(prove_err)?;
    Ok(SampleInner { data, proof })
}

/// A fixed seed for tests.
pub fn test_seed() -> [F; 4] {
    [
        F::from_canonical_u64(1),
        F::from_canonical_u64(2),
        F::from_canonical_u64(3),
        F::from_canonical_u64(4),
    ]
}

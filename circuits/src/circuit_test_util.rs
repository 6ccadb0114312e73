//! Helpers for circuit tests: prove a witness and say why it failed.
//!
//! Soundness tests must tell "a constraint is unsatisfied" from any other failure (a hint
//! that panics, a target nobody set, a bug in the test). plonky2 1.1 reports an unsatisfied
//! constraint in one of two ways, and [`prove_outcome`] maps both to
//! [`ProveOutcome::Unsatisfied`]:
//! - a copy constraint (`connect`, `assert_zero`, `assert_bool`'s output, a public input,
//!   a gate input or output shared with another wire) whose two sides get different values
//!   during witness generation: `prove` returns the error
//!   "Partition containing … was set twice with different values" (`iop/witness.rs`);
//! - a gate constraint violated by wires no generator contradicts (e.g. a random-access
//!   index out of range, or a wire set directly by the witness): the quotient polynomial is
//!   not a polynomial, and `prove` panics with "Quotient has failed, the vanishing
//!   polynomial is not divisible by Z_H" (`plonk/prover.rs`);
//! - with debug assertions on (the dev and test profiles, dependencies included), a
//!   `RandomAccessGate` index outside its table panics in the gate's generator first:
//!   "Access index … is larger than the vector size …" (`gates/random_access.rs`); this is
//!   the same violated gate constraint (the index decomposition), caught earlier;
//! - likewise a range check (`BaseSumGate`) of a value that does not fit panics in its
//!   generator: "Integer too large to fit in … `BaseSumGate`s" (`gadgets/split_join.rs`),
//!   the same violated gate constraint (the limbs cannot sum to the value).
//!
//! Everything else (other errors, other panics, "N generators weren't run", a proof the
//! verifier rejects) is [`ProveOutcome::OtherError`]. The two messages are plonky2 1.1's;
//! the tests in `tests/ecc_circuit.rs` pin them by provoking each case.
//!
//! [`witness_outcome`] runs witness generation only (no FFTs, no commitments): it sees
//! copy-constraint conflicts but not pure gate-constraint violations, so it is a cheap way to
//! compute a circuit's outputs for agreement tests, never a soundness check.

use std::panic::{catch_unwind, AssertUnwindSafe};

use plonky2::iop::generator::generate_partial_witness;
use plonky2::iop::witness::{PartialWitness, PartitionWitness};
use plonky2::plonk::circuit_data::{CircuitConfig, CircuitData};
use plonky2::plonk::config::PoseidonGoldilocksConfig;

use crate::ecgfp5::circuit::D;
use crate::hash::F;

/// The hash configuration of every circuit here.
pub type C = PoseidonGoldilocksConfig;

/// plonky2's message for a copy-constraint conflict in witness generation.
pub const COPY_CONFLICT: &str = "was set twice with different values";
/// plonky2's panic message when the gate constraints do not vanish on the trace.
pub const QUOTIENT_FAILED: &str = "vanishing polynomial is not divisible by Z_H";
/// The `RandomAccessGate` generator's debug assertion on an out-of-range index.
pub const INDEX_OUT_OF_RANGE: &str = "is larger than the vector size";
/// The `BaseSumGate` generator's assertion on a value beyond the checked range.
pub const RANGE_EXCEEDED: &str = "Integer too large to fit in";

/// What happened when proving a witness.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProveOutcome {
    /// A proof was produced and verified.
    Proved,
    /// The witness violates a constraint (message from plonky2).
    Unsatisfied(String),
    /// Any other failure.
    OtherError(String),
}

impl ProveOutcome {
    /// Whether this is [`ProveOutcome::Unsatisfied`].
    pub fn is_unsatisfied(&self) -> bool {
        matches!(self, Self::Unsatisfied(_))
    }

    /// Whether this is [`ProveOutcome::Proved`].
    pub fn is_proved(&self) -> bool {
        matches!(self, Self::Proved)
    }
}

fn classify(msg: String) -> ProveOutcome {
    if [COPY_CONFLICT, QUOTIENT_FAILED, INDEX_OUT_OF_RANGE, RANGE_EXCEEDED]
        .iter()
        .any(|m| msg.contains(m))
    {
        ProveOutcome::Unsatisfied(msg)
    } else {
        ProveOutcome::OtherError(msg)
    }
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_string()
    }
}

/// Proves `pw` on `data` and verifies the proof; classifies any failure (module docs).
/// A panic inside plonky2 is caught (its message is still printed by the panic hook).
pub fn prove_outcome(data: &CircuitData<F, C, D>, pw: PartialWitness<F>) -> ProveOutcome {
    prove_public_inputs(data, pw).map_or_else(|o| o, |_| ProveOutcome::Proved)
}

/// [`prove_outcome`] keeping the proof's public inputs: `Ok` with them if a proof was
/// produced and verified, else the classified failure (never [`ProveOutcome::Proved`]).
pub fn prove_public_inputs(
    data: &CircuitData<F, C, D>,
    pw: PartialWitness<F>,
) -> Result<Vec<F>, ProveOutcome> {
    match catch_unwind(AssertUnwindSafe(|| data.prove(pw))) {
        Ok(Ok(proof)) => match data.verify(proof.clone()) {
            Ok(()) => Ok(proof.public_inputs),
            Err(e) => Err(ProveOutcome::OtherError(format!("verifier rejected the proof: {e:#}"))),
        },
        Ok(Err(e)) => Err(classify(format!("{e:#}"))),
        Err(p) => Err(classify(panic_message(p.as_ref()))),
    }
}

/// Runs witness generation only. `Ok` carries the full witness (read outputs with
/// `Witness::get_target`); an `Err` is classified as in [`prove_outcome`].
pub fn witness_outcome<'a>(
    data: &'a CircuitData<F, C, D>,
    pw: PartialWitness<F>,
) -> Result<PartitionWitness<'a, F>, ProveOutcome> {
    match catch_unwind(AssertUnwindSafe(|| {
        generate_partial_witness(pw, &data.prover_only, &data.common)
    })) {
        Ok(Ok(w)) => Ok(w),
        Ok(Err(e)) => Err(classify(format!("{e:#}"))),
        Err(p) => Err(classify(panic_message(p.as_ref()))),
    }
}

/// A fast, low-security configuration for tests: the standard recursion layout (135 wires,
/// 80 routed) with few FRI queries and no proof of work. Not for production.
pub fn fast_test_config() -> CircuitConfig {
    let mut c = CircuitConfig::standard_recursion_config();
    c.fri_config.num_query_rounds = 8;
    c.fri_config.proof_of_work_bits = 0;
    // 3 rate bits × 8 queries: about 24 bits, which build() checks against this.
    c.security_bits = 20;
    c
}

//! Proving with a classified outcome.
//!
//! A soundness test must fail for the right reason: a witness that breaks a rule must make
//! a constraint unsatisfied, not trip over a missing witness value or a bug. plonky2 1.1
//! reports an unsatisfied constraint in one of two ways, both [`ProveOutcome::Unsatisfied`]:
//!
//! - a copy constraint (every `connect`, `assert_zero`, public input) whose sides get
//!   different values during witness generation: `prove` returns "… was set twice with
//!   different values" (`iop/witness.rs`);
//! - a gate constraint no generator contradicts: the quotient is not a polynomial and
//!   `prove` panics with "… vanishing polynomial is not divisible by Z_H" (`plonk/prover.rs`).
//!
//! - with debug assertions on (dev and test profiles), a range check (`BaseSumGate`) of a
//!   value that does not fit panics in the gate's generator first ("Integer too large to fit
//!   in … `BaseSumGate`s", `gadgets/split_join.rs`): the same violated gate constraint (the
//!   limbs cannot sum to the value), caught earlier.
//!
//! Everything else (a witness value never set, a hint error, another panic, a proof that
//! does not verify) is [`ProveOutcome::Failed`].

use plonky2::iop::witness::PartialWitness;
use plonky2::plonk::circuit_data::CircuitData;
use plonky2::plonk::proof::ProofWithPublicInputs;

use super::C;
use crate::hash::{D, F};

/// How an attempt to prove ended.
#[derive(Debug)]
pub enum ProveOutcome {
    /// A proof that verifies.
    Proved(Box<ProofWithPublicInputs<F, C, D>>),
    /// A constraint is unsatisfied (a conflicting copy constraint or a gate constraint that
    /// does not vanish); plonky2's message.
    Unsatisfied(String),
    /// Any other failure (a witness value never set, a hint error, a panic).
    Failed(String),
}

impl ProveOutcome {
    /// Whether a constraint was unsatisfied.
    pub fn is_unsatisfied(&self) -> bool {
        matches!(self, Self::Unsatisfied(_))
    }

    /// Whether a valid proof came out.
    pub fn is_proved(&self) -> bool {
        matches!(self, Self::Proved(_))
    }
}

/// Proves `pw` with `data` and classifies the outcome (see the module documentation).
pub fn prove_classified(data: &CircuitData<F, C, D>, pw: PartialWitness<F>) -> ProveOutcome {
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| data.prove(pw)));
    match run {
        Ok(Ok(proof)) => match data.verify(proof.clone()) {
            Ok(()) => ProveOutcome::Proved(Box::new(proof)),
            Err(e) => ProveOutcome::Failed(format!("proof does not verify: {e}")),
        },
        Ok(Err(e)) => classify(format!("{e:#}")),
        Err(panic) => {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "panic".to_string());
            classify(format!("panic: {msg}"))
        }
    }
}

/// plonky2's message for a copy-constraint conflict in witness generation.
pub const COPY_CONFLICT: &str = "was set twice with different values";
/// plonky2's panic message when the gate constraints do not vanish on the trace.
pub const QUOTIENT_FAILED: &str = "vanishing polynomial is not divisible by Z_H";

/// The `BaseSumGate` generator's assertion on a value beyond the checked range.
pub const RANGE_EXCEEDED: &str = "Integer too large to fit in";

fn classify(msg: String) -> ProveOutcome {
    if [COPY_CONFLICT, QUOTIENT_FAILED, RANGE_EXCEEDED].iter().any(|m| msg.contains(m)) {
        ProveOutcome::Unsatisfied(msg)
    } else {
        ProveOutcome::Failed(msg)
    }
}

//! Native twins of the FRI query arithmetic the Groth16 circuit re-does: the domain point of a
//! query index and one folding step. They follow the semantics of plonky2 1.1's (crate-private)
//! `fri_verifier_query_round` / `compute_evaluation`, rederived here; the tests check them
//! against real proofs accepted by plonky2's verifier.

use plonky2::field::extension::quadratic::QuadraticExtension;
use plonky2::field::extension::FieldExtension;
use plonky2::field::goldilocks_field::GoldilocksField;
use plonky2::field::types::Field;

type F = GoldilocksField;
type F2 = QuadraticExtension<F>;

/// A base-field element in the extension.
fn ext(x: F) -> F2 {
    <F2 as FieldExtension<2>>::from_basefield(x)
}

/// Reverses the low `bits` bits of `x`.
pub fn reverse_bits(x: usize, bits: usize) -> usize {
    if bits == 0 {
        0
    } else {
        x.reverse_bits() >> (usize::BITS as usize - bits)
    }
}

/// The point of the LDE domain (the coset `g·H`, `|H| = 2^log_n`) that query index `index`
/// stands for: `g · ω^rev(index)`, `g` the multiplicative generator, `ω` a primitive
/// `2^log_n`-th root of unity (plonky2 stores LDE values in bit-reversed order).
pub fn subgroup_x(index: usize, log_n: usize) -> F {
    F::MULTIPLICATIVE_GROUP_GENERATOR
        * F::primitive_root_of_unity(log_n).exp_u64(reverse_bits(index, log_n) as u64)
}

/// One FRI folding step: `evals` are the values of the committed polynomial on the coset
/// `{y : y^arity = x^arity}` in the order they are committed (bit-reversed), `x` is the query
/// point and `index_in_coset` its position in `evals`. Returns the folded value at `x^arity`,
/// i.e. the interpolant of the coset values evaluated at `beta`.
///
/// With `ω` a primitive `arity`-th root of unity, the coset is `s·ω^j` for `s = x·ω^-rev(i)`
/// and the value at `s·ω^j` is `evals[rev(j)]`; with `z = beta / s` the Lagrange form on a
/// multiplicative coset gives `P(beta) = (z^n − 1)/n · Σ_j evals[rev(j)] · ω^j / (z − ω^j)`.
pub fn fold_step(x: F, index_in_coset: usize, arity_bits: usize, evals: &[F2], beta: F2) -> F2 {
    let n = 1usize << arity_bits;
    assert_eq!(evals.len(), n, "one value per coset point");
    let omega = F::primitive_root_of_unity(arity_bits);
    let s = x * omega.inverse().exp_u64(reverse_bits(index_in_coset, arity_bits) as u64);
    let z = beta * ext(s.inverse());
    let mut sum = F2::ZERO;
    let mut omega_j = F::ONE;
    for j in 0..n {
        let term = evals[reverse_bits(j, arity_bits)] * ext(omega_j);
        sum += term / (z - ext(omega_j));
        omega_j *= omega;
    }
    let z_n = z.exp_power_of_2(arity_bits);
    sum * (z_n - F2::ONE) * ext(F::from_canonical_usize(n).inverse())
}

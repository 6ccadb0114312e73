//! Arithmetic gadgets whose native twins are plain integer operations: range checks and
//! comparisons ([`range`]), signed values in their field encoding ([`signed`]) and 32-bit-limb
//! big integers with hinted division ([`bigint`]).
//!
//! Each module writes the native function and its in-circuit twin side by side, with the same
//! name and doc comment; the circuit versions are methods of extension traits of
//! `CircuitBuilder`. Every hint is pinned by a range check and a constraint (see the
//! `// Soundness:` comments).

pub mod bigint;
pub mod range;
pub mod signed;

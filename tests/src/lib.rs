//! End-to-end tests across proofbook's crates live in `tests/tests/`; this library holds
//! shared fixtures.

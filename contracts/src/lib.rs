//! Rust side of proofbook's L1 contracts.
//!
//! Status: the Foundry project, the alloy bindings and the in-process EVM harness are
//! tracked by the contracts issue; this crate holds the place in the workspace layout.

//! End-to-end tests across proofbook's crates. The tests live in `tests/tests/`; this
//! library crate only anchors them in the workspace.

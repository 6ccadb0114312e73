//! proofbook's sequencer: RPC, matching, risk engine, storage, batcher and L1 client.
//!
//! Status: the node is tracked by the sequencer issue. Until it lands, the `proofbook`
//! binary runs the native scenario from the rules crate and prints each state root.

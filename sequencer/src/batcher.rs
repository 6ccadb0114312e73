//! The batcher: turns each sealed batch into its state root and prover witness
//! ([`StateTrees::witness`], the spec's per-transaction Merkle paths) and stores both.
//!
//! It runs on its own thread with its own low-priority thread pool, off the sequencing
//! path: Merkle hashing costs far more than matching, and acknowledgements must not wait
//! for it. After a restart, batches already stored are committed without recomputing their
//! witness and their stored root is checked against the recomputed one.

use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;

use proofbook_circuits::commit::StateTrees;
use proofbook_circuits::hash::{digest_hex, Digest};
use proofbook_circuits::state::State;

use crate::core::SealedBatch;
use crate::events::{Event, Events};
use crate::storage::{BatchRecord, BatchStatus, StorageError, Store};

/// Why the batcher stopped.
#[derive(Debug, thiserror::Error)]
pub enum BatcherError {
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A stored batch disagrees with the one recomputed from the log.
    #[error("batch {number}: stored root {stored} but the log gives {computed}")]
    Diverged {
        /// Batch number.
        number: u64,
        /// Stored root.
        stored: String,
        /// Recomputed root.
        computed: String,
    },
}

/// Work for the batcher.
enum Job {
    Batch(Box<SealedBatch>),
    /// Reply once every earlier job is done.
    Flush(mpsc::Sender<Digest>),
}

/// Handle of the batcher thread.
#[derive(Debug)]
pub struct Batcher {
    tx: Option<mpsc::Sender<Job>>,
    handle: Option<JoinHandle<Result<(), BatcherError>>>,
}

/// Lowers the calling thread's scheduling priority (Linux `nice` is per thread).
fn lower_priority() {
    // SAFETY: setpriority only reads its integer arguments; `0` means the calling thread.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
    }
}

impl Batcher {
    /// Starts the batcher at `genesis_state` (the batches then arrive from number 0).
    pub fn start(store: Arc<Store>, genesis_state: &State, events: Events) -> Self {
        let mut trees = StateTrees::build(genesis_state);
        let (tx, rx) = mpsc::channel::<Job>();
        let handle = std::thread::Builder::new()
            .name("batcher".into())
            .spawn(move || {
                lower_priority();
                let pool = rayon::ThreadPoolBuilder::new()
                    .thread_name(|i| format!("witness-{i}"))
                    .start_handler(|_| lower_priority())
                    .build()
                    .expect("building a thread pool");
                while let Ok(job) = rx.recv() {
                    match job {
                        Job::Flush(reply) => {
                            let _ = reply.send(trees.root());
                        }
                        Job::Batch(b) => {
                            let _span = tracing::info_span!("batch", number = b.number).entered();
                            let prev = trees.root();
                            let stored = store.batch(b.number)?;
                            let t = std::time::Instant::now();
                            let (root, witness) = match &stored {
                                Some(s) if store.has_witness(b.number)? => {
                                    (pool.install(|| trees.commit(&b.journal)), None)
                                }
                                _ => {
                                    let w = pool.install(|| trees.witness(&b.journal));
                                    (trees.root(), Some(w))
                                }
                            };
                            metrics::histogram!("pb_batch_witness_seconds").record(t.elapsed());
                            if let Some(s) = &stored {
                                if s.state_root != digest_hex(&root) {
                                    return Err(BatcherError::Diverged {
                                        number: b.number,
                                        stored: s.state_root.clone(),
                                        computed: digest_hex(&root),
                                    });
                                }
                            }
                            let record = BatchRecord {
                                number: b.number,
                                timestamp: b.data.timestamp,
                                tx_count: b.tx_count,
                                pubdata: format!("0x{}", hex::encode(&b.data.pubdata)),
                                state_root: digest_hex(&root),
                                prev_root: digest_hex(&prev),
                                last_seq: b.last_seq,
                                payouts: b.payouts.clone(),
                                status: stored.map_or(BatchStatus::Sealed, |s| s.status),
                            };
                            if witness.is_some() || store.batch(b.number)?.is_none() {
                                store.put_batch(&record, witness.as_ref())?;
                            }
                            tracing::debug!(txs = b.tx_count, root = %record.state_root, "sealed");
                            events.send(Event::Batch(record));
                        }
                    }
                }
                Ok(())
            })
            .expect("spawning a thread");
        Self { tx: Some(tx), handle: Some(handle) }
    }

    /// Queues a sealed batch.
    pub fn push(&self, b: SealedBatch) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(Job::Batch(Box::new(b)));
        }
    }

    /// Waits until every queued batch is stored; returns the root after the last one
    /// (`None` if the batcher stopped).
    pub fn flush(&self) -> Option<Digest> {
        let (reply, rx) = mpsc::channel();
        self.tx.as_ref()?.send(Job::Flush(reply)).ok()?;
        rx.recv().ok()
    }

    /// Stops the batcher after the queued batches; its error, if it failed.
    pub fn stop(&mut self) -> Result<(), BatcherError> {
        self.tx.take();
        match self.handle.take().map(JoinHandle::join) {
            Some(Ok(r)) => r,
            _ => Ok(()),
        }
    }
}

impl Drop for Batcher {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

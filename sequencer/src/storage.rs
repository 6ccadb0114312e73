//! Durable storage in RocksDB: the write-ahead log of accepted inputs, sealed batches with
//! their witnesses, and metadata, one column family each.
//!
//! | column family | key | value |
//! |---|---|---|
//! | `wal` | sequence number, u64 big-endian | one [`crate::core::Input`], JSON |
//! | `batches` | batch number, u64 big-endian | [`BatchRecord`], JSON |
//! | `witnesses` | batch number, u64 big-endian | the batch's `Vec<TxWitness>`, JSON (LZ4) |
//! | `meta` | name | the genesis (`genesis`), JSON |
//! | `checkpoints` | next sequence number, u64 big-endian | [`crate::core::Checkpoint`], JSON (LZ4); the last two kept |
//!
//! Big-endian keys make RocksDB's byte order the numeric order, so the log iterates in
//! sequence order. The log is the source of truth: everything else can be recomputed from it.
//!
//! Durability: [`WalWriter`] is a thread that collects every append queued while the
//! previous write was syncing into one `WriteBatch` written with `sync = true` (group
//! commit), and only then runs the appends' completions (the RPC acknowledgements).

use std::path::Path;
use std::sync::mpsc;
use std::thread::JoinHandle;

use rocksdb::{
    ColumnFamilyDescriptor, Direction, IteratorMode, Options, WriteBatch, WriteOptions, DB,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Column families.
pub mod cf {
    /// The write-ahead log.
    pub const WAL: &str = "wal";
    /// Sealed batches.
    pub const BATCHES: &str = "batches";
    /// Batch witnesses for the prover.
    pub const WITNESSES: &str = "witnesses";
    /// Metadata.
    pub const META: &str = "meta";
    /// State checkpoints.
    pub const CHECKPOINTS: &str = "checkpoints";
    /// All of them.
    pub const ALL: [&str; 5] = [WAL, BATCHES, WITNESSES, META, CHECKPOINTS];
}

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The data directory could not be created.
    #[error("data directory: {0}")]
    Io(#[from] std::io::Error),
    /// RocksDB reported an error (I/O, corruption, lock held by another process…).
    #[error("rocksdb: {0}")]
    Db(#[from] rocksdb::Error),
    /// A stored value does not decode (corruption or a format change).
    #[error("corrupt value in {cf} at key {key}: {source}")]
    Corrupt {
        /// Column family.
        cf: &'static str,
        /// Key, hex.
        key: String,
        /// Decoding error.
        source: serde_json::Error,
    },
    /// A value could not be encoded.
    #[error("encode: {0}")]
    Encode(serde_json::Error),
    /// The log has a gap or is out of order.
    #[error("write-ahead log out of order: expected sequence {expected}, found {found}")]
    Gap {
        /// Expected sequence number.
        expected: u64,
        /// Found.
        found: u64,
    },
    /// The writer thread is gone (the node is shutting down or a write failed).
    #[error("the log writer has stopped")]
    WriterStopped,
}

/// Status of a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchStatus {
    /// Cut and executed; witness stored, waiting for a prover.
    Sealed,
    /// A prover is working on it.
    Proving,
    /// Proven.
    Proven,
}

/// A sealed batch as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchRecord {
    /// Batch number, from 0.
    pub number: u64,
    /// Batch timestamp (unix seconds).
    pub timestamp: u64,
    /// Number of transactions (public-data records).
    pub tx_count: u64,
    /// Public data, `0x` hex.
    pub pubdata: String,
    /// State root after the batch, `0x` hex of the 32-byte digest.
    pub state_root: String,
    /// State root before the batch.
    pub prev_root: String,
    /// Last log sequence number included.
    pub last_seq: u64,
    /// L1 payouts queued by the batch's withdrawals.
    pub payouts: Vec<proofbook_circuits::tx::Payout>,
    /// Status.
    pub status: BatchStatus,
}

/// The RocksDB database of a node.
#[derive(Debug)]
pub struct Store {
    db: DB,
}

fn key(n: u64) -> [u8; 8] {
    n.to_be_bytes()
}

fn decode<T: DeserializeOwned>(cf: &'static str, k: &[u8], v: &[u8]) -> Result<T, StorageError> {
    serde_json::from_slice(v).map_err(|source| StorageError::Corrupt {
        cf,
        key: hex::encode(k),
        source,
    })
}

fn encode<T: Serialize>(v: &T) -> Result<Vec<u8>, StorageError> {
    serde_json::to_vec(v).map_err(StorageError::Encode)
}

impl Store {
    /// Opens (creating if needed) the database in `dir`.
    pub fn open(dir: &Path) -> Result<Self, StorageError> {
        let mut opts = Options::default();
        opts.create_if_missing(true);
        opts.create_missing_column_families(true);
        let cfs = cf::ALL.iter().map(|name| {
            let mut o = Options::default();
            o.set_compression_type(rocksdb::DBCompressionType::Lz4);
            ColumnFamilyDescriptor::new(*name, o)
        });
        let db = DB::open_cf_descriptors(&opts, dir, cfs)?;
        Ok(Self { db })
    }

    fn cf(&self, name: &str) -> &rocksdb::ColumnFamily {
        self.db.cf_handle(name).expect("every column family is created at open")
    }

    /// A metadata value.
    pub fn meta<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, StorageError> {
        self.db
            .get_cf(self.cf(cf::META), name)?
            .map(|v| decode(cf::META, name.as_bytes(), &v))
            .transpose()
    }

    /// Writes a metadata value, synced.
    pub fn put_meta<T: Serialize>(&self, name: &str, value: &T) -> Result<(), StorageError> {
        let mut wo = WriteOptions::default();
        wo.set_sync(true);
        self.db.put_cf_opt(self.cf(cf::META), name, encode(value)?, &wo)?;
        Ok(())
    }

    /// Appends log records synchronously (genesis inputs, tests). The live path uses
    /// [`WalWriter`].
    pub fn append<T: Serialize>(&self, records: &[(u64, T)]) -> Result<(), StorageError> {
        let mut b = WriteBatch::default();
        for (seq, r) in records {
            b.put_cf(self.cf(cf::WAL), key(*seq), encode(r)?);
        }
        let mut wo = WriteOptions::default();
        wo.set_sync(true);
        self.db.write_opt(b, &wo)?;
        Ok(())
    }

    /// The log from sequence `from` on, in order; checks it has no gap.
    pub fn log_from<T: DeserializeOwned>(&self, from: u64) -> Result<Vec<(u64, T)>, StorageError> {
        let mut out = Vec::new();
        let k = key(from);
        let it = self.db.iterator_cf(self.cf(cf::WAL), IteratorMode::From(&k, Direction::Forward));
        for (expected, item) in (from..).zip(it) {
            let (k, v) = item?;
            let seq = u64::from_be_bytes(
                k.as_ref()
                    .try_into()
                    .map_err(|_| StorageError::Gap { expected, found: u64::MAX })?,
            );
            if seq != expected {
                return Err(StorageError::Gap { expected, found: seq });
            }
            out.push((seq, decode(cf::WAL, &k, &v)?));
        }
        Ok(out)
    }

    /// Number of log records (the next sequence number).
    pub fn log_len(&self) -> Result<u64, StorageError> {
        let mut it = self.db.iterator_cf(self.cf(cf::WAL), IteratorMode::End);
        match it.next() {
            None => Ok(0),
            Some(item) => {
                let (k, _) = item?;
                let b: [u8; 8] = k
                    .as_ref()
                    .try_into()
                    .map_err(|_| StorageError::Gap { expected: 0, found: u64::MAX })?;
                Ok(u64::from_be_bytes(b) + 1)
            }
        }
    }

    /// Stores a sealed batch and its witness (not synced: both are recomputed from the log
    /// after a crash).
    pub fn put_batch<W: Serialize>(
        &self,
        batch: &BatchRecord,
        witness: Option<&W>,
    ) -> Result<(), StorageError> {
        let mut b = WriteBatch::default();
        b.put_cf(self.cf(cf::BATCHES), key(batch.number), encode(batch)?);
        if let Some(w) = witness {
            b.put_cf(self.cf(cf::WITNESSES), key(batch.number), encode(w)?);
        }
        self.db.write(b)?;
        Ok(())
    }

    /// A stored batch.
    pub fn batch(&self, number: u64) -> Result<Option<BatchRecord>, StorageError> {
        self.db
            .get_cf(self.cf(cf::BATCHES), key(number))?
            .map(|v| decode(cf::BATCHES, &key(number), &v))
            .transpose()
    }

    /// Whether a batch's witness is stored.
    pub fn has_witness(&self, number: u64) -> Result<bool, StorageError> {
        Ok(self.db.get_pinned_cf(self.cf(cf::WITNESSES), key(number))?.is_some())
    }

    /// A stored witness, raw JSON.
    pub fn witness_json(&self, number: u64) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.db.get_cf(self.cf(cf::WITNESSES), key(number))?)
    }

    /// Stored batches from `from`, newest last, at most `limit`.
    pub fn batches(&self, from: u64, limit: usize) -> Result<Vec<BatchRecord>, StorageError> {
        let k = key(from);
        self.db
            .iterator_cf(self.cf(cf::BATCHES), IteratorMode::From(&k, Direction::Forward))
            .take(limit)
            .map(|item| {
                let (k, v) = item?;
                decode(cf::BATCHES, &k, &v)
            })
            .collect()
    }

    /// Stores a checkpoint taken after the log records `0..next_seq` and deletes all but the
    /// previous one (not synced: a lost checkpoint only means a longer replay).
    pub fn put_checkpoint<T: Serialize>(&self, next_seq: u64, cp: &T) -> Result<(), StorageError> {
        let cf = self.cf(cf::CHECKPOINTS);
        let older: Vec<Box<[u8]>> = self
            .db
            .iterator_cf(cf, IteratorMode::From(&key(next_seq), Direction::Reverse))
            .skip_while(|item| {
                item.as_ref().is_ok_and(|(k, _)| k.as_ref() >= key(next_seq).as_slice())
            })
            .skip(1)
            .filter_map(|item| item.ok().map(|(k, _)| k))
            .collect();
        let mut b = WriteBatch::default();
        b.put_cf(cf, key(next_seq), encode(cp)?);
        for k in older {
            b.delete_cf(cf, k);
        }
        self.db.write(b)?;
        Ok(())
    }

    /// The newest checkpoint: its `next_seq` and the decoded value.
    pub fn latest_checkpoint<T: DeserializeOwned>(&self) -> Result<Option<(u64, T)>, StorageError> {
        let mut it = self.db.iterator_cf(self.cf(cf::CHECKPOINTS), IteratorMode::End);
        match it.next() {
            None => Ok(None),
            Some(item) => {
                let (k, v) = item?;
                let b: [u8; 8] = k
                    .as_ref()
                    .try_into()
                    .map_err(|_| StorageError::Gap { expected: 0, found: u64::MAX })?;
                Ok(Some((u64::from_be_bytes(b), decode(cf::CHECKPOINTS, &k, &v)?)))
            }
        }
    }

    fn write_synced(&self, b: WriteBatch) -> Result<(), StorageError> {
        let mut wo = WriteOptions::default();
        wo.set_sync(true);
        self.db.write_opt(b, &wo)?;
        Ok(())
    }
}

/// What runs once an append is durable: the acknowledgement (`Ok`) or the failure.
pub type Completion = Box<dyn FnOnce(Result<(), &StorageError>) + Send>;

/// One append: sequence number and encoded record (none: a barrier), completion.
struct Append {
    record: Option<(u64, Vec<u8>)>,
    done: Option<Completion>,
}

/// The group-commit log writer thread.
#[derive(Debug)]
pub struct WalWriter {
    tx: Option<mpsc::Sender<Append>>,
    handle: Option<JoinHandle<()>>,
}

/// Most records in one group commit.
const MAX_GROUP: usize = 4096;

impl WalWriter {
    /// Starts the writer on `store`.
    pub fn start(store: std::sync::Arc<Store>) -> Self {
        let (tx, rx) = mpsc::channel::<Append>();
        let handle = std::thread::Builder::new()
            .name("wal-writer".into())
            .spawn(move || {
                let _span = tracing::info_span!("wal_writer").entered();
                while let Ok(first) = rx.recv() {
                    let mut group = vec![first];
                    while group.len() < MAX_GROUP {
                        match rx.try_recv() {
                            Ok(a) => group.push(a),
                            Err(_) => break,
                        }
                    }
                    let mut b = WriteBatch::default();
                    for (seq, bytes) in group.iter().filter_map(|a| a.record.as_ref()) {
                        b.put_cf(store.cf(cf::WAL), key(*seq), bytes);
                    }
                    let t = std::time::Instant::now();
                    let r = store.write_synced(b);
                    metrics::histogram!("pb_wal_fsync_seconds").record(t.elapsed());
                    metrics::histogram!("pb_wal_group_size").record(group.len() as f64);
                    let failed = r.is_err();
                    if let Err(e) = &r {
                        tracing::error!(error = %e, "write-ahead log append failed");
                    }
                    for a in group {
                        if let Some(done) = a.done {
                            done(r.as_ref().map(|_| ()));
                        }
                    }
                    if failed {
                        // Nothing later may be acknowledged once a record is lost.
                        break;
                    }
                }
            })
            .expect("spawning a thread");
        Self { tx: Some(tx), handle: Some(handle) }
    }

    /// Queues a record; `done` runs after it is synced (or failed).
    pub fn append<T: Serialize>(
        &self,
        seq: u64,
        record: &T,
        done: Option<Completion>,
    ) -> Result<(), StorageError> {
        let bytes = encode(record)?;
        self.tx
            .as_ref()
            .ok_or(StorageError::WriterStopped)?
            .send(Append { record: Some((seq, bytes)), done })
            .map_err(|_| StorageError::WriterStopped)
    }

    /// Runs `done` once every record queued before it is durable (or failed).
    pub fn after_durable(&self, done: Completion) -> Result<(), StorageError> {
        self.tx
            .as_ref()
            .ok_or(StorageError::WriterStopped)?
            .send(Append { record: None, done: Some(done) })
            .map_err(|_| StorageError::WriterStopped)
    }

    /// Flushes and stops the writer.
    pub fn stop(&mut self) {
        self.tx.take();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Drop for WalWriter {
    fn drop(&mut self) {
        self.stop();
    }
}

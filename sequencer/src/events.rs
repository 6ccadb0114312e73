//! Events the node publishes to subscribers, after the input that caused them is durable.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::engine::{Fill, OrderStatus};
use crate::storage::BatchRecord;

/// Top of a market's book after a change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookTop {
    /// Market.
    pub market_id: u8,
    /// Best bid, quantums per lot.
    pub best_bid: Option<u32>,
    /// Best ask.
    pub best_ask: Option<u32>,
    /// Log sequence number of the input that changed it.
    pub seq: u64,
}

/// An event.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A fill (both accounts' subscriptions receive it).
    Fill(Fill),
    /// An order changed state (accepted, partly filled, filled, cancelled).
    Order(OrderStatus),
    /// A market's book changed.
    Book(BookTop),
    /// A batch was sealed or changed status.
    Batch(BatchRecord),
}

/// The event bus (a bounded broadcast: slow subscribers miss events, never block the node).
#[derive(Clone, Debug)]
pub struct Events {
    tx: broadcast::Sender<Arc<Event>>,
}

impl Default for Events {
    fn default() -> Self {
        Self::new()
    }
}

impl Events {
    /// A new bus.
    pub fn new() -> Self {
        Self { tx: broadcast::channel(65_536).0 }
    }

    /// Publishes an event (dropped if nobody listens).
    pub fn send(&self, e: Event) {
        if self.tx.receiver_count() > 0 {
            let _ = self.tx.send(Arc::new(e));
        }
    }

    /// Whether anybody listens (events need not be built otherwise).
    pub fn active(&self) -> bool {
        self.tx.receiver_count() > 0
    }

    /// A new receiver.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.tx.subscribe()
    }
}

//! One market's order book: price levels in price-time priority, intrusive FIFO lists in a
//! slab, O(1) cancel by order key.
//!
//! Layout (no allocation on the hot path once the slabs have grown to the book's size):
//! - `nodes`: a slab of resting orders; each node links to the previous and next order of
//!   its price level (`prev`/`next`, [`NIL`] at the ends) and names its level.
//! - `levels`: a slab of price levels (head, tail, total size, order count).
//! - `bids` / `asks`: the live levels as `(rank, level)` pairs sorted by rank, best last,
//!   where the rank is the price for bids and `u32::MAX − price` for asks. Matching consumes
//!   the best level from the end of the vector; a new level is inserted by binary search,
//!   near the end for prices near the top of the book.
//! - `index`: order key → node, for O(1) cancel (unlink, adjust the level, and drop the level
//!   if it is empty).
//!
//! The book knows nothing of signatures, margin or the spec: [`OrderBook::match_incoming`]
//! asks a caller's closure what to do with each resting order it reaches (fill, drop, stop),
//! so the engine decides with the spec and the book changes only as decided.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use proofbook_circuits::order::Side;

/// End of an intrusive list.
const NIL: u32 = u32::MAX;

/// An order's key: `account_id << 32 | order_nonce`, unique per account and nonce (the
/// spec's order identity: the slot scheme allows one order per nonce).
pub type OrderKey = u64;

/// The key of `account`'s order with nonce `nonce`.
pub const fn order_key(account: u32, nonce: u32) -> OrderKey {
    (account as u64) << 32 | nonce as u64
}

/// The account and nonce of a key.
pub const fn split_key(key: OrderKey) -> (u32, u32) {
    ((key >> 32) as u32, key as u32)
}

/// A multiplicative hasher for the integer keys of the engine's maps (`FxHash`'s mixing
/// step): deterministic and a few cycles, where the default SipHash costs tens of
/// nanoseconds. Keys are not attacker-chosen beyond what signatures already bound.
#[derive(Clone, Copy, Default)]
pub struct FxHasher(u64);

impl Hasher for FxHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u32(&mut self, x: u32) {
        self.write_u64(u64::from(x));
    }
    fn write_u16(&mut self, x: u16) {
        self.write_u64(u64::from(x));
    }
    fn write_u8(&mut self, x: u8) {
        self.write_u64(u64::from(x));
    }
}

/// A `HashMap` with [`FxHasher`].
pub type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// A resting order as the book sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RestingOrder {
    /// Key (account, nonce).
    pub key: OrderKey,
    /// Account.
    pub account: u32,
    /// Side.
    pub side: Side,
    /// Limit price (the fill price when it is the maker).
    pub price: u32,
    /// Lots left to fill.
    pub remaining: u64,
    /// Last valid second (inclusive).
    pub expiry: u64,
    /// Reduce-only flag.
    pub reduce_only: bool,
}

#[derive(Clone, Copy, Debug)]
struct Node {
    order: RestingOrder,
    prev: u32,
    next: u32,
    level: u32,
}

#[derive(Clone, Copy, Debug)]
struct Level {
    price: u32,
    head: u32,
    tail: u32,
    total: u64,
    count: u32,
}

/// What the matching loop does with the resting order it reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Fill this many lots (at most the offered size; 0 is treated as [`Decision::Stop`]).
    Fill(u64),
    /// Fill this many lots (possibly 0), then remove the resting order.
    FillThenRemove(u64),
    /// Remove the resting order without filling it, and go on.
    Remove,
    /// Stop matching; the resting order stays as it is.
    Stop,
}

/// Why a book operation was refused (the book is unchanged).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BookError {
    /// An order with this key is already resting.
    #[error("order already resting")]
    Duplicate,
    /// Size 0 or price 0.
    #[error("zero size or price")]
    Zero,
    /// No resting order has this key.
    #[error("no such resting order")]
    NotFound,
}

/// Aggregated size at one price.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LevelView {
    /// Price.
    pub price: u32,
    /// Total lots resting at the price.
    pub size: u64,
    /// Number of orders.
    pub orders: u32,
}

/// One market's order book.
#[derive(Clone, Debug, Default)]
pub struct OrderBook {
    nodes: Vec<Node>,
    free_nodes: Vec<u32>,
    levels: Vec<Level>,
    free_levels: Vec<u32>,
    bids: Vec<(u32, u32)>,
    asks: Vec<(u32, u32)>,
    index: FxMap<OrderKey, u32>,
}

const fn rank(side: Side, price: u32) -> u32 {
    match side {
        Side::Buy => price,
        Side::Sell => u32::MAX - price,
    }
}

/// Whether an incoming order on `side` with limit `limit` crosses a resting `price`.
pub const fn crosses(side: Side, limit: u32, price: u32) -> bool {
    match side {
        Side::Buy => price <= limit,
        Side::Sell => price >= limit,
    }
}

impl OrderBook {
    /// An empty book.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty book with room for `orders` resting orders without reallocating.
    pub fn with_capacity(orders: usize) -> Self {
        let mut index = FxMap::default();
        index.reserve(orders);
        Self {
            nodes: Vec::with_capacity(orders),
            levels: Vec::with_capacity(orders.min(1 << 16)),
            index,
            ..Self::default()
        }
    }

    fn side_levels(&self, side: Side) -> &Vec<(u32, u32)> {
        match side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        }
    }

    fn side_levels_mut(&mut self, side: Side) -> &mut Vec<(u32, u32)> {
        match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        }
    }

    /// Number of resting orders.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether no order rests.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The resting order with this key.
    pub fn get(&self, key: OrderKey) -> Option<&RestingOrder> {
        self.index.get(&key).map(|&i| &self.nodes[i as usize].order)
    }

    /// Best price on a side.
    pub fn best(&self, side: Side) -> Option<u32> {
        self.side_levels(side).last().map(|&(_, l)| self.levels[l as usize].price)
    }

    /// The first resting order (oldest at the best price) on a side.
    pub fn top(&self, side: Side) -> Option<&RestingOrder> {
        let &(_, l) = self.side_levels(side).last()?;
        Some(&self.nodes[self.levels[l as usize].head as usize].order)
    }

    /// Adds a resting order at the tail of its price level.
    pub fn insert(&mut self, order: RestingOrder) -> Result<(), BookError> {
        if order.remaining == 0 || order.price == 0 {
            return Err(BookError::Zero);
        }
        if self.index.contains_key(&order.key) {
            return Err(BookError::Duplicate);
        }
        let r = rank(order.side, order.price);
        let pos = self.side_levels(order.side).binary_search_by_key(&r, |&(k, _)| k);
        let level = match pos {
            Ok(p) => self.side_levels(order.side)[p].1,
            Err(p) => {
                let lv = Level { price: order.price, head: NIL, tail: NIL, total: 0, count: 0 };
                let l = match self.free_levels.pop() {
                    Some(l) => {
                        self.levels[l as usize] = lv;
                        l
                    }
                    None => {
                        self.levels.push(lv);
                        (self.levels.len() - 1) as u32
                    }
                };
                self.side_levels_mut(order.side).insert(p, (r, l));
                l
            }
        };
        let lv = self.levels[level as usize];
        let node = Node { order, prev: lv.tail, next: NIL, level };
        let n = match self.free_nodes.pop() {
            Some(n) => {
                self.nodes[n as usize] = node;
                n
            }
            None => {
                self.nodes.push(node);
                (self.nodes.len() - 1) as u32
            }
        };
        if lv.tail != NIL {
            self.nodes[lv.tail as usize].next = n;
        }
        let lv = &mut self.levels[level as usize];
        if lv.head == NIL {
            lv.head = n;
        }
        lv.tail = n;
        lv.total += order.remaining;
        lv.count += 1;
        self.index.insert(order.key, n);
        Ok(())
    }

    /// Removes a resting order (cancel): O(1) but for dropping an emptied level that is not
    /// the best one (a binary search and a move of the levels behind it).
    pub fn remove(&mut self, key: OrderKey) -> Result<RestingOrder, BookError> {
        let n = self.index.remove(&key).ok_or(BookError::NotFound)?;
        Ok(self.unlink(n))
    }

    fn unlink(&mut self, n: u32) -> RestingOrder {
        let node = self.nodes[n as usize];
        if node.prev != NIL {
            self.nodes[node.prev as usize].next = node.next;
        }
        if node.next != NIL {
            self.nodes[node.next as usize].prev = node.prev;
        }
        let lv = &mut self.levels[node.level as usize];
        if lv.head == n {
            lv.head = node.next;
        }
        if lv.tail == n {
            lv.tail = node.prev;
        }
        lv.total -= node.order.remaining;
        lv.count -= 1;
        if lv.count == 0 {
            let (side, price) = (node.order.side, lv.price);
            self.drop_level(side, price, node.level);
        }
        self.free_nodes.push(n);
        node.order
    }

    fn drop_level(&mut self, side: Side, price: u32, level: u32) {
        let r = rank(side, price);
        let levels = self.side_levels_mut(side);
        if levels.last().is_some_and(|&(k, _)| k == r) {
            levels.pop();
        } else if let Ok(p) = levels.binary_search_by_key(&r, |&(k, _)| k) {
            levels.remove(p);
        }
        self.free_levels.push(level);
    }

    /// Matches an incoming order on `side` with limit price `limit` for up to `qty` lots
    /// against the opposite side, best price first and oldest first within a price. For each
    /// resting order reached, `decide(order, offered)` (with `offered = min(qty left, order's
    /// remaining)`) says what to do. Returns the lots left unfilled.
    pub fn match_incoming<F>(&mut self, side: Side, limit: u32, mut qty: u64, mut decide: F) -> u64
    where
        F: FnMut(&RestingOrder, u64) -> Decision,
    {
        let opp = side.opposite();
        while qty > 0 {
            let Some(&(_, l)) = self.side_levels(opp).last() else { break };
            let lv = self.levels[l as usize];
            if !crosses(side, limit, lv.price) {
                break;
            }
            let n = lv.head;
            let maker = self.nodes[n as usize].order;
            let offered = qty.min(maker.remaining);
            let (fill, remove) = match decide(&maker, offered) {
                Decision::Fill(0) | Decision::Stop => break,
                Decision::Fill(q) => (q.min(offered), false),
                Decision::FillThenRemove(q) => (q.min(offered), true),
                Decision::Remove => (0, true),
            };
            qty -= fill;
            if fill == maker.remaining || remove {
                // Unlink subtracts the node's remaining from the level: reduce it first.
                self.nodes[n as usize].order.remaining -= fill;
                self.levels[l as usize].total -= fill;
                self.index.remove(&maker.key);
                self.unlink(n);
            } else {
                self.nodes[n as usize].order.remaining -= fill;
                self.levels[l as usize].total -= fill;
            }
        }
        qty
    }

    /// The best `n` levels of a side, best first.
    pub fn depth(&self, side: Side, n: usize) -> Vec<LevelView> {
        self.side_levels(side)
            .iter()
            .rev()
            .take(n)
            .map(|&(_, l)| {
                let lv = &self.levels[l as usize];
                LevelView { price: lv.price, size: lv.total, orders: lv.count }
            })
            .collect()
    }

    /// The aggregated level at `price` on `side` (size 0 if none).
    pub fn level(&self, side: Side, price: u32) -> LevelView {
        let r = rank(side, price);
        match self.side_levels(side).binary_search_by_key(&r, |&(k, _)| k) {
            Ok(p) => {
                let lv = &self.levels[self.side_levels(side)[p].1 as usize];
                LevelView { price, size: lv.total, orders: lv.count }
            }
            Err(_) => LevelView { price, size: 0, orders: 0 },
        }
    }

    /// The resting orders of a side in priority order (best price, then oldest).
    pub fn orders(&self, side: Side) -> Vec<RestingOrder> {
        let mut out = Vec::new();
        for &(_, l) in self.side_levels(side).iter().rev() {
            let mut n = self.levels[l as usize].head;
            while n != NIL {
                out.push(self.nodes[n as usize].order);
                n = self.nodes[n as usize].next;
            }
        }
        out
    }

    /// Checks the book's invariants: levels strictly sorted and non-empty, each level's
    /// total and count equal to its orders', links consistent, every order indexed and on
    /// its level's price and side, no zero-size order, and the book not crossed.
    pub fn check_invariants(&self) -> Result<(), String> {
        let mut seen = 0usize;
        for side in [Side::Buy, Side::Sell] {
            let levels = self.side_levels(side);
            for w in levels.windows(2) {
                if w[0].0 >= w[1].0 {
                    return Err(format!("{side:?} levels not strictly sorted"));
                }
            }
            for &(r, l) in levels {
                let lv = &self.levels[l as usize];
                if rank(side, lv.price) != r {
                    return Err(format!("{side:?} level rank mismatch at {}", lv.price));
                }
                let (mut n, mut prev, mut total, mut count) = (lv.head, NIL, 0u64, 0u32);
                while n != NIL {
                    let node = &self.nodes[n as usize];
                    if node.prev != prev || node.level != l {
                        return Err(format!("broken links at level {}", lv.price));
                    }
                    let o = &node.order;
                    if o.price != lv.price || o.side != side || o.remaining == 0 {
                        return Err(format!("order {} misplaced or empty", o.key));
                    }
                    if self.index.get(&o.key) != Some(&n) {
                        return Err(format!("order {} not indexed", o.key));
                    }
                    total += o.remaining;
                    count += 1;
                    prev = n;
                    n = node.next;
                }
                if lv.tail != prev || count == 0 || total != lv.total || count != lv.count {
                    return Err(format!("level {} totals inconsistent", lv.price));
                }
                seen += count as usize;
            }
        }
        if seen != self.index.len() {
            return Err(format!("{} indexed orders, {seen} on levels", self.index.len()));
        }
        if let (Some(b), Some(a)) = (self.best(Side::Buy), self.best(Side::Sell)) {
            if b >= a {
                return Err(format!("crossed book: bid {b} ≥ ask {a}"));
            }
        }
        Ok(())
    }
}

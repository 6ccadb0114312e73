//! The state: account leaves, market leaves, order slots and the config, as plain values.
//!
//! `state_root = H(STATE, accounts_root, markets_root, config_hash)` (DESIGN.md §3). The hot
//! path ([`crate::tx::apply`]) only updates values here and journals which leaves changed;
//! hashing happens per batch in [`crate::commit`], in parallel.

mod account;
mod account_target;
mod config;
mod market;
mod market_target;

use std::collections::HashMap;

pub use account::{Account, Position};
pub use account_target::{AccountTarget, PositionTarget};
pub use config::Config;
pub use market::{Market, MarketKind};
pub use market_target::MarketTarget;
use serde::{Deserialize, Serialize};

use crate::error::TxError;
use crate::order::OrderSlot;
use crate::risk::Markets;

/// Deployment-time parameters: the state a rollup starts from (its root is the genesis root
/// the L1 contract is deployed with).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Genesis {
    /// Protocol configuration.
    pub config: Config,
    /// The listed markets.
    pub markets: Vec<Market>,
    /// Genesis timestamp (unix seconds); oracle and funding times start here.
    pub timestamp: u64,
    /// L1 owner of account 0, the insurance fund and fee account, which exists from genesis.
    pub insurance_owner: alloy_primitives::Address,
}

/// One leaf written by a transaction, with its value before and after: the journal the
/// per-batch commitment and witness generation consume.
#[allow(clippy::large_enum_variant)] // accounts are the common write; boxing would allocate per write
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LeafWrite {
    /// An account leaf (without its order subtree); `before` is the empty leaf for a new
    /// account.
    Account {
        /// Account id.
        id: u32,
        /// Value before the transaction.
        before: Account,
        /// Value after.
        after: Account,
    },
    /// A market leaf.
    Market {
        /// Market id.
        id: u8,
        /// Value before.
        before: Market,
        /// Value after.
        after: Market,
    },
    /// An order slot of an account.
    Slot {
        /// Account id.
        account: u32,
        /// Slot index.
        slot: u16,
        /// Value before.
        before: OrderSlot,
        /// Value after.
        after: OrderSlot,
    },
}

/// The writes of one applied transaction, in order: slots first, then accounts, then markets.
pub type TxWrites = Vec<LeafWrite>;

/// The rollup state as values.
#[derive(Clone, Debug)]
pub struct State {
    accounts: HashMap<u32, Account>,
    markets: Vec<Option<Market>>,
    slots: HashMap<(u32, u16), OrderSlot>,
    config: Config,
    now: u64,
    journal: Vec<TxWrites>,
}

/// Why a genesis is not a valid starting state.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GenesisError {
    /// A market id is 0 (reserved for "none") or listed twice.
    #[error("market id {0} is reserved or listed twice")]
    MarketId(u8),
    /// A market's terms are inconsistent or out of bounds.
    #[error("market {0}: {1}")]
    MarketTerms(u8, &'static str),
    /// A config value is out of bounds.
    #[error("config: {0}")]
    Config(&'static str),
    /// The genesis timestamp exceeds the timestamp bound.
    #[error("timestamp out of bounds")]
    Timestamp,
}

impl Genesis {
    /// Checks every bound the rules and the leaf encodings rely on.
    pub fn validate(&self) -> Result<(), GenesisError> {
        use crate::constants::{MAX_TIMESTAMP, PPM};
        use plonky2::field::types::Field64;
        let c = &self.config;
        if c.oracle_pubkey.iter().any(|&l| l >= crate::hash::F::ORDER) {
            return Err(GenesisError::Config("oracle key limb not canonical"));
        }
        let ppm = u64::from;
        if ppm(c.max_fee_ppm) > PPM
            || ppm(c.liquidation_fee_cap_ppm) > PPM
            || ppm(c.funding_cap_ppm_per_hour) > PPM
        {
            return Err(GenesisError::Config("a ppm value above 10^6"));
        }
        if c.chain_id >= crate::hash::F::ORDER {
            return Err(GenesisError::Config("chain id not canonical"));
        }
        if self.insurance_owner.is_zero() {
            return Err(GenesisError::Config("insurance owner is the zero address"));
        }
        if self.timestamp > MAX_TIMESTAMP {
            return Err(GenesisError::Timestamp);
        }
        let mut seen = [false; 256];
        for m in &self.markets {
            let id = usize::from(m.id);
            if m.id == 0 || seen[id] {
                return Err(GenesisError::MarketId(m.id));
            }
            seen[id] = true;
            let bad = |why| Err(GenesisError::MarketTerms(m.id, why));
            if m.tick_size == 0 {
                return bad("tick size 0");
            }
            if ppm(m.imf_ppm) > PPM
                || ppm(m.mmf_ppm) > PPM
                || ppm(m.im_floor_ppm) > PPM
                || m.mmf_ppm > m.imf_ppm
            {
                return bad("margin fractions must satisfy mmf ≤ imf ≤ 10^6");
            }
            if m.expiry > MAX_TIMESTAMP
                || m.oracle_time > MAX_TIMESTAMP
                || m.funding_time > MAX_TIMESTAMP
            {
                return bad("timestamp out of bounds");
            }
            if m.lot_size >= 1 << 62
                || m.open_interest != 0
                || m.funding_index != 0
                || m.settlement_price != 0
            {
                return bad("lot size out of bounds, or a non-fresh market");
            }
            if m.kind == MarketKind::Perp && (m.strike != 0 || m.expiry != 0) {
                return bad("a perpetual has no strike or expiry");
            }
            if m.kind.is_option() && (m.strike == 0 || m.expiry <= self.timestamp) {
                return bad("an option needs a strike and a future expiry");
            }
        }
        Ok(())
    }
}

/// A [`State`] between batches as plain, serialisable values (no journal): what a node's
/// checkpoint stores. Lists are sorted by id, so equal states give equal snapshots.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateSnapshot {
    /// Accounts by id.
    pub accounts: Vec<(u32, Account)>,
    /// Listed markets by id.
    pub markets: Vec<Market>,
    /// Used order slots by (account, slot).
    pub slots: Vec<(u32, u16, OrderSlot)>,
    /// The config.
    pub config: Config,
    /// The batch timestamp.
    pub now: u64,
}

impl State {
    /// The state's values (the journal of the open batch is not included).
    pub fn snapshot(&self) -> StateSnapshot {
        let mut accounts: Vec<(u32, Account)> =
            self.accounts.iter().map(|(k, v)| (*k, v.clone())).collect();
        accounts.sort_unstable_by_key(|(k, _)| *k);
        let mut slots: Vec<(u32, u16, OrderSlot)> =
            self.slots.iter().map(|(&(a, s), v)| (a, s, *v)).collect();
        slots.sort_unstable_by_key(|&(a, s, _)| (a, s));
        StateSnapshot {
            accounts,
            markets: self.markets.iter().flatten().cloned().collect(),
            slots,
            config: self.config.clone(),
            now: self.now,
        }
    }

    /// The state a snapshot was taken of, with an empty journal. The values are taken as
    /// they are (a snapshot comes from [`State::snapshot`] of a valid state).
    pub fn from_snapshot(s: StateSnapshot) -> Self {
        let mut markets = vec![None; 256];
        for m in s.markets {
            let id = usize::from(m.id);
            markets[id] = Some(m);
        }
        Self {
            accounts: s.accounts.into_iter().collect(),
            markets,
            slots: s.slots.into_iter().map(|(a, slot, v)| ((a, slot), v)).collect(),
            config: s.config,
            now: s.now,
            journal: Vec::new(),
        }
    }
}

impl Markets for State {
    fn market(&self, id: u8) -> Option<&Market> {
        self.markets[usize::from(id)].as_ref()
    }
}

impl State {
    /// The state at genesis: the insurance account, the listed markets, the config.
    pub fn genesis(genesis: &Genesis) -> Result<Self, GenesisError> {
        genesis.validate()?;
        let mut markets = vec![None; 256];
        for m in &genesis.markets {
            let mut m = m.clone();
            m.oracle_time = m.oracle_time.max(genesis.timestamp);
            m.funding_time = m.funding_time.max(genesis.timestamp);
            let id = usize::from(m.id);
            markets[id] = Some(m);
        }
        let insurance = Account { l1_address: genesis.insurance_owner, ..Account::default() };
        Ok(Self {
            accounts: HashMap::from([(crate::constants::INSURANCE_ACCOUNT, insurance)]),
            markets,
            slots: HashMap::new(),
            config: genesis.config.clone(),
            now: genesis.timestamp,
            journal: Vec::new(),
        })
    }

    /// The config.
    pub const fn config(&self) -> &Config {
        &self.config
    }

    /// The current batch timestamp (orders expire against it).
    pub const fn now(&self) -> u64 {
        self.now
    }

    /// Starts a batch at `timestamp`; time never goes backwards.
    pub fn begin_batch(&mut self, timestamp: u64) -> Result<(), TxError> {
        if timestamp < self.now {
            return Err(TxError::TimeGoesBackwards);
        }
        self.now = timestamp;
        Ok(())
    }

    /// An existing account.
    pub fn account(&self, id: u32) -> Option<&Account> {
        self.accounts.get(&id)
    }

    /// All existing accounts (unordered).
    pub fn accounts(&self) -> impl Iterator<Item = (u32, &Account)> {
        self.accounts.iter().map(|(k, v)| (*k, v))
    }

    /// Number of existing accounts.
    pub fn num_accounts(&self) -> usize {
        self.accounts.len()
    }

    /// All listed markets, by id.
    pub fn markets(&self) -> impl Iterator<Item = &Market> {
        self.markets.iter().flatten()
    }

    /// An order slot (the empty slot if unused).
    pub fn slot(&self, account: u32, slot: u16) -> OrderSlot {
        self.slots.get(&(account, slot)).copied().unwrap_or_default()
    }

    /// All used order slots (unordered).
    pub fn slots(&self) -> impl Iterator<Item = ((u32, u16), &OrderSlot)> {
        self.slots.iter().map(|(k, v)| (*k, v))
    }

    /// The leaves written since the journal was last taken, one entry per transaction.
    pub fn journal(&self) -> &[TxWrites] {
        &self.journal
    }

    /// Takes the journal (at the end of a batch, to commit and build the witness).
    pub fn take_journal(&mut self) -> Vec<TxWrites> {
        std::mem::take(&mut self.journal)
    }

    /// Sum of all collateral as stored (including the insurance account's fees). Funding is
    /// settled lazily, so this differs from [`Self::net_collateral`] by unsettled funding.
    pub fn total_collateral(&self) -> i128 {
        self.accounts.values().map(|a| i128::from(a.collateral)).sum()
    }

    /// Sum of all collateral as if every account's pending funding and every position in a
    /// settled option market were settled now: equals deposits minus withdrawals at all
    /// times (both are transfers between accounts that net to exactly zero).
    pub fn net_collateral(&self) -> i128 {
        self.accounts
            .values()
            .map(|a| {
                i128::from(a.collateral) - crate::risk::pending_funding(a, self)
                    + crate::risk::pending_settlement(a, self)
            })
            .sum()
    }

    pub(crate) fn commit(&mut self, ov: OverlayWrites) {
        let mut writes = Vec::with_capacity(ov.slots.len() + ov.accounts.len() + ov.markets.len());
        for ((account, slot), after) in ov.slots {
            let before = if after.is_empty() {
                self.slots.remove(&(account, slot))
            } else {
                self.slots.insert((account, slot), after)
            };
            writes.push(LeafWrite::Slot {
                account,
                slot,
                before: before.unwrap_or_default(),
                after,
            });
        }
        for (id, after) in ov.accounts {
            let before = self.accounts.insert(id, after.clone()).unwrap_or_default();
            writes.push(LeafWrite::Account { id, before, after });
        }
        for (id, after) in ov.markets {
            let slot = &mut self.markets[usize::from(id)];
            let before = slot.replace(after.clone()).unwrap_or_else(|| after.clone());
            writes.push(LeafWrite::Market { id, before, after });
        }
        self.journal.push(writes);
    }
}

/// The leaves a finished transaction writes.
#[derive(Debug)]
pub(crate) struct OverlayWrites {
    accounts: Vec<(u32, Account)>,
    markets: Vec<(u8, Market)>,
    slots: Vec<((u32, u16), OrderSlot)>,
}

/// A transaction's scratch copy of the leaves it touches (copy on write). Nothing reaches
/// the state unless the whole transaction succeeds: that is how every rejection leaves the
/// state unchanged.
#[derive(Debug)]
pub(crate) struct Overlay<'a> {
    pub(crate) state: &'a State,
    accounts: Vec<(u32, Account)>,
    markets: Vec<(u8, Market)>,
    slots: Vec<((u32, u16), OrderSlot)>,
}

impl Markets for Overlay<'_> {
    fn market(&self, id: u8) -> Option<&Market> {
        self.markets
            .iter()
            .find(|(k, _)| *k == id)
            .map(|(_, m)| m)
            .or_else(|| self.state.market(id))
    }
}

impl<'a> Overlay<'a> {
    pub(crate) const fn new(state: &'a State) -> Self {
        Self { state, accounts: Vec::new(), markets: Vec::new(), slots: Vec::new() }
    }

    /// Ends the transaction: its writes, to commit.
    pub(crate) fn into_writes(self) -> OverlayWrites {
        OverlayWrites { accounts: self.accounts, markets: self.markets, slots: self.slots }
    }

    pub(crate) fn config(&self) -> &'a Config {
        &self.state.config
    }

    pub(crate) const fn now(&self) -> u64 {
        self.state.now
    }

    /// An existing account (as modified so far).
    pub(crate) fn account(&self, id: u32) -> Result<&Account, TxError> {
        self.accounts
            .iter()
            .find(|(k, _)| *k == id)
            .map(|(_, a)| a)
            .or_else(|| self.state.accounts.get(&id))
            .ok_or(TxError::AccountNotFound(id))
    }

    /// A mutable copy of an existing account.
    pub(crate) fn account_mut(&mut self, id: u32) -> Result<&mut Account, TxError> {
        let pos = match self.accounts.iter().position(|(k, _)| *k == id) {
            Some(p) => p,
            None => {
                let a = self.state.accounts.get(&id).ok_or(TxError::AccountNotFound(id))?;
                self.accounts.push((id, a.clone()));
                self.accounts.len() - 1
            }
        };
        Ok(&mut self.accounts[pos].1)
    }

    /// A mutable copy of an account, created empty if it does not exist (deposits).
    pub(crate) fn account_or_new(&mut self, id: u32) -> &mut Account {
        if !self.accounts.iter().any(|(k, _)| *k == id) {
            let a = self.state.accounts.get(&id).cloned().unwrap_or_default();
            self.accounts.push((id, a));
        }
        let pos = self.accounts.iter().position(|(k, _)| *k == id).unwrap_or_default();
        &mut self.accounts[pos].1
    }

    /// An existing market (as modified so far).
    pub(crate) fn market_checked(&self, id: u8) -> Result<&Market, TxError> {
        self.market(id).ok_or(TxError::MarketNotFound(id))
    }

    /// A mutable copy of an existing market.
    pub(crate) fn market_mut(&mut self, id: u8) -> Result<&mut Market, TxError> {
        let pos = match self.markets.iter().position(|(k, _)| *k == id) {
            Some(p) => p,
            None => {
                let m = self.state.market(id).ok_or(TxError::MarketNotFound(id))?;
                self.markets.push((id, m.clone()));
                self.markets.len() - 1
            }
        };
        Ok(&mut self.markets[pos].1)
    }

    /// An order slot (as modified so far).
    pub(crate) fn slot(&self, account: u32, slot: u16) -> OrderSlot {
        self.slots
            .iter()
            .find(|(k, _)| *k == (account, slot))
            .map_or_else(|| self.state.slot(account, slot), |(_, s)| *s)
    }

    /// Writes an order slot.
    pub(crate) fn set_slot(&mut self, account: u32, slot: u16, value: OrderSlot) {
        match self.slots.iter_mut().find(|(k, _)| *k == (account, slot)) {
            Some((_, s)) => *s = value,
            None => self.slots.push(((account, slot), value)),
        }
    }
}

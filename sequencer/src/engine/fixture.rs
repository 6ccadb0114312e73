//! A ready-made venue for tests, benches and examples: a genesis with BTC and ETH
//! perpetuals and a BTC call and put, funded accounts with deterministic L2 keys, and the
//! first oracle prices applied.

use alloy_primitives::Address;
use proofbook_circuits::client::L2Signer;
use proofbook_circuits::order::{Order, OrderFlags, Side, SignedOrder};
use proofbook_circuits::pubdata::{DepositOp, PriceEntry};
use proofbook_circuits::schnorr::SecretKey;
use proofbook_circuits::state::{Config, Genesis, Market, MarketKind, State};
use proofbook_circuits::tx::CancelOrder;

use super::{Engine, EngineConfig, EngineError};

/// Genesis time: 2026-01-01T00:00:00Z.
pub const T0: u64 = 1_767_225_600;
/// One USDC in quantums.
pub const USDC: u64 = 1_000_000;
/// BTC perpetual: lot 0.001 BTC, tick 0.1 USDC per lot.
pub const BTC_PERP: u8 = 1;
/// ETH perpetual: lot 0.01 ETH, tick 0.01 USDC per lot.
pub const ETH_PERP: u8 = 2;
/// BTC call, strike 110 000 USD (110 USDC per 0.001-BTC lot), one week.
pub const BTC_CALL: u8 = 3;
/// BTC put, strike 90 000 USD, one week.
pub const BTC_PUT: u8 = 4;
/// BTC at 100 000 USD: 100 USDC per lot, in quantums.
pub const BTC_PRICE: u32 = 100_000_000;
/// ETH at 4 000 USD: 40 USDC per 0.01-ETH lot.
pub const ETH_PRICE: u32 = 40_000_000;
/// BTC-PERP tick.
pub const BTC_TICK: u32 = 100_000;

/// A deterministic L2 signer (secret key = `seed`, which must be non-zero).
pub fn signer(seed: u32) -> L2Signer {
    let mut b = [0u8; 40];
    b[..4].copy_from_slice(&seed.max(1).to_le_bytes());
    b[8] = 0x5a; // keep keys away from tiny scalars
    L2Signer::new(SecretKey::from_bytes(&b).unwrap_or_else(|_| unreachable!("canonical scalar")))
}

/// The signer of the venue's account `id`.
pub fn account_signer(id: u32) -> L2Signer {
    signer(1000 + id)
}

/// The markets: BTC and ETH perps, a BTC call and put expiring a week after [`T0`].
pub fn markets() -> Vec<Market> {
    let expiry = T0 + 7 * 86_400;
    vec![
        Market::perp(BTC_PERP, 1).with_tick_size(BTC_TICK),
        Market::perp(ETH_PERP, 2).with_lot_size(1_000_000).with_tick_size(10_000),
        Market::option(BTC_CALL, MarketKind::Call, 1, 110_000_000, expiry).with_tick_size(10_000),
        Market::option(BTC_PUT, MarketKind::Put, 1, 90_000_000, expiry).with_tick_size(10_000),
    ]
}

/// A venue: the engine and the keys of its accounts.
#[derive(Debug)]
pub struct Venue {
    /// The engine.
    pub engine: Engine,
    /// Signers of accounts `1..=n` (index `id − 1`).
    pub signers: Vec<L2Signer>,
    /// The oracle's signer.
    pub oracle: L2Signer,
    /// The genesis.
    pub genesis: Genesis,
}

impl Venue {
    /// `accounts` accounts (ids 1..=accounts) with `usdc` USDC each, the first oracle prices
    /// at `T0 + 30`, and the batch time at `T0 + 60`.
    pub fn new(accounts: u32, usdc: u64, cfg: EngineConfig) -> Result<Self, EngineError> {
        let oracle = signer(ORACLE_SEED);
        let config = Config {
            oracle_pubkey: oracle.pubkey(),
            max_fee_ppm: 1_000,
            funding_cap_ppm_per_hour: 1_000,
            liquidation_fee_cap_ppm: 20_000,
            chain_id: 31_337,
            rollup: Address::repeat_byte(0x70),
        };
        let genesis = Genesis {
            config,
            markets: markets(),
            timestamp: T0,
            insurance_owner: Address::repeat_byte(0x99),
        };
        let state = State::genesis(&genesis)
            .map_err(|_| EngineError::NotAllowed("the fixture's genesis is valid"))?;
        let mut engine = Engine::new(state, cfg);
        engine.begin_batch(T0 + 60)?;
        let signers: Vec<L2Signer> = (1..=accounts).map(account_signer).collect();
        let mut venue = Self { engine, signers, oracle, genesis };
        for id in 1..=accounts {
            venue.deposit(id, usdc)?;
        }
        venue.set_prices(
            T0 + 30,
            &[(BTC_PERP, BTC_PRICE, BTC_PRICE), (ETH_PERP, ETH_PRICE, ETH_PRICE)],
        )?;
        venue.set_prices(
            T0 + 30,
            &[(BTC_CALL, 2_000_000, BTC_PRICE), (BTC_PUT, 1_500_000, BTC_PRICE)],
        )?;
        Ok(venue)
    }

    /// Deposits `usdc` USDC to account `id` (one of the venue's).
    pub fn deposit(&mut self, id: u32, usdc: u64) -> Result<(), EngineError> {
        let mut addr = [0u8; 20];
        addr[16..].copy_from_slice(&id.to_be_bytes());
        let pubkey = self.signer(id).pubkey();
        let d = DepositOp {
            account_id: id,
            l1_address: Address::from(addr),
            pubkey,
            amount: usdc * USDC,
        };
        self.engine.deposit(d).map(|_| ())
    }

    /// Applies a signed oracle update `(market, mark, index)` at `timestamp`.
    pub fn set_prices(
        &mut self,
        timestamp: u64,
        prices: &[(u8, u32, u32)],
    ) -> Result<(), EngineError> {
        let entries = prices
            .iter()
            .map(|&(market_id, mark, index)| PriceEntry { market_id, mark, index })
            .collect();
        let o = self.oracle.oracle_prices(self.engine.config(), timestamp, entries);
        self.engine.apply_tx(proofbook_circuits::tx::Tx::OraclePrices(o)).map(|_| ())
    }

    /// The signer of account `id`.
    pub fn signer(&self, id: u32) -> &L2Signer {
        &self.signers[id as usize - 1]
    }

    /// A signed good-till-expiry limit order (expiry a day after [`T0`], fee cap 1 000 ppm).
    #[allow(clippy::too_many_arguments)] // an order's terms
    pub fn order(
        &self,
        account_id: u32,
        market_id: u8,
        side: Side,
        price: u32,
        size: u64,
        nonce: u32,
        flags: OrderFlags,
    ) -> SignedOrder {
        let o = Order {
            account_id,
            market_id,
            side,
            price,
            size,
            nonce,
            expiry: T0 + 86_400,
            flags,
            max_fee_ppm: 1_000,
        };
        self.signer(account_id).sign_order(self.engine.config(), o)
    }

    /// A signed cancel of `order_nonce` with the account's current nonce.
    pub fn cancel(&self, account_id: u32, order_nonce: u32) -> CancelOrder {
        let nonce = self.engine.state().account(account_id).map_or(0, |a| a.nonce);
        self.signer(account_id).cancel(self.engine.config(), account_id, order_nonce, nonce)
    }
}

/// Seed of the oracle key.
const ORACLE_SEED: u32 = 0x0c1e;

//! Shared fixture for the rules' integration tests: a deployment with priced markets and
//! funded accounts whose L2 keys come from Ethereum wallets.

#![allow(dead_code, unreachable_pub)] // each test binary uses its own part of the fixture

use alloy_primitives::{Address, B256};
use alloy_signer_local::PrivateKeySigner;
use proofbook_circuits::client::L2Signer;
use proofbook_circuits::error::TxError;
use proofbook_circuits::order::{Order, OrderFlags, Side, SignedOrder};
use proofbook_circuits::pubdata::{DepositOp, PriceEntry};
use proofbook_circuits::state::{Config, Genesis, Market, MarketKind, State};
use proofbook_circuits::tx::{apply, Receipt, Tx};

pub const T0: u64 = 1_767_225_600;
pub const USDC: u64 = 1_000_000;
pub const BTC: u8 = 1;
pub const CALL: u8 = 3;
pub const EXPIRY: u64 = T0 + 7_200;

pub const MAKER: u32 = 1;
pub const TAKER: u32 = 2;
pub const SMALL: u32 = 3;
pub const LIQUIDATOR: u32 = 4;

pub fn wallet(byte: u8) -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&B256::repeat_byte(byte)).unwrap()
}

pub fn markets() -> Vec<Market> {
    vec![
        Market::perp(BTC, 1).with_tick_size(100_000),
        Market::option(CALL, MarketKind::Call, 1, 110_000_000, EXPIRY).with_tick_size(10_000),
    ]
}

pub struct Fixture {
    pub state: State,
    pub config: Config,
    pub oracle: L2Signer,
    pub signers: Vec<L2Signer>,
    pub wallets: Vec<PrivateKeySigner>,
    pub genesis: Genesis,
}

impl Fixture {
    /// Accounts 1..=4 funded (maker 1M, taker 100k, small 1 200, liquidator 100k USDC);
    /// BTC-PERP at 100 000 USD (per-lot price 100 000 000) and a priced call.
    pub fn new() -> Self {
        let rollup = Address::repeat_byte(0x70);
        let oracle = L2Signer::from_ethereum(&wallet(0x0c), 31_337, &rollup).unwrap();
        let config = Config {
            oracle_pubkey: oracle.pubkey(),
            max_fee_ppm: 1_000,
            funding_cap_ppm_per_hour: 1_000,
            liquidation_fee_cap_ppm: 20_000,
            chain_id: 31_337,
            rollup,
        };
        let genesis = Genesis {
            config: config.clone(),
            markets: markets(),
            timestamp: T0,
            insurance_owner: Address::repeat_byte(0x99),
        };
        let wallets: Vec<_> = (1..=4).map(|i| wallet(0x10 + i)).collect();
        let signers: Vec<_> =
            wallets.iter().map(|w| L2Signer::from_ethereum(w, 31_337, &rollup).unwrap()).collect();
        let mut f = Self {
            state: State::genesis(&genesis).unwrap(),
            config,
            oracle,
            signers,
            wallets,
            genesis,
        };
        f.state.begin_batch(T0 + 60).unwrap();
        for (id, usdc) in
            [(MAKER, 1_000_000), (TAKER, 100_000), (SMALL, 1_200), (LIQUIDATOR, 100_000)]
        {
            f.ok(Tx::Deposit(DepositOp {
                account_id: id,
                l1_address: f.address(id),
                pubkey: f.signer(id).pubkey(),
                amount: usdc * USDC,
            }));
        }
        f.prices(T0 + 30, &[(BTC, 100_000_000, 100_000_000), (CALL, 2_000_000, 100_000_000)]);
        f.state.take_journal();
        f
    }

    pub fn signer(&self, id: u32) -> &L2Signer {
        &self.signers[id as usize - 1]
    }

    pub fn address(&self, id: u32) -> Address {
        self.wallets[id as usize - 1].address()
    }

    pub fn ok(&mut self, tx: Tx) -> Receipt {
        apply(&mut self.state, &tx).unwrap_or_else(|e| panic!("{tx:?} rejected: {e}"))
    }

    pub fn prices(&mut self, ts: u64, e: &[(u8, u32, u32)]) {
        let entries = e
            .iter()
            .map(|&(market_id, mark, index)| PriceEntry { market_id, mark, index })
            .collect();
        let o = self.oracle.oracle_prices(&self.config, ts, entries);
        self.ok(Tx::OraclePrices(o));
    }

    pub fn order(&self, account_id: u32, side: Side, price: u32, size: u64, nonce: u32) -> Order {
        Order {
            account_id,
            market_id: BTC,
            side,
            price,
            size,
            nonce,
            expiry: T0 + 86_400,
            flags: OrderFlags::default(),
            max_fee_ppm: 500,
        }
    }

    pub fn sign(&self, o: Order) -> SignedOrder {
        self.signer(o.account_id).sign_order(&self.config, o)
    }

    /// Applies `tx`, expects `expected`, and checks the state (root and values) did not change.
    pub fn rejects(&mut self, tx: Tx, expected: TxError) {
        let root = self.state.state_root();
        let total = self.state.net_collateral();
        let journal = self.state.journal().len();
        let err = apply(&mut self.state, &tx).expect_err("must be rejected");
        assert_eq!(err, expected, "{tx:?}");
        assert_eq!(self.state.state_root(), root, "a rejected tx changed the state root");
        assert_eq!(self.state.net_collateral(), total);
        assert_eq!(self.state.journal().len(), journal, "a rejected tx wrote leaves");
    }
}

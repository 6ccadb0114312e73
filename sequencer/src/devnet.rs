//! The embedded development network: deployment domain, markets, dev wallets, the oracle
//! key and the genesis deposits that fund the dev accounts.
//!
//! A fresh `proofbook node` data directory starts from [`genesis`] at the wall-clock time of
//! its creation (stored, so restarts reuse it). Dev accounts `1..=n` are funded by L1-origin
//! deposit inputs written to the log before anything else (see [`dev_deposits`]): they are
//! ordinary `Deposit` transactions of the first batch, exactly as if `n` deposits had arrived
//! from the L1 priority queue. Their Ethereum wallets are derived from a public label, so the
//! CLI and the load generator can sign for them; they exist only on the devnet.

use alloy_primitives::{keccak256, Address};
use alloy_signer_local::PrivateKeySigner;
use proofbook_circuits::client::L2Signer;
use proofbook_circuits::keys::KeyError;
use proofbook_circuits::pubdata::DepositOp;
use proofbook_circuits::state::{Config, Genesis, Market, MarketKind};

use crate::engine::{EngineConfig, Liquidator, SimulatedOracle, VolSurface};

/// Chain id of the devnet (anvil's).
pub const CHAIN_ID: u64 = 31_337;
/// USDC in quantums.
pub const USDC: u64 = 1_000_000;
/// Collateral each dev account receives at genesis.
pub const DEV_DEPOSIT: u64 = 10_000_000 * USDC;
/// Account of the devnet's backstop liquidator (funded at genesis, after the dev accounts).
pub const LIQUIDATOR_ACCOUNT: u32 = 1 << 24;
/// Collateral of the liquidator.
pub const LIQUIDATOR_DEPOSIT: u64 = 100_000_000 * USDC;
/// Starting spots of the simulated oracle: `(underlying, USD per unit)` (BTC, ETH).
pub const SPOTS: [(u8, f64); 2] = [(market::BTC_PERP, 100_000.0), (market::ETH_PERP, 4_000.0)];
/// Annual volatility of the simulated oracle's random walk.
pub const ANNUAL_VOL: f64 = 0.5;
/// Option expiry: 30 days after genesis.
pub const OPTION_LIFETIME: u64 = 30 * 86_400;

/// Market ids of the devnet.
pub mod market {
    /// BTC perpetual, lot 0.001 BTC, tick 0.1 USDC.
    pub const BTC_PERP: u8 = 1;
    /// ETH perpetual, lot 0.01 ETH, tick 0.01 USDC.
    pub const ETH_PERP: u8 = 2;
    /// First market of the BTC option chain (calls, then puts, strikes 90k/100k/110k).
    pub const FIRST_OPTION: u8 = 3;
    /// Strikes of the chain, USD.
    pub const STRIKES: [u32; 3] = [90_000, 100_000, 110_000];
}

/// The rollup contract address of the devnet domain.
pub fn rollup() -> Address {
    Address::repeat_byte(0x70)
}

/// The Ethereum wallet of a labelled dev identity: `keccak256("proofbook-dev/" ‖ label)`.
pub fn wallet(label: &str) -> PrivateKeySigner {
    let seed = keccak256(format!("proofbook-dev/{label}"));
    PrivateKeySigner::from_bytes(&seed).expect("a keccak output is a valid key")
}

/// The Ethereum wallet of dev account `id`.
pub fn dev_wallet(id: u32) -> PrivateKeySigner {
    wallet(&format!("account/{id}"))
}

/// The L2 signer of dev account `id` (derived from its wallet like any user's key).
pub fn dev_signer(id: u32) -> Result<L2Signer, KeyError> {
    L2Signer::from_ethereum(&dev_wallet(id), CHAIN_ID, &rollup())
}

/// The simulated oracle's signer.
pub fn oracle_signer() -> Result<L2Signer, KeyError> {
    L2Signer::from_ethereum(&wallet("oracle"), CHAIN_ID, &rollup())
}

/// The liquidator's signer.
pub fn liquidator_signer() -> Result<L2Signer, KeyError> {
    L2Signer::from_ethereum(&wallet("liquidator"), CHAIN_ID, &rollup())
}

/// The matching and risk engine's settings on the devnet: default fees and self-trade
/// policy, and the liquidator account as the backstop liquidator.
pub fn engine_config() -> Result<EngineConfig, KeyError> {
    Ok(EngineConfig {
        liquidator: Some(Liquidator {
            account_id: LIQUIDATOR_ACCOUNT,
            signer: liquidator_signer()?,
            first_nonce: 1,
        }),
        ..EngineConfig::default()
    })
}

/// The simulated oracle of the devnet, signing with the devnet oracle key, seeded with
/// `seed`. The genesis feed (seed 0) has no perpetual basis, so the first marks are round.
pub fn oracle(seed: u64) -> Result<SimulatedOracle, KeyError> {
    let o = SimulatedOracle::new(oracle_signer()?, seed, &SPOTS, ANNUAL_VOL, VolSurface::default());
    Ok(if seed == 0 { o.with_basis_sd(0.0) } else { o })
}

/// The devnet's markets: two perps and a six-option BTC chain expiring at `expiry`.
pub fn markets(expiry: u64) -> Vec<Market> {
    let mut v = vec![
        Market::perp(market::BTC_PERP, market::BTC_PERP).with_tick_size(100_000),
        Market::perp(market::ETH_PERP, market::ETH_PERP)
            .with_lot_size(1_000_000)
            .with_tick_size(10_000),
    ];
    let mut id = market::FIRST_OPTION;
    for kind in [MarketKind::Call, MarketKind::Put] {
        for strike in market::STRIKES {
            // Prices are quantums per lot of 0.001 BTC: a strike of K USD is K·1000 quantums.
            v.push(
                Market::option(id, kind, market::BTC_PERP, strike * 1_000, expiry)
                    .with_tick_size(10_000),
            );
            id += 1;
        }
    }
    v
}

/// Human name of a devnet market.
pub fn market_name(m: &Market) -> String {
    match m.kind {
        MarketKind::Perp if m.id == market::BTC_PERP => "BTC-PERP".into(),
        MarketKind::Perp if m.id == market::ETH_PERP => "ETH-PERP".into(),
        MarketKind::Perp => format!("PERP-{}", m.id),
        MarketKind::Call => format!("BTC-{}-C", m.strike / 1_000),
        MarketKind::Put => format!("BTC-{}-P", m.strike / 1_000),
    }
}

/// The devnet genesis at `timestamp`.
pub fn genesis(timestamp: u64) -> Result<Genesis, KeyError> {
    let config = Config {
        oracle_pubkey: oracle_signer()?.pubkey(),
        max_fee_ppm: 1_000,
        funding_cap_ppm_per_hour: 1_000,
        liquidation_fee_cap_ppm: 20_000,
        chain_id: CHAIN_ID,
        rollup: rollup(),
    };
    Ok(Genesis {
        config,
        markets: markets(timestamp + OPTION_LIFETIME),
        timestamp,
        insurance_owner: wallet("insurance").address(),
    })
}

/// The genesis deposit funding the liquidator.
pub fn liquidator_deposit() -> Result<DepositOp, KeyError> {
    Ok(DepositOp {
        account_id: LIQUIDATOR_ACCOUNT,
        l1_address: wallet("liquidator").address(),
        pubkey: liquidator_signer()?.pubkey(),
        amount: LIQUIDATOR_DEPOSIT,
    })
}

/// The genesis deposits funding dev accounts `1..=n`, in account order.
pub fn dev_deposits(n: u32) -> Result<Vec<DepositOp>, KeyError> {
    (1..=n)
        .map(|id| {
            Ok(DepositOp {
                account_id: id,
                l1_address: dev_wallet(id).address(),
                pubkey: dev_signer(id)?.pubkey(),
                amount: DEV_DEPOSIT,
            })
        })
        .collect()
}

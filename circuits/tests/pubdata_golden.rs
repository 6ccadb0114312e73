//! Golden vectors of the public-data byte format (`docs/pubdata.md`), and encode/decode
//! round trips on random records.
//!
//! Regenerate the vector file after a deliberate format change with
//! `UPDATE_GOLDEN=1 cargo test -p proofbook-circuits --test pubdata_golden`, and update
//! `docs/pubdata.md` to match.

use alloy_primitives::Address;
use proofbook_circuits::order::{OrderFlags, Side};
use proofbook_circuits::pubdata::*;
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/pubdata.json");

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Vector {
    name: String,
    op: PubOp,
    hex: String,
}

fn addr(b: u8) -> Address {
    Address::from([b; 20])
}

fn terms(nonce: u32, price: u32) -> OrderTerms {
    OrderTerms {
        nonce,
        size: 5_000,
        expiry: 1_767_225_600,
        flags: OrderFlags { post_only: true, reduce_only: false, ioc: false },
        max_fee_ppm: 500,
        price,
    }
}

fn examples() -> Vec<(&'static str, PubOp)> {
    vec![
        ("noop", PubOp::Noop),
        (
            "deposit",
            PubOp::Deposit(DepositOp {
                account_id: 7,
                l1_address: addr(0xaa),
                pubkey: [1, 2, 3, 4, 0xffff_ffff_0000_0000],
                amount: 1_000_000_000,
            }),
        ),
        (
            "forced_withdrawal_rejected_margin",
            PubOp::ForcedWithdrawal(ForcedWithdrawalOp {
                account_id: 7,
                l1_address: addr(0xaa),
                amount: 500_000_000,
                status: ForcedWithdrawalStatus::InsufficientMargin,
            }),
        ),
        ("withdraw", PubOp::Withdraw { account_id: 9, amount: 123_456 }),
        ("transfer", PubOp::Transfer { from: 1, to: 2, amount: 42 }),
        (
            "trade_continuing_fills",
            PubOp::Trade(TradeOp {
                maker: FillSide { account_id: 3, slot: 17, fee_ppm: 100, first_fill: None },
                taker: FillSide { account_id: 4, slot: 9, fee_ppm: 300, first_fill: None },
                market_id: 1,
                taker_side: Side::Buy,
                size: 250,
                price: 64_000_000,
            }),
        ),
        (
            "trade_first_fills",
            PubOp::Trade(TradeOp {
                maker: FillSide {
                    account_id: 3,
                    slot: 17,
                    fee_ppm: 100,
                    first_fill: Some(terms(17, 64_000_000)),
                },
                taker: FillSide {
                    account_id: 4,
                    slot: 9,
                    fee_ppm: 300,
                    first_fill: Some(terms(65_545, 64_500_000)),
                },
                market_id: 1,
                taker_side: Side::Sell,
                size: 250,
                price: 64_000_000,
            }),
        ),
        ("cancel_order", PubOp::CancelOrder { account_id: 3, order_nonce: 70_000 }),
        (
            "oracle_prices",
            PubOp::OraclePrices {
                timestamp: 1_767_225_600,
                entries: vec![
                    PriceEntry { market_id: 1, mark: 64_000_000, index: 63_990_000 },
                    PriceEntry { market_id: 3, mark: 1_250_000, index: 63_990_000 },
                ],
            },
        ),
        (
            "funding_tick",
            PubOp::FundingTick { market_id: 1, timestamp: 1_767_229_200, new_index: -1234 },
        ),
        (
            "liquidate_with_order",
            PubOp::Liquidate(LiquidateOp {
                liquidated: 5,
                liquidator: FillSide {
                    account_id: 6,
                    slot: 2,
                    fee_ppm: 1000,
                    first_fill: Some(terms(2, 63_000_000)),
                },
                takeover: false,
                market_id: 1,
                size: 10,
                price: 63_000_000,
            }),
        ),
        (
            "liquidate_takeover",
            PubOp::Liquidate(LiquidateOp {
                liquidated: 5,
                liquidator: FillSide { account_id: 0, slot: 0, fee_ppm: 0, first_fill: None },
                takeover: true,
                market_id: 1,
                size: 10,
                price: 65_000_000,
            }),
        ),
        ("settle_option", PubOp::SettleOption { account_id: 5, market_id: 3 }),
    ]
}

#[test]
fn golden_vectors() {
    let vectors: Vec<Vector> = examples()
        .into_iter()
        .map(|(name, op)| {
            let hex = hex::encode(op.to_bytes());
            Vector { name: name.into(), op, hex }
        })
        .collect();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(GOLDEN, serde_json::to_string_pretty(&vectors).unwrap() + "\n").unwrap();
    }
    let golden: Vec<Vector> =
        serde_json::from_str(&std::fs::read_to_string(GOLDEN).unwrap()).unwrap();
    assert_eq!(
        golden, vectors,
        "public-data encoding changed: update docs/pubdata.md and the vectors"
    );
    for v in &golden {
        let bytes = hex::decode(&v.hex).unwrap();
        let (op, n) = PubOp::decode(&bytes).unwrap();
        assert_eq!(n, bytes.len(), "{}", v.name);
        assert_eq!(op, v.op, "{}", v.name);
    }
    // The documented lengths.
    let len = |name: &str| golden.iter().find(|v| v.name == name).unwrap().hex.len() / 2;
    assert_eq!(len("deposit"), 73);
    assert_eq!(len("trade_continuing_fills"), 30);
    assert_eq!(len("trade_first_fills"), 30 + 18 + 22);
    assert_eq!(len("withdraw"), 13);
}

#[test]
fn decode_rejects_malformed() {
    assert_eq!(PubOp::decode(&[0x42]), Err(PubdataError::UnknownType(0x42, 0)));
    let trade =
        examples().into_iter().find(|(n, _)| *n == "trade_first_fills").unwrap().1.to_bytes();
    assert!(matches!(
        PubOp::decode(&trade[..trade.len() - 1]),
        Err(PubdataError::UnexpectedEnd(_))
    ));
    // A first-fill nonce whose low 16 bits are not the slot.
    let mut bad = trade.clone();
    bad[33] ^= 1;
    assert!(matches!(PubOp::decode(&bad), Err(PubdataError::InvalidField(..))));
    // Zero size.
    let mut zero = trade;
    zero[11..16].fill(0);
    assert!(matches!(PubOp::decode(&zero), Err(PubdataError::InvalidField("size", _))));
    assert!(decode_batch(&[0x00, 0x00, 0x06, 0, 0]).is_err());
}

fn arb_terms(slot: u16, with_price: bool) -> impl Strategy<Value = OrderTerms> {
    (any::<u16>(), 1u64..(1 << 40), 0u64..(1 << 40), 0u8..8, 0u32..=1_000_000, any::<u32>())
        .prop_map(move |(hi, size, expiry, flags, max_fee_ppm, price)| OrderTerms {
            nonce: (u32::from(hi) << 16) | u32::from(slot),
            size,
            expiry,
            flags: OrderFlags::from_bits(flags).unwrap(),
            max_fee_ppm,
            price: if with_price { price } else { 0 },
        })
}

fn arb_fill(with_price: bool) -> impl Strategy<Value = FillSide> {
    (any::<u32>(), any::<u16>(), 0u32..=1_000_000, any::<bool>()).prop_flat_map(
        move |(a, slot, fee, first)| {
            let t = if first {
                arb_terms(slot, with_price).prop_map(Some).boxed()
            } else {
                Just(None).boxed()
            };
            t.prop_map(move |first_fill| FillSide { account_id: a, slot, fee_ppm: fee, first_fill })
        },
    )
}

fn arb_op() -> impl Strategy<Value = PubOp> {
    prop_oneof![
        Just(PubOp::Noop),
        (
            any::<u32>(),
            any::<[u8; 20]>(),
            prop::array::uniform5(0u64..0xffff_ffff_0000_0001),
            any::<u64>()
        )
            .prop_map(|(account_id, a, pubkey, amount)| PubOp::Deposit(DepositOp {
                account_id,
                l1_address: Address::from(a),
                pubkey,
                amount
            })),
        (any::<u32>(), any::<u64>())
            .prop_map(|(account_id, amount)| PubOp::Withdraw { account_id, amount }),
        (any::<u32>(), any::<u32>(), any::<u64>()).prop_map(|(from, to, amount)| PubOp::Transfer {
            from,
            to,
            amount
        }),
        (
            arb_fill(false),
            arb_fill(true),
            any::<u8>(),
            any::<bool>(),
            1u64..(1 << 40),
            any::<u32>()
        )
            .prop_map(|(mut maker, taker, market_id, buy, size, price)| PubOp::Trade(
                TradeOp {
                    maker: {
                        if let Some(t) = maker.first_fill.as_mut() {
                            t.price = price;
                        }
                        maker
                    },
                    taker,
                    market_id,
                    taker_side: if buy { Side::Buy } else { Side::Sell },
                    size,
                    price
                }
            )),
        (any::<u32>(), any::<u32>())
            .prop_map(|(account_id, order_nonce)| PubOp::CancelOrder { account_id, order_nonce }),
        (0u64..(1 << 40), prop::collection::vec((any::<u8>(), any::<u32>(), any::<u32>()), 1..=4))
            .prop_map(|(timestamp, e)| PubOp::OraclePrices {
                timestamp,
                entries: e
                    .into_iter()
                    .map(|(market_id, mark, index)| PriceEntry { market_id, mark, index })
                    .collect()
            }),
        (any::<u8>(), 0u64..(1 << 40), any::<i64>()).prop_map(
            |(market_id, timestamp, new_index)| PubOp::FundingTick {
                market_id,
                timestamp,
                new_index
            }
        ),
        (any::<u8>(), any::<u32>())
            .prop_map(|(market_id, account_id)| PubOp::SettleOption { account_id, market_id }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn batch_round_trip(ops in prop::collection::vec(arb_op(), 0..12)) {
        let bytes = encode_batch(&ops);
        prop_assert_eq!(decode_batch(&bytes).unwrap(), ops);
    }
}

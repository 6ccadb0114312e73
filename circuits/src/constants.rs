//! Every bound of the protocol, with its bit width, in one place.
//!
//! The native rules check these with checked integer arithmetic; the circuits range-check
//! the same widths. The `const` assertions at the bottom prove that every product the rules
//! form fits the integer type that holds it, so overflow is impossible within the bounds.

/// Depth of the accounts sparse Merkle tree (account id: u32).
pub const ACCOUNT_TREE_DEPTH: usize = 32;
/// Depth of the markets Merkle tree (market id: u8; 0 = none).
pub const MARKET_TREE_DEPTH: usize = 8;
/// Depth of an account's order-slot subtree (slot = order nonce mod 2^16).
pub const ORDER_TREE_DEPTH: usize = 16;
/// Number of order slots per account.
pub const ORDER_SLOTS: u64 = 1 << ORDER_TREE_DEPTH;

/// Position slots per account.
pub const MAX_POSITIONS: usize = 8;
/// Price entries in one `OraclePrices` transaction.
pub const MAX_ORACLE_ENTRIES: usize = 4;

/// Account 0 holds the insurance fund and collects fees.
pub const INSURANCE_ACCOUNT: u32 = 0;

/// Bits of a price (USDC quantums per lot): `u32`.
pub const PRICE_BITS: u32 = 32;
/// Bits of a size in lots: `|size| < 2^40`.
pub const SIZE_BITS: u32 = 40;
/// Largest size magnitude in lots.
pub const MAX_SIZE: u64 = (1 << SIZE_BITS) - 1;
/// Bits of a notional `|size| · price`: `< 2^72`.
pub const NOTIONAL_BITS: u32 = SIZE_BITS + PRICE_BITS;
/// Bits of a collateral magnitude: `|collateral| < 2^62`.
pub const COLLATERAL_BITS: u32 = 62;
/// Largest collateral magnitude in quantums.
pub const MAX_COLLATERAL: i64 = (1 << COLLATERAL_BITS) - 1;
/// Bits of a deposit, withdrawal or transfer amount (`u64` on L1; must also fit collateral).
pub const AMOUNT_BITS: u32 = COLLATERAL_BITS;
/// Bits of a filled amount in an order slot (`u48` in the leaf; sizes are below 2^40).
pub const FILLED_BITS: u32 = 48;
/// Bits of a funding index magnitude (`i64`, quantums per lot, cumulative): `< 2^62`.
pub const FUNDING_INDEX_BITS: u32 = 62;
/// Largest funding index magnitude.
pub const MAX_FUNDING_INDEX: i64 = (1 << FUNDING_INDEX_BITS) - 1;
/// Bits of a unix timestamp in seconds (covers the year 36812).
pub const TIMESTAMP_BITS: u32 = 40;
/// Largest timestamp.
pub const MAX_TIMESTAMP: u64 = (1 << TIMESTAMP_BITS) - 1;

/// Parts per million: 10^6 = 100 %.
pub const PPM: u64 = 1_000_000;
/// Bits of a ppm fraction (≤ 10^6 < 2^20).
pub const PPM_BITS: u32 = 20;

/// Seconds per hour: funding caps are per hour.
pub const SECONDS_PER_HOUR: u64 = 3600;

/// Bits of one position's value `size · mark` (signed): below 2^72.
pub const POSITION_VALUE_BITS: u32 = NOTIONAL_BITS;
/// Bits of an account's total value: collateral + 8 positions below 2^72 each → below 2^76.
pub const TAV_BITS: u32 = NOTIONAL_BITS + 4;
/// Bits of a margin requirement sum: 8 positions, each at most notional·(1 + 2^20/10^6)
/// (options add the mark value) → below 2^76.
pub const REQUIREMENT_BITS: u32 = NOTIONAL_BITS + 4;

// The products the rules form, and the type that holds each.
const _: () = {
    // notional = |size| · price fits u128 (and 72 bits).
    assert!(SIZE_BITS + PRICE_BITS <= 72);
    // notional · ppm fits u128: requirements before the ceil division.
    assert!(NOTIONAL_BITS + PPM_BITS < 127);
    // size · funding delta: |Δindex| < 2^63 → size·Δ < 2^103, fits i128.
    assert!(SIZE_BITS + FUNDING_INDEX_BITS + 1 < 127);
    // TAV and requirements fit i128 with room.
    assert!(TAV_BITS < 100 && REQUIREMENT_BITS < 100);
    // Cross-multiplied ratio check TAV·MMR: 76 + 76 = 152 bits → I256.
    assert!(TAV_BITS + REQUIREMENT_BITS < 255);
    // Liquidation price bound: price · 10^6 · MMR → 32 + 20 + 76 = 128 bits → I256.
    assert!(PRICE_BITS + PPM_BITS + REQUIREMENT_BITS < 255);
    // Funding cap: |Δindex| · 10^6 · 3600 vs cap · price · Δt: 63 + 20 + 12 and 20 + 32 + 40.
    assert!(FUNDING_INDEX_BITS + 1 + PPM_BITS + 12 < 127);
    assert!(PPM_BITS + PRICE_BITS + TIMESTAMP_BITS < 127);
    // Collateral, funding index and timestamps are canonical field elements as signed values.
    assert!(COLLATERAL_BITS < 63 && FUNDING_INDEX_BITS < 63 && TIMESTAMP_BITS < 63);
};

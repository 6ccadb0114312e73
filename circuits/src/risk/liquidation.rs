//! Liquidation bounds (DESIGN.md §4; Lighter's "zero price", StarkEx's liquidation).
//!
//! A liquidation fill of a position of size `s` at mark `m` must be at least as good for the
//! liquidated account as its bankruptcy ("zero") price, the price at which closing the
//! position leaves the account's value share for that position at zero. The account's value
//! is attributed to positions by their share of the maintenance requirement:
//!
//! ```text
//! long  (liquidated sells): p ≥ m − TAV·MM_i / (MMR·|s|)   ⇔  p·MMR·|s| ≥ m·MMR·|s| − TAV·MM_i
//! short (liquidated buys):  p ≤ m + TAV·MM_i / (MMR·|s|)   ⇔  p·MMR·|s| ≤ m·MMR·|s| + TAV·MM_i
//! ```
//! For a single perp position `MM_i = MMR ≈ |s|·m·mmf`, which is Lighter's
//! `zero = m·(1 − sign·mmf·TAV/MMR)`. Compared cross-multiplied in 256-bit integers.

use alloy_primitives::I256;

use super::AccountRisk;

fn i256(x: i128) -> I256 {
    I256::try_from(x).unwrap_or_default()
}

/// Whether fill price `price` is within the bankruptcy bound for a position of `size` lots
/// (sign = direction) at `mark`, whose maintenance requirement is `mm_i`, in an account with
/// totals `risk` (all evaluated before the fill, funding settled).
pub fn within_bankruptcy_bound(
    size: i64,
    price: u32,
    mark: u32,
    mm_i: i128,
    risk: &AccountRisk,
) -> bool {
    let q = i256(i128::from(size.unsigned_abs()));
    let mmr = i256(risk.mmr);
    let lhs = i256(i128::from(price)) * mmr * q;
    let base = i256(i128::from(mark)) * mmr * q;
    let shift = i256(risk.tav) * i256(mm_i);
    if size > 0 {
        lhs >= base - shift
    } else {
        lhs <= base + shift
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_perp_zero_price() {
        // Long 10 lots at mark 1000, MM = 500 (5 %), TAV = 300 → zero price = 1000 − 300/10 = 970.
        let risk = AccountRisk { tav: 300, imr: 1000, mmr: 500 };
        assert!(within_bankruptcy_bound(10, 970, 1000, 500, &risk));
        assert!(within_bankruptcy_bound(10, 990, 1000, 500, &risk));
        assert!(!within_bankruptcy_bound(10, 969, 1000, 500, &risk));
        // Short: zero price = 1030.
        assert!(within_bankruptcy_bound(-10, 1030, 1000, 500, &risk));
        assert!(!within_bankruptcy_bound(-10, 1031, 1000, 500, &risk));
        // Bankrupt long (TAV = −100): must sell at ≥ 1010, above mark.
        let bankrupt = AccountRisk { tav: -100, imr: 1000, mmr: 500 };
        assert!(!within_bankruptcy_bound(10, 1000, 1000, 500, &bankrupt));
        assert!(within_bankruptcy_bound(10, 1010, 1000, 500, &bankrupt));
    }
}

//! The in-circuit twin of the market leaf ([`Market::leaf_hash`]): the same seventeen fields
//! in the same hashing order. A market in a circuit is read, never written, so far: its
//! values are bound by a Merkle path to the markets root, and their widths are the native
//! types' (a state invariant the native rules keep).

use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::target::Target;
use plonky2::iop::witness::PartialWitness;
use plonky2::plonk::circuit_builder::CircuitBuilder;

use super::Market;
use crate::circuit::witness::set;
use crate::circuit::CircuitError;
use crate::hash::{fe, fe_signed, tag, HashGadgets, D, F};

/// Number of fields of a market leaf.
const MARKET_FIELDS: usize = 17;

/// A market leaf in a circuit (field-encoded as in [`Market::leaf_hash`]).
#[derive(Copy, Clone, Debug)]
pub struct MarketTarget {
    /// Market id, 8 bits.
    pub id: Target,
    /// Kind: 1 perp, 2 call, 3 put.
    pub kind: Target,
    /// Underlying id, 8 bits.
    pub underlying: Target,
    /// Strike, 32 bits.
    pub strike: Target,
    /// Expiry, 40 bits.
    pub expiry: Target,
    /// Lot size, 64 bits.
    pub lot_size: Target,
    /// Tick size, 32 bits.
    pub tick_size: Target,
    /// Initial margin fraction, ppm (≤ 10^6).
    pub imf_ppm: Target,
    /// Maintenance margin fraction, ppm (≤ 10^6).
    pub mmf_ppm: Target,
    /// Short-option floor, ppm (≤ 10^6).
    pub im_floor_ppm: Target,
    /// Mark price, 32 bits.
    pub mark_price: Target,
    /// Index price, 32 bits.
    pub index_price: Target,
    /// Last oracle time, 40 bits.
    pub oracle_time: Target,
    /// Cumulative funding index, signed, `|·| < 2^62`.
    pub funding_index: Target,
    /// Last funding time, 40 bits.
    pub funding_time: Target,
    /// Settlement price, 32 bits (0 = unsettled).
    pub settlement_price: Target,
    /// Open interest, 64 bits.
    pub open_interest: Target,
}

impl MarketTarget {
    /// A new market of virtual targets.
    pub fn new(builder: &mut CircuitBuilder<F, D>) -> Self {
        let t: [Target; MARKET_FIELDS] = core::array::from_fn(|_| builder.add_virtual_target());
        Self {
            id: t[0],
            kind: t[1],
            underlying: t[2],
            strike: t[3],
            expiry: t[4],
            lot_size: t[5],
            tick_size: t[6],
            imf_ppm: t[7],
            mmf_ppm: t[8],
            im_floor_ppm: t[9],
            mark_price: t[10],
            index_price: t[11],
            oracle_time: t[12],
            funding_index: t[13],
            funding_time: t[14],
            settlement_price: t[15],
            open_interest: t[16],
        }
    }

    /// A market from its fields in hashing order (the inverse of [`Self::fields`]).
    pub fn from_fields(t: &[Target]) -> Self {
        assert_eq!(t.len(), MARKET_FIELDS, "fields of a market leaf");
        Self {
            id: t[0],
            kind: t[1],
            underlying: t[2],
            strike: t[3],
            expiry: t[4],
            lot_size: t[5],
            tick_size: t[6],
            imf_ppm: t[7],
            mmf_ppm: t[8],
            im_floor_ppm: t[9],
            mark_price: t[10],
            index_price: t[11],
            oracle_time: t[12],
            funding_index: t[13],
            funding_time: t[14],
            settlement_price: t[15],
            open_interest: t[16],
        }
    }

    /// The fields in hashing order.
    pub fn fields(&self) -> [Target; MARKET_FIELDS] {
        [
            self.id,
            self.kind,
            self.underlying,
            self.strike,
            self.expiry,
            self.lot_size,
            self.tick_size,
            self.imf_ppm,
            self.mmf_ppm,
            self.im_floor_ppm,
            self.mark_price,
            self.index_price,
            self.oracle_time,
            self.funding_index,
            self.funding_time,
            self.settlement_price,
            self.open_interest,
        ]
    }

    /// The leaf hash `H(MARKET, fields)` (a listed market; the empty leaf is never read).
    pub fn leaf_hash(&self, builder: &mut CircuitBuilder<F, D>) -> HashOutTarget {
        builder.hash_tagged(tag::MARKET, &self.fields())
    }

    /// Sets the targets from a native market (all zero for `None`: an unused read).
    pub fn set(&self, pw: &mut PartialWitness<F>, m: Option<&Market>) -> Result<(), CircuitError> {
        let v: [F; MARKET_FIELDS] = match m {
            None => [fe(0); MARKET_FIELDS],
            Some(m) => [
                fe(u64::from(m.id)),
                fe(m.kind as u64),
                fe(u64::from(m.underlying)),
                fe(u64::from(m.strike)),
                fe(m.expiry),
                fe(m.lot_size),
                fe(u64::from(m.tick_size)),
                fe(u64::from(m.imf_ppm)),
                fe(u64::from(m.mmf_ppm)),
                fe(u64::from(m.im_floor_ppm)),
                fe(u64::from(m.mark_price)),
                fe(u64::from(m.index_price)),
                fe(m.oracle_time),
                fe_signed(m.funding_index),
                fe(m.funding_time),
                fe(u64::from(m.settlement_price)),
                fe(m.open_interest),
            ],
        };
        for (t, x) in self.fields().iter().zip(v) {
            set(pw, *t, x)?;
        }
        Ok(())
    }
}

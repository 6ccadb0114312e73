//! The Poseidon commitment to public data that the circuits prove, natively and in-circuit.
//!
//! The chunk circuits cannot hash bytes cheaply, so they commit to the public-data bytes of
//! `docs/pubdata.md` in a field-friendly packing:
//!
//! - each record's bytes are cut into **big-endian 32-bit words** (the last word padded with
//!   zero bytes), and the words are padded with zero words to [`RECORD_WORDS`] = 19 (76
//!   bytes, the longest record being a 73-byte deposit);
//! - the commitment is a **running hash**, record by record:
//!   `c ← H(PUBDATA, c ‖ words(record))` (24 elements, three Poseidon permutations), starting
//!   from the zero digest at the start of each batch;
//! - **Noop records are skipped** (they change nothing, and padding a chunk with Noop slots
//!   must not change the commitment).
//!
//! The packing is injective on record sequences: the type byte (and, for trades and
//! liquidations, the flags byte) determines each record's length, so the zero padding is
//! never ambiguous. Chunks pass the running value on (`pubdata_in → pubdata_out`), so a
//! batch's commitment does not depend on how it was cut into chunks.

use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::plonk::circuit_builder::CircuitBuilder;

use crate::hash::{fe, hash_tagged, tag, Digest, HashGadgets, D, F, ZERO_DIGEST};
use crate::pubdata::PubOp;

/// Words absorbed per record: 76 bytes.
pub const RECORD_WORDS: usize = 19;

/// The record's bytes as big-endian 32-bit words, zero-padded to [`RECORD_WORDS`]; `None`
/// if the record is longer than `4 · RECORD_WORDS` bytes (no record of the format is).
pub fn record_words(record: &[u8]) -> Option<[u32; RECORD_WORDS]> {
    if record.len() > 4 * RECORD_WORDS {
        return None;
    }
    let mut words = [0u32; RECORD_WORDS];
    for (i, b) in record.iter().enumerate() {
        words[i / 4] |= u32::from(*b) << (8 * (3 - i % 4));
    }
    Some(words)
}

/// One step of the running commitment: `H(PUBDATA, c ‖ record_words(op))`, or `c` itself for
/// a Noop.
pub fn absorb_record(c: &Digest, op: &PubOp) -> Digest {
    if matches!(op, PubOp::Noop) {
        return *c;
    }
    let words = record_words(&op.to_bytes()).expect("every record is at most 73 bytes");
    let mut e = Vec::with_capacity(4 + RECORD_WORDS);
    e.extend_from_slice(&c.elements);
    e.extend(words.iter().map(|&w| fe(u64::from(w))));
    hash_tagged(tag::PUBDATA, &e)
}

/// The commitment to a batch's records: [`absorb_record`] folded from the zero digest.
pub fn pubdata_commitment(ops: &[PubOp]) -> Digest {
    ops.iter().fold(ZERO_DIGEST, |c, op| absorb_record(&c, op))
}

/// The in-circuit twins of [`record_words`] and [`absorb_record`].
pub trait PubdataGadgets {
    /// The words of a record made of a type byte followed by 32-bit big-endian fields
    /// (`units`, each range-checked below 2^32 here), zero-padded to [`RECORD_WORDS`].
    /// Each unit is split into its high 24 and low 8 bits, because the type byte shifts
    /// every field by one byte across the word boundaries.
    fn record_words(&mut self, type_byte: u8, units: &[Target]) -> [Target; RECORD_WORDS];

    /// One step of the running commitment: `H(PUBDATA, c ‖ words)` when `absorb` is 1, `c`
    /// when it is 0 (a Noop slot).
    fn absorb_record(
        &mut self,
        absorb: BoolTarget,
        c: HashOutTarget,
        words: &[Target; RECORD_WORDS],
    ) -> HashOutTarget;
}

impl PubdataGadgets for CircuitBuilder<F, D> {
    fn record_words(&mut self, type_byte: u8, units: &[Target]) -> [Target; RECORD_WORDS] {
        assert!(units.len() < RECORD_WORDS, "a record of {} units", units.len());
        let zero = self.zero();
        let mut words = [zero; RECORD_WORDS];
        let shift24 = self.constant(fe(1 << 24));
        let mut carry = self.constant(fe(u64::from(type_byte)));
        for (i, &u) in units.iter().enumerate() {
            // Soundness: split_low_high range-checks lo < 2^8 and hi < 2^24 and constrains
            // u = lo + 2^8·hi, which also range-checks u below 2^32.
            let (lo, hi) = self.split_low_high(u, 8, 32);
            words[i] = self.mul_add(carry, shift24, hi);
            carry = lo;
        }
        words[units.len()] = self.mul(carry, shift24);
        words
    }

    fn absorb_record(
        &mut self,
        absorb: BoolTarget,
        c: HashOutTarget,
        words: &[Target; RECORD_WORDS],
    ) -> HashOutTarget {
        let mut e = Vec::with_capacity(4 + RECORD_WORDS);
        e.extend_from_slice(&c.elements);
        e.extend_from_slice(words);
        let h = self.hash_tagged(tag::PUBDATA, &e);
        HashOutTarget {
            elements: core::array::from_fn(|i| self.select(absorb, h.elements[i], c.elements[i])),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_big_endian_and_padded() {
        let w = record_words(&[0x01, 0x02, 0x03, 0x04, 0x05]).unwrap();
        assert_eq!(w[0], 0x0102_0304);
        assert_eq!(w[1], 0x0500_0000);
        assert!(w[2..].iter().all(|&x| x == 0));
        assert!(record_words(&[0; 77]).is_none());
    }

    #[test]
    fn noop_is_skipped() {
        assert_eq!(pubdata_commitment(&[PubOp::Noop]), ZERO_DIGEST);
        let d = PubOp::Withdraw { account_id: 1, amount: 2 };
        assert_eq!(pubdata_commitment(&[PubOp::Noop, d.clone()]), pubdata_commitment(&[d]));
    }
}

//! Domain-separated Poseidon hashing.
//!
//! Every hash of a structured value starts with a domain tag element, so two kinds of value
//! never hash the same input ([`tag`]). Interior Merkle nodes are the one exception: they use
//! plonky2's `two_to_one` (one Poseidon permutation, one circuit row per level); a leaf always
//! hashes at least nine elements (tag included), so a leaf preimage never has the shape of a
//! node preimage.

use plonky2::field::goldilocks_field::GoldilocksField;
use plonky2::field::types::{Field, Field64, PrimeField64};
use plonky2::hash::hash_types::{HashOut, HashOutTarget};
use plonky2::hash::hashing::PlonkyPermutation;
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::config::{AlgebraicHasher, Hasher};

/// The base field: Goldilocks, p = 2^64 − 2^32 + 1.
pub type F = GoldilocksField;

/// A Poseidon digest: four field elements.
pub type Digest = HashOut<F>;

/// The all-zero digest (the hash of an empty Merkle leaf, by convention).
pub const ZERO_DIGEST: Digest = HashOut { elements: [F::ZERO; 4] };

/// Domain tags: the first element of every structured hash. Each is eight ASCII bytes read
/// little-endian, which is below p because ASCII bytes are below 0x80.
pub mod tag {
    const fn ascii(s: &[u8; 8]) -> u64 {
        u64::from_le_bytes(*s)
    }
    /// `state_root = H(STATE, accounts_root, markets_root, config_hash)`.
    pub const STATE: u64 = ascii(b"pb.state");
    /// Account leaf.
    pub const ACCOUNT: u64 = ascii(b"pb.acct.");
    /// Market leaf.
    pub const MARKET: u64 = ascii(b"pb.mrkt.");
    /// Config hash.
    pub const CONFIG: u64 = ascii(b"pb.conf.");
    /// Order hash (what a trader signs).
    pub const ORDER: u64 = ascii(b"pb.order");
    /// Order-slot leaf.
    pub const ORDER_SLOT: u64 = ascii(b"pb.slot.");
    /// Schnorr challenge.
    pub const SIG: u64 = ascii(b"pb.sig..");
    /// Message of an account-level L2 transaction (withdraw, transfer, cancel).
    pub const L2_TX: u64 = ascii(b"pb.l2tx.");
    /// Message signed by the oracle.
    pub const ORACLE: u64 = ascii(b"pb.oracl");
    /// Running public-data commitment.
    pub const PUBDATA: u64 = ascii(b"pb.pubd.");
}

/// `H(tag, elements…)`: Poseidon sponge (no padding) over the tag followed by the elements.
pub fn hash_tagged(tag: u64, elements: &[F]) -> Digest {
    let mut input = Vec::with_capacity(elements.len() + 1);
    input.push(F::from_canonical_u64(tag));
    input.extend_from_slice(elements);
    PoseidonHash::hash_no_pad(&input)
}

/// Interior Merkle node: `two_to_one(left, right)`.
pub fn hash_node(left: Digest, right: Digest) -> Digest {
    PoseidonHash::two_to_one(left, right)
}

/// The extension degree every circuit of the crate uses (plonky2's quadratic extension).
pub const D: usize = 2;

/// The in-circuit twins of [`hash_tagged`] and [`hash_node`], as methods of the builder.
pub trait HashGadgets {
    /// `H(tag, elements…)`: Poseidon sponge (no padding) over the tag followed by the elements.
    fn hash_tagged(&mut self, tag: u64, elements: &[Target]) -> HashOutTarget;

    /// Interior Merkle node: `two_to_one(left, right)`.
    fn hash_node(&mut self, left: HashOutTarget, right: HashOutTarget) -> HashOutTarget;

    /// The parent of `node` and its `sibling`: `hash_node(node, sibling)` if `node_is_right`
    /// is 0, `hash_node(sibling, node)` if it is 1. One Poseidon row, the swap included.
    fn hash_node_swapped(
        &mut self,
        node: HashOutTarget,
        sibling: HashOutTarget,
        node_is_right: BoolTarget,
    ) -> HashOutTarget;
}

impl HashGadgets for CircuitBuilder<F, D> {
    fn hash_tagged(&mut self, tag: u64, elements: &[Target]) -> HashOutTarget {
        let mut input = Vec::with_capacity(elements.len() + 1);
        input.push(self.constant(fe(tag)));
        input.extend_from_slice(elements);
        self.hash_n_to_hash_no_pad::<PoseidonHash>(input)
    }

    fn hash_node(&mut self, left: HashOutTarget, right: HashOutTarget) -> HashOutTarget {
        let f = self._false();
        self.hash_node_swapped(left, right, f)
    }

    fn hash_node_swapped(
        &mut self,
        node: HashOutTarget,
        sibling: HashOutTarget,
        node_is_right: BoolTarget,
    ) -> HashOutTarget {
        // `two_to_one` is one permutation of `left ‖ right ‖ 0⁴`, output the first four.
        let zero = self.zero();
        let perm = <PoseidonHash as AlgebraicHasher<F>>::AlgebraicPermutation::new(
            node.elements
                .iter()
                .chain(sibling.elements.iter())
                .copied()
                .chain(std::iter::repeat(zero)),
        );
        let out = <PoseidonHash as AlgebraicHasher<F>>::permute_swapped(perm, node_is_right, self);
        HashOutTarget::from_vec(out.squeeze()[..4].to_vec())
    }
}

/// A field element from a `u64` that is known to be canonical (below p).
///
/// # Panics
/// If `x >= p`; every caller passes a value bounded well below p by [`crate::constants`].
pub fn fe(x: u64) -> F {
    F::from_canonical_u64(x)
}

/// The field encoding of a signed integer with `|x| < 2^63`: `x mod p`, canonical.
/// Injective on that range because p > 2^64 − 2^32 > 2·2^62.
pub fn fe_signed(x: i64) -> F {
    if x >= 0 {
        F::from_canonical_u64(x as u64)
    } else {
        -F::from_canonical_u64(x.unsigned_abs())
    }
}

/// Inverse of [`fe_signed`] for values known to be in `(−2^63, 2^63)`.
pub fn fe_to_signed(x: F) -> i64 {
    let v = x.to_canonical_u64();
    // Below 2^63 the value is itself; above, p − v < 2^63 is its magnitude.
    i64::try_from(v).unwrap_or_else(|_| -i64::try_from(F::ORDER - v).unwrap_or(i64::MAX))
}

/// An Ethereum address as five 32-bit limbs, big-endian limb order (first limb = first four
/// bytes), each limb below 2^32 so it is canonical and cheap to range-check in a circuit.
pub fn address_limbs(addr: &[u8; 20]) -> [F; 5] {
    core::array::from_fn(|i| {
        F::from_canonical_u32(u32::from_be_bytes([
            addr[4 * i],
            addr[4 * i + 1],
            addr[4 * i + 2],
            addr[4 * i + 3],
        ]))
    })
}

/// A digest as 32 bytes: each element as 8 bytes little-endian.
pub fn digest_to_bytes(d: &Digest) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, e) in d.elements.iter().enumerate() {
        out[8 * i..8 * i + 8].copy_from_slice(&e.to_canonical_u64().to_le_bytes());
    }
    out
}

/// Parses 32 bytes as a digest; `None` if an element is not canonical.
pub fn digest_from_bytes(b: &[u8; 32]) -> Option<Digest> {
    let mut elements = [F::ZERO; 4];
    for (i, e) in elements.iter_mut().enumerate() {
        let v = u64::from_le_bytes(b[8 * i..8 * i + 8].try_into().ok()?);
        if v >= F::ORDER {
            return None;
        }
        *e = F::from_canonical_u64(v);
    }
    Some(HashOut { elements })
}

/// Lower-case hex of a digest's 32-byte form, `0x`-prefixed.
pub fn digest_hex(d: &Digest) -> String {
    format!("0x{}", hex::encode(digest_to_bytes(d)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn tags_are_distinct_and_canonical() {
        let tags = [
            tag::STATE,
            tag::ACCOUNT,
            tag::MARKET,
            tag::CONFIG,
            tag::ORDER,
            tag::ORDER_SLOT,
            tag::SIG,
            tag::L2_TX,
            tag::ORACLE,
            tag::PUBDATA,
        ];
        for (i, a) in tags.iter().enumerate() {
            assert!(*a < F::ORDER);
            for b in &tags[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn domain_tag_separates() {
        let x = [fe(1), fe(2), fe(3)];
        assert_ne!(hash_tagged(tag::ACCOUNT, &x), hash_tagged(tag::MARKET, &x));
    }

    proptest! {
        #[test]
        fn signed_round_trip(x in (-(1i64 << 62) + 1)..(1i64 << 62)) {
            prop_assert_eq!(fe_to_signed(fe_signed(x)), x);
        }

        #[test]
        fn digest_bytes_round_trip(a in 0..F::ORDER, b in 0..F::ORDER, c in 0..F::ORDER, d in 0..F::ORDER) {
            let dg = HashOut { elements: [fe(a), fe(b), fe(c), fe(d)] };
            prop_assert_eq!(digest_from_bytes(&digest_to_bytes(&dg)), Some(dg));
        }
    }
}

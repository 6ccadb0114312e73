//! Schnorr signatures over ecGFp5 with a Poseidon challenge (DESIGN §5).
//!
//! Every L2 action (order, cancel, withdrawal, transfer) is authorised by one of these. The
//! challenge is a Poseidon digest of field elements, so a circuit checks a signature with one
//! joint scalar multiplication, one encoding and one short hash.
//!
//! With secret key `d`, public key `Q = d·G` (sent as its encoding `w`, five field
//! elements) and a message of field elements `m`:
//! - sign: `k` = deterministic nonce (below), `R = k·G`,
//!   `e = H(tag::SIG, enc(R) ‖ enc(Q) ‖ m)` (a [`Digest`]), `s = k − e·d mod n`, where `e` is
//!   read as the integer `Σ e_i·2^(64·i)` ([`Scalar::from_digest`]); the signature is `(s, e)`;
//! - verify: `R' = s·G + e·Q`; accept iff `H(tag::SIG, enc(R') ‖ enc(Q) ‖ m) = e`.
//!
//! The nonce is `k = SHA-512("proofbook/schnorr-nonce/v1" ‖ enc(d) ‖ m_0 ‖ m_1 ‖ …) mod n`
//! (`enc(d)` 40 bytes little-endian, each `m_i` as 8 bytes little-endian, canonical), so
//! signing needs no randomness and never reuses a nonce across messages; if `k = 0` a counter
//! byte is appended and the hash retried (probability about 2^−319).
//!
//! Byte form of a signature: `s` (40 bytes LE) ‖ `e` (32 bytes, [`digest_to_bytes`]) = 72
//! bytes. Public keys and signatures serialise (serde) as `0x`-prefixed lower-case hex of
//! their byte forms.

use core::fmt;

use plonky2::field::types::PrimeField64;
use rayon::prelude::*;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest as _, Sha512};

use crate::ecgfp5::{GFp5, Point, Scalar};
use crate::hash::{digest_from_bytes, digest_to_bytes, hash_tagged, tag, Digest, F};

pub mod circuit;

/// Domain separation of the nonce derivation.
const NONCE_DOMAIN: &[u8] = b"proofbook/schnorr-nonce/v1";

/// Signatures verified per parallel task in [`batch_verify`] (they share one inversion).
const BATCH_CHUNK: usize = 16;

/// Why a key or signature was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// A secret key must be a non-zero scalar.
    #[error("secret key is zero")]
    ZeroSecretKey,
    /// The public key's field element is not the encoding of any group element.
    #[error("public key is not a valid ecGFp5 encoding")]
    InvalidPublicKey,
    /// The public key encodes the neutral element (the key of the secret 0).
    #[error("public key is the neutral element")]
    NeutralPublicKey,
    /// A byte string had the wrong length.
    #[error("{what}: expected {expected} bytes, got {got}")]
    BadLength {
        /// What was being parsed.
        what: &'static str,
        /// The required length.
        expected: usize,
        /// The length received.
        got: usize,
    },
    /// A scalar's bytes encode a value not below the group order n.
    #[error("scalar is not canonical (not below n)")]
    NonCanonicalScalar,
    /// A digest element's bytes are not below p.
    #[error("digest element is not canonical (not below p)")]
    NonCanonicalDigest,
    /// A field element's limb is not below p.
    #[error("field element limb is not canonical (not below p)")]
    NonCanonicalField,
    /// A text form was not `0x`-prefixed hex.
    #[error("expected 0x-prefixed hex")]
    InvalidHex,
    /// The signature does not verify for this key and message.
    #[error("signature does not verify")]
    Invalid,
}

/// The first signature of a batch that does not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("signature {index} of the batch does not verify")]
pub struct BatchError {
    /// Index of the first failing entry.
    pub index: usize,
}

/// A secret key: a non-zero scalar `d` (with its public key, computed once).
#[derive(Clone)]
pub struct SecretKey {
    d: Scalar,
    public: PublicKey,
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

impl SecretKey {
    /// Wraps a scalar; rejects zero.
    pub fn new(d: Scalar) -> Result<Self, SignatureError> {
        if d.is_zero() {
            return Err(SignatureError::ZeroSecretKey);
        }
        let point = Point::mulgen(&d);
        let public = PublicKey { w: point.encode(), point };
        Ok(Self { d, public })
    }

    /// Parses the 40-byte little-endian form (canonical and non-zero).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SignatureError> {
        check_len("secret key", bytes, Scalar::BYTES)?;
        Self::new(Scalar::decode(bytes).ok_or(SignatureError::NonCanonicalScalar)?)
    }

    /// The 40-byte little-endian form.
    pub fn to_bytes(&self) -> [u8; 40] {
        self.d.encode()
    }

    /// The scalar `d`.
    pub fn scalar(&self) -> &Scalar {
        &self.d
    }

    /// The public key `d·G`.
    pub fn public_key(&self) -> PublicKey {
        self.public
    }

    /// Signs `msg` (see [`sign`]).
    pub fn sign(&self, msg: &[F]) -> Signature {
        sign(self, msg)
    }
}

/// A public key: the encoding `w` of `Q = d·G`, with the decoded point kept alongside so
/// verification does not repeat the square root of decoding.
#[derive(Clone, Copy, Debug)]
pub struct PublicKey {
    w: GFp5,
    point: Point,
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.w == other.w
    }
}

impl Eq for PublicKey {}

impl core::hash::Hash for PublicKey {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.w.hash(state);
    }
}

impl PublicKey {
    /// Byte length of [`PublicKey::to_bytes`].
    pub const BYTES: usize = 40;

    /// A key from its encoding; it must decode to a group element other than the neutral.
    pub fn from_encoding(w: GFp5) -> Result<Self, SignatureError> {
        if w.is_zero() {
            return Err(SignatureError::NeutralPublicKey);
        }
        let point = Point::decode(&w).ok_or(SignatureError::InvalidPublicKey)?;
        Ok(Self { w, point })
    }

    /// A key from the five field elements of its encoding (as they appear in state leaves
    /// and circuits).
    pub fn from_elements(elements: [F; 5]) -> Result<Self, SignatureError> {
        Self::from_encoding(GFp5::new(elements))
    }

    /// The five canonical field elements of the encoding `w`.
    pub fn to_elements(&self) -> [F; 5] {
        self.w.to_elements()
    }

    /// The encoding `w`.
    pub fn encoding(&self) -> GFp5 {
        self.w
    }

    /// The group element `Q`.
    pub fn point(&self) -> &Point {
        &self.point
    }

    /// 40 bytes: the encoding's limbs, 8 bytes little-endian each.
    pub fn to_bytes(&self) -> [u8; 40] {
        self.w.to_bytes()
    }

    /// Parses the 40-byte form (canonical limbs, a valid non-neutral point).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SignatureError> {
        check_len("public key", bytes, Self::BYTES)?;
        Self::from_encoding(GFp5::from_bytes(bytes).ok_or(SignatureError::NonCanonicalField)?)
    }
}

/// A signature `(s, e)`: the response scalar and the Poseidon challenge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signature {
    /// `s = k − e·d mod n`.
    pub s: Scalar,
    /// `e = H(tag::SIG, enc(R) ‖ enc(Q) ‖ msg)`.
    pub e: Digest,
}

impl Signature {
    /// Byte length of [`Signature::to_bytes`].
    pub const BYTES: usize = 72;

    /// `s` (40 bytes LE) ‖ `e` (32 bytes, each element 8 bytes LE).
    pub fn to_bytes(&self) -> [u8; 72] {
        let mut out = [0u8; 72];
        out[..40].copy_from_slice(&self.s.encode());
        out[40..].copy_from_slice(&digest_to_bytes(&self.e));
        out
    }

    /// Parses the 72-byte form; rejects `s ≥ n` and digest elements `≥ p`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SignatureError> {
        check_len("signature", bytes, Self::BYTES)?;
        let (sb, eb) = bytes.split_at(40);
        let s = Scalar::decode(sb).ok_or(SignatureError::NonCanonicalScalar)?;
        let mut e32 = [0u8; 32];
        e32.copy_from_slice(eb);
        let e = digest_from_bytes(&e32).ok_or(SignatureError::NonCanonicalDigest)?;
        Ok(Self { s, e })
    }
}

fn check_len(what: &'static str, bytes: &[u8], expected: usize) -> Result<(), SignatureError> {
    if bytes.len() != expected {
        return Err(SignatureError::BadLength { what, expected, got: bytes.len() });
    }
    Ok(())
}

/// The challenge `H(tag::SIG, enc(R) ‖ enc(Q) ‖ msg)`.
pub fn challenge(r: &GFp5, q: &GFp5, msg: &[F]) -> Digest {
    let mut input = Vec::with_capacity(10 + msg.len());
    input.extend_from_slice(&r.to_elements());
    input.extend_from_slice(&q.to_elements());
    input.extend_from_slice(msg);
    hash_tagged(tag::SIG, &input)
}

/// The deterministic nonce of `sk` for `msg` (see the module documentation).
fn nonce(sk: &SecretKey, msg: &[F]) -> Scalar {
    let mut counter = 0u8;
    loop {
        let mut h = Sha512::new();
        h.update(NONCE_DOMAIN);
        h.update(sk.d.encode());
        for m in msg {
            h.update(m.to_canonical_u64().to_le_bytes());
        }
        if counter > 0 {
            h.update([counter]);
        }
        let k = Scalar::decode_reduce(&h.finalize());
        if !k.is_zero() {
            return k;
        }
        counter = counter.wrapping_add(1);
    }
}

/// Signs `msg` with `sk`: `R = k·G`, `e = H(tag::SIG, enc(R) ‖ enc(Q) ‖ msg)`, `s = k − e·d`.
pub fn sign(sk: &SecretKey, msg: &[F]) -> Signature {
    let k = nonce(sk, msg);
    let r = Point::mulgen(&k).encode();
    let e = challenge(&r, &sk.public.w, msg);
    let s = k - Scalar::from_digest(&e) * sk.d;
    Signature { s, e }
}

/// `R' = s·G + e·Q`.
fn recompute_r(pk: &PublicKey, sig: &Signature) -> Point {
    Point::mul_add_vartime(&sig.s, &Scalar::from_digest(&sig.e), &pk.point)
}

/// Verifies `sig` on `msg` under `pk`: `R' = s·G + e·Q`, accept iff
/// `H(tag::SIG, enc(R') ‖ enc(Q) ‖ msg) = e`. Variable time (all inputs are public).
pub fn verify(pk: &PublicKey, msg: &[F], sig: &Signature) -> Result<(), SignatureError> {
    // A PublicKey is never neutral by construction; kept as a guard for the rule.
    if pk.point.is_neutral() {
        return Err(SignatureError::NeutralPublicKey);
    }
    let r = recompute_r(pk, sig).encode();
    if challenge(&r, &pk.w, msg) == sig.e {
        Ok(())
    } else {
        Err(SignatureError::Invalid)
    }
}

/// Verifies many signatures; the answer for each entry is exactly [`verify`]'s.
///
/// Work is split into chunks of 16 run in parallel (rayon); within a chunk the points `R'`
/// stay projective and their encodings share one field inversion (Montgomery's trick).
/// Returns the index of the first entry that fails.
pub fn batch_verify<M>(items: &[(PublicKey, M, Signature)]) -> Result<(), BatchError>
where
    M: AsRef<[F]> + Sync,
{
    let first_bad = items.par_chunks(BATCH_CHUNK).enumerate().find_map_first(|(c, chunk)| {
        let points: Vec<Point> = chunk.iter().map(|(pk, _, sig)| recompute_r(pk, sig)).collect();
        let encodings = Point::encode_batch(&points);
        chunk
            .iter()
            .zip(encodings)
            .position(|((pk, msg, sig), r)| {
                pk.point.is_neutral() || challenge(&r, &pk.w, msg.as_ref()) != sig.e
            })
            .map(|i| c * BATCH_CHUNK + i)
    });
    match first_bad {
        Some(index) => Err(BatchError { index }),
        None => Ok(()),
    }
}

/// `0x` + lower-case hex.
fn to_hex(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

fn from_hex(s: &str) -> Result<Vec<u8>, SignatureError> {
    let digits = s.strip_prefix("0x").ok_or(SignatureError::InvalidHex)?;
    hex::decode(digits).map_err(|_| SignatureError::InvalidHex)
}

impl Serialize for PublicKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&to_hex(&self.to_bytes()))
    }
}

impl<'de> Deserialize<'de> for PublicKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        let bytes = from_hex(&s).map_err(serde::de::Error::custom)?;
        Self::from_bytes(&bytes).map_err(serde::de::Error::custom)
    }
}

impl Serialize for Signature {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&to_hex(&self.to_bytes()))
    }
}

impl<'de> Deserialize<'de> for Signature {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        let bytes = from_hex(&s).map_err(serde::de::Error::custom)?;
        Self::from_bytes(&bytes).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::fe;
    use plonky2::field::types::{Field, Field64};
    use proptest::prelude::*;

    fn key(seed: u64) -> SecretKey {
        let d = Scalar::decode_reduce(&Sha512::digest(seed.to_le_bytes()));
        SecretKey::new(d).unwrap_or_else(|_| unreachable!("hash output is not zero"))
    }

    fn msg(n: u64) -> Vec<F> {
        (0..n).map(|i| fe(i * 7 + 1)).collect()
    }

    #[test]
    fn sign_verify_round_trip() {
        let sk = key(1);
        let pk = sk.public_key();
        for len in [0, 1, 5, 17] {
            let m = msg(len);
            let sig = sk.sign(&m);
            assert_eq!(verify(&pk, &m, &sig), Ok(()));
            // Deterministic.
            assert_eq!(sign(&sk, &m), sig);
        }
    }

    #[test]
    fn tampering_fails() {
        let sk = key(2);
        let pk = sk.public_key();
        let m = msg(4);
        let sig = sk.sign(&m);
        // Message.
        let mut m2 = m.clone();
        m2[0] += F::ONE;
        assert_eq!(verify(&pk, &m2, &sig), Err(SignatureError::Invalid));
        // Appended element.
        let mut m3 = m.clone();
        m3.push(F::ZERO);
        assert_eq!(verify(&pk, &m3, &sig), Err(SignatureError::Invalid));
        // Key.
        let other = key(3).public_key();
        assert_eq!(verify(&other, &m, &sig), Err(SignatureError::Invalid));
        // s.
        let bad_s = Signature { s: sig.s + Scalar::ONE, ..sig };
        assert_eq!(verify(&pk, &m, &bad_s), Err(SignatureError::Invalid));
        // e.
        let mut bad_e = sig;
        bad_e.e.elements[3] += F::ONE;
        assert_eq!(verify(&pk, &m, &bad_e), Err(SignatureError::Invalid));
    }

    #[test]
    fn keys_are_validated() {
        assert_eq!(SecretKey::new(Scalar::ZERO).err(), Some(SignatureError::ZeroSecretKey));
        assert_eq!(
            PublicKey::from_elements([F::ZERO; 5]).err(),
            Some(SignatureError::NeutralPublicKey)
        );
        // w = 1 is not a valid encoding (see the vectors' small_w_validity).
        let invalid = (1..20u64)
            .map(|k| [fe(k), F::ZERO, F::ZERO, F::ZERO, F::ZERO])
            .find(|e| !Point::is_valid_encoding(&GFp5::new(*e)));
        let invalid = invalid.unwrap_or_else(|| unreachable!("some small w is invalid"));
        assert_eq!(PublicKey::from_elements(invalid).err(), Some(SignatureError::InvalidPublicKey));
        let pk = key(4).public_key();
        assert_eq!(PublicKey::from_elements(pk.to_elements()), Ok(pk));
        assert_eq!(PublicKey::from_bytes(&pk.to_bytes()), Ok(pk));
        let mut bytes = pk.to_bytes();
        bytes[0..8].copy_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(PublicKey::from_bytes(&bytes).err(), Some(SignatureError::NonCanonicalField));
        let sk = key(5);
        assert_eq!(
            SecretKey::from_bytes(&sk.to_bytes()).map(|k| k.public_key()),
            Ok(sk.public_key())
        );
    }

    #[test]
    fn signature_bytes() {
        let sk = key(6);
        let sig = sk.sign(&msg(3));
        let b = sig.to_bytes();
        assert_eq!(Signature::from_bytes(&b), Ok(sig));
        assert!(matches!(
            Signature::from_bytes(&b[..71]),
            Err(SignatureError::BadLength { got: 71, .. })
        ));
        // s = n is not canonical.
        let mut bad = b;
        for (i, l) in Scalar::MODULUS.iter().enumerate() {
            bad[8 * i..8 * i + 8].copy_from_slice(&l.to_le_bytes());
        }
        assert_eq!(Signature::from_bytes(&bad), Err(SignatureError::NonCanonicalScalar));
        // A digest element equal to p is not canonical.
        let mut bad = b;
        bad[40..48].copy_from_slice(&F::ORDER.to_le_bytes());
        assert_eq!(Signature::from_bytes(&bad), Err(SignatureError::NonCanonicalDigest));
    }

    #[test]
    fn serde_hex() -> anyhow::Result<()> {
        let sk = key(7);
        let pk = sk.public_key();
        let sig = sk.sign(&msg(2));
        let js = serde_json::to_string(&(pk, sig))?;
        assert!(js.starts_with("[\"0x"));
        let (pk2, sig2): (PublicKey, Signature) = serde_json::from_str(&js)?;
        assert_eq!((pk2, sig2), (pk, sig));
        assert!(serde_json::from_str::<PublicKey>("\"1234\"").is_err());
        assert!(serde_json::from_str::<PublicKey>("\"0x00\"").is_err());
        Ok(())
    }

    #[test]
    fn batch_agrees_with_single() {
        let m: Vec<Vec<F>> = (0..40).map(|i| msg(i % 6)).collect();
        let mut items: Vec<(PublicKey, Vec<F>, Signature)> = (0..40u64)
            .map(|i| {
                let sk = key(100 + i % 7);
                let sig = sk.sign(&m[i as usize]);
                (sk.public_key(), m[i as usize].clone(), sig)
            })
            .collect();
        assert_eq!(batch_verify(&items), Ok(()));
        assert_eq!(batch_verify::<Vec<F>>(&[]), Ok(()));
        // Break entries 33 (other chunk) and 21: the first bad one is reported.
        items[33].2.s += Scalar::ONE;
        items[21].1.push(F::ONE);
        for (i, (pk, m, sig)) in items.iter().enumerate() {
            let single = verify(pk, m, sig).is_ok();
            assert_eq!(single, i != 21 && i != 33, "entry {i}");
        }
        assert_eq!(batch_verify(&items), Err(BatchError { index: 21 }));
        items[21].1.pop();
        assert_eq!(batch_verify(&items), Err(BatchError { index: 33 }));
        // Slices of messages work too.
        let borrowed: Vec<(PublicKey, &[F], Signature)> =
            items[..20].iter().map(|(p, m, s)| (*p, m.as_slice(), *s)).collect();
        assert_eq!(batch_verify(&borrowed), Ok(()));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn random_round_trip(seed in any::<u64>(), m in proptest::collection::vec(0..F::ORDER, 0..12)) {
            let sk = key(seed);
            let m: Vec<F> = m.into_iter().map(fe).collect();
            let sig = sk.sign(&m);
            prop_assert_eq!(verify(&sk.public_key(), &m, &sig), Ok(()));
            let (idx, bump) = (seed as usize % (m.len() + 1), F::ONE);
            let mut m2 = m.clone();
            if idx < m.len() { m2[idx] += bump; } else { m2.push(bump); }
            prop_assert_eq!(verify(&sk.public_key(), &m2, &sig), Err(SignatureError::Invalid));
        }

        #[test]
        fn batch_matches_verify(seed in any::<u64>(), flips in proptest::collection::vec(any::<bool>(), 1..24)) {
            let items: Vec<(PublicKey, Vec<F>, Signature)> = flips
                .iter()
                .enumerate()
                .map(|(i, &flip)| {
                    let sk = key(seed.wrapping_add(i as u64));
                    let m = msg(i as u64 % 4);
                    let mut sig = sk.sign(&m);
                    if flip {
                        sig.e.elements[i % 4] += F::ONE;
                    }
                    (sk.public_key(), m, sig)
                })
                .collect();
            let expected = items
                .iter()
                .position(|(pk, m, sig)| verify(pk, m, sig).is_err())
                .map(|index| BatchError { index });
            prop_assert_eq!(batch_verify(&items).err(), expected);
        }
    }
}

//! Generator of `PoseidonGoldilocks.sol`: plonky2's Poseidon permutation (width 12, x^7,
//! 8 full + 22 partial rounds) as hand-scheduled Yul, with every constant read from plonky2
//! itself, so the Solidity side cannot drift from the Rust spec
//! (`proofbook_circuits::hash`). A test checks that the committed file equals this output.
//!
//! Schedule (docs/GAS.md). The twelve state words live on the EVM stack as Yul variables
//! `x0..x11` for the whole permutation (loaded from memory once, stored once), and nothing
//! is reduced modulo p unless a bound below requires it (`mulmod` accepts any 256-bit input):
//! - S-box `y^7` as `b = y·y·y` (two plain `mul`, valid for `y < 2^85`), then
//!   `mulmod(mulmod(b, b, p), y, p)`: two `mulmod` instead of four.
//! - Full-round MDS on three 73-bit lanes per word: packed word `g` is
//!   `Σ_j x_j · K_gj` with `K_gj = M[3g][j] | M[3g+1][j] << 73 | M[3g+2][j] << 146`, so one
//!   `mul` does three multiply-adds (48 instead of 144). Inputs are S-box outputs (< p) and the
//!   MDS row sums are 264 < 2^9, so with the next round's constants added in the same packed
//!   word (three lanes at once) every lane stays below 265·p < 2^73: no carries between lanes,
//!   and the lanes, unreduced, are the next S-box inputs.
//! - Round 3's MDS, the first partial-round constant layer and plonky2's initial partial
//!   matrix are one precomputed 12×12 matrix (outputs < 12·p² + p < 2^132).
//! - Each S-box of rounds 1–3 and 27–29 is applied to its lane as the lane is extracted.
//! - Partial rounds in plonky2's fast form, two at a time: `s = x0^7 + c`,
//!   `d = mds00·s + Σ ŵ_j·x_j`, `s' = d^7 + c'`, then one update `x_j += s·v_j + s'·v'_j`
//!   for both rounds, and the second dot product taken over the updated words (its state
//!   coefficient adjusted to `mds00 − Σ_j ŵ'_j·v'_j` mod p). Words stay below
//!   2^132 + 22·2^129 < 2^134, dot products below 2^129 + 11·2^64·2^134 < 2^202, reduced
//!   once before their S-box.
//!
//! Memory layout inside the contract (it owns all of its memory: every entry point returns
//! from assembly): state `S` at `0x000..0x180` (the permutation's input and output), scratch
//! `T` at `0x180..0x300` (packed MDS words, round 3's outputs), entry-point scratch from
//! `0x300`.

use std::fmt::Write as _;

use plonky2::field::goldilocks_field::GoldilocksField;
use plonky2::field::types::{Field, PrimeField64};
use plonky2::hash::poseidon::{
    Poseidon, ALL_ROUND_CONSTANTS, HALF_N_FULL_ROUNDS, N_PARTIAL_ROUNDS, SPONGE_WIDTH,
};

type G = GoldilocksField;

// The partial rounds are scheduled in pairs.
const _: () = assert!(N_PARTIAL_ROUNDS.is_multiple_of(2));

const S: usize = 0x000;
const T: usize = 0x180;
/// Bits per lane of the packed MDS words (each lane holds a value below 265·p < 2^73).
const LANE_BITS: usize = 73;

/// Function selectors of the entry points (the first four bytes of the keccak of the
/// signature), checked against alloy's in the tests.
pub mod selectors {
    /// `permute(uint256[12])`.
    pub const PERMUTE: &str = "permute(uint256[12])";
    /// `hashNoPad(uint256[])`.
    pub const HASH_NO_PAD: &str = "hashNoPad(uint256[])";
    /// `twoToOne(uint256[4],uint256[4])`.
    pub const TWO_TO_ONE: &str = "twoToOne(uint256[4],uint256[4])";
    /// `merkleRoot(uint256[4],uint256,bytes32[])`.
    pub const MERKLE_ROOT: &str = "merkleRoot(uint256[4],uint256,bytes32[])";
    /// `toDigestBytes(uint256[4])`.
    pub const TO_DIGEST_BYTES: &str = "toDigestBytes(uint256[4])";
    /// `fromDigestBytes(bytes32)`.
    pub const FROM_DIGEST_BYTES: &str = "fromDigestBytes(bytes32)";
}

fn selector(sig: &str) -> String {
    let h = alloy::primitives::keccak256(sig.as_bytes());
    format!("0x{}", hex::encode(&h[..4]))
}

fn s(i: usize) -> String {
    format!("0x{:03x}", S + 32 * i)
}

fn t(i: usize) -> String {
    format!("0x{:03x}", T + 32 * i)
}

fn hex64(x: u64) -> String {
    format!("0x{x:016x}")
}

fn fe(x: u64) -> G {
    G::from_canonical_u64(x)
}

/// Entry `(r, j)` of plonky2's 12×12 MDS matrix (circulant plus diagonal).
fn mds(r: usize, j: usize) -> u64 {
    let circ = <G as Poseidon>::MDS_MATRIX_CIRC;
    let diag = <G as Poseidon>::MDS_MATRIX_DIAG;
    circ[(j + SPONGE_WIDTH - r) % SPONGE_WIDTH] + if r == j { diag[r] } else { 0 }
}

/// Three values at lanes 0, 73 and 146 of one word, as a hex literal.
fn packed(v: [u64; 3]) -> String {
    let mut w = alloy::primitives::U256::ZERO;
    for (lane, x) in v.iter().enumerate() {
        w |= alloy::primitives::U256::from(*x) << (LANE_BITS * lane);
    }
    format!("{w:#x}")
}

/// `t0 + (t1 + (… + tn))`: right-nested, so the EVM stack holds one partial sum at a time.
fn sum(terms: &[String]) -> String {
    let mut it = terms.iter().rev();
    let mut e = it.next().cloned().unwrap_or_default();
    for term in it {
        e = format!("add({term}, {e})");
    }
    e
}

/// The statements of `perm()`, one per line, with `{`/`}` lines for scopes.
struct Body(Vec<String>);

impl Body {
    fn line(&mut self, l: impl Into<String>) {
        self.0.push(l.into());
    }

    /// S-box of `x{i}` after adding the round constant `c` (and reducing `x{i}` first if it
    /// may exceed 2^64): the input is below 2^65.
    fn sbox(&mut self, i: usize, reduce: bool, c: u64) {
        let x = if reduce { format!("mod(x{i}, P)") } else { format!("x{i}") };
        self.line("{");
        self.line(format!("let y := add({x}, {})", hex64(c)));
        self.line("let b := mul(mul(y, y), y)");
        self.line(format!("x{i} := mulmod(mulmod(b, b, P), y, P)"));
        self.line("}");
    }

    /// The packed MDS layer of a full round on `x0..x11` (S-box outputs, < p), adding
    /// `next` (the next round's constants) to the outputs and applying the next round's
    /// S-boxes to the lanes as they are extracted; the last round instead reduces the
    /// outputs and stores them to the state memory. Words 0..2 go through scratch memory
    /// (twelve state words and three packed words would not fit the reachable stack).
    fn mds(&mut self, next: Option<&[u64]>, last: bool) {
        let mask = format!("{:#x}", (1u128 << LANE_BITS) - 1);
        for g in 0..4 {
            let mut terms: Vec<String> = (0..SPONGE_WIDTH)
                .map(|j| {
                    format!(
                        "mul(x{j}, {})",
                        packed([mds(3 * g, j), mds(3 * g + 1, j), mds(3 * g + 2, j)])
                    )
                })
                .collect();
            if let Some(c) = next {
                terms.push(packed([c[3 * g], c[3 * g + 1], c[3 * g + 2]]));
            }
            if g < 3 {
                self.line(format!("mstore({}, {})", t(g), sum(&terms)));
            } else {
                self.line("{");
                self.line(format!("let w := {}", sum(&terms)));
            }
        }
        for g in (0..4).rev() {
            if g < 3 {
                self.line("{");
                self.line(format!("let w := mload({})", t(g)));
            }
            let lanes = [
                format!("and(w, {mask})"),
                format!("and(shr({LANE_BITS}, w), {mask})"),
                format!("shr({}, w)", 2 * LANE_BITS),
            ];
            for (l, lane) in lanes.iter().enumerate() {
                let r = 3 * g + l;
                if last {
                    self.line(format!("mstore({}, mod({lane}, P))", s(r)));
                } else {
                    // The next round's S-box, straight from the lane.
                    self.line("{");
                    self.line(format!("let y := {lane}"));
                    self.line("let b := mul(mul(y, y), y)");
                    self.line(format!("x{r} := mulmod(mulmod(b, b, P), y, P)"));
                    self.line("}");
                }
            }
            self.line("}");
        }
    }

    fn render(&self, out: &mut String, indent: usize) {
        let mut d = indent;
        for l in &self.0 {
            if l == "}" {
                d -= 4;
            }
            let _ = writeln!(out, "{:d$}{l}", "");
            if l == "{" {
                d += 4;
            }
        }
    }
}

/// The Yul of `perm()`: the permutation of the state at `S`, in place.
fn perm(out: &mut String) {
    let first = <G as Poseidon>::FAST_PARTIAL_FIRST_ROUND_CONSTANT;
    let init = <G as Poseidon>::FAST_PARTIAL_ROUND_INITIAL_MATRIX;
    let rc = <G as Poseidon>::FAST_PARTIAL_ROUND_CONSTANTS;
    let vs = <G as Poseidon>::FAST_PARTIAL_ROUND_VS;
    let w_hats = <G as Poseidon>::FAST_PARTIAL_ROUND_W_HATS;
    let n = SPONGE_WIDTH;
    let round_constants = |r: usize| &ALL_ROUND_CONSTANTS[n * r..n * (r + 1)];
    debug_assert!((0..n).map(|j| mds(0, j)).sum::<u64>() < 1 << 9);

    let mut b = Body(Vec::new());
    for i in 0..n {
        b.line(format!("let x{i} := mload({})", s(i)));
    }
    let mut round = 0;
    b.line("// full round 0: constants and S-boxes");
    for i in 0..n {
        b.sbox(i, false, round_constants(0)[i]);
    }
    for _ in 1..HALF_N_FULL_ROUNDS {
        b.line(format!(
            "// MDS of full round {round}, constants and S-boxes of full round {}",
            round + 1
        ));
        b.mds(Some(round_constants(round + 1)), false);
        round += 1;
    }
    round += 1;
    // Round 3's MDS, then the first partial constant layer and the initial matrix:
    // T_0 = (M·x)_0 + first_0, T_c = Σ_{r≥1} ((M·x)_r + first_r)·init[r-1][c-1] (c ≥ 1).
    b.line("// MDS of the last full round, first partial constants and initial matrix in one");
    b.line("// 12×12 product: T_c < 12·p² + p < 2^132 (T_1..T_11 via scratch), T_0 < 2^73");
    for c in (1..n).rev() {
        let mut terms: Vec<String> = (0..n)
            .map(|j| {
                let m = (1..n).fold(G::ZERO, |acc, r| acc + fe(init[r - 1][c - 1]) * fe(mds(r, j)));
                format!("mul(x{j}, {})", hex64(m.to_canonical_u64()))
            })
            .collect();
        let k = (1..n).fold(G::ZERO, |acc, r| acc + fe(init[r - 1][c - 1]) * fe(first[r]));
        terms.push(hex64(k.to_canonical_u64()));
        b.line(format!("mstore({}, {})", t(c), sum(&terms)));
    }
    let mut terms: Vec<String> = (0..n).map(|j| format!("mul(x{j}, {})", mds(0, j))).collect();
    terms.push(hex64(first[0]));
    b.line(format!("x0 := {}", sum(&terms)));
    for c in 1..n {
        b.line(format!("x{c} := mload({})", t(c)));
    }
    let mds00 = mds(0, 0);
    // c0_i = mds00 − Σ_j ŵ_ij·v_ij: the coefficient of x0 when the dot product of round i
    // is taken over words that already include round i's update.
    let c0 = |i: usize| {
        (1..n)
            .fold(fe(mds00), |acc, j| acc - fe(w_hats[i][j - 1]) * fe(vs[i][j - 1]))
            .to_canonical_u64()
    };
    for i in (0..N_PARTIAL_ROUNDS).step_by(2) {
        b.line(format!(
            "// partial rounds {} and {}: s = x0^7 + c; d = mds00·s + Σ ŵ_j·x_j; s' = d^7 + c';",
            round + i,
            round + i + 1
        ));
        b.line("// x_j += s·v_j + s'·v'_j (one update for both rounds); x0 ← c0'·s' + Σ ŵ'_j·x_j");
        b.line("{");
        let y = if i == 0 {
            "x0"
        } else {
            b.line("let y := mod(x0, P)");
            "y"
        };
        b.line(format!("let b := mul(mul({y}, {y}), {y})"));
        b.line(format!("x0 := add(mulmod(mulmod(b, b, P), {y}, P), {})", hex64(rc[i])));
        b.line("}");
        b.line("{");
        let mut terms = vec![format!("mul(x0, {mds00})")];
        terms.extend((1..n).map(|j| format!("mul(x{j}, {})", hex64(w_hats[i][j - 1]))));
        b.line(format!("let d := {}", sum(&terms)));
        b.line("{");
        b.line("let y := mod(d, P)");
        b.line("let b := mul(mul(y, y), y)");
        b.line(format!("d := add(mulmod(mulmod(b, b, P), y, P), {})", hex64(rc[i + 1])));
        b.line("}");
        for j in 1..n {
            b.line(format!(
                "x{j} := add(x{j}, add(mul(x0, {}), mul(d, {})))",
                hex64(vs[i][j - 1]),
                hex64(vs[i + 1][j - 1])
            ));
        }
        let mut terms = vec![format!("mul(d, {})", hex64(c0(i + 1)))];
        terms.extend((1..n).map(|j| format!("mul(x{j}, {})", hex64(w_hats[i + 1][j - 1]))));
        b.line(format!("x0 := {}", sum(&terms)));
        b.line("}");
    }
    round += N_PARTIAL_ROUNDS;
    b.line(format!("// full round {round}: reduce, constants and S-boxes"));
    for i in 0..n {
        b.sbox(i, true, round_constants(round)[i]);
    }
    for _ in 1..HALF_N_FULL_ROUNDS {
        b.line(format!(
            "// MDS of full round {round}, constants and S-boxes of full round {}",
            round + 1
        ));
        b.mds(Some(round_constants(round + 1)), false);
        round += 1;
    }
    b.line(format!("// MDS of full round {round}, reduced, into the state memory"));
    b.mds(None, true);
    out.push_str("            function perm() {\n");
    b.render(out, 16);
    out.push_str("            }\n");
}

/// The complete `PoseidonGoldilocks.sol` source.
pub fn poseidon_goldilocks_sol() -> String {
    let mut yul = String::new();
    perm(&mut yul);
    // Yul functions cannot see outer variables: p is written out as a literal.
    let yul = yul.replace("P)", "0xffffffff00000001)");
    let sel = |s: &str| selector(s);
    format!(
        r#"// SPDX-License-Identifier: MIT OR Apache-2.0
// GENERATED by `cargo run -p proofbook-contracts --bin gen-contracts` from plonky2's own
// constants (contracts/src/poseidon_sol.rs). Do not edit: the Rust test
// `generated_sources_are_current` fails when this file differs from the generator's output.
pragma solidity 0.8.37;

/// @title plonky2's Poseidon over Goldilocks (p = 2^64 - 2^32 + 1), bit-identical to
/// `plonky2::hash::poseidon::PoseidonHash` (width 12, rate 8, S-box x^7, 8 full and 22
/// partial rounds). Field elements are `uint256` values below p; inputs that are not
/// canonical are rejected. Digests cross the ABI as four elements, or as `bytes32` in the
/// Rust `digest_to_bytes` form (each element 8 bytes little-endian, element 0 first).
/// @dev A stand-alone contract whose entry points are all in assembly and return from it,
/// so the permutation owns all memory (state at 0x000, scratch at 0x180). Call it through
/// `IPoseidonGoldilocks`.
interface IPoseidonGoldilocks {{
    /// The permutation of a 12-element state.
    function permute(uint256[12] calldata state) external pure returns (uint256[12] memory);
    /// `PoseidonHash::hash_no_pad`: overwrite-mode sponge, rate 8, first four elements out.
    function hashNoPad(uint256[] calldata input) external pure returns (uint256[4] memory);
    /// `PoseidonHash::two_to_one` (an interior Merkle node).
    function twoToOne(uint256[4] calldata left, uint256[4] calldata right)
        external
        pure
        returns (uint256[4] memory);
    /// The root of the path from `leaf` at `index` through `siblings` (leaf level first,
    /// each in digest-bytes form): bit `l` of `index` set means the node is the right child
    /// at level `l`. Returns the root in digest-bytes form. `siblings.length` is the depth
    /// (1..=63) and `index` must be below 2^depth.
    function merkleRoot(uint256[4] calldata leaf, uint256 index, bytes32[] calldata siblings)
        external
        pure
        returns (bytes32);
    /// Four canonical elements as digest bytes.
    function toDigestBytes(uint256[4] calldata digest) external pure returns (bytes32);
    /// Digest bytes as four elements (each must be canonical).
    function fromDigestBytes(bytes32 digest) external pure returns (uint256[4] memory);
}}

/// @notice Revert reasons (custom errors, selectors as Solidity computes them).
interface IPoseidonGoldilocksErrors {{
    /// An input element is not below p.
    error NonCanonicalElement();
    /// A Merkle depth outside 1..=63 or an index with bits above the depth.
    error BadMerklePath();
    /// Unknown function selector.
    error UnknownSelector();
}}

contract PoseidonGoldilocks {{
    fallback() external {{
        // Not memory-safe in Solidity's sense, and needs not be: every path ends in
        // return or revert, so no Solidity code runs after the assembly.
        assembly {{

{yul}
            function nonCanonical() {{
                mstore(0, shl(224, {err_nc}))
                revert(0, 4)
            }}
            function badPath() {{
                mstore(0, shl(224, {err_bp}))
                revert(0, 4)
            }}
            /// Reverses the bytes inside each 8-byte lane of a word.
            function swapLanes(x) -> y {{
                y := or(shl(8, and(x, 0x00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff)),
                        and(shr(8, x), 0x00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff))
                y := or(shl(16, and(y, 0x0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff)),
                        and(shr(16, y), 0x0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff))
                y := or(shl(32, and(y, 0x00000000ffffffff00000000ffffffff00000000ffffffff00000000ffffffff)),
                        and(shr(32, y), 0x00000000ffffffff00000000ffffffff00000000ffffffff00000000ffffffff))
            }}
            /// Digest bytes → four elements stored at `dst` (canonical or revert).
            function unpack(word, dst) {{
                let y := swapLanes(word)
                let e0 := shr(192, y)
                let e1 := and(shr(128, y), 0xffffffffffffffff)
                let e2 := and(shr(64, y), 0xffffffffffffffff)
                let e3 := and(y, 0xffffffffffffffff)
                if iszero(and(and(lt(e0, 0xffffffff00000001), lt(e1, 0xffffffff00000001)),
                              and(lt(e2, 0xffffffff00000001), lt(e3, 0xffffffff00000001)))) {{ nonCanonical() }}
                mstore(dst, e0)
                mstore(add(dst, 0x20), e1)
                mstore(add(dst, 0x40), e2)
                mstore(add(dst, 0x60), e3)
            }}
            /// Four elements at `src` → digest bytes.
            function pack(src) -> word {{
                word := or(or(shl(192, mload(src)), shl(128, mload(add(src, 0x20)))),
                           or(shl(64, mload(add(src, 0x40))), mload(add(src, 0x60))))
                word := swapLanes(word)
            }}
            /// Copies `n` canonical elements from calldata `src` to memory `dst`.
            function load(src, dst, n) {{
                for {{ let i := 0 }} lt(i, n) {{ i := add(i, 1) }} {{
                    let e := calldataload(add(src, mul(32, i)))
                    if iszero(lt(e, 0xffffffff00000001)) {{ nonCanonical() }}
                    mstore(add(dst, mul(32, i)), e)
                }}
            }}
            function zero(dst, n) {{
                for {{ let i := 0 }} lt(i, n) {{ i := add(i, 1) }} {{ mstore(add(dst, mul(32, i)), 0) }}
            }}

            switch shr(224, calldataload(0))
            case {sel_permute} {{
                load(4, 0, 12)
                perm()
                return(0, 0x180)
            }}
            case {sel_hash} {{
                let off := add(4, calldataload(4))
                let n := calldataload(off)
                let src := add(off, 0x20)
                zero(0, 12)
                for {{ let i := 0 }} lt(i, n) {{ i := add(i, 8) }} {{
                    let k := sub(n, i)
                    if gt(k, 8) {{ k := 8 }}
                    load(add(src, mul(32, i)), 0, k)
                    perm()
                }}
                return(0, 0x80)
            }}
            case {sel_two} {{
                load(4, 0, 8)
                zero(0x100, 4)
                perm()
                return(0, 0x80)
            }}
            case {sel_merkle} {{
                let index := calldataload(0x84)
                let off := add(4, calldataload(0xa4))
                let depth := calldataload(off)
                if or(or(iszero(depth), gt(depth, 63)), shr(depth, index)) {{ badPath() }}
                // The node is the first digest of the state (where perm() leaves its output).
                load(4, 0x000, 4)
                let sib := add(off, 0x20)
                for {{ let l := 0 }} lt(l, depth) {{ l := add(l, 1) }} {{
                    switch and(shr(l, index), 1)
                    case 0 {{
                        unpack(calldataload(add(sib, shl(5, l))), 0x080)
                    }}
                    default {{
                        mstore(0x080, mload(0x000)) mstore(0x0a0, mload(0x020))
                        mstore(0x0c0, mload(0x040)) mstore(0x0e0, mload(0x060))
                        unpack(calldataload(add(sib, shl(5, l))), 0x000)
                    }}
                    mstore(0x100, 0) mstore(0x120, 0) mstore(0x140, 0) mstore(0x160, 0)
                    perm()
                }}
                mstore(0, pack(0x000))
                return(0, 0x20)
            }}
            case {sel_to} {{
                load(4, 0x300, 4)
                mstore(0, pack(0x300))
                return(0, 0x20)
            }}
            case {sel_from} {{
                unpack(calldataload(4), 0)
                return(0, 0x80)
            }}
            default {{
                mstore(0, shl(224, {err_us}))
                revert(0, 4)
            }}
        }}
    }}
}}
"#,
        yul = yul,
        err_nc = sel("NonCanonicalElement()"),
        err_bp = sel("BadMerklePath()"),
        err_us = sel("UnknownSelector()"),
        sel_permute = sel(selectors::PERMUTE),
        sel_hash = sel(selectors::HASH_NO_PAD),
        sel_two = sel(selectors::TWO_TO_ONE),
        sel_merkle = sel(selectors::MERKLE_ROOT),
        sel_to = sel(selectors::TO_DIGEST_BYTES),
        sel_from = sel(selectors::FROM_DIGEST_BYTES),
    )
}

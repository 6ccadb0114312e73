//! Generator of `PoseidonGoldilocks.sol`: plonky2's Poseidon permutation (width 12, x^7,
//! 8 full + 22 partial rounds) as hand-scheduled Yul, with every constant read from plonky2
//! itself, so the Solidity side cannot drift from the Rust spec
//! (`proofbook_circuits::hash`). A test checks that the committed file equals this output.
//!
//! Schedule (all arithmetic on 256-bit words, reduced only where a bound requires it):
//! - full rounds: `x ← (x + c)^7` with `mulmod`, then the circulant MDS layer computed on
//!   three 85-bit lanes per word (all MDS coefficients together sum to 264 < 2^9, so a lane
//!   holds `Σ c·x < 2^73` without carry): 48 multiplications instead of 144;
//! - partial rounds: plonky2's "fast" form (first constant layer, the dense initial matrix,
//!   then per round one S-box, a dot product with `W_HATS` and a rank-one update with `VS`),
//!   with the rank-one updates left unreduced: every state word stays below 2^134 and every
//!   dot product below 2^202 (bounds in the comments of the generated code).
//!
//! Memory layout inside the contract (it owns all of its memory: every entry point returns
//! from assembly): state `S` at `0x000..0x180`, lane/partial-round area `T` at
//! `0x180..0x300`, scratch from `0x300`.

use std::fmt::Write as _;

use plonky2::field::goldilocks_field::GoldilocksField;
use plonky2::hash::poseidon::{
    Poseidon, ALL_ROUND_CONSTANTS, HALF_N_FULL_ROUNDS, N_PARTIAL_ROUNDS, SPONGE_WIDTH,
};

type G = GoldilocksField;

const S: usize = 0x000;
const T: usize = 0x180;
const LANE_BITS: usize = 85;

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

/// One full round's constant + S-box layer, reading element `i` at `src(i)` and writing it to
/// `S`; inputs may be any value below 2^255 (mulmod reduces).
fn full_sbox(out: &mut String, round: usize, src: impl Fn(usize) -> String) {
    for i in 0..SPONGE_WIDTH {
        let c = ALL_ROUND_CONSTANTS[i + SPONGE_WIDTH * round];
        let _ = writeln!(
            out,
            "                {{ let x := add(mload({src}), {c}) let x2 := mulmod(x, x, P) mstore({dst}, mulmod(mulmod(x2, x, P), mulmod(x2, x2, P), P)) }}",
            src = src(i),
            c = hex64(c),
            dst = s(i),
        );
    }
}

/// The Yul body of `mdsFull()`: S ← MDS · S, inputs below 2^64 (S-box outputs).
fn mds_full(out: &mut String) {
    let circ = <G as Poseidon>::MDS_MATRIX_CIRC;
    let diag = <G as Poseidon>::MDS_MATRIX_DIAG;
    debug_assert!(circ.iter().sum::<u64>() + diag.iter().max().copied().unwrap_or(0) < 1 << 9);
    let n = SPONGE_WIDTH;
    out.push_str("            function mdsFull() {\n");
    out.push_str(
        "                // T_k = S_k | S_(k+1) << 85 | S_(k+2) << 170 (indices mod 12; bit 255 may carry\n                // a stray bit of S_(k+3), which only ever moves upward and is masked off).\n",
    );
    let _ = writeln!(
        out,
        "                let t := or(mload({}), or(shl({LANE_BITS}, mload({})), shl({}, mload({}))))",
        s(n - 1),
        s(0),
        2 * LANE_BITS,
        s(1)
    );
    let _ = writeln!(out, "                mstore({}, t)", t(n - 1));
    for k in (0..n - 1).rev() {
        let _ = writeln!(
            out,
            "                t := or(mload({}), shl({LANE_BITS}, t)) mstore({}, t)",
            s(k),
            t(k)
        );
    }
    // Diagonal terms need the raw inputs, which the writes below overwrite.
    let diag_rows: Vec<usize> = (0..n).filter(|&r| diag[r] != 0).collect();
    for &r in &diag_rows {
        let _ = writeln!(out, "                let d{r} := mul(mload({}), {})", s(r), diag[r]);
    }
    let mask = format!("0x{:x}", (1u128 << LANE_BITS) - 1);
    for g in (0..n).step_by(3) {
        let terms: Vec<String> =
            (0..n).map(|i| format!("mul(mload({}), {})", t((i + g) % n), circ[i])).collect();
        let mut sum = terms[0].clone();
        for term in &terms[1..] {
            sum = format!("add({sum}, {term})");
        }
        let _ = writeln!(out, "                {{\n                    let w := {sum}");
        for lane in 0..3 {
            let r = g + lane;
            let shifted =
                if lane == 0 { "w".to_string() } else { format!("shr({}, w)", lane * LANE_BITS) };
            let mut v = format!("and({shifted}, {mask})");
            if diag_rows.contains(&r) {
                v = format!("add({v}, d{r})");
            }
            let _ = writeln!(out, "                    mstore({}, mod({v}, P))", s(r));
        }
        out.push_str("                }\n");
    }
    out.push_str("            }\n");
}

/// The Yul body of `perm()`: the permutation of the state at `S`, in place.
fn perm(out: &mut String) {
    let first = <G as Poseidon>::FAST_PARTIAL_FIRST_ROUND_CONSTANT;
    let init = <G as Poseidon>::FAST_PARTIAL_ROUND_INITIAL_MATRIX;
    let rc = <G as Poseidon>::FAST_PARTIAL_ROUND_CONSTANTS;
    let vs = <G as Poseidon>::FAST_PARTIAL_ROUND_VS;
    let w_hats = <G as Poseidon>::FAST_PARTIAL_ROUND_W_HATS;
    let mds00 = <G as Poseidon>::MDS_MATRIX_CIRC[0] + <G as Poseidon>::MDS_MATRIX_DIAG[0];
    let n = SPONGE_WIDTH;
    out.push_str("            function perm() {\n");
    let mut round = 0;
    for _ in 0..HALF_N_FULL_ROUNDS {
        let _ = writeln!(out, "                // full round {round}");
        full_sbox(out, round, s);
        out.push_str("                mdsFull()\n");
        round += 1;
    }
    out.push_str(
        "                // partial rounds (plonky2's fast form). First constant layer and the initial\n                // matrix, into T: inputs < 2^65, entries < 2^64, 11 terms → T_c < 2^133.\n",
    );
    let _ = writeln!(
        out,
        "                mstore({}, add(mload({}), {}))",
        t(0),
        s(0),
        hex64(first[0])
    );
    for c in 1..n {
        let terms: Vec<String> = (1..n)
            .map(|r| {
                format!(
                    "mul(add(mload({}), {}), {})",
                    s(r),
                    hex64(first[r]),
                    hex64(init[r - 1][c - 1])
                )
            })
            .collect();
        let mut sum = terms[0].clone();
        for term in &terms[1..] {
            sum = format!("add({sum}, {term})");
        }
        let _ = writeln!(out, "                mstore({}, {sum})", t(c));
    }
    out.push_str(
        "                // Each round: T_0 ← (T_0)^7 + c; d = mds00·T_0 + Σ W_j·T_j (< 2^202);\n                // T_j += T_0·V_j (unreduced: T_j < 2^133 + 22·2^129 < 2^134); T_0 ← d mod p.\n",
    );
    for i in 0..N_PARTIAL_ROUNDS {
        let _ = writeln!(out, "                {{ // partial round {}", round + i);
        let _ = writeln!(
            out,
            "                    let x := mload({}) let x2 := mulmod(x, x, P)\n                    let s0 := add(mulmod(mulmod(x2, x, P), mulmod(x2, x2, P), P), {})",
            t(0),
            hex64(rc[i])
        );
        let mut sum = format!("mul(s0, {mds00})");
        for j in 1..n {
            sum = format!("add({sum}, mul(mload({}), {}))", t(j), hex64(w_hats[i][j - 1]));
        }
        let _ = writeln!(out, "                    let d := {sum}");
        for j in 1..n {
            let _ = writeln!(
                out,
                "                    mstore({tj}, add(mload({tj}), mul(s0, {v})))",
                tj = t(j),
                v = hex64(vs[i][j - 1])
            );
        }
        let _ =
            writeln!(out, "                    mstore({}, mod(d, P))\n                }}", t(0));
    }
    round += N_PARTIAL_ROUNDS;
    for k in 0..HALF_N_FULL_ROUNDS {
        let _ = writeln!(out, "                // full round {round}");
        if k == 0 {
            full_sbox(out, round, t);
        } else {
            full_sbox(out, round, s);
        }
        out.push_str("                mdsFull()\n");
        round += 1;
    }
    out.push_str("            }\n");
}

/// The complete `PoseidonGoldilocks.sol` source.
pub fn poseidon_goldilocks_sol() -> String {
    let mut yul = String::new();
    perm(&mut yul);
    mds_full(&mut yul);
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
/// so the permutation owns all memory (state at 0x000, lanes at 0x180). Call it through
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
                for {{ let i := 0 }} lt(i, 4) {{ i := add(i, 1) }} {{
                    let e := and(shr(sub(192, mul(64, i)), y), 0xffffffffffffffff)
                    if iszero(lt(e, 0xffffffff00000001)) {{ nonCanonical() }}
                    mstore(add(dst, mul(32, i)), e)
                }}
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
                // node at 0x300
                load(4, 0x300, 4)
                for {{ let l := 0 }} lt(l, depth) {{ l := add(l, 1) }} {{
                    let sib := calldataload(add(add(off, 0x20), mul(32, l)))
                    switch and(shr(l, index), 1)
                    case 0 {{
                        mstore(0x000, mload(0x300)) mstore(0x020, mload(0x320))
                        mstore(0x040, mload(0x340)) mstore(0x060, mload(0x360))
                        unpack(sib, 0x080)
                    }}
                    default {{
                        mstore(0x080, mload(0x300)) mstore(0x0a0, mload(0x320))
                        mstore(0x0c0, mload(0x340)) mstore(0x0e0, mload(0x360))
                        unpack(sib, 0x000)
                    }}
                    zero(0x100, 4)
                    perm()
                    mstore(0x300, mload(0x000)) mstore(0x320, mload(0x020))
                    mstore(0x340, mload(0x040)) mstore(0x360, mload(0x060))
                }}
                mstore(0, pack(0x300))
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

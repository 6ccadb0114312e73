// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

import {TestBase} from "./Vm.sol";
import {PoseidonGoldilocks, IPoseidonGoldilocks, IPoseidonGoldilocksErrors} from "../src/PoseidonGoldilocks.sol";

/// Permutation vectors from plonky2 1.1.0, `src/hash/poseidon_goldilocks.rs`, test
/// `test_vectors` (computed there with the hadeshash reference implementation).
contract PoseidonPermutationTest is TestBase {
    IPoseidonGoldilocks internal h;

    function setUp() public {
        h = IPoseidonGoldilocks(address(new PoseidonGoldilocks()));
    }

    function check(uint256[12] memory input, uint256[12] memory expected) internal view {
        uint256[12] memory out = h.permute(input);
        for (uint256 i; i < 12; ++i) {
            vm.assertEq(out[i], expected[i], "permutation output element");
        }
    }

    function test_plonky2_vector_zeros() public view {
        uint256[12] memory z;
        check(z, [uint256(0x3c18a9786cb0b359), 0xc4055e3364a246c3, 0x7953db0ab48808f4, 0xc71603f33a1144ca,
            0xd7709673896996dc, 0x46a84e87642f44ed, 0xd032648251ee0b3c, 0x1c687363b207df62,
            0xdf8565563e8045fe, 0x40f5b37ff4254dae, 0xd070f637b431067c, 0x1792b1c4342109d7]);
    }

    function test_plonky2_vector_range() public view {
        check([uint256(0), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [uint256(0xd64e1e3efc5b8e9e), 0x53666633020aaa47,
            0xd40285597c6a8825, 0x613a4f81e81231d2, 0x414754bfebd051f0, 0xcb1f8980294a023f, 0x6eb2a9e4d54a9d0f,
            0x1902bc3af467e056, 0xf045d5eafdc6021f, 0xe4150f77caaa3be5, 0xc9bfd01d39b50cce, 0x5c0a27fcb0e1459b]);
    }

    function test_plonky2_vector_neg_one() public view {
        uint256 m = 0xffffffff00000000;
        check([m, m, m, m, m, m, m, m, m, m, m, m], [uint256(0xbe0085cfc57a8357), 0xd95af71847d05c09,
            0xcf55a13d33c1c953, 0x95803a74f4530e82, 0xfcd99eb30a135df1, 0xe095905e913a3029, 0xde0392461b42919b,
            0x7d3260e24e81d031, 0x10d3d0465d9deaa0, 0xa87571083dfc2a47, 0xe18263681e9958f8, 0xe28e96f1ae5e60d3]);
    }

    function test_plonky2_vector_random() public view {
        check([uint256(0x8ccbbbea4fe5d2b7), 0xc2af59ee9ec49970, 0x90f7e1a9e658446a, 0xdcc0630a3ab8b1b8,
            0x7ff8256bca20588c, 0x5d99a7ca0c44ecfb, 0x48452b17a70fbee3, 0xeb09d654690b6c88, 0x4a55d3a39c676a88,
            0xc0407a38d2285139, 0xa234bac9356386d1, 0xe1633f2bad98a52f], [uint256(0xa89280105650c4ec),
            0xab542d53860d12ed, 0x5704148e9ccab94f, 0xd3a826d4b62da9f5, 0x8a7a6ca87892574f, 0xc7017e1cad1a674e,
            0x1f06668922318e34, 0xa3b203bc8102676f, 0xfcc781b0ce382bf2, 0x934c69ff3ed14ba5, 0x504688a5996e8f13,
            0x401f3f2ed524a2ba]);
    }

    function test_rejects_non_canonical_input() public {
        uint256[12] memory x;
        x[3] = 0xffffffff00000001;
        vm.expectRevert(IPoseidonGoldilocksErrors.NonCanonicalElement.selector);
        h.permute(x);
    }

    function test_rejects_bad_merkle_index() public {
        uint256[4] memory leaf;
        bytes32[] memory sib = new bytes32[](2);
        vm.expectRevert(IPoseidonGoldilocksErrors.BadMerklePath.selector);
        h.merkleRoot(leaf, 4, sib);
        vm.expectRevert(IPoseidonGoldilocksErrors.BadMerklePath.selector);
        h.merkleRoot(leaf, 0, new bytes32[](0));
    }

    function test_digest_bytes_round_trip(uint64 a, uint64 b, uint64 c, uint64 d) public view {
        uint256 p = 0xffffffff00000001;
        uint256[4] memory e = [uint256(a) % p, uint256(b) % p, uint256(c) % p, uint256(d) % p];
        uint256[4] memory back = h.fromDigestBytes(h.toDigestBytes(e));
        for (uint256 i; i < 4; ++i) {
            vm.assertEq(back[i], e[i], "round trip");
        }
        // element 0 is the first 8 bytes, little-endian
        bytes32 w = h.toDigestBytes([uint256(1), 0, 0, 0]);
        vm.assertEq(w, bytes32(uint256(1) << 248), "little-endian layout");
    }

    function test_gas_permutation() public view {
        uint256[12] memory z;
        uint256 g = gasleft();
        h.permute(z);
        g = g - gasleft();
        vm.assertLe(g, 60_000, "permutation gas");
    }
}

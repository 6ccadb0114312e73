// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

import {TestBase} from "./Vm.sol";
import {MockVerifier} from "./MockVerifier.sol";
import {RollupHarness} from "./RollupHarness.sol";
import {Rollup} from "../src/Rollup.sol";
import {TestUSDC} from "../src/TestUSDC.sol";
import {IVerifier} from "../src/IVerifier.sol";
import {PoseidonGoldilocks, IPoseidonGoldilocks} from "../src/PoseidonGoldilocks.sol";

/// Vectors produced by the Rust spec (`cargo run -p proofbook-contracts --bin gen-contracts`,
/// test/vectors/poseidon.json): the Solidity side must agree bit for bit.
contract GoldenVectorsTest is TestBase {
    IPoseidonGoldilocks internal h;
    string internal json;

    function setUp() public {
        h = IPoseidonGoldilocks(address(new PoseidonGoldilocks()));
        json = vm.readFile(string.concat(vm.projectRoot(), "/test/vectors/poseidon.json"));
    }

    function _digest(string memory key) internal view returns (uint256[4] memory d) {
        uint256[] memory a = vm.parseJsonUintArray(json, key);
        vm.assertEq(a.length, 4, "digest has four elements");
        for (uint256 i; i < 4; ++i) {
            d[i] = a[i];
        }
    }

    function _eq(uint256[4] memory a, uint256[4] memory b, string memory what) internal pure {
        for (uint256 i; i < 4; ++i) {
            vm.assertEq(a[i], b[i], what);
        }
    }

    function test_hash_no_pad_vectors() public view {
        uint256 n = vm.parseJsonUint(json, ".hash_no_pad_count");
        vm.assertEq(n, 21, "lengths 0..=20");
        for (uint256 i; i < n; ++i) {
            string memory k = string.concat(".hash_no_pad[", vm.toString(i), "]");
            uint256[] memory input = vm.parseJsonUintArray(json, string.concat(k, ".input"));
            vm.assertEq(input.length, i, "input length");
            _eq(h.hashNoPad(input), _digest(string.concat(k, ".output")), "hash_no_pad");
        }
    }

    function test_two_to_one_vectors() public view {
        uint256 n = vm.parseJsonUint(json, ".two_to_one_count");
        for (uint256 i; i < n; ++i) {
            string memory k = string.concat(".two_to_one[", vm.toString(i), "]");
            _eq(
                h.twoToOne(_digest(string.concat(k, ".left")), _digest(string.concat(k, ".right"))),
                _digest(string.concat(k, ".output")),
                "two_to_one"
            );
        }
    }

    function test_tagged_hash_vector() public view {
        uint256[] memory e = new uint256[](3);
        (e[0], e[1], e[2]) = (0x2e746363612e6270, 1, 2); // "pb.acct." ‖ 1 ‖ 2
        _eq(h.hashNoPad(e), _digest(".tagged_account_1_2"), "domain tag encoding");
    }

    function test_merkle_path_vector() public view {
        bytes32[] memory sib = vm.parseJsonBytes32Array(json, ".merkle.siblings");
        vm.assertEq(sib.length, 32, "depth 32");
        bytes32 root = h.merkleRoot(_digest(".merkle.leaf"), vm.parseJsonUint(json, ".merkle.index"), sib);
        vm.assertEq(root, vm.parseJsonBytes32(json, ".merkle.root"), "merkle root");
        // one flipped sibling bit changes the root
        sib[31] = bytes32(uint256(sib[31]) ^ 1);
        vm.assertTrue(
            h.merkleRoot(_digest(".merkle.leaf"), vm.parseJsonUint(json, ".merkle.index"), sib)
                != vm.parseJsonBytes32(json, ".merkle.root"),
            "tampered path"
        );
    }

    function _exitParams()
        internal
        view
        returns (
            Rollup.AccountLeaf memory a,
            bytes32[] memory ap,
            Rollup.MarketLeaf[] memory ms,
            bytes32[][] memory mp,
            bytes32 mr,
            bytes32 ch
        )
    {
        bytes memory enc = vm.parseJsonBytes(json, ".exit.calldata_params");
        (a, ap, ms, mp, mr, ch) =
            abi.decode(enc, (Rollup.AccountLeaf, bytes32[], Rollup.MarketLeaf[], bytes32[][], bytes32, bytes32));
    }

    /// A rollup whose verified root is the Rust state's, funded and in exodus.
    function _exodus() internal returns (RollupHarness r) {
        TestUSDC usdc = new TestUSDC();
        bytes32 root = vm.parseJsonBytes32(json, ".exit.state_root");
        r = new RollupHarness(usdc, IVerifier(address(new MockVerifier())), h, address(1), address(2), root, 7 days);
        usdc.mint(address(r), 1e13);
        r.requestForcedWithdrawal(1, 1);
        vm.warp(block.timestamp + 7 days + 1);
        r.activateExodus();
    }

    /// The Rust state's exit, run by the contract: leaf hashes, paths, state root and payout.
    /// The account holds positions in two markets (ids 1 and 2).
    function test_exit_vector() public {
        (
            Rollup.AccountLeaf memory a,
            bytes32[] memory ap,
            Rollup.MarketLeaf[] memory ms,
            bytes32[][] memory mp,
            bytes32 mr,
            bytes32 ch
        ) = _exitParams();
        RollupHarness r = _exodus();
        _eq(r.accountLeafHash(a), _digest(".exit.account_leaf_hash"), "account leaf hash");
        for (uint256 i; i < ms.length; ++i) {
            _eq(
                r.marketLeafHash(ms[i]),
                _digest(string.concat(".exit.market_leaf_hashes[", vm.toString(i), "]")),
                "market leaf hash"
            );
        }
        r.exit(a, ap, ms, mp, mr, ch);
        uint256 g = vm.snapshotGasLastCall("exit_2_markets");
        uint256 payout = vm.parseJsonUint(json, ".exit.payout");
        vm.assertTrue(payout > 0, "vector pays something");
        vm.assertEq(r.withdrawable(a.l1Address), payout, "payout = max(0, TAV) of the Rust spec");
        vm.assertLe(g, 2_000_000, "exit with two markets within the issue's 2M gas target");
    }

    /// The second market is checked against the first market's path (they meet at level 2):
    /// a forged second leaf, or a wrong sibling below the meeting point, is rejected.
    function test_exit_vector_rejects_forged_second_market() public {
        (
            Rollup.AccountLeaf memory a,
            bytes32[] memory ap,
            Rollup.MarketLeaf[] memory ms,
            bytes32[][] memory mp,
            bytes32 mr,
            bytes32 ch
        ) = _exitParams();
        RollupHarness r = _exodus();
        ms[1].markPrice += 1;
        vm.expectRevert(abi.encodeWithSelector(Rollup.MarketProofMismatch.selector, 2));
        r.exit(a, ap, ms, mp, mr, ch);
        ms[1].markPrice -= 1;
        mp[1][0] = mp[0][2];
        vm.expectRevert(abi.encodeWithSelector(Rollup.MarketProofMismatch.selector, 2));
        r.exit(a, ap, ms, mp, mr, ch);
        // The first market's sibling at the meeting level is what the second is compared
        // with: changing it breaks the first market's own path.
        (, , , mp, , ) = _exitParams();
        mp[0][1] = mp[0][2];
        vm.expectRevert(abi.encodeWithSelector(Rollup.MarketProofMismatch.selector, 1));
        r.exit(a, ap, ms, mp, mr, ch);
    }
}

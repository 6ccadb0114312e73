// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

import {RollupFixture} from "./RollupFixture.sol";
import {Rollup} from "../src/Rollup.sol";

/// Exodus exits against a state built here with the Poseidon contract: one account (id 7)
/// with a perp position in market 1, in otherwise empty trees. The bit-identity of leaf and
/// root hashing with the Rust spec is checked separately (GoldenVectors.t.sol).
contract ExitTest is RollupFixture {
    uint256 internal constant P = 0xffffffff00000001;
    bytes32 internal configHash = bytes32(uint256(0x0102030405060708) << 192);

    Rollup.AccountLeaf internal acct;
    Rollup.MarketLeaf[] internal mkts;
    bytes32[] internal accountProof;
    bytes32[][] internal marketProofs;
    bytes32 internal marketsRoot;

    function setUp() public {
        deploy(GENESIS); // a first deployment, only to reach the Poseidon contract
        acct.accountId = 7;
        acct.pubkey = key(7);
        acct.l1Address = alice;
        acct.collateral = 10e6;
        acct.nonce = 3;
        acct.positions[0] = Rollup.Position({marketId: 1, size: 2, fundingSnapshot: 5});
        acct.ordersRoot = bytes32(uint256(0x11) << 248);
        Rollup.MarketLeaf memory m;
        m.id = 1;
        m.kind = 1;
        m.underlying = 1;
        m.lotSize = 100_000;
        m.tickSize = 1;
        m.imfPpm = 100_000;
        m.mmfPpm = 50_000;
        m.markPrice = 1_000_000;
        m.indexPrice = 1_000_000;
        m.oracleTime = 1_700_000_000;
        m.fundingIndex = 105;
        m.fundingTime = 1_700_000_000;
        m.openInterest = 2;
        mkts.push(m);

        bytes32 root = _buildState();
        // Redeploy with this state as the verified root (as if a batch had proven it), fund
        // the contract as earlier verified deposits would have, and freeze.
        deploy(root);
        usdc.mint(address(rollup), 100e6);
        vm.prank(bob);
        rollup.requestForcedWithdrawal(7, 1);
        vm.warp(block.timestamp + DEADLINE + 1);
        rollup.activateExodus();
    }

    function _empties(uint256 depth) internal view returns (bytes32[] memory z) {
        z = new bytes32[](depth);
        uint256[4] memory node;
        for (uint256 l; l < depth; ++l) {
            z[l] = poseidon.toDigestBytes(node);
            node = poseidon.twoToOne(node, node);
        }
    }

    function _buildState() internal returns (bytes32) {
        accountProof = _empties(32);
        bytes32 accountsRoot = poseidon.merkleRoot(poseidon.hashNoPad(accountElements(acct)), acct.accountId, accountProof);
        marketProofs.push(_empties(8));
        marketsRoot = poseidon.merkleRoot(poseidon.hashNoPad(marketElements(mkts[0])), 1, marketProofs[0]);
        uint256[] memory e = new uint256[](13);
        e[0] = 0x65746174732e6270;
        uint256[4] memory a = poseidon.fromDigestBytes(accountsRoot);
        uint256[4] memory mr = poseidon.fromDigestBytes(marketsRoot);
        uint256[4] memory c = poseidon.fromDigestBytes(configHash);
        for (uint256 i; i < 4; ++i) {
            (e[1 + i], e[5 + i], e[9 + i]) = (a[i], mr[i], c[i]);
        }
        return poseidon.toDigestBytes(poseidon.hashNoPad(e));
    }

    function fe(int64 x) internal pure returns (uint256) {
        return x >= 0 ? uint256(uint64(x)) : P - uint256(-int256(x));
    }

    function accountElements(Rollup.AccountLeaf memory a) internal view returns (uint256[] memory e) {
        e = new uint256[](41);
        e[0] = 0x2e746363612e6270;
        for (uint256 i; i < 5; ++i) {
            e[1 + i] = a.pubkey[i];
            e[6 + i] = uint32(uint160(a.l1Address) >> (32 * (4 - i)));
        }
        e[11] = fe(a.collateral);
        e[12] = a.nonce;
        for (uint256 i; i < 8; ++i) {
            (e[13 + 3 * i], e[14 + 3 * i], e[15 + 3 * i]) =
                (a.positions[i].marketId, fe(a.positions[i].size), fe(a.positions[i].fundingSnapshot));
        }
        uint256[4] memory r = poseidon.fromDigestBytes(a.ordersRoot);
        for (uint256 i; i < 4; ++i) {
            e[37 + i] = r[i];
        }
    }

    function marketElements(Rollup.MarketLeaf memory m) internal pure returns (uint256[] memory e) {
        e = new uint256[](18);
        (e[0], e[1], e[2], e[3], e[4], e[5]) = (0x2e746b726d2e6270, m.id, m.kind, m.underlying, m.strike, m.expiry);
        (e[6], e[7], e[8], e[9], e[10], e[11]) = (m.lotSize, m.tickSize, m.imfPpm, m.mmfPpm, m.imFloorPpm, m.markPrice);
        (e[12], e[13], e[14], e[15], e[16], e[17]) =
            (m.indexPrice, m.oracleTime, fe(m.fundingIndex), m.fundingTime, m.settlementPrice, m.openInterest);
    }

    function _exit() internal {
        rollup.exit(acct, accountProof, mkts, marketProofs, marketsRoot, configHash);
    }

    function test_exit_pays_tav_once() public {
        // TAV = 10e6 − 2·(105 − 5) + 2·1e6 = 11_999_800
        vm.assertEq(rollup.totalAccountValue(acct, mkts), 11_999_800, "tav");
        _exit();
        uint256 g = vm.snapshotGasLastCall("exit_1_market");
        vm.assertEq(rollup.withdrawable(alice), 11_999_800, "credited to the account's L1 address");
        vm.expectRevert(abi.encodeWithSelector(Rollup.AlreadyExited.selector, 7));
        _exit();
        uint256 before = usdc.balanceOf(alice);
        vm.prank(alice);
        rollup.withdraw();
        vm.assertEq(usdc.balanceOf(alice) - before, 11_999_800, "paid");
        vm.assertLe(g, 2_000_000, "exit within the issue's 2M gas target");
    }

    function test_exit_rejects_forged_leaf() public {
        acct.collateral += 1;
        vm.expectRevert(Rollup.StateRootMismatch.selector);
        _exit();
        acct.collateral -= 1;
        acct.l1Address = bob; // redirect the payout
        vm.expectRevert(Rollup.StateRootMismatch.selector);
        _exit();
    }

    function test_exit_rejects_wrong_path() public {
        accountProof[5] = accountProof[6];
        vm.expectRevert(Rollup.StateRootMismatch.selector);
        _exit();
    }

    function test_exit_rejects_wrong_account_index() public {
        acct.accountId = 6;
        vm.expectRevert(Rollup.StateRootMismatch.selector);
        _exit();
    }

    function test_exit_rejects_forged_or_missing_market() public {
        mkts[0].markPrice += 1;
        vm.expectRevert(abi.encodeWithSelector(Rollup.MarketProofMismatch.selector, 1));
        _exit();
        mkts[0].markPrice -= 1;
        mkts.pop();
        marketProofs.pop();
        vm.expectRevert(abi.encodeWithSelector(Rollup.MissingMarket.selector, 1));
        _exit();
    }

    function test_exit_rejects_short_proof() public {
        accountProof.pop();
        vm.expectRevert(Rollup.BadProofLength.selector);
        _exit();
    }

    function test_exit_outside_exodus_rejected() public {
        bytes32 root = rollup.verifiedStateRoot();
        deploy(root);
        vm.expectRevert(Rollup.NotInExodus.selector);
        _exit();
    }

    function test_exit_payout_capped_by_free_funds() public {
        // Only 5 USDC free: the rest is owed to a refundable deposit.
        Rollup.AccountLeaf memory a = acct;
        bytes32 root = rollup.verifiedStateRoot();
        deploy(root);
        usdc.mint(address(rollup), 5e6);
        vm.prank(bob);
        rollup.deposit(key(9), 50e6);
        vm.warp(block.timestamp + DEADLINE + 1);
        rollup.activateExodus();
        rollup.exit(a, accountProof, mkts, marketProofs, marketsRoot, configHash);
        vm.assertEq(rollup.withdrawable(alice), 5e6, "capped");
        rollup.refundDeposit(0, bob, key(9), 50e6);
        vm.assertEq(rollup.withdrawable(bob), 50e6, "deposit still whole");
    }

    /// Markets 2 and 3 are siblings at level 0: the second market's leaf hash itself must equal
    /// the first proof's level-0 sibling (no hashing). A forged second leaf is rejected.
    function test_exit_two_sibling_markets() public {
        Rollup.MarketLeaf memory m2 = mkts[0];
        m2.id = 2;
        Rollup.MarketLeaf memory m3 = mkts[0];
        m3.id = 3;
        m3.markPrice = 2_000_000;
        uint256[4] memory l2 = poseidon.hashNoPad(marketElements(m2));
        uint256[4] memory l3 = poseidon.hashNoPad(marketElements(m3));
        bytes32[] memory p2 = _empties(8);
        bytes32[] memory p3 = _empties(8);
        p2[0] = poseidon.toDigestBytes(l3);
        p3[0] = poseidon.toDigestBytes(l2);
        marketsRoot = poseidon.merkleRoot(l2, 2, p2);
        vm.assertEq(poseidon.merkleRoot(l3, 3, p3), marketsRoot, "both paths lead to the root");
        acct.positions[0] = Rollup.Position({marketId: 2, size: 2, fundingSnapshot: 5});
        acct.positions[1] = Rollup.Position({marketId: 3, size: -1, fundingSnapshot: 5});
        mkts[0] = m2;
        mkts.push(m3);
        marketProofs[0] = p2;
        marketProofs.push(p3);
        bytes32 accountsRoot =
            poseidon.merkleRoot(poseidon.hashNoPad(accountElements(acct)), acct.accountId, accountProof);
        uint256[] memory e = new uint256[](13);
        e[0] = 0x65746174732e6270;
        uint256[4] memory a = poseidon.fromDigestBytes(accountsRoot);
        uint256[4] memory mr = poseidon.fromDigestBytes(marketsRoot);
        uint256[4] memory c = poseidon.fromDigestBytes(configHash);
        for (uint256 i; i < 4; ++i) {
            (e[1 + i], e[5 + i], e[9 + i]) = (a[i], mr[i], c[i]);
        }
        deploy(poseidon.toDigestBytes(poseidon.hashNoPad(e)));
        usdc.mint(address(rollup), 100e6);
        vm.prank(bob);
        rollup.requestForcedWithdrawal(7, 1);
        vm.warp(block.timestamp + DEADLINE + 1);
        rollup.activateExodus();

        mkts[1].markPrice += 1;
        vm.expectRevert(abi.encodeWithSelector(Rollup.MarketProofMismatch.selector, 3));
        _exit();
        mkts[1].markPrice -= 1;
        _exit();
        int256 tav = rollup.totalAccountValue(acct, mkts);
        vm.assertTrue(tav > 0, "pays something");
        vm.assertEq(rollup.withdrawable(alice), uint256(tav), "paid max(0, TAV)");
    }

    function testFuzz_tav_formula(int64 collateral, int40 size, int32 dF, uint32 mark) public {
        acct.collateral = collateral;
        acct.positions[0].size = size;
        mkts[0].fundingIndex = int64(5) + dF;
        mkts[0].markPrice = mark;
        int256 expected = int256(collateral) - int256(size) * int256(dF) + int256(size) * int256(uint256(mark));
        vm.assertEq(rollup.totalAccountValue(acct, mkts), expected, "tav");
    }
}

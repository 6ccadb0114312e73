// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

import {TestBase} from "./Vm.sol";
import {MockVerifier} from "./MockVerifier.sol";
import {Rollup} from "../src/Rollup.sol";
import {TestUSDC} from "../src/TestUSDC.sol";
import {PoseidonGoldilocks, IPoseidonGoldilocks} from "../src/PoseidonGoldilocks.sol";
import {IVerifier} from "../src/IVerifier.sol";

/// @notice Deployment and public-data builders shared by the Rollup tests.
abstract contract RollupFixture is TestBase {
    uint64 internal constant DEADLINE = 7 days;
    uint64 internal constant T0 = 1_760_000_000;
    bytes32 internal constant GENESIS = bytes32(uint256(0x1234));

    TestUSDC internal usdc;
    Rollup internal rollup;
    IPoseidonGoldilocks internal poseidon;
    address internal operator = address(0x09E1);
    address internal insurance = address(0x1F00);
    address internal alice = address(0xA11CE);
    address internal bob = address(0xB0B);

    function deploy(bytes32 genesis) internal {
        vm.warp(T0);
        usdc = new TestUSDC();
        poseidon = IPoseidonGoldilocks(address(new PoseidonGoldilocks()));
        rollup = new Rollup(usdc, IVerifier(address(new MockVerifier())), poseidon, operator, insurance, genesis, DEADLINE);
        address[2] memory users = [alice, bob];
        for (uint256 i; i < users.length; ++i) {
            usdc.mint(users[i], 1e15);
            vm.prank(users[i]);
            usdc.approve(address(rollup), type(uint256).max);
        }
    }

    function key(uint64 seed) internal pure returns (uint64[5] memory k) {
        for (uint256 i; i < 5; ++i) {
            k[i] = uint64(uint256(keccak256(abi.encode(seed, i))) % 0xffffffff00000001);
        }
    }

    // ---- public-data records (docs/pubdata.md)

    function depositRecord(uint32 account, address l1, uint64[5] memory pk, uint64 amount)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodePacked(uint8(1), account, l1, pk[0], pk[1], pk[2], pk[3], pk[4], amount);
    }

    function forcedRecord(uint32 account, address l1, uint64 amount, uint8 status) internal pure returns (bytes memory) {
        return abi.encodePacked(uint8(2), account, l1, amount, status);
    }

    function withdrawRecord(uint32 account, uint64 amount) internal pure returns (bytes memory) {
        return abi.encodePacked(uint8(3), account, amount);
    }

    /// A trade record with `flags` (bit 1 maker first fill, bit 2 taker first fill): 30 bytes
    /// plus the terms the flags announce.
    function tradeRecord(uint8 flags, uint32 maker, uint32 taker) internal pure returns (bytes memory r) {
        r = abi.encodePacked(
            uint8(5), flags, maker, taker, uint8(1), uint40(250), uint32(64_000_000), uint24(100), uint24(300)
        );
        r = abi.encodePacked(r, uint16(0x11), uint16(0x09));
        if (flags & 2 != 0) r = abi.encodePacked(r, uint32(0x11), uint40(5000), uint40(1767225600), uint8(0), uint24(500));
        if (flags & 4 != 0) {
            r = abi.encodePacked(r, uint32(9), uint40(5000), uint40(1767225600), uint8(0), uint24(500), uint32(64_000_000));
        }
    }

    // ---- batches

    /// Commits `pd` as the next batch (old root = last committed) and returns the stored batch.
    function commit(bytes32 newRoot, bytes memory pd) internal returns (Rollup.StoredBatch memory b) {
        uint64 n = rollup.totalCommitted() + 1;
        Rollup.BatchHeader memory h = Rollup.BatchHeader({
            batchNumber: n,
            timestamp: uint64(block.timestamp),
            prevCommitment: rollup.batchCommitments(n - 1),
            oldStateRoot: rollup.lastCommittedStateRoot(),
            newStateRoot: newRoot
        });
        vm.prank(operator);
        rollup.commitBatch(h, pd);
        b = stored(h, pd);
        vm.assertEq(keccak256(abi.encode(b)), rollup.batchCommitments(n), "stored batch reconstructs");
    }

    /// The stored batch the contract derives (recomputed here as an indexer would from events).
    function stored(Rollup.BatchHeader memory h, bytes memory pd) internal view returns (Rollup.StoredBatch memory b) {
        b.batchNumber = h.batchNumber;
        b.timestamp = h.timestamp;
        b.oldStateRoot = h.oldStateRoot;
        b.newStateRoot = h.newStateRoot;
        b.publicDataHash = keccak256(pd);
        b.firstPriorityOp = rollup.committedQueueHead() - _countPriority(pd);
        b.priorityOpCount = _countPriority(pd);
        (b.depositTotal, b.withdrawals) = _credits(pd);
    }

    function _countPriority(bytes memory pd) private pure returns (uint64 c) {
        uint256 p;
        while (p < pd.length) {
            uint8 ty = uint8(pd[p]);
            if (ty == 1 || ty == 2) ++c;
            p += recordLength(pd, p);
        }
    }

    function _credits(bytes memory pd) private view returns (uint128 deposits, bytes memory w) {
        uint256 p;
        while (p < pd.length) {
            uint8 ty = uint8(pd[p]);
            if (ty == 1) {
                deposits += uint64(bytes8(slice(pd, p + 65, 8)));
            } else if (ty == 2 && uint8(pd[p + 33]) == 0) {
                w = abi.encodePacked(w, bytes20(slice(pd, p + 5, 20)), bytes8(slice(pd, p + 25, 8)));
            } else if (ty == 3) {
                address to = rollup.accountOwner(uint32(bytes4(slice(pd, p + 1, 4))));
                w = abi.encodePacked(w, to, bytes8(slice(pd, p + 5, 8)));
            }
            p += recordLength(pd, p);
        }
    }

    function recordLength(bytes memory pd, uint256 p) internal pure returns (uint256) {
        uint8 ty = uint8(pd[p]);
        if (ty == 5) {
            uint8 f = uint8(pd[p + 1]);
            return 30 + (f & 2 != 0 ? 18 : 0) + (f & 4 != 0 ? 22 : 0);
        }
        if (ty == 9) return 25 + (uint8(pd[p + 1]) & 2 != 0 ? 18 : 0);
        if (ty == 7) return 7 + 9 * uint256(uint8(pd[p + 6]));
        uint8[11] memory fixedLen = [1, 73, 34, 13, 17, 0, 9, 0, 15, 0, 6];
        return fixedLen[ty];
    }

    function slice(bytes memory b, uint256 start, uint256 len) internal pure returns (bytes memory out) {
        out = new bytes(len);
        for (uint256 i; i < len; ++i) {
            out[i] = b[start + i];
        }
    }

    function proofFor(Rollup.StoredBatch memory b) internal view returns (bytes memory) {
        return abi.encode(rollup.statementDigest(b));
    }

    function verify(Rollup.StoredBatch memory b) internal {
        rollup.verifyBatch(b, proofFor(b));
    }
}

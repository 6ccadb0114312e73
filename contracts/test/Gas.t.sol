// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

import {RollupFixture} from "./RollupFixture.sol";
import {Rollup} from "../src/Rollup.sol";

/// Execution gas of commitBatch by batch size (docs/GAS.md): the difference between the two
/// tests' gas over 1000 trades is the execution cost per 30-byte trade record.
contract CommitGasTest is RollupFixture {
    function setUp() public {
        deploy(GENESIS);
    }

    function _commitTrades(uint256 n) internal {
        bytes memory pd = hex"00";
        for (uint256 i; i < n; ++i) {
            pd = bytes.concat(pd, tradeRecord(0, uint32(1000 + i), uint32(2000 + i)));
        }
        Rollup.BatchHeader memory h = Rollup.BatchHeader(1, uint64(block.timestamp), rollup.batchCommitments(0), GENESIS, bytes32(uint256(9)));
        vm.prank(operator);
        rollup.commitBatch(h, pd);
        uint256 g = vm.snapshotGasLastCall(string.concat("commitBatch_", vm.toString(n), "_trades"));
        vm.assertGe(g, 1, string.concat("commitBatch execution gas: ", vm.toString(g)));
    }

    function test_commit_0_trades() public {
        _commitTrades(0);
    }

    function test_commit_1000_trades() public {
        _commitTrades(1000);
    }
}

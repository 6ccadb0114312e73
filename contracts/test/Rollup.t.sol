// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

import {RollupFixture} from "./RollupFixture.sol";
import {Rollup} from "../src/Rollup.sol";

contract RollupTest is RollupFixture {
    function setUp() public {
        deploy(GENESIS);
    }

    // ------------------------------------------------------------ deposits and the queue

    function test_deposit_queues_in_order() public {
        vm.prank(alice);
        rollup.deposit(key(1), 5e6);
        vm.prank(bob);
        rollup.deposit(key(2), 7e6);
        vm.assertEq(rollup.queueTail(), 2, "two requests");
        vm.assertEq(usdc.balanceOf(address(rollup)), 12e6, "custody");
        vm.assertEq(rollup.pendingDeposits(), 12e6, "pending");
        uint256 e0 = rollup.priorityQueue(0);
        vm.assertEq(uint8(e0 >> 64), 1, "deposit type");
        vm.assertEq(uint64(e0), T0, "timestamp");
    }

    function test_deposit_rejects_bad_input() public {
        vm.startPrank(alice);
        vm.expectRevert(Rollup.ZeroAmount.selector);
        rollup.deposit(key(1), 0);
        vm.expectRevert(Rollup.AmountTooLarge.selector);
        rollup.deposit(key(1), uint64(1) << 62);
        uint64[5] memory k = key(1);
        k[2] = 0xffffffff00000001;
        vm.expectRevert(Rollup.NonCanonicalPubkey.selector);
        rollup.deposit(k, 1);
        vm.stopPrank();
        vm.assertEq(rollup.queueTail(), 0, "nothing queued");
    }

    function testFuzz_deposit_amounts(uint64 amount) public {
        amount = uint64(bound(amount, 1, 1e15));
        vm.prank(alice);
        rollup.deposit(key(3), amount);
        vm.assertEq(usdc.balanceOf(address(rollup)), amount, "custody");
        bytes memory pd = depositRecord(9, alice, key(3), amount);
        Rollup.StoredBatch memory b = commit(bytes32(uint256(1)), pd);
        vm.assertEq(b.depositTotal, amount, "deposit total");
        verify(b);
        vm.assertEq(rollup.pendingDeposits(), 0, "consumed");
        vm.assertEq(rollup.accountOwner(9), alice, "owner learnt");
    }

    // ------------------------------------------------------------ commit

    function _twoDeposits() internal returns (bytes memory d0, bytes memory d1) {
        vm.prank(alice);
        rollup.deposit(key(1), 5e6);
        vm.prank(bob);
        rollup.deposit(key(2), 7e6);
        d0 = depositRecord(1, alice, key(1), 5e6);
        d1 = depositRecord(2, bob, key(2), 7e6);
    }

    function _header(bytes32 newRoot) internal view returns (Rollup.BatchHeader memory) {
        uint64 n = rollup.totalCommitted() + 1;
        return Rollup.BatchHeader(n, uint64(block.timestamp), rollup.batchCommitments(n - 1), rollup.lastCommittedStateRoot(), newRoot);
    }

    function test_commit_accepts_queue_in_order_with_other_records() public {
        (bytes memory d0, bytes memory d1) = _twoDeposits();
        bytes memory pd = abi.encodePacked(d0, tradeRecord(6, 1, 2), hex"00", d1, tradeRecord(0, 2, 1));
        Rollup.StoredBatch memory b = commit(bytes32(uint256(1)), pd);
        vm.assertEq(b.priorityOpCount, 2, "both consumed");
        vm.assertEq(rollup.committedQueueHead(), 2, "head");
    }

    function test_commit_rejects_skipped_priority_op() public {
        (, bytes memory d1) = _twoDeposits();
        Rollup.BatchHeader memory h = _header(bytes32(uint256(1)));
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(Rollup.PriorityOpMismatch.selector, 0, 0));
        rollup.commitBatch(h, d1);
    }

    function test_commit_rejects_reordered_priority_ops() public {
        (bytes memory d0, bytes memory d1) = _twoDeposits();
        Rollup.BatchHeader memory h = _header(bytes32(uint256(1)));
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(Rollup.PriorityOpMismatch.selector, 0, 0));
        rollup.commitBatch(h, abi.encodePacked(d1, d0));
    }

    function test_commit_rejects_changed_deposit_fields() public {
        (bytes memory d0,) = _twoDeposits();
        Rollup.BatchHeader memory h = _header(bytes32(uint256(1)));
        // amount inflated by one quantum
        bytes memory forged = depositRecord(1, alice, key(1), 5e6 + 1);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(Rollup.PriorityOpMismatch.selector, 0, 0));
        rollup.commitBatch(h, forged);
        // a deposit record that no one made
        vm.prank(operator);
        (, bytes memory d1) = (d0, depositRecord(2, bob, key(2), 7e6));
        vm.expectRevert(abi.encodeWithSelector(Rollup.PriorityOpMissing.selector, 146));
        rollup.commitBatch(h, abi.encodePacked(d0, d1, d0));
    }

    function test_commit_rejects_forced_withdrawal_as_deposit() public {
        vm.prank(alice);
        rollup.requestForcedWithdrawal(1, 5);
        Rollup.BatchHeader memory h = _header(bytes32(uint256(1)));
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(Rollup.PriorityOpMismatch.selector, 0, 0));
        rollup.commitBatch(h, depositRecord(1, alice, key(1), 5));
        // the right record (rejected by the L2 with status 3) passes
        vm.prank(operator);
        rollup.commitBatch(h, forcedRecord(1, alice, 5, 3));
    }

    function test_commit_header_checks() public {
        Rollup.BatchHeader memory h = _header(bytes32(uint256(1)));
        vm.expectRevert(Rollup.NotOperator.selector);
        rollup.commitBatch(h, hex"00");

        vm.startPrank(operator);
        h.batchNumber = 2;
        vm.expectRevert(abi.encodeWithSelector(Rollup.WrongBatchNumber.selector, 1, 2));
        rollup.commitBatch(h, hex"00");
        h.batchNumber = 1;
        h.prevCommitment = bytes32(uint256(7));
        vm.expectRevert(Rollup.WrongPrevCommitment.selector);
        rollup.commitBatch(h, hex"00");
        h = _header(bytes32(uint256(1)));
        h.oldStateRoot = bytes32(uint256(8));
        vm.expectRevert(Rollup.WrongOldStateRoot.selector);
        rollup.commitBatch(h, hex"00");
        h = _header(bytes32(uint256(1)));
        h.timestamp = uint64(block.timestamp + 16 minutes);
        vm.expectRevert(Rollup.TimestampOutOfWindow.selector);
        rollup.commitBatch(h, hex"00");
        h.timestamp = uint64(block.timestamp - 1 days - 1);
        vm.expectRevert(Rollup.TimestampOutOfWindow.selector);
        rollup.commitBatch(h, hex"00");
        h = _header(bytes32(uint256(1)));
        rollup.commitBatch(h, hex"00");
        // chained: the next batch may not go back in time
        h = _header(bytes32(uint256(2)));
        h.timestamp -= 1;
        vm.expectRevert(Rollup.TimestampOutOfWindow.selector);
        rollup.commitBatch(h, hex"00");
        vm.stopPrank();
    }

    function test_commit_rejects_malformed_public_data() public {
        Rollup.BatchHeader memory h = _header(bytes32(uint256(1)));
        vm.startPrank(operator);
        vm.expectRevert(abi.encodeWithSelector(Rollup.UnknownRecordType.selector, 1, 0x0b));
        rollup.commitBatch(h, hex"000b");
        bytes memory t = tradeRecord(0, 1, 2);
        vm.expectRevert(Rollup.TruncatedPublicData.selector);
        rollup.commitBatch(h, slice(t, 0, 29));
        // a trade announcing a first fill but missing its terms
        vm.expectRevert(Rollup.TruncatedPublicData.selector);
        rollup.commitBatch(h, tradeRecord(0, 1, 2).length == 30 ? abi.encodePacked(uint8(5), uint8(2), slice(t, 2, 28)) : t);
        vm.stopPrank();
    }

    function testFuzz_commit_walks_any_record_mix(uint8[16] memory kinds) public {
        bytes memory pd;
        uint256 expected;
        for (uint256 i; i < kinds.length; ++i) {
            uint8 k = kinds[i] % 6;
            if (k < 4) pd = abi.encodePacked(pd, tradeRecord(k * 2, 1, 2));
            else if (k == 4) pd = abi.encodePacked(pd, hex"0a0000000503"); // settle option
            else pd = abi.encodePacked(pd, hex"07006955b900020103d0900003d068f003001312d003d068f0"); // oracle, 2 entries
            expected += 1;
        }
        Rollup.StoredBatch memory b = commit(bytes32(uint256(5)), pd);
        vm.assertEq(b.priorityOpCount, 0, "no L1 ops");
        vm.assertEq(b.withdrawals.length, 0, "no credits");
        vm.assertEq(expected, kinds.length, "walked");
    }

    // ------------------------------------------------------------ verify and withdraw

    function _depositAndWithdrawBatch() internal returns (Rollup.StoredBatch memory b) {
        vm.prank(alice);
        rollup.deposit(key(1), 5e6);
        bytes memory pd = abi.encodePacked(depositRecord(1, alice, key(1), 5e6), tradeRecord(0, 1, 0), withdrawRecord(1, 2e6));
        b = commit(bytes32(uint256(0xbeef)), pd);
    }

    function test_verify_rejects_bad_proof_and_other_statement() public {
        Rollup.StoredBatch memory b = _depositAndWithdrawBatch();
        vm.expectRevert(Rollup.InvalidProof.selector);
        rollup.verifyBatch(b, hex"deadbeef");
        // a valid proof, but of another statement (another new root)
        Rollup.StoredBatch memory other = abi.decode(abi.encode(b), (Rollup.StoredBatch));
        other.newStateRoot = bytes32(uint256(0xdead));
        bytes memory wrong = proofFor(other);
        vm.expectRevert(Rollup.InvalidProof.selector);
        rollup.verifyBatch(b, wrong);
        // a stored batch that is not the committed one
        other = abi.decode(abi.encode(b), (Rollup.StoredBatch));
        other.withdrawals = abi.encodePacked(bob, uint64(5e6));
        bytes memory otherProof = proofFor(other);
        vm.expectRevert(Rollup.CommitmentMismatch.selector);
        rollup.verifyBatch(other, otherProof);
        vm.assertEq(rollup.totalVerified(), 0, "nothing verified");
        vm.assertEq(rollup.withdrawable(alice), 0, "nothing credited");
    }

    function test_verify_credits_and_withdraw_pays_once() public {
        Rollup.StoredBatch memory b = _depositAndWithdrawBatch();
        verify(b);
        vm.assertEq(rollup.verifiedStateRoot(), b.newStateRoot, "root");
        vm.assertEq(rollup.withdrawable(alice), 2e6, "credited");
        vm.assertEq(rollup.priorityQueue(0), 0, "request retired");
        bytes memory proof = proofFor(b);
        vm.expectRevert(abi.encodeWithSelector(Rollup.WrongBatchNumber.selector, 2, 1));
        rollup.verifyBatch(b, proof);

        uint256 before = usdc.balanceOf(alice);
        vm.prank(alice);
        rollup.withdraw();
        vm.assertEq(usdc.balanceOf(alice) - before, 2e6, "paid");
        vm.prank(alice);
        vm.expectRevert(Rollup.NothingToWithdraw.selector);
        rollup.withdraw();
        vm.assertEq(usdc.balanceOf(alice) - before, 2e6, "paid once");
    }

    function test_withdraw_of_unknown_account_rejected_at_commit() public {
        Rollup.BatchHeader memory h = _header(bytes32(uint256(1)));
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(Rollup.UnknownAccountOwner.selector, 77));
        rollup.commitBatch(h, withdrawRecord(77, 1));
    }

    function test_insurance_account_withdraws_to_its_owner() public {
        verify(commit(bytes32(uint256(1)), withdrawRecord(0, 0)));
        vm.assertEq(rollup.withdrawable(insurance), 0, "zero credit");
    }

    // ------------------------------------------------------------ forced withdrawal and exodus

    function test_forced_withdrawal_honoured() public {
        vm.prank(alice);
        rollup.deposit(key(1), 5e6);
        verify(commit(bytes32(uint256(1)), depositRecord(1, alice, key(1), 5e6)));
        vm.prank(alice);
        rollup.requestForcedWithdrawal(1, 3e6);
        verify(commit(bytes32(uint256(2)), forcedRecord(1, alice, 3e6, 0)));
        vm.assertEq(rollup.withdrawable(alice), 3e6, "credited to the requester");
    }

    function test_forced_withdrawal_rejected_pays_nothing_but_retires() public {
        vm.prank(bob);
        rollup.requestForcedWithdrawal(1, 3e6);
        verify(commit(bytes32(uint256(2)), forcedRecord(1, bob, 3e6, 2)));
        vm.assertEq(rollup.withdrawable(bob), 0, "not owner: nothing");
        vm.assertEq(rollup.verifiedQueueHead(), 1, "retired");
        vm.warp(block.timestamp + 30 days);
        vm.expectRevert(Rollup.NoPendingRequest.selector);
        rollup.activateExodus();
    }

    function test_exodus_not_before_deadline_then_by_anyone() public {
        vm.prank(alice);
        rollup.requestForcedWithdrawal(1, 3e6);
        vm.warp(T0 + DEADLINE);
        vm.expectRevert(Rollup.DeadlineNotReached.selector);
        rollup.activateExodus();
        // committing it is not enough: only a verified batch retires a request
        commit(bytes32(uint256(2)), forcedRecord(1, alice, 3e6, 1));
        vm.warp(T0 + DEADLINE + 1);
        vm.prank(address(0xCAFE));
        rollup.activateExodus();
        vm.assertTrue(rollup.exodusMode(), "frozen");
        vm.expectRevert(Rollup.ExodusActive.selector);
        rollup.activateExodus();
    }

    function _freeze() internal {
        vm.prank(bob);
        rollup.requestForcedWithdrawal(5, 1);
        vm.warp(block.timestamp + DEADLINE + 1);
        rollup.activateExodus();
    }

    function test_exodus_voids_unverified_batches_and_refunds_deposits() public {
        vm.prank(alice);
        rollup.deposit(key(1), 5e6);
        vm.prank(bob);
        rollup.deposit(key(2), 7e6);
        // alice's deposit is verified, bob's only committed
        verify(commit(bytes32(uint256(1)), depositRecord(1, alice, key(1), 5e6)));
        Rollup.StoredBatch memory b2 = commit(bytes32(uint256(2)), depositRecord(2, bob, key(2), 7e6));
        _freeze();
        bytes memory proof2 = proofFor(b2);
        vm.expectRevert(Rollup.ExodusActive.selector);
        rollup.verifyBatch(b2, proof2);
        Rollup.BatchHeader memory h = _header(bytes32(uint256(3)));
        vm.prank(operator);
        vm.expectRevert(Rollup.ExodusActive.selector);
        rollup.commitBatch(h, hex"00");
        vm.prank(alice);
        vm.expectRevert(Rollup.ExodusActive.selector);
        rollup.deposit(key(1), 1);

        // alice's deposit was processed: not refundable
        vm.expectRevert(abi.encodeWithSelector(Rollup.NotRefundable.selector, 0));
        rollup.refundDeposit(0, alice, key(1), 5e6);
        // bob's: refundable once, with its exact terms
        vm.expectRevert(abi.encodeWithSelector(Rollup.NotRefundable.selector, 1));
        rollup.refundDeposit(1, bob, key(2), 7e6 + 1);
        rollup.refundDeposit(1, bob, key(2), 7e6);
        vm.assertEq(rollup.withdrawable(bob), 7e6, "refund credited");
        vm.expectRevert(abi.encodeWithSelector(Rollup.NotRefundable.selector, 1));
        rollup.refundDeposit(1, bob, key(2), 7e6);
        // the forced request is not a deposit
        vm.expectRevert(abi.encodeWithSelector(Rollup.NotRefundable.selector, 2));
        rollup.refundDeposit(2, bob, key(2), 1);
        uint256 before = usdc.balanceOf(bob);
        vm.prank(bob);
        rollup.withdraw();
        vm.assertEq(usdc.balanceOf(bob) - before, 7e6, "paid");
    }

    function test_refund_outside_exodus_rejected() public {
        vm.prank(alice);
        rollup.deposit(key(1), 5e6);
        vm.expectRevert(Rollup.NotInExodus.selector);
        rollup.refundDeposit(0, alice, key(1), 5e6);
    }
}

// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

import {RollupFixture} from "./RollupFixture.sol";
import {Rollup} from "../src/Rollup.sol";

/// Drives the rollup like users and an honest operator would, in random order: deposits,
/// forced withdrawals, batches committed (sometimes left unverified), verified, L2
/// withdrawals, pulls, time passing, exodus and refunds. The operator side keeps an L2
/// balance model so the batches it proves are ones a real proof could exist for.
contract Handler is RollupFixture {
    address[3] internal actors;
    mapping(uint32 => uint256) public l2Balance;
    Rollup.StoredBatch[] internal unverified;
    uint256 internal nextUnverified;

    constructor() {
        deploy(GENESIS);
        actors = [alice, bob, address(0xCA401)];
        usdc.mint(actors[2], 1e15);
        vm.prank(actors[2]);
        usdc.approve(address(rollup), type(uint256).max);
    }

    function rollupAddr() external view returns (address) {
        return address(rollup);
    }

    function actor(uint256 i) public view returns (address) {
        return actors[i % 3];
    }

    /// The operator's next batch: every queued request in order, then an L2 withdrawal.
    function commitBatch(uint256 l2Who, uint64 l2Amount, bool leaveUnverified) external {
        if (rollup.exodusMode()) return;
        bytes memory pd;
        uint64 head = rollup.committedQueueHead();
        uint64 tail = rollup.queueTail();
        for (uint64 i = head; i < tail; ++i) {
            pd = abi.encodePacked(pd, _record(i));
        }
        uint32 id = uint32(l2Who % 3) + 1;
        uint256 bal = l2Balance[id];
        if (bal > 0 && rollup.accountOwner(id) != address(0)) {
            uint64 amount = uint64(bound(l2Amount, 1, bal));
            l2Balance[id] = bal - amount;
            pd = abi.encodePacked(pd, withdrawRecord(id, amount), tradeRecord(6, id, 1));
        }
        if (pd.length == 0) pd = hex"00";
        unverified.push(commit(keccak256(pd), pd));
        if (!leaveUnverified) _verifyAll();
    }

    function _record(uint64 i) internal returns (bytes memory) {
        // The handler remembers every request it made (the queue stores only a hash).
        Req memory r = reqs[i];
        if (r.isDeposit) {
            l2Balance[r.account] += r.amount;
            return depositRecord(r.account, r.who, key(r.seed), r.amount);
        }
        bool ok = rollup.accountOwner(r.account) == r.who && l2Balance[r.account] >= r.amount;
        if (ok) l2Balance[r.account] -= r.amount;
        return forcedRecord(r.account, r.who, r.amount, ok ? 0 : 3);
    }

    struct Req {
        bool isDeposit;
        uint32 account;
        address who;
        uint64 seed;
        uint64 amount;
    }

    mapping(uint64 => Req) internal reqs;

    function verifyPending() external {
        if (rollup.exodusMode()) return;
        _verifyAll();
    }

    function _verifyAll() internal {
        while (nextUnverified < unverified.length) {
            verify(unverified[nextUnverified++]);
        }
    }

    function pull(uint256 who) external {
        address a = actor(who);
        if (rollup.withdrawable(a) == 0) return;
        vm.prank(a);
        rollup.withdraw();
    }

    function passTime(uint32 dt) external {
        vm.warp(block.timestamp + bound(dt, 1, 3 days));
    }

    function freeze() external {
        if (rollup.exodusMode()) return;
        uint64 head = rollup.verifiedQueueHead();
        if (head >= rollup.queueTail()) return;
        if (block.timestamp <= uint64(rollup.priorityQueue(head)) + DEADLINE) return;
        rollup.activateExodus();
    }

    function refund(uint64 i) external {
        if (!rollup.exodusMode()) return;
        uint64 head = rollup.verifiedQueueHead();
        uint64 tail = rollup.queueTail();
        if (head >= tail) return;
        i = uint64(bound(i, head, tail - 1));
        Req memory r = reqs[i];
        if (!r.isDeposit || rollup.priorityQueue(i) == 0) return;
        rollup.refundDeposit(i, r.who, key(r.seed), r.amount);
    }

    // Requests are recorded by wrapping the user calls above.
    function depositRecorded(uint256 who, uint64 amount) external {
        if (rollup.exodusMode()) return;
        amount = uint64(bound(amount, 1, 1e12));
        uint64 i = rollup.queueTail();
        if (i - rollup.verifiedQueueHead() >= rollup.MAX_OPEN_PRIORITY_OPS()) return;
        reqs[i] = Req(true, uint32(who % 3) + 1, actor(who), uint64(who % 3), amount);
        vm.prank(actor(who));
        rollup.deposit(key(uint64(who % 3)), amount);
    }

    function forcedRecorded(uint256 who, uint256 account, uint64 amount) external {
        if (rollup.exodusMode()) return;
        amount = uint64(bound(amount, 1, 1e12));
        uint64 i = rollup.queueTail();
        if (i - rollup.verifiedQueueHead() >= rollup.MAX_OPEN_PRIORITY_OPS()) return;
        reqs[i] = Req(false, uint32(account % 3) + 1, actor(who), 0, amount);
        vm.prank(actor(who));
        rollup.requestForcedWithdrawal(uint32(account % 3) + 1, amount);
    }

    function totalCredited() external view returns (uint256 s) {
        for (uint256 i; i < 3; ++i) {
            s += rollup.withdrawable(actors[i]);
        }
    }
}

contract RollupInvariantTest is RollupFixture {
    Handler internal handler;

    function setUp() public {
        handler = new Handler();
    }

    function targetContracts() public view returns (address[] memory t) {
        t = new address[](1);
        t[0] = address(handler);
    }

    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    /// Only the recorded user actions (the plain `deposit`/`forcedWithdrawal` would queue
    /// requests the operator model cannot replay).
    function targetSelectors() public view returns (FuzzSelector[] memory s) {
        bytes4[] memory sel = new bytes4[](8);
        sel[0] = Handler.depositRecorded.selector;
        sel[1] = Handler.forcedRecorded.selector;
        sel[2] = Handler.commitBatch.selector;
        sel[3] = Handler.verifyPending.selector;
        sel[4] = Handler.pull.selector;
        sel[5] = Handler.passTime.selector;
        sel[6] = Handler.freeze.selector;
        sel[7] = Handler.refund.selector;
        s = new FuzzSelector[](1);
        s[0] = FuzzSelector(address(handler), sel);
    }

    /// The contract's USDC covers everything it owes: credited withdrawals, refunds and exits,
    /// plus every deposit not yet consumed by a verified batch.
    function invariant_solvent() public view {
        Rollup r = Rollup(handler.rollupAddr());
        uint256 held = r.usdc().balanceOf(address(r));
        vm.assertGe(held, r.totalWithdrawable() + r.pendingDeposits(), "USDC held >= owed");
        vm.assertEq(r.totalWithdrawable(), handler.totalCredited(), "credits add up");
    }
}

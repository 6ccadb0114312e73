// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

import {IVerifier} from "./IVerifier.sol";
import {IPoseidonGoldilocks} from "./PoseidonGoldilocks.sol";

/// @title proofbook's L1 rollup contract: custody of USDC, the priority queue, batch commit
/// and verify, withdrawals, forced withdrawals, and the exodus escape hatch.
/// @notice Formats (public data, statement, leaves) are specified in docs/contracts.md and
/// docs/pubdata.md; the Rust spec is the `proofbook-circuits` crate.
contract Rollup is ReentrancyGuard {
    using SafeERC20 for IERC20;

    // ------------------------------------------------------------------ types

    /// @notice What the operator submits with a batch's public data.
    struct BatchHeader {
        uint64 batchNumber; // previous + 1
        uint64 timestamp; // the batch's L2 time (unix s), within the window below
        bytes32 prevCommitment; // commitment of the previous batch (chains the batches)
        bytes32 oldStateRoot; // state root before the batch (digest bytes)
        bytes32 newStateRoot; // state root after the batch (digest bytes)
    }

    /// @notice A committed batch; `commitment = keccak256(abi.encode(batch))`. Emitted in
    /// full by `BatchCommitted`, passed back to `verifyBatch`.
    struct StoredBatch {
        uint64 batchNumber;
        uint64 timestamp;
        bytes32 oldStateRoot;
        bytes32 newStateRoot;
        bytes32 publicDataHash; // keccak256(public data); a blob batch's DA hash (commitBatchBlobs)
        uint64 firstPriorityOp; // queue index of the first L1 operation the batch consumes
        uint64 priorityOpCount; // how many it consumes
        uint128 depositTotal; // sum of the consumed deposits (quantums)
        bytes withdrawals; // packed (address 20 ‖ amount u64 8) credits, in order
    }

    /// @notice The KZG opening of one blob of a blob batch at its challenge point
    /// `z = keccak256(versionedHash ‖ pubdataCommitment) mod r` (docs/contracts.md).
    struct BlobOpening {
        bytes32 y; // the blob polynomial at z (big-endian, < r)
        bytes commitment; // 48-byte KZG commitment (its versioned hash is `blobhash(i)`)
        bytes proof; // 48-byte KZG proof of p(z) = y
    }

    /// @notice One position slot of an account leaf (unused = all zero).
    struct Position {
        uint8 marketId;
        int64 size;
        int64 fundingSnapshot;
    }

    /// @notice An account leaf, field by field (circuits/src/state/account.rs).
    struct AccountLeaf {
        uint32 accountId;
        uint64[5] pubkey;
        address l1Address;
        int64 collateral;
        uint32 nonce;
        Position[8] positions;
        bytes32 ordersRoot; // digest bytes
    }

    /// @notice A market leaf, field by field (circuits/src/state/market.rs).
    struct MarketLeaf {
        uint8 id;
        uint8 kind; // 1 perp, 2 call, 3 put
        uint8 underlying;
        uint32 strike;
        uint64 expiry;
        uint64 lotSize;
        uint32 tickSize;
        uint32 imfPpm;
        uint32 mmfPpm;
        uint32 imFloorPpm;
        uint32 markPrice;
        uint32 indexPrice;
        uint64 oracleTime;
        int64 fundingIndex;
        uint64 fundingTime;
        uint32 settlementPrice;
        uint64 openInterest;
    }

    // ------------------------------------------------------------------ constants

    /// @notice Public-data record types that concern L1 (docs/pubdata.md).
    uint8 internal constant OP_DEPOSIT = 0x01;
    uint8 internal constant OP_FORCED_WITHDRAWAL = 0x02;
    uint8 internal constant OP_WITHDRAW = 0x03;
    /// @notice Byte t = fixed length of record type t; 0 = variable (trade, oracle,
    /// liquidate) or unknown.
    uint256 internal constant RECORD_LENGTHS = 0x0149220d110009000f0006000000000000000000000000000000000000000000;

    /// @notice Domain tags (circuits/src/hash.rs): eight ASCII bytes read little-endian.
    uint256 internal constant TAG_STATE = 0x65746174732e6270; // "pb.state"
    uint256 internal constant TAG_ACCOUNT = 0x2e746363612e6270; // "pb.acct."
    uint256 internal constant TAG_MARKET = 0x2e746b726d2e6270; // "pb.mrkt."

    uint256 internal constant GOLDILOCKS_P = 0xffffffff00000001;
    uint256 public constant ACCOUNT_TREE_DEPTH = 32;
    uint256 public constant MARKET_TREE_DEPTH = 8;
    /// @notice Largest deposit or forced withdrawal: collateral is below 2^62.
    uint64 public constant MAX_AMOUNT = (1 << 62) - 1;
    /// @notice Open priority requests at most (bounds the work an exodus check depends on
    /// and the spam an attacker can queue; Loopring's MAX_OPEN_FORCED_REQUESTS).
    uint64 public constant MAX_OPEN_PRIORITY_OPS = 4096;
    /// @notice A batch timestamp may lag the L1 block by at most this much...
    uint64 public constant TIMESTAMP_PAST_WINDOW = 1 days;
    /// @notice ...and lead it by at most this much.
    uint64 public constant TIMESTAMP_FUTURE_WINDOW = 15 minutes;

    /// @notice Most blobs one blob batch may carry (EIP-7594's per-transaction limit).
    uint256 public constant MAX_BLOBS_PER_BATCH = 6;
    /// @notice First byte of a blob batch's public-data hash preimage; never a record type,
    /// so it cannot collide with `keccak256` of calldata public data (docs/contracts.md).
    bytes1 internal constant BLOB_DA_TAG = 0xb1;
    /// @notice EIP-4844's point-evaluation precompile and what it returns on success.
    address internal constant POINT_EVALUATION = address(0x0a);
    /// @notice Gas passed to it: its price is 50,000 (EIP-4844); a failed call burns what it
    /// was given, so it gets headroom for a repricing, not the whole transaction's gas.
    uint256 internal constant POINT_EVALUATION_GAS = 100_000;
    uint256 internal constant FIELD_ELEMENTS_PER_BLOB = 4096;
    uint256 internal constant BLS_MODULUS = 52435875175126190479447740508185965837690552500527637822603658699938581184513;

    // ------------------------------------------------------------------ immutables

    IERC20 public immutable usdc;
    IVerifier public immutable verifier;
    IPoseidonGoldilocks public immutable poseidon;
    address public immutable operator;
    /// @notice Exodus becomes possible once the oldest unprocessed priority request is older
    /// than this (7 days in production).
    uint64 public immutable priorityDeadline;

    // ------------------------------------------------------------------ storage

    uint64 public totalCommitted;
    uint64 public totalVerified;
    uint64 public lastCommittedTimestamp;
    bool public exodusMode;

    /// @notice Next free queue index / next index a commit consumes / next index a verified
    /// batch has not consumed.
    uint64 public queueTail;
    uint64 public committedQueueHead;
    uint64 public verifiedQueueHead;

    bytes32 public lastCommittedStateRoot;
    bytes32 public verifiedStateRoot;

    /// @notice batch number → commitment (0 = genesis: keccak of the genesis root).
    mapping(uint64 => bytes32) public batchCommitments;
    /// @notice queue index → `keccak(request) & ~(2^72-1) | type << 64 | timestamp`.
    mapping(uint64 => uint256) public priorityQueue;
    /// @notice L2 account → L1 owner, learnt from the deposit that created the account.
    mapping(uint32 => address) public accountOwner;
    /// @notice Credited, not yet withdrawn.
    mapping(address => uint256) public withdrawable;
    uint256 public totalWithdrawable;
    /// @notice Deposits not yet consumed by a verified batch (refundable in exodus).
    uint256 public pendingDeposits;
    /// @notice Accounts that have exited in exodus.
    mapping(uint32 => bool) public exited;

    // ------------------------------------------------------------------ events

    event DepositQueued(uint64 indexed queueIndex, address indexed depositor, uint64[5] pubkey, uint64 amount);
    event ForcedWithdrawalRequested(
        uint64 indexed queueIndex, uint32 indexed accountId, address indexed requester, uint64 amount
    );
    event BatchCommitted(uint64 indexed batchNumber, bytes32 commitment, StoredBatch batch);
    event BatchVerified(uint64 indexed batchNumber, bytes32 newStateRoot, uint256 statementDigest);
    event WithdrawalCredited(uint64 indexed batchNumber, address indexed to, uint256 amount);
    event Withdrawn(address indexed to, uint256 amount);
    event ExodusActivated(uint64 lastVerifiedBatch, bytes32 verifiedStateRoot, uint64 oldestPendingRequest);
    event DepositRefunded(uint64 indexed queueIndex, address indexed depositor, uint256 amount);
    event Exited(uint32 indexed accountId, address indexed to, uint256 amount, int256 totalAccountValue);

    // ------------------------------------------------------------------ errors

    error NotOperator();
    error ExodusActive();
    error NotInExodus();
    error ZeroAmount();
    error AmountTooLarge();
    error NonCanonicalPubkey();
    error PriorityQueueFull();
    error WrongBatchNumber(uint64 expected, uint64 got);
    error WrongPrevCommitment();
    error WrongOldStateRoot();
    error TimestampOutOfWindow();
    error UnknownRecordType(uint256 offset, uint8 recordType);
    error TruncatedPublicData();
    error PriorityOpMissing(uint256 offset);
    error PriorityOpMismatch(uint256 offset, uint64 queueIndex);
    error UnknownAccountOwner(uint32 accountId);
    error CommitmentMismatch();
    error InvalidProof();
    error NothingToWithdraw();
    error DeadlineNotReached();
    error NoPendingRequest();
    error NotRefundable(uint64 queueIndex);
    error AlreadyExited(uint32 accountId);
    error BadProofLength();
    error AccountProofMismatch();
    error MarketProofMismatch(uint8 marketId);
    error StateRootMismatch();
    error MissingMarket(uint8 marketId);
    error EmptyAccount();
    error BlobCount(uint256 openings);
    error MissingBlob(uint256 index);
    error UnopenedBlob(uint256 index);
    error BadBlobOpening(uint256 index);
    error NotAnL1Record(uint256 offset);

    // ------------------------------------------------------------------ setup

    constructor(
        IERC20 usdc_,
        IVerifier verifier_,
        IPoseidonGoldilocks poseidon_,
        address operator_,
        address insuranceOwner,
        bytes32 genesisStateRoot,
        uint64 priorityDeadline_
    ) {
        usdc = usdc_;
        verifier = verifier_;
        poseidon = poseidon_;
        operator = operator_;
        priorityDeadline = priorityDeadline_;
        lastCommittedStateRoot = genesisStateRoot;
        verifiedStateRoot = genesisStateRoot;
        batchCommitments[0] = keccak256(abi.encode(genesisStateRoot));
        // Account 0 (insurance fund, fees) exists from genesis (State::genesis).
        accountOwner[0] = insuranceOwner;
    }

    modifier onlyOperator() {
        if (msg.sender != operator) revert NotOperator();
        _;
    }

    modifier notExodus() {
        if (exodusMode) revert ExodusActive();
        _;
    }

    // ------------------------------------------------------------------ priority queue

    /// @notice Deposits `amount` USDC quantums for the L2 account the operator assigns to
    /// (`msg.sender`, `pubkey`): a new account with that key, or an existing account of
    /// `msg.sender` (whose key stays). Needs an ERC-20 allowance.
    function deposit(uint64[5] calldata pubkey, uint64 amount) external nonReentrant notExodus {
        if (amount == 0) revert ZeroAmount();
        if (amount > MAX_AMOUNT) revert AmountTooLarge();
        for (uint256 i; i < 5; ++i) {
            if (pubkey[i] >= GOLDILOCKS_P) revert NonCanonicalPubkey();
        }
        // The request as the Deposit record carries it: l1_address ‖ pubkey ‖ amount.
        bytes32 h = keccak256(
            abi.encodePacked(msg.sender, pubkey[0], pubkey[1], pubkey[2], pubkey[3], pubkey[4], amount)
        );
        uint64 index = _enqueue(OP_DEPOSIT, h);
        pendingDeposits += amount;
        emit DepositQueued(index, msg.sender, pubkey, amount);
        usdc.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Asks the operator to withdraw `amount` from `accountId` to `msg.sender`. The
    /// operator must process it (honoured, or rejected with a proven reason) before the
    /// deadline, or anyone may activate exodus.
    function requestForcedWithdrawal(uint32 accountId, uint64 amount) external notExodus {
        if (amount == 0) revert ZeroAmount();
        if (amount > MAX_AMOUNT) revert AmountTooLarge();
        // The request as the ForcedWithdrawal record carries it: account ‖ l1_address ‖ amount.
        bytes32 h = keccak256(abi.encodePacked(accountId, msg.sender, amount));
        uint64 index = _enqueue(OP_FORCED_WITHDRAWAL, h);
        emit ForcedWithdrawalRequested(index, accountId, msg.sender, amount);
    }

    function _enqueue(uint8 opType, bytes32 h) internal returns (uint64 index) {
        index = queueTail;
        if (index - verifiedQueueHead >= MAX_OPEN_PRIORITY_OPS) revert PriorityQueueFull();
        priorityQueue[index] = (uint256(h) >> 72 << 72) | (uint256(opType) << 64) | uint256(uint64(block.timestamp));
        queueTail = index + 1;
    }

    // ------------------------------------------------------------------ batches

    /// @notice Commits a batch: its header and public data. Every Deposit and
    /// ForcedWithdrawal record must match the next priority request, in order; the batch's
    /// withdrawals are computed here and credited when the batch is verified.
    function commitBatch(BatchHeader calldata h, bytes calldata publicData) external onlyOperator notExodus {
        _commit(h, publicData, _scan(publicData), keccak256(publicData));
    }

    /// @notice Commits a batch whose public data travels in this transaction's blobs
    /// (EIP-4844; layout in docs/contracts.md): `l1Records` are only its Deposit,
    /// ForcedWithdrawal and Withdraw records, in order, checked and credited as in
    /// `commitBatch`; `pubdataCommitment` is the circuits' Poseidon commitment to the whole
    /// public data; `openings[i]` opens blob i at its challenge point. The public-data hash
    /// of the statement binds all of them, so the proof must show that the data it proved is
    /// the data of these blobs.
    function commitBatchBlobs(
        BatchHeader calldata h,
        bytes calldata l1Records,
        bytes32 pubdataCommitment,
        BlobOpening[] calldata openings
    ) external onlyOperator notExodus {
        uint256 count = openings.length;
        if (count == 0 || count > MAX_BLOBS_PER_BATCH) revert BlobCount(count);
        // A blob the batch does not open would be paid for and bound to nothing.
        if (blobhash(count) != 0) revert UnopenedBlob(count);
        bytes memory pre = abi.encodePacked(BLOB_DA_TAG, keccak256(l1Records), pubdataCommitment);
        for (uint256 i; i < count; ++i) {
            bytes32 vh = blobhash(i);
            if (vh == 0) revert MissingBlob(i);
            BlobOpening calldata o = openings[i];
            if (o.commitment.length != 48 || o.proof.length != 48) revert BadBlobOpening(i);
            uint256 z = uint256(keccak256(abi.encodePacked(vh, pubdataCommitment))) % BLS_MODULUS;
            // The precompile checks vh = 0x01 ‖ sha256(commitment)[1..], z, y < r and the
            // pairing; it returns (FIELD_ELEMENTS_PER_BLOB, BLS_MODULUS).
            (bool ok, bytes memory out) =
                POINT_EVALUATION.staticcall{gas: POINT_EVALUATION_GAS}(abi.encodePacked(vh, z, o.y, o.commitment, o.proof));
            if (!ok || out.length != 64 || abi.decode(out, (uint256)) != FIELD_ELEMENTS_PER_BLOB) {
                revert BadBlobOpening(i);
            }
            pre = abi.encodePacked(pre, vh, o.y);
        }
        // Only L1 records: each L1-relevant record found must start where the previous ended.
        uint256[] memory ops = _scan(l1Records);
        uint256 end;
        for (uint256 i; i < ops.length; ++i) {
            if (ops[i] >> 8 != end) revert NotAnL1Record(end);
            end += uint8(bytes32(RECORD_LENGTHS)[uint8(ops[i])]);
        }
        if (end != l1Records.length) revert NotAnL1Record(end);
        _commit(h, l1Records, ops, keccak256(pre));
    }

    /// @dev The header checks, the L1 operations `ops` of `records` (from `_scan`) and the
    /// stored batch with public-data hash `dataHash`.
    function _commit(BatchHeader calldata h, bytes calldata records, uint256[] memory ops, bytes32 dataHash)
        internal
    {
        uint64 n = totalCommitted + 1;
        if (h.batchNumber != n) revert WrongBatchNumber(n, h.batchNumber);
        if (h.prevCommitment != batchCommitments[n - 1]) revert WrongPrevCommitment();
        if (h.oldStateRoot != lastCommittedStateRoot) revert WrongOldStateRoot();
        if (
            h.timestamp < lastCommittedTimestamp || uint256(h.timestamp) + TIMESTAMP_PAST_WINDOW < block.timestamp
                || h.timestamp > block.timestamp + TIMESTAMP_FUTURE_WINDOW
        ) revert TimestampOutOfWindow();

        uint64 head = committedQueueHead;
        StoredBatch memory b;
        b.batchNumber = n;
        b.timestamp = h.timestamp;
        b.oldStateRoot = h.oldStateRoot;
        b.newStateRoot = h.newStateRoot;
        b.publicDataHash = dataHash;
        b.firstPriorityOp = head;
        (head, b.depositTotal, b.withdrawals) = _processL1Ops(records, ops, head);
        b.priorityOpCount = head - b.firstPriorityOp;

        bytes32 commitment = keccak256(abi.encode(b));
        batchCommitments[n] = commitment;
        totalCommitted = n;
        lastCommittedStateRoot = h.newStateRoot;
        lastCommittedTimestamp = h.timestamp;
        committedQueueHead = head;
        emit BatchCommitted(n, commitment, b);
    }

    /// @dev Walks the records, returning `offset << 8 | type` of each L1-relevant one.
    /// Only lengths are read here; the proof checks every field.
    function _scan(bytes calldata data) internal pure returns (uint256[] memory ops) {
        uint256 end;
        uint256 p;
        assembly ("memory-safe") {
            ops := mload(0x40)
            let n := 0
            p := data.offset
            end := add(p, data.length)
            for {} lt(p, end) {} {
                let w := calldataload(p)
                let ty := byte(0, w)
                let len := byte(ty, RECORD_LENGTHS)
                if iszero(len) {
                    switch ty
                    case 5 {
                        // trade: 30, +18 maker first fill (bit 1), +22 taker first fill (bit 2)
                        let f := byte(1, w)
                        len := add(30, add(mul(and(f, 2), 9), mul(shr(2, and(f, 4)), 22)))
                    }
                    case 9 {
                        // liquidate: 25, +18 liquidator first fill (bit 1)
                        len := add(25, mul(and(byte(1, w), 2), 9))
                    }
                    case 7 {
                        // oracle prices: 7 + 9 per entry
                        len := add(7, mul(9, byte(6, w)))
                    }
                    default {
                        // UnknownRecordType(offset, type)
                        mstore(0, shl(224, 0xa04eeeb1))
                        mstore(4, sub(p, data.offset))
                        mstore(0x24, ty)
                        revert(0, 0x44)
                    }
                }
                if lt(sub(ty, 1), 3) {
                    n := add(n, 1)
                    mstore(add(ops, shl(5, n)), or(shl(8, sub(p, data.offset)), ty))
                }
                p := add(p, len)
            }
            mstore(ops, n)
            mstore(0x40, add(ops, shl(5, add(n, 1))))
        }
        if (p > end) revert TruncatedPublicData();
    }

    /// @dev Running totals of the L1 operations of the batch being committed.
    struct L1Ops {
        uint64 head; // next queue index to match
        uint64 tail; // queue end
        uint128 depositTotal;
        uint256 credits; // number of withdrawal credits written
        bytes withdrawals; // packed credits
    }

    function _processL1Ops(bytes calldata data, uint256[] memory ops, uint64 head)
        internal
        returns (uint64, uint128, bytes memory)
    {
        L1Ops memory acc = L1Ops(head, queueTail, 0, 0, new bytes(ops.length * 28));
        for (uint256 i; i < ops.length; ++i) {
            uint256 o = ops[i] >> 8;
            uint8 ty = uint8(ops[i]);
            if (ty == OP_WITHDRAW) _withdrawRecord(data, o, acc);
            else _priorityRecord(data, o, ty, acc);
        }
        bytes memory w = acc.withdrawals;
        uint256 len = acc.credits * 28;
        assembly ("memory-safe") {
            mstore(w, len)
        }
        return (acc.head, acc.depositTotal, w);
    }

    /// @dev An L2 Withdraw record: credit the account's L1 owner.
    function _withdrawRecord(bytes calldata data, uint256 o, L1Ops memory acc) internal view {
        uint32 accountId = uint32(bytes4(data[o + 1:o + 5]));
        address to = accountOwner[accountId];
        if (to == address(0)) revert UnknownAccountOwner(accountId);
        _putCredit(acc.withdrawals, acc.credits++, to, uint64(bytes8(data[o + 5:o + 13])));
    }

    /// @dev A Deposit or ForcedWithdrawal record: it must be the queue head's request.
    function _priorityRecord(bytes calldata data, uint256 o, uint8 ty, L1Ops memory acc) internal {
        if (acc.head >= acc.tail) revert PriorityOpMissing(o);
        uint256 entry = priorityQueue[acc.head];
        bytes32 h = ty == OP_DEPOSIT ? keccak256(data[o + 5:o + 73]) : keccak256(data[o + 1:o + 33]);
        if (uint8(entry >> 64) != ty || entry >> 72 != uint256(h) >> 72) revert PriorityOpMismatch(o, acc.head);
        ++acc.head;
        address l1 = address(bytes20(data[o + 5:o + 25]));
        if (ty == OP_DEPOSIT) {
            acc.depositTotal += uint64(bytes8(data[o + 65:o + 73]));
            uint32 accountId = uint32(bytes4(data[o + 1:o + 5]));
            // The first deposit to an account creates it with this owner (batches are
            // verified in commit order and never reverted, so the first committed deposit
            // is the creating one).
            if (accountOwner[accountId] == address(0)) accountOwner[accountId] = l1;
        } else if (uint8(data[o + 33]) == 0) {
            // ForcedWithdrawal honoured (status 0): pay the requester.
            _putCredit(acc.withdrawals, acc.credits++, l1, uint64(bytes8(data[o + 25:o + 33])));
        }
    }

    function _putCredit(bytes memory buf, uint256 i, address to, uint64 amount) internal pure {
        assembly ("memory-safe") {
            let p := add(add(buf, 0x20), mul(i, 28))
            mstore(p, or(shl(96, to), shl(32, amount)))
        }
    }

    /// @notice The batch statement digest, the proof's one public input: keccak256 of
    /// `old_root ‖ new_root ‖ keccak256(public data) ‖ batch_number u64 ‖ timestamp u64`
    /// (big-endian, 112 bytes) with the top three bits cleared, so it is below the BN254
    /// scalar modulus.
    function statementDigest(StoredBatch calldata b) public pure returns (uint256) {
        return uint256(
            keccak256(abi.encodePacked(b.oldStateRoot, b.newStateRoot, b.publicDataHash, b.batchNumber, b.timestamp))
        ) & ((1 << 253) - 1);
    }

    /// @notice Verifies the next committed batch with `proof`; only then is its root
    /// verified, its priority requests retired and its withdrawals credited.
    function verifyBatch(StoredBatch calldata b, bytes calldata proof) external nonReentrant notExodus {
        uint64 n = totalVerified + 1;
        if (b.batchNumber != n || n > totalCommitted) revert WrongBatchNumber(n, b.batchNumber);
        if (keccak256(abi.encode(b)) != batchCommitments[n]) revert CommitmentMismatch();
        uint256[] memory inputs = new uint256[](1);
        inputs[0] = statementDigest(b);
        if (!verifier.verifyProof(proof, inputs)) revert InvalidProof();

        totalVerified = n;
        verifiedStateRoot = b.newStateRoot;
        uint64 end = b.firstPriorityOp + b.priorityOpCount;
        for (uint64 i = b.firstPriorityOp; i < end; ++i) {
            delete priorityQueue[i];
        }
        verifiedQueueHead = end;
        pendingDeposits -= b.depositTotal;
        bytes calldata w = b.withdrawals;
        uint256 total;
        for (uint256 o; o < w.length; o += 28) {
            address to = address(bytes20(w[o:o + 20]));
            uint256 amount = uint64(bytes8(w[o + 20:o + 28]));
            withdrawable[to] += amount;
            total += amount;
            emit WithdrawalCredited(n, to, amount);
        }
        totalWithdrawable += total;
        emit BatchVerified(n, b.newStateRoot, inputs[0]);
    }

    // ------------------------------------------------------------------ withdrawals

    /// @notice Pays the caller everything credited to it (withdrawals, refunds, exits).
    function withdraw() external nonReentrant {
        uint256 amount = withdrawable[msg.sender];
        if (amount == 0) revert NothingToWithdraw();
        withdrawable[msg.sender] = 0;
        totalWithdrawable -= amount;
        emit Withdrawn(msg.sender, amount);
        usdc.safeTransfer(msg.sender, amount);
    }

    // ------------------------------------------------------------------ exodus

    /// @notice Freezes the rollup once the oldest priority request not retired by a verified
    /// batch is older than `priorityDeadline`. Anyone may call it.
    function activateExodus() external notExodus {
        uint64 head = verifiedQueueHead;
        if (head >= queueTail) revert NoPendingRequest();
        uint64 queuedAt = uint64(priorityQueue[head]);
        if (block.timestamp <= uint256(queuedAt) + priorityDeadline) revert DeadlineNotReached();
        exodusMode = true;
        emit ExodusActivated(totalVerified, verifiedStateRoot, head);
    }

    /// @notice In exodus, credits back a deposit no verified batch consumed (committed but
    /// unverified batches are void). Anyone may call it; the depositor is credited.
    function refundDeposit(uint64 queueIndex, address depositor, uint64[5] calldata pubkey, uint64 amount)
        external
    {
        if (!exodusMode) revert NotInExodus();
        if (queueIndex < verifiedQueueHead || queueIndex >= queueTail) revert NotRefundable(queueIndex);
        uint256 entry = priorityQueue[queueIndex];
        bytes32 h = keccak256(
            abi.encodePacked(depositor, pubkey[0], pubkey[1], pubkey[2], pubkey[3], pubkey[4], amount)
        );
        if (uint8(entry >> 64) != OP_DEPOSIT || entry >> 72 != uint256(h) >> 72) revert NotRefundable(queueIndex);
        delete priorityQueue[queueIndex];
        pendingDeposits -= amount;
        withdrawable[depositor] += amount;
        totalWithdrawable += amount;
        emit DepositRefunded(queueIndex, depositor, amount);
    }

    /// @notice In exodus, credits `max(0, TAV)` of an account at the last verified state to
    /// its L1 address, once. `accountProof` (32 siblings) proves the leaf in the accounts
    /// tree; each market the account holds a position in is given with its proof (8
    /// siblings) in the markets tree; `marketsRoot` and `configHash` complete the state root
    /// `H(STATE, accounts_root ‖ markets_root ‖ config_hash)`, which must equal the last
    /// verified root. Digests are in digest-bytes form.
    function exit(
        AccountLeaf calldata account,
        bytes32[] calldata accountProof,
        MarketLeaf[] calldata markets,
        bytes32[][] calldata marketProofs,
        bytes32 marketsRoot,
        bytes32 configHash
    ) external nonReentrant {
        if (!exodusMode) revert NotInExodus();
        uint32 id = account.accountId;
        if (exited[id]) revert AlreadyExited(id);
        if (account.l1Address == address(0)) revert EmptyAccount();
        if (accountProof.length != ACCOUNT_TREE_DEPTH || markets.length != marketProofs.length) {
            revert BadProofLength();
        }
        bytes32 accountsRoot = poseidon.merkleRoot(poseidon.hashNoPad(_accountElements(account)), id, accountProof);
        _checkMarkets(markets, marketProofs, marketsRoot);
        if (_stateRoot(accountsRoot, marketsRoot, configHash) != verifiedStateRoot) revert StateRootMismatch();

        _payExit(account, markets);
    }

    function _payExit(AccountLeaf calldata account, MarketLeaf[] calldata markets) internal {
        uint32 id = account.accountId;
        int256 tav = totalAccountValue(account, markets);
        uint256 payout = tav > 0 ? uint256(tav) : 0;
        // Never promise more than is held: exits share what withdrawals and refundable
        // deposits do not already claim (an insolvent state pays exits first come).
        uint256 held = usdc.balanceOf(address(this));
        uint256 owed = totalWithdrawable + pendingDeposits;
        uint256 free = held > owed ? held - owed : 0;
        if (payout > free) payout = free;

        exited[id] = true;
        withdrawable[account.l1Address] += payout;
        totalWithdrawable += payout;
        emit Exited(id, account.l1Address, payout, tav);
    }

    /// @dev Every market leaf must be in the markets tree under `marketsRoot`. The first is
    /// checked along its whole path. A later market `i` is checked only up to where its path
    /// meets the first one's: with `L` the bit length of `id_i ^ id_0`, the two paths join at
    /// level `L`, so at level `L - 1` market `i`'s node is the first proof's sibling there,
    /// which that proof has already tied to `marketsRoot`. (Same strength as a full path,
    /// `L - 1` hashes instead of 8; a repeated first id is checked in full.)
    function _checkMarkets(MarketLeaf[] calldata markets, bytes32[][] calldata proofs, bytes32 marketsRoot)
        internal
        view
    {
        uint256 id0;
        for (uint256 i; i < markets.length; ++i) {
            if (proofs[i].length != MARKET_TREE_DEPTH) revert BadProofLength();
            uint8 id = markets[i].id;
            uint256[4] memory leaf = poseidon.hashNoPad(_marketElements(markets[i]));
            uint256 depth = MARKET_TREE_DEPTH;
            bytes32 expected = marketsRoot;
            if (i == 0) {
                id0 = id;
            } else if (id != id0) {
                uint256 x = id ^ id0;
                depth = 0;
                while (x > 1) {
                    x >>= 1;
                    ++depth;
                }
                expected = proofs[0][depth];
            }
            bytes32 node = depth == 0
                ? poseidon.toDigestBytes(leaf)
                : poseidon.merkleRoot(leaf, id & ((uint256(1) << depth) - 1), proofs[i][:depth]);
            if (node != expected) revert MarketProofMismatch(id);
        }
    }

    /// @notice TAV at the leaves' marks (DESIGN.md §4), with funding settled first:
    /// `collateral − Σ_perp s·(F_market − F_snapshot) + Σ_perp s·mark + Σ_option q·V`, where a
    /// settled option is valued at its payoff. Every position's market must be in `markets`.
    function totalAccountValue(AccountLeaf calldata account, MarketLeaf[] calldata markets)
        public
        pure
        returns (int256 tav)
    {
        tav = account.collateral;
        for (uint256 i; i < 8; ++i) {
            Position calldata p = account.positions[i];
            if (p.marketId == 0) continue;
            MarketLeaf calldata m = _findMarket(markets, p.marketId);
            int256 s = p.size;
            if (m.kind == 1) {
                tav -= s * (int256(m.fundingIndex) - int256(p.fundingSnapshot));
                tav += s * int256(uint256(m.markPrice));
            } else if (m.settlementPrice > 0) {
                uint256 payoff;
                if (m.kind == 2) payoff = m.settlementPrice > m.strike ? m.settlementPrice - m.strike : 0;
                else payoff = m.strike > m.settlementPrice ? m.strike - m.settlementPrice : 0;
                tav += s * int256(payoff);
            } else {
                tav += s * int256(uint256(m.markPrice));
            }
        }
    }

    function _findMarket(MarketLeaf[] calldata markets, uint8 id) internal pure returns (MarketLeaf calldata) {
        for (uint256 j; j < markets.length; ++j) {
            if (markets[j].id == id) return markets[j];
        }
        revert MissingMarket(id);
    }

    /// @dev `x mod p` of a signed 64-bit value (circuits::hash::fe_signed).
    function _feSigned(int64 x) internal pure returns (uint256) {
        return x >= 0 ? uint256(uint64(x)) : GOLDILOCKS_P - uint256(-int256(x));
    }

    /// @dev The account leaf preimage: tag ‖ pubkey(5) ‖ l1_address(5 × u32, big-endian
    /// limbs) ‖ collateral ‖ nonce ‖ positions(8 × (market, size, funding)) ‖ orders_root(4).
    function _accountElements(AccountLeaf calldata a) internal view returns (uint256[] memory e) {
        e = new uint256[](41);
        e[0] = TAG_ACCOUNT;
        for (uint256 i; i < 5; ++i) {
            e[1 + i] = a.pubkey[i];
        }
        uint160 addr = uint160(a.l1Address);
        for (uint256 i; i < 5; ++i) {
            e[6 + i] = uint32(addr >> (32 * (4 - i)));
        }
        e[11] = _feSigned(a.collateral);
        e[12] = a.nonce;
        for (uint256 i; i < 8; ++i) {
            Position calldata p = a.positions[i];
            e[13 + 3 * i] = p.marketId;
            e[14 + 3 * i] = _feSigned(p.size);
            e[15 + 3 * i] = _feSigned(p.fundingSnapshot);
        }
        uint256[4] memory r = poseidon.fromDigestBytes(a.ordersRoot);
        for (uint256 i; i < 4; ++i) {
            e[37 + i] = r[i];
        }
    }

    /// @dev The market leaf preimage: tag and the 17 fields in declaration order.
    function _marketElements(MarketLeaf calldata m) internal pure returns (uint256[] memory e) {
        e = new uint256[](18);
        e[0] = TAG_MARKET;
        e[1] = m.id;
        e[2] = m.kind;
        e[3] = m.underlying;
        e[4] = m.strike;
        e[5] = m.expiry;
        e[6] = m.lotSize;
        e[7] = m.tickSize;
        e[8] = m.imfPpm;
        e[9] = m.mmfPpm;
        e[10] = m.imFloorPpm;
        e[11] = m.markPrice;
        e[12] = m.indexPrice;
        e[13] = m.oracleTime;
        e[14] = _feSigned(m.fundingIndex);
        e[15] = m.fundingTime;
        e[16] = m.settlementPrice;
        e[17] = m.openInterest;
    }

    function _stateRoot(bytes32 accountsRoot, bytes32 marketsRoot, bytes32 configHash) internal view returns (bytes32) {
        IPoseidonGoldilocks h = poseidon;
        uint256[] memory e = new uint256[](13);
        e[0] = TAG_STATE;
        uint256[4] memory a = h.fromDigestBytes(accountsRoot);
        uint256[4] memory m = h.fromDigestBytes(marketsRoot);
        uint256[4] memory c = h.fromDigestBytes(configHash);
        for (uint256 i; i < 4; ++i) {
            e[1 + i] = a[i];
            e[5 + i] = m[i];
            e[9 + i] = c[i];
        }
        return h.toDigestBytes(h.hashNoPad(e));
    }
}

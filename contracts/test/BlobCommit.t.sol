// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

import {RollupFixture} from "./RollupFixture.sol";
import {Rollup} from "../src/Rollup.sol";

/// Blob batches (`commitBatchBlobs`, docs/contracts.md): real KZG commitments and openings
/// from the Rust side (`test/vectors/blob.json`, c-kzg with the Ethereum trusted setup),
/// checked by the EVM's point-evaluation precompile. The vector batch is a deposit, 5000
/// trades of 30 bytes and a withdrawal: 150 KB of public data in two blobs.
contract BlobCommitTest is RollupFixture {
    string internal json;
    bytes internal l1Records;
    bytes32 internal pdc;
    bytes32[] internal hashes;
    Rollup.BlobOpening[] internal openings;
    /// Batch 1 on genesis (held in storage: building it calls the rollup, which would use up
    /// a `prank`).
    Rollup.BatchHeader internal hdr;

    function setUp() public {
        deploy(GENESIS);
        hdr = Rollup.BatchHeader(1, uint64(block.timestamp), rollup.batchCommitments(0), GENESIS, bytes32(uint256(9)));
        json = vm.readFile(string.concat(vm.projectRoot(), "/test/vectors/blob.json"));
        l1Records = vm.parseJsonBytes(json, ".l1Records");
        pdc = vm.parseJsonBytes32(json, ".pubdataCommitment");
        uint256 n = vm.parseJsonUint(json, ".blobCount");
        for (uint256 i; i < n; ++i) {
            string memory k = string.concat(".blobs[", vm.toString(i), "]");
            hashes.push(vm.parseJsonBytes32(json, string.concat(k, ".versionedHash")));
            openings.push(
                Rollup.BlobOpening({
                    y: vm.parseJsonBytes32(json, string.concat(k, ".y")),
                    commitment: vm.parseJsonBytes(json, string.concat(k, ".commitment")),
                    proof: vm.parseJsonBytes(json, string.concat(k, ".proof"))
                })
            );
        }
        // The deposit the vector's Deposit record consumes.
        uint256[] memory pk = vm.parseJsonUintArray(json, ".depositPubkey");
        uint64[5] memory key5;
        for (uint256 i; i < 5; ++i) {
            key5[i] = uint64(pk[i]);
        }
        vm.prank(alice);
        rollup.deposit(key5, uint64(vm.parseJsonUint(json, ".depositAmount")));
    }

    function _header() internal view returns (Rollup.BatchHeader memory) {
        return hdr;
    }

    function _commit(bytes32[] memory blobs, Rollup.BlobOpening[] memory os, bytes32 commitment) internal {
        vm.blobhashes(blobs);
        vm.prank(operator);
        rollup.commitBatchBlobs(_header(), l1Records, commitment, os);
    }

    function test_blob_batch_commits_verifies_and_credits() public {
        _commit(hashes, openings, pdc);
        uint256 g = vm.snapshotGasLastCall("commitBatchBlobs_2_blobs_5000_trades");
        Rollup.StoredBatch memory b = stored(_header(), l1Records);
        b.publicDataHash = vm.parseJsonBytes32(json, ".daHash");
        vm.assertEq(keccak256(abi.encode(b)), rollup.batchCommitments(1), "stored batch binds the blob DA hash");
        vm.assertEq(b.priorityOpCount, 1, "the deposit is consumed");
        verify(b);
        vm.assertEq(rollup.verifiedStateRoot(), bytes32(uint256(9)), "root verified");
        vm.assertEq(
            rollup.withdrawable(alice), vm.parseJsonUint(json, ".withdrawAmount"), "withdrawal credited to the owner"
        );
        vm.assertLe(g / vm.parseJsonUint(json, ".trades"), 600, "commit gas per trade");
    }

    function test_flipped_y_is_rejected() public {
        openings[1].y = bytes32(uint256(openings[1].y) ^ 1);
        vm.blobhashes(hashes);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(Rollup.BadBlobOpening.selector, 1));
        rollup.commitBatchBlobs(_header(), l1Records, pdc, openings);
    }

    function test_other_pubdata_commitment_moves_the_challenge() public {
        vm.blobhashes(hashes);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(Rollup.BadBlobOpening.selector, 0));
        rollup.commitBatchBlobs(_header(), l1Records, bytes32(uint256(pdc) ^ 1), openings);
    }

    function test_proof_of_another_blob_is_rejected() public {
        bytes32[] memory swapped = new bytes32[](2);
        (swapped[0], swapped[1]) = (hashes[1], hashes[0]);
        vm.blobhashes(swapped);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(Rollup.BadBlobOpening.selector, 0));
        rollup.commitBatchBlobs(_header(), l1Records, pdc, openings);
    }

    function test_forged_proof_bytes_are_rejected() public {
        bytes memory p = openings[0].proof;
        p[47] = p[47] ^ 0x01;
        openings[0].proof = p;
        vm.blobhashes(hashes);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(Rollup.BadBlobOpening.selector, 0));
        rollup.commitBatchBlobs(_header(), l1Records, pdc, openings);
        // A commitment of the wrong length never reaches the precompile.
        openings[0].commitment = hex"00";
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(Rollup.BadBlobOpening.selector, 0));
        rollup.commitBatchBlobs(_header(), l1Records, pdc, openings);
    }

    function test_missing_and_unopened_blobs_are_rejected() public {
        bytes32[] memory one = new bytes32[](1);
        one[0] = hashes[0];
        vm.blobhashes(one);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(Rollup.MissingBlob.selector, 1));
        rollup.commitBatchBlobs(_header(), l1Records, pdc, openings);

        bytes32[] memory three = new bytes32[](3);
        (three[0], three[1], three[2]) = (hashes[0], hashes[1], hashes[0]);
        vm.blobhashes(three);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(Rollup.UnopenedBlob.selector, 2));
        rollup.commitBatchBlobs(_header(), l1Records, pdc, openings);
    }

    function test_blob_count_is_bounded() public {
        Rollup.BlobOpening[] memory none = new Rollup.BlobOpening[](0);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(Rollup.BlobCount.selector, 0));
        rollup.commitBatchBlobs(_header(), l1Records, pdc, none);
        Rollup.BlobOpening[] memory seven = new Rollup.BlobOpening[](7);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(Rollup.BlobCount.selector, 7));
        rollup.commitBatchBlobs(_header(), l1Records, pdc, seven);
    }

    function test_l1_records_hold_only_l1_records() public {
        vm.blobhashes(hashes);
        bytes memory withTrade = bytes.concat(l1Records, tradeRecord(0, 1, 2));
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(Rollup.NotAnL1Record.selector, l1Records.length));
        rollup.commitBatchBlobs(_header(), withTrade, pdc, openings);
        bytes memory tradeFirst = bytes.concat(tradeRecord(0, 1, 2), l1Records);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(Rollup.NotAnL1Record.selector, 0));
        rollup.commitBatchBlobs(_header(), tradeFirst, pdc, openings);
    }

    function test_l1_records_still_match_the_queue() public {
        vm.blobhashes(hashes);
        bytes memory wrong = l1Records;
        wrong[72] = wrong[72] ^ 0x01; // the deposit amount's last byte
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(Rollup.PriorityOpMismatch.selector, 0, 0));
        rollup.commitBatchBlobs(_header(), wrong, pdc, openings);
    }

    function test_only_the_operator_commits_blobs() public {
        vm.blobhashes(hashes);
        vm.prank(alice);
        vm.expectRevert(Rollup.NotOperator.selector);
        rollup.commitBatchBlobs(_header(), l1Records, pdc, openings);
    }
}

// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

import {TestBase} from "./Vm.sol";
import {Groth16Verifier} from "../src/Groth16Verifier.sol";
import {Rollup} from "../src/Rollup.sol";
import {TestUSDC} from "../src/TestUSDC.sol";
import {IVerifier} from "../src/IVerifier.sol";
import {PoseidonGoldilocks, IPoseidonGoldilocks} from "../src/PoseidonGoldilocks.sol";

/// The generated Groth16 verifier (trivial statement circuit, INSECURE dev keys) with real
/// proofs produced by the Rust crate (test/vectors/groth16.json).
contract Groth16Test is TestBase {
    Groth16Verifier internal v;
    string internal json;
    bytes internal proof;
    uint256 internal digest;

    function setUp() public {
        v = new Groth16Verifier();
        json = vm.readFile(string.concat(vm.projectRoot(), "/test/vectors/groth16.json"));
        proof = vm.parseJsonBytes(json, ".proof");
        digest = vm.parseJsonUint(json, ".digest");
    }

    function _in(uint256 x) internal pure returns (uint256[] memory a) {
        a = new uint256[](1);
        a[0] = x;
    }

    function test_valid_proof_accepted() public view {
        vm.assertTrue(v.verifyProof(proof, _in(digest)), "valid proof");
    }

    function test_proof_for_another_statement_rejected() public view {
        uint256 other = vm.parseJsonUint(json, ".other_digest");
        vm.assertFalse(v.verifyProof(proof, _in(other)), "proof of digest, input other");
        vm.assertTrue(v.verifyProof(vm.parseJsonBytes(json, ".other_proof"), _in(other)), "other proof is valid for other");
        vm.assertFalse(v.verifyProof(vm.parseJsonBytes(json, ".other_proof"), _in(digest)), "other proof, input digest");
    }

    function test_invalid_proofs_rejected() public view {
        bytes memory p = proof;
        // C replaced by A: a valid curve point, wrong proof
        for (uint256 i; i < 64; ++i) {
            p[192 + i] = proof[i];
        }
        vm.assertFalse(v.verifyProof(p, _in(digest)), "C := A");
        // a coordinate off the curve
        p = bytes.concat(proof);
        p[31] = bytes1(uint8(p[31]) ^ 1);
        vm.assertFalse(v.verifyProof(p, _in(digest)), "A off curve");
        // a non-canonical coordinate
        p = bytes.concat(proof);
        for (uint256 i; i < 32; ++i) {
            p[i] = 0xff;
        }
        vm.assertFalse(v.verifyProof(p, _in(digest)), "A.x >= q");
        // wrong lengths, input out of range
        vm.assertFalse(v.verifyProof(bytes.concat(proof, hex"00"), _in(digest)), "257 bytes");
        vm.assertFalse(v.verifyProof(proof, new uint256[](2)), "two inputs");
        uint256 r = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001;
        vm.assertFalse(v.verifyProof(proof, _in(digest + r)), "input >= r");
    }

    function test_gas_verify_proof() public view {
        uint256 g = gasleft();
        v.verifyProof(proof, _in(digest));
        g -= gasleft();
        vm.assertLe(g, 300_000, "verification <= 300k gas");
    }

    /// The rollup with the real verifier: commit the vector's batch, reject the proof of
    /// another statement, accept the right one.
    function test_rollup_verifies_with_real_proof() public {
        bytes32 oldRoot = vm.parseJsonBytes32(json, ".old_root");
        bytes32 newRoot = vm.parseJsonBytes32(json, ".new_root");
        bytes memory pd = vm.parseJsonBytes(json, ".public_data");
        uint64 ts = uint64(vm.parseJsonUint(json, ".timestamp"));
        vm.warp(ts);
        Rollup r = new Rollup(
            new TestUSDC(),
            IVerifier(address(v)),
            IPoseidonGoldilocks(address(new PoseidonGoldilocks())),
            address(this),
            address(2),
            oldRoot,
            7 days
        );
        Rollup.BatchHeader memory h = Rollup.BatchHeader(1, ts, r.batchCommitments(0), oldRoot, newRoot);
        r.commitBatch(h, pd);
        Rollup.StoredBatch memory b;
        (b.batchNumber, b.timestamp, b.oldStateRoot, b.newStateRoot, b.publicDataHash) = (1, ts, oldRoot, newRoot, keccak256(pd));
        vm.assertEq(r.statementDigest(b), digest, "Rust and Solidity statement digests agree");
        bytes memory otherProof = vm.parseJsonBytes(json, ".other_proof");
        vm.expectRevert(Rollup.InvalidProof.selector);
        r.verifyBatch(b, otherProof);
        r.verifyBatch(b, proof);
        vm.assertEq(r.verifiedStateRoot(), newRoot, "verified");
    }
}

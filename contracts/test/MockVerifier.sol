// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

import {IVerifier} from "../src/IVerifier.sol";

/// @notice Test double of the proof verifier for the Rollup unit tests: a "proof" is valid
/// iff it is `abi.encode(statementDigest)`, so tests can still present a proof for the wrong
/// statement. The real Groth16 verifier is tested in Groth16.t.sol and the Rust tests.
contract MockVerifier is IVerifier {
    function verifyProof(bytes calldata proof, uint256[] calldata publicInputs) external pure returns (bool) {
        return publicInputs.length == 1 && keccak256(proof) == keccak256(abi.encode(publicInputs[0]));
    }
}

// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

/// @title The proof verifier the rollup calls for every batch.
/// @notice `proof` is the verifier's own encoding (for Groth16: eight 32-byte words
/// A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y); `publicInputs` are BN254 scalars.
/// The rollup passes one public input, the batch statement digest (docs/contracts.md).
interface IVerifier {
    /// @return true iff `proof` is valid for `publicInputs`. Malformed input returns false
    /// or reverts; it never returns true.
    function verifyProof(bytes calldata proof, uint256[] calldata publicInputs) external view returns (bool);
}

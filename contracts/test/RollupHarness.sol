// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Rollup} from "../src/Rollup.sol";
import {IVerifier} from "../src/IVerifier.sol";
import {IPoseidonGoldilocks} from "../src/PoseidonGoldilocks.sol";

/// @notice Exposes the rollup's leaf hashing to the golden-vector tests.
contract RollupHarness is Rollup {
    constructor(
        IERC20 usdc_,
        IVerifier verifier_,
        IPoseidonGoldilocks poseidon_,
        address operator_,
        address insuranceOwner,
        bytes32 genesisStateRoot,
        uint64 priorityDeadline_
    ) Rollup(usdc_, verifier_, poseidon_, operator_, insuranceOwner, genesisStateRoot, priorityDeadline_) {}

    function accountLeafHash(AccountLeaf calldata a) external view returns (uint256[4] memory) {
        return poseidon.hashNoPad(_accountElements(a));
    }

    function marketLeafHash(MarketLeaf calldata m) external view returns (uint256[4] memory) {
        return poseidon.hashNoPad(_marketElements(m));
    }
}

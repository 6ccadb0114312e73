// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title A stand-in for USDC on development chains and in tests: OpenZeppelin's ERC-20 with
/// six decimals and an open `mint`. Never deploy it where the real USDC exists.
contract TestUSDC is ERC20 {
    constructor() ERC20("Test USD Coin", "tUSDC") {}

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @notice Anyone may mint (development only).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

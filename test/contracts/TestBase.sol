// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/**
 * @title Vm
 * @notice The few cheatcodes the Solidity tests use (forge-std is not available from the npm registry). Hardhat's
 * Solidity test runner (EDR) serves them at the standard cheatcode address.
 */
interface Vm {
    function expectRevert(bytes calldata revertData) external;
    function expectRevert() external;
    function prank(address msgSender) external;
    function startPrank(address msgSender) external;
    function stopPrank() external;
    function warp(uint256 newTimestamp) external;
    function roll(uint256 newHeight) external;
    function assume(bool condition) external pure;
    function deal(address account, uint256 newBalance) external;
    function addr(uint256 privateKey) external pure returns (address);
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
}

/**
 * @title TestBase
 * @notice Cheatcodes plus minimal assertions for the Solidity tests. An assertion failure reverts, which fails the
 * test.
 */
abstract contract TestBase {
    Vm internal constant VM = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    error AssertionFailedBytes32(string what, bytes32 expected, bytes32 actual);
    error AssertionFailedUint(string what, uint256 expected, uint256 actual);
    error AssertionFailedAddress(string what, address expected, address actual);
    error AssertionFailedBool(string what, bool expected);

    function assertEq(bytes32 actual, bytes32 expected, string memory what) internal pure {
        if (actual != expected) revert AssertionFailedBytes32(what, expected, actual);
    }

    function assertEq(uint256 actual, uint256 expected, string memory what) internal pure {
        if (actual != expected) revert AssertionFailedUint(what, expected, actual);
    }

    function assertEq(address actual, address expected, string memory what) internal pure {
        if (actual != expected) revert AssertionFailedAddress(what, expected, actual);
    }

    function assertTrue(bool condition, string memory what) internal pure {
        if (!condition) revert AssertionFailedBool(what, true);
    }

    function assertFalse(bool condition, string memory what) internal pure {
        if (condition) revert AssertionFailedBool(what, false);
    }

    /// @dev An address no test contract or precompile uses, derived from `seed`.
    function someAccount(uint256 seed) internal pure returns (address) {
        return address(uint160(uint256(keccak256(abi.encode("account", seed)))));
    }
}

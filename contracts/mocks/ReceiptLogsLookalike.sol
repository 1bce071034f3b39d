// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ReceiptLogs} from "../ReceiptLogs.sol";

/**
 * @title ReceiptLogsLookalike (test only)
 * @notice Behaves exactly like ReceiptLogs and answers its whole interface, but is not the showwork build: the
 * verifier must tell it apart by its code (issue #12, attack 3), not by probing the interface.
 */
contract ReceiptLogsLookalike is ReceiptLogs {
    /// @notice The one thing ReceiptLogs does not have.
    /// @return lookalike always true
    function isLookalike() external pure returns (bool lookalike) {
        return true;
    }
}

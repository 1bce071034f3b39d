// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IReceiptLogs} from "../../contracts/interfaces/IReceiptLogs.sol";
import {ModelTimeline} from "../../contracts/ModelTimeline.sol";
import {ReceiptLogs} from "../../contracts/ReceiptLogs.sol";
import {TestBase} from "./TestBase.sol";

/// @dev Answers `receiptLogs()` with whatever it was told: a timeline imitation.
contract FakeTimeline {
    address private immutable _answer;

    constructor(address answer_) {
        _answer = answer_;
    }

    function receiptLogs() external view returns (address) {
        return _answer;
    }
}

/// @dev Serving-node signers with history, and the timeline bound to a log (issue #12).
contract ReceiptLogsSignersTest is TestBase {
    ReceiptLogs internal logs;
    bytes32 internal logId;
    address internal admin;
    address internal node;

    function setUp() public {
        logs = new ReceiptLogs();
        admin = someAccount(1);
        node = someAccount(2);
        VM.warp(10_000);
        VM.prank(admin);
        logId = logs.createLog(bytes32("tenant"), 0);
    }

    function test_grantAndRevoke_keepTheHistory() public {
        assertFalse(logs.isSigner(logId, node), "not a signer before the grant");
        VM.warp(11_000);
        VM.prank(admin);
        logs.grantSigner(logId, node);
        VM.warp(12_000);
        VM.prank(admin);
        logs.grantSigner(logId, node); // idempotent: the open period keeps its grant time
        VM.warp(13_000);
        VM.prank(admin);
        logs.revokeSigner(logId, node);
        VM.prank(admin);
        logs.revokeSigner(logId, node); // idempotent
        VM.warp(15_000);
        VM.prank(admin);
        logs.grantSigner(logId, node);

        assertTrue(logs.isSigner(logId, node), "authorised again");
        assertEq(logs.signerHistoryLength(logId, node), 2, "two periods");
        IReceiptLogs.SignerPeriod[] memory periods = logs.signerHistory(logId, node, 0, 10);
        assertEq(periods.length, 2, "page");
        assertEq(periods[0].grantedAt, 11_000, "first grant");
        assertEq(periods[0].revokedAt, 13_000, "first revocation");
        assertEq(periods[1].grantedAt, 15_000, "second grant");
        assertEq(periods[1].revokedAt, 0, "open");
        assertEq(logs.signerHistory(logId, node, 1, 1).length, 1, "page of one");
        assertEq(logs.signerHistory(logId, node, 2, 1).length, 0, "past the end");

        assertFalse(logs.isSignerAt(logId, node, 10_999), "before the grant");
        assertTrue(logs.isSignerAt(logId, node, 11_000), "at the grant second");
        assertTrue(logs.isSignerAt(logId, node, 12_999), "during");
        assertFalse(logs.isSignerAt(logId, node, 13_000), "at the revocation second");
        assertFalse(logs.isSignerAt(logId, node, 14_999), "between periods");
        assertTrue(logs.isSignerAt(logId, node, 15_000), "second period");
        assertTrue(logs.isSignerAt(logId, node, type(uint64).max), "open period: any later time");
        assertFalse(logs.isSignerAt(logId, someAccount(9), 12_000), "another account");
        assertFalse(logs.isSignerAt(keccak256("other log"), node, 12_000), "another log");
    }

    function test_grantAndRevoke_onlyTheAdmin_andNotTheZeroAddress() public {
        address intruder = someAccount(7);
        VM.prank(intruder);
        VM.expectRevert(abi.encodeWithSelector(IReceiptLogs.ReceiptLogsUnauthorizedAdmin.selector, logId, intruder));
        logs.grantSigner(logId, intruder);
        VM.prank(intruder);
        VM.expectRevert(abi.encodeWithSelector(IReceiptLogs.ReceiptLogsUnauthorizedAdmin.selector, logId, intruder));
        logs.revokeSigner(logId, node);
        VM.prank(admin);
        VM.expectRevert(abi.encodeWithSelector(IReceiptLogs.ReceiptLogsInvalidSigner.selector, logId, address(0)));
        logs.grantSigner(logId, address(0));
        bytes32 unknown = keccak256("no such log");
        VM.prank(admin);
        VM.expectRevert(abi.encodeWithSelector(IReceiptLogs.ReceiptLogsUnknownLog.selector, unknown));
        logs.grantSigner(unknown, node);
        // A signer is not an anchorer, and an anchorer is not a signer.
        VM.startPrank(admin);
        logs.grantSigner(logId, node);
        logs.grantAnchorer(logId, someAccount(3));
        VM.stopPrank();
        assertFalse(logs.isAnchorer(logId, node), "signer is not an anchorer");
        assertFalse(logs.isSigner(logId, someAccount(3)), "anchorer is not a signer");
    }

    function test_grantAndRevoke_inTheSameSecond() public {
        VM.startPrank(admin);
        logs.grantSigner(logId, node);
        logs.revokeSigner(logId, node);
        assertFalse(logs.isSignerAt(logId, node, 10_000), "granted and revoked at once: never authorised");
        logs.grantSigner(logId, node);
        VM.stopPrank();
        assertTrue(logs.isSignerAt(logId, node, 10_000), "granted again in that second");
        assertEq(logs.signerHistoryLength(logId, node), 2, "both periods kept");
    }

    /// @dev Random grant/revoke sequences with random gaps: isSignerAt equals a linear scan over the history, and
    /// the history is what a reference model of the same operations says.
    function testFuzz_isSignerAt_matchesTheReferenceModel(bool[12] memory grants, uint8[12] memory gaps, uint64 t)
        public
    {
        uint64 now_ = 10_000;
        uint64[12] memory grantedAt;
        uint64[12] memory revokedAt;
        uint256 count = 0;
        bool open = false;
        VM.startPrank(admin);
        for (uint256 i = 0; i < 12; ++i) {
            now_ += uint64(gaps[i] % 4) * 50; // often the same second
            VM.warp(now_);
            if (grants[i]) {
                logs.grantSigner(logId, node);
                if (!open) {
                    grantedAt[count] = now_;
                    ++count;
                    open = true;
                }
            } else {
                logs.revokeSigner(logId, node);
                if (open) {
                    revokedAt[count - 1] = now_;
                    open = false;
                }
            }
        }
        VM.stopPrank();
        assertEq(logs.signerHistoryLength(logId, node), count, "one period per effective grant");
        assertTrue(logs.isSigner(logId, node) == open, "isSigner == the model's state");
        IReceiptLogs.SignerPeriod[] memory periods = logs.signerHistory(logId, node, 0, 100);
        bool expected = false;
        for (uint256 i = 0; i < count; ++i) {
            assertEq(periods[i].grantedAt, grantedAt[i], "grantedAt");
            assertEq(periods[i].revokedAt, revokedAt[i], "revokedAt");
            if (periods[i].grantedAt <= t && (periods[i].revokedAt == 0 || t < periods[i].revokedAt)) expected = true;
        }
        // Probe around the random time and every recorded edge.
        assertTrue(logs.isSignerAt(logId, node, t) == expected, "isSignerAt(t) == linear scan");
        _probeEdges(periods, grantedAt, revokedAt, count);
    }

    function _probeEdges(
        IReceiptLogs.SignerPeriod[] memory periods,
        uint64[12] memory grantedAt,
        uint64[12] memory revokedAt,
        uint256 count
    ) private view {
        for (uint256 i = 0; i < count; ++i) {
            assertTrue(logs.isSignerAt(logId, node, grantedAt[i]) == _scan(periods, grantedAt[i]), "at a grant");
            if (grantedAt[i] > 0) {
                assertTrue(
                    logs.isSignerAt(logId, node, grantedAt[i] - 1) == _scan(periods, grantedAt[i] - 1), "before a grant"
                );
            }
            if (revokedAt[i] != 0) {
                assertTrue(logs.isSignerAt(logId, node, revokedAt[i]) == _scan(periods, revokedAt[i]), "at a revoke");
                assertTrue(
                    logs.isSignerAt(logId, node, revokedAt[i] - 1) == _scan(periods, revokedAt[i] - 1),
                    "before a revoke"
                );
            }
        }
    }

    function _scan(IReceiptLogs.SignerPeriod[] memory periods, uint64 t) private pure returns (bool) {
        for (uint256 i = 0; i < periods.length; ++i) {
            if (periods[i].grantedAt <= t && (periods[i].revokedAt == 0 || t < periods[i].revokedAt)) return true;
        }
        return false;
    }

    // ---------------------------------------------------------------- timeline binding

    function test_bindTimeline_onceByTheAdmin_toATimelineOfThisContract() public {
        ModelTimeline timeline = new ModelTimeline(logs);
        assertEq(logs.logTimeline(logId), address(0), "unbound");
        address intruder = someAccount(7);
        VM.prank(intruder);
        VM.expectRevert(abi.encodeWithSelector(IReceiptLogs.ReceiptLogsUnauthorizedAdmin.selector, logId, intruder));
        logs.bindTimeline(logId, address(timeline));

        // A timeline of another ReceiptLogs deployment, an imitation, an account without code: refused.
        ReceiptLogs otherLogs = new ReceiptLogs();
        ModelTimeline foreign = new ModelTimeline(otherLogs);
        VM.prank(admin);
        VM.expectRevert(
            abi.encodeWithSelector(
                IReceiptLogs.ReceiptLogsInvalidTimeline.selector, logId, address(foreign), address(otherLogs)
            )
        );
        logs.bindTimeline(logId, address(foreign));
        VM.prank(admin);
        VM.expectRevert(
            abi.encodeWithSelector(IReceiptLogs.ReceiptLogsInvalidTimeline.selector, logId, address(0), address(0))
        );
        logs.bindTimeline(logId, address(0));
        address eoa = someAccount(8);
        VM.prank(admin);
        VM.expectRevert(
            abi.encodeWithSelector(IReceiptLogs.ReceiptLogsInvalidTimeline.selector, logId, eoa, address(0))
        );
        logs.bindTimeline(logId, eoa);
        VM.prank(admin);
        VM.expectRevert(
            abi.encodeWithSelector(IReceiptLogs.ReceiptLogsInvalidTimeline.selector, logId, address(logs), address(0))
        );
        logs.bindTimeline(logId, address(logs)); // answers nothing for receiptLogs()

        VM.prank(admin);
        logs.bindTimeline(logId, address(timeline));
        assertEq(logs.logTimeline(logId), address(timeline), "bound");

        // Permanent: not even the admin can rebind it, to an imitation or a genuine one.
        FakeTimeline fake = new FakeTimeline(address(logs));
        VM.prank(admin);
        VM.expectRevert(
            abi.encodeWithSelector(IReceiptLogs.ReceiptLogsTimelineAlreadyBound.selector, logId, address(timeline))
        );
        logs.bindTimeline(logId, address(fake));
    }
}

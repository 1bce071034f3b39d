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

    /// @dev Issue #22 item 6: a contract that answers `receiptLogs()` with this ReceiptLogs but is not the showwork
    /// ModelTimeline code is refused (it could rewrite which version was active when).
    function test_bindTimeline_refusesALookalikeGovernedByThisContract() public {
        FakeTimeline fake = new FakeTimeline(address(logs));
        VM.prank(admin);
        VM.expectRevert(
            abi.encodeWithSelector(
                IReceiptLogs.ReceiptLogsTimelineNotShowworkCode.selector, logId, address(fake), address(fake).codehash
            )
        );
        logs.bindTimeline(logId, address(fake));
        assertEq(logs.logTimeline(logId), address(0), "still unbound");
    }

    // ---------------------------------------------------------------- compromise (issue #22 item 3)

    function _anchorBatches(uint256 count) internal {
        VM.prank(admin);
        logs.grantAnchorer(logId, admin);
        for (uint256 i = 0; i < count; ++i) {
            uint64 index = logs.logSize(logId);
            VM.prank(admin);
            logs.anchor(logId, index, keccak256(abi.encode("batch", i)), 1);
        }
    }

    function test_plainRetirement_keepsEarlierReceiptsValidInAnyLaterBatch() public {
        VM.prank(admin);
        logs.grantSigner(logId, node);
        VM.warp(20_000);
        VM.prank(admin);
        logs.revokeSigner(logId, node);
        _anchorBatches(3);
        // A receipt issued before the retirement, anchored hours later (late is not lost): valid.
        assertTrue(logs.isReceiptSignerValid(logId, node, 19_999, 2), "earlier receipt, later batch");
        assertFalse(logs.isReceiptSignerValid(logId, node, 20_000, 2), "issued at the retirement");
        assertEq(logs.signerCompromise(logId, node).reportedAt, 0, "no report");
    }

    function test_reportSignerCompromise_cutsOffEveryBatchFromTheCompromise() public {
        VM.prank(admin);
        logs.grantSigner(logId, node);
        _anchorBatches(2); // batches 0 and 1, anchored at 10_000 (before the leak)
        VM.warp(30_000);
        _anchorBatches(1); // batch 2, anchored at 30_000 (after the leak at 25_000)
        VM.warp(40_000);
        VM.prank(admin);
        logs.reportSignerCompromise(logId, node, 25_000, 2);

        IReceiptLogs.SignerCompromise memory report = logs.signerCompromise(logId, node);
        assertEq(report.since, 25_000, "since");
        assertEq(report.fromBatch, 2, "from batch");
        assertEq(report.reportedAt, 40_000, "reported at");
        assertFalse(logs.isSigner(logId, node), "revoked by the report");
        IReceiptLogs.SignerPeriod[] memory periods = logs.signerHistory(logId, node, 0, 10);
        assertEq(periods[0].revokedAt, 40_000, "period closed at the report");

        // Before the compromise, in a batch anchored before it: still valid.
        assertTrue(logs.isReceiptSignerValid(logId, node, 10_000, 1), "old receipt, old batch");
        // The thief's receipt dated before the revocation (and before the leak), anchored after the leak: refused.
        assertFalse(logs.isReceiptSignerValid(logId, node, 24_999, 2), "backdated receipt, batch after the leak");
        assertFalse(logs.isReceiptSignerValid(logId, node, 39_999, 5), "any later batch");
        // The same receipt time is still authorised by the history: only the compromise refuses it.
        assertTrue(logs.isSignerAt(logId, node, 24_999), "history unchanged");

        // A leaked key is never granted again.
        VM.prank(admin);
        VM.expectRevert(
            abi.encodeWithSelector(IReceiptLogs.ReceiptLogsSignerCompromised.selector, logId, node, uint64(25_000))
        );
        logs.grantSigner(logId, node);
    }

    function test_reportSignerCompromise_errors() public {
        address intruder = someAccount(7);
        VM.prank(intruder);
        VM.expectRevert(abi.encodeWithSelector(IReceiptLogs.ReceiptLogsUnauthorizedAdmin.selector, logId, intruder));
        logs.reportSignerCompromise(logId, node, 0, 0);
        VM.prank(admin);
        VM.expectRevert(abi.encodeWithSelector(IReceiptLogs.ReceiptLogsUnknownSigner.selector, logId, node));
        logs.reportSignerCompromise(logId, node, 0, 0);
        VM.prank(admin);
        logs.grantSigner(logId, node);
        VM.prank(admin);
        VM.expectRevert(
            abi.encodeWithSelector(
                IReceiptLogs.ReceiptLogsCompromiseInFuture.selector, logId, node, uint64(10_001), uint64(10_000)
            )
        );
        logs.reportSignerCompromise(logId, node, 10_001, 0);
        VM.prank(admin);
        VM.expectRevert(
            abi.encodeWithSelector(
                IReceiptLogs.ReceiptLogsCompromiseBatchBeyondLog.selector, logId, node, uint64(1), uint64(0)
            )
        );
        logs.reportSignerCompromise(logId, node, 9_000, 1);
        _anchorBatches(3);
        VM.prank(admin);
        logs.reportSignerCompromise(logId, node, 9_000, 2);
        // Widening (earlier) is allowed; narrowing (later) is not.
        VM.prank(admin);
        VM.expectRevert(
            abi.encodeWithSelector(
                IReceiptLogs.ReceiptLogsCompromiseNotEarlier.selector,
                logId,
                node,
                uint64(9_500),
                uint64(2),
                uint64(9_000),
                uint64(2)
            )
        );
        logs.reportSignerCompromise(logId, node, 9_500, 2);
        VM.prank(admin);
        VM.expectRevert(
            abi.encodeWithSelector(
                IReceiptLogs.ReceiptLogsCompromiseNotEarlier.selector,
                logId,
                node,
                uint64(9_000),
                uint64(3),
                uint64(9_000),
                uint64(2)
            )
        );
        logs.reportSignerCompromise(logId, node, 9_000, 3);
        VM.prank(admin);
        logs.reportSignerCompromise(logId, node, 8_000, 1);
        assertEq(logs.signerCompromise(logId, node).fromBatch, 1, "widened");
    }

    /// @dev isReceiptSignerValid equals its reference rule for random receipt times, batches and reports.
    function testFuzz_isReceiptSignerValid_matchesTheRule(
        uint64 issuedAt,
        uint64 batchIndex,
        uint16 since,
        uint8 fromBatch,
        bool report
    ) public {
        VM.prank(admin);
        logs.grantSigner(logId, node); // at 10_000
        _anchorBatches(8);
        VM.warp(80_000);
        uint64 sinceTime = 10_000 + uint64(since);
        uint64 cutOff = uint64(fromBatch % 9);
        if (report) {
            VM.prank(admin);
            logs.reportSignerCompromise(logId, node, sinceTime, cutOff);
        }
        bool expected = issuedAt >= 10_000 && (!report || issuedAt < 80_000) &&
            (!report || (batchIndex < cutOff && issuedAt < sinceTime));
        assertTrue(logs.isReceiptSignerValid(logId, node, issuedAt, batchIndex) == expected, "the rule");
    }
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {IReceiptLogs} from "../../contracts/interfaces/IReceiptLogs.sol";
import {ReceiptLogs} from "../../contracts/ReceiptLogs.sol";
import {TestBase} from "./TestBase.sol";

contract ReceiptLogsTest is TestBase {
    ReceiptLogs internal logs;
    bytes32 internal logId;
    address internal admin;
    address internal anchorer;

    function setUp() public {
        logs = new ReceiptLogs();
        admin = someAccount(1);
        anchorer = someAccount(2);
        VM.prank(admin);
        logId = logs.createLog(bytes32("tenant"), 3600);
        VM.prank(admin);
        logs.grantAnchorer(logId, anchorer);
    }

    function _anchor(uint64 index, bytes32 root, uint64 leafCount) internal returns (bytes32) {
        VM.prank(anchorer);
        return logs.anchor(logId, index, root, leafCount);
    }

    // ---------------------------------------------------------------- creation and access

    function test_createLog_derivesIdFromCreatorAndSalt() public view {
        assertEq(logId, keccak256(abi.encode(admin, bytes32("tenant"))), "log id");
        assertEq(logs.computeLogId(admin, bytes32("tenant")), logId, "computeLogId");
        assertEq(logs.logAdmin(logId), admin, "admin");
        assertTrue(logs.logExists(logId), "exists");
        assertEq(logs.logSize(logId), 0, "size");
        assertFalse(logs.isAnchorer(logId, admin), "creator is not an anchorer by default");
        bytes32 genesis = bytes32(uint256(uint192(uint256(keccak256(abi.encode(block.chainid, address(logs), logId))))));
        assertEq(logs.logHead(logId), genesis, "genesis head");
    }

    function test_createLog_sameSaltTwiceReverts() public {
        VM.prank(admin);
        VM.expectRevert(abi.encodeWithSelector(IReceiptLogs.ReceiptLogsLogAlreadyExists.selector, logId));
        logs.createLog(bytes32("tenant"), 0);
    }

    function testFuzz_createLog_cannotBeSquatted(address squatter, bytes32 salt) public {
        VM.assume(squatter != admin);
        VM.prank(squatter);
        bytes32 id = logs.createLog(salt, 0);
        assertTrue(id != logId, "another creator gets another id");
        assertEq(logs.logAdmin(logId), admin, "existing log untouched");
        assertEq(logs.logAdmin(id), squatter, "squatter administers only its own log");
        // The admin's own future log ids stay free.
        VM.prank(admin);
        bytes32 mine = logs.createLog(salt == bytes32("tenant") ? bytes32("other") : salt, 0);
        assertEq(logs.logAdmin(mine), admin, "admin's next log");
    }

    function testFuzz_grantAnchorer_onlyAdmin(address caller) public {
        VM.assume(caller != admin);
        VM.prank(caller);
        VM.expectRevert(abi.encodeWithSelector(IReceiptLogs.ReceiptLogsUnauthorizedAdmin.selector, logId, caller));
        logs.grantAnchorer(logId, caller);
    }

    function test_grantAnchorer_unknownLogAndZeroAddress() public {
        VM.prank(admin);
        VM.expectRevert(abi.encodeWithSelector(IReceiptLogs.ReceiptLogsUnknownLog.selector, bytes32("nope")));
        logs.grantAnchorer(bytes32("nope"), anchorer);
        VM.prank(admin);
        VM.expectRevert(abi.encodeWithSelector(IReceiptLogs.ReceiptLogsInvalidAnchorer.selector, logId, address(0)));
        logs.grantAnchorer(logId, address(0));
    }

    function test_revokeAnchorer_stopsAnchoringButKeepsBatches() public {
        _anchor(0, bytes32("r0"), 1);
        VM.prank(admin);
        logs.revokeAnchorer(logId, anchorer);
        assertFalse(logs.isAnchorer(logId, anchorer), "revoked");
        VM.prank(anchorer);
        VM.expectRevert(
            abi.encodeWithSelector(IReceiptLogs.ReceiptLogsUnauthorizedAnchorer.selector, logId, anchorer)
        );
        logs.anchor(logId, 1, bytes32("r1"), 1);
        assertEq(logs.batchRoot(logId, 0), bytes32("r0"), "batch stays");
    }

    function test_adminTransfer_isTwoStep() public {
        address next = someAccount(3);
        VM.prank(admin);
        logs.transferLogAdmin(logId, next);
        assertEq(logs.logAdmin(logId), admin, "unchanged until accepted");
        assertEq(logs.pendingLogAdmin(logId), next, "pending");
        VM.prank(anchorer);
        VM.expectRevert(abi.encodeWithSelector(IReceiptLogs.ReceiptLogsNotPendingAdmin.selector, logId, anchorer));
        logs.acceptLogAdmin(logId);
        VM.prank(next);
        logs.acceptLogAdmin(logId);
        assertEq(logs.logAdmin(logId), next, "transferred");
        assertEq(logs.pendingLogAdmin(logId), address(0), "pending cleared");
        VM.prank(admin);
        VM.expectRevert(abi.encodeWithSelector(IReceiptLogs.ReceiptLogsUnauthorizedAdmin.selector, logId, admin));
        logs.grantAnchorer(logId, admin);
    }

    function test_adminTransfer_canBeCancelled() public {
        address next = someAccount(3);
        VM.startPrank(admin);
        logs.transferLogAdmin(logId, next);
        logs.transferLogAdmin(logId, address(0));
        VM.stopPrank();
        VM.prank(next);
        VM.expectRevert(abi.encodeWithSelector(IReceiptLogs.ReceiptLogsNotPendingAdmin.selector, logId, next));
        logs.acceptLogAdmin(logId);
    }

    // ---------------------------------------------------------------- anchoring

    function test_anchor_appendsAndChainsTheHead() public {
        bytes32 genesis = logs.logHead(logId);
        VM.warp(1_700_000_000);
        VM.roll(42);
        bytes32 head = _anchor(0, bytes32("r0"), 10);
        assertEq(head, logs.computeHead(genesis, 0, bytes32("r0"), 10, 1_700_000_000, 42), "head formula");
        assertEq(uint256(head) >> 192, 1, "size in the head's top bits");
        assertEq(logs.logHead(logId), head, "stored head");
        assertEq(logs.logSize(logId), 1, "size");
        assertEq(logs.batchRoot(logId, 0), bytes32("r0"), "root");
        assertEq(logs.batchRoot(logId, 1), bytes32(0), "next root empty");
    }

    function test_anchor_revertsOnUnknownLog() public {
        VM.prank(anchorer);
        VM.expectRevert(abi.encodeWithSelector(IReceiptLogs.ReceiptLogsUnknownLog.selector, bytes32("nope")));
        logs.anchor(bytes32("nope"), 0, bytes32("r0"), 1);
    }

    function test_anchor_revertsOnZeroRootAndZeroCount() public {
        VM.prank(anchorer);
        VM.expectRevert(abi.encodeWithSelector(IReceiptLogs.ReceiptLogsZeroRoot.selector, logId, uint64(0)));
        logs.anchor(logId, 0, bytes32(0), 1);
        VM.prank(anchorer);
        VM.expectRevert(abi.encodeWithSelector(IReceiptLogs.ReceiptLogsZeroLeafCount.selector, logId, uint64(0)));
        logs.anchor(logId, 0, bytes32("r0"), 0);
    }

    function test_anchor_retryRevertsWithUnexpectedIndex() public {
        _anchor(0, bytes32("r0"), 1);
        VM.prank(anchorer);
        VM.expectRevert(
            abi.encodeWithSelector(IReceiptLogs.ReceiptLogsUnexpectedIndex.selector, logId, uint64(0), uint64(1))
        );
        logs.anchor(logId, 0, bytes32("r0"), 1);
        assertEq(logs.logSize(logId), 1, "anchored once");
    }

    function testFuzz_anchor_unauthorizedCallerReverts(address caller) public {
        VM.assume(caller != anchorer);
        VM.prank(caller);
        VM.expectRevert(abi.encodeWithSelector(IReceiptLogs.ReceiptLogsUnauthorizedAnchorer.selector, logId, caller));
        logs.anchor(logId, 0, bytes32("r0"), 1);
    }

    function testFuzz_anchor_wrongIndexReverts(uint8 anchored, uint64 index) public {
        for (uint64 i = 0; i < anchored % 8; ++i) _anchor(i, keccak256(abi.encode(i)), 1);
        uint64 size = anchored % 8;
        VM.assume(index != size);
        bytes32 headBefore = logs.logHead(logId);
        VM.prank(anchorer);
        VM.expectRevert(abi.encodeWithSelector(IReceiptLogs.ReceiptLogsUnexpectedIndex.selector, logId, index, size));
        logs.anchor(logId, index, bytes32("late"), 1);
        assertEq(logs.logHead(logId), headBefore, "head unchanged");
    }

    function testFuzz_anchor_rootsAndCountsAreKeptAndNeverOverwritten(bytes32 seed, uint64 leafCount) public {
        VM.assume(leafCount != 0);
        bytes32 head = logs.logHead(logId);
        for (uint64 i = 0; i < 5; ++i) {
            bytes32 root = keccak256(abi.encode(seed, i));
            VM.warp(1_000 + i);
            bytes32 expected = logs.computeHead(head, i, root, leafCount, uint64(block.timestamp), uint64(block.number));
            head = _anchor(i, root, leafCount);
            assertEq(head, expected, "chained head");
        }
        for (uint64 i = 0; i < 5; ++i) {
            assertEq(logs.batchRoot(logId, i), keccak256(abi.encode(seed, i)), "root kept");
            VM.prank(anchorer);
            VM.expectRevert(
                abi.encodeWithSelector(IReceiptLogs.ReceiptLogsUnexpectedIndex.selector, logId, i, uint64(5))
            );
            logs.anchor(logId, i, bytes32("overwrite"), leafCount);
        }
        assertEq(logs.logSize(logId), 5, "size");
    }

    function testFuzz_head_detectsARewrittenHistory(bytes32 rootA, bytes32 rootB, uint64 countA, uint64 countB)
        public
        view
    {
        VM.assume(rootA != 0 && rootB != 0 && countA != 0 && countB != 0);
        VM.assume(rootA != rootB || countA != countB);
        bytes32 genesis = logs.logHead(logId);
        bytes32 a = logs.computeHead(genesis, 0, rootA, countA, 1, 1);
        bytes32 b = logs.computeHead(genesis, 0, rootB, countB, 1, 1);
        assertTrue(a != b, "different batch, different head");
    }

    function test_anchorMany_severalLogsAndBatches() public {
        VM.prank(admin);
        bytes32 other = logs.createLog(bytes32("other"), 0);
        VM.prank(admin);
        logs.grantAnchorer(other, anchorer);
        IReceiptLogs.AnchorRequest[] memory requests = new IReceiptLogs.AnchorRequest[](3);
        requests[0] = IReceiptLogs.AnchorRequest(logId, 0, bytes32("a0"), 1);
        requests[1] = IReceiptLogs.AnchorRequest(other, 0, bytes32("b0"), 2);
        requests[2] = IReceiptLogs.AnchorRequest(logId, 1, bytes32("a1"), 3);
        VM.prank(anchorer);
        logs.anchorMany(requests);
        assertEq(logs.logSize(logId), 2, "first log");
        assertEq(logs.logSize(other), 1, "second log");
        assertEq(logs.batchRoot(logId, 1), bytes32("a1"), "second batch of the first log");
    }

    function test_anchorMany_isAllOrNothing() public {
        IReceiptLogs.AnchorRequest[] memory requests = new IReceiptLogs.AnchorRequest[](2);
        requests[0] = IReceiptLogs.AnchorRequest(logId, 0, bytes32("a0"), 1);
        requests[1] = IReceiptLogs.AnchorRequest(logId, 0, bytes32("dup"), 1);
        VM.prank(anchorer);
        VM.expectRevert(
            abi.encodeWithSelector(IReceiptLogs.ReceiptLogsUnexpectedIndex.selector, logId, uint64(0), uint64(1))
        );
        logs.anchorMany(requests);
        assertEq(logs.logSize(logId), 0, "nothing anchored");
        VM.prank(anchorer);
        VM.expectRevert(abi.encodeWithSelector(IReceiptLogs.ReceiptLogsEmptyRequest.selector));
        logs.anchorMany(new IReceiptLogs.AnchorRequest[](0));
    }

    // ---------------------------------------------------------------- proofs

    /// @dev A 4-leaf tree in OpenZeppelin's layout; returns root and the proof of leaf `i`.
    function _tree4(bytes32[4] memory leaves, uint256 i) internal pure returns (bytes32 root, bytes32[] memory proof) {
        // Heap layout: leaves at positions 6,5,4,3 (leaf j at 2n-2-j = 6-j); node k = hash(2k+1, 2k+2).
        bytes32 n1 = Hashes.commutativeKeccak256(leaves[3], leaves[2]); // positions 3,4
        bytes32 n2 = Hashes.commutativeKeccak256(leaves[1], leaves[0]); // positions 5,6
        root = Hashes.commutativeKeccak256(n1, n2);
        proof = new bytes32[](2);
        proof[0] = leaves[i ^ 1];
        proof[1] = i < 2 ? n1 : n2;
    }

    function testFuzz_verifyInclusion(bytes32 seed, uint8 which) public {
        bytes32[4] memory leaves;
        for (uint256 j = 0; j < 4; ++j) leaves[j] = keccak256(bytes.concat(keccak256(abi.encode(seed, j))));
        uint256 i = which % 4;
        (bytes32 root, bytes32[] memory proof) = _tree4(leaves, i);
        assertFalse(logs.verifyInclusion(logId, 0, leaves[i], proof), "not anchored yet");
        _anchor(0, root, 4);
        assertTrue(logs.verifyInclusion(logId, 0, leaves[i], proof), "included");
        assertFalse(logs.verifyInclusion(logId, 1, leaves[i], proof), "other batch");
        assertFalse(logs.verifyInclusion(logId, 0, keccak256(abi.encode(seed)), proof), "other leaf");
        proof[0] = bytes32(uint256(proof[0]) ^ 1);
        assertFalse(logs.verifyInclusion(logId, 0, leaves[i], proof), "tampered proof");
    }

    function test_verifyInclusion_zeroLeafOnUnanchoredBatchIsFalse() public view {
        assertFalse(logs.verifyInclusion(logId, 0, bytes32(0), new bytes32[](0)), "empty proof, zero leaf");
    }

    function test_verifyMultiProof() public {
        bytes32[4] memory leaves;
        for (uint256 j = 0; j < 4; ++j) leaves[j] = keccak256(bytes.concat(keccak256(abi.encode(j))));
        (bytes32 root, ) = _tree4(leaves, 0);
        _anchor(0, root, 4);
        // Prove all four leaves: no proof hashes, three merges (leaves in reverse tree order: positions 3..6).
        bytes32[] memory all = new bytes32[](4);
        all[0] = leaves[3];
        all[1] = leaves[2];
        all[2] = leaves[1];
        all[3] = leaves[0];
        bool[] memory flags = new bool[](3);
        flags[0] = true;
        flags[1] = true;
        flags[2] = true;
        assertTrue(MerkleProof.multiProofVerify(new bytes32[](0), flags, root, all), "OpenZeppelin agrees");
        assertTrue(logs.verifyMultiProof(logId, 0, new bytes32[](0), flags, all), "on-chain multiproof");
        all[0] = bytes32("forged");
        assertFalse(logs.verifyMultiProof(logId, 0, new bytes32[](0), flags, all), "forged leaf");
        bytes32[] memory single = new bytes32[](1);
        single[0] = root;
        VM.expectRevert(abi.encodeWithSelector(IReceiptLogs.ReceiptLogsEmptyMultiproof.selector, logId, uint64(0)));
        logs.verifyMultiProof(logId, 0, single, new bool[](0), new bytes32[](0));
    }

    // ---------------------------------------------------------------- max anchor delay history

    function test_maxAnchorDelay_historyAnswersAtAnyTime() public {
        uint64 created = uint64(block.timestamp);
        VM.warp(created + 100);
        VM.prank(admin);
        logs.setMaxAnchorDelay(logId, 60);
        VM.warp(created + 200);
        VM.prank(admin);
        logs.setMaxAnchorDelay(logId, 0);
        VM.prank(admin);
        logs.setMaxAnchorDelay(logId, 7200); // same second: the last one wins
        assertEq(logs.maxAnchorDelay(logId), 7200, "current");
        assertEq(logs.maxAnchorDelayAt(logId, created), 3600, "at creation");
        assertEq(logs.maxAnchorDelayAt(logId, created + 99), 3600, "just before the first change");
        assertEq(logs.maxAnchorDelayAt(logId, created + 100), 60, "at the first change");
        assertEq(logs.maxAnchorDelayAt(logId, created + 199), 60, "between");
        assertEq(logs.maxAnchorDelayAt(logId, created + 200), 7200, "same-second changes");
        assertEq(logs.maxAnchorDelayAt(logId, type(uint64).max), 7200, "far future");
        assertEq(logs.maxAnchorDelayHistoryLength(logId), 4, "history length");
        IReceiptLogs.MaxAnchorDelayChange[] memory page = logs.maxAnchorDelayHistory(logId, 1, 2);
        assertEq(page.length, 2, "page length");
        assertEq(page[0].maxAnchorDelay, 60, "page[0]");
        assertEq(page[1].since, created + 200, "page[1].since");
        assertEq(logs.maxAnchorDelayHistory(logId, 9, 2).length, 0, "past the end");
    }

    function test_maxAnchorDelay_errors() public {
        VM.warp(10_000);
        VM.prank(admin);
        bytes32 late = logs.createLog(bytes32("late"), 5);
        VM.expectRevert(
            abi.encodeWithSelector(IReceiptLogs.ReceiptLogsBeforeLogCreation.selector, late, uint64(9_999), uint64(10_000))
        );
        logs.maxAnchorDelayAt(late, 9_999);
        VM.expectRevert(abi.encodeWithSelector(IReceiptLogs.ReceiptLogsUnknownLog.selector, bytes32("nope")));
        logs.maxAnchorDelayAt(bytes32("nope"), 1);
        VM.prank(anchorer);
        VM.expectRevert(abi.encodeWithSelector(IReceiptLogs.ReceiptLogsUnauthorizedAdmin.selector, logId, anchorer));
        logs.setMaxAnchorDelay(logId, 1);
    }

    function testFuzz_maxAnchorDelayAt_matchesLinearScan(uint32[6] memory delays, uint16[6] memory gaps, uint64 t)
        public
    {
        uint64 now_ = uint64(block.timestamp);
        for (uint256 i = 0; i < 6; ++i) {
            now_ += gaps[i] % 50;
            VM.warp(now_);
            VM.prank(admin);
            logs.setMaxAnchorDelay(logId, delays[i]);
        }
        IReceiptLogs.MaxAnchorDelayChange[] memory history = logs.maxAnchorDelayHistory(logId, 0, 100);
        VM.assume(t >= history[0].since);
        uint32 expected;
        for (uint256 i = 0; i < history.length; ++i) {
            if (history[i].since <= t) expected = history[i].maxAnchorDelay;
        }
        assertEq(logs.maxAnchorDelayAt(logId, t), expected, "binary search == linear scan");
    }
}

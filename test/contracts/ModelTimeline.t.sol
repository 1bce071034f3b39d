// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IModelTimeline} from "../../contracts/interfaces/IModelTimeline.sol";
import {ModelTimeline} from "../../contracts/ModelTimeline.sol";
import {ReceiptLogs} from "../../contracts/ReceiptLogs.sol";
import {TestBase} from "./TestBase.sol";

contract ModelTimelineTest is TestBase {
    ReceiptLogs internal logs;
    ModelTimeline internal timeline;
    bytes32 internal logId;
    address internal admin;
    address internal publisher;
    bytes32 internal constant MODEL = keccak256("showwork-chat");
    bytes32 internal constant V1 = keccak256("weights-v1");
    bytes32 internal constant V2 = keccak256("weights-v2");
    bytes32 internal constant V3 = keccak256("weights-v3");

    function setUp() public {
        logs = new ReceiptLogs();
        timeline = new ModelTimeline(logs);
        admin = someAccount(1);
        publisher = someAccount(2);
        VM.prank(admin);
        logId = logs.createLog(bytes32("tenant"), 0);
        VM.warp(1_000);
        VM.startPrank(admin);
        timeline.registerModel(logId, MODEL, "showwork-chat");
        timeline.publishVersion(logId, MODEL, V1, "ipfs://v1");
        timeline.publishVersion(logId, MODEL, V2, "ipfs://v2");
        timeline.publishVersion(logId, MODEL, V3, "ipfs://v3");
        VM.stopPrank();
    }

    function test_registerModel_checksNameAndDuplicates() public {
        assertEq(address(timeline.receiptLogs()), address(logs), "receipt logs");
        IModelTimeline.ModelRecord memory info = timeline.modelInfo(logId, MODEL);
        assertTrue(info.registered, "registered");
        assertEq(info.versionCount, 3, "versions");
        assertEq(timeline.modelCount(logId), 1, "model count");
        VM.startPrank(admin);
        VM.expectRevert(
            abi.encodeWithSelector(IModelTimeline.ModelTimelineModelAlreadyRegistered.selector, logId, MODEL)
        );
        timeline.registerModel(logId, MODEL, "");
        VM.expectRevert(
            abi.encodeWithSelector(IModelTimeline.ModelTimelineModelNameMismatch.selector, keccak256("x"), "y")
        );
        timeline.registerModel(logId, keccak256("x"), "y");
        VM.expectRevert(abi.encodeWithSelector(IModelTimeline.ModelTimelineZeroModelId.selector, logId));
        timeline.registerModel(logId, bytes32(0), "");
        timeline.registerModel(logId, keccak256("private"), ""); // id only
        VM.stopPrank();
        bytes32[] memory ids = timeline.models(logId, 0, 10);
        assertEq(ids.length, 2, "models page");
        assertEq(ids[1], keccak256("private"), "registration order");
    }

    function test_publishVersion_errors() public {
        VM.startPrank(admin);
        VM.expectRevert(
            abi.encodeWithSelector(
                IModelTimeline.ModelTimelineVersionAlreadyPublished.selector, logId, MODEL, V2, uint32(2)
            )
        );
        timeline.publishVersion(logId, MODEL, V2, "again");
        VM.expectRevert(abi.encodeWithSelector(IModelTimeline.ModelTimelineZeroWeightsDigest.selector, logId, MODEL));
        timeline.publishVersion(logId, MODEL, bytes32(0), "");
        VM.expectRevert(
            abi.encodeWithSelector(IModelTimeline.ModelTimelineUnknownModel.selector, logId, keccak256("nope"))
        );
        timeline.publishVersion(logId, keccak256("nope"), V1, "");
        VM.stopPrank();
        IModelTimeline.VersionRecord memory v2 = timeline.versionInfo(logId, MODEL, V2);
        assertEq(v2.version, 2, "version number");
        assertEq(v2.publishedAt, 1_000, "published at");
        assertEq(timeline.versionInfo(logId, MODEL, keccak256("nope")).version, 0, "unknown version");
    }

    function test_deployRollbackDeactivate_andActiveVersionAt() public {
        VM.startPrank(admin);
        VM.warp(2_000);
        timeline.deployVersion(logId, MODEL, V1);
        VM.warp(3_000);
        timeline.deployVersion(logId, MODEL, V3);
        VM.warp(4_000);
        timeline.rollbackTo(logId, MODEL, V2, "v3 hallucinates prices");
        VM.warp(5_000);
        timeline.deactivateModel(logId, MODEL, "incident 42");
        VM.warp(6_000);
        timeline.rollbackTo(logId, MODEL, V1, "v1 back after the incident");
        VM.stopPrank();

        assertEq(timeline.activeVersionAt(logId, MODEL, 1_999), bytes32(0), "before the first deployment");
        assertEq(timeline.activeVersionAt(logId, MODEL, 2_000), V1, "at the deployment second");
        assertEq(timeline.activeVersionAt(logId, MODEL, 2_999), V1, "v1");
        assertEq(timeline.activeVersionAt(logId, MODEL, 3_500), V3, "v3");
        assertEq(timeline.activeVersionAt(logId, MODEL, 4_000), V2, "rolled back");
        assertEq(timeline.activeVersionAt(logId, MODEL, 5_000), bytes32(0), "deactivated");
        assertEq(timeline.activeVersionAt(logId, MODEL, 7_000), V1, "back by a rollback");
        assertEq(timeline.activeVersion(logId, MODEL), V1, "current");
        (bool found, uint256 index) = timeline.activationIndexAt(logId, MODEL, 4_500);
        assertTrue(found, "found");
        assertEq(index, 2, "rollback entry");

        IModelTimeline.ActivationRecord[] memory page = timeline.activations(logId, MODEL, 1, 3);
        assertEq(page.length, 3, "page length");
        assertEq(page[0].weightsDigest, V3, "deployment of v3");
        assertTrue(page[1].kind == IModelTimeline.ActivationKind.Rollback, "rollback kind");
        assertEq(keccak256(bytes(page[1].reason)), keccak256("v3 hallucinates prices"), "reason kept");
        assertTrue(page[2].kind == IModelTimeline.ActivationKind.Deactivation, "deactivation kind");
        assertEq(page[2].version, 0, "no version");
        assertEq(timeline.activations(logId, MODEL, 5, 3).length, 0, "past the end");
        assertEq(timeline.versions(logId, MODEL, 1, 10).length, 2, "versions page");
    }

    function test_activationRules() public {
        VM.startPrank(admin);
        VM.expectRevert(
            abi.encodeWithSelector(
                IModelTimeline.ModelTimelineVersionNeverLive.selector, logId, MODEL, uint32(1), uint32(0)
            )
        );
        timeline.rollbackTo(logId, MODEL, V1, "nothing to roll back");
        VM.expectRevert(abi.encodeWithSelector(IModelTimeline.ModelTimelineNoActiveVersion.selector, logId, MODEL));
        timeline.deactivateModel(logId, MODEL, "nothing active");
        timeline.deployVersion(logId, MODEL, V2);
        VM.expectRevert(
            abi.encodeWithSelector(
                IModelTimeline.ModelTimelineNotNewerVersion.selector, logId, MODEL, uint32(1), uint32(2)
            )
        );
        timeline.deployVersion(logId, MODEL, V1);
        VM.expectRevert(
            abi.encodeWithSelector(
                IModelTimeline.ModelTimelineNotNewerVersion.selector, logId, MODEL, uint32(2), uint32(2)
            )
        );
        timeline.deployVersion(logId, MODEL, V2);
        VM.expectRevert(abi.encodeWithSelector(IModelTimeline.ModelTimelineEmptyReason.selector, logId, MODEL));
        timeline.rollbackTo(logId, MODEL, V1, "");
        VM.expectRevert(
            abi.encodeWithSelector(IModelTimeline.ModelTimelineUnknownVersion.selector, logId, MODEL, keccak256("x"))
        );
        timeline.deployVersion(logId, MODEL, keccak256("x"));
        VM.stopPrank();
    }

    function test_afterDeactivation_aVersionThatWasLiveReturnsOnlyAsARollback() public {
        VM.startPrank(admin);
        VM.warp(2_000);
        timeline.deployVersion(logId, MODEL, V1);
        VM.warp(3_000);
        timeline.deployVersion(logId, MODEL, V2);
        VM.warp(4_000);
        timeline.deactivateModel(logId, MODEL, "incident");
        // Disguising the return of v1 or v2 as a deployment is refused.
        VM.expectRevert(
            abi.encodeWithSelector(
                IModelTimeline.ModelTimelineVersionWasLive.selector, logId, MODEL, uint32(1), uint32(2)
            )
        );
        timeline.deployVersion(logId, MODEL, V1);
        VM.expectRevert(
            abi.encodeWithSelector(
                IModelTimeline.ModelTimelineVersionWasLive.selector, logId, MODEL, uint32(2), uint32(2)
            )
        );
        timeline.deployVersion(logId, MODEL, V2);
        // A version never live cannot pose as a rollback.
        VM.expectRevert(
            abi.encodeWithSelector(
                IModelTimeline.ModelTimelineVersionNeverLive.selector, logId, MODEL, uint32(3), uint32(2)
            )
        );
        timeline.rollbackTo(logId, MODEL, V3, "not a rollback");
        VM.expectRevert(abi.encodeWithSelector(IModelTimeline.ModelTimelineEmptyReason.selector, logId, MODEL));
        timeline.rollbackTo(logId, MODEL, V2, "");
        // The honest label works: v2 (the last live one) comes back as a rollback with its reason.
        VM.warp(5_000);
        uint256 index = timeline.rollbackTo(logId, MODEL, V2, "incident resolved");
        IModelTimeline.ActivationRecord[] memory entry = timeline.activations(logId, MODEL, index, 1);
        assertTrue(entry[0].kind == IModelTimeline.ActivationKind.Rollback, "labelled a rollback");
        assertEq(keccak256(bytes(entry[0].reason)), keccak256("incident resolved"), "reason kept");
        // Newer versions still deploy normally after a deactivation.
        VM.warp(6_000);
        timeline.deactivateModel(logId, MODEL, "again");
        timeline.deployVersion(logId, MODEL, V3);
        VM.stopPrank();
        assertEq(timeline.activeVersion(logId, MODEL), V3, "v3 deployed");
    }

    /// @dev Issue #22 item 10: after a deactivation, a version that never served cannot come back "by rollback",
    /// even when it is numbered below the highest version that was live.
    function test_rollbackTo_onlyAVersionThatWasLive() public {
        VM.startPrank(admin);
        VM.warp(2_000);
        timeline.deployVersion(logId, MODEL, V1);
        VM.warp(3_000);
        timeline.deployVersion(logId, MODEL, V3); // v2 is skipped: it never serves
        assertTrue(timeline.wasLive(logId, MODEL, V1), "v1 was live");
        assertFalse(timeline.wasLive(logId, MODEL, V2), "v2 never served");
        assertTrue(timeline.wasLive(logId, MODEL, V3), "v3 is live");
        assertFalse(timeline.wasLive(logId, MODEL, keccak256("unpublished")), "unknown version");
        VM.warp(4_000);
        timeline.deactivateModel(logId, MODEL, "incident");
        VM.expectRevert(
            abi.encodeWithSelector(
                IModelTimeline.ModelTimelineVersionNeverLive.selector, logId, MODEL, uint32(2), uint32(3)
            )
        );
        timeline.rollbackTo(logId, MODEL, V2, "v2 never served");
        // v1 did serve: it comes back as a rollback.
        VM.warp(5_000);
        timeline.rollbackTo(logId, MODEL, V1, "incident resolved");
        assertEq(timeline.activeVersion(logId, MODEL), V1, "v1 back");
        VM.stopPrank();
    }

    /// @dev After a deactivation, a version that never served is a deployment, not a rollback.
    function test_afterDeactivation_aVersionThatNeverServedIsADeployment() public {
        VM.startPrank(admin);
        timeline.deployVersion(logId, MODEL, V1);
        timeline.deployVersion(logId, MODEL, V3);
        timeline.deactivateModel(logId, MODEL, "incident");
        uint256 index = timeline.deployVersion(logId, MODEL, V2);
        VM.stopPrank();
        IModelTimeline.ActivationRecord[] memory entry = timeline.activations(logId, MODEL, index, 1);
        assertTrue(entry[0].kind == IModelTimeline.ActivationKind.Deployment, "labelled a deployment");
        assertTrue(timeline.wasLive(logId, MODEL, V2), "v2 now live");
    }

    /// @dev Random activation sequences: rollbackTo succeeds exactly for an earlier version than the active one, or,
    /// when deactivated, for a version that was live; wasLive matches a reference model.
    function testFuzz_rollbackTo_matchesTheWasLiveModel(uint8[10] memory ops) public {
        bool[4] memory live;
        uint32 active;
        bytes32[4] memory digest = [bytes32(0), V1, V2, V3];
        VM.startPrank(admin);
        for (uint256 i = 0; i < ops.length; ++i) {
            uint32 version = uint32(ops[i] % 3) + 1;
            uint8 action = (ops[i] / 3) % 3;
            VM.warp(2_000 + i);
            if (action == 0) {
                bool ok = version > active && !(active == 0 && live[version]);
                if (!ok) VM.expectRevert();
                timeline.deployVersion(logId, MODEL, digest[version]);
                if (ok) {
                    active = version;
                    live[version] = true;
                }
            } else if (action == 1) {
                bool ok = active == 0 ? live[version] : version < active;
                if (!ok) VM.expectRevert();
                timeline.rollbackTo(logId, MODEL, digest[version], "fuzz");
                if (ok) {
                    active = version;
                    live[version] = true;
                }
            } else {
                if (active == 0) VM.expectRevert();
                timeline.deactivateModel(logId, MODEL, "fuzz");
                active = 0;
            }
        }
        VM.stopPrank();
        for (uint32 v = 1; v <= 3; ++v) {
            assertTrue(timeline.wasLive(logId, MODEL, digest[v]) == live[v], "wasLive matches the model");
        }
        assertEq(timeline.activeVersion(logId, MODEL), digest[active], "active version matches the model");
    }

    function testFuzz_onlyAdminOrPublishers(address caller) public {
        VM.assume(caller != admin && caller != publisher);
        VM.prank(caller);
        VM.expectRevert(
            abi.encodeWithSelector(IModelTimeline.ModelTimelineUnauthorizedPublisher.selector, logId, caller)
        );
        timeline.deployVersion(logId, MODEL, V1);
        VM.prank(caller);
        VM.expectRevert(abi.encodeWithSelector(IModelTimeline.ModelTimelineUnauthorizedAdmin.selector, logId, caller));
        timeline.grantTimelinePublisher(logId, caller);
        assertFalse(timeline.canPublish(logId, caller), "cannot publish");
    }

    function test_publisherRole() public {
        VM.prank(admin);
        timeline.grantTimelinePublisher(logId, publisher);
        assertTrue(timeline.isTimelinePublisher(logId, publisher), "granted");
        assertTrue(timeline.canPublish(logId, admin), "admin can publish");
        VM.prank(publisher);
        timeline.deployVersion(logId, MODEL, V1);
        VM.prank(publisher);
        VM.expectRevert(
            abi.encodeWithSelector(IModelTimeline.ModelTimelineUnauthorizedAdmin.selector, logId, publisher)
        );
        timeline.grantTimelinePublisher(logId, someAccount(9));
        VM.prank(admin);
        timeline.revokeTimelinePublisher(logId, publisher);
        VM.prank(publisher);
        VM.expectRevert(
            abi.encodeWithSelector(IModelTimeline.ModelTimelineUnauthorizedPublisher.selector, logId, publisher)
        );
        timeline.deployVersion(logId, MODEL, V2);
        VM.prank(admin);
        VM.expectRevert(abi.encodeWithSelector(IModelTimeline.ModelTimelineUnknownLog.selector, bytes32("nope")));
        timeline.registerModel(bytes32("nope"), MODEL, "");
    }

    function test_newLogAdminTakesOver() public {
        address next = someAccount(3);
        VM.prank(admin);
        logs.transferLogAdmin(logId, next);
        VM.prank(next);
        logs.acceptLogAdmin(logId);
        VM.prank(next);
        timeline.deployVersion(logId, MODEL, V1);
        VM.prank(admin);
        VM.expectRevert(
            abi.encodeWithSelector(IModelTimeline.ModelTimelineUnauthorizedPublisher.selector, logId, admin)
        );
        timeline.deployVersion(logId, MODEL, V2);
    }

    function testFuzz_activeVersionAt_matchesLinearScan(uint8[8] memory steps, uint16[8] memory gaps, uint64 t)
        public
    {
        uint64 now_ = 1_000;
        uint32 highest = 0;
        VM.startPrank(admin);
        for (uint256 i = 0; i < 8; ++i) {
            now_ += gaps[i] % 100;
            VM.warp(now_);
            uint32 active = timeline.modelInfo(logId, MODEL).activeVersion;
            uint256 step = steps[i] % 3;
            if (active == 0) {
                // Deactivated (or never active): newer versions deploy, earlier ones return only as rollbacks.
                if (highest < 3 && (step == 0 || highest == 0)) {
                    timeline.deployVersion(logId, MODEL, _digest(highest + 1));
                } else {
                    uint32 back = highest > 1 ? highest - uint32(step % 2) : highest;
                    timeline.rollbackTo(logId, MODEL, _digest(back), "fuzz");
                }
            } else if (step == 0 && active < 3) timeline.deployVersion(logId, MODEL, _digest(active + 1));
            else if (step == 1 && active > 1) timeline.rollbackTo(logId, MODEL, _digest(active - 1), "fuzz");
            else timeline.deactivateModel(logId, MODEL, "fuzz");
            uint32 nowActive = timeline.modelInfo(logId, MODEL).activeVersion;
            if (nowActive > highest) highest = nowActive;
        }
        VM.stopPrank();
        IModelTimeline.ActivationRecord[] memory all = timeline.activations(logId, MODEL, 0, 100);
        bytes32 expected;
        for (uint256 i = 0; i < all.length; ++i) {
            if (all[i].activatedAt <= t) expected = all[i].weightsDigest;
        }
        assertEq(timeline.activeVersionAt(logId, MODEL, t), expected, "binary search == linear scan");
    }

    function _digest(uint32 version) private pure returns (bytes32) {
        return version == 1 ? V1 : version == 2 ? V2 : V3;
    }
}

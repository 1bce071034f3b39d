// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IModelTimeline} from "./interfaces/IModelTimeline.sol";
import {IReceiptLogs} from "./interfaces/IReceiptLogs.sol";

/**
 * @title ModelTimeline
 * @notice Append-only model-version timelines per ReceiptLogs log: which version of which model was active when.
 * A deployment activates a newer version, a rollback re-activates an earlier one (with a reason), a deactivation
 * leaves no version active. {activeVersionAt} answers "which version was active at time T" by binary search.
 * @dev Authorization: the admin of a log in the (immutable) ReceiptLogs contract edits that log's timelines, and
 * may grant the publisher role to other accounts (e.g. a deployment pipeline) so the admin key can stay cold.
 * Publishers cannot grant further. Nothing recorded can be changed or removed; a new admin (two-step transfer in
 * ReceiptLogs) takes over immediately.
 * Storage: each timeline entry is one packed slot (time, version, kind) so the binary search reads one slot per
 * step; weights digests live once per version, rollback reasons in a side mapping.
 */
contract ModelTimeline is IModelTimeline {
    /// @dev One timeline entry, one slot.
    struct Activation {
        uint64 activatedAt;
        uint32 version;
        ActivationKind kind;
    }

    struct Version {
        bytes32 weightsDigest;
        uint64 publishedAt;
        string metadataURI;
    }

    struct Model {
        uint64 registeredAt;
        uint32 versionCount;
        uint32 activeVersion;
        // The highest version ever active (same slot). Which versions were live is kept per version in `_wasLive`
        // (a version below this one may have been skipped).
        uint32 highestActivated;
        string name;
        mapping(uint32 version => Version) versions;
        mapping(bytes32 weightsDigest => uint32 version) versionOf;
        Activation[] timeline;
        mapping(uint256 activationIndex => string reason) reasons;
    }

    IReceiptLogs private immutable _receiptLogs;

    mapping(bytes32 logId => mapping(bytes32 modelId => Model)) private _models;
    mapping(bytes32 logId => bytes32[] modelIds) private _modelIds;
    mapping(bytes32 logId => mapping(address account => bool granted)) private _publishers;

    // Appended state (never reorder or retype the variables above: off-chain proofs read their slots).

    /// @dev Versions that have been the active one at some point: only those can come back by {rollbackTo}.
    mapping(bytes32 logId => mapping(bytes32 modelId => mapping(uint32 version => bool live))) private _wasLive;

    /**
     * @notice Binds the contract, for good, to the ReceiptLogs deployment it reads.
     * @param receiptLogs_ the ReceiptLogs contract whose log admins govern the timelines
     */
    constructor(IReceiptLogs receiptLogs_) {
        _receiptLogs = receiptLogs_;
    }

    // ---------------------------------------------------------------- publishers

    /// @inheritdoc IModelTimeline
    function grantTimelinePublisher(bytes32 logId, address account) external {
        _checkAdmin(logId);
        if (account == address(0)) revert ModelTimelineInvalidPublisher(logId, account);
        if (!_publishers[logId][account]) {
            _publishers[logId][account] = true;
            emit TimelinePublisherGranted(logId, account, msg.sender);
        }
    }

    /// @inheritdoc IModelTimeline
    function revokeTimelinePublisher(bytes32 logId, address account) external {
        _checkAdmin(logId);
        if (_publishers[logId][account]) {
            _publishers[logId][account] = false;
            emit TimelinePublisherRevoked(logId, account, msg.sender);
        }
    }

    // ---------------------------------------------------------------- writes

    /// @inheritdoc IModelTimeline
    function registerModel(bytes32 logId, bytes32 modelId, string calldata name) external {
        _checkPublisher(logId);
        if (modelId == 0) revert ModelTimelineZeroModelId(logId);
        if (bytes(name).length != 0 && keccak256(bytes(name)) != modelId) {
            revert ModelTimelineModelNameMismatch(modelId, name);
        }
        Model storage model = _models[logId][modelId];
        if (model.registeredAt != 0) revert ModelTimelineModelAlreadyRegistered(logId, modelId);
        model.registeredAt = uint64(block.timestamp);
        model.name = name;
        _modelIds[logId].push(modelId);
        emit ModelRegistered(logId, modelId, name, msg.sender);
    }

    /// @inheritdoc IModelTimeline
    function publishVersion(bytes32 logId, bytes32 modelId, bytes32 weightsDigest, string calldata metadataURI)
        external
        returns (uint32 version)
    {
        _checkPublisher(logId);
        Model storage model = _registeredModel(logId, modelId);
        if (weightsDigest == 0) revert ModelTimelineZeroWeightsDigest(logId, modelId);
        uint32 existing = model.versionOf[weightsDigest];
        if (existing != 0) revert ModelTimelineVersionAlreadyPublished(logId, modelId, weightsDigest, existing);
        version = model.versionCount + 1;
        model.versionCount = version;
        model.versionOf[weightsDigest] = version;
        Version storage record = model.versions[version];
        record.weightsDigest = weightsDigest;
        record.publishedAt = uint64(block.timestamp);
        record.metadataURI = metadataURI;
        emit VersionPublished(logId, modelId, weightsDigest, version, metadataURI, msg.sender);
    }

    /// @inheritdoc IModelTimeline
    function deployVersion(bytes32 logId, bytes32 modelId, bytes32 weightsDigest)
        external
        returns (uint256 activationIndex)
    {
        _checkPublisher(logId);
        Model storage model = _registeredModel(logId, modelId);
        uint32 version = _publishedVersion(model, logId, modelId, weightsDigest);
        uint32 previous = model.activeVersion;
        if (version <= previous) revert ModelTimelineNotNewerVersion(logId, modelId, version, previous);
        // After a deactivation (previous == 0), a version that was live before is not a deployment.
        if (previous == 0 && _wasLive[logId][modelId][version]) {
            revert ModelTimelineVersionWasLive(logId, modelId, version, model.highestActivated);
        }
        activationIndex = _activate(model, version, ActivationKind.Deployment);
        _wasLive[logId][modelId][version] = true;
        emit VersionDeployed(logId, modelId, weightsDigest, version, previous, activationIndex, msg.sender);
    }

    /// @inheritdoc IModelTimeline
    function rollbackTo(bytes32 logId, bytes32 modelId, bytes32 weightsDigest, string calldata reason)
        external
        returns (uint256 activationIndex)
    {
        _checkPublisher(logId);
        Model storage model = _registeredModel(logId, modelId);
        uint32 version = _publishedVersion(model, logId, modelId, weightsDigest);
        uint32 previous = model.activeVersion;
        if (previous != 0) {
            if (version >= previous) revert ModelTimelineNotEarlierVersion(logId, modelId, version, previous);
        } else if (!_wasLive[logId][modelId][version]) {
            // Deactivated: only a version that served before may come back; one that never did (skipped by a
            // deployment, even if numbered below the highest) goes live by {deployVersion}.
            revert ModelTimelineVersionNeverLive(logId, modelId, version, model.highestActivated);
        }
        if (bytes(reason).length == 0) revert ModelTimelineEmptyReason(logId, modelId);
        activationIndex = _activate(model, version, ActivationKind.Rollback);
        _wasLive[logId][modelId][version] = true;
        model.reasons[activationIndex] = reason;
        emit VersionRolledBack(logId, modelId, weightsDigest, version, previous, activationIndex, reason, msg.sender);
    }

    /// @inheritdoc IModelTimeline
    function deactivateModel(bytes32 logId, bytes32 modelId, string calldata reason)
        external
        returns (uint256 activationIndex)
    {
        _checkPublisher(logId);
        Model storage model = _registeredModel(logId, modelId);
        uint32 previous = model.activeVersion;
        if (previous == 0) revert ModelTimelineNoActiveVersion(logId, modelId);
        if (bytes(reason).length == 0) revert ModelTimelineEmptyReason(logId, modelId);
        activationIndex = _activate(model, 0, ActivationKind.Deactivation);
        model.reasons[activationIndex] = reason;
        emit ModelDeactivated(logId, modelId, previous, activationIndex, reason, msg.sender);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IModelTimeline
    function receiptLogs() external view returns (address logs) {
        return address(_receiptLogs);
    }

    /// @inheritdoc IModelTimeline
    function canPublish(bytes32 logId, address account) public view returns (bool allowed) {
        if (_publishers[logId][account]) return true;
        address admin = _receiptLogs.logAdmin(logId);
        return admin != address(0) && admin == account;
    }

    /// @inheritdoc IModelTimeline
    function isTimelinePublisher(bytes32 logId, address account) external view returns (bool granted) {
        return _publishers[logId][account];
    }

    /// @inheritdoc IModelTimeline
    function activeVersionAt(bytes32 logId, bytes32 modelId, uint64 timestamp)
        external
        view
        returns (bytes32 weightsDigest)
    {
        Model storage model = _models[logId][modelId];
        (bool found, uint256 index) = _search(model.timeline, timestamp);
        if (!found) return 0;
        return model.versions[model.timeline[index].version].weightsDigest;
    }

    /// @inheritdoc IModelTimeline
    function activationIndexAt(bytes32 logId, bytes32 modelId, uint64 timestamp)
        external
        view
        returns (bool found, uint256 activationIndex)
    {
        return _search(_models[logId][modelId].timeline, timestamp);
    }

    /// @inheritdoc IModelTimeline
    function wasLive(bytes32 logId, bytes32 modelId, bytes32 weightsDigest) external view returns (bool live) {
        uint32 version = _models[logId][modelId].versionOf[weightsDigest];
        return version != 0 && _wasLive[logId][modelId][version];
    }

    /// @inheritdoc IModelTimeline
    function activeVersion(bytes32 logId, bytes32 modelId) external view returns (bytes32 weightsDigest) {
        Model storage model = _models[logId][modelId];
        return model.versions[model.activeVersion].weightsDigest;
    }

    /// @inheritdoc IModelTimeline
    function modelInfo(bytes32 logId, bytes32 modelId) external view returns (ModelRecord memory model) {
        Model storage stored = _models[logId][modelId];
        return ModelRecord({
            registered: stored.registeredAt != 0,
            registeredAt: stored.registeredAt,
            name: stored.name,
            versionCount: stored.versionCount,
            activationCount: stored.timeline.length,
            activeVersion: stored.activeVersion
        });
    }

    /// @inheritdoc IModelTimeline
    function modelCount(bytes32 logId) external view returns (uint256 count) {
        return _modelIds[logId].length;
    }

    /// @inheritdoc IModelTimeline
    function models(bytes32 logId, uint256 start, uint256 limit) external view returns (bytes32[] memory modelIds) {
        bytes32[] storage all = _modelIds[logId];
        uint256 end = _pageEnd(start, limit, all.length);
        modelIds = new bytes32[](end - start);
        for (uint256 i = start; i < end; ++i) {
            modelIds[i - start] = all[i];
        }
    }

    /// @inheritdoc IModelTimeline
    function versionInfo(bytes32 logId, bytes32 modelId, bytes32 weightsDigest)
        external
        view
        returns (VersionRecord memory version)
    {
        Model storage model = _models[logId][modelId];
        uint32 number = model.versionOf[weightsDigest];
        if (number != 0) version = _versionRecord(model, number);
    }

    /// @inheritdoc IModelTimeline
    function versions(bytes32 logId, bytes32 modelId, uint256 start, uint256 limit)
        external
        view
        returns (VersionRecord[] memory records)
    {
        Model storage model = _models[logId][modelId];
        uint256 end = _pageEnd(start, limit, model.versionCount);
        records = new VersionRecord[](end - start);
        for (uint256 i = start; i < end; ++i) {
            records[i - start] = _versionRecord(model, uint32(i + 1));
        }
    }

    /// @inheritdoc IModelTimeline
    function activations(bytes32 logId, bytes32 modelId, uint256 start, uint256 limit)
        external
        view
        returns (ActivationRecord[] memory records)
    {
        Model storage model = _models[logId][modelId];
        uint256 end = _pageEnd(start, limit, model.timeline.length);
        records = new ActivationRecord[](end - start);
        for (uint256 i = start; i < end; ++i) {
            Activation memory entry = model.timeline[i];
            records[i - start] = ActivationRecord({
                activatedAt: entry.activatedAt,
                version: entry.version,
                weightsDigest: model.versions[entry.version].weightsDigest,
                kind: entry.kind,
                reason: model.reasons[i]
            });
        }
    }

    // ---------------------------------------------------------------- internals

    function _activate(Model storage model, uint32 version, ActivationKind kind) private returns (uint256 index) {
        index = model.timeline.length;
        model.timeline.push(Activation({activatedAt: uint64(block.timestamp), version: version, kind: kind}));
        model.activeVersion = version;
        if (version > model.highestActivated) model.highestActivated = version;
    }

    /// @dev The last entry with activatedAt <= timestamp (entries are in non-decreasing time order).
    function _search(Activation[] storage timeline, uint64 timestamp)
        private
        view
        returns (bool found, uint256 index)
    {
        uint256 low = 0;
        uint256 high = timeline.length;
        // Upper bound: the first entry activated after `timestamp`.
        while (low < high) {
            uint256 mid = (low + high) / 2;
            if (timeline[mid].activatedAt > timestamp) high = mid;
            else low = mid + 1;
        }
        if (low == 0) return (false, 0);
        return (true, low - 1);
    }

    function _versionRecord(Model storage model, uint32 number) private view returns (VersionRecord memory) {
        Version storage stored = model.versions[number];
        return VersionRecord({
            version: number,
            weightsDigest: stored.weightsDigest,
            publishedAt: stored.publishedAt,
            metadataURI: stored.metadataURI
        });
    }

    function _registeredModel(bytes32 logId, bytes32 modelId) private view returns (Model storage model) {
        model = _models[logId][modelId];
        if (model.registeredAt == 0) revert ModelTimelineUnknownModel(logId, modelId);
    }

    function _publishedVersion(Model storage model, bytes32 logId, bytes32 modelId, bytes32 weightsDigest)
        private
        view
        returns (uint32 version)
    {
        version = model.versionOf[weightsDigest];
        if (version == 0) revert ModelTimelineUnknownVersion(logId, modelId, weightsDigest);
    }

    function _checkAdmin(bytes32 logId) private view {
        address admin = _receiptLogs.logAdmin(logId);
        if (admin == address(0)) revert ModelTimelineUnknownLog(logId);
        if (admin != msg.sender) revert ModelTimelineUnauthorizedAdmin(logId, msg.sender);
    }

    function _checkPublisher(bytes32 logId) private view {
        if (_publishers[logId][msg.sender]) return;
        address admin = _receiptLogs.logAdmin(logId);
        if (admin == address(0)) revert ModelTimelineUnknownLog(logId);
        if (admin != msg.sender) revert ModelTimelineUnauthorizedPublisher(logId, msg.sender);
    }

    function _pageEnd(uint256 start, uint256 limit, uint256 length) private pure returns (uint256) {
        if (start >= length) return start;
        return length - start < limit ? length : start + limit;
    }
}

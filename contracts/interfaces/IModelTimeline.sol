// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/**
 * @title IModelTimeline
 * @notice Per-log, append-only model-version timelines: models, their published versions (weights digest +
 * metadata URI) and the activations (deployments, rollbacks, deactivations) that say which version served when.
 * @dev Implemented by {ModelTimeline}. A model is identified by modelId = keccak256(utf8 name) and a version by
 * its weights digest, as in receipts (see {ReceiptHashing}). Version numbers are 1-based, in publication order;
 * version 0 means "no version".
 */
interface IModelTimeline {
    /// @notice What an activation did.
    enum ActivationKind {
        Deployment, // a newer version than the active one went live
        Rollback, // an earlier version than the active one went live again, with a reason
        Deactivation // no version is active from then on, with a reason
    }

    /**
     * @notice A published version of a model.
     * @param version the version number (1-based, publication order; 0 in a "not found" answer)
     * @param weightsDigest the digest of the weights: the version's identity in receipts
     * @param publishedAt the block timestamp of publication
     * @param metadataURI where the version is described (model card, config, ...)
     */
    struct VersionRecord {
        uint32 version;
        bytes32 weightsDigest;
        uint64 publishedAt;
        string metadataURI;
    }

    /**
     * @notice One entry of a model's timeline.
     * @param activatedAt the block timestamp from which `version` is the active one
     * @param version the active version from then on (0 for a deactivation)
     * @param weightsDigest the weights digest of `version` (zero for a deactivation)
     * @param kind deployment, rollback or deactivation
     * @param reason why (rollbacks and deactivations; empty for deployments)
     */
    struct ActivationRecord {
        uint64 activatedAt;
        uint32 version;
        bytes32 weightsDigest;
        ActivationKind kind;
        string reason;
    }

    /**
     * @notice Summary of a model in a log.
     * @param registered whether the model is registered
     * @param registeredAt the block timestamp of registration
     * @param name the model's name (may be empty: registered by id only)
     * @param versionCount the number of published versions
     * @param activationCount the number of timeline entries
     * @param activeVersion the currently active version (0 if none)
     */
    struct ModelRecord {
        bool registered;
        uint64 registeredAt;
        string name;
        uint32 versionCount;
        uint256 activationCount;
        uint32 activeVersion;
    }

    // ---------------------------------------------------------------- events

    /// @notice `modelId` (named `name`, possibly empty) was registered in `logId` by `account`.
    event ModelRegistered(bytes32 indexed logId, bytes32 indexed modelId, string name, address indexed account);

    /// @notice Version `version` (`weightsDigest`) of `modelId` was published in `logId`.
    event VersionPublished(
        bytes32 indexed logId,
        bytes32 indexed modelId,
        bytes32 indexed weightsDigest,
        uint32 version,
        string metadataURI,
        address account
    );

    /// @notice `weightsDigest` (version `version`) became the active version of `modelId`, replacing
    /// `previousVersion` (0 if none), at timeline entry `activationIndex`.
    event VersionDeployed(
        bytes32 indexed logId,
        bytes32 indexed modelId,
        bytes32 indexed weightsDigest,
        uint32 version,
        uint32 previousVersion,
        uint256 activationIndex,
        address account
    );

    /// @notice `modelId` was rolled back from `previousVersion` to the earlier `version` (`weightsDigest`).
    event VersionRolledBack(
        bytes32 indexed logId,
        bytes32 indexed modelId,
        bytes32 indexed weightsDigest,
        uint32 version,
        uint32 previousVersion,
        uint256 activationIndex,
        string reason,
        address account
    );

    /// @notice `modelId` has no active version any more (was `previousVersion`).
    event ModelDeactivated(
        bytes32 indexed logId,
        bytes32 indexed modelId,
        uint32 previousVersion,
        uint256 activationIndex,
        string reason,
        address indexed account
    );

    /// @notice The admin of `logId` allowed `account` to edit the log's timelines.
    event TimelinePublisherGranted(bytes32 indexed logId, address indexed account, address indexed admin);

    /// @notice The admin of `logId` withdrew `account`'s right to edit the log's timelines.
    event TimelinePublisherRevoked(bytes32 indexed logId, address indexed account, address indexed admin);

    // ---------------------------------------------------------------- errors

    /// @notice `logId` does not exist in the ReceiptLogs contract.
    error ModelTimelineUnknownLog(bytes32 logId);

    /// @notice `account` is neither the admin of `logId` nor one of its timeline publishers.
    error ModelTimelineUnauthorizedPublisher(bytes32 logId, address account);

    /// @notice `account` is not the admin of `logId`.
    error ModelTimelineUnauthorizedAdmin(bytes32 logId, address account);

    /// @notice The zero address cannot be a publisher.
    error ModelTimelineInvalidPublisher(bytes32 logId, address account);

    /// @notice A model id must not be zero.
    error ModelTimelineZeroModelId(bytes32 logId);

    /// @notice `modelId` is already registered in `logId`.
    error ModelTimelineModelAlreadyRegistered(bytes32 logId, bytes32 modelId);

    /// @notice `name` does not hash to `modelId` (modelId = keccak256(utf8 name)).
    error ModelTimelineModelNameMismatch(bytes32 modelId, string name);

    /// @notice `modelId` is not registered in `logId`.
    error ModelTimelineUnknownModel(bytes32 logId, bytes32 modelId);

    /// @notice A weights digest must not be zero.
    error ModelTimelineZeroWeightsDigest(bytes32 logId, bytes32 modelId);

    /// @notice `weightsDigest` is already published for `modelId`, as version `version`.
    error ModelTimelineVersionAlreadyPublished(bytes32 logId, bytes32 modelId, bytes32 weightsDigest, uint32 version);

    /// @notice `weightsDigest` is not a published version of `modelId`.
    error ModelTimelineUnknownVersion(bytes32 logId, bytes32 modelId, bytes32 weightsDigest);

    /// @notice A deployment must activate a newer version than the active one (`activeVersion`); going back to an
    /// earlier version is a rollback.
    error ModelTimelineNotNewerVersion(bytes32 logId, bytes32 modelId, uint32 version, uint32 activeVersion);

    /// @notice A rollback must activate an earlier version than the active one (`activeVersion`, 0 if none).
    error ModelTimelineNotEarlierVersion(bytes32 logId, bytes32 modelId, uint32 version, uint32 activeVersion);

    /// @notice `version` was live before (the highest ever active is `highestActivated`): after a deactivation it can
    /// only come back by {rollbackTo}, with a reason, never as a deployment.
    error ModelTimelineVersionWasLive(bytes32 logId, bytes32 modelId, uint32 version, uint32 highestActivated);

    /// @notice The model is deactivated and `version` was never live (the highest ever active is `highestActivated`):
    /// only a version that served before can come back by {rollbackTo}; bring it into service with {deployVersion}.
    error ModelTimelineVersionNeverLive(bytes32 logId, bytes32 modelId, uint32 version, uint32 highestActivated);

    /// @notice `modelId` has no active version to deactivate.
    error ModelTimelineNoActiveVersion(bytes32 logId, bytes32 modelId);

    /// @notice Rollbacks and deactivations must state a reason.
    error ModelTimelineEmptyReason(bytes32 logId, bytes32 modelId);

    // ---------------------------------------------------------------- publishers

    /**
     * @notice Allows `account` to register models, publish versions and activate them in `logId`. Only the log's
     * admin (in ReceiptLogs).
     * @dev Idempotent: granting an existing publisher emits nothing.
     * @param logId the log
     * @param account the account to allow
     */
    function grantTimelinePublisher(bytes32 logId, address account) external;

    /**
     * @notice Withdraws `account`'s right to edit the timelines of `logId`. Only the log's admin.
     * @dev What it already recorded stays. Idempotent.
     * @param logId the log
     * @param account the account to remove
     */
    function revokeTimelinePublisher(bytes32 logId, address account) external;

    // ---------------------------------------------------------------- writes (admin or publishers)

    /**
     * @notice Registers `modelId` in `logId`.
     * @dev `name` may be empty (the model is then known by id only); when given, it must satisfy
     * modelId == keccak256(bytes(name)).
     * @param logId the log
     * @param modelId keccak256 of the model's UTF-8 name
     * @param name the model's name, or empty
     */
    function registerModel(bytes32 logId, bytes32 modelId, string calldata name) external;

    /**
     * @notice Publishes a version of `modelId`: it can then be deployed. Publishing does not activate.
     * @param logId the log
     * @param modelId the model
     * @param weightsDigest the digest of the version's weights (non-zero, new for this model)
     * @param metadataURI where the version is described
     * @return version the new version number (1-based)
     */
    function publishVersion(bytes32 logId, bytes32 modelId, bytes32 weightsDigest, string calldata metadataURI)
        external
        returns (uint32 version);

    /**
     * @notice Deploys `weightsDigest`: from this block's timestamp on, it is the active version of `modelId`.
     * @dev The version must be newer (higher version number) than the active one; use {rollbackTo} to go back.
     * After {deactivateModel} (no active version), it must be a version that never served ({wasLive} false): a
     * version that was live before can only return by {rollbackTo}, with a reason ({ModelTimelineVersionWasLive}).
     * @param logId the log
     * @param modelId the model
     * @param weightsDigest a published version of the model
     * @return activationIndex the index of the new timeline entry
     */
    function deployVersion(bytes32 logId, bytes32 modelId, bytes32 weightsDigest)
        external
        returns (uint256 activationIndex);

    /**
     * @notice Rolls `modelId` back to the earlier version `weightsDigest`, from this block's timestamp on.
     * @dev While a version is active, the target must be earlier (lower version number) than it. After
     * {deactivateModel} (no active version), only a version that was live before ({wasLive}) may come back this way;
     * a version that never served cannot ({ModelTimelineVersionNeverLive}), even if it is numbered below the
     * highest that was.
     * @param logId the log
     * @param modelId the model
     * @param weightsDigest a published version older than the active one
     * @param reason why (non-empty); stored on-chain with the timeline entry
     * @return activationIndex the index of the new timeline entry
     */
    function rollbackTo(bytes32 logId, bytes32 modelId, bytes32 weightsDigest, string calldata reason)
        external
        returns (uint256 activationIndex);

    /**
     * @notice Takes `modelId` out of service: from this block's timestamp on, no version is active.
     * @param logId the log
     * @param modelId the model (must have an active version)
     * @param reason why (non-empty)
     * @return activationIndex the index of the new timeline entry
     */
    function deactivateModel(bytes32 logId, bytes32 modelId, string calldata reason)
        external
        returns (uint256 activationIndex);

    // ---------------------------------------------------------------- views

    /**
     * @notice The ReceiptLogs contract whose log admins govern the timelines.
     * @return logs the address given at construction
     */
    function receiptLogs() external view returns (address logs);

    /**
     * @notice Whether `account` may edit the timelines of `logId` (its admin or a granted publisher).
     * @param logId the log
     * @param account the account
     * @return allowed true if allowed
     */
    function canPublish(bytes32 logId, address account) external view returns (bool allowed);

    /**
     * @notice Whether `account` was granted the publisher role in `logId` (the admin is not listed).
     * @param logId the log
     * @param account the account
     * @return granted true if granted and not revoked
     */
    function isTimelinePublisher(bytes32 logId, address account) external view returns (bool granted);

    /**
     * @notice The weights digest of the version of `modelId` active at `timestamp` (binary search over the
     * timeline).
     * @dev An activation at time t applies to timestamps >= t; among several activations with the same timestamp
     * the last one wins. NOTE: returns zero when no version was active (before the first deployment, after a
     * deactivation, unknown model): callers comparing against a receipt's weightsDigest get a mismatch.
     * @param logId the log
     * @param modelId the model
     * @param timestamp a unix time in seconds (e.g. a receipt's issuedAt)
     * @return weightsDigest the active version's weights digest, or zero
     */
    function activeVersionAt(bytes32 logId, bytes32 modelId, uint64 timestamp)
        external
        view
        returns (bytes32 weightsDigest);

    /**
     * @notice The timeline entry in force for `modelId` at `timestamp`.
     * @param logId the log
     * @param modelId the model
     * @param timestamp a unix time in seconds
     * @return found false when the timeline has no entry at or before `timestamp`
     * @return activationIndex the entry's index (0 when not found)
     */
    function activationIndexAt(bytes32 logId, bytes32 modelId, uint64 timestamp)
        external
        view
        returns (bool found, uint256 activationIndex);

    /**
     * @notice Whether the version `weightsDigest` of `modelId` was ever the active one (deployed or rolled back to).
     * @param logId the log
     * @param modelId the model
     * @param weightsDigest the version's weights digest
     * @return live true once {deployVersion} or {rollbackTo} activated it; after a deactivation only such a version
     * can come back by {rollbackTo}
     */
    function wasLive(bytes32 logId, bytes32 modelId, bytes32 weightsDigest) external view returns (bool live);

    /**
     * @notice The currently active version of `modelId`.
     * @param logId the log
     * @param modelId the model
     * @return weightsDigest its weights digest, or zero if none is active
     */
    function activeVersion(bytes32 logId, bytes32 modelId) external view returns (bytes32 weightsDigest);

    /**
     * @notice Summary of `modelId` in `logId`.
     * @param logId the log
     * @param modelId the model
     * @return model the summary (`registered` false for an unknown model)
     */
    function modelInfo(bytes32 logId, bytes32 modelId) external view returns (ModelRecord memory model);

    /**
     * @notice The number of models registered in `logId`.
     * @param logId the log
     * @return count the number of models
     */
    function modelCount(bytes32 logId) external view returns (uint256 count);

    /**
     * @notice A page of the model ids registered in `logId`, in registration order.
     * @param logId the log
     * @param start the first index
     * @param limit the maximum number of ids
     * @return modelIds up to `limit` ids from `start` (empty past the end)
     */
    function models(bytes32 logId, uint256 start, uint256 limit) external view returns (bytes32[] memory modelIds);

    /**
     * @notice The published version of `modelId` with weights digest `weightsDigest`.
     * @param logId the log
     * @param modelId the model
     * @param weightsDigest the version's weights digest
     * @return version the record (`version` 0 when not published)
     */
    function versionInfo(bytes32 logId, bytes32 modelId, bytes32 weightsDigest)
        external
        view
        returns (VersionRecord memory version);

    /**
     * @notice A page of the published versions of `modelId`, oldest first.
     * @param logId the log
     * @param modelId the model
     * @param start the first index (version number - 1)
     * @param limit the maximum number of records
     * @return versions up to `limit` records from `start` (empty past the end)
     */
    function versions(bytes32 logId, bytes32 modelId, uint256 start, uint256 limit)
        external
        view
        returns (VersionRecord[] memory versions);

    /**
     * @notice A page of the timeline of `modelId`, oldest first.
     * @param logId the log
     * @param modelId the model
     * @param start the first entry
     * @param limit the maximum number of entries
     * @return activations up to `limit` entries from `start` (empty past the end)
     */
    function activations(bytes32 logId, bytes32 modelId, uint256 start, uint256 limit)
        external
        view
        returns (ActivationRecord[] memory activations);
}

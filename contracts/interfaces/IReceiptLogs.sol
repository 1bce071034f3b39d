// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/**
 * @title IReceiptLogs
 * @notice Append-only logs of anchored receipt batches: one Merkle root per batch, numbered without gaps, chained
 * into a per-log head that commits to the log's entire history.
 * @dev Implemented by {ReceiptLogs}. Leaves and inner nodes follow the showwork hashing scheme (see
 * {ReceiptHashing} and the SDK's `sdk/tree`): leaf = keccak256(keccak256(abi.encode(RECEIPT_TYPEHASH, fields...))),
 * node = keccak256 of the sorted pair (OpenZeppelin `Hashes.commutativeKeccak256`).
 */
interface IReceiptLogs {
    /**
     * @notice One batch to anchor with {anchorMany}.
     * @param logId the log to append to
     * @param expectedIndex the index the caller expects the batch to get (the log's current size)
     * @param root the batch's Merkle root (non-zero)
     * @param leafCount the number of receipts (leaves) in the batch (non-zero)
     */
    struct AnchorRequest {
        bytes32 logId;
        uint64 expectedIndex;
        bytes32 root;
        uint64 leafCount;
    }

    /**
     * @notice One entry of a log's maximum-anchoring-delay history.
     * @param since the block timestamp from which `maxAnchorDelay` is in force
     * @param maxAnchorDelay the declared maximum delay, in seconds, between a receipt's `issuedAt` and the anchoring
     * of its batch; 0 means the log declares no maximum
     */
    struct MaxAnchorDelayChange {
        uint64 since;
        uint32 maxAnchorDelay;
    }

    /**
     * @notice One period during which a serving node was authorised to sign the receipts of a log.
     * @param grantedAt the block timestamp of the grant (authorised from this second on)
     * @param revokedAt the block timestamp of the revocation (no longer authorised from this second on); 0 while
     * the period is open (still authorised)
     */
    struct SignerPeriod {
        uint64 grantedAt;
        uint64 revokedAt;
    }

    /**
     * @notice A report that a serving node's key may have leaked (see {reportSignerCompromise}).
     * @param since the earliest moment (unix seconds) the key may have been in someone else's hands
     * @param fromBatch the first batch index of the log not trusted for this signer: every batch at or after it
     * was anchored at or after `since` (the batches before it were anchored before `since`)
     * @param reportedAt the block timestamp of the report; 0 = never reported
     */
    struct SignerCompromise {
        uint64 since;
        uint64 fromBatch;
        uint64 reportedAt;
    }

    // ---------------------------------------------------------------- events

    /// @notice A log was created by `creator` (its first admin); `genesisHead` is its head while it is empty.
    event LogCreated(bytes32 indexed logId, address indexed creator, bytes32 salt, bytes32 genesisHead);

    /**
     * @notice A batch was appended to a log by `anchorer`; `head` is the log's new head.
     * @dev The block timestamp and number are not in the event data (gas budget): they are those of the block that
     * holds the event, and the new head commits to them: see {computeHead}.
     */
    event BatchAnchored(
        bytes32 indexed logId,
        uint64 indexed index,
        bytes32 root,
        uint64 leafCount,
        bytes32 head,
        address indexed anchorer
    );

    /// @notice `admin` allowed `account` to anchor into `logId`.
    event AnchorerGranted(bytes32 indexed logId, address indexed account, address indexed admin);

    /// @notice `admin` withdrew `account`'s right to anchor into `logId`.
    event AnchorerRevoked(bytes32 indexed logId, address indexed account, address indexed admin);

    /// @notice The admin of `logId` offered the admin role to `newAdmin` (zero address: offer cancelled).
    event LogAdminTransferStarted(bytes32 indexed logId, address indexed previousAdmin, address indexed newAdmin);

    /// @notice `newAdmin` accepted the admin role of `logId`.
    event LogAdminTransferred(bytes32 indexed logId, address indexed previousAdmin, address indexed newAdmin);

    /**
     * @notice The declared maximum anchoring delay of `logId` is `maxAnchorDelay` seconds from `since` on
     * (0 = no maximum declared). Also emitted once at log creation.
     */
    event MaxAnchorDelayChanged(bytes32 indexed logId, uint32 maxAnchorDelay, uint64 since, address indexed admin);

    /// @notice `admin` authorised the serving node `signer` to sign the receipts of `logId` from this block on.
    event SignerGranted(bytes32 indexed logId, address indexed signer, address indexed admin);

    /// @notice `admin` withdrew the authorisation of the serving node `signer` for `logId` from this block on.
    event SignerRevoked(bytes32 indexed logId, address indexed signer, address indexed admin);

    /**
     * @notice `admin` reported the key of the serving node `signer` of `logId` as compromised since `since`: no
     * receipt it signed is valid in batch `fromBatch` or later (also emitted again when a report is made earlier).
     */
    event SignerCompromised(
        bytes32 indexed logId,
        address indexed signer,
        uint64 since,
        uint64 fromBatch,
        address indexed admin
    );

    /// @notice `admin` bound `logId`, for good, to the ModelTimeline contract `timeline`.
    event LogTimelineBound(bytes32 indexed logId, address indexed timeline, address indexed admin);

    // ---------------------------------------------------------------- errors

    /// @notice `logId` does not exist.
    error ReceiptLogsUnknownLog(bytes32 logId);

    /// @notice `logId` already exists (the creator used this salt before).
    error ReceiptLogsLogAlreadyExists(bytes32 logId);

    /// @notice `account` is not allowed to anchor into `logId`.
    error ReceiptLogsUnauthorizedAnchorer(bytes32 logId, address account);

    /// @notice `account` is not the admin of `logId`.
    error ReceiptLogsUnauthorizedAdmin(bytes32 logId, address account);

    /// @notice `account` is not the pending admin of `logId`.
    error ReceiptLogsNotPendingAdmin(bytes32 logId, address account);

    /// @notice The zero address cannot be an anchorer.
    error ReceiptLogsInvalidAnchorer(bytes32 logId, address account);

    /// @notice The zero address cannot be a serving-node signer.
    error ReceiptLogsInvalidSigner(bytes32 logId, address signer);

    /// @notice `logId` is already bound to the timeline `timeline`: the binding is permanent.
    error ReceiptLogsTimelineAlreadyBound(bytes32 logId, address timeline);

    /// @notice `timeline` is not a ModelTimeline of this ReceiptLogs contract: its `receiptLogs()` answered
    /// `governedBy` (zero address: no contract, a revert, or no answer).
    error ReceiptLogsInvalidTimeline(bytes32 logId, address timeline, address governedBy);

    /// @notice `timeline` answers `receiptLogs()` with this contract but its code is not a showwork ModelTimeline build
    /// (`codeHash` is its EXTCODEHASH): a look-alike could rewrite the timeline's history.
    error ReceiptLogsTimelineNotShowworkCode(bytes32 logId, address timeline, bytes32 codeHash);

    /// @notice `signer` was never a serving-node signer of `logId`: there is no key to report compromised.
    error ReceiptLogsUnknownSigner(bytes32 logId, address signer);

    /// @notice A compromise cannot be reported as starting after this block (`since` > `blockTime`).
    error ReceiptLogsCompromiseInFuture(bytes32 logId, address signer, uint64 since, uint64 blockTime);

    /// @notice `fromBatch` is past the log's size `size`: a report cannot trust batches not anchored yet.
    error ReceiptLogsCompromiseBatchBeyondLog(bytes32 logId, address signer, uint64 fromBatch, uint64 size);

    /// @notice A new report for `signer` must not move the compromise later than the recorded one
    /// (`recordedSince`, `recordedFromBatch`): reports can only widen the distrust.
    error ReceiptLogsCompromiseNotEarlier(
        bytes32 logId,
        address signer,
        uint64 since,
        uint64 fromBatch,
        uint64 recordedSince,
        uint64 recordedFromBatch
    );

    /// @notice `signer`'s key was reported compromised (since `since`): it can never be granted again in `logId`.
    error ReceiptLogsSignerCompromised(bytes32 logId, address signer, uint64 since);

    /// @notice The batch was submitted for index `expected` but the log's next index is `actual`
    /// (typically a retried or duplicated transaction whose batch is already anchored).
    error ReceiptLogsUnexpectedIndex(bytes32 logId, uint64 expected, uint64 actual);

    /// @notice `logId` holds 2^64 - 1 batches: its size would no longer fit the head (unreachable in practice).
    error ReceiptLogsLogFull(bytes32 logId);

    /// @notice A batch root must not be zero.
    error ReceiptLogsZeroRoot(bytes32 logId, uint64 index);

    /// @notice A batch must contain at least one receipt.
    error ReceiptLogsZeroLeafCount(bytes32 logId, uint64 index);

    /// @notice {anchorMany} was called with no request.
    error ReceiptLogsEmptyRequest();

    /// @notice A multiproof must prove at least one leaf.
    error ReceiptLogsEmptyMultiproof(bytes32 logId, uint64 index);

    /// @notice `timestamp` is earlier than the creation of `logId` (at `createdAt`).
    error ReceiptLogsBeforeLogCreation(bytes32 logId, uint64 timestamp, uint64 createdAt);

    // ---------------------------------------------------------------- log lifecycle and access

    /**
     * @notice Creates a log administered by the caller.
     * @dev The id is keccak256(abi.encode(msg.sender, salt)), so nobody can take an id another account will use.
     * The log starts empty with head {logHead} = keccak256(abi.encode(block.chainid, address(this), logId)).
     * The creator is the admin but NOT an anchorer: grant anchorers with {grantAnchorer} (the admin may grant
     * itself).
     * @param salt any value; one creator gets one log per salt
     * @param maxAnchorDelay the maximum delay, in seconds, the log promises between a receipt's time and the
     * anchoring of its batch (0 = no promise); first entry of the history read by {maxAnchorDelayAt}
     * @return logId the new log's id
     */
    function createLog(bytes32 salt, uint32 maxAnchorDelay) external returns (bytes32 logId);

    /**
     * @notice Allows `account` to anchor batches into `logId`. Only the log's admin.
     * @dev Idempotent: granting an existing anchorer emits nothing.
     * @param logId the log
     * @param account the account to allow (not the zero address)
     */
    function grantAnchorer(bytes32 logId, address account) external;

    /**
     * @notice Withdraws `account`'s right to anchor into `logId`. Only the log's admin.
     * @dev Batches it already anchored stay. Idempotent: revoking a non-anchorer emits nothing.
     * @param logId the log
     * @param account the account to remove
     */
    function revokeAnchorer(bytes32 logId, address account) external;

    /**
     * @notice Starts the two-step transfer of the admin role of `logId` to `newAdmin`. Only the log's admin.
     * @dev The role moves only when `newAdmin` calls {acceptLogAdmin}. Passing the zero address cancels a pending
     * offer. A new call replaces the pending offer.
     * @param logId the log
     * @param newAdmin the proposed admin
     */
    function transferLogAdmin(bytes32 logId, address newAdmin) external;

    /**
     * @notice Completes a transfer started with {transferLogAdmin}. Only the pending admin.
     * @param logId the log
     */
    function acceptLogAdmin(bytes32 logId) external;

    /**
     * @notice Records a new declared maximum anchoring delay for `logId`, in force from this block's timestamp.
     * Only the log's admin.
     * @dev History is append-only and readable with {maxAnchorDelayAt} and {maxAnchorDelayHistory}.
     * WARNING: the admin can change the value at any time, e.g. raise it just before anchoring a late batch and
     * lower it afterwards. Both changes stay in the history; a careful verifier applies the strictest value in force
     * between a receipt's time and its batch's anchoring time.
     * @param logId the log
     * @param maxAnchorDelay the new maximum delay in seconds (0 = no maximum declared)
     */
    function setMaxAnchorDelay(bytes32 logId, uint32 maxAnchorDelay) external;

    /**
     * @notice Authorises the serving node `signer` to sign receipts for `logId`, from this block's timestamp on.
     * Only the log's admin.
     * @dev Opens a new {SignerPeriod} with `grantedAt` = block.timestamp. Reverts with
     * {ReceiptLogsSignerCompromised} for a key reported compromised (a leaked key never signs again). Idempotent: granting a signer that is
     * currently authorised emits nothing and changes nothing (its open period keeps its original `grantedAt`).
     * A revoked signer can be granted again: that opens a new period, the old one stays in the history.
     * NOTE: the authorisation is per log. A receipt signature (EIP-712, domain {name: "showwork", version: "1"})
     * names no log; what binds a signed receipt to this log is that this log's admin authorised its signer for the
     * receipt's time (see docs/verification.md).
     * @param logId the log
     * @param signer the serving node's address (not the zero address)
     */
    function grantSigner(bytes32 logId, address signer) external;

    /**
     * @notice Withdraws the authorisation of the serving node `signer` for `logId`, from this block's timestamp on.
     * Only the log's admin.
     * @dev Closes the open period with `revokedAt` = block.timestamp; receipts issued before stay validly signed.
     * This is a plain retirement: receipts issued before it stay valid whenever they are anchored (late is not
     * lost). If the key may have leaked, use {reportSignerCompromise} instead (or as well): a thief holding the key
     * can sign receipts dated before the revocation.
     * Idempotent: revoking a signer that is not currently authorised emits nothing.
     * @param logId the log
     * @param signer the serving node's address
     */
    function revokeSigner(bytes32 logId, address signer) external;

    /**
     * @notice Reports the key of the serving node `signer` as compromised since `since`: from then on the key may
     * have been in someone else's hands, so no receipt it signed is valid unless its batch was anchored before
     * `since`. Also revokes the signer (if authorised) and bars granting it again. Only the log's admin.
     * @dev The contract does not store batch times (anchoring's gas budget, see the contract's notes), so the
     * cut-off is given as a batch index too: `fromBatch` is the first batch anchored at or after `since` (the
     * log's size if none was). The SDK computes it from the {BatchAnchored} events (`showwork log revoke-signer
     * --compromised-since`). On-chain checks ({isReceiptSignerValid}, AnswerEscrow) use `fromBatch`; off-chain
     * verifiers check both (batch index against `fromBatch`, anchoring block time against `since`).
     * WARNING: the contract cannot check that `fromBatch` matches `since`; an admin who names a later batch lets
     * the escrow accept receipts the verifier refuses. A later report may only move `since` and `fromBatch`
     * earlier ({ReceiptLogsCompromiseNotEarlier}). Receipts signed by a reported key for batches before
     * `fromBatch` keep their validity: a retirement for compromise does not rewrite the past it did not touch.
     * @param logId the log
     * @param signer the serving node's address (must have been granted at least once)
     * @param since the earliest moment (unix seconds) the key may have leaked; not after this block
     * @param fromBatch the first batch index not trusted for this signer; at most the log's size
     */
    function reportSignerCompromise(bytes32 logId, address signer, uint64 since, uint64 fromBatch) external;

    /**
     * @notice Binds `logId`, for good, to the ModelTimeline contract whose timeline is the log's model-version
     * record. Only the log's admin, once.
     * @dev `timeline.receiptLogs()` must be this contract (so the log's admin governs its timeline there), and the
     * timeline's runtime code, with its immutables zeroed, must be a showwork ModelTimeline build
     * ({ModelTimelineBuilds}; the SDK compares the same hashes, `sdk/contracts/codeHashes.ts`): a look-alike that
     * answers `receiptLogs()` could otherwise rewrite which version was active when.
     * Verifiers read the timeline from {logTimeline}, never from a proof bundle.
     * @param logId the log
     * @param timeline the ModelTimeline contract
     */
    function bindTimeline(bytes32 logId, address timeline) external;

    // ---------------------------------------------------------------- anchoring

    /**
     * @notice Appends one batch (Merkle root + leaf count) to `logId` at index `expectedIndex`. Only anchorers of
     * the log.
     * @dev Reverts with {ReceiptLogsUnexpectedIndex} unless `expectedIndex` equals the log's size, so a retried or
     * duplicated transaction can never anchor a batch twice, and indices have no gaps. Emits {BatchAnchored}.
     * NOTE: only the root is stored per batch; `leafCount` is in the event, and the new head commits to it and to
     * the block timestamp and number.
     * @param logId the log
     * @param expectedIndex the index the batch must get, i.e. the log's current {logSize}
     * @param root the batch's Merkle root (non-zero)
     * @param leafCount the number of receipts in the batch (non-zero)
     * @return head the log's new head
     */
    function anchor(bytes32 logId, uint64 expectedIndex, bytes32 root, uint64 leafCount)
        external
        returns (bytes32 head);

    /**
     * @notice Appends several batches, to one or several logs, in one transaction. All or nothing.
     * @dev Requests are applied in order, each as {anchor} would (several batches for the same log need
     * consecutive `expectedIndex` values). The caller must be an anchorer of every log it names.
     * @param requests the batches to anchor (at least one)
     */
    function anchorMany(AnchorRequest[] calldata requests) external;

    // ---------------------------------------------------------------- views

    /**
     * @notice The id {createLog} gives to a log created by `creator` with `salt`.
     * @param creator the creating account
     * @param salt the salt
     * @return logId keccak256(abi.encode(creator, salt))
     */
    function computeLogId(address creator, bytes32 salt) external pure returns (bytes32 logId);

    /**
     * @notice The head a log gets when batch `index` is chained onto `previousHead`.
     * @dev A head packs the log size (top 64 bits, here `index + 1`) with the low 192 bits of
     * keccak256(abi.encode(previousHead, index, root, leafCount, timestamp, blockNumber)). The same function the
     * contract uses, exposed so verifiers can recompute a log's head from its {BatchAnchored} events (timestamp and
     * block number: those of the event's block). The genesis head (size 0) is the low 192 bits of
     * keccak256(abi.encode(chainId, address(this), logId)).
     * @param previousHead the head before the batch (the genesis head for index 0)
     * @param index the batch index
     * @param root the batch root
     * @param leafCount the batch's leaf count
     * @param timestamp the anchoring block's timestamp
     * @param blockNumber the anchoring block's number
     * @return head the head after the batch
     */
    function computeHead(
        bytes32 previousHead,
        uint64 index,
        bytes32 root,
        uint64 leafCount,
        uint64 timestamp,
        uint64 blockNumber
    ) external pure returns (bytes32 head);

    /**
     * @notice Whether `logId` exists.
     * @param logId the log
     * @return exists true once {createLog} created it
     */
    function logExists(bytes32 logId) external view returns (bool exists);

    /**
     * @notice The admin of `logId` (zero address for an unknown log).
     * @param logId the log
     * @return admin the admin
     */
    function logAdmin(bytes32 logId) external view returns (address admin);

    /**
     * @notice The account offered the admin role of `logId` and not yet accepted (zero address if none).
     * @param logId the log
     * @return pendingAdmin the pending admin
     */
    function pendingLogAdmin(bytes32 logId) external view returns (address pendingAdmin);

    /**
     * @notice Whether `account` may anchor into `logId`.
     * @param logId the log
     * @param account the account
     * @return allowed true if granted and not revoked
     */
    function isAnchorer(bytes32 logId, address account) external view returns (bool allowed);

    /**
     * @notice Whether the serving node `signer` is currently authorised to sign the receipts of `logId`.
     * @param logId the log
     * @param signer the serving node's address
     * @return authorised true if its latest period is open
     */
    function isSigner(bytes32 logId, address signer) external view returns (bool authorised);

    /**
     * @notice Whether the serving node `signer` was authorised to sign the receipts of `logId` at `timestamp`.
     * @dev True iff some period has grantedAt <= timestamp and (revokedAt == 0 or timestamp < revokedAt). Binary
     * search over the signer's history (periods are disjoint and in time order).
     * @param logId the log
     * @param signer the serving node's address
     * @param timestamp a unix time in seconds (typically a receipt's `issuedAt`)
     * @return authorised true if authorised at that second
     */
    function isSignerAt(bytes32 logId, address signer, uint64 timestamp) external view returns (bool authorised);

    /**
     * @notice The compromise report for `signer` in `logId`, if any ({reportSignerCompromise}).
     * @param logId the log
     * @param signer the serving node's address
     * @return compromise the report; `reportedAt` is 0 when none was made
     */
    function signerCompromise(bytes32 logId, address signer)
        external
        view
        returns (SignerCompromise memory compromise);

    /**
     * @notice Whether a receipt signed by `signer`, issued at `issuedAt` and anchored in batch `batchIndex` of
     * `logId`, has a valid signer: authorised at `issuedAt` ({isSignerAt}) and, if its key was reported
     * compromised, anchored in a batch before the report's `fromBatch` with `issuedAt` before its `since`.
     * @dev The one on-chain rule for "may this receipt's signature count"; AnswerEscrow uses it.
     * @param logId the log
     * @param signer the serving node's address (the receipt's `servingNode`)
     * @param issuedAt the receipt's `issuedAt`
     * @param batchIndex the batch of `logId` that includes the receipt
     * @return valid true if the signature may count
     */
    function isReceiptSignerValid(bytes32 logId, address signer, uint64 issuedAt, uint64 batchIndex)
        external
        view
        returns (bool valid);

    /**
     * @notice The number of authorisation periods of `signer` in `logId` (grants so far).
     * @param logId the log
     * @param signer the serving node's address
     * @return count the number of periods
     */
    function signerHistoryLength(bytes32 logId, address signer) external view returns (uint256 count);

    /**
     * @notice A page of the authorisation periods of `signer` in `logId`, oldest first.
     * @param logId the log
     * @param signer the serving node's address
     * @param start the first period to return
     * @param limit the maximum number of periods to return
     * @return periods the periods `start` .. min(start + limit, length) - 1 (empty past the end)
     */
    function signerHistory(bytes32 logId, address signer, uint256 start, uint256 limit)
        external
        view
        returns (SignerPeriod[] memory periods);

    /**
     * @notice The ModelTimeline contract bound to `logId` with {bindTimeline}.
     * @param logId the log
     * @return timeline its address; zero until bound
     */
    function logTimeline(bytes32 logId) external view returns (address timeline);

    /**
     * @notice The number of batches anchored in `logId` (also the next batch's index).
     * @dev Read from the top 64 bits of {logHead}.
     * @param logId the log
     * @return size the number of batches (0 for an unknown log)
     */
    function logSize(bytes32 logId) external view returns (uint64 size);

    /**
     * @notice The head of `logId`: a commitment to every batch anchored so far (genesis head while empty).
     * @dev Two parties that see the same head see the same history. The top 64 bits are the log size, the rest is
     * a 192-bit chained digest (see {computeHead}). Zero for an unknown log.
     * @param logId the log
     * @return head the current head
     */
    function logHead(bytes32 logId) external view returns (bytes32 head);

    /**
     * @notice The Merkle root of batch `index` of `logId`.
     * @param logId the log
     * @param index the batch index
     * @return root the root, or zero if that batch is not anchored (yet)
     */
    function batchRoot(bytes32 logId, uint64 index) external view returns (bytes32 root);

    /**
     * @notice Whether `leaf` is included in the anchored batch `index` of `logId`, by the Merkle `proof`.
     * @dev `proof` lists sibling hashes bottom-up, nodes hashed as sorted pairs (OpenZeppelin MerkleProof).
     * Returns false (never reverts) when the batch is not anchored.
     * WARNING: `leaf` must be a leaf hash as defined by {ReceiptHashing-leaf} (double keccak); passing a raw value
     * that is 64 bytes long would let an inner node pass as a leaf.
     * @param logId the log
     * @param index the batch index
     * @param leaf the leaf hash
     * @param proof the sibling hashes from the leaf up to the root
     * @return included true if the proof leads from `leaf` to the anchored root
     */
    function verifyInclusion(bytes32 logId, uint64 index, bytes32 leaf, bytes32[] calldata proof)
        external
        view
        returns (bool included);

    /**
     * @notice The root a Merkle `proof` leads to from `leaf` (sibling hashes bottom-up, sorted-pair keccak256).
     * @dev Equal to OpenZeppelin's `MerkleProof.processProofCalldata` and to the SDK's `processProof`
     * (`sdk/tree/core.ts`). Pure: it does not look at any anchored batch.
     * @param leaf the leaf hash
     * @param proof the sibling hashes from the leaf up to the root
     * @return root the computed root
     */
    function processProof(bytes32 leaf, bytes32[] calldata proof) external pure returns (bytes32 root);

    /**
     * @notice Whether all `leaves` are included in the anchored batch `index` of `logId`, by an OpenZeppelin
     * multiproof (`proof`, `proofFlags`).
     * @dev Leaves must be in the order OpenZeppelin's `getMultiProof` returns them. Reverts with
     * {ReceiptLogsEmptyMultiproof} for an empty `leaves` (an empty multiproof proves nothing) and with
     * `MerkleProofInvalidMultiproof` for malformed proofs; returns false when the batch is not anchored.
     * @param logId the log
     * @param index the batch index
     * @param proof the sibling hashes of the multiproof
     * @param proofFlags the multiproof flags
     * @param leaves the leaf hashes being proven
     * @return included true if the multiproof leads from `leaves` to the anchored root
     */
    function verifyMultiProof(
        bytes32 logId,
        uint64 index,
        bytes32[] calldata proof,
        bool[] calldata proofFlags,
        bytes32[] calldata leaves
    ) external view returns (bool included);

    /**
     * @notice The maximum anchoring delay `logId` currently declares, in seconds (0 = none declared).
     * @param logId the log
     * @return maxAnchorDelay the current value
     */
    function maxAnchorDelay(bytes32 logId) external view returns (uint32 maxAnchorDelay);

    /**
     * @notice The maximum anchoring delay `logId` declared at `timestamp` (binary search over its history).
     * @dev When several changes share one timestamp, the last one wins. Reverts for an unknown log and for a time
     * before the log's creation.
     * @param logId the log
     * @param timestamp a unix time in seconds
     * @return maxAnchorDelay the value in force at `timestamp`
     */
    function maxAnchorDelayAt(bytes32 logId, uint64 timestamp) external view returns (uint32 maxAnchorDelay);

    /**
     * @notice The number of entries in the maximum-anchoring-delay history of `logId` (at least 1 for a log).
     * @param logId the log
     * @return count the number of entries
     */
    function maxAnchorDelayHistoryLength(bytes32 logId) external view returns (uint256 count);

    /**
     * @notice A page of the maximum-anchoring-delay history of `logId`, oldest first.
     * @param logId the log
     * @param start the first entry to return
     * @param limit the maximum number of entries to return
     * @return changes the entries `start` .. min(start + limit, length) - 1 (empty past the end)
     */
    function maxAnchorDelayHistory(bytes32 logId, uint256 start, uint256 limit)
        external
        view
        returns (MaxAnchorDelayChange[] memory changes);
}

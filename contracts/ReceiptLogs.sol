// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {IReceiptLogs} from "./interfaces/IReceiptLogs.sol";
import {ModelTimelineBuilds} from "./generated/ModelTimelineBuilds.sol";

/**
 * @title ReceiptLogs
 * @notice Many independent, append-only logs of anchored receipt batches in one immutable deployment. Each batch
 * is a Merkle root (plus a leaf count) appended at the next index; each log keeps a head chained over its whole
 * history. Nothing can be overwritten or deleted: there is no owner, no proxy, no upgrade path.
 * @dev Storage and gas. Anchoring has a budget of 60,000 gas for a one-batch transaction (21,000 of it is the
 * transaction itself) and 35,000 for each further batch in {anchorMany}. Per batch the contract therefore writes
 * ONE fresh slot and updates ONE per-log slot, and reads one more (the caller's anchorer flag):
 * - `roots[index]` holds the batch root (the fresh slot, about 22,100 gas).
 * - `head` packs the log size (top 64 bits) with the low 192 bits of the chained digest
 *   keccak256(abi.encode(previousHead, index, root, leafCount, timestamp, blockNumber)). Keeping the size in the
 *   head slot makes the gapless-index check free (a separate size slot, or reading root `index - 1`, costs
 *   2,100 to 2,900 gas more per batch and breaks the 35,000 budget). The head commits to every batch of the log
 *   (and to its chain, contract and id through the genesis head), so two parties compare one value and a rewritten
 *   history is detectable; the price is a 192-bit digest (collision resistance 2^96) instead of 256 bits.
 * - `leafCount`, block timestamp and block number are not stored: {BatchAnchored} carries `leafCount` and `head`,
 *   the event's block gives time and number, and the head commits to all of them ({computeHead} recomputes it).
 * Access: each log has an admin (two-step transfer) who grants and revokes anchorers and serving-node signers (with
 * history: {isSignerAt} answers "was this node authorised at time T") and binds the log, once, to its ModelTimeline
 * ({logTimeline}), only to a contract whose code is a showwork ModelTimeline build ({ModelTimelineBuilds}).
 * A serving node's key can be retired ({revokeSigner}: earlier receipts stay valid, late or not) or reported
 * compromised since a time ({reportSignerCompromise}: only receipts in batches anchored before that time stay
 * valid, {isReceiptSignerValid}). Signers and timelines live outside the `Log` struct, so anchoring reads nothing more. Log ids are
 * derived from the
 * creator, so creation is permissionless and cannot be squatted.
 */
contract ReceiptLogs is IReceiptLogs {
    /// @dev Everything about one log. `head` packs the size (top 64 bits) with the chained digest (low 192 bits).
    struct Log {
        bytes32 head;
        address admin;
        uint32 maxAnchorDelay;
        address pendingAdmin;
        mapping(address account => bool allowed) anchorers;
        mapping(uint64 index => bytes32 root) roots;
        MaxAnchorDelayChange[] delayHistory;
    }

    mapping(bytes32 logId => Log) private _logs;

    /// @dev Authorisation periods of each serving node per log, oldest first (disjoint, in time order).
    mapping(bytes32 logId => mapping(address signer => SignerPeriod[] periods)) private _signers;

    /// @dev The ModelTimeline bound to each log (zero until bound; never changes afterwards).
    mapping(bytes32 logId => address timeline) private _timelines;

    // Appended state (never reorder or retype the variables above: off-chain proofs read their slots).

    /// @dev Compromise reports per serving node per log ({reportSignerCompromise}); one slot each.
    mapping(bytes32 logId => mapping(address signer => SignerCompromise report)) private _compromises;

    // ---------------------------------------------------------------- log lifecycle and access

    /// @inheritdoc IReceiptLogs
    function createLog(bytes32 salt, uint32 maxAnchorDelay_) external returns (bytes32 logId) {
        logId = computeLogId(msg.sender, salt);
        Log storage log = _logs[logId];
        if (log.admin != address(0)) revert ReceiptLogsLogAlreadyExists(logId);
        bytes32 genesis = _packHead(0, keccak256(abi.encode(block.chainid, address(this), logId)));
        log.head = genesis;
        log.admin = msg.sender;
        log.maxAnchorDelay = maxAnchorDelay_;
        log.delayHistory.push(MaxAnchorDelayChange({since: uint64(block.timestamp), maxAnchorDelay: maxAnchorDelay_}));
        emit LogCreated(logId, msg.sender, salt, genesis);
        emit MaxAnchorDelayChanged(logId, maxAnchorDelay_, uint64(block.timestamp), msg.sender);
    }

    /// @inheritdoc IReceiptLogs
    function grantAnchorer(bytes32 logId, address account) external {
        Log storage log = _adminLog(logId);
        if (account == address(0)) revert ReceiptLogsInvalidAnchorer(logId, account);
        if (!log.anchorers[account]) {
            log.anchorers[account] = true;
            emit AnchorerGranted(logId, account, msg.sender);
        }
    }

    /// @inheritdoc IReceiptLogs
    function revokeAnchorer(bytes32 logId, address account) external {
        Log storage log = _adminLog(logId);
        if (log.anchorers[account]) {
            log.anchorers[account] = false;
            emit AnchorerRevoked(logId, account, msg.sender);
        }
    }

    /// @inheritdoc IReceiptLogs
    function transferLogAdmin(bytes32 logId, address newAdmin) external {
        _adminLog(logId).pendingAdmin = newAdmin;
        emit LogAdminTransferStarted(logId, msg.sender, newAdmin);
    }

    /// @inheritdoc IReceiptLogs
    function acceptLogAdmin(bytes32 logId) external {
        Log storage log = _logs[logId];
        address pending = log.pendingAdmin;
        if (pending == address(0) || pending != msg.sender) revert ReceiptLogsNotPendingAdmin(logId, msg.sender);
        address previous = log.admin;
        log.admin = msg.sender;
        log.pendingAdmin = address(0);
        emit LogAdminTransferred(logId, previous, msg.sender);
    }

    /// @inheritdoc IReceiptLogs
    function setMaxAnchorDelay(bytes32 logId, uint32 maxAnchorDelay_) external {
        Log storage log = _adminLog(logId);
        log.maxAnchorDelay = maxAnchorDelay_;
        log.delayHistory.push(MaxAnchorDelayChange({since: uint64(block.timestamp), maxAnchorDelay: maxAnchorDelay_}));
        emit MaxAnchorDelayChanged(logId, maxAnchorDelay_, uint64(block.timestamp), msg.sender);
    }

    // ---------------------------------------------------------------- serving-node signers and timeline

    /// @inheritdoc IReceiptLogs
    function grantSigner(bytes32 logId, address signer) external {
        _adminLog(logId);
        if (signer == address(0)) revert ReceiptLogsInvalidSigner(logId, signer);
        SignerCompromise storage report = _compromises[logId][signer];
        if (report.reportedAt != 0) revert ReceiptLogsSignerCompromised(logId, signer, report.since);
        SignerPeriod[] storage periods = _signers[logId][signer];
        uint256 length = periods.length;
        if (length != 0 && periods[length - 1].revokedAt == 0) return; // already authorised
        periods.push(SignerPeriod({grantedAt: uint64(block.timestamp), revokedAt: 0}));
        emit SignerGranted(logId, signer, msg.sender);
    }

    /// @inheritdoc IReceiptLogs
    function revokeSigner(bytes32 logId, address signer) external {
        _adminLog(logId);
        _closeSignerPeriod(logId, signer);
    }

    /// @inheritdoc IReceiptLogs
    function reportSignerCompromise(bytes32 logId, address signer, uint64 since, uint64 fromBatch) external {
        Log storage log = _adminLog(logId);
        if (_signers[logId][signer].length == 0) revert ReceiptLogsUnknownSigner(logId, signer);
        if (since > block.timestamp) revert ReceiptLogsCompromiseInFuture(logId, signer, since, uint64(block.timestamp));
        uint64 size = _sizeOf(log.head);
        if (fromBatch > size) revert ReceiptLogsCompromiseBatchBeyondLog(logId, signer, fromBatch, size);
        SignerCompromise storage report = _compromises[logId][signer];
        if (report.reportedAt != 0 && (since > report.since || fromBatch > report.fromBatch)) {
            revert ReceiptLogsCompromiseNotEarlier(logId, signer, since, fromBatch, report.since, report.fromBatch);
        }
        report.since = since;
        report.fromBatch = fromBatch;
        report.reportedAt = uint64(block.timestamp);
        emit SignerCompromised(logId, signer, since, fromBatch, msg.sender);
        _closeSignerPeriod(logId, signer);
    }

    /// @inheritdoc IReceiptLogs
    function bindTimeline(bytes32 logId, address timeline) external {
        _adminLog(logId);
        address bound = _timelines[logId];
        if (bound != address(0)) revert ReceiptLogsTimelineAlreadyBound(logId, bound);
        address governedBy = _governorOf(timeline);
        if (governedBy != address(this)) revert ReceiptLogsInvalidTimeline(logId, timeline, governedBy);
        if (!ModelTimelineBuilds.isModelTimeline(timeline)) {
            revert ReceiptLogsTimelineNotShowworkCode(logId, timeline, timeline.codehash);
        }
        _timelines[logId] = timeline;
        emit LogTimelineBound(logId, timeline, msg.sender);
    }

    // ---------------------------------------------------------------- anchoring

    /// @inheritdoc IReceiptLogs
    function anchor(bytes32 logId, uint64 expectedIndex, bytes32 root, uint64 leafCount)
        external
        returns (bytes32 head)
    {
        return _anchor(logId, expectedIndex, root, leafCount);
    }

    /// @inheritdoc IReceiptLogs
    function anchorMany(AnchorRequest[] calldata requests) external {
        uint256 count = requests.length;
        if (count == 0) revert ReceiptLogsEmptyRequest();
        for (uint256 i = 0; i < count; ) {
            AnchorRequest calldata request = requests[i];
            _anchor(request.logId, request.expectedIndex, request.root, request.leafCount);
            unchecked {
                ++i;
            }
        }
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IReceiptLogs
    function computeLogId(address creator, bytes32 salt) public pure returns (bytes32 logId) {
        return keccak256(abi.encode(creator, salt));
    }

    /// @inheritdoc IReceiptLogs
    function computeHead(
        bytes32 previousHead,
        uint64 index,
        bytes32 root,
        uint64 leafCount,
        uint64 timestamp,
        uint64 blockNumber
    ) external pure returns (bytes32 head) {
        return _computeHead(previousHead, index, root, leafCount, timestamp, blockNumber);
    }

    /// @inheritdoc IReceiptLogs
    function logExists(bytes32 logId) external view returns (bool exists) {
        return _logs[logId].admin != address(0);
    }

    /// @inheritdoc IReceiptLogs
    function logAdmin(bytes32 logId) external view returns (address admin) {
        return _logs[logId].admin;
    }

    /// @inheritdoc IReceiptLogs
    function pendingLogAdmin(bytes32 logId) external view returns (address pendingAdmin) {
        return _logs[logId].pendingAdmin;
    }

    /// @inheritdoc IReceiptLogs
    function isAnchorer(bytes32 logId, address account) external view returns (bool allowed) {
        return _logs[logId].anchorers[account];
    }

    /// @inheritdoc IReceiptLogs
    function isSigner(bytes32 logId, address signer) external view returns (bool authorised) {
        SignerPeriod[] storage periods = _signers[logId][signer];
        uint256 length = periods.length;
        return length != 0 && periods[length - 1].revokedAt == 0;
    }

    /// @inheritdoc IReceiptLogs
    function isSignerAt(bytes32 logId, address signer, uint64 timestamp) public view returns (bool authorised) {
        SignerPeriod[] storage periods = _signers[logId][signer];
        // Upper bound: the first period granted after `timestamp`; only the period before it can contain it
        // (periods are disjoint and in time order: each is revoked no later than the next is granted).
        uint256 low = 0;
        uint256 high = periods.length;
        while (low < high) {
            uint256 mid = (low + high) / 2;
            if (periods[mid].grantedAt > timestamp) high = mid;
            else low = mid + 1;
        }
        if (low == 0) return false;
        uint64 revokedAt = periods[low - 1].revokedAt;
        return revokedAt == 0 || timestamp < revokedAt;
    }

    /// @inheritdoc IReceiptLogs
    function signerCompromise(bytes32 logId, address signer)
        external
        view
        returns (SignerCompromise memory compromise)
    {
        return _compromises[logId][signer];
    }

    /// @inheritdoc IReceiptLogs
    function isReceiptSignerValid(bytes32 logId, address signer, uint64 issuedAt, uint64 batchIndex)
        external
        view
        returns (bool valid)
    {
        if (!isSignerAt(logId, signer, issuedAt)) return false;
        SignerCompromise memory report = _compromises[logId][signer];
        if (report.reportedAt == 0) return true;
        return batchIndex < report.fromBatch && issuedAt < report.since;
    }

    /// @inheritdoc IReceiptLogs
    function signerHistoryLength(bytes32 logId, address signer) external view returns (uint256 count) {
        return _signers[logId][signer].length;
    }

    /// @inheritdoc IReceiptLogs
    function signerHistory(bytes32 logId, address signer, uint256 start, uint256 limit)
        external
        view
        returns (SignerPeriod[] memory periods)
    {
        SignerPeriod[] storage history = _signers[logId][signer];
        uint256 length = history.length;
        if (start >= length) return new SignerPeriod[](0);
        uint256 end = length - start < limit ? length : start + limit;
        periods = new SignerPeriod[](end - start);
        for (uint256 i = start; i < end; ++i) {
            periods[i - start] = history[i];
        }
    }

    /// @inheritdoc IReceiptLogs
    function logTimeline(bytes32 logId) external view returns (address timeline) {
        return _timelines[logId];
    }

    /// @inheritdoc IReceiptLogs
    function logSize(bytes32 logId) external view returns (uint64 size) {
        return _sizeOf(_logs[logId].head);
    }

    /// @inheritdoc IReceiptLogs
    function logHead(bytes32 logId) external view returns (bytes32 head) {
        return _logs[logId].head;
    }

    /// @inheritdoc IReceiptLogs
    function batchRoot(bytes32 logId, uint64 index) external view returns (bytes32 root) {
        return _logs[logId].roots[index];
    }

    /// @inheritdoc IReceiptLogs
    function verifyInclusion(bytes32 logId, uint64 index, bytes32 leaf, bytes32[] calldata proof)
        external
        view
        returns (bool included)
    {
        bytes32 root = _logs[logId].roots[index];
        return root != 0 && processProof(leaf, proof) == root;
    }

    /// @inheritdoc IReceiptLogs
    function processProof(bytes32 leaf, bytes32[] calldata proof) public pure returns (bytes32 root) {
        // Same result as OpenZeppelin's MerkleProof.processProofCalldata (sorted-pair keccak256, see
        // Hashes.commutativeKeccak256), as one branch-free loop in scratch memory: about 60 gas per level instead of
        // about 280, which keeps a depth-20 verification transaction inside its budget. Tested against OpenZeppelin.
        assembly ("memory-safe") {
            root := leaf
            let end := add(proof.offset, shl(5, proof.length))
            for {
                let p := proof.offset
            } lt(p, end) {
                p := add(p, 0x20)
            } {
                let sibling := calldataload(p)
                let different := xor(root, sibling)
                let low := xor(root, mul(different, gt(root, sibling))) // min(root, sibling)
                mstore(0x00, low)
                mstore(0x20, xor(different, low)) // max(root, sibling)
                root := keccak256(0x00, 0x40)
            }
        }
    }

    /// @inheritdoc IReceiptLogs
    function verifyMultiProof(
        bytes32 logId,
        uint64 index,
        bytes32[] calldata proof,
        bool[] calldata proofFlags,
        bytes32[] calldata leaves
    ) external view returns (bool included) {
        if (leaves.length == 0) revert ReceiptLogsEmptyMultiproof(logId, index);
        bytes32 root = _logs[logId].roots[index];
        return root != 0 && MerkleProof.multiProofVerifyCalldata(proof, proofFlags, root, leaves);
    }

    /// @inheritdoc IReceiptLogs
    function maxAnchorDelay(bytes32 logId) external view returns (uint32 maxAnchorDelay_) {
        return _logs[logId].maxAnchorDelay;
    }

    /// @inheritdoc IReceiptLogs
    function maxAnchorDelayAt(bytes32 logId, uint64 timestamp) external view returns (uint32 maxAnchorDelay_) {
        MaxAnchorDelayChange[] storage history = _logs[logId].delayHistory;
        uint256 length = history.length;
        if (length == 0) revert ReceiptLogsUnknownLog(logId);
        uint64 createdAt = history[0].since;
        if (timestamp < createdAt) revert ReceiptLogsBeforeLogCreation(logId, timestamp, createdAt);
        // Upper bound: the first entry whose `since` is after `timestamp`; the answer is the entry before it.
        uint256 low = 1;
        uint256 high = length;
        while (low < high) {
            uint256 mid = (low + high) / 2;
            if (history[mid].since > timestamp) high = mid;
            else low = mid + 1;
        }
        return history[low - 1].maxAnchorDelay;
    }

    /// @inheritdoc IReceiptLogs
    function maxAnchorDelayHistoryLength(bytes32 logId) external view returns (uint256 count) {
        return _logs[logId].delayHistory.length;
    }

    /// @inheritdoc IReceiptLogs
    function maxAnchorDelayHistory(bytes32 logId, uint256 start, uint256 limit)
        external
        view
        returns (MaxAnchorDelayChange[] memory changes)
    {
        MaxAnchorDelayChange[] storage history = _logs[logId].delayHistory;
        uint256 length = history.length;
        if (start >= length) return new MaxAnchorDelayChange[](0);
        uint256 end = length - start < limit ? length : start + limit;
        changes = new MaxAnchorDelayChange[](end - start);
        for (uint256 i = start; i < end; ++i) {
            changes[i - start] = history[i];
        }
    }

    // ---------------------------------------------------------------- internals

    function _anchor(bytes32 logId, uint64 index, bytes32 root, uint64 leafCount) private returns (bytes32 head) {
        Log storage log = _logs[logId];
        // Anchorers can only be granted on existing logs (which are never deleted): one read answers both
        // "does the log exist" and "may the caller anchor" on the success path.
        if (!log.anchorers[msg.sender]) {
            if (log.admin == address(0)) revert ReceiptLogsUnknownLog(logId);
            revert ReceiptLogsUnauthorizedAnchorer(logId, msg.sender);
        }
        if (root == 0) revert ReceiptLogsZeroRoot(logId, index);
        if (leafCount == 0) revert ReceiptLogsZeroLeafCount(logId, index);
        bytes32 previous = log.head;
        uint64 size = _sizeOf(previous);
        // Gapless and write-once: the only root slot ever written is the one at the log's size.
        if (index != size) revert ReceiptLogsUnexpectedIndex(logId, index, size);
        // The size must stay representable in 64 bits, or it would wrap to 0 and reopen root 0.
        if (index == type(uint64).max) revert ReceiptLogsLogFull(logId);
        log.roots[index] = root;
        // Same as _computeHead(previous, index, root, leafCount, block.timestamp, block.number), then the head
        // update and the BatchAnchored event, in scratch memory (nothing allocated): this is the hot path.
        bytes32 topic = BatchAnchored.selector;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, previous)
            mstore(add(ptr, 0x20), index)
            mstore(add(ptr, 0x40), root)
            mstore(add(ptr, 0x60), leafCount)
            mstore(add(ptr, 0x80), timestamp())
            mstore(add(ptr, 0xa0), number())
            head := or(shl(192, add(index, 1)), shr(64, shl(64, keccak256(ptr, 0xc0))))
            sstore(log.slot, head) // `head` is the first member of Log
            // BatchAnchored(logId, index, root, leafCount, head, msg.sender): data = (root, leafCount, head)
            mstore(ptr, root)
            mstore(add(ptr, 0x20), leafCount)
            mstore(add(ptr, 0x40), head)
            log4(ptr, 0x60, topic, logId, index, caller())
        }
    }

    /// @dev Closes the signer's open authorisation period at this block's time (nothing if it has none).
    function _closeSignerPeriod(bytes32 logId, address signer) private {
        SignerPeriod[] storage periods = _signers[logId][signer];
        uint256 length = periods.length;
        if (length == 0 || periods[length - 1].revokedAt != 0) return; // not authorised
        periods[length - 1].revokedAt = uint64(block.timestamp);
        emit SignerRevoked(logId, signer, msg.sender);
    }

    /// @dev What `timeline.receiptLogs()` answers; zero for no code, a revert or a malformed answer.
    function _governorOf(address timeline) private view returns (address governedBy) {
        if (timeline.code.length == 0) return address(0);
        // receiptLogs() of IModelTimeline; a plain staticcall so a hostile contract cannot make this revert.
        bytes memory call = abi.encodeWithSelector(bytes4(keccak256("receiptLogs()")));
        (bool ok, bytes memory answer) = timeline.staticcall(call);
        if (!ok || answer.length != 32) return address(0);
        uint256 word = abi.decode(answer, (uint256));
        if (word > type(uint160).max) return address(0);
        return address(uint160(word));
    }

    /// @dev The log, after checking that it exists and that the caller is its admin.
    function _adminLog(bytes32 logId) private view returns (Log storage log) {
        log = _logs[logId];
        address admin = log.admin;
        if (admin == address(0)) revert ReceiptLogsUnknownLog(logId);
        if (admin != msg.sender) revert ReceiptLogsUnauthorizedAdmin(logId, msg.sender);
    }

    /// @dev The size is packed into the head's top 64 bits.
    function _sizeOf(bytes32 head) private pure returns (uint64) {
        return uint64(uint256(head) >> 192);
    }

    function _computeHead(
        bytes32 previousHead,
        uint64 index,
        bytes32 root,
        uint64 leafCount,
        uint64 blockTimestamp,
        uint64 blockNumber_
    ) private pure returns (bytes32 head) {
        bytes32 digest;
        // keccak256(abi.encode(previousHead, index, root, leafCount, blockTimestamp, blockNumber_)), encoded in free
        // memory without allocating it (the encoding is not needed afterwards).
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, previousHead)
            mstore(add(ptr, 0x20), index)
            mstore(add(ptr, 0x40), root)
            mstore(add(ptr, 0x60), leafCount)
            mstore(add(ptr, 0x80), blockTimestamp)
            mstore(add(ptr, 0xa0), blockNumber_)
            digest := keccak256(ptr, 0xc0)
        }
        head = _packHead(uint256(index) + 1, digest);
    }

    /// @dev A head: the log size in the top 64 bits, the low 192 bits of the chained digest below.
    function _packHead(uint256 size, bytes32 digest) private pure returns (bytes32) {
        return bytes32((size << 192) | uint256(uint192(uint256(digest))));
    }
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

import {IAnswerEscrow} from "../interfaces/IAnswerEscrow.sol";
import {IModelTimeline} from "../interfaces/IModelTimeline.sol";
import {IReceiptLogs} from "../interfaces/IReceiptLogs.sol";
import {ReceiptHashing} from "../ReceiptHashing.sol";
import {ModelTimelineBuilds} from "../generated/ModelTimelineBuilds.sol";

/**
 * @title AnswerEscrow (example)
 * @notice Shows a contract acting on a verified AI answer: the deposit is paid out only against a receipt that
 * matches the agreed model, model version and request, issued after the deposit, signed by a serving node the log
 * authorised at that time, under the version the log's own timeline says was active then, and proven to be anchored
 * in the agreed log. Each receipt releases one escrow at most.
 * @dev An example, not audited production code. Reentrancy: every state change happens before the single ETH
 * transfer, and the external entry points are `nonReentrant`.
 * NOTE: the anchoring time is not stored on-chain (ReceiptLogs keeps no per-batch time: anchoring's gas budget).
 * Where the verifier judges over [issuedAt, anchoring], the escrow therefore judges over [issuedAt, release], which
 * contains it: the model version must be the same timeline entry at both ends, and a signer reported compromised
 * counts only for batches before the report's `fromBatch` ({IReceiptLogs-isReceiptSignerValid}). The escrow never
 * pays where the verifier refuses; it may refuse a receipt the verifier accepts (the timeline changed after the
 * anchoring and before the release), and then the payer is refunded at the deadline.
 */
contract AnswerEscrow is IAnswerEscrow, ReentrancyGuard {
    IReceiptLogs private immutable _receiptLogs;

    mapping(uint256 escrowId => Escrow) private _escrows;
    mapping(bytes32 logId => mapping(bytes32 receiptId => uint256 escrowId)) private _releasedBy;
    uint256 private _nextEscrowId = 1;

    /**
     * @notice Binds the contract, for good, to the ReceiptLogs deployment it reads.
     * @param receiptLogs_ the ReceiptLogs contract receipts are checked against
     */
    constructor(IReceiptLogs receiptLogs_) {
        _receiptLogs = receiptLogs_;
    }

    /// @inheritdoc IAnswerEscrow
    function deposit(address payee, Terms calldata terms) external payable nonReentrant returns (uint256 escrowId) {
        if (msg.value == 0) revert AnswerEscrowZeroDeposit();
        if (payee == address(0)) revert AnswerEscrowInvalidPayee();
        if (terms.deadline <= block.timestamp) revert AnswerEscrowDeadlineInPast(terms.deadline);
        escrowId = _nextEscrowId;
        ++_nextEscrowId;
        Escrow storage escrow = _escrows[escrowId];
        escrow.payer = msg.sender;
        escrow.payee = payee;
        escrow.amount = msg.value;
        escrow.status = Status.Open;
        escrow.terms = terms;
        escrow.depositedAt = uint64(block.timestamp);
        emit Deposited(escrowId, msg.sender, payee, msg.value, terms);
    }

    /// @inheritdoc IAnswerEscrow
    function release(
        uint256 escrowId,
        ReceiptHashing.Receipt calldata receipt,
        bytes calldata signature,
        uint64 batchIndex,
        bytes32[] calldata proof
    ) external nonReentrant {
        Escrow storage escrow = _openEscrow(escrowId);
        if (msg.sender != escrow.payee) revert AnswerEscrowNotPayee(escrowId, msg.sender);
        bytes32 logId = escrow.terms.logId;
        bytes32 leaf = _checkReceipt(escrowId, escrow, receipt, signature, batchIndex);
        if (!_receiptLogs.verifyInclusion(logId, batchIndex, leaf, proof)) {
            revert AnswerEscrowReceiptNotAnchored(escrowId, logId, batchIndex, leaf);
        }
        _releasedBy[logId][receipt.receiptId] = escrowId;
        escrow.status = Status.Released;
        escrow.receiptId = receipt.receiptId;
        emit Released(escrowId, msg.sender, receipt.receiptId, batchIndex);
        Address.sendValue(payable(msg.sender), escrow.amount);
    }

    /// @dev Every check of {release} but inclusion; returns the receipt's leaf.
    function _checkReceipt(
        uint256 escrowId,
        Escrow storage escrow,
        ReceiptHashing.Receipt calldata receipt,
        bytes calldata signature,
        uint64 batchIndex
    ) private view returns (bytes32 leaf) {
        Terms memory terms = escrow.terms;
        if (block.timestamp > terms.deadline) revert AnswerEscrowDeadlinePassed(escrowId, terms.deadline);
        _checkTerms(escrowId, terms, receipt);
        uint64 issuedAt = receipt.issuedAt;
        uint64 depositedAt = escrow.depositedAt;
        if (issuedAt < depositedAt) revert AnswerEscrowReceiptBeforeDeposit(escrowId, issuedAt, depositedAt);
        if (issuedAt > block.timestamp) {
            revert AnswerEscrowReceiptFromFuture(escrowId, issuedAt, uint64(block.timestamp));
        }
        uint256 used = _releasedBy[terms.logId][receipt.receiptId];
        if (used != 0) revert AnswerEscrowReceiptAlreadyUsed(escrowId, terms.logId, receipt.receiptId, used);
        bytes32 receiptHash = ReceiptHashing.hashReceiptCalldata(receipt);
        _checkSigner(escrowId, terms.logId, receipt, receiptHash, signature, batchIndex);
        _checkActiveVersion(escrowId, terms, issuedAt);
        return ReceiptHashing.leafOfHash(receiptHash);
    }

    /// @inheritdoc IAnswerEscrow
    function refund(uint256 escrowId) external nonReentrant {
        Escrow storage escrow = _openEscrow(escrowId);
        if (msg.sender != escrow.payer) revert AnswerEscrowNotPayer(escrowId, msg.sender);
        uint64 deadline = escrow.terms.deadline;
        if (block.timestamp <= deadline) revert AnswerEscrowDeadlineNotReached(escrowId, deadline);
        escrow.status = Status.Refunded;
        uint256 amount = escrow.amount;
        emit Refunded(escrowId, msg.sender);
        Address.sendValue(payable(msg.sender), amount);
    }

    /// @inheritdoc IAnswerEscrow
    function escrowOf(uint256 escrowId) external view returns (Escrow memory escrow) {
        return _escrows[escrowId];
    }

    /// @inheritdoc IAnswerEscrow
    function releasedBy(bytes32 logId, bytes32 receiptId) external view returns (uint256 escrowId) {
        return _releasedBy[logId][receiptId];
    }

    /// @inheritdoc IAnswerEscrow
    function receiptLogs() external view returns (address logs) {
        return address(_receiptLogs);
    }

    function _checkTerms(uint256 escrowId, Terms memory terms, ReceiptHashing.Receipt calldata receipt) private pure {
        if (receipt.modelId != terms.modelId) revert AnswerEscrowWrongModel(escrowId, terms.modelId, receipt.modelId);
        if (receipt.weightsDigest != terms.weightsDigest) {
            revert AnswerEscrowWrongModelVersion(escrowId, terms.weightsDigest, receipt.weightsDigest);
        }
        if (receipt.inputDigest != terms.inputDigest) {
            revert AnswerEscrowWrongInput(escrowId, terms.inputDigest, receipt.inputDigest);
        }
    }

    /// @dev The serving node signed the receipt, the log authorised it at the receipt's time, and its key was not
    /// reported compromised before the receipt's batch ({IReceiptLogs-isReceiptSignerValid}: the one rule).
    function _checkSigner(
        uint256 escrowId,
        bytes32 logId,
        ReceiptHashing.Receipt calldata receipt,
        bytes32 receiptHash,
        bytes calldata signature,
        uint64 batchIndex
    ) private view {
        bytes32 digest = MessageHashUtils.toTypedDataHash(ReceiptHashing.DOMAIN_SEPARATOR, receiptHash);
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(digest, signature);
        address node = receipt.servingNode;
        if (err != ECDSA.RecoverError.NoError || recovered == address(0) || recovered != node) {
            revert AnswerEscrowBadSignature(escrowId, node, recovered);
        }
        if (_receiptLogs.isReceiptSignerValid(logId, node, receipt.issuedAt, batchIndex)) return;
        // Refused: say why (failure path only).
        if (!_receiptLogs.isSignerAt(logId, node, receipt.issuedAt)) {
            revert AnswerEscrowUnauthorisedSigner(escrowId, logId, node, receipt.issuedAt);
        }
        IReceiptLogs.SignerCompromise memory report = _receiptLogs.signerCompromise(logId, node);
        revert AnswerEscrowSignerCompromised(escrowId, logId, node, report.since, report.fromBatch, batchIndex);
    }

    /// @dev The bound timeline is the showwork ModelTimeline of this escrow's ReceiptLogs, and the agreed version
    /// was the active one over the whole span from `issuedAt` to now (which contains the anchoring time): the same
    /// entry of the timeline is in force at both ends.
    function _checkActiveVersion(uint256 escrowId, Terms memory terms, uint64 issuedAt) private view {
        address timeline = _receiptLogs.logTimeline(terms.logId);
        if (timeline == address(0)) revert AnswerEscrowNoTimeline(escrowId, terms.logId);
        if (
            !ModelTimelineBuilds.isModelTimeline(timeline) ||
            IModelTimeline(timeline).receiptLogs() != address(_receiptLogs)
        ) revert AnswerEscrowTimelineNotShowwork(escrowId, terms.logId, timeline);
        IModelTimeline model = IModelTimeline(timeline);
        bytes32 active = model.activeVersionAt(terms.logId, terms.modelId, issuedAt);
        if (active != terms.weightsDigest) {
            revert AnswerEscrowVersionNotActive(escrowId, terms.weightsDigest, active, issuedAt);
        }
        (, uint256 atReceipt) = model.activationIndexAt(terms.logId, terms.modelId, issuedAt);
        (, uint256 atRelease) = model.activationIndexAt(terms.logId, terms.modelId, uint64(block.timestamp));
        if (atRelease != atReceipt) {
            revert AnswerEscrowVersionChangedSinceReceipt(escrowId, terms.weightsDigest, issuedAt, atReceipt, atRelease);
        }
    }

    function _openEscrow(uint256 escrowId) private view returns (Escrow storage escrow) {
        escrow = _escrows[escrowId];
        if (escrow.status != Status.Open) revert AnswerEscrowNotOpen(escrowId, escrow.status);
    }
}

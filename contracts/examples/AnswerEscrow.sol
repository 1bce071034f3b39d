// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

import {IAnswerEscrow} from "../interfaces/IAnswerEscrow.sol";
import {IReceiptLogs} from "../interfaces/IReceiptLogs.sol";
import {ReceiptHashing} from "../ReceiptHashing.sol";

/**
 * @title AnswerEscrow (example)
 * @notice Shows a contract acting on a verified AI answer: the deposit is paid out only against a receipt that
 * matches the agreed model, model version and request, and that is proven to be anchored in the agreed log.
 * @dev An example, not audited production code. Reentrancy: every state change happens before the single ETH
 * transfer, and the external entry points are `nonReentrant`.
 * NOTE: the anchoring time is not checked on-chain (ReceiptLogs does not store it); release is only possible up to
 * the deadline, so the receipt was necessarily anchored by then.
 */
contract AnswerEscrow is IAnswerEscrow, ReentrancyGuard {
    IReceiptLogs private immutable _receiptLogs;

    mapping(uint256 escrowId => Escrow) private _escrows;
    uint256 private _nextEscrowId = 1;

    /**
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
        escrowId = _nextEscrowId++;
        Escrow storage escrow = _escrows[escrowId];
        escrow.payer = msg.sender;
        escrow.payee = payee;
        escrow.amount = msg.value;
        escrow.status = Status.Open;
        escrow.terms = terms;
        emit Deposited(escrowId, msg.sender, payee, msg.value, terms);
    }

    /// @inheritdoc IAnswerEscrow
    function release(
        uint256 escrowId,
        ReceiptHashing.Receipt calldata receipt,
        uint64 batchIndex,
        bytes32[] calldata proof
    ) external nonReentrant {
        Escrow storage escrow = _openEscrow(escrowId);
        if (msg.sender != escrow.payee) revert AnswerEscrowNotPayee(escrowId, msg.sender);
        Terms memory terms = escrow.terms;
        if (block.timestamp > terms.deadline) revert AnswerEscrowDeadlinePassed(escrowId, terms.deadline);
        if (receipt.modelId != terms.modelId) revert AnswerEscrowWrongModel(escrowId, terms.modelId, receipt.modelId);
        if (receipt.weightsDigest != terms.weightsDigest) {
            revert AnswerEscrowWrongModelVersion(escrowId, terms.weightsDigest, receipt.weightsDigest);
        }
        if (receipt.inputDigest != terms.inputDigest) {
            revert AnswerEscrowWrongInput(escrowId, terms.inputDigest, receipt.inputDigest);
        }
        bytes32 leaf = ReceiptHashing.leafCalldata(receipt);
        if (!_receiptLogs.verifyInclusion(terms.logId, batchIndex, leaf, proof)) {
            revert AnswerEscrowReceiptNotAnchored(escrowId, terms.logId, batchIndex, leaf);
        }
        escrow.status = Status.Released;
        escrow.receiptId = receipt.receiptId;
        uint256 amount = escrow.amount;
        address payee = escrow.payee;
        emit Released(escrowId, payee, receipt.receiptId, batchIndex);
        Address.sendValue(payable(payee), amount);
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
    function receiptLogs() external view returns (address logs) {
        return address(_receiptLogs);
    }

    function _openEscrow(uint256 escrowId) private view returns (Escrow storage escrow) {
        escrow = _escrows[escrowId];
        if (escrow.status != Status.Open) revert AnswerEscrowNotOpen(escrowId, escrow.status);
    }
}

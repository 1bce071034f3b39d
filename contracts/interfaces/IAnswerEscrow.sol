// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ReceiptHashing} from "../ReceiptHashing.sol";

/**
 * @title IAnswerEscrow
 * @notice Pay for an AI answer only once its receipt is provably anchored: a payer deposits for a payee under
 * agreed terms; the payee releases the deposit by presenting a receipt matching the terms and its inclusion proof
 * against an anchored batch; after the deadline the payer takes the deposit back.
 * @dev Implemented by the example {AnswerEscrow}.
 */
interface IAnswerEscrow {
    /// @notice Where an escrow is in its life.
    enum Status {
        None,
        Open,
        Released,
        Refunded
    }

    /**
     * @notice What the payee's receipt must show.
     * @param logId the ReceiptLogs log the receipt must be anchored in
     * @param modelId the model (keccak256 of its name)
     * @param weightsDigest the model version
     * @param inputDigest the salted digest of the request (the payer knows content and salt, so it can compute it)
     * @param deadline the last second (unix time) at which the payee can release; the payer can refund after it
     */
    struct Terms {
        bytes32 logId;
        bytes32 modelId;
        bytes32 weightsDigest;
        bytes32 inputDigest;
        uint64 deadline;
    }

    /**
     * @notice One escrow.
     * @param payer who deposited (gets a refund after the deadline)
     * @param payee who may release
     * @param amount the deposit in wei
     * @param status the escrow's status
     * @param terms the agreed terms
     * @param receiptId the receipt that released it (zero until released)
     * @param depositedAt the block timestamp of the deposit: only receipts issued at or after it can release
     */
    struct Escrow {
        address payer;
        address payee;
        uint256 amount;
        Status status;
        Terms terms;
        bytes32 receiptId;
        uint64 depositedAt;
    }

    /// @notice `payer` deposited `amount` wei for `payee` under `terms`.
    event Deposited(
        uint256 indexed escrowId, address indexed payer, address indexed payee, uint256 amount, Terms terms
    );

    /// @notice The payee was paid against receipt `receiptId`, anchored in batch `batchIndex` of the terms' log.
    event Released(uint256 indexed escrowId, address indexed payee, bytes32 indexed receiptId, uint64 batchIndex);

    /// @notice The deadline passed and the payer took the deposit back.
    event Refunded(uint256 indexed escrowId, address indexed payer);

    /// @notice A deposit must carry value.
    error AnswerEscrowZeroDeposit();

    /// @notice The payee must not be the zero address.
    error AnswerEscrowInvalidPayee();

    /// @notice The deadline `deadline` is not in the future.
    error AnswerEscrowDeadlineInPast(uint64 deadline);

    /// @notice `escrowId` is not open (status `status`).
    error AnswerEscrowNotOpen(uint256 escrowId, Status status);

    /// @notice `account` is not the payee of `escrowId`.
    error AnswerEscrowNotPayee(uint256 escrowId, address account);

    /// @notice `account` is not the payer of `escrowId`.
    error AnswerEscrowNotPayer(uint256 escrowId, address account);

    /// @notice The deadline of `escrowId` passed: release is closed.
    error AnswerEscrowDeadlinePassed(uint256 escrowId, uint64 deadline);

    /// @notice The deadline of `escrowId` has not passed: no refund yet.
    error AnswerEscrowDeadlineNotReached(uint256 escrowId, uint64 deadline);

    /// @notice The receipt's model is not the agreed one.
    error AnswerEscrowWrongModel(uint256 escrowId, bytes32 expected, bytes32 actual);

    /// @notice The receipt's model version (weights digest) is not the agreed one.
    error AnswerEscrowWrongModelVersion(uint256 escrowId, bytes32 expected, bytes32 actual);

    /// @notice The receipt answers another request (input digest).
    error AnswerEscrowWrongInput(uint256 escrowId, bytes32 expected, bytes32 actual);

    /// @notice The receipt's leaf is not proven to be in batch `batchIndex` of `logId`.
    error AnswerEscrowReceiptNotAnchored(uint256 escrowId, bytes32 logId, uint64 batchIndex, bytes32 leaf);

    /// @notice Receipt `receiptId` of `logId` already released escrow `releasedEscrowId`: a receipt pays once.
    error AnswerEscrowReceiptAlreadyUsed(uint256 escrowId, bytes32 logId, bytes32 receiptId, uint256 releasedEscrowId);

    /// @notice The receipt was issued at `issuedAt`, before the deposit (at `depositedAt`): it cannot answer it.
    error AnswerEscrowReceiptBeforeDeposit(uint256 escrowId, uint64 issuedAt, uint64 depositedAt);

    /// @notice The receipt claims a time (`issuedAt`) after this block's (`blockTime`).
    error AnswerEscrowReceiptFromFuture(uint256 escrowId, uint64 issuedAt, uint64 blockTime);

    /// @notice The signature does not recover to the receipt's serving node (`recovered`: zero when malformed).
    error AnswerEscrowBadSignature(uint256 escrowId, address servingNode, address recovered);

    /// @notice The receipt's serving node `signer` was not an authorised signer of `logId` at `issuedAt`.
    error AnswerEscrowUnauthorisedSigner(uint256 escrowId, bytes32 logId, address signer, uint64 issuedAt);

    /// @notice The serving node `signer`'s key was reported compromised since batch `fromBatch` (time `since`) and the
    /// receipt is in batch `batchIndex`, at or after it ({IReceiptLogs-reportSignerCompromise}).
    error AnswerEscrowSignerCompromised(
        uint256 escrowId,
        bytes32 logId,
        address signer,
        uint64 since,
        uint64 fromBatch,
        uint64 batchIndex
    );

    /// @notice The ModelTimeline bound to `logId` (`timeline`) is not a showwork ModelTimeline build serving this
    /// escrow's ReceiptLogs: its answers cannot be trusted.
    error AnswerEscrowTimelineNotShowwork(uint256 escrowId, bytes32 logId, address timeline);

    /// @notice The timeline changed between the receipt's time and this release (entry `activationAtReceipt` then,
    /// `activationNow` now): the agreed version may not have been the active one when the receipt was anchored.
    error AnswerEscrowVersionChangedSinceReceipt(
        uint256 escrowId,
        bytes32 expected,
        uint64 issuedAt,
        uint256 activationAtReceipt,
        uint256 activationNow
    );

    /// @notice `logId` has no ModelTimeline bound ({IReceiptLogs-bindTimeline}): the model version cannot be checked.
    error AnswerEscrowNoTimeline(uint256 escrowId, bytes32 logId);

    /// @notice The agreed version `expected` was not the active one at the receipt's time (`active` was).
    error AnswerEscrowVersionNotActive(uint256 escrowId, bytes32 expected, bytes32 active, uint64 issuedAt);

    /**
     * @notice Deposits `msg.value` for `payee` under `terms`.
     * @param payee who may release the deposit with a matching anchored receipt
     * @param terms what the receipt must show, and the deadline
     * @return escrowId the new escrow's id
     */
    function deposit(address payee, Terms calldata terms) external payable returns (uint256 escrowId);

    /**
     * @notice Pays the deposit of `escrowId` to its payee, who proves an anchored receipt matching the terms.
     * @dev Only the payee, until the deadline (inclusive). The contract checks, in order: model, version and input
     * against the terms; that the receipt was issued at or after the deposit and not after this block; that the
     * receipt (log, receipt id) has not released another escrow; the serving node's EIP-712 signature (domain
     * {name: "showwork", version: "1"}, {ReceiptHashing-typedDataHash}); that the serving node was an authorised
     * signer of the terms' log at `issuedAt` and, if its key was reported compromised, that `batchIndex` is before
     * the report's cut-off ({IReceiptLogs-isReceiptSignerValid}); that the log's bound timeline
     * ({IReceiptLogs-logTimeline}) is a showwork ModelTimeline build of the same ReceiptLogs; that the agreed
     * version was the active one at `issuedAt` ({IModelTimeline-activeVersionAt}) and the same timeline entry is
     * still in force now ({IModelTimeline-activationIndexAt}); and inclusion of the recomputed leaf in batch
     * `batchIndex` of the log ({IReceiptLogs-verifyInclusion}).
     * NOTE: the verifier judges the version over [issuedAt, anchoring]; the anchoring time is not stored on-chain,
     * so the escrow judges over [issuedAt, now], which contains it (stricter: never a payment the verifier would
     * refuse). A receipt cannot be backdated before the deposit, and only an authorised node can sign it.
     * @param escrowId the escrow
     * @param receipt the receipt (all its fields)
     * @param signature the serving node's 65-byte EIP-712 signature over the receipt
     * @param batchIndex the batch of the terms' log that includes the receipt
     * @param proof the inclusion proof of the receipt's leaf in that batch
     */
    function release(
        uint256 escrowId,
        ReceiptHashing.Receipt calldata receipt,
        bytes calldata signature,
        uint64 batchIndex,
        bytes32[] calldata proof
    ) external;

    /**
     * @notice Returns the deposit of `escrowId` to its payer after the deadline.
     * @param escrowId the escrow
     */
    function refund(uint256 escrowId) external;

    /**
     * @notice The escrow `escrowId`.
     * @param escrowId the escrow
     * @return escrow its record (status None if it does not exist)
     */
    function escrowOf(uint256 escrowId) external view returns (Escrow memory escrow);

    /**
     * @notice The escrow that receipt `receiptId` of `logId` released (0 if none).
     * @param logId the log
     * @param receiptId the receipt id
     * @return escrowId the escrow it released, or 0
     */
    function releasedBy(bytes32 logId, bytes32 receiptId) external view returns (uint256 escrowId);

    /**
     * @notice The ReceiptLogs contract receipts are checked against.
     * @return logs its address
     */
    function receiptLogs() external view returns (address logs);
}

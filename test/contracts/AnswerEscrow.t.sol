// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

import {AnswerEscrow} from "../../contracts/examples/AnswerEscrow.sol";
import {IAnswerEscrow} from "../../contracts/interfaces/IAnswerEscrow.sol";
import {ReceiptHashing} from "../../contracts/ReceiptHashing.sol";
import {ReceiptLogs} from "../../contracts/ReceiptLogs.sol";
import {TestBase} from "./TestBase.sol";

/// @dev A payee that tries to re-enter the escrow when paid.
contract ReenteringPayee {
    AnswerEscrow private immutable _escrow;
    ReceiptHashing.Receipt private _receipt;
    bytes32[] private _proof;
    uint256 public reentryAttempts;
    bytes public reentryError;

    constructor(AnswerEscrow escrow_) {
        _escrow = escrow_;
    }

    function releaseWith(uint256 escrowId, ReceiptHashing.Receipt calldata receipt, bytes32[] calldata proof) external {
        _receipt = receipt;
        _proof = proof;
        _escrow.release(escrowId, receipt, 0, proof);
    }

    /// @dev Re-enters to release escrow 2 (also payable to this contract) while escrow 1 is being paid.
    receive() external payable {
        ++reentryAttempts;
        try _escrow.release(2, _receipt, 0, _proof) {} catch (bytes memory reason) {
            reentryError = reason;
        }
    }
}

contract AnswerEscrowTest is TestBase {
    ReceiptLogs internal logs;
    AnswerEscrow internal escrow;
    bytes32 internal logId;
    address internal payer;
    address internal payee;
    address internal operator;

    function setUp() public {
        logs = new ReceiptLogs();
        escrow = new AnswerEscrow(logs);
        payer = someAccount(1);
        payee = someAccount(2);
        operator = someAccount(3);
        VM.startPrank(operator);
        logId = logs.createLog(bytes32("answers"), 600);
        logs.grantAnchorer(logId, operator);
        VM.stopPrank();
        VM.deal(payer, 10 ether);
        VM.warp(1_000_000);
    }

    function _receipt(bytes32 inputDigest) internal pure returns (ReceiptHashing.Receipt memory r) {
        r.receiptId = keccak256(abi.encode("receipt", inputDigest));
        r.modelId = keccak256("showwork-chat");
        r.weightsDigest = keccak256("weights-v2");
        r.promptTemplateDigest = keccak256("template");
        r.promptTemplateVersion = 3;
        r.toolsDigest = ReceiptHashing.toolsDigest(new ReceiptHashing.ToolCall[](0));
        r.inputDigest = inputDigest;
        r.outputDigest = ReceiptHashing.contentDigest(bytes32("salt"), "42");
        r.samplingDigest = keccak256('{"temperature":0}');
        r.servingNode = address(0xBEEF);
        r.issuedAt = 1_000_000;
        r.sequence = 7;
    }

    function _terms(bytes32 inputDigest) internal view returns (IAnswerEscrow.Terms memory) {
        return IAnswerEscrow.Terms({
            logId: logId,
            modelId: keccak256("showwork-chat"),
            weightsDigest: keccak256("weights-v2"),
            inputDigest: inputDigest,
            deadline: uint64(block.timestamp + 1 days)
        });
    }

    /// @dev Anchors a two-receipt batch (the wanted one and another) and returns the wanted one's proof.
    function _anchorWith(ReceiptHashing.Receipt memory wanted) internal returns (bytes32[] memory proof) {
        bytes32 leaf = ReceiptHashing.leaf(wanted);
        bytes32 other = ReceiptHashing.leaf(_receipt(bytes32("another request")));
        uint64 index = logs.logSize(logId); // before the prank: it applies to the next call only
        VM.prank(operator);
        logs.anchor(logId, index, Hashes.commutativeKeccak256(leaf, other), 2);
        proof = new bytes32[](1);
        proof[0] = other;
    }

    function _deposit(address to, bytes32 inputDigest) internal returns (uint256 id) {
        VM.prank(payer);
        id = escrow.deposit{value: 1 ether}(to, _terms(inputDigest));
    }

    function test_release_paysThePayeeForAnAnchoredMatchingReceipt() public {
        bytes32 input = ReceiptHashing.contentDigest(bytes32("payer salt"), "what is 6 x 7?");
        uint256 id = _deposit(payee, input);
        ReceiptHashing.Receipt memory r = _receipt(input);
        bytes32[] memory proof = _anchorWith(r);
        VM.prank(payee);
        escrow.release(id, r, 0, proof);
        assertEq(payee.balance, 1 ether, "paid");
        IAnswerEscrow.Escrow memory e = escrow.escrowOf(id);
        assertTrue(e.status == IAnswerEscrow.Status.Released, "released");
        assertEq(e.receiptId, r.receiptId, "receipt recorded");
        VM.prank(payee);
        VM.expectRevert(
            abi.encodeWithSelector(IAnswerEscrow.AnswerEscrowNotOpen.selector, id, IAnswerEscrow.Status.Released)
        );
        escrow.release(id, r, 0, proof);
    }

    function test_release_rejectsMismatchesAndUnanchoredReceipts() public {
        bytes32 input = bytes32("input");
        uint256 id = _deposit(payee, input);
        ReceiptHashing.Receipt memory r = _receipt(input);
        bytes32[] memory proof = _anchorWith(r);

        ReceiptHashing.Receipt memory wrong = _receipt(input);
        wrong.weightsDigest = keccak256("weights-v3");
        VM.prank(payee);
        VM.expectRevert(
            abi.encodeWithSelector(
                IAnswerEscrow.AnswerEscrowWrongModelVersion.selector, id, r.weightsDigest, wrong.weightsDigest
            )
        );
        escrow.release(id, wrong, 0, proof);

        wrong = _receipt(bytes32("other input"));
        VM.prank(payee);
        VM.expectRevert(
            abi.encodeWithSelector(IAnswerEscrow.AnswerEscrowWrongInput.selector, id, input, bytes32("other input"))
        );
        escrow.release(id, wrong, 0, proof);

        wrong = _receipt(input);
        wrong.modelId = keccak256("other-model");
        VM.prank(payee);
        VM.expectRevert(
            abi.encodeWithSelector(IAnswerEscrow.AnswerEscrowWrongModel.selector, id, r.modelId, wrong.modelId)
        );
        escrow.release(id, wrong, 0, proof);

        // Same terms, but a field outside the terms differs: the leaf is not the anchored one.
        wrong = _receipt(input);
        wrong.outputDigest = bytes32("forged output");
        VM.prank(payee);
        VM.expectRevert(
            abi.encodeWithSelector(
                IAnswerEscrow.AnswerEscrowReceiptNotAnchored.selector, id, logId, uint64(0), ReceiptHashing.leaf(wrong)
            )
        );
        escrow.release(id, wrong, 0, proof);

        VM.prank(payee);
        VM.expectRevert(
            abi.encodeWithSelector(
                IAnswerEscrow.AnswerEscrowReceiptNotAnchored.selector, id, logId, uint64(1), ReceiptHashing.leaf(r)
            )
        );
        escrow.release(id, r, 1, proof);

        VM.prank(payer);
        VM.expectRevert(abi.encodeWithSelector(IAnswerEscrow.AnswerEscrowNotPayee.selector, id, payer));
        escrow.release(id, r, 0, proof);
    }

    function test_refund_onlyAfterTheDeadline() public {
        uint256 id = _deposit(payee, bytes32("input"));
        uint64 deadline = escrow.escrowOf(id).terms.deadline;
        VM.prank(payer);
        VM.expectRevert(abi.encodeWithSelector(IAnswerEscrow.AnswerEscrowDeadlineNotReached.selector, id, deadline));
        escrow.refund(id);
        VM.warp(deadline + 1);
        ReceiptHashing.Receipt memory r = _receipt(bytes32("input"));
        bytes32[] memory proof = _anchorWith(r);
        VM.prank(payee);
        VM.expectRevert(abi.encodeWithSelector(IAnswerEscrow.AnswerEscrowDeadlinePassed.selector, id, deadline));
        escrow.release(id, r, 0, proof);
        VM.prank(payee);
        VM.expectRevert(abi.encodeWithSelector(IAnswerEscrow.AnswerEscrowNotPayer.selector, id, payee));
        escrow.refund(id);
        VM.prank(payer);
        escrow.refund(id);
        assertEq(payer.balance, 10 ether, "refunded");
    }

    function test_deposit_validation() public {
        VM.prank(payer);
        VM.expectRevert(abi.encodeWithSelector(IAnswerEscrow.AnswerEscrowZeroDeposit.selector));
        escrow.deposit(payee, _terms(bytes32("x")));
        VM.prank(payer);
        VM.expectRevert(abi.encodeWithSelector(IAnswerEscrow.AnswerEscrowInvalidPayee.selector));
        escrow.deposit{value: 1}(address(0), _terms(bytes32("x")));
        IAnswerEscrow.Terms memory terms = _terms(bytes32("x"));
        terms.deadline = uint64(block.timestamp);
        VM.prank(payer);
        VM.expectRevert(
            abi.encodeWithSelector(IAnswerEscrow.AnswerEscrowDeadlineInPast.selector, uint64(block.timestamp))
        );
        escrow.deposit{value: 1}(payee, terms);
    }

    function test_release_isReentrancySafe() public {
        ReenteringPayee attacker = new ReenteringPayee(escrow);
        bytes32 input = bytes32("input");
        uint256 id = _deposit(address(attacker), input);
        assertEq(id, 1, "first escrow");
        _deposit(address(attacker), input); // a second deposit the attacker would like to drain too
        ReceiptHashing.Receipt memory r = _receipt(input);
        bytes32[] memory proof = _anchorWith(r);
        attacker.releaseWith(id, r, proof);
        assertEq(attacker.reentryAttempts(), 1, "tried to re-enter");
        assertEq(
            keccak256(attacker.reentryError()),
            keccak256(abi.encodeWithSelector(ReentrancyGuard.ReentrancyGuardReentrantCall.selector)),
            "re-entry blocked by the guard"
        );
        assertEq(address(attacker).balance, 1 ether, "paid once");
        assertEq(address(escrow).balance, 1 ether, "second deposit intact");
    }

    function testFuzz_release_anyOtherCallerIsRejected(address caller) public {
        VM.assume(caller != payee);
        uint256 id = _deposit(payee, bytes32("input"));
        ReceiptHashing.Receipt memory r = _receipt(bytes32("input"));
        bytes32[] memory proof = _anchorWith(r);
        VM.prank(caller);
        VM.expectRevert(abi.encodeWithSelector(IAnswerEscrow.AnswerEscrowNotPayee.selector, id, caller));
        escrow.release(id, r, 0, proof);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

import {AnswerEscrow} from "../../contracts/examples/AnswerEscrow.sol";
import {IAnswerEscrow} from "../../contracts/interfaces/IAnswerEscrow.sol";
import {ModelTimeline} from "../../contracts/ModelTimeline.sol";
import {ReceiptHashing} from "../../contracts/ReceiptHashing.sol";
import {ReceiptLogs} from "../../contracts/ReceiptLogs.sol";
import {TestBase} from "./TestBase.sol";

/// @dev Answers like a timeline of whatever ReceiptLogs it names, and says any version was active: a look-alike.
contract LookalikeTimeline {
    address private immutable _logs;

    constructor(address logs_) {
        _logs = logs_;
    }

    function receiptLogs() external view returns (address) {
        return _logs;
    }

    function activeVersionAt(bytes32, bytes32, uint64) external pure returns (bytes32) {
        return keccak256("weights-v2");
    }

    function activationIndexAt(bytes32, bytes32, uint64) external pure returns (bool, uint256) {
        return (true, 0);
    }
}

/// @dev A payee that tries to re-enter the escrow when paid.
contract ReenteringPayee {
    AnswerEscrow private immutable _escrow;
    ReceiptHashing.Receipt private _receipt;
    bytes private _signature;
    bytes32[] private _proof;
    uint256 public reentryAttempts;
    bytes public reentryError;

    constructor(AnswerEscrow escrow_) {
        _escrow = escrow_;
    }

    function releaseWith(
        uint256 escrowId,
        ReceiptHashing.Receipt calldata receipt,
        bytes calldata signature,
        bytes32[] calldata proof
    ) external {
        _receipt = receipt;
        _signature = signature;
        _proof = proof;
        _escrow.release(escrowId, receipt, signature, 0, proof);
    }

    /// @dev Re-enters to release escrow 2 (also payable to this contract) while escrow 1 is being paid.
    // solhint-disable-next-line no-complex-fallback
    receive() external payable {
        ++reentryAttempts;
        try _escrow.release(2, _receipt, _signature, 0, _proof) {} catch (bytes memory reason) {
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
    ModelTimeline internal timeline;
    uint256 internal constant NODE_KEY = 0xA11CE;
    address internal node;

    bytes32 internal constant MODEL = keccak256("showwork-chat");

    function setUp() public {
        logs = new ReceiptLogs();
        escrow = new AnswerEscrow(logs);
        timeline = new ModelTimeline(logs);
        payer = someAccount(1);
        payee = someAccount(2);
        operator = someAccount(3);
        node = VM.addr(NODE_KEY);
        VM.warp(999_000);
        VM.startPrank(operator);
        logId = logs.createLog(bytes32("answers"), 600);
        logs.grantAnchorer(logId, operator);
        logs.grantSigner(logId, node);
        logs.bindTimeline(logId, address(timeline));
        timeline.registerModel(logId, MODEL, "showwork-chat");
        timeline.publishVersion(logId, MODEL, keccak256("weights-v1"), "");
        timeline.publishVersion(logId, MODEL, keccak256("weights-v2"), "");
        timeline.deployVersion(logId, MODEL, keccak256("weights-v2"));
        VM.stopPrank();
        VM.deal(payer, 10 ether);
        VM.warp(1_000_000);
    }

    function _sign(uint256 key, ReceiptHashing.Receipt memory r) internal pure returns (bytes memory) {
        (uint8 v, bytes32 rr, bytes32 ss) = VM.sign(key, ReceiptHashing.typedDataHash(r));
        return abi.encodePacked(rr, ss, v);
    }

    function _sig(ReceiptHashing.Receipt memory r) internal pure returns (bytes memory) {
        return _sign(NODE_KEY, r);
    }

    function _receipt(bytes32 inputDigest) internal view returns (ReceiptHashing.Receipt memory r) {
        r.receiptId = keccak256(abi.encode("receipt", inputDigest));
        r.modelId = keccak256("showwork-chat");
        r.weightsDigest = keccak256("weights-v2");
        r.promptTemplateDigest = keccak256("template");
        r.promptTemplateVersion = 3;
        r.toolsDigest = ReceiptHashing.toolsDigest(new ReceiptHashing.ToolCall[](0));
        r.inputDigest = inputDigest;
        r.outputDigest = ReceiptHashing.contentDigest(bytes32("salt"), "42");
        r.samplingDigest = keccak256("{\"temperature\":0}");
        r.servingNode = node;
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
        escrow.release(id, r, _sig(r), 0, proof);
        assertEq(payee.balance, 1 ether, "paid");
        IAnswerEscrow.Escrow memory e = escrow.escrowOf(id);
        assertTrue(e.status == IAnswerEscrow.Status.Released, "released");
        assertEq(e.receiptId, r.receiptId, "receipt recorded");
        VM.prank(payee);
        VM.expectRevert(
            abi.encodeWithSelector(IAnswerEscrow.AnswerEscrowNotOpen.selector, id, IAnswerEscrow.Status.Released)
        );
        escrow.release(id, r, _sig(r), 0, proof);
    }

    function test_release_rejectsReceiptsThatDoNotMatchTheTerms() public {
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
        escrow.release(id, wrong, _sig(wrong), 0, proof);

        wrong = _receipt(bytes32("other input"));
        VM.prank(payee);
        VM.expectRevert(
            abi.encodeWithSelector(IAnswerEscrow.AnswerEscrowWrongInput.selector, id, input, bytes32("other input"))
        );
        escrow.release(id, wrong, _sig(wrong), 0, proof);

        wrong = _receipt(input);
        wrong.modelId = keccak256("other-model");
        VM.prank(payee);
        VM.expectRevert(
            abi.encodeWithSelector(IAnswerEscrow.AnswerEscrowWrongModel.selector, id, r.modelId, wrong.modelId)
        );
        escrow.release(id, wrong, _sig(wrong), 0, proof);

        VM.prank(payer);
        VM.expectRevert(abi.encodeWithSelector(IAnswerEscrow.AnswerEscrowNotPayee.selector, id, payer));
        escrow.release(id, r, _sig(r), 0, proof);
    }

    function test_release_rejectsUnanchoredReceipts() public {
        bytes32 input = bytes32("input");
        uint256 id = _deposit(payee, input);
        ReceiptHashing.Receipt memory r = _receipt(input);
        bytes32[] memory proof = _anchorWith(r);

        // Same terms, but a field outside the terms differs: the leaf is not the anchored one.
        ReceiptHashing.Receipt memory forged = _receipt(input);
        forged.outputDigest = bytes32("forged output");
        VM.prank(payee);
        VM.expectRevert(
            abi.encodeWithSelector(
                IAnswerEscrow.AnswerEscrowReceiptNotAnchored.selector,
                id,
                logId,
                uint64(0),
                ReceiptHashing.leaf(forged)
            )
        );
        escrow.release(id, forged, _sig(forged), 0, proof);

        VM.prank(payee);
        VM.expectRevert(
            abi.encodeWithSelector(
                IAnswerEscrow.AnswerEscrowReceiptNotAnchored.selector, id, logId, uint64(1), ReceiptHashing.leaf(r)
            )
        );
        escrow.release(id, r, _sig(r), 1, proof);
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
        escrow.release(id, r, _sig(r), 0, proof);
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
        attacker.releaseWith(id, r, _sig(r), proof);
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
        escrow.release(id, r, _sig(r), 0, proof);
    }

    // ---------------------------------------------------------------- one receipt, one escrow; who signed; when

    function test_release_aReceiptReleasesOneEscrowOnly() public {
        bytes32 input = bytes32("same input");
        uint256 first = _deposit(payee, input);
        uint256 second = _deposit(payee, input);
        ReceiptHashing.Receipt memory r = _receipt(input);
        bytes32[] memory proof = _anchorWith(r);
        VM.prank(payee);
        escrow.release(first, r, _sig(r), 0, proof);
        assertEq(escrow.releasedBy(logId, r.receiptId), first, "receipt marked used");
        VM.prank(payee);
        VM.expectRevert(
            abi.encodeWithSelector(
                IAnswerEscrow.AnswerEscrowReceiptAlreadyUsed.selector, second, logId, r.receiptId, first
            )
        );
        escrow.release(second, r, _sig(r), 0, proof);
        assertTrue(escrow.escrowOf(second).status == IAnswerEscrow.Status.Open, "second escrow still open");
    }

    function test_release_rejectsReceiptsIssuedBeforeTheDepositOrInTheFuture() public {
        bytes32 input = bytes32("input");
        ReceiptHashing.Receipt memory early = _receipt(input);
        early.issuedAt = 1_000_000;
        bytes32[] memory proof = _anchorWith(early);
        VM.warp(1_000_100);
        uint256 id = _deposit(payee, input);
        VM.prank(payee);
        VM.expectRevert(
            abi.encodeWithSelector(
                IAnswerEscrow.AnswerEscrowReceiptBeforeDeposit.selector, id, uint64(1_000_000), uint64(1_000_100)
            )
        );
        escrow.release(id, early, _sig(early), 0, proof);

        ReceiptHashing.Receipt memory future = _receipt(input);
        future.issuedAt = 1_000_500;
        proof = _anchorWith(future);
        VM.prank(payee);
        VM.expectRevert(
            abi.encodeWithSelector(
                IAnswerEscrow.AnswerEscrowReceiptFromFuture.selector, id, uint64(1_000_500), uint64(1_000_100)
            )
        );
        escrow.release(id, future, _sig(future), 1, proof);
    }

    function test_release_requiresTheServingNodesSignature() public {
        bytes32 input = bytes32("input");
        uint256 id = _deposit(payee, input);
        ReceiptHashing.Receipt memory r = _receipt(input);
        bytes32[] memory proof = _anchorWith(r);
        uint256 otherKey = 0xB0B;
        VM.prank(payee);
        VM.expectRevert(
            abi.encodeWithSelector(IAnswerEscrow.AnswerEscrowBadSignature.selector, id, node, VM.addr(otherKey))
        );
        escrow.release(id, r, _sign(otherKey, r), 0, proof);
        VM.prank(payee);
        VM.expectRevert(abi.encodeWithSelector(IAnswerEscrow.AnswerEscrowBadSignature.selector, id, node, address(0)));
        escrow.release(id, r, hex"", 0, proof);
    }

    function test_release_requiresASignerAuthorisedAtIssuedAt() public {
        bytes32 input = bytes32("input");
        uint256 id = _deposit(payee, input);
        // A node that signs correctly but that the log never authorised.
        uint256 rogueKey = 0xBAD;
        ReceiptHashing.Receipt memory r = _receipt(input);
        r.servingNode = VM.addr(rogueKey);
        bytes32[] memory proof = _anchorWith(r);
        VM.prank(payee);
        VM.expectRevert(
            abi.encodeWithSelector(
                IAnswerEscrow.AnswerEscrowUnauthorisedSigner.selector, id, logId, r.servingNode, r.issuedAt
            )
        );
        escrow.release(id, r, _sign(rogueKey, r), 0, proof);

        // The genuine node, revoked before the receipt's time.
        VM.prank(operator);
        logs.revokeSigner(logId, node);
        VM.warp(1_000_010);
        ReceiptHashing.Receipt memory late = _receipt(input);
        late.issuedAt = 1_000_010;
        proof = _anchorWith(late);
        VM.prank(payee);
        VM.expectRevert(
            abi.encodeWithSelector(
                IAnswerEscrow.AnswerEscrowUnauthorisedSigner.selector, id, logId, node, uint64(1_000_010)
            )
        );
        escrow.release(id, late, _sig(late), 1, proof);
    }

    function test_release_requiresTheAgreedVersionActiveAtIssuedAt() public {
        bytes32 input = bytes32("input");
        uint256 id = _deposit(payee, input);
        VM.warp(1_000_050);
        VM.prank(operator);
        timeline.rollbackTo(logId, MODEL, keccak256("weights-v1"), "v2 regressed");
        VM.warp(1_000_060);
        // The stale node still claims v2 after the rollback.
        ReceiptHashing.Receipt memory stale = _receipt(input);
        stale.issuedAt = 1_000_060;
        bytes32[] memory proof = _anchorWith(stale);
        VM.prank(payee);
        VM.expectRevert(
            abi.encodeWithSelector(
                IAnswerEscrow.AnswerEscrowVersionNotActive.selector,
                id,
                keccak256("weights-v2"),
                keccak256("weights-v1"),
                uint64(1_000_060)
            )
        );
        escrow.release(id, stale, _sig(stale), 0, proof);
    }

    function test_release_requiresABoundTimeline() public {
        VM.prank(operator);
        bytes32 unbound = logs.createLog(bytes32("unbound"), 0);
        VM.startPrank(operator);
        logs.grantSigner(unbound, node);
        logs.grantAnchorer(unbound, operator);
        VM.stopPrank();
        IAnswerEscrow.Terms memory terms = _terms(bytes32("input"));
        terms.logId = unbound;
        VM.prank(payer);
        uint256 id = escrow.deposit{value: 1 ether}(payee, terms);
        ReceiptHashing.Receipt memory r = _receipt(bytes32("input"));
        bytes32[] memory proof = new bytes32[](0);
        VM.prank(payee);
        VM.expectRevert(abi.encodeWithSelector(IAnswerEscrow.AnswerEscrowNoTimeline.selector, id, unbound));
        escrow.release(id, r, _sig(r), 0, proof);
    }

    // ---------------------------------------------------------------- issue #22

    /// @dev Item 3: after a compromise report, a thief's receipt dated before the revocation but anchored after the
    /// leak does not pay; a receipt anchored before the leak still does.
    function test_release_refusesAReceiptOfAKeyReportedCompromised() public {
        bytes32 input = bytes32("input");
        uint256 honestId = _deposit(payee, input);
        ReceiptHashing.Receipt memory honest = _receipt(input);
        bytes32[] memory honestProof = _anchorWith(honest); // batch 0, anchored at 1_000_000

        VM.warp(1_000_100);
        uint256 id = _deposit(payee, input);
        ReceiptHashing.Receipt memory forged = _receipt(input);
        forged.receiptId = keccak256("forged");
        forged.outputDigest = ReceiptHashing.contentDigest(bytes32("salt"), "APPROVE");
        forged.issuedAt = 1_000_100; // looks fine: the node is still authorised at that time
        bytes32[] memory forgedProof = _anchorWith(forged); // batch 1, anchored at 1_000_100, after the leak
        VM.warp(1_000_200);
        VM.prank(operator);
        logs.reportSignerCompromise(logId, node, 1_000_050, 1);

        VM.prank(payee);
        VM.expectRevert(
            abi.encodeWithSelector(
                IAnswerEscrow.AnswerEscrowSignerCompromised.selector,
                id,
                logId,
                node,
                uint64(1_000_050),
                uint64(1),
                uint64(1)
            )
        );
        escrow.release(id, forged, _sig(forged), 1, forgedProof);

        VM.prank(payee);
        escrow.release(honestId, honest, _sig(honest), 0, honestProof);
        assertEq(payee.balance, 1 ether, "the receipt anchored before the leak still pays");
    }

    /// @dev Item 7: the version is judged over [issuedAt, release] (which contains the anchoring), as the verifier
    /// judges over [issuedAt, anchoring]: a timeline change in between refuses the release.
    function test_release_judgesTheVersionOverTheSpanFromTheReceipt() public {
        bytes32 input = bytes32("input");
        uint256 id = _deposit(payee, input);
        ReceiptHashing.Receipt memory r = _receipt(input); // issued at 1_000_000 under v2 (activation 0)
        bytes32[] memory proof = _anchorWith(r);
        VM.warp(1_000_050);
        VM.prank(operator);
        timeline.rollbackTo(logId, MODEL, keccak256("weights-v1"), "v2 regressed"); // activation 1
        VM.warp(1_000_060);
        VM.prank(payee);
        VM.expectRevert(
            abi.encodeWithSelector(
                IAnswerEscrow.AnswerEscrowVersionChangedSinceReceipt.selector,
                id,
                keccak256("weights-v2"),
                uint64(1_000_000),
                uint256(0),
                uint256(1)
            )
        );
        escrow.release(id, r, _sig(r), 0, proof);
    }

    /// @dev Item 6: the escrow checks the bound timeline's code itself (a ReceiptLogs of another build, or storage
    /// written by other means, cannot make it trust a look-alike).
    function test_release_refusesATimelineThatIsNotTheShowworkBuild() public {
        VM.prank(operator);
        bytes32 other = logs.createLog(bytes32("lookalike"), 0);
        VM.startPrank(operator);
        logs.grantSigner(other, node);
        logs.grantAnchorer(other, operator);
        VM.stopPrank();
        LookalikeTimeline fake = new LookalikeTimeline(address(logs));
        // ReceiptLogs.bindTimeline refuses it; write the binding straight into `_timelines` (slot 2) instead.
        VM.store(address(logs), keccak256(abi.encode(other, uint256(2))), bytes32(uint256(uint160(address(fake)))));
        assertEq(logs.logTimeline(other), address(fake), "bound by force");
        IAnswerEscrow.Terms memory terms = _terms(bytes32("input"));
        terms.logId = other;
        VM.prank(payer);
        uint256 id = escrow.deposit{value: 1 ether}(payee, terms);
        ReceiptHashing.Receipt memory r = _receipt(bytes32("input"));
        bytes32 leaf = ReceiptHashing.leaf(r);
        VM.prank(operator);
        logs.anchor(other, 0, leaf, 1);
        VM.prank(payee);
        VM.expectRevert(
            abi.encodeWithSelector(IAnswerEscrow.AnswerEscrowTimelineNotShowwork.selector, id, other, address(fake))
        );
        escrow.release(id, r, _sig(r), 0, new bytes32[](0));
    }
}

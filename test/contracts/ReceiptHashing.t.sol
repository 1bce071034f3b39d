// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ReceiptHashing} from "../../contracts/ReceiptHashing.sol";
import {TestBase} from "./TestBase.sol";

contract ReceiptHashingTest is TestBase {
    function _receipt(bytes32 seed, address servingNode) internal pure returns (ReceiptHashing.Receipt memory r) {
        r.receiptId = keccak256(abi.encode(seed, "id"));
        r.modelId = keccak256("showwork-chat");
        r.weightsDigest = keccak256(abi.encode(seed, "weights"));
        r.promptTemplateDigest = keccak256(abi.encode(seed, "template"));
        r.promptTemplateVersion = uint32(uint256(seed));
        r.retrievalIndexDigest = keccak256(abi.encode(seed, "index"));
        r.memoryDigest = keccak256(abi.encode(seed, "memory"));
        r.toolsDigest = keccak256(abi.encode(seed, "tools"));
        r.inputDigest = keccak256(abi.encode(seed, "input"));
        r.outputDigest = keccak256(abi.encode(seed, "output"));
        r.samplingDigest = keccak256(abi.encode(seed, "sampling"));
        r.servingNode = servingNode;
        r.issuedAt = uint64(uint256(seed) >> 64);
        r.sequence = uint64(uint256(seed) >> 128);
    }

    function test_typehashIsTheSpecTypeString() public pure {
        assertEq(
            ReceiptHashing.RECEIPT_TYPEHASH,
            keccak256(
                "Receipt(bytes32 receiptId,bytes32 modelId,bytes32 weightsDigest,bytes32 promptTemplateDigest,"
                "uint32 promptTemplateVersion,bytes32 retrievalIndexDigest,bytes32 memoryDigest,bytes32 toolsDigest,"
                "bytes32 inputDigest,bytes32 outputDigest,bytes32 samplingDigest,address servingNode,"
                "uint64 issuedAt,uint64 sequence)"
            ),
            "typehash"
        );
    }

    function testFuzz_hashReceipt_isTheFieldByFieldEncoding(bytes32 seed, address node) public pure {
        ReceiptHashing.Receipt memory r = _receipt(seed, node);
        bytes32 expected = keccak256(
            bytes.concat(
                abi.encode(
                    ReceiptHashing.RECEIPT_TYPEHASH,
                    r.receiptId,
                    r.modelId,
                    r.weightsDigest,
                    r.promptTemplateDigest,
                    r.promptTemplateVersion,
                    r.retrievalIndexDigest,
                    r.memoryDigest
                ),
                abi.encode(
                    r.toolsDigest, r.inputDigest, r.outputDigest, r.samplingDigest, r.servingNode, r.issuedAt, r.sequence
                )
            )
        );
        assertEq(ReceiptHashing.hashReceipt(r), expected, "hashStruct");
        assertEq(ReceiptHashing.leaf(r), keccak256(bytes.concat(expected)), "leaf = double hash");
    }

    function testFuzz_commitment(bytes32 salt, bytes memory content) public pure {
        bytes32 digest = ReceiptHashing.contentDigest(salt, content);
        assertEq(digest, keccak256(bytes.concat(salt, content)), "packed salt ++ content");
        assertTrue(ReceiptHashing.checkCommitment(digest, salt, content), "opens");
        assertFalse(ReceiptHashing.checkCommitment(digest, bytes32(uint256(salt) ^ 1), content), "other salt");
    }

    function test_toolsDigest_encodesTheArray() public pure {
        ReceiptHashing.ToolCall[] memory tools = new ReceiptHashing.ToolCall[](2);
        tools[0] = ReceiptHashing.ToolCall(ReceiptHashing.nameHash("search"), bytes32("in0"), bytes32("out0"));
        tools[1] = ReceiptHashing.ToolCall(ReceiptHashing.nameHash("calc"), bytes32("in1"), bytes32("out1"));
        bytes memory encoding = abi.encode(
            uint256(0x20), uint256(2), keccak256("search"), bytes32("in0"), bytes32("out0")
        );
        encoding = bytes.concat(encoding, abi.encode(keccak256("calc"), bytes32("in1"), bytes32("out1")));
        assertEq(ReceiptHashing.toolsDigest(tools), keccak256(encoding), "offset, length, elements");
    }

    function testFuzz_signature(uint256 key, bytes32 seed) public pure {
        key = bound(key);
        address node = VM.addr(key);
        ReceiptHashing.Receipt memory r = _receipt(seed, node);
        (uint8 v, bytes32 rr, bytes32 s) = VM.sign(key, ReceiptHashing.typedDataHash(r));
        bytes memory signature = abi.encodePacked(rr, s, v);
        assertTrue(ReceiptHashing.isSignedByServingNode(r, signature), "signed by the serving node");
        bytes32 receiptId = r.receiptId;
        r.receiptId = ~receiptId;
        assertFalse(ReceiptHashing.isSignedByServingNode(r, signature), "other receipt");
        r.receiptId = receiptId;
        r.servingNode = address(uint160(node) ^ 1);
        assertFalse(ReceiptHashing.isSignedByServingNode(r, signature), "other node");
        assertFalse(ReceiptHashing.isSignedByServingNode(r, hex"1234"), "malformed signature");
    }

    /// @dev A valid secp256k1 private key from any uint256.
    function bound(uint256 key) internal pure returns (uint256) {
        uint256 order = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
        return (key % (order - 1)) + 1;
    }
}

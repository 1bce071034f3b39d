// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

/**
 * @title ReceiptHashing
 * @notice The showwork receipt hashing scheme (receipt format v1) on-chain: the Solidity twin of the SDK's
 * `sdk/receipt` (`eip712.ts`, `hashReceipt.ts`, `toolsDigest.ts`, `commitment.ts`, `modelId.ts`,
 * `signReceipt.ts`). Both sides must agree byte for byte; the test suite checks them against each other.
 * @dev
 * - receiptHash = EIP-712 hashStruct = keccak256(abi.encode(RECEIPT_TYPEHASH, receiptId, ..., sequence))
 * - leaf = keccak256(bytes.concat(receiptHash)): the double hash equals the standardLeafHash of OpenZeppelin's
 *   merkle-tree library over [RECEIPT_TYPEHASH, ...fields] and keeps a 64-byte inner-node preimage from passing
 *   as a leaf.
 * - toolsDigest = keccak256(abi.encode(ToolCall[])), ToolCall.nameHash = keccak256(utf8 name)
 * - salted commitment = keccak256(abi.encodePacked(bytes32 salt, bytes content))
 * - modelId = keccak256(utf8 model name)
 * - signature (optional, not part of the leaf): EIP-712 by `servingNode`, domain { name: "showwork",
 *   version: "1" } without chainId or verifyingContract (a receipt is chain-independent).
 */
library ReceiptHashing {
    /// @notice A v1 receipt: every field is a static 32-byte ABI word. See the SPEC for each field's meaning.
    struct Receipt {
        bytes32 receiptId;
        bytes32 modelId;
        bytes32 weightsDigest;
        bytes32 promptTemplateDigest;
        uint32 promptTemplateVersion;
        bytes32 retrievalIndexDigest;
        bytes32 memoryDigest;
        bytes32 toolsDigest;
        bytes32 inputDigest;
        bytes32 outputDigest;
        bytes32 samplingDigest;
        address servingNode;
        uint64 issuedAt;
        uint64 sequence;
    }

    /// @notice One tool call as it enters `toolsDigest`.
    struct ToolCall {
        bytes32 nameHash;
        bytes32 inputDigest;
        bytes32 outputDigest;
    }

    /// @notice The EIP-712 type string of a v1 receipt (SDK: `RECEIPT_TYPE_STRING`).
    string internal constant RECEIPT_TYPE =
        "Receipt(bytes32 receiptId,bytes32 modelId,bytes32 weightsDigest,bytes32 promptTemplateDigest,"
        "uint32 promptTemplateVersion,bytes32 retrievalIndexDigest,bytes32 memoryDigest,bytes32 toolsDigest,"
        "bytes32 inputDigest,bytes32 outputDigest,bytes32 samplingDigest,address servingNode,"
        "uint64 issuedAt,uint64 sequence)";

    /// @notice keccak256(RECEIPT_TYPE) (SDK: `RECEIPT_TYPEHASH`).
    bytes32 internal constant RECEIPT_TYPEHASH = keccak256(bytes(RECEIPT_TYPE));

    /// @notice The EIP-712 domain separator of receipt signatures: keccak256(abi.encode(
    /// keccak256("EIP712Domain(string name,string version)"), keccak256("showwork"), keccak256("1"))).
    bytes32 internal constant DOMAIN_SEPARATOR = keccak256(
        abi.encode(keccak256("EIP712Domain(string name,string version)"), keccak256("showwork"), keccak256("1"))
    );

    /**
     * @notice The EIP-712 hashStruct of `receipt` (SDK: `hashReceipt`).
     * @dev abi.encode of a struct with only static fields lays them out inline, so this is exactly
     * keccak256(abi.encode(RECEIPT_TYPEHASH, receiptId, ..., sequence)) (480 bytes).
     */
    function hashReceipt(Receipt memory receipt) internal pure returns (bytes32) {
        return keccak256(abi.encode(RECEIPT_TYPEHASH, receipt));
    }

    /// @notice Calldata twin of {hashReceipt}.
    function hashReceiptCalldata(Receipt calldata receipt) internal pure returns (bytes32) {
        return keccak256(abi.encode(RECEIPT_TYPEHASH, receipt));
    }

    /**
     * @notice The Merkle leaf of `receipt`: keccak256(bytes.concat(hashReceipt(receipt))) (SDK: `receiptLeaf`).
     * @dev This is the value to pass as `leaf` to {IReceiptLogs-verifyInclusion}.
     */
    function leaf(Receipt memory receipt) internal pure returns (bytes32) {
        return leafOfHash(hashReceipt(receipt));
    }

    /// @notice Calldata twin of {leaf}.
    function leafCalldata(Receipt calldata receipt) internal pure returns (bytes32) {
        return leafOfHash(hashReceiptCalldata(receipt));
    }

    /// @notice The Merkle leaf of a receipt given its hash: keccak256(bytes.concat(receiptHash)) (SDK:
    /// `leafFromReceiptHash`).
    function leafOfHash(bytes32 receiptHash) internal pure returns (bytes32) {
        return keccak256(bytes.concat(receiptHash));
    }

    /// @notice keccak256(abi.encode(tools)) (SDK: `computeToolsDigest`). An empty list has a digest too.
    function toolsDigest(ToolCall[] memory tools) internal pure returns (bytes32) {
        return keccak256(abi.encode(tools));
    }

    /// @notice keccak256 of a name's UTF-8 bytes: a tool's `nameHash`, and a model's `modelId`
    /// (SDK: `modelIdFromName`).
    function nameHash(string memory name) internal pure returns (bytes32) {
        return keccak256(bytes(name));
    }

    /**
     * @notice The salted commitment to `content`: keccak256(abi.encodePacked(salt, content)) (SDK:
     * `commitmentDigest`).
     * @dev Used for `inputDigest`, `outputDigest` and tool input/output digests. The salt (32 random bytes) keeps
     * short contents from being guessed from their digest.
     */
    function contentDigest(bytes32 salt, bytes memory content) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(salt, content));
    }

    /// @notice Whether (`salt`, `content`) opens the commitment `digest` (SDK: `checkCommitment`).
    function checkCommitment(bytes32 digest, bytes32 salt, bytes memory content) internal pure returns (bool) {
        return contentDigest(salt, content) == digest;
    }

    /// @notice The EIP-712 digest a serving node signs for `receipt`: "\x19\x01" ‖ DOMAIN_SEPARATOR ‖ hashStruct.
    function typedDataHash(Receipt memory receipt) internal pure returns (bytes32) {
        return MessageHashUtils.toTypedDataHash(DOMAIN_SEPARATOR, hashReceipt(receipt));
    }

    /**
     * @notice Whether `signature` is `receipt.servingNode`'s EIP-712 signature over `receipt` (SDK:
     * `verifyReceiptSignature`).
     * @dev Never reverts: malformed or high-s signatures, and a zero `servingNode`, give false. Only EOA signatures
     * (65-byte ECDSA) are supported.
     */
    function isSignedByServingNode(Receipt memory receipt, bytes memory signature) internal pure returns (bool) {
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecover(typedDataHash(receipt), signature);
        return err == ECDSA.RecoverError.NoError && signer != address(0) && signer == receipt.servingNode;
    }
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ReceiptHashing} from "../ReceiptHashing.sol";

/**
 * @title ReceiptHashingMock
 * @notice Test harness exposing the internal functions of {ReceiptHashing} (TypeScript tests call it to compare
 * the Solidity hashing with the SDK's byte for byte). Not meant to be deployed on a real network.
 */
contract ReceiptHashingMock {
    /// @notice See {ReceiptHashing-RECEIPT_TYPE}.
    /// @return typeString the EIP-712 type string
    function receiptType() external pure returns (string memory typeString) {
        return ReceiptHashing.RECEIPT_TYPE;
    }

    /// @notice See {ReceiptHashing-RECEIPT_TYPEHASH}.
    /// @return typehash keccak256 of the type string
    function receiptTypehash() external pure returns (bytes32 typehash) {
        return ReceiptHashing.RECEIPT_TYPEHASH;
    }

    /// @notice See {ReceiptHashing-DOMAIN_SEPARATOR}.
    /// @return separator the EIP-712 domain separator
    function domainSeparator() external pure returns (bytes32 separator) {
        return ReceiptHashing.DOMAIN_SEPARATOR;
    }

    /// @notice See {ReceiptHashing-hashReceipt}.
    /// @param receipt the receipt
    /// @return receiptHash its hashStruct (memory version)
    function hashReceipt(ReceiptHashing.Receipt memory receipt) external pure returns (bytes32 receiptHash) {
        return ReceiptHashing.hashReceipt(receipt);
    }

    /// @notice See {ReceiptHashing-hashReceiptCalldata}.
    /// @param receipt the receipt
    /// @return receiptHash its hashStruct (calldata version)
    function hashReceiptCalldata(ReceiptHashing.Receipt calldata receipt) external pure returns (bytes32 receiptHash) {
        return ReceiptHashing.hashReceiptCalldata(receipt);
    }

    /// @notice See {ReceiptHashing-leaf}.
    /// @param receipt the receipt
    /// @return receiptLeaf its Merkle leaf (memory version)
    function leaf(ReceiptHashing.Receipt memory receipt) external pure returns (bytes32 receiptLeaf) {
        return ReceiptHashing.leaf(receipt);
    }

    /// @notice See {ReceiptHashing-leafCalldata}.
    /// @param receipt the receipt
    /// @return receiptLeaf its Merkle leaf (calldata version)
    function leafCalldata(ReceiptHashing.Receipt calldata receipt) external pure returns (bytes32 receiptLeaf) {
        return ReceiptHashing.leafCalldata(receipt);
    }

    /// @notice See {ReceiptHashing-leafOfHash}.
    /// @param receiptHash a receipt's hashStruct
    /// @return receiptLeaf its Merkle leaf
    function leafOfHash(bytes32 receiptHash) external pure returns (bytes32 receiptLeaf) {
        return ReceiptHashing.leafOfHash(receiptHash);
    }

    /// @notice See {ReceiptHashing-toolsDigest}.
    /// @param tools the tool calls
    /// @return digest their digest
    function toolsDigest(ReceiptHashing.ToolCall[] memory tools) external pure returns (bytes32 digest) {
        return ReceiptHashing.toolsDigest(tools);
    }

    /// @notice See {ReceiptHashing-nameHash}.
    /// @param name a tool or model name
    /// @return hash keccak256 of its UTF-8 bytes
    function nameHash(string memory name) external pure returns (bytes32 hash) {
        return ReceiptHashing.nameHash(name);
    }

    /// @notice See {ReceiptHashing-contentDigest}.
    /// @param salt the salt
    /// @param content the content
    /// @return digest the salted commitment
    function contentDigest(bytes32 salt, bytes memory content) external pure returns (bytes32 digest) {
        return ReceiptHashing.contentDigest(salt, content);
    }

    /// @notice See {ReceiptHashing-checkCommitment}.
    /// @param digest the commitment
    /// @param salt the salt
    /// @param content the content
    /// @return valid whether salt and content open the commitment
    function checkCommitment(bytes32 digest, bytes32 salt, bytes memory content) external pure returns (bool valid) {
        return ReceiptHashing.checkCommitment(digest, salt, content);
    }

    /// @notice See {ReceiptHashing-typedDataHash}.
    /// @param receipt the receipt
    /// @return digest the EIP-712 digest a serving node signs
    function typedDataHash(ReceiptHashing.Receipt memory receipt) external pure returns (bytes32 digest) {
        return ReceiptHashing.typedDataHash(receipt);
    }

    /// @notice See {ReceiptHashing-isSignedByServingNode}.
    /// @param receipt the receipt
    /// @param signature a 65-byte ECDSA signature
    /// @return signed whether `receipt.servingNode` signed `receipt`
    function isSignedByServingNode(ReceiptHashing.Receipt memory receipt, bytes memory signature)
        external
        pure
        returns (bool signed)
    {
        return ReceiptHashing.isSignedByServingNode(receipt, signature);
    }
}

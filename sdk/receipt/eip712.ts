/**
 * The EIP-712 definition of a v1 receipt. The Solidity twin is
 * `contracts/ReceiptHashing.sol`; both must agree byte for byte.
 *
 * @module
 */
import { keccak256, stringToHex, type TypedDataDomain } from "viem";

/** The EIP-712 type string of a v1 receipt (exactly this, no spaces). */
export const RECEIPT_TYPE_STRING =
  "Receipt(bytes32 receiptId,bytes32 modelId,bytes32 weightsDigest,bytes32 promptTemplateDigest," +
  "uint32 promptTemplateVersion,bytes32 retrievalIndexDigest,bytes32 memoryDigest,bytes32 toolsDigest," +
  "bytes32 inputDigest,bytes32 outputDigest,bytes32 samplingDigest,address servingNode," +
  "uint64 issuedAt,uint64 sequence)";

/** keccak256(RECEIPT_TYPE_STRING). */
export const RECEIPT_TYPEHASH = keccak256(stringToHex(RECEIPT_TYPE_STRING));

/** The fields of the EIP-712 `Receipt` struct, in encoding order (viem `types` form). */
export const RECEIPT_EIP712_TYPES = {
  Receipt: [
    { name: "receiptId", type: "bytes32" },
    { name: "modelId", type: "bytes32" },
    { name: "weightsDigest", type: "bytes32" },
    { name: "promptTemplateDigest", type: "bytes32" },
    { name: "promptTemplateVersion", type: "uint32" },
    { name: "retrievalIndexDigest", type: "bytes32" },
    { name: "memoryDigest", type: "bytes32" },
    { name: "toolsDigest", type: "bytes32" },
    { name: "inputDigest", type: "bytes32" },
    { name: "outputDigest", type: "bytes32" },
    { name: "samplingDigest", type: "bytes32" },
    { name: "servingNode", type: "address" },
    { name: "issuedAt", type: "uint64" },
    { name: "sequence", type: "uint64" },
  ],
} as const;

/**
 * The EIP-712 domain of receipt signatures: `{ name: "showwork", version: "1" }`,
 * with no chainId and no verifyingContract (a receipt is chain-independent).
 */
export const RECEIPT_EIP712_DOMAIN = { name: "showwork", version: "1" } as const satisfies TypedDataDomain;

/**
 * The EIP-712 domain separator of {@link RECEIPT_EIP712_DOMAIN}:
 * keccak256(abi.encode(keccak256("EIP712Domain(string name,string version)"), keccak256("showwork"), keccak256("1"))).
 * A constant, since the domain names no chain and no contract (checked against viem's `hashDomain` in the tests).
 */
export const RECEIPT_DOMAIN_SEPARATOR = "0xc36ef22c9cfa2c71a0e8acfd75c83352b5c5af6e4cea0dde5318d4f56db34b9b" as const;

/**
 * The ABI types of the leaf preimage `[RECEIPT_TYPEHASH, ...fields]`, as passed to
 * `@openzeppelin/merkle-tree`'s `StandardMerkleTree` (its standardLeafHash equals our leaf).
 */
export const RECEIPT_LEAF_ABI_TYPES = [
  "bytes32",
  "bytes32",
  "bytes32",
  "bytes32",
  "bytes32",
  "uint32",
  "bytes32",
  "bytes32",
  "bytes32",
  "bytes32",
  "bytes32",
  "bytes32",
  "address",
  "uint64",
  "uint64",
] as const;

/** Size in bytes of `abi.encode(RECEIPT_TYPEHASH, fields...)`: 15 static 32-byte words. */
export const RECEIPT_ENCODED_LENGTH = 480;

/**
 * Block headers as the chain hashes them: RLP-encoded, keccak256 = the block hash. A verifier
 * that trusts one block hash learns, from the header that hashes to it, the block's number,
 * time, state root and parent hash — and so, header by header, every block before it.
 *
 * Browser-safe (uses @ethereumjs/rlp and viem's keccak256 only).
 *
 * @module
 */
import { RLP } from "@ethereumjs/rlp";
import { bytesToHex, hexToBytes, keccak256, type Hex } from "viem";

import { InvalidDocumentError } from "../errors.js";

/** The fields of a header a verifier uses (all others are hashed but not read). */
export interface BlockHeader {
  /** keccak256 of the RLP: the block hash. */
  readonly hash: Hex;
  readonly parentHash: Hex;
  readonly stateRoot: Hex;
  readonly receiptsRoot: Hex;
  readonly number: number;
  /** Unix seconds. */
  readonly timestamp: number;
  /** The RLP the hash was computed over. */
  readonly rlp: Hex;
}

/**
 * Header fields in consensus order (Ethereum yellow paper + London, Shanghai, Cancun, Prague);
 * the optional tail fields are present from the fork that introduced them on.
 */
const FIELDS = [
  ["parentHash", "bytes"],
  ["sha3Uncles", "bytes"],
  ["miner", "bytes"],
  ["stateRoot", "bytes"],
  ["transactionsRoot", "bytes"],
  ["receiptsRoot", "bytes"],
  ["logsBloom", "bytes"],
  ["difficulty", "quantity"],
  ["number", "quantity"],
  ["gasLimit", "quantity"],
  ["gasUsed", "quantity"],
  ["timestamp", "quantity"],
  ["extraData", "bytes"],
  ["mixHash", "bytes"],
  ["nonce", "bytes"],
  ["baseFeePerGas", "quantity"], // London (EIP-1559)
  ["withdrawalsRoot", "bytes"], // Shanghai (EIP-4895)
  ["blobGasUsed", "quantity"], // Cancun (EIP-4844)
  ["excessBlobGas", "quantity"], // Cancun (EIP-4844)
  ["parentBeaconBlockRoot", "bytes"], // Cancun (EIP-4788)
  ["requestsHash", "bytes"], // Prague (EIP-7685)
] as const;
/** Fields before the optional tail (a pre-London header has exactly these). */
const REQUIRED = 15;

function quantityBytes(value: unknown, field: string): Uint8Array {
  if (typeof value !== "string" && typeof value !== "bigint" && typeof value !== "number") {
    throw new InvalidDocumentError({ document: "block", field, expected: "a quantity", found: value });
  }
  let n = BigInt(value);
  if (n === 0n) return new Uint8Array(0);
  const out: number[] = [];
  while (n > 0n) {
    out.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  return Uint8Array.from(out);
}

/**
 * The RLP of a block's header, from an `eth_getBlockByNumber` answer (JSON-RPC form: hex
 * strings). Fork fields are included when the answer has them. The caller checks that it
 * hashes to the block's hash (see {@link headerOfRpcBlock}).
 */
export function encodeHeader(block: Readonly<Record<string, unknown>>): Hex {
  const items: Uint8Array[] = [];
  for (const [i, [name, kind]] of FIELDS.entries()) {
    const value = block[name];
    if (value === undefined || value === null) {
      if (i < REQUIRED) throw new InvalidDocumentError({ document: "block", field: name, expected: "a value (header field)", found: value });
      break; // the tail stops at the first absent fork field
    }
    items.push(kind === "quantity" ? quantityBytes(value, name) : hexToBytes(value as Hex));
  }
  return bytesToHex(RLP.encode(items));
}

/**
 * The header of an `eth_getBlockByNumber` answer, re-encoded and checked to hash to the answer's
 * own `hash` (so a node that reports fields it did not hash is caught here).
 * @throws {InvalidDocumentError} when the re-encoded header does not hash to `block.hash`.
 */
export function headerOfRpcBlock(block: Readonly<Record<string, unknown>>): BlockHeader {
  const header = decodeHeader(encodeHeader(block));
  if (typeof block.hash !== "string" || header.hash !== block.hash.toLowerCase()) {
    throw new InvalidDocumentError({
      document: "block",
      field: "hash",
      expected: `keccak256(RLP(header)) = ${header.hash}`,
      found: block.hash,
    });
  }
  return header;
}

function word(item: unknown, field: string, length: number | undefined, rlp: Hex): Uint8Array {
  if (!(item instanceof Uint8Array) || (length !== undefined && item.length !== length)) {
    throw new InvalidDocumentError({ document: "block header", field, expected: length === undefined ? "bytes" : `${length} bytes`, found: rlp.slice(0, 80) });
  }
  return item;
}

function quantity(bytes: Uint8Array, field: string): number {
  if (bytes.length > 6) throw new InvalidDocumentError({ document: "block header", field, expected: "a number below 2^48", found: bytesToHex(bytes) });
  let n = 0;
  for (const b of bytes) n = n * 256 + b;
  return n;
}

/**
 * Decodes an RLP-encoded header and hashes it.
 * @throws {InvalidDocumentError} when it is not an RLP list of header fields.
 */
export function decodeHeader(rlp: Hex): BlockHeader {
  let decoded: unknown;
  try {
    decoded = RLP.decode(hexToBytes(rlp));
  } catch (cause) {
    throw new InvalidDocumentError({ document: "block header", field: "rlp", expected: "RLP", found: rlp.slice(0, 80), cause });
  }
  if (!Array.isArray(decoded) || decoded.length < REQUIRED || decoded.length > FIELDS.length) {
    throw new InvalidDocumentError({ document: "block header", field: "rlp", expected: `an RLP list of ${REQUIRED} to ${FIELDS.length} header fields`, found: rlp.slice(0, 80) });
  }
  const at = (i: number, length?: number) => word(decoded[i], FIELDS[i]![0], length, rlp);
  return {
    hash: keccak256(rlp),
    parentHash: bytesToHex(at(0, 32)),
    stateRoot: bytesToHex(at(3, 32)),
    receiptsRoot: bytesToHex(at(5, 32)),
    number: quantity(at(8), "number"),
    timestamp: quantity(at(11), "timestamp"),
    rlp: rlp.toLowerCase() as Hex,
  };
}

/**
 * Validation of receipts: from untrusted JSON to a {@link Receipt}, with errors that
 * say which field, what was expected and what was found.
 *
 * @module
 */
import type { Address, Hex } from "viem";

import { InvalidReceiptError, UnsupportedFormatError } from "../errors.js";
import { isHexOfLength } from "../bytes/hex.js";
import { checkAddress, toChecksumAddress } from "./address.js";
import { computeToolsDigest } from "./toolsDigest.js";
import { RECEIPT_FORMAT, type Receipt, type ReceiptJson, type ToolCall } from "./types.js";

const BYTES32_FIELDS = [
  "receiptId",
  "modelId",
  "weightsDigest",
  "promptTemplateDigest",
  "retrievalIndexDigest",
  "memoryDigest",
  "toolsDigest",
  "inputDigest",
  "outputDigest",
  "samplingDigest",
] as const;

/** Every field a v1 receipt may have, in the order of the JSON form. */
export const RECEIPT_JSON_FIELDS = [
  "format",
  "receiptId",
  "modelId",
  "weightsDigest",
  "promptTemplateDigest",
  "promptTemplateVersion",
  "retrievalIndexDigest",
  "memoryDigest",
  "tools",
  "toolsDigest",
  "inputDigest",
  "outputDigest",
  "samplingDigest",
  "servingNode",
  "issuedAt",
  "sequence",
  "signature",
] as const;
const KNOWN = new Set<string>(RECEIPT_JSON_FIELDS);
const UINT64_MAX = (1n << 64n) - 1n;

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value;
}

function bytes32(value: unknown, field: string): Hex {
  if (value === undefined) {
    throw new InvalidReceiptError({ field, expected: "0x-prefixed 32-byte hex string (missing field)", found: value });
  }
  if (typeof value !== "string") {
    throw new InvalidReceiptError({ field, expected: "a 0x-prefixed 32-byte hex string", found: describe(value) });
  }
  if (!value.startsWith("0x")) {
    throw new InvalidReceiptError({ field, expected: "a 0x prefix followed by 64 hex digits", found: value });
  }
  if (value.length !== 66) {
    throw new InvalidReceiptError({
      field,
      expected: `32 bytes (64 hex digits), got ${Math.max(0, value.length - 2) / 2} bytes`,
      found: value,
    });
  }
  if (!isHexOfLength(value, 32)) {
    throw new InvalidReceiptError({ field, expected: "hex digits only (0-9, a-f)", found: value });
  }
  return value.toLowerCase() as Hex;
}

function integer(value: unknown, field: string, max: number, what: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) {
    throw new InvalidReceiptError({ field, expected: what, found: value });
  }
  return value;
}

function sequenceOf(value: unknown): bigint {
  const expected = "a uint64: a non-negative safe integer number, a bigint, or a decimal string";
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value) || value < 0) throw new InvalidReceiptError({ field: "sequence", expected, found: value });
    return BigInt(value);
  }
  if (typeof value === "bigint") {
    if (value < 0n || value > UINT64_MAX) throw new InvalidReceiptError({ field: "sequence", expected, found: value });
    return value;
  }
  if (typeof value === "string" && /^(0|[1-9][0-9]{0,19})$/.test(value)) {
    const parsed = BigInt(value);
    if (parsed <= UINT64_MAX) return parsed;
  }
  throw new InvalidReceiptError({ field: "sequence", expected, found: value });
}

function address(value: unknown): Address {
  const checked = typeof value === "string" ? checkAddress(value) : "invalid";
  if (checked === "invalid") {
    throw new InvalidReceiptError({
      field: "servingNode",
      expected: "a 0x-prefixed 20-byte address (40 hex digits)",
      found: value,
    });
  }
  if (checked === "bad-checksum") {
    throw new InvalidReceiptError({
      field: "servingNode",
      expected: `a valid EIP-55 checksum (${toChecksumAddress(value as string)!}) or an all-lowercase address`,
      found: value,
    });
  }
  return checked;
}

function toolsOf(value: unknown): ToolCall[] {
  if (!Array.isArray(value)) {
    throw new InvalidReceiptError({ field: "tools", expected: "an array of {name, inputDigest, outputDigest}", found: value });
  }
  return value.map((tool: unknown, i: number): ToolCall => {
    if (tool === null || typeof tool !== "object" || Array.isArray(tool)) {
      throw new InvalidReceiptError({ field: `tools[${i}]`, expected: "an object {name, inputDigest, outputDigest}", found: tool });
    }
    const record = tool as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (key !== "name" && key !== "inputDigest" && key !== "outputDigest") {
        throw new InvalidReceiptError({ field: `tools[${i}].${key}`, expected: "no such field (name, inputDigest, outputDigest only)", found: record[key] });
      }
    }
    if (typeof record.name !== "string") {
      throw new InvalidReceiptError({ field: `tools[${i}].name`, expected: "a string", found: record.name });
    }
    return {
      name: record.name,
      inputDigest: bytes32(record.inputDigest, `tools[${i}].inputDigest`),
      outputDigest: bytes32(record.outputDigest, `tools[${i}].outputDigest`),
    };
  });
}

/**
 * Validates a receipt (its JSON form, or an object of the {@link Receipt} shape) and
 * returns it normalized: lowercase hex, checksummed `servingNode`, `sequence` as bigint.
 *
 * Checks: `format` is `"showwork/receipt@1"`, no unknown fields, every field present
 * with the right type/length/range, and `toolsDigest` equals the digest of `tools`.
 * The signature, when present, is only checked for shape (65 bytes); use
 * {@link verifyReceiptSignature} to check who signed it.
 *
 * @throws {UnsupportedFormatError} when `format` is another string.
 * @throws {InvalidReceiptError} naming the field, expected and found value otherwise.
 * @example
 * const receipt = parseReceipt(JSON.parse(text));
 */
export function parseReceipt(value: unknown): Receipt {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new InvalidReceiptError({ field: "", expected: "a receipt object", found: describe(value) });
  }
  const record = value as Record<string, unknown>;
  if (record.format !== RECEIPT_FORMAT) {
    if (typeof record.format === "string") {
      throw new UnsupportedFormatError({ what: "receipt", expected: [RECEIPT_FORMAT], found: record.format });
    }
    throw new InvalidReceiptError({ field: "format", expected: JSON.stringify(RECEIPT_FORMAT), found: record.format });
  }
  for (const key of Object.keys(record)) {
    if (!KNOWN.has(key)) {
      throw new InvalidReceiptError({ field: key, expected: `no such field (known: ${RECEIPT_JSON_FIELDS.join(", ")})`, found: record[key] });
    }
  }
  const digests = {} as Record<(typeof BYTES32_FIELDS)[number], Hex>;
  for (const field of BYTES32_FIELDS) digests[field] = bytes32(record[field], field);
  const tools = toolsOf(record.tools);
  const toolsDigest = computeToolsDigest(tools);
  if (toolsDigest !== digests.toolsDigest) {
    throw new InvalidReceiptError({
      field: "toolsDigest",
      expected: `the digest of \`tools\`: ${toolsDigest}`,
      found: digests.toolsDigest,
    });
  }
  let signature: Hex | undefined;
  if (record.signature !== undefined) {
    if (!isHexOfLength(record.signature, 65)) {
      throw new InvalidReceiptError({ field: "signature", expected: "a 0x-prefixed 65-byte hex signature", found: record.signature });
    }
    signature = record.signature.toLowerCase() as Hex;
  }
  const receipt: Receipt = {
    format: RECEIPT_FORMAT,
    receiptId: digests.receiptId,
    modelId: digests.modelId,
    weightsDigest: digests.weightsDigest,
    promptTemplateDigest: digests.promptTemplateDigest,
    promptTemplateVersion: integer(record.promptTemplateVersion, "promptTemplateVersion", 0xffffffff, "an integer in [0, 2^32-1] (uint32)"),
    retrievalIndexDigest: digests.retrievalIndexDigest,
    memoryDigest: digests.memoryDigest,
    tools,
    toolsDigest,
    inputDigest: digests.inputDigest,
    outputDigest: digests.outputDigest,
    samplingDigest: digests.samplingDigest,
    servingNode: address(record.servingNode),
    issuedAt: integer(record.issuedAt, "issuedAt", Number.MAX_SAFE_INTEGER, "unix time in seconds: an integer in [0, 2^53-1]"),
    sequence: sequenceOf(record.sequence),
    ...(signature === undefined ? {} : { signature }),
  };
  return receipt;
}

/**
 * The JSON form of a receipt (`sequence` as a number when it is a safe integer, else a decimal string).
 * `parseReceipt(toReceiptJson(r))` deep-equals `r` for any valid receipt.
 */
export function toReceiptJson(receipt: Receipt): ReceiptJson {
  const json: ReceiptJson = {
    format: RECEIPT_FORMAT,
    receiptId: receipt.receiptId,
    modelId: receipt.modelId,
    weightsDigest: receipt.weightsDigest,
    promptTemplateDigest: receipt.promptTemplateDigest,
    promptTemplateVersion: receipt.promptTemplateVersion,
    retrievalIndexDigest: receipt.retrievalIndexDigest,
    memoryDigest: receipt.memoryDigest,
    tools: receipt.tools.map((t) => ({ name: t.name, inputDigest: t.inputDigest, outputDigest: t.outputDigest })),
    toolsDigest: receipt.toolsDigest,
    inputDigest: receipt.inputDigest,
    outputDigest: receipt.outputDigest,
    samplingDigest: receipt.samplingDigest,
    servingNode: receipt.servingNode,
    issuedAt: receipt.issuedAt,
    sequence: receipt.sequence <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(receipt.sequence) : receipt.sequence.toString(),
  };
  if (receipt.signature !== undefined) json.signature = receipt.signature;
  return json;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * `JSON.stringify(toReceiptJson(receipt))`, written directly: the same text, byte for byte, at a
 * fraction of the cost (no intermediate object; hex fields need no escaping). Only for a
 * **validated** receipt (from {@link parseReceipt} or `buildReceipt`): its hex fields are then
 * known to be hex, which is what makes writing them without escaping exact.
 */
export function receiptJsonText(receipt: Receipt): string {
  let tools = "";
  for (let i = 0; i < receipt.tools.length; i++) {
    const t = receipt.tools[i]!;
    tools += `${i === 0 ? "" : ","}{"name":${JSON.stringify(t.name)},"inputDigest":"${t.inputDigest}","outputDigest":"${t.outputDigest}"}`;
  }
  const sequence = receipt.sequence <= MAX_SAFE ? receipt.sequence.toString() : `"${receipt.sequence.toString()}"`;
  return (
    `{"format":"${RECEIPT_FORMAT}","receiptId":"${receipt.receiptId}","modelId":"${receipt.modelId}","weightsDigest":"${receipt.weightsDigest}",` +
    `"promptTemplateDigest":"${receipt.promptTemplateDigest}","promptTemplateVersion":${receipt.promptTemplateVersion},` +
    `"retrievalIndexDigest":"${receipt.retrievalIndexDigest}","memoryDigest":"${receipt.memoryDigest}","tools":[${tools}],` +
    `"toolsDigest":"${receipt.toolsDigest}","inputDigest":"${receipt.inputDigest}","outputDigest":"${receipt.outputDigest}",` +
    `"samplingDigest":"${receipt.samplingDigest}","servingNode":"${receipt.servingNode}","issuedAt":${receipt.issuedAt},"sequence":${sequence}` +
    (receipt.signature === undefined ? "}" : `,"signature":"${receipt.signature}"}`)
  );
}

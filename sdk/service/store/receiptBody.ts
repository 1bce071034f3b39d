/**
 * The SQLite store's binary receipt body (schema version 3): a validated receipt in ~430 bytes
 * instead of its ~1,160-byte JSON text, two thirds of which is hex. Ingestion's cost is the
 * transaction's bytes (the row, the WAL frame, the checkpoint's copy): storing a third of them
 * is what takes `record()` past 100,000 receipts per CPU-second (docs/performance.md).
 *
 * Layout (big-endian integers):
 *
 * | bytes | field |
 * | ---: | --- |
 * | 1 | tag: 1 (this layout) |
 * | 1 | flags: bit 0 = a signature follows |
 * | 32 × 10 | receiptId, modelId, weightsDigest, promptTemplateDigest, retrievalIndexDigest, memoryDigest, toolsDigest, inputDigest, outputDigest, samplingDigest |
 * | 20 | servingNode |
 * | 65 | signature (when flagged) |
 * | 4 | promptTemplateVersion |
 * | 8 | issuedAt |
 * | 8 | sequence |
 * | 4 | number of tools; then per tool: 4 (name length in UTF-8 bytes), the name, inputDigest 32, outputDigest 32 |
 *
 * Decoding gives back the receipt exactly as `parseReceipt` normalizes it (lowercase hex, the
 * checksummed serving node, `sequence` a bigint), hence the same JSON text (`receiptJsonText`).
 * Only receipts that were validated are encoded; a body that does not decode is an
 * {@link InvariantError} naming what is wrong (the store was damaged or written by something else).
 *
 * @module
 */
import type { Address, Hex } from "viem";

import { InvariantError } from "../../errors.js";
import { toChecksumAddress } from "../../receipt/address.js";
import { RECEIPT_FORMAT, type Receipt, type ToolCall } from "../../receipt/types.js";

/** The first byte of a body in this layout. */
export const RECEIPT_BODY_TAG = 1;

const FLAG_SIGNED = 1;
/** The ten digests and the node. */
const HEX_BYTES = 32 * 10 + 20;
/** Tag, flags, ten digests, the node, version, issuedAt, sequence. */
const FIXED = 2 + HEX_BYTES + 4 + 8 + 8;
const TWO_32 = 2 ** 32;

/** The binary body of a validated receipt (see the module comment for the layout). */
export function encodeReceiptBody(receipt: Receipt): Buffer {
  const signed = receipt.signature !== undefined;
  const names: Buffer[] = [];
  let size = FIXED + (signed ? 65 : 0) + 4;
  for (const tool of receipt.tools) {
    const name = Buffer.from(tool.name, "utf8");
    names.push(name);
    size += 4 + name.length + 64;
  }
  const out = Buffer.allocUnsafe(size);
  out[0] = RECEIPT_BODY_TAG;
  out[1] = signed ? FLAG_SIGNED : 0;
  // The digests, the node and the signature in one native hex decode (a receipt validated by
  // parseReceipt or buildReceipt holds exactly such hex; the count written is checked all the same).
  let hex =
    receipt.receiptId.slice(2) +
    receipt.modelId.slice(2) +
    receipt.weightsDigest.slice(2) +
    receipt.promptTemplateDigest.slice(2) +
    receipt.retrievalIndexDigest.slice(2) +
    receipt.memoryDigest.slice(2) +
    receipt.toolsDigest.slice(2) +
    receipt.inputDigest.slice(2) +
    receipt.outputDigest.slice(2) +
    receipt.samplingDigest.slice(2) +
    receipt.servingNode.slice(2);
  if (signed) hex += receipt.signature!.slice(2);
  const hexBytes = HEX_BYTES + (signed ? 65 : 0);
  if (hex.length !== hexBytes * 2 || out.write(hex, 2, hexBytes, "hex") !== hexBytes) {
    throw new InvariantError(`receipt body: receipt ${receipt.receiptId} holds a field that is not hex of its length`);
  }
  let o = 2 + hexBytes;
  out.writeUInt32BE(receipt.promptTemplateVersion, o);
  out.writeUInt32BE(Math.floor(receipt.issuedAt / TWO_32), o + 4);
  out.writeUInt32BE(receipt.issuedAt % TWO_32, o + 8);
  out.writeBigUInt64BE(receipt.sequence, o + 12);
  out.writeUInt32BE(receipt.tools.length, o + 20);
  o += 24;
  for (let t = 0; t < receipt.tools.length; t++) {
    const tool = receipt.tools[t]!;
    const name = names[t]!;
    out.writeUInt32BE(name.length, o);
    o += 4;
    name.copy(out, o);
    o += name.length;
    if (out.write(tool.inputDigest.slice(2) + tool.outputDigest.slice(2), o, 64, "hex") !== 64) {
      throw new InvariantError(`receipt body: tool ${t} of receipt ${receipt.receiptId} holds a digest that is not 32-byte hex`);
    }
    o += 64;
  }
  return out;
}

/**
 * The receipt a binary body holds, normalized as `parseReceipt` returns it.
 * @throws {InvariantError} when the bytes are not a body of this layout.
 */
export function decodeReceiptBody(body: Uint8Array): Receipt {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const fail = (what: string): never => {
    throw new InvariantError(`a stored receipt body is damaged: ${what} (${bytes.length} bytes)`);
  };
  if (bytes.length < FIXED + 4) fail("too short");
  if (bytes[0] !== RECEIPT_BODY_TAG) fail(`unknown tag ${bytes[0]}`);
  const signed = (bytes[1]! & FLAG_SIGNED) !== 0;
  const hexBytes = HEX_BYTES + (signed ? 65 : 0);
  if (bytes.length < 2 + hexBytes + 24) fail("too short for its signature");
  // One native hex encode of the digests, node and signature; the fields are slices of it.
  const hex = bytes.toString("hex", 2, 2 + hexBytes);
  const digest = (k: number): Hex => `0x${hex.slice(64 * k, 64 * k + 64)}`;
  const servingNode = toChecksumAddress(`0x${hex.slice(640, 680)}`) as Address;
  const signature: Hex | undefined = signed ? `0x${hex.slice(680, 810)}` : undefined;
  let o = 2 + hexBytes;
  const promptTemplateVersion = bytes.readUInt32BE(o);
  const issuedAt = bytes.readUInt32BE(o + 4) * TWO_32 + bytes.readUInt32BE(o + 8);
  const sequence = bytes.readBigUInt64BE(o + 12);
  o += 20;
  const toolCount = bytes.readUInt32BE(o);
  o += 4;
  const tools: ToolCall[] = [];
  for (let t = 0; t < toolCount; t++) {
    if (bytes.length < o + 4) fail(`tool ${t} is cut off`);
    const length = bytes.readUInt32BE(o);
    o += 4;
    if (bytes.length < o + length + 64) fail(`tool ${t} is cut off`);
    const name = bytes.toString("utf8", o, o + length);
    o += length;
    tools.push({ name, inputDigest: `0x${bytes.toString("hex", o, o + 32)}`, outputDigest: `0x${bytes.toString("hex", o + 32, o + 64)}` });
    o += 64;
  }
  if (o !== bytes.length) fail(`${bytes.length - o} bytes after the last field`);
  return {
    format: RECEIPT_FORMAT,
    receiptId: digest(0),
    modelId: digest(1),
    weightsDigest: digest(2),
    promptTemplateDigest: digest(3),
    promptTemplateVersion,
    retrievalIndexDigest: digest(4),
    memoryDigest: digest(5),
    tools,
    toolsDigest: digest(6),
    inputDigest: digest(7),
    outputDigest: digest(8),
    samplingDigest: digest(9),
    servingNode,
    issuedAt,
    sequence,
    ...(signature === undefined ? {} : { signature }),
  };
}

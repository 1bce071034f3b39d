/**
 * The fast path from receipts to a complete flat tree: receipts are encoded in
 * chunks into the memory of a WebAssembly instance (their hex text as one string
 * per receipt, their numbers big-endian), which decodes, hashes each receipt twice
 * into its leaf, writes the leaf straight to its tree position, and finally hashes
 * all inner nodes. The instance's memory then holds the tree (no copy).
 *
 * Without WebAssembly the same result is computed with the JS back end.
 *
 * @module
 */
import { InvalidBatchError, InvalidReceiptError } from "../errors.js";
import { allocBytes } from "../bytes/hex.js";
import { jsKeccak256Into, jsKeccak256Of32Into } from "../hash/keccakJs.js";
import { HEX_STRIDE, NUM_STRIDE, WASM_LAYOUT } from "../hash/keccakWasm.generated.js";
import { newWasm, viewOf, type WasmKeccak } from "../hash/wasmInstance.js";
import { RECEIPT_ENCODED_LENGTH } from "../receipt/eip712.js";
import { encodeReceiptInto } from "../receipt/hashReceipt.js";
import { RECEIPT_FORMAT, type Receipt } from "../receipt/types.js";
import { hashInternalNodes, leafPosition } from "./core.js";

/** A built tree: the flat nodes, the receipt ids (batch order) and the retained receipts. */
export interface BuiltTree {
  readonly nodes: Uint8Array;
  readonly ids: Uint8Array;
  readonly size: number;
  readonly receipts: Receipt[] | undefined;
}

const CHUNK = 1024;
const HEX_AREA = WASM_LAYOUT.FREE;
const NUM_AREA = HEX_AREA + CHUNK * HEX_STRIDE;
const LEAF_AREA = NUM_AREA + CHUNK * NUM_STRIDE;
const ID_AREA = LEAF_AREA + CHUNK * 32;
const TREE_AREA = ID_AREA + CHUNK * 32;
const UINT64_MAX = (1n << 64n) - 1n;
const TWO_POW_32 = 4294967296;

/** Throws the specific error of a receipt the fast path found malformed. */
function rejectReceipt(receipt: Receipt, index: number): never {
  try {
    if (receipt === null || typeof receipt !== "object") {
      throw new InvalidReceiptError({ field: "", expected: "a receipt object", found: receipt });
    }
    if (receipt.format !== RECEIPT_FORMAT) {
      throw new InvalidReceiptError({ field: "format", expected: JSON.stringify(RECEIPT_FORMAT), found: receipt.format });
    }
    encodeReceiptInto(receipt, allocBytes(RECEIPT_ENCODED_LENGTH));
  } catch (error) {
    if (error instanceof InvalidReceiptError) {
      throw new InvalidReceiptError({ field: error.field, expected: error.expected, found: error.found, receiptIndex: index });
    }
    throw error;
  }
  throw new InvalidReceiptError({ field: "", expected: "a well-formed v1 receipt", found: receipt, receiptIndex: index });
}

interface BufferLike extends Uint8Array {
  write(text: string, offset: number, length: number, encoding: "utf8"): number;
}

/** Encodes one chunk into the instance's hex and number areas. Returns -1, or the chunk slot of a malformed receipt. */
function encodeChunk(chunk: readonly Receipt[], text: BufferLike, view: DataView): number {
  for (let j = 0; j < chunk.length; j++) {
    const r = chunk[j]!;
    const a = r.receiptId;
    const b = r.modelId;
    const c = r.weightsDigest;
    const d = r.promptTemplateDigest;
    const e = r.retrievalIndexDigest;
    const f = r.memoryDigest;
    const g = r.toolsDigest;
    const h = r.inputDigest;
    const i = r.outputDigest;
    const k = r.samplingDigest;
    const node = r.servingNode;
    if (
      r.format !== RECEIPT_FORMAT ||
      typeof a !== "string" || a.length !== 66 || typeof b !== "string" || b.length !== 66 ||
      typeof c !== "string" || c.length !== 66 || typeof d !== "string" || d.length !== 66 ||
      typeof e !== "string" || e.length !== 66 || typeof f !== "string" || f.length !== 66 ||
      typeof g !== "string" || g.length !== 66 || typeof h !== "string" || h.length !== 66 ||
      typeof i !== "string" || i.length !== 66 || typeof k !== "string" || k.length !== 66 ||
      typeof node !== "string" || node.length !== 42
    ) {
      return j;
    }
    // utf8: any non-ASCII character shows up as bytes >= 0x80 (rejected as non-hex) or a short write.
    if (text.write(a + b + c + d + e + f + g + h + i + k + node, HEX_AREA + j * HEX_STRIDE, HEX_STRIDE, "utf8") !== HEX_STRIDE) return j;
    const p = NUM_AREA + j * NUM_STRIDE;
    const version = r.promptTemplateVersion;
    if (version >>> 0 !== version) return j;
    view.setUint32(p, version);
    const issuedAt = r.issuedAt;
    if (!Number.isSafeInteger(issuedAt) || issuedAt < 0) return j;
    view.setUint32(p + 8, Math.floor(issuedAt / TWO_POW_32));
    view.setUint32(p + 12, issuedAt >>> 0);
    const sequence = r.sequence;
    if (typeof sequence === "bigint") {
      if (sequence < 0n || sequence > UINT64_MAX) return j;
      view.setBigUint64(p + 16, sequence);
    } else if (typeof sequence === "number" && Number.isSafeInteger(sequence) && sequence >= 0) {
      view.setUint32(p + 16, Math.floor(sequence / TWO_POW_32));
      view.setUint32(p + 20, sequence >>> 0);
    } else {
      return j;
    }
  }
  return -1;
}

/** Hashes one chunk; leaves go to `leafPtr + slot * stride`, ids to `idPtr + 32 * slot`. */
function hashChunk(wasm: WasmKeccak, chunk: readonly Receipt[], first: number, leafPtr: number, stride: number, idPtr: number): void {
  const memory = wasm.exports.memory.buffer;
  const bad = encodeChunk(chunk, viewOf(memory, 0, memory.byteLength) as BufferLike, new DataView(memory));
  if (bad !== -1) rejectReceipt(chunk[bad]!, first + bad);
  const badHex = wasm.exports.hashReceipts(HEX_AREA, NUM_AREA, chunk.length, leafPtr, stride, idPtr);
  if (badHex !== -1) rejectReceipt(chunk[badHex]!, first + badHex);
}

/** Builds with WebAssembly. */
function buildWasm(wasm: WasmKeccak, receipts: Iterable<Receipt>, retain: boolean): BuiltTree {
  const kept: Receipt[] | undefined = retain ? [] : undefined;
  if (Array.isArray(receipts)) {
    // Known size: leaves go straight to their tree positions, ids to their own area.
    const list = receipts as readonly Receipt[];
    const n = list.length;
    if (n === 0) throw new InvalidBatchError({ reason: "empty" });
    const treeBytes = (2 * n - 1) * 32;
    const idsPtr = TREE_AREA + treeBytes;
    wasm.ensure(idsPtr + n * 32);
    for (let first = 0; first < n; first += CHUNK) {
      const chunk = list.slice(first, first + CHUNK);
      hashChunk(wasm, chunk, first, TREE_AREA + leafPosition(n, first) * 32, -32, idsPtr + first * 32);
    }
    wasm.exports.buildNodes(TREE_AREA, n);
    const memory = wasm.exports.memory.buffer;
    return {
      nodes: viewOf(memory, TREE_AREA, treeBytes),
      ids: viewOf(memory, idsPtr, n * 32),
      size: n,
      receipts: retain ? list.slice() : undefined,
    };
  }
  // Unknown size (streaming): leaves and ids collected in growing buffers, then placed.
  wasm.ensure(TREE_AREA);
  let leaves = allocBytes(CHUNK * 32 * 16);
  let ids = allocBytes(CHUNK * 32 * 16);
  let n = 0;
  let chunk: Receipt[] = [];
  const flush = () => {
    hashChunk(wasm, chunk, n, LEAF_AREA, 32, ID_AREA);
    if ((n + chunk.length) * 32 > leaves.length) {
      const grownLeaves = allocBytes(leaves.length * 2);
      grownLeaves.set(leaves.subarray(0, n * 32));
      leaves = grownLeaves;
      const grownIds = allocBytes(ids.length * 2);
      grownIds.set(ids.subarray(0, n * 32));
      ids = grownIds;
    }
    const mem = wasm.bytes;
    leaves.set(mem.subarray(LEAF_AREA, LEAF_AREA + chunk.length * 32), n * 32);
    ids.set(mem.subarray(ID_AREA, ID_AREA + chunk.length * 32), n * 32);
    n += chunk.length;
    chunk = [];
  };
  for (const receipt of receipts) {
    chunk.push(receipt);
    kept?.push(receipt);
    if (chunk.length === CHUNK) flush();
  }
  if (chunk.length > 0) flush();
  if (n === 0) throw new InvalidBatchError({ reason: "empty" });
  const treeBytes = (2 * n - 1) * 32;
  const idsPtr = TREE_AREA + treeBytes;
  wasm.ensure(idsPtr + n * 32);
  const mem = wasm.bytes;
  for (let i = 0; i < n; i++) mem.set(leaves.subarray(i * 32, i * 32 + 32), TREE_AREA + leafPosition(n, i) * 32);
  mem.set(ids.subarray(0, n * 32), idsPtr);
  wasm.exports.buildNodes(TREE_AREA, n);
  const memory = wasm.exports.memory.buffer;
  return { nodes: viewOf(memory, TREE_AREA, treeBytes), ids: viewOf(memory, idsPtr, n * 32), size: n, receipts: kept };
}

/** Builds with the JS back end (no WebAssembly). */
function buildJs(receipts: Iterable<Receipt>, retain: boolean): BuiltTree {
  const kept: Receipt[] | undefined = retain ? [] : undefined;
  let leaves = allocBytes(1024 * 32);
  let ids = allocBytes(1024 * 32);
  const encoded = allocBytes(RECEIPT_ENCODED_LENGTH);
  let n = 0;
  for (const receipt of receipts) {
    if (receipt === null || typeof receipt !== "object" || receipt.format !== RECEIPT_FORMAT) rejectReceipt(receipt, n);
    try {
      encodeReceiptInto(receipt, encoded, 0, true);
    } catch {
      rejectReceipt(receipt, n);
    }
    if ((n + 1) * 32 > leaves.length) {
      const grownLeaves = allocBytes(leaves.length * 2);
      grownLeaves.set(leaves);
      leaves = grownLeaves;
      const grownIds = allocBytes(ids.length * 2);
      grownIds.set(ids);
      ids = grownIds;
    }
    ids.set(encoded.subarray(32, 64), n * 32);
    jsKeccak256Into(encoded, 0, RECEIPT_ENCODED_LENGTH, encoded, 0);
    jsKeccak256Of32Into(encoded, 0, leaves, n * 32);
    kept?.push(receipt);
    n++;
  }
  if (n === 0) throw new InvalidBatchError({ reason: "empty" });
  const nodes = allocBytes((2 * n - 1) * 32);
  for (let i = 0; i < n; i++) nodes.set(leaves.subarray(i * 32, i * 32 + 32), leafPosition(n, i) * 32);
  hashInternalNodes(nodes, n);
  return { nodes, ids: ids.subarray(0, n * 32), size: n, receipts: kept };
}

/**
 * Builds the flat tree of a batch of receipts (batch order). Checks each receipt's
 * shape (format tag, hex fields, address, integer ranges) and that the batch is not
 * empty; duplicate ids are detected by the id index built afterwards.
 * @throws {InvalidBatchError} (`empty`), {@link InvalidReceiptError} (with the receipt's position).
 */
export function buildTree(receipts: Iterable<Receipt>, retain: boolean): BuiltTree {
  const wasm = newWasm();
  return wasm ? buildWasm(wasm, receipts, retain) : buildJs(receipts, retain);
}

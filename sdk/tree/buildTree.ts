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
import { InvalidBatchError, InvalidReceiptError, InvariantError } from "../errors.js";
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

/** Receipts per encoded chunk, and the areas of the instance's memory they are encoded into. */
export const CHUNK = 1024;
export const HEX_AREA = WASM_LAYOUT.FREE;
export const NUM_AREA = HEX_AREA + CHUNK * HEX_STRIDE;
export const TREE_AREA = NUM_AREA + CHUNK * NUM_STRIDE;
const UINT64_MAX = (1n << 64n) - 1n;
const TWO_POW_32 = 4294967296;

/** Throws the specific error of a receipt the fast path found malformed. */
export function rejectReceipt(receipt: Receipt, index: number): never {
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

interface BufferLike {
  utf8Write(text: string, offset: number, length: number): number;
}

const encoder = new TextEncoder();

/** Node's `Buffer#utf8Write` when the view is a Buffer; `TextEncoder.encodeInto` elsewhere (browsers). */
export function textWriter(view: Uint8Array): BufferLike {
  if (typeof (view as unknown as Partial<BufferLike>).utf8Write === "function") return view as unknown as BufferLike;
  return {
    utf8Write: (text, offset, length) => encoder.encodeInto(text, view.subarray(offset, offset + length)).written,
  };
}

/** Encodes `list[from..to)` into the instance's hex and number areas. Returns -1, or the slot of a malformed receipt. */
export function encodeChunk(list: readonly Receipt[], from: number, to: number, text: BufferLike, view: DataView): number {
  for (let j = 0; j < to - from; j++) {
    const r = list[from + j]!;
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
    // One write per field, straight from the receipt's strings (no concatenation: no garbage,
    // which matters when the receipts themselves fill a large heap). utf8: any non-ASCII
    // character shows up as bytes >= 0x80 (rejected as non-hex by the decoder) or a short write.
    const o = HEX_AREA + j * HEX_STRIDE;
    if (
      text.utf8Write(a, o, 66) + text.utf8Write(b, o + 66, 66) + text.utf8Write(c, o + 132, 66) +
        text.utf8Write(d, o + 198, 66) + text.utf8Write(e, o + 264, 66) + text.utf8Write(f, o + 330, 66) +
        text.utf8Write(g, o + 396, 66) + text.utf8Write(h, o + 462, 66) + text.utf8Write(i, o + 528, 66) +
        text.utf8Write(k, o + 594, 66) + text.utf8Write(node, o + 660, 42) !==
      HEX_STRIDE
    ) {
      return j;
    }
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

/** Hashes one chunk; leaf j goes to `leafPtr + j * leafStride`, its receipt id to `idPtr + j * idStride`. */
function hashChunk(
  wasm: WasmKeccak,
  chunk: readonly Receipt[],
  from: number,
  to: number,
  first: number,
  leafPtr: number,
  leafStride: number,
  idPtr: number,
  idStride: number,
): void {
  const memory = wasm.exports.memory.buffer;
  const bad = encodeChunk(chunk, from, to, textWriter(viewOf(memory, 0, memory.byteLength)), new DataView(memory));
  if (bad !== -1) rejectReceipt(chunk[from + bad]!, first + bad);
  const badHex = wasm.exports.hashReceipts(HEX_AREA, NUM_AREA, to - from, leafPtr, leafStride, idPtr, idStride);
  if (badHex !== -1) rejectReceipt(chunk[from + badHex]!, first + badHex);
}

/**
 * Builds with WebAssembly. Final memory layout: the tree's `2n-1` nodes, then (array input)
 * or before them (streamed input) the `n` receipt ids; about 96 bytes per receipt in all.
 */
function buildWasm(wasm: WasmKeccak, receipts: Iterable<Receipt>, retain: boolean): BuiltTree {
  if (Array.isArray(receipts)) {
    // Known size: leaves go straight to their tree positions, ids to their own area.
    const list = receipts as readonly Receipt[];
    const n = list.length;
    if (n === 0) throw new InvalidBatchError({ reason: "empty" });
    const treeBytes = (2 * n - 1) * 32;
    const idsPtr = TREE_AREA + treeBytes;
    wasm.ensure(idsPtr + n * 32);
    for (let first = 0; first < n; first += CHUNK) {
      const last = Math.min(first + CHUNK, n);
      hashChunk(wasm, list, first, last, first, TREE_AREA + leafPosition(n, first) * 32, -32, idsPtr + first * 32, 32);
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
  // Unknown size (streaming): records (leaf, id) of 64 bytes, appended at TREE_AREA as the
  // memory grows; then rearranged in place into [ids][tree].
  const kept: Receipt[] | undefined = retain ? [] : undefined;
  let capacity = CHUNK * 16;
  wasm.ensure(TREE_AREA + capacity * 64);
  let n = 0;
  let chunk: Receipt[] = [];
  const flush = () => {
    if (n + chunk.length > capacity) {
      capacity *= 2;
      wasm.ensure(TREE_AREA + capacity * 64);
    }
    const record = TREE_AREA + n * 64;
    hashChunk(wasm, chunk, 0, chunk.length, n, record, 64, record + 32, 64);
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
  const tree = TREE_AREA + n * 32;
  wasm.ensure(tree + (2 * n - 1) * 32);
  const mem = wasm.bytes;
  // The last leaf's destination is the last record's id: keep that id aside first.
  const lastId = mem.slice(TREE_AREA + (n - 1) * 64 + 32, TREE_AREA + n * 64);
  // Leaf i (record i) to tree position 2n-2-i: destinations all lie past the records' leaves.
  wasm.exports.copy32(TREE_AREA, 64, tree + (2 * n - 2) * 32, -32, n);
  // Ids compacted forward (each destination lies before its source).
  wasm.exports.copy32(TREE_AREA + 32, 64, TREE_AREA, 32, n - 1);
  wasm.bytes.set(lastId, TREE_AREA + (n - 1) * 32);
  wasm.exports.buildNodes(tree, n);
  const memory = wasm.exports.memory.buffer;
  return { nodes: viewOf(memory, tree, (2 * n - 1) * 32), ids: viewOf(memory, TREE_AREA, n * 32), size: n, receipts: kept };
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
 * @param backend - `"auto"` (WebAssembly when available), or force one (tests compare them).
 * @throws {InvalidBatchError} (`empty`), {@link InvalidReceiptError} (with the receipt's position).
 */
export function buildTree(receipts: Iterable<Receipt>, retain: boolean, backend: "auto" | "wasm" | "js" = "auto"): BuiltTree {
  const wasm = backend === "js" ? undefined : newWasm();
  if (backend === "wasm" && !wasm) throw new InvariantError("WebAssembly is not available here");
  return wasm ? buildWasm(wasm, receipts, retain) : buildJs(receipts, retain);
}

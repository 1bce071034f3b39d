/**
 * An O(1) index from receipt id to batch position: open addressing with linear
 * probing over the 32-byte ids stored back to back in one buffer. At 10^6 receipts
 * it takes 8 MB besides the ids themselves (32 MB, kept anyway), against ~130 MB
 * for a `Map<string, number>` keyed by hex strings; building it allocates no string.
 *
 * @module
 */
import type { Hex } from "viem";

import { InvalidBatchError } from "../errors.js";
import { allocBytes, equal32, readHex, writeHex } from "../bytes/hex.js";

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** murmur3-style hash of all 32 bytes (ids may be structured, e.g. counters). */
function hashBytes(b: Uint8Array, off: number): number {
  let h = 0x9747b28c;
  for (let i = 0; i < 32; i += 4) h = mix(h, b[off + i]! | (b[off + i + 1]! << 8) | (b[off + i + 2]! << 16) | (b[off + i + 3]! << 24));
  return finish(h);
}

function hashWords(w: Int32Array, at: number): number {
  let h = 0x9747b28c;
  for (let i = 0; i < 8; i++) h = mix(h, w[at + i]!);
  return finish(h);
}

/** Receipt id → position in the batch, over ids stored back to back (32 bytes each, batch order). */
export class ReceiptIdIndex {
  private readonly ids: Uint8Array;
  private readonly table: Int32Array;
  private readonly mask: number;
  private readonly probe = allocBytes(32);
  /** Number of ids. */
  readonly size: number;

  /**
   * Indexes `count` ids stored at the start of `ids` (the buffer is kept, not copied).
   * @throws {InvalidBatchError} (`duplicate-receipt-id`, with both positions) when an id occurs twice.
   */
  constructor(ids: Uint8Array, count: number) {
    this.ids = ids;
    this.size = count;
    let size = 16;
    while (size < count * 2) size *= 2;
    const table = new Int32Array(size).fill(-1);
    const mask = size - 1;
    const words =
      LITTLE_ENDIAN && ids.byteOffset % 4 === 0 ? new Int32Array(ids.buffer, ids.byteOffset, Math.floor(ids.length / 4)) : undefined;
    for (let position = 0; position < count; position++) {
      const off = position * 32;
      let slot = (words ? hashWords(words, position * 8) : hashBytes(ids, off)) & mask;
      for (;;) {
        const at = table[slot]!;
        if (at === -1) break;
        if (equal32(ids, at * 32, ids, off)) {
          throw new InvalidBatchError({ reason: "duplicate-receipt-id", receiptId: readHex(ids, off, 32), indices: [at, position] });
        }
        slot = (slot + 1) & mask;
      }
      table[slot] = position;
    }
    this.table = table;
    this.mask = mask;
    this.words = words;
  }

  private readonly words: Int32Array | undefined;

  /** The position of a receipt id (hex, any case), or -1. */
  get(receiptId: string): number {
    if (!writeHex(this.probe, 0, receiptId, 32)) return -1;
    let h: number;
    if (this.words) {
      let x = 0x9747b28c;
      const p = this.probe;
      for (let i = 0; i < 32; i += 4) x = mix(x, p[i]! | (p[i + 1]! << 8) | (p[i + 2]! << 16) | (p[i + 3]! << 24));
      h = finish(x);
    } else {
      h = hashBytes(this.probe, 0);
    }
    let slot = h & this.mask;
    for (;;) {
      const at = this.table[slot]!;
      if (at === -1) return -1;
      if (equal32(this.ids, at * 32, this.probe, 0)) return at;
      slot = (slot + 1) & this.mask;
    }
  }

  /** The id at a position, as lowercase hex. */
  idAt(position: number): Hex {
    return readHex(this.ids, position * 32, 32);
  }
}

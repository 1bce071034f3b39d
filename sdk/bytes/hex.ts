/**
 * Fast conversions between 32-byte hex strings and byte buffers, used on the
 * hot paths of tree building and proof lookup. Node's `Buffer` (native hex
 * codec) is used when present; a table-driven fallback keeps the module usable
 * in browsers.
 *
 * @module
 */
import type { Hex } from "viem";

interface NodeBufferLike extends Uint8Array {
  write(string: string, offset: number, length: number, encoding: "hex"): number;
  hexSlice(start: number, end: number): string;
}
interface NodeBufferCtor {
  alloc(size: number): NodeBufferLike;
  prototype: NodeBufferLike;
}

const NodeBuffer = (globalThis as unknown as { Buffer?: NodeBufferCtor }).Buffer;

const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX_VALUE[65 + i] = 10 + i;
  HEX_VALUE[97 + i] = 10 + i;
}
const HEX_BYTE: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** True when `value` is `0x` followed by exactly `2 * bytes` hex digits (either case). */
export function isHexOfLength(value: unknown, bytes: number): value is Hex {
  if (typeof value !== "string" || value.length !== 2 + 2 * bytes) return false;
  if (value.charCodeAt(0) !== 48 || (value.charCodeAt(1) | 32) !== 120) return false;
  for (let i = 2; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 128 || HEX_VALUE[c] === -1) return false;
  }
  return true;
}

/** True when `value` is `0x` followed by an even number of hex digits. */
export function isHex(value: unknown): value is Hex {
  return typeof value === "string" && value.length % 2 === 0 && isHexOfLength(value, (value.length - 2) / 2);
}

/**
 * Writes a `0x`-prefixed hex string of exactly `bytes` bytes into `target` at `offset`.
 * @returns false (having possibly written garbage) when the string is not exactly such hex.
 */
export function writeHex(target: Uint8Array, offset: number, value: string, bytes: number): boolean {
  if (typeof value !== "string" || value.length !== 2 + 2 * bytes) return false;
  if (value.charCodeAt(0) !== 48 || (value.charCodeAt(1) | 32) !== 120) return false;
  if (NodeBuffer !== undefined && target instanceof (NodeBuffer as unknown as typeof Uint8Array)) {
    return (target as NodeBufferLike).write(value.slice(2), offset, bytes, "hex") === bytes;
  }
  for (let i = 0; i < bytes; i++) {
    const hi = value.charCodeAt(2 + 2 * i);
    const lo = value.charCodeAt(3 + 2 * i);
    const h = hi < 128 ? HEX_VALUE[hi]! : -1;
    const l = lo < 128 ? HEX_VALUE[lo]! : -1;
    if (h < 0 || l < 0) return false;
    target[offset + i] = (h << 4) | l;
  }
  return true;
}

/** Reads `length` bytes of `source` from `offset` as a lowercase `0x` hex string. */
export function readHex(source: Uint8Array, offset: number, length: number): Hex {
  if (NodeBuffer !== undefined && source instanceof (NodeBuffer as unknown as typeof Uint8Array)) {
    return `0x${(source as NodeBufferLike).hexSlice(offset, offset + length)}`;
  }
  let out = "0x";
  for (let i = 0; i < length; i++) out += HEX_BYTE[source[offset + i]!]!;
  return out as Hex;
}

/**
 * Allocates a zero-filled byte buffer (a Node `Buffer` when available, so that
 * the native hex codec can be used on it; a plain `Uint8Array` otherwise).
 */
export function allocBytes(length: number): Uint8Array {
  if (NodeBuffer !== undefined) {
    return NodeBuffer.alloc(length);
  }
  return new Uint8Array(length);
}

/** Decodes a `0x` hex string of exactly `bytes` bytes, or returns undefined. */
export function hexToBytesExact(value: string, bytes: number): Uint8Array | undefined {
  const out = allocBytes(bytes);
  return writeHex(out, 0, value, bytes) ? out : undefined;
}

/** Compares `a[ao..ao+32)` with `b[bo..bo+32)` as big-endian numbers: negative, zero or positive. */
export function compare32(a: Uint8Array, ao: number, b: Uint8Array, bo: number): number {
  for (let i = 0; i < 32; i++) {
    const d = a[ao + i]! - b[bo + i]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** True when the 32 bytes at `a[ao]` equal those at `b[bo]`. */
export function equal32(a: Uint8Array, ao: number, b: Uint8Array, bo: number): boolean {
  for (let i = 0; i < 32; i++) if (a[ao + i] !== b[bo + i]) return false;
  return true;
}

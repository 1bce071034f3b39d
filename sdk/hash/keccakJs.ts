/**
 * keccak256 in plain JS over the unrolled Keccak-f[1600] of `keccakPermutation.ts`:
 * the fallback back end where WebAssembly cannot be compiled synchronously.
 * Writes digests into a caller's buffer; no allocation per call.
 *
 * @module
 */
import { keccakF1600 } from "./keccakPermutation.js";

const RATE = 136;
const state = new Int32Array(50);
const lastBlock = new Uint8Array(RATE);

function word(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
}

function squeeze(out: Uint8Array, outOff: number): void {
  const s = state;
  for (let i = 0; i < 8; i++) {
    const w = s[i]!;
    const o = outOff + 4 * i;
    out[o] = w;
    out[o + 1] = w >>> 8;
    out[o + 2] = w >>> 16;
    out[o + 3] = w >>> 24;
  }
}

/** Hashes `input[inOff .. inOff+inLen)` with keccak256 and writes the 32-byte digest at `out[outOff]` (may overlap the input). */
export function jsKeccak256Into(input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number): void {
  const s = state;
  s.fill(0);
  let off = inOff;
  let left = inLen;
  while (left >= RATE) {
    for (let w = 0; w < 34; w++) s[w]! ^= word(input, off + 4 * w);
    keccakF1600(s);
    off += RATE;
    left -= RATE;
  }
  const last = lastBlock;
  last.fill(0);
  last.set(input.subarray(off, off + left));
  last[left]! ^= 0x01;
  last[RATE - 1]! ^= 0x80;
  for (let w = 0; w < 34; w++) s[w]! ^= word(last, 4 * w);
  keccakF1600(s);
  squeeze(out, outOff);
}

/** Hashes the 32 bytes at `input[inOff]` into `out[outOff]` (may overlap). */
export function jsKeccak256Of32Into(input: Uint8Array, inOff: number, out: Uint8Array, outOff: number): void {
  const s = state;
  s.fill(0);
  for (let w = 0; w < 8; w++) s[w] = word(input, inOff + 4 * w);
  s[8] = 0x01;
  s[33] = -0x80000000;
  keccakF1600(s);
  squeeze(out, outOff);
}

/** Hashes the 64 bytes `a[aOff..aOff+32) ‖ b[bOff..bOff+32)` into `out[outOff]` (may overlap). */
export function jsKeccak256PairInto(
  a: Uint8Array,
  aOff: number,
  b: Uint8Array,
  bOff: number,
  out: Uint8Array,
  outOff: number,
): void {
  const s = state;
  s.fill(0);
  for (let w = 0; w < 8; w++) {
    s[w] = word(a, aOff + 4 * w);
    s[w + 8] = word(b, bOff + 4 * w);
  }
  s[16] = 0x01;
  s[33] = -0x80000000;
  keccakF1600(s);
  squeeze(out, outOff);
}

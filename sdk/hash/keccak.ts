/**
 * keccak256 over byte ranges, writing the digest into a caller's buffer
 * (no allocation on the hot path).
 *
 * @module
 */
import { keccak256 } from "viem";

/** Hashes `input[inOff .. inOff+inLen)` with keccak256 and writes the 32-byte digest at `out[outOff]`. */
export function keccak256Into(input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number): void {
  out.set(keccak256(input.subarray(inOff, inOff + inLen), "bytes"), outOff);
}

const pairScratch = new Uint8Array(64);

/** Hashes the 64 bytes `a[aOff..aOff+32) ‖ b[bOff..bOff+32)` into `out[outOff]`. */
export function keccak256PairInto(
  a: Uint8Array,
  aOff: number,
  b: Uint8Array,
  bOff: number,
  out: Uint8Array,
  outOff: number,
): void {
  pairScratch.set(a.subarray(aOff, aOff + 32), 0);
  pairScratch.set(b.subarray(bOff, bOff + 32), 32);
  keccak256Into(pairScratch, 0, 64, out, outOff);
}

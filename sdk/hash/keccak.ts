/**
 * keccak256 over byte ranges, writing the 32-byte digest into a caller's buffer.
 *
 * Back end: the generated WebAssembly module (`keccakWasm.generated.ts`, 64-bit lanes),
 * chosen by measurement (`npm run bench`, "keccak candidates"): on the project machine
 * its permutation is several times faster than the best pure-JS ones (@noble/hashes,
 * js-sha3, our unrolled JS) and it has no per-call allocation, unlike hash-wasm or the
 * native `keccak` addon. Where WebAssembly cannot be compiled synchronously the unrolled
 * JS permutation (`keccakJs.ts`) is used; both are tested against @noble/hashes.
 *
 * @module
 */
import type { Hex } from "viem";

import { readHex } from "../bytes/hex.js";
import { jsKeccak256Into, jsKeccak256Of32Into, jsKeccak256PairInto } from "./keccakJs.js";
import { WASM_LAYOUT } from "./keccakWasm.generated.js";
import { sharedWasm } from "./wasmInstance.js";

const IN = WASM_LAYOUT.FREE;

/** Which back end the one-off hash functions use: `"wasm"` or `"js"`. */
export function keccakBackend(): "wasm" | "js" {
  return sharedWasm() ? "wasm" : "js";
}

function copyIn(mem: Uint8Array, at: number, src: Uint8Array, off: number, len: number): void {
  if (len <= 64) for (let i = 0; i < len; i++) mem[at + i] = src[off + i]!;
  else mem.set(src.subarray(off, off + len), at);
}

function copyOut(mem: Uint8Array, at: number, out: Uint8Array, outOff: number): void {
  for (let i = 0; i < 32; i++) out[outOff + i] = mem[at + i]!;
}

/** Hashes `input[inOff .. inOff+inLen)` with keccak256 and writes the digest at `out[outOff]` (may overlap the input). */
export function keccak256Into(input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number): void {
  const wasm = sharedWasm();
  if (!wasm) return jsKeccak256Into(input, inOff, inLen, out, outOff);
  wasm.ensure(IN + inLen + 32);
  const mem = wasm.bytes;
  copyIn(mem, IN, input, inOff, inLen);
  wasm.exports.keccak(IN, inLen, IN + inLen);
  copyOut(mem, IN + inLen, out, outOff);
}

/** Hashes the 32 bytes at `input[inOff]` into `out[outOff]` (may overlap). */
export function keccak256Of32Into(input: Uint8Array, inOff: number, out: Uint8Array, outOff: number): void {
  const wasm = sharedWasm();
  if (!wasm) return jsKeccak256Of32Into(input, inOff, out, outOff);
  const mem = wasm.bytes;
  copyIn(mem, IN, input, inOff, 32);
  wasm.exports.keccak32(IN, IN + 32);
  copyOut(mem, IN + 32, out, outOff);
}

/** Hashes the 64 bytes `a[aOff..aOff+32) ‖ b[bOff..bOff+32)` into `out[outOff]` (may overlap). */
export function keccak256PairInto(
  a: Uint8Array,
  aOff: number,
  b: Uint8Array,
  bOff: number,
  out: Uint8Array,
  outOff: number,
): void {
  const wasm = sharedWasm();
  if (!wasm) return jsKeccak256PairInto(a, aOff, b, bOff, out, outOff);
  const mem = wasm.bytes;
  copyIn(mem, IN, a, aOff, 32);
  copyIn(mem, IN + 32, b, bOff, 32);
  wasm.exports.keccak(IN, 64, IN + 64);
  copyOut(mem, IN + 64, out, outOff);
}

const textEncoder = new TextEncoder();

/** keccak256 of `input[inOff .. inOff+inLen)` as a lowercase 0x hex string. */
export function keccak256Hex(input: Uint8Array, inOff = 0, inLen = input.length - inOff): Hex {
  const wasm = sharedWasm();
  if (!wasm) {
    const out = new Uint8Array(32);
    jsKeccak256Into(input, inOff, inLen, out, 0);
    return readHex(out, 0, 32);
  }
  wasm.ensure(IN + inLen + 32);
  const mem = wasm.bytes;
  copyIn(mem, IN, input, inOff, inLen);
  wasm.exports.keccak(IN, inLen, IN + inLen);
  return readHex(mem, IN + inLen, 32);
}

/**
 * keccak256 of the UTF-8 bytes of `text` (viem's `keccak256(stringToHex(text))`), as lowercase hex.
 * The text is encoded straight into the WebAssembly memory (no intermediate copy).
 */
export function keccak256Utf8(text: string): Hex {
  const wasm = sharedWasm();
  if (!wasm) return keccak256Hex(textEncoder.encode(text));
  // A UTF-16 unit is at most 3 UTF-8 bytes.
  wasm.ensure(IN + 3 * text.length + 32);
  const mem = wasm.bytes;
  const { written } = textEncoder.encodeInto(text, mem.subarray(IN, IN + 3 * text.length));
  wasm.exports.keccak(IN, written, IN + written);
  return readHex(mem, IN + written, 32);
}

/**
 * keccak256 of `prefix ‖ utf8(text)` (prefix: e.g. a 32-byte salt), as lowercase hex.
 * `text` may also be bytes.
 */
export function keccak256PrefixedHex(prefix: Uint8Array, content: string | Uint8Array): Hex {
  const wasm = sharedWasm();
  if (!wasm) {
    const body = typeof content === "string" ? textEncoder.encode(content) : content;
    const joined = new Uint8Array(prefix.length + body.length);
    joined.set(prefix, 0);
    joined.set(body, prefix.length);
    return keccak256Hex(joined);
  }
  const room = typeof content === "string" ? 3 * content.length : content.length;
  wasm.ensure(IN + prefix.length + room + 32);
  const mem = wasm.bytes;
  copyIn(mem, IN, prefix, 0, prefix.length);
  let length = prefix.length;
  if (typeof content === "string") {
    length += textEncoder.encodeInto(content, mem.subarray(IN + prefix.length, IN + prefix.length + room)).written;
  } else {
    copyIn(mem, IN + prefix.length, content, 0, content.length);
    length += content.length;
  }
  wasm.exports.keccak(IN, length, IN + length);
  return readHex(mem, IN + length, 32);
}

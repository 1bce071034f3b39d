/**
 * Instances of the keccak WebAssembly module (see `keccakWasm.generated.ts`).
 *
 * The module is compiled once, synchronously, on first use. Where synchronous
 * compilation is not allowed (browsers' main thread refuses modules > 4 KB; this one
 * is ~3.6 KB) or WebAssembly is missing, {@link getWasmModule} returns undefined and
 * callers use the plain JS permutation instead.
 *
 * A tree build gets its own instance, whose memory holds the tree's nodes and is
 * released with the tree; small one-off hashes share one long-lived instance.
 *
 * @module
 */
import { RECEIPT_TYPEHASH } from "../receipt/eip712.js";
import { KECCAK_WASM_BASE64, WASM_LAYOUT, type KeccakWasmExports } from "./keccakWasm.generated.js";

let compiled: WebAssembly.Module | null | undefined;

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The compiled module, or undefined when WebAssembly is unavailable here. */
export function getWasmModule(): WebAssembly.Module | undefined {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(decodeBase64(KECCAK_WASM_BASE64) as Uint8Array<ArrayBuffer>);
    } catch {
      compiled = null;
    }
  }
  return compiled ?? undefined;
}

const PAGE = 65536;

/** One instance of the module, with helpers to grow its memory and view it. */
export class WasmKeccak {
  readonly exports: KeccakWasmExports;
  private view: Uint8Array;

  constructor(module: WebAssembly.Module) {
    this.exports = new WebAssembly.Instance(module, {}).exports as unknown as KeccakWasmExports;
    this.exports.memory.grow(Math.ceil(WASM_LAYOUT.FREE / PAGE));
    this.exports.init();
    this.view = viewOf(this.exports.memory.buffer, 0, this.exports.memory.buffer.byteLength);
    // Word 0 of the receipt encoding scratch is the typehash; the padding stays zero.
    const typehash = RECEIPT_TYPEHASH.slice(2);
    for (let i = 0; i < 32; i++) this.view[WASM_LAYOUT.ENC + i] = parseInt(typehash.slice(2 * i, 2 * i + 2), 16);
  }

  /** Makes the memory at least `bytes` long (views taken before are then stale). */
  ensure(bytes: number): void {
    const memory = this.exports.memory;
    if (memory.buffer.byteLength < bytes) {
      memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE));
      this.view = viewOf(memory.buffer, 0, memory.buffer.byteLength);
    }
  }

  /** A byte view of the whole memory (refreshed after growth); a Node `Buffer` when available. */
  get bytes(): Uint8Array {
    if (this.view.buffer !== this.exports.memory.buffer) this.view = viewOf(this.exports.memory.buffer, 0, this.exports.memory.buffer.byteLength);
    return this.view;
  }
}

interface BufferStatic {
  from(buffer: ArrayBuffer, byteOffset: number, length: number): Uint8Array;
}
const NodeBuffer = (globalThis as unknown as { Buffer?: BufferStatic }).Buffer;

/** A view (no copy) of `length` bytes of `buffer` at `offset`: a Node `Buffer` when available (fast hex codec). */
export function viewOf(buffer: ArrayBuffer, offset: number, length: number): Uint8Array {
  return NodeBuffer ? NodeBuffer.from(buffer, offset, length) : new Uint8Array(buffer, offset, length);
}

let shared: WasmKeccak | null | undefined;

/** The shared instance for small one-off hashes (never grown much), or undefined without WebAssembly. */
export function sharedWasm(): WasmKeccak | undefined {
  if (shared === undefined) {
    const module = getWasmModule();
    shared = module ? new WasmKeccak(module) : null;
  }
  return shared ?? undefined;
}

/** A fresh instance (for a tree build), or undefined without WebAssembly. */
export function newWasm(): WasmKeccak | undefined {
  const module = getWasmModule();
  return module ? new WasmKeccak(module) : undefined;
}

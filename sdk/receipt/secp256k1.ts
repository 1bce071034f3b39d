/**
 * The secp256k1 back ends behind receipt signatures, chosen by measurement (`npm run bench`,
 * "secp256k1 candidates"):
 *
 * - `libsecp256k1`: Bitcoin Core's libsecp256k1 compiled to WebAssembly, as shipped by the
 *   `tiny-secp256k1` package. The fastest candidate that installs here (signing ~4x and
 *   recovery ~5x faster than @noble/curves). Used under Node: the module is loaded
 *   synchronously from the installed package (`createRequire`, then one instance of its
 *   `.wasm` per thread), called directly on its memory.
 * - `noble`: @noble/curves (pure JS, audited) with the base point precomputed (window 8).
 *   Used where the first is not available: browsers (the core `showwork` entry stays
 *   browser-safe: nothing here imports a Node module or a `.wasm` file statically), or when
 *   `SHOWWORK_SECP256K1=noble` is set.
 *
 * Both sign deterministically (RFC 6979, no extra entropy) with low-S normalization, so both
 * produce the same bytes as viem's `signTypedData`; `test/sdk/receipt/fastPaths.test.ts`
 * checks both against viem on random keys and digests.
 *
 * @module
 */
import { secp256k1 } from "@noble/curves/secp256k1.js";

/** A secp256k1 implementation, on raw bytes. */
export interface Secp256k1Backend {
  readonly name: "libsecp256k1" | "noble";
  /**
   * Signs a 32-byte digest with a 32-byte secret key; writes r ‖ s (64 bytes, low-S) at `out[outOff]`.
   * @returns the recovery id (0 or 1).
   */
  sign(digest: Uint8Array, secretKey: Uint8Array, out: Uint8Array, outOff: number): number;
  /**
   * Recovers the public key from a digest and r ‖ s (64 bytes at `sig[sigOff]`) with recovery id 0 or 1;
   * writes x ‖ y (64 bytes) at `out[outOff]`. r and s must already be checked to lie in [1, n).
   * @returns false when no public key results (r is not an x coordinate on the curve, or the key is infinity).
   */
  recover(digest: Uint8Array, sig: Uint8Array, sigOff: number, recoveryId: number, out: Uint8Array, outOff: number): boolean;
  /** The uncompressed public key x ‖ y (64 bytes) of a secret key, or undefined when the key is not in [1, n). */
  publicKey(secretKey: Uint8Array): Uint8Array | undefined;
}

let basePrecomputed = false;
function precomputeBase(): void {
  if (!basePrecomputed) {
    secp256k1.Point.BASE.precompute(8, false);
    basePrecomputed = true;
  }
}

/** @noble/curves (pure JS). */
export const nobleBackend: Secp256k1Backend = {
  name: "noble",
  sign(digest, secretKey, out, outOff) {
    precomputeBase();
    const sig = secp256k1.sign(digest, secretKey, { prehash: false, lowS: true, format: "recovered" });
    out.set(sig.subarray(1, 65), outOff);
    return sig[0]!;
  },
  recover(digest, sig, sigOff, recoveryId, out, outOff) {
    const recovered = new Uint8Array(65);
    recovered[0] = recoveryId;
    recovered.set(sig.subarray(sigOff, sigOff + 64), 1);
    let key: Uint8Array;
    try {
      key = secp256k1.Signature.fromBytes(recovered, "recovered").recoverPublicKey(digest).toBytes(false);
    } catch {
      return false;
    }
    out.set(key.subarray(1, 65), outOff);
    return true;
  },
  publicKey(secretKey) {
    precomputeBase();
    try {
      return secp256k1.getPublicKey(secretKey, false).subarray(1);
    } catch {
      return undefined;
    }
  },
};

interface LibsecpExports {
  readonly memory: WebAssembly.Memory;
  readonly HASH_INPUT: WebAssembly.Global;
  readonly SIGNATURE_INPUT: WebAssembly.Global;
  readonly PRIVATE_INPUT: WebAssembly.Global;
  readonly PUBLIC_KEY_INPUT: WebAssembly.Global;
  initializeContext(): void;
  signRecoverable(withExtraData: number): number;
  recover(outputLength: number, recoveryId: number): number;
  pointFromScalar(outputLength: number): number;
}

type NodeRequire = ((id: string) => unknown) & { resolve(id: string): string };
interface NodeModules {
  module: { createRequire(url: string): NodeRequire };
  fs: { readFileSync(path: string): Uint8Array };
  path: { join(...parts: string[]): string; dirname(p: string): string };
  crypto: { randomBytes(n: number): { readInt32BE(offset: number): number } };
}

function nodeModules(): NodeModules | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown; env?: Record<string, string | undefined> } }).process;
  const get = proc?.getBuiltinModule;
  if (typeof get !== "function") return undefined;
  return {
    module: get("node:module") as NodeModules["module"],
    fs: get("node:fs") as NodeModules["fs"],
    path: get("node:path") as NodeModules["path"],
    crypto: get("node:crypto") as NodeModules["crypto"],
  };
}

/** Where the installed `tiny-secp256k1` keeps its WebAssembly build, or undefined (not installed, not Node). */
export function libsecp256k1WasmPath(): string | undefined {
  const node = nodeModules();
  if (!node) return undefined;
  try {
    const require = node.module.createRequire(import.meta.url);
    // The package's main entry is lib/cjs/index.cjs; the .wasm sits in lib/.
    return node.path.join(node.path.dirname(node.path.dirname(require.resolve("tiny-secp256k1"))), "secp256k1.wasm");
  } catch {
    return undefined;
  }
}

/** Loads libsecp256k1 (WebAssembly) from the installed `tiny-secp256k1`, or returns undefined. */
export function loadLibsecp256k1Backend(): Secp256k1Backend | undefined {
  const node = nodeModules();
  const wasmPath = libsecp256k1WasmPath();
  if (!node || wasmPath === undefined) return undefined;
  let wasm: LibsecpExports;
  try {
    const module = new WebAssembly.Module(node.fs.readFileSync(wasmPath) as Uint8Array<ArrayBuffer>);
    const instance = new WebAssembly.Instance(module, {
      "./rand.js": { generateInt32: () => node.crypto.randomBytes(4).readInt32BE(0) },
      "./validate_error.js": {
        throwError: (code: number) => {
          throw new TypeError(`libsecp256k1 rejected its input (code ${code})`);
        },
      },
    });
    wasm = instance.exports as unknown as LibsecpExports;
    wasm.initializeContext();
  } catch {
    return undefined;
  }
  const HASH = wasm.HASH_INPUT.value as number;
  const SIG = wasm.SIGNATURE_INPUT.value as number;
  const KEY = wasm.PRIVATE_INPUT.value as number;
  const PUB = wasm.PUBLIC_KEY_INPUT.value as number;
  let mem = new Uint8Array(wasm.memory.buffer);
  const view = (): Uint8Array => (mem.buffer === wasm.memory.buffer ? mem : (mem = new Uint8Array(wasm.memory.buffer)));
  const isPrivate = (key: Uint8Array): boolean => key.length === 32 && inRange(key, 0);
  return {
    name: "libsecp256k1",
    sign(digest, secretKey, out, outOff) {
      if (!isPrivate(secretKey)) throw new TypeError("secret key is not 32 bytes in [1, n)");
      const m = view();
      m.set(digest, HASH);
      m.set(secretKey, KEY);
      try {
        const recoveryId = wasm.signRecoverable(0);
        for (let i = 0; i < 64; i++) out[outOff + i] = m[SIG + i]!;
        return recoveryId;
      } finally {
        m.fill(0, KEY, KEY + 32);
      }
    },
    recover(digest, sig, sigOff, recoveryId, out, outOff) {
      const m = view();
      m.set(digest, HASH);
      for (let i = 0; i < 64; i++) m[SIG + i] = sig[sigOff + i]!;
      if (wasm.recover(65, recoveryId) !== 1) return false;
      for (let i = 0; i < 64; i++) out[outOff + i] = m[PUB + 1 + i]!;
      return true;
    },
    publicKey(secretKey) {
      if (!isPrivate(secretKey)) return undefined;
      const m = view();
      m.set(secretKey, KEY);
      try {
        if (wasm.pointFromScalar(65) !== 1) return undefined;
        return m.slice(PUB + 1, PUB + 65);
      } finally {
        m.fill(0, KEY, KEY + 32);
      }
    },
  };
}

/** The group order n, big-endian. */
const N = Uint8Array.from([
  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
  0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
]);

/** True when the 32-byte big-endian number at `bytes[off]` lies in [1, n) (a valid r, s or secret key). */
export function inRange(bytes: Uint8Array, off: number): boolean {
  let zero = true;
  for (let i = 0; i < 32; i++) {
    if (bytes[off + i] !== 0) {
      zero = false;
      break;
    }
  }
  if (zero) return false;
  for (let i = 0; i < 32; i++) {
    const d = bytes[off + i]! - N[i]!;
    if (d !== 0) return d < 0;
  }
  return false;
}

let chosen: Secp256k1Backend | undefined;

/**
 * The back end receipt signing and recovery use: libsecp256k1 (WebAssembly) under Node when
 * `tiny-secp256k1` is installed, @noble/curves otherwise or when `SHOWWORK_SECP256K1=noble`.
 */
export function secp256k1Backend(): Secp256k1Backend {
  if (chosen === undefined) {
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
    chosen = (env?.SHOWWORK_SECP256K1 === "noble" ? undefined : loadLibsecp256k1Backend()) ?? nobleBackend;
  }
  return chosen;
}

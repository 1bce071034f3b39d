/**
 * The secp256k1 back ends behind receipt signatures, chosen by measurement (`npm run bench`,
 * "secp256k1 candidates"), tried in this order:
 *
 * - `native`: Bitcoin Core's libsecp256k1 as a native N-API addon, the prebuilt binary inside
 *   the `secp256k1` package's npm tarball (`prebuilds/<platform>-<arch>/`, loaded by
 *   `node-gyp-build`: no install script, no compiler). Signing ~2.5x and recovery ~4x faster
 *   than the WebAssembly build. The addon is called directly (not through the package's
 *   validating wrapper): inputs are checked here first. Node only, loaded lazily through
 *   `process.getBuiltinModule` (nothing static, so browser bundles never see it).
 * - `libsecp256k1`: the same library compiled to WebAssembly, as shipped by the
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
  /** `native` (libsecp256k1 N-API addon), `libsecp256k1` (WebAssembly) or `noble` (@noble/curves, pure JS). */
  readonly name: "native" | "libsecp256k1" | "noble";
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


interface NativeAddon {
  ecdsaSign(obj: { signature: Uint8Array; recid: number | null }, msg32: Uint8Array, seckey: Uint8Array, data: undefined, noncefn: undefined): number;
  ecdsaRecover(output: Uint8Array, sig64: Uint8Array, recid: number, msg32: Uint8Array): number;
  publicKeyCreate(output: Uint8Array, seckey: Uint8Array): number;
}

/**
 * Where the installed `secp256k1` package keeps its native prebuild, as a folder for
 * `node-gyp-build` plus a `require` that can load it; undefined when not installed or not Node.
 */
export function nativeSecp256k1Location(): { readonly dir: string; readonly nodeGypBuild: string } | undefined {
  const node = nodeModules();
  if (!node) return undefined;
  try {
    const require = node.module.createRequire(import.meta.url);
    const pkg = require.resolve("secp256k1/package.json");
    // node-gyp-build is the package's own dependency: resolve it from there.
    const nodeGypBuild = node.module.createRequire(pkg).resolve("node-gyp-build");
    return { dir: node.path.dirname(pkg), nodeGypBuild };
  } catch {
    return undefined;
  }
}

/** Loads libsecp256k1's native N-API prebuild from the installed `secp256k1` package, or returns undefined. */
export function loadNativeBackend(): Secp256k1Backend | undefined {
  const node = nodeModules();
  const where = nativeSecp256k1Location();
  if (!node || where === undefined) return undefined;
  let addon: NativeAddon;
  try {
    const require = node.module.createRequire(import.meta.url);
    const load = require(where.nodeGypBuild) as (dir: string) => { Secp256k1: new () => NativeAddon };
    addon = new (load(where.dir).Secp256k1)();
  } catch {
    return undefined;
  }
  const sigOut = { signature: new Uint8Array(64), recid: null as number | null };
  const sig64 = new Uint8Array(64);
  const digest32 = new Uint8Array(32);
  const key32 = new Uint8Array(32);
  const pub65 = new Uint8Array(65);
  const exact32 = (bytes: Uint8Array): Uint8Array => {
    if (bytes.length === 32) return bytes;
    digest32.set(bytes.subarray(0, 32));
    return digest32;
  };
  const isPrivate = (key: Uint8Array): boolean => key.length === 32 && inRange(key, 0);
  let reducedNonceBackend: Secp256k1Backend | undefined;
  return {
    name: "native",
    sign(digest, secretKey, out, outOff) {
      if (!isPrivate(secretKey)) throw new TypeError("secret key is not 32 bytes in [1, n)");
      if (digest.length !== 32) throw new TypeError("digest is not 32 bytes");
      // The prebuild's libsecp256k1 predates "RFC 6979 on the message reduced mod n": for a
      // digest >= n (probability ~2^-128 for a keccak output) its nonce, hence r, differs from
      // RFC 6979's and from the other back ends. Such a digest goes to the next back end.
      if (digest[0] === 0xff && !inRange(digest, 0)) {
        reducedNonceBackend ??= loadLibsecp256k1Backend() ?? nobleBackend;
        return reducedNonceBackend.sign(digest, secretKey, out, outOff);
      }
      key32.set(secretKey);
      try {
        if (addon.ecdsaSign(sigOut, exact32(digest), key32, undefined, undefined) !== 0) {
          throw new TypeError("libsecp256k1 could not sign (invalid secret key)");
        }
      } finally {
        key32.fill(0);
      }
      out.set(sigOut.signature, outOff);
      return sigOut.recid!;
    },
    recover(digest, sig, sigOff, recoveryId, out, outOff) {
      // The addon aborts the process on a recovery id outside [0, 3]: never pass one.
      if (recoveryId !== 0 && recoveryId !== 1) return false;
      if (digest.length !== 32) return false;
      for (let i = 0; i < 64; i++) sig64[i] = sig[sigOff + i]!;
      if (addon.ecdsaRecover(pub65, sig64, recoveryId, exact32(digest)) !== 0) return false;
      for (let i = 0; i < 64; i++) out[outOff + i] = pub65[1 + i]!;
      return true;
    },
    publicKey(secretKey) {
      if (!isPrivate(secretKey)) return undefined;
      key32.set(secretKey);
      try {
        if (addon.publicKeyCreate(pub65, key32) !== 0) return undefined;
      } finally {
        key32.fill(0);
      }
      return pub65.slice(1, 65);
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

/** What `SHOWWORK_SECP256K1` may name: force one back end (tests, comparisons). */
export type Secp256k1BackendName = Secp256k1Backend["name"];

const BACKEND_ALIASES: Record<string, Secp256k1BackendName> = {
  native: "native",
  wasm: "libsecp256k1",
  webassembly: "libsecp256k1",
  libsecp256k1: "libsecp256k1",
  noble: "noble",
};

/** Loads one named back end, or undefined when it is not available here. */
export function loadSecp256k1Backend(name: Secp256k1BackendName): Secp256k1Backend | undefined {
  if (name === "native") return loadNativeBackend();
  if (name === "libsecp256k1") return loadLibsecp256k1Backend();
  return nobleBackend;
}

let chosen: Secp256k1Backend | undefined;
let chosenReport: SignatureBackendReport | undefined;

/** Which secp256k1 back end signs and checks receipts in this process, and why: see {@link signatureBackend}. */
export interface SignatureBackendReport {
  /** The back end in use. */
  readonly name: Secp256k1BackendName;
  /** A line for people: what it is. */
  readonly description: string;
  /** `SHOWWORK_SECP256K1` when it chose the back end. */
  readonly forcedBy?: string;
  /** The faster back ends that were tried first and could not load here. */
  readonly unavailable: readonly Secp256k1BackendName[];
}

const DESCRIPTIONS: Record<Secp256k1BackendName, string> = {
  native: "libsecp256k1, native N-API prebuild (secp256k1 package)",
  libsecp256k1: "libsecp256k1 compiled to WebAssembly (tiny-secp256k1 package)",
  noble: "@noble/curves (pure JavaScript)",
};

/**
 * The back end receipt signing and recovery use, chosen once per process (per thread): the
 * native libsecp256k1 prebuild under Node when it loads, else libsecp256k1 as WebAssembly, else
 * @noble/curves (browsers). `SHOWWORK_SECP256K1=native|wasm|noble` forces one (falling back as
 * above when it cannot load). All produce the same bytes (RFC 6979, low S).
 */
export function secp256k1Backend(): Secp256k1Backend {
  if (chosen === undefined) {
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
    const forced = env?.SHOWWORK_SECP256K1 ? BACKEND_ALIASES[env.SHOWWORK_SECP256K1.toLowerCase()] : undefined;
    const order: Secp256k1BackendName[] = ["native", "libsecp256k1", "noble"];
    const unavailable: Secp256k1BackendName[] = [];
    for (const name of forced ? order.slice(order.indexOf(forced)) : order) {
      const backend = loadSecp256k1Backend(name);
      if (backend) {
        chosen = backend;
        break;
      }
      unavailable.push(name);
    }
    chosen ??= nobleBackend;
    chosenReport = {
      name: chosen.name,
      description: DESCRIPTIONS[chosen.name],
      ...(forced ? { forcedBy: `SHOWWORK_SECP256K1=${env!.SHOWWORK_SECP256K1}` } : {}),
      unavailable,
    };
  }
  return chosen;
}

/**
 * Which secp256k1 back end this process uses for receipt signatures (for `showwork doctor`
 * and the benches): `native`, `libsecp256k1` (WebAssembly) or `noble`, with the faster ones
 * that could not load.
 * @example
 * signatureBackend(); // { name: "native", description: "libsecp256k1, native N-API prebuild …", unavailable: [] }
 */
export function signatureBackend(): SignatureBackendReport {
  secp256k1Backend();
  return chosenReport!;
}

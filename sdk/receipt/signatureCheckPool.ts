/**
 * Receipt signature checks on every core: a pool of worker threads running libsecp256k1
 * (the native prebuild, else WebAssembly: the same back end as the calling thread), for ingestion (the service checks every receipt's signature) and audits.
 * Node only — not part of the browser-safe core entry; import it from `showwork/service`
 * (sdk/service/index.ts) or this module.
 *
 * Split of the work: the calling thread computes each receipt's EIP-712 digest (~4 µs, the
 * SDK's encoder and WebAssembly keccak) and packs digest ‖ signature (97 bytes) per receipt;
 * workers recover the public keys (~60 µs each native, ~250 µs WebAssembly: the expensive part); the calling thread turns
 * keys into addresses and compares them with `servingNode`. The verdicts are exactly those of
 * {@link checkReceiptSignature} (same reasons, same details; tested on random and mutated
 * signatures). Small submissions (< `inlineBelow` receipts) are checked on the calling thread;
 * a worker that fails has its share checked on the calling thread instead (nothing is lost).
 *
 * @module
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

import type { Address } from "viem";

import { InvalidReceiptError } from "../errors.js";
import { writeHex } from "../bytes/hex.js";
import { libsecp256k1WasmPath, nativeSecp256k1Location, secp256k1Backend } from "./secp256k1.js";
import { receiptSigningDigestInto } from "./signingDigest.js";
import { addressOfPublicKeyAt, checkReceiptSignature, malformedDetail, type ReceiptSignatureCheck } from "./signReceipt.js";
import type { Receipt } from "./types.js";

/** Options of {@link createSignatureCheckPool}. */
export interface SignatureCheckPoolOptions {
  /** Worker threads (default: the machine's available parallelism). 0: check on the calling thread. */
  readonly threads?: number;
  /** Submissions smaller than this are checked on the calling thread (default 64: a round trip costs more). */
  readonly inlineBelow?: number;
  /** The workers' libsecp256k1 build (default: the calling thread's back end, {@link secp256k1Backend}). */
  readonly backend?: "native" | "libsecp256k1";
}

/** A pool of signature-checking worker threads. Close it when done. */
export interface SignatureCheckPool {
  /** Worker threads in the pool (0 when checks run on the calling thread: no libsecp256k1 here). */
  readonly threads: number;
  /**
   * Checks every receipt's signature against its `servingNode`; result i is receipt i's verdict,
   * as {@link checkReceiptSignature} gives it. Never rejects for a bad signature.
   */
  check(receipts: readonly Receipt[]): Promise<ReceiptSignatureCheck[]>;
  /** Stops the workers (pending checks finish on the calling thread). */
  close(): Promise<void>;
}

const ITEM = 97; // digest 32 ‖ r 32 ‖ s 32 ‖ v 1
const RESULT = 65; // code 1 ‖ x 32 ‖ y 32

/** The worker, as plain JS (no TypeScript loader needed in the worker thread). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
// recover(input, at, rec, out, outAt): writes x ‖ y at out[outAt], returns false when no key results.
let recover;
if (workerData.native) {
  const addon = new (require(workerData.native.nodeGypBuild)(workerData.native.dir).Secp256k1)();
  const sig = new Uint8Array(64), msg = new Uint8Array(32), pub = new Uint8Array(65);
  recover = (input, at, rec, out, outAt) => {
    for (let k = 0; k < 32; k++) msg[k] = input[at + k];
    for (let k = 0; k < 64; k++) sig[k] = input[at + 32 + k];
    if (addon.ecdsaRecover(pub, sig, rec, msg) !== 0) return false;
    for (let k = 0; k < 64; k++) out[outAt + k] = pub[1 + k];
    return true;
  };
} else {
  const { readFileSync } = require("node:fs");
  const { randomBytes } = require("node:crypto");
  const module_ = new WebAssembly.Module(readFileSync(workerData.wasmPath));
  const wasm = new WebAssembly.Instance(module_, {
    "./rand.js": { generateInt32: () => randomBytes(4).readInt32BE(0) },
    "./validate_error.js": { throwError: (code) => { throw new TypeError("libsecp256k1 rejected its input (code " + code + ")"); } },
  }).exports;
  wasm.initializeContext();
  const H = wasm.HASH_INPUT.value, S = wasm.SIGNATURE_INPUT.value, P = wasm.PUBLIC_KEY_INPUT.value;
  recover = (input, at, rec, out, outAt) => {
    const mem = new Uint8Array(wasm.memory.buffer);
    for (let k = 0; k < 32; k++) mem[H + k] = input[at + k];
    for (let k = 0; k < 64; k++) mem[S + k] = input[at + 32 + k];
    if (wasm.recover(65, rec) !== 1) return false;
    for (let k = 0; k < 64; k++) out[outAt + k] = mem[P + 1 + k];
    return true;
  };
}
const N = Uint8Array.from(${JSON.stringify([
  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
  0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
])});
function inRange(b, off) {
  let zero = true;
  for (let i = 0; i < 32; i++) if (b[off + i] !== 0) { zero = false; break; }
  if (zero) return false;
  for (let i = 0; i < 32; i++) { const d = b[off + i] - N[i]; if (d !== 0) return d < 0; }
  return false;
}
parentPort.on("message", ({ id, input, count }) => {
  const out = new Uint8Array(count * ${RESULT});
  for (let i = 0; i < count; i++) {
    const at = i * ${ITEM};
    const v = input[at + 96];
    const rec = v === 27 || v === 28 ? v - 27 : v === 0 || v === 1 ? v : -1;
    let code = 0;
    if (rec < 0) code = 1;
    else if (!inRange(input, at + 32)) code = 2;
    else if (!inRange(input, at + 64)) code = 3;
    else if (!recover(input, at, rec, out, i * ${RESULT} + 1)) code = 4;
    out[i * ${RESULT}] = code;
  }
  parentPort.postMessage({ id, out }, [out.buffer]);
});
`;

/** What a worker loads: the native prebuild or the WebAssembly build of libsecp256k1. */
type WorkerBackend = { readonly native: { readonly dir: string; readonly nodeGypBuild: string } } | { readonly wasmPath: string };

/**
 * The flags a pool's worker starts with: none. Worker sources are self-contained CommonJS (eval'd, loading
 * installed packages by absolute path), so they need nothing of the parent's flags, and inheriting them
 * fails: `--input-type=module` makes the eval'd source an ES module, and V8 or per-process flags given
 * explicitly (`--expose-gc`, `--cpu-prof`, `--max-old-space-size`) make `new Worker` throw
 * ERR_WORKER_INVALID_EXEC_ARGV.
 */
export function workerExecArgv(): string[] {
  return [];
}

interface Pending {
  resolve(out: Uint8Array): void;
  reject(error: unknown): void;
}

class WorkerSlot {
  readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  failed: unknown;

  constructor(backend: WorkerBackend) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: backend, execArgv: workerExecArgv() });
    this.worker.on("message", ({ id, out }: { id: number; out: Uint8Array }) => {
      const p = this.pending.get(id);
      this.pending.delete(id);
      if (this.pending.size === 0) this.worker.unref();
      p?.resolve(out);
    });
    const fail = (error: unknown) => {
      this.failed = error ?? new Error("signature worker exited");
      for (const p of this.pending.values()) p.reject(this.failed);
      this.pending.clear();
    };
    this.worker.on("error", fail);
    this.worker.on("exit", (code) => fail(new Error(`signature worker exited with code ${code}`)));
    // Idle: does not keep the process alive. After the listeners (adding a "message" listener refs the port again).
    this.worker.unref();
  }

  run(input: Uint8Array, count: number): Promise<Uint8Array> {
    if (this.failed !== undefined) return Promise.reject(this.failed);
    const id = this.nextId++;
    this.worker.ref();
    return new Promise<Uint8Array>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, input, count }, [input.buffer as ArrayBuffer]);
    });
  }
}

/**
 * Creates a pool of worker threads that check receipt signatures in parallel.
 * @example
 * const pool = createSignatureCheckPool();
 * const checks = await pool.check(receipts);   // checks[i].valid, .reason, .detail
 * await pool.close();
 */
export function createSignatureCheckPool(options: SignatureCheckPoolOptions = {}): SignatureCheckPool {
  const name = options.backend ?? secp256k1Backend().name;
  const native = name === "native" ? nativeSecp256k1Location() : undefined;
  const wasmPath = name === "libsecp256k1" ? libsecp256k1WasmPath() : undefined;
  const backend: WorkerBackend | undefined = native ? { native } : wasmPath ? { wasmPath } : undefined;
  const wanted = options.threads ?? availableParallelism();
  if (!Number.isInteger(wanted) || wanted < 0) {
    throw new InvalidReceiptError({ field: "threads", expected: "a non-negative integer number of worker threads", found: wanted });
  }
  const threads = backend === undefined ? 0 : wanted;
  const inlineBelow = options.inlineBelow ?? 64;
  let slots: WorkerSlot[] = Array.from({ length: threads }, () => new WorkerSlot(backend!));

  async function check(receipts: readonly Receipt[]): Promise<ReceiptSignatureCheck[]> {
    const live = slots.filter((s) => s.failed === undefined);
    if (receipts.length < inlineBelow || live.length === 0) return receipts.map((r) => checkReceiptSignature(r));
    const results = new Array<ReceiptSignatureCheck | undefined>(receipts.length);
    // Pack digest ‖ signature for every receipt whose verdict needs a recovery.
    const toRecover: number[] = [];
    const packed = new Uint8Array(receipts.length * ITEM);
    for (let i = 0; i < receipts.length; i++) {
      const receipt = receipts[i]!;
      const at = toRecover.length * ITEM;
      if (receipt.signature === undefined || !writeHex(packed, at + 32, receipt.signature, 65)) {
        results[i] = checkReceiptSignature(receipt);
        continue;
      }
      try {
        receiptSigningDigestInto(receipt, packed, at);
      } catch (error) {
        if (!(error instanceof InvalidReceiptError)) throw error;
        results[i] = checkReceiptSignature(receipt);
        continue;
      }
      toRecover.push(i);
    }
    const per = Math.ceil(toRecover.length / live.length);
    await Promise.all(
      live.map(async (slot, w) => {
        const from = w * per;
        const to = Math.min(toRecover.length, from + per);
        if (from >= to) return;
        const share = packed.slice(from * ITEM, to * ITEM);
        let out: Uint8Array;
        try {
          out = await slot.run(share, to - from);
        } catch {
          for (let k = from; k < to; k++) results[toRecover[k]!] = checkReceiptSignature(receipts[toRecover[k]!]!);
          return;
        }
        for (let k = from; k < to; k++) {
          const i = toRecover[k]!;
          const receipt = receipts[i]!;
          const o = (k - from) * RESULT;
          const code = out[o]!;
          if (code !== 0) {
            results[i] = { valid: false, reason: "malformed", detail: malformedDetail(code, packed[k * ITEM + 96]!) };
            continue;
          }
          const signer: Address = addressOfPublicKeyAt(out, o + 1);
          results[i] =
            signer.toLowerCase() === receipt.servingNode.toLowerCase()
              ? { valid: true, signer }
              : {
                  valid: false,
                  reason: "wrong-signer",
                  detail: `signed by ${signer}, not by the receipt's servingNode ${receipt.servingNode}`,
                  recoveredSigner: signer,
                };
        }
      }),
    );
    return results as ReceiptSignatureCheck[];
  }

  return {
    threads,
    check,
    async close() {
      const closing = slots;
      slots = [];
      await Promise.all(closing.map((s) => s.worker.terminate()));
    },
  };
}

let shared: SignatureCheckPool | undefined;

/**
 * A process-wide persistent pool (default threads; idle workers do not keep the process alive),
 * for callers that check signatures now and then (the monitor, audits) and should not start
 * threads each time. {@link closeSharedSignatureCheckPool} stops it.
 */
export function sharedSignatureCheckPool(): SignatureCheckPool {
  shared ??= createSignatureCheckPool();
  return shared;
}

/** Stops the shared pool's workers (a later {@link sharedSignatureCheckPool} starts new ones). */
export async function closeSharedSignatureCheckPool(): Promise<void> {
  const closing = shared;
  shared = undefined;
  await closing?.close();
}

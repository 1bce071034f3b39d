/**
 * Building a receipt tree on every core (Node only: worker threads; not part of the
 * browser-safe core entry — import it from sdk/service or this module).
 *
 * The calling thread encodes receipts in chunks of 1,024 (their hex text and numbers, the
 * JS part of the work) and hands most chunks to worker threads, each running its own
 * instance of the same keccak WebAssembly module (the compiled module is shared, not
 * recompiled): a worker decodes, hashes each receipt twice into its leaf and returns the
 * leaves (in tree order) and the receipt ids. One chunk in `threads + 1` is hashed on the
 * calling thread. The calling thread then places the leaves and hashes the inner nodes.
 * The result is the same tree as {@link ReceiptTree.of} (tested: roots, proofs, errors).
 *
 * The workers persist between builds (a process-wide pool, grown to the largest `threads`
 * asked for): a build pays no thread or WebAssembly start-up after the first. Idle workers do
 * not keep the process alive; {@link closeTreeWorkerPool} stops them.
 *
 * @module
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

import { InvalidBatchError, InvalidReceiptError } from "../errors.js";
import { NUM_STRIDE, WASM_LAYOUT } from "../hash/keccakWasm.generated.js";
import { getWasmModule, newWasm, viewOf } from "../hash/wasmInstance.js";
import { RECEIPT_TYPEHASH } from "../receipt/eip712.js";
import type { Receipt } from "../receipt/types.js";
import { CHUNK, encodeChunk, HEX_AREA, NUM_AREA, rejectReceipt, textWriter, TREE_AREA } from "./buildTree.js";
import { leafPosition } from "./core.js";
import { ReceiptTree, type ReceiptTreeOptions } from "./ReceiptTree.js";
import { workerExecArgv } from "../receipt/signatureCheckPool.js";

/** Options of {@link buildReceiptTreeParallel}. */
export interface ParallelTreeOptions extends ReceiptTreeOptions {
  /** Worker threads (default: the machine's available parallelism). 0: build on the calling thread. */
  readonly threads?: number;
}

const OUT = NUM_AREA + CHUNK * NUM_STRIDE;
const CHUNK_BYTES = OUT; // what a chunk's transfer buffer holds: the same layout as the instance's memory up to OUT

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { module: wasmModule, free, enc, typehash, hexArea, numArea, out, chunk } = workerData;
const wasm = new WebAssembly.Instance(wasmModule, {}).exports;
const need = out + chunk * 64;
wasm.memory.grow(Math.ceil(need / 65536));
wasm.init();
let mem = new Uint8Array(wasm.memory.buffer);
for (let i = 0; i < 32; i++) mem[enc + i] = parseInt(typehash.slice(2 + 2 * i, 4 + 2 * i), 16);
parentPort.on("message", ({ id, buffer, count }) => {
  if (mem.buffer !== wasm.memory.buffer) mem = new Uint8Array(wasm.memory.buffer);
  mem.set(new Uint8Array(buffer, hexArea, numArea - hexArea + count * ${NUM_STRIDE}), hexArea);
  const bad = wasm.hashReceipts(hexArea, numArea, count, out + (count - 1) * 32, -32, out + chunk * 32, 32);
  const leaves = mem.slice(out, out + count * 32);
  const ids = mem.slice(out + chunk * 32, out + chunk * 32 + count * 32);
  parentPort.postMessage({ id, bad, leaves, ids }, [leaves.buffer, ids.buffer]);
});
`;

interface ChunkResult {
  bad: number;
  leaves: Uint8Array;
  ids: Uint8Array;
}

class TreeWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve(r: ChunkResult): void; reject(e: unknown): void }>();
  private next = 0;
  failed = false;

  constructor(module: WebAssembly.Module) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      execArgv: workerExecArgv(),
      workerData: { module, free: WASM_LAYOUT.FREE, enc: WASM_LAYOUT.ENC, typehash: RECEIPT_TYPEHASH, hexArea: HEX_AREA, numArea: NUM_AREA, out: OUT, chunk: CHUNK },
    });
    this.worker.on("message", (m: { id: number } & ChunkResult) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (this.pending.size === 0) this.worker.unref();
      p?.resolve(m);
    });
    const fail = (error: unknown) => {
      this.failed = true;
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    };
    this.worker.on("error", fail);
    this.worker.on("exit", (code) => fail(new Error(`tree worker exited with code ${code}`)));
    // Idle: does not keep the process alive. After the listeners (adding a "message" listener refs the port again).
    this.worker.unref();
  }

  hash(buffer: ArrayBuffer, count: number): Promise<ChunkResult> {
    if (this.failed) return Promise.reject(new Error("tree worker stopped"));
    const id = this.next++;
    this.worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, buffer, count }, [buffer]);
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

/** The process-wide pool (the module is shared by every worker: compiled once). */
let pool: TreeWorker[] = [];

function treeWorkers(module: WebAssembly.Module, threads: number): TreeWorker[] {
  pool = pool.filter((w) => !w.failed);
  while (pool.length < threads) pool.push(new TreeWorker(module));
  return pool.slice(0, threads);
}

/** Stops the persistent tree workers (a later build starts new ones). */
export async function closeTreeWorkerPool(): Promise<void> {
  const closing = pool;
  pool = [];
  await Promise.all(closing.map((w) => w.terminate()));
}

/** Worker threads of the persistent tree pool now running (for tests and diagnostics). */
export function treeWorkerPoolSize(): number {
  return pool.filter((w) => !w.failed).length;
}

/**
 * Builds the tree of a batch (batch order) using worker threads for the leaf hashing.
 * Same checks, errors and result as {@link ReceiptTree.of}.
 * @throws {InvalidBatchError} (`empty`, `duplicate-receipt-id`), {@link InvalidReceiptError} (with the receipt's position).
 * @example
 * const tree = await buildReceiptTreeParallel(receipts);   // tree.root === ReceiptTree.of(receipts).root
 */
export async function buildReceiptTreeParallel(receipts: readonly Receipt[], options: ParallelTreeOptions = {}): Promise<ReceiptTree> {
  const threads = options.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 0) {
    throw new InvalidReceiptError({ field: "threads", expected: "a non-negative integer number of worker threads", found: threads });
  }
  const n = receipts.length;
  const module = getWasmModule();
  const wasm = newWasm();
  if (threads === 0 || n <= CHUNK || module === undefined || wasm === undefined) return ReceiptTree.of(receipts, options);
  const treeBytes = (2 * n - 1) * 32;
  const idsPtr = TREE_AREA + treeBytes;
  wasm.ensure(idsPtr + n * 32);
  const workers = treeWorkers(module, threads);
  {
    const jobs: Promise<void>[] = [];
    let failure: number | undefined;
    const failAt = (index: number): void => {
      if (failure === undefined || index < failure) failure = index;
    };
    const chunks = Math.ceil(n / CHUNK);
    for (let k = 0; k < chunks; k++) {
      const first = k * CHUNK;
      const last = Math.min(first + CHUNK, n);
      const slot = k % (threads + 1);
      if (slot === threads) {
        // The calling thread's share, straight into the tree (as hashChunk does, without throwing yet).
        const memory = wasm.exports.memory.buffer;
        const bad = encodeChunk(receipts, first, last, textWriter(viewOf(memory, 0, memory.byteLength)), new DataView(memory));
        const badHex = bad !== -1 ? -1 : wasm.exports.hashReceipts(HEX_AREA, NUM_AREA, last - first, TREE_AREA + leafPosition(n, first) * 32, -32, idsPtr + first * 32, 32);
        if (bad !== -1 || badHex !== -1) {
          failAt(first + (bad !== -1 ? bad : badHex));
          break; // earlier chunks are all scheduled: the first malformed receipt is among them or this one
        }
        continue;
      }
      const buffer = new ArrayBuffer(CHUNK_BYTES);
      const bad = encodeChunk(receipts, first, last, textWriter(viewOf(buffer, 0, CHUNK_BYTES)), new DataView(buffer));
      if (bad !== -1) {
        failAt(first + bad);
        break;
      }
      jobs.push(
        workers[slot]!.hash(buffer, last - first).then(({ bad: badHex, leaves, ids }) => {
          if (badHex !== -1) {
            failAt(first + badHex);
            return;
          }
          const mem = wasm.bytes;
          // Leaves came back in tree order: positions leafPosition(n, last-1) .. leafPosition(n, first).
          mem.set(leaves, TREE_AREA + leafPosition(n, last - 1) * 32);
          mem.set(ids, idsPtr + first * 32);
        }),
      );
    }
    // Wait for every chunk (even after a failure) so no late result writes into a reused instance.
    const settled = await Promise.allSettled(jobs);
    const crashed = settled.find((r) => r.status === "rejected");
    if (failure !== undefined) rejectReceipt(receipts[failure]!, failure);
    if (crashed !== undefined) throw (crashed as PromiseRejectedResult).reason;
  }
  if (n === 0) throw new InvalidBatchError({ reason: "empty" });
  wasm.exports.buildNodes(TREE_AREA, n);
  const memory = wasm.exports.memory.buffer;
  return ReceiptTree.fromBuilt({
    nodes: viewOf(memory, TREE_AREA, treeBytes),
    ids: viewOf(memory, idsPtr, n * 32),
    size: n,
    receipts: (options.retainReceipts ?? true) ? receipts.slice() : undefined,
  });
}

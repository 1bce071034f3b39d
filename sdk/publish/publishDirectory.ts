/**
 * `showwork publish --out DIR`: writes the published layout (see `layout.ts`) into a folder,
 * for any static host or object store. Incremental: batches already in the folder (same root,
 * same size) are not written again; each new file is checked (it loads as a batch whose root is
 * the anchored root) and written atomically (temp file, then rename); the index is written last.
 *
 * @module
 */
import { createWriteStream } from "node:fs";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { once } from "node:events";

import { ShowworkError } from "../errors.js";
import type { ReceiptStore } from "../service/store/types.js";
import { ReceiptTree } from "../tree/ReceiptTree.js";
import { batchFileText } from "./batchFile.js";
import { batchPath, indexPath, PUBLISHED_INDEX_FORMAT, type PublishedBatch, type PublishedIndex } from "./layout.js";
import { indexOf, StorePublication } from "./storePublication.js";

/** A published file in the folder disagrees with the store: published files must never change. */
export class PublishConflictError extends ShowworkError {
  override name = "PublishConflictError";
  constructor(file: string, expected: string, found: string) {
    super(`${file} is already published with different content: a published batch file must never change.`, {
      metaMessages: [`Expected: ${expected}`, `Found: ${found}`, "Do: publish into an empty folder, or find out who changed this file (it no longer matches the anchored root)."],
    });
  }
}

/** Options of {@link publishToDirectory}. */
export interface PublishToDirectoryParameters {
  readonly store: ReceiptStore;
  /** The folder that will hold `v1/`. */
  readonly out: string;
  /** Re-check each new file against its anchored root before writing it (default true). */
  readonly verify?: boolean;
  /** Called after each batch written. */
  readonly onBatch?: (batch: PublishedBatch, written: boolean) => void;
}

/** What {@link publishToDirectory} did. */
export interface PublishToDirectoryReturnType {
  readonly out: string;
  readonly index: PublishedIndex;
  readonly indexFile: string;
  /** Batches written by this call. */
  readonly written: readonly number[];
  /** Batches that were already there. */
  readonly kept: readonly number[];
  readonly bytesWritten: number;
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as unknown;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ShowworkError(`${file} is not readable JSON.`, { cause: error, metaMessages: ["Do: remove it (it is rewritten from the store) or publish into another folder."] });
  }
}

async function fileSize(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * Publishes every anchored batch of `store` into `out`, incrementally.
 * @throws {NothingPublishedError} (store never anchored), {@link PublishConflictError}
 * @example
 * const store = SqliteReceiptStore.open({ path: ".showwork/store.sqlite", readOnly: true });
 * const { written } = await publishToDirectory({ store, out: "public" });
 */
export async function publishToDirectory(params: PublishToDirectoryParameters): Promise<PublishToDirectoryReturnType> {
  const publication = new StorePublication(params.store);
  const binding = await publication.binding();
  const indexFile = path.join(params.out, indexPath(binding.logId));
  const previous = await readJson(indexFile);
  const known = new Map<number, PublishedBatch>();
  if (previous !== undefined) {
    const p = previous as Partial<PublishedIndex>;
    if (p.format !== PUBLISHED_INDEX_FORMAT || p.logId?.toLowerCase() !== binding.logId.toLowerCase() || p.chainId !== binding.chainId || p.contract?.toLowerCase() !== binding.contract.toLowerCase()) {
      throw new PublishConflictError(indexFile, `an index of log ${binding.logId} on chain ${binding.chainId} (${PUBLISHED_INDEX_FORMAT})`, `${String(p.format)} of log ${String(p.logId)} on chain ${String(p.chainId)}`);
    }
    for (const b of p.batches ?? []) known.set(b.index, b);
  }
  const verify = params.verify ?? true;
  const batches: PublishedBatch[] = [];
  const written: number[] = [];
  const kept: number[] = [];
  let bytesWritten = 0;
  await mkdir(path.join(params.out, path.dirname(batchPath(binding.logId, 0))), { recursive: true });
  for await (const batch of publication.batches()) {
    const relative = batchPath(binding.logId, batch.index);
    const file = path.join(params.out, relative);
    const before = known.get(batch.index);
    const size = await fileSize(file);
    if (before !== undefined && size !== undefined) {
      if (before.root !== batch.root || before.bytes !== size) {
        throw new PublishConflictError(file, `root ${batch.root}${before.root === batch.root ? `, ${before.bytes} bytes` : ""}`, `root ${before.root}, ${size} bytes`);
      }
      publication.rememberBytes(batch, size);
      const entry = await publication.entry(batch, binding);
      batches.push(entry);
      kept.push(batch.index);
      params.onBatch?.(entry, false);
      continue;
    }
    const text = await batchFileText(params.store, batch);
    if (verify) {
      const tree = ReceiptTree.load(JSON.parse(text) as unknown);
      if (tree.root !== batch.root.toLowerCase()) {
        throw new PublishConflictError(file, `receipts that hash to the anchored root ${batch.root}`, `receipts that hash to ${tree.root} (the store is inconsistent)`);
      }
    }
    const tmp = `${file}.tmp-${process.pid}`;
    const stream = createWriteStream(tmp);
    stream.end(text);
    await once(stream, "finish");
    await rename(tmp, file);
    const bytes = Buffer.byteLength(text);
    bytesWritten += bytes;
    publication.rememberBytes(batch, bytes);
    const entry = await publication.entry(batch, binding);
    batches.push(entry);
    written.push(batch.index);
    params.onBatch?.(entry, true);
  }
  const index = indexOf(binding, batches);
  const tmp = `${indexFile}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(index, null, 2)}\n`);
  await rename(tmp, indexFile);
  return { out: params.out, index, indexFile, written, kept, bytesWritten };
}

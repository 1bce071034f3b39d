/**
 * What an operator's store publishes: every batch whose root is anchored (state `anchored` or
 * `final`), from the store's first batch on, in index order, and the index that lists them.
 * Used by the HTTP routes (`sdk/service/http/publication.ts`) and by `showwork publish`.
 *
 * @module
 */
import { InvariantError, ShowworkError } from "../errors.js";
import { hasProof } from "../service/states.js";
import type { BatchRecord, ReceiptStore, StoreBinding } from "../service/store/types.js";
import { batchFileChunks } from "./batchFile.js";
import { batchPath, PUBLISHED_INDEX_FORMAT, type PublishedBatch, type PublishedIndex } from "./layout.js";

/** The store has no binding yet (it never anchored): there is nothing to publish. */
export class NothingPublishedError extends ShowworkError {
  override name = "NothingPublishedError";
  constructor(location: string) {
    super(`The store at ${location} is not bound to a log yet: nothing is anchored, nothing to publish.`, {
      metaMessages: ["Do: run the service (showwork serve) until it has anchored a batch, then publish."],
    });
  }
}

/** Reads what a store publishes. Batch sizes are remembered (published files never change). */
export class StorePublication {
  readonly store: ReceiptStore;
  private bytesOf = new Map<number, { root: string; bytes: number }>();

  constructor(store: ReceiptStore) {
    this.store = store;
  }

  /** The store's binding (chain, contract, log). @throws {NothingPublishedError} */
  async binding(): Promise<StoreBinding> {
    const binding = await this.store.getBinding();
    if (binding === undefined) throw new NothingPublishedError(this.store.location);
    return binding;
  }

  /** The published batches, by increasing index (stops at the first batch not anchored yet). */
  async *batches(): AsyncGenerator<BatchRecord> {
    const binding = await this.binding();
    for (let index = binding.firstBatchIndex; ; index++) {
      const batch = await this.store.getBatch(index);
      if (batch === undefined || !hasProof(batch.state) || batch.anchor === undefined) return;
      yield batch;
    }
  }

  /** Batch `index` if it is published (anchored), else undefined. */
  async batch(index: number): Promise<BatchRecord | undefined> {
    const binding = await this.binding();
    if (index < binding.firstBatchIndex) return undefined;
    const batch = await this.store.getBatch(index);
    if (batch === undefined || !hasProof(batch.state) || batch.anchor === undefined) return undefined;
    return batch;
  }

  /** The size in bytes of a batch's file (computed once per batch). */
  async fileBytes(batch: BatchRecord): Promise<number> {
    const known = this.bytesOf.get(batch.index);
    if (known !== undefined && known.root === batch.root) return known.bytes;
    let bytes = 0;
    for await (const chunk of batchFileChunks(this.store, batch)) bytes += Buffer.byteLength(chunk);
    this.bytesOf.set(batch.index, { root: batch.root, bytes });
    return bytes;
  }

  /** Records a file size already known (e.g. just written). */
  rememberBytes(batch: BatchRecord, bytes: number): void {
    this.bytesOf.set(batch.index, { root: batch.root, bytes });
  }

  /** The index entry of a published batch. */
  async entry(batch: BatchRecord, binding: StoreBinding): Promise<PublishedBatch> {
    if (batch.anchor === undefined) throw new InvariantError(`batch ${batch.index} is listed as published but has no anchor`);
    return {
      index: batch.index,
      root: batch.root,
      leafCount: batch.leafCount,
      bytes: await this.fileBytes(batch),
      path: batchPath(binding.logId, batch.index),
      anchor: { txHash: batch.anchor.txHash, blockNumber: batch.anchor.blockNumber },
    };
  }

  /** The index of everything published now. */
  async index(): Promise<PublishedIndex> {
    const binding = await this.binding();
    const batches: PublishedBatch[] = [];
    for await (const batch of this.batches()) batches.push(await this.entry(batch, binding));
    return indexOf(binding, batches);
  }
}

/** An index document for `batches`. */
export function indexOf(binding: Pick<StoreBinding, "chainId" | "contract" | "logId">, batches: readonly PublishedBatch[]): PublishedIndex {
  return {
    format: PUBLISHED_INDEX_FORMAT,
    chainId: binding.chainId,
    contract: binding.contract,
    logId: binding.logId.toLowerCase() as PublishedIndex["logId"],
    batches,
    totalBytes: batches.reduce((sum, b) => sum + b.bytes, 0),
    totalReceipts: batches.reduce((sum, b) => sum + b.leafCount, 0),
    updatedAt: new Date().toISOString(),
  };
}



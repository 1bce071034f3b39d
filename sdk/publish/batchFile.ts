/**
 * The text of a published batch file, written straight from the store's receipt bodies
 * (normalized receipt JSON) without parsing them again: `{"format":"showwork/batch@1",
 * "root":…,"size":…,"receipts":[body,body,…]}` — exactly what `ReceiptTree.load` accepts.
 *
 * @module
 */
import { BATCH_FORMAT } from "../tree/batchFormat.js";
import type { BatchRecord, ReceiptStore } from "../service/store/types.js";

/** Bodies read per store query. */
const CHUNK = 2_000;

/** The head of a batch file, up to the opening bracket of `receipts`. */
export function batchFileHead(batch: Pick<BatchRecord, "root" | "leafCount">): string {
  return `{"format":${JSON.stringify(BATCH_FORMAT)},"root":${JSON.stringify(batch.root)},"size":${batch.leafCount},"receipts":[`;
}

/** The end of a batch file. */
export const BATCH_FILE_TAIL = "]}\n";

/**
 * The batch file of a stored batch, as chunks of text (streamed from the store).
 * The receipts are the batch's receipts in leaf order (seqs `firstSeq..lastSeq`).
 */
export async function* batchFileChunks(store: ReceiptStore, batch: BatchRecord): AsyncGenerator<string> {
  yield batchFileHead(batch);
  let first = true;
  for await (const bodies of store.readBodies(batch.firstSeq, batch.lastSeq, CHUNK)) {
    if (bodies.length === 0) continue;
    yield (first ? "" : ",") + bodies.join(",");
    first = false;
  }
  yield BATCH_FILE_TAIL;
}

/** The whole batch file of a stored batch, as one string. */
export async function batchFileText(store: ReceiptStore, batch: BatchRecord): Promise<string> {
  const parts: string[] = [];
  for await (const chunk of batchFileChunks(store, batch)) parts.push(chunk);
  return parts.join("");
}

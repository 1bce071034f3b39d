/**
 * The published form of a log: every anchored batch's saved form (`showwork/batch@1`, see
 * `sdk/tree/batchFormat.ts`) as an immutable file, plus an index of what is published.
 * The same layout is served over HTTP by the service and written to a folder by
 * `showwork publish --out DIR`, so a static host or an object store can serve it as is:
 *
 * ```text
 * v1/logs/<logId>/index.json           the index (mutable: it grows)
 * v1/logs/<logId>/batches/<index>      batch <index>'s saved form (immutable once written)
 * ```
 *
 * `<logId>` is lowercase 0x-hex (66 characters); `<index>` is the batch's decimal index in the
 * log on chain. Receipts carry commitments only (salted digests): nothing private is published.
 *
 * @module
 */
import type { Address, Hex } from "viem";

/** Format tag of the published index, version 1. */
export const PUBLISHED_INDEX_FORMAT = "showwork/published-log@1" as const;

/** One published batch, as the index lists it. */
export interface PublishedBatch {
  /** The batch's index in the log on chain. */
  readonly index: number;
  /** Its Merkle root (the anchored one). */
  readonly root: Hex;
  /** Number of receipts (leaves). */
  readonly leafCount: number;
  /** Size of the batch file, bytes. */
  readonly bytes: number;
  /** Path of the file, relative to the folder/URL that holds `v1/`. */
  readonly path: string;
  /** Where its root was anchored. */
  readonly anchor: { readonly txHash: Hex; readonly blockNumber: number };
}

/** The index of a published log (`v1/logs/<logId>/index.json`). */
export interface PublishedIndex {
  readonly format: typeof PUBLISHED_INDEX_FORMAT;
  readonly chainId: number;
  /** The `ReceiptLogs` contract. */
  readonly contract: Address;
  readonly logId: Hex;
  /** Published batches, by increasing index, without gaps from `batches[0].index`. */
  readonly batches: readonly PublishedBatch[];
  /** Sum of `bytes`. */
  readonly totalBytes: number;
  /** Sum of `leafCount`. */
  readonly totalReceipts: number;
  /** When this index was written (ISO-8601). */
  readonly updatedAt: string;
}

/** The folder of a log, relative to the root of the layout. */
export function logPath(logId: Hex): string {
  return `v1/logs/${logId.toLowerCase()}`;
}

/** The index file of a log, relative to the root of the layout. */
export function indexPath(logId: Hex): string {
  return `${logPath(logId)}/index.json`;
}

/** The file of batch `index`, relative to the root of the layout. */
export function batchPath(logId: Hex, index: number): string {
  return `${logPath(logId)}/batches/${index}`;
}

/** The HTTP headers of a batch file: immutable, cacheable forever, ETag = the root. */
export function batchHeaders(root: Hex): Record<string, string> {
  return {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "public, max-age=31536000, immutable",
    etag: `"${root}"`,
    "access-control-allow-origin": "*",
  };
}

/** The HTTP headers of an index: it changes as batches are anchored, so caches revalidate. */
export const INDEX_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "application/json; charset=utf-8",
  "cache-control": "public, no-cache",
  "access-control-allow-origin": "*",
};

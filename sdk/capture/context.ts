/**
 * The request-scoped context of a captured answer (AsyncLocalStorage): which prompt template,
 * retrieval index snapshot and memory the answer was produced with.
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";

import type { Hex } from "viem";

/** A retrieval index snapshot or a memory: its entries (committed as a Merkle snapshot, stored as artifacts), or only its root. */
export type SnapshotInput =
  | { readonly entries: readonly { readonly id: string; readonly content: string | Uint8Array }[] }
  | { readonly root: Hex };

/** What {@link withReceiptContext} sets for the calls made inside it. */
export interface ReceiptContext {
  /** The prompt template (from the capturer's template registry): its id, or id and version. */
  readonly template?: string | { readonly id: string; readonly version?: number };
  /** The retrieval index snapshot the answer used (receipt: `retrievalIndexDigest` = its Merkle root). */
  readonly retrievalIndex?: SnapshotInput;
  /** The agent memory the answer saw (receipt: `memoryDigest` = its Merkle root). */
  readonly memory?: SnapshotInput;
  /**
   * The salt of the input commitment, for a caller that must know the input digest before it asks
   * (e.g. an escrow conditioned on this very request; see {@link inputDigestOf}). Use a fresh random
   * salt per request, never a guessable one for private input. Default: a fresh random salt.
   */
  readonly inputSalt?: Hex;
}

const storage = new AsyncLocalStorage<ReceiptContext>();

/**
 * Runs `fn` with a receipt context: every answer captured inside it (by `withReceipts`, the
 * middleware) is receipted with this template, retrieval index and memory. Nested contexts
 * override the outer one field by field.
 * @example
 * const answer = await withReceiptContext({ template: "support-answer", retrievalIndex: { entries: docs } }, () =>
 *   client.chat.completions.create({ model, messages }),
 * );
 */
export function withReceiptContext<T>(context: ReceiptContext, fn: () => T): T {
  const outer = storage.getStore();
  return storage.run(outer ? { ...outer, ...context } : context, fn);
}

/** The receipt context of the current call (empty outside {@link withReceiptContext}). */
export function currentReceiptContext(): ReceiptContext {
  return storage.getStore() ?? {};
}

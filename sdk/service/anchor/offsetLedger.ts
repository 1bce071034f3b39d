/**
 * An extra chain's log need not be at the same size as the store's batches when it is added: its
 * indices follow the store's at a fixed offset (chain index = store index + offset). This view of a
 * ledger speaks chain indices, so the anchorer, which reads and writes log indices, runs unchanged.
 *
 * @module
 */
import type { AnchorLedger, BatchRecord, TxRecord } from "../store/types.js";

/** `ledger` (store indices) seen in chain indices: chain index = store index + `offset`. */
export function offsetLedger(ledger: AnchorLedger, offset: number): AnchorLedger {
  if (offset === 0) return ledger;
  const batchOut = (b: BatchRecord | undefined): BatchRecord | undefined => (b === undefined ? undefined : { ...b, index: b.index + offset });
  const txOut = (t: TxRecord | undefined): TxRecord | undefined =>
    t === undefined ? undefined : { ...t, firstBatch: t.firstBatch + offset, lastBatch: t.lastBatch + offset };
  return {
    getBatch: async (index) => batchOut(await ledger.getBatch(index - offset)),
    batchesInState: async (state, limit) => (await ledger.batchesInState(state, limit)).map((b) => batchOut(b)!),
    lastAnchoredBatch: async () => batchOut(await ledger.lastAnchoredBatch()),
    createTx: async (tx) => txOut(await ledger.createTx({ ...tx, firstBatch: tx.firstBatch - offset, lastBatch: tx.lastBatch - offset }))!,
    addTxAttempt: (txId, attempt) => ledger.addTxAttempt(txId, attempt),
    markTxSent: (txId, at) => ledger.markTxSent(txId, at),
    markTxIncluded: (txId, inclusion) => ledger.markTxIncluded(txId, inclusion),
    markTxFinal: (txId, at) => ledger.markTxFinal(txId, at),
    markTxReorged: (txId) => ledger.markTxReorged(txId),
    voidTx: (txId) => ledger.voidTx(txId),
    adoptAnchor: async (tx) => txOut(await ledger.adoptAnchor({ ...tx, firstBatch: tx.firstBatch - offset, lastBatch: tx.lastBatch - offset }))!,
    getTx: async (txId) => txOut(await ledger.getTx(txId)),
    openTxs: async () => (await ledger.openTxs()).map((t) => txOut(t)!),
  };
}

/**
 * Row mapping shared by the SQLite and PostgreSQL receipt stores: both keep the same columns
 * (batches, txs, tx_attempts, receipts), so a row becomes a record the same way in both. What
 * differs between the drivers is how a column arrives (`pg` may hand an int8 over as text, SQLite
 * never does; the wording of a bad-column error), so each store passes its own {@link ColumnReader}.
 *
 * @module
 */
import type { Hex } from "viem";

import { InvariantError } from "../../errors.js";
import type { Receipt, ReceiptJson } from "../../receipt/types.js";
import { batchStateOf } from "../states.js";
import type { BatchRecord, ChainBatchState, NewBatch, StoredReceipt, TxAttempt, TxRecord, TxState } from "./types.js";

/** One result row, column name to value as the driver returns it. */
export type Row = Record<string, unknown>;

/** How one store reads its integer and bytes columns. */
export interface ColumnReader {
  /** An integer column as a JS number; throws InvariantError for anything else. */
  num(value: unknown): number;
  /** A bytes column as lowercase 0x-hex; throws InvariantError for anything else. */
  hex(value: unknown): Hex;
}

/**
 * A stored receipt's normalized JSON text (validated when recorded) as the `Receipt` fields the tree
 * hashes: `sequence` back to a bigint, nothing checked again.
 */
export function receiptOfJsonBody(body: string): Receipt {
  const json = JSON.parse(body) as ReceiptJson;
  return { ...json, sequence: BigInt(json.sequence) } as unknown as Receipt;
}

/** 0x-hex as the bytes to store in a BLOB / BYTEA column. */
export const hexToBuffer = (hex: string): Buffer => Buffer.from(hex.slice(2), "hex");

/** Reads a bytes column as 0x-hex; `noun` names what was expected in the error ("bytes", "a blob"). */
export function bytesToHex(bytes: unknown, noun: string): Hex {
  if (!(bytes instanceof Uint8Array)) throw new InvariantError(`expected ${noun} in the store, found ${typeof bytes}`);
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}` as Hex;
}

/** The mappers of one store, bound to its column reader. */
export interface RowMappers {
  /** An integer column that may be NULL. */
  optNum(value: unknown): number | undefined;
  /** A `batches` row. */
  batchOf(row: Row): BatchRecord;
  /** A `chain_batches` row: one batch's state on one extra anchoring chain. */
  chainStateOf(row: Row): ChainBatchState;
  /** A `tx_attempts` row. */
  attemptOf(row: Row): TxAttempt;
  /** A `txs` row with its attempts (already mapped, in order). */
  txOf(row: Row, attempts: TxAttempt[]): TxRecord;
  /** A `receipts` row (seq, recorded_at, body) with the batch that holds it, if any. */
  storedOf(receiptId: Hex, row: Row, batch: BatchRecord | undefined): StoredReceipt;
}

/** The row mappers for a store that reads columns with `columns`. */
export function rowMappers(columns: ColumnReader): RowMappers {
  const { num, hex } = columns;
  const optNum = (value: unknown): number | undefined => (value === null || value === undefined ? undefined : num(value));
  /** The anchor columns (`anchor_tx_hash`, …, `anchored_at`) shared by `batches` and `chain_batches`. */
  const anchorOf = (row: Row): BatchRecord["anchor"] => {
    const anchoredAt = optNum(row.anchored_at);
    return anchoredAt === undefined
      ? undefined
      : { txHash: hex(row.anchor_tx_hash), blockNumber: num(row.anchor_block_number), blockHash: hex(row.anchor_block_hash), anchoredAt };
  };
  return {
    optNum,
    batchOf(row) {
      return {
        index: num(row.batch_index),
        firstSeq: num(row.first_seq),
        lastSeq: num(row.last_seq),
        leafCount: num(row.leaf_count),
        root: hex(row.root),
        state: batchStateOf(row.state),
        closedAt: num(row.closed_at),
        txId: optNum(row.tx_id),
        anchor: anchorOf(row),
        finalAt: optNum(row.final_at),
      };
    },
    chainStateOf(row) {
      return {
        chain: String(row.chain),
        state: batchStateOf(row.state),
        txId: optNum(row.tx_id),
        anchor: anchorOf(row),
        finalAt: optNum(row.final_at),
      };
    },
    attemptOf(a) {
      return {
        hash: hex(a.tx_hash),
        raw: hex(a.raw),
        maxFeePerGas: BigInt(String(a.max_fee_per_gas)),
        maxPriorityFeePerGas: BigInt(String(a.max_priority_fee_per_gas)),
        gas: BigInt(String(a.gas)),
        createdAt: num(a.created_at),
      };
    },
    txOf(row, attempts) {
      return {
        id: num(row.tx_id),
        nonce: num(row.nonce),
        firstBatch: num(row.first_batch),
        lastBatch: num(row.last_batch),
        state: String(row.state) as TxState,
        createdAt: num(row.created_at),
        createdAtBlock: num(row.created_at_block),
        lastSentAt: num(row.last_sent_at),
        attempts,
        inclusion:
          row.included_tx_hash === null || row.included_tx_hash === undefined
            ? undefined
            : {
                txHash: hex(row.included_tx_hash),
                blockNumber: num(row.included_block_number),
                blockHash: hex(row.included_block_hash),
                anchoredAt: num(row.included_at),
              },
      };
    },
    storedOf(receiptId, row, batch) {
      const seq = num(row.seq);
      return {
        receiptId,
        seq,
        recordedAt: num(row.recorded_at),
        body: String(row.body),
        state: batch?.state ?? "recorded",
        batch,
        leafIndex: batch === undefined ? undefined : seq - batch.firstSeq,
      };
    },
  };
}

/** Checks that a batch to close has one 32-byte leaf per seq of its range. */
export function assertBatchLeaves(batch: NewBatch): void {
  const leafCount = batch.lastSeq - batch.firstSeq + 1;
  if (leafCount < 1 || batch.leaves.length !== leafCount * 32) {
    throw new InvariantError(`batch ${batch.index}: ${batch.leaves.length / 32} leaves for seqs ${batch.firstSeq}..${batch.lastSeq}`);
  }
}

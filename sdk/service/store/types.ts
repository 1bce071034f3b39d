/**
 * The store interface of the anchoring service: everything the service persists, as
 * domain operations that are each atomic (one transaction). Two implementations:
 * `SqliteReceiptStore` (Node's built-in `node:sqlite`, one process, the embedded default) and
 * `PostgresReceiptStore` (several service instances on one database).
 *
 * Several instances: every instance records receipts and serves states and proofs; exactly
 * one at a time holds the anchoring role ({@link ReceiptStore.claimAnchoring}), closes batches
 * and anchors them. The role is a lease with a fencing epoch: every anchoring write
 * (`closeBatch`, `createTx`, `addTxAttempt`, `markTx*`, `voidTx`, `adoptAnchor`) checks, in its
 * own transaction, that this instance still holds the epoch it claimed, and fails with
 * `AnchorLeaseLostError` otherwise. (SQLite has one writer process: it always holds the role.)
 *
 * Layout of the data, whatever the engine:
 * - receipts get a `seq` (1, 2, 3, ... without gaps) in recording order;
 * - a batch is a contiguous range of seqs `[firstSeq, lastSeq]`; leaf `i` of the batch is
 *   receipt `firstSeq + i`; batch indices are the log's indices on chain (no gaps);
 * - the state of a receipt is the state of its batch (`recorded` while it has none);
 * - transactions (one per nonce) carry one or more consecutive batches, and every signed
 *   attempt (fee bumps) is kept with its raw bytes, so it can be rebroadcast after a crash.
 *
 * @module
 */
import type { Address, Hex } from "viem";

import type { Receipt } from "../../receipt/types.js";
import type { BatchState, ReceiptState } from "../states.js";

/** Which chain, contract, log and account a store anchors into. Set once, checked at every start. */
export interface StoreBinding {
  readonly chainId: number;
  /** The `ReceiptLogs` contract. */
  readonly contract: Address;
  readonly logId: Hex;
  /** The account that signs anchoring transactions. */
  readonly anchorer: Address;
  /** Hash of block 0: tells two chains with the same id apart (e.g. two runs of the in-process chain). */
  readonly genesisHash: Hex;
  /** The log's size when the store was bound: the index of the store's first batch. */
  readonly firstBatchIndex: number;
  /** A block at or before the store's first anchoring transaction (where event searches start). */
  readonly fromBlock: number;
}

/**
 * An extra anchoring target of the store (`chains[1..]` of the project config): another chain,
 * contract and log that every batch is also anchored into. Set once per name, checked at every start.
 * Its log's indices follow the store's batch indices at a fixed offset:
 * chain index = store index − `firstStoreBatch` + `firstBatchIndex`.
 */
export interface ChainBinding {
  /** The chain's name in the config (e.g. "l1"); the key of its state in the store. */
  readonly name: string;
  readonly chainId: number;
  readonly contract: Address;
  readonly logId: Hex;
  readonly anchorer: Address;
  readonly genesisHash: Hex;
  /** The log's size when the chain was bound: the chain index of `firstStoreBatch`. */
  readonly firstBatchIndex: number;
  /** The store's first batch anchored on this chain (earlier batches are not anchored there). */
  readonly firstStoreBatch: number;
  /** A block at or before the first anchoring transaction on this chain (where event searches start). */
  readonly fromBlock: number;
}

/** Where a batch stands on one extra chain (see {@link ReceiptStore.chainStates}). */
export interface ChainBatchState {
  readonly chain: string;
  readonly state: BatchState;
  readonly txId: number | undefined;
  readonly anchor: BatchAnchor | undefined;
  readonly finalAt: number | undefined;
}

/**
 * The anchoring state of one chain, as the anchorer reads and writes it: batches (with this chain's
 * state) and this chain's transactions. The store itself is the ledger of the primary chain; each
 * extra chain has its own ({@link ReceiptStore.chainLedger}), with the same rules (see the methods
 * of the same names on {@link ReceiptStore}).
 */
export interface AnchorLedger {
  getBatch(index: number): Promise<BatchRecord | undefined>;
  batchesInState(state: BatchState, limit: number): Promise<BatchRecord[]>;
  lastAnchoredBatch(): Promise<BatchRecord | undefined>;
  createTx(tx: {
    readonly nonce: number;
    readonly firstBatch: number;
    readonly lastBatch: number;
    readonly createdAtBlock: number;
    readonly attempt: TxAttempt;
  }): Promise<TxRecord>;
  addTxAttempt(txId: number, attempt: TxAttempt): Promise<void>;
  markTxSent(txId: number, at: number): Promise<void>;
  markTxIncluded(txId: number, inclusion: BatchAnchor): Promise<void>;
  markTxFinal(txId: number, at: number): Promise<void>;
  markTxReorged(txId: number): Promise<void>;
  voidTx(txId: number): Promise<void>;
  adoptAnchor(tx: {
    readonly nonce: number;
    readonly firstBatch: number;
    readonly lastBatch: number;
    readonly createdAtBlock: number;
    readonly inclusion: BatchAnchor;
  }): Promise<TxRecord>;
  getTx(txId: number): Promise<TxRecord | undefined>;
  openTxs(): Promise<TxRecord[]>;
}

/** A validated receipt, ready to be stored. */
export interface NewReceipt {
  /** Lowercase 0x-prefixed 32-byte id. */
  readonly receiptId: Hex;
  /**
   * The receipt, validated and normalized (as `parseReceipt` returns it). Each store keeps it in its
   * own form (SQLite: a binary body; PostgreSQL: its JSON text) and gives back its normalized JSON text.
   */
  readonly receipt: Receipt;
  /** Lowercase, for the audit query (one model version in a time window). */
  readonly modelId: Hex;
  readonly weightsDigest: Hex;
  /** Unix seconds. */
  readonly issuedAt: number;
}

/** The outcome of {@link ReceiptStore.appendReceipts}. */
export type AppendResult =
  | { readonly ok: true; readonly firstSeq: number; readonly lastSeq: number }
  | {
      readonly ok: false;
      /** Receipts whose id is already stored (by position in the call). Nothing was stored. */
      readonly duplicates: readonly { readonly receiptIndex: number; readonly receiptId: Hex }[];
    };

/** Where a batch's root was anchored. */
export interface BatchAnchor {
  readonly txHash: Hex;
  readonly blockNumber: number;
  readonly blockHash: Hex;
  /** When the service saw the inclusion (ms since epoch). */
  readonly anchoredAt: number;
}

/** A closed batch. */
/** A batch to close: receipts `[firstSeq, lastSeq]`, their root, and their leaves (32 bytes each, in order). */
export interface NewBatch {
  readonly index: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly root: Hex;
  readonly leaves: Uint8Array;
  readonly closedAt: number;
}

export interface BatchRecord {
  /** The batch's index in the log on chain. */
  readonly index: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly leafCount: number;
  readonly root: Hex;
  readonly state: BatchState;
  /** When the batch was closed (ms since epoch). */
  readonly closedAt: number;
  /** The transaction that carries it (once submitted). */
  readonly txId: number | undefined;
  readonly anchor: BatchAnchor | undefined;
  /** When it reached `final` (ms since epoch). */
  readonly finalAt: number | undefined;
}

/** A receipt as stored, with its state. */
export interface StoredReceipt {
  readonly receiptId: Hex;
  readonly seq: number;
  /** When it was recorded (ms since epoch). */
  readonly recordedAt: number;
  /** Normalized receipt JSON. */
  readonly body: string;
  readonly state: ReceiptState;
  /** Its batch, once batched. */
  readonly batch: BatchRecord | undefined;
  /** Its position in the batch (= leaf index), once batched. */
  readonly leafIndex: number | undefined;
}

/** One signed transaction (an attempt for a nonce; fee bumps add attempts). */
export interface TxAttempt {
  readonly hash: Hex;
  readonly raw: Hex;
  readonly maxFeePerGas: bigint;
  readonly maxPriorityFeePerGas: bigint;
  readonly gas: bigint;
  /** When it was signed and persisted (ms). */
  readonly createdAt: number;
}

/** The state of an anchoring transaction (one per nonce). */
export type TxState = "pending" | "included" | "final" | "void";

/** An anchoring transaction: one nonce, one or more consecutive batches, one or more signed attempts. */
export interface TxRecord {
  readonly id: number;
  readonly nonce: number;
  readonly firstBatch: number;
  readonly lastBatch: number;
  readonly state: TxState;
  readonly createdAt: number;
  /** Block number when the transaction was created (event searches start there). */
  readonly createdAtBlock: number;
  /** Last time an attempt was broadcast (ms; 0 = never). */
  readonly lastSentAt: number;
  /** Attempts, oldest first (none for a transaction adopted from the chain, see {@link ReceiptStore.adoptAnchor}). */
  readonly attempts: readonly TxAttempt[];
  /** Set while `included` or `final`. */
  readonly inclusion: BatchAnchor | undefined;
}

/** Receipts not yet in a batch. */
export interface UnbatchedSummary {
  readonly count: number;
  /** Seq of the first unbatched receipt (next batch starts here). */
  readonly firstSeq: number;
  /** Recording time of the first unbatched receipt (ms), when count > 0. */
  readonly oldestRecordedAt: number | undefined;
}

/** Filter of {@link ReceiptStore.listReceipts} (the audit query: one model version in a time window). */
export interface ReceiptFilter {
  readonly modelId?: Hex;
  readonly weightsDigest?: Hex;
  /** Inclusive lower bound on `issuedAt` (unix seconds). */
  readonly issuedFrom?: number;
  /** Inclusive upper bound on `issuedAt` (unix seconds). */
  readonly issuedTo?: number;
  /** Page size (default 1000). */
  readonly limit?: number;
  /** Return receipts with a larger seq only (paging). */
  readonly afterSeq?: number;
}

/** The anchoring role as an instance sees it. */
export interface AnchorLease {
  /** This instance holds the role (and may close batches and anchor). */
  readonly held: boolean;
  /** The fencing epoch: grows by one each time the role changes hands. */
  readonly epoch: number;
  /** Who holds the role (this instance or another); undefined when nobody does. */
  readonly holder: string | undefined;
  /** When the role lapses unless renewed (ms since epoch, database clock); undefined: never. */
  readonly expiresAt: number | undefined;
}

/** Counts of receipts per state. */
export type StateCounts = Record<ReceiptState, number>;

/** The persistent state of the anchoring service. Every method is atomic. */
export interface ReceiptStore extends AnchorLedger {
  /** Human-readable location (e.g. the file path; never a password). */
  readonly location: string;
  /** "sqlite" (one process) or "postgres" (several instances). */
  readonly kind: "sqlite" | "postgres";

  /**
   * Takes the writer role: SQLite allows one writer process per store (@throws {StoreLockedError});
   * PostgreSQL allows several instances, each named by `owner` plus its pid, host and a random tag.
   */
  acquireWriter(owner: string): Promise<void>;
  /** Releases the writer role (and the anchoring role, if held). */
  releaseWriter(): Promise<void>;
  close(): Promise<void>;

  /**
   * Takes or renews the anchoring role for `ttlMs` (a lease: another instance may take it once it
   * lapses). Returns who holds it now. Cheap: call it every round and from a heartbeat.
   */
  claimAnchoring(ttlMs: number): Promise<AnchorLease>;
  /** Gives the anchoring role up now (another instance can take it at once). */
  releaseAnchoring(): Promise<void>;

  getBinding(): Promise<StoreBinding | undefined>;
  /** Sets the binding (once). */
  setBinding(binding: StoreBinding): Promise<void>;

  /**
   * Stores receipts in one transaction, in order, or none of them when any id is already
   * stored. Returns once the data is durable (as configured).
   */
  appendReceipts(receipts: readonly NewReceipt[], recordedAt: number): Promise<AppendResult>;
  getReceipt(receiptId: Hex): Promise<StoredReceipt | undefined>;
  /** The bodies (normalized JSON text) of receipts `[firstSeq, lastSeq]` in seq order, in chunks. */
  readBodies(firstSeq: number, lastSeq: number, chunkSize: number): AsyncIterable<string[]>;
  /**
   * Receipts `[firstSeq, lastSeq]` in seq order, in chunks, as the fields the tree hashes (what
   * `parseReceipt` gives for their stored JSON; not marked validated, not re-checked: they were
   * validated when recorded).
   */
  readReceipts(firstSeq: number, lastSeq: number, chunkSize: number): AsyncIterable<Receipt[]>;
  /** Receipts matching a filter, by increasing seq, with their states. */
  listReceipts(filter: ReceiptFilter): Promise<StoredReceipt[]>;
  unbatched(): Promise<UnbatchedSummary>;
  /** When receipt `seq` was recorded (ms), if it exists. */
  recordedAt(seq: number): Promise<number | undefined>;
  stateCounts(): Promise<StateCounts>;
  /** Background upkeep (e.g. index maintenance). Cheap when nothing is due. */
  maintain(): Promise<void>;

  /**
   * Closes the next batch: receipts `[firstSeq, lastSeq]` where firstSeq follows the last batch.
   * Persists index, range, root and leaves together.
   */
  closeBatch(batch: NewBatch): Promise<BatchRecord>;
  getBatch(index: number): Promise<BatchRecord | undefined>;
  lastBatch(): Promise<BatchRecord | undefined>;
  /** The leaves of a batch, 32 bytes each, in batch order. */
  getBatchLeaves(index: number): Promise<Uint8Array>;
  /** Batches in one state, by increasing index. */
  batchesInState(state: BatchState, limit: number): Promise<BatchRecord[]>;
  /** The last batch in `anchored` or `final` state. */
  lastAnchoredBatch(): Promise<BatchRecord | undefined>;

  /**
   * Persists a new anchoring transaction (first attempt) for batches `[firstBatch, lastBatch]`
   * (all `batched`), and moves them to `submitted`. Called BEFORE the transaction is broadcast.
   */
  createTx(tx: {
    readonly nonce: number;
    readonly firstBatch: number;
    readonly lastBatch: number;
    readonly createdAtBlock: number;
    readonly attempt: TxAttempt;
  }): Promise<TxRecord>;
  /** Persists another attempt (fee bump) for a pending transaction, before it is broadcast. */
  addTxAttempt(txId: number, attempt: TxAttempt): Promise<void>;
  /** Records that an attempt was broadcast now. */
  markTxSent(txId: number, at: number): Promise<void>;
  /** The transaction is in a block: its batches become `anchored`. */
  markTxIncluded(txId: number, inclusion: BatchAnchor): Promise<void>;
  /** The transaction's block has enough confirmations: its batches become `final`. */
  markTxFinal(txId: number, at: number): Promise<void>;
  /** The transaction left the canonical chain (reorg): it is pending again, its batches `submitted`. */
  markTxReorged(txId: number): Promise<void>;
  /** The transaction can never be mined (its nonce went to another transaction): its batches go back to `batched`. */
  voidTx(txId: number): Promise<void>;
  /**
   * Batches `[firstBatch, lastBatch]` (all `batched`) are already in the log on chain with this
   * store's roots (found by their `BatchAnchored` event, e.g. after a transaction of ours was
   * voided on a stale read): records a transaction without attempts, `included` at `inclusion`,
   * and moves the batches to `anchored`.
   */
  adoptAnchor(tx: {
    readonly nonce: number;
    readonly firstBatch: number;
    readonly lastBatch: number;
    readonly createdAtBlock: number;
    readonly inclusion: BatchAnchor;
  }): Promise<TxRecord>;
  getTx(txId: number): Promise<TxRecord | undefined>;
  /** Transactions `pending` or `included` (not final, not void), by nonce. */
  openTxs(): Promise<TxRecord[]>;

  // ---------------------------------------------------------------- extra chains

  /** The extra chains' bindings, in the order they were bound. */
  getChainBindings(): Promise<ChainBinding[]>;
  /** Binds an extra chain (once per name; @throws {StoreBindingError} when the name is bound otherwise). */
  setChainBinding(binding: ChainBinding): Promise<void>;
  /**
   * The ledger of an extra chain, in store batch indices: batches from `firstStoreBatch` on, with
   * their state on that chain (`batched` until a transaction of that chain carries them). Every write
   * is fenced like the primary's.
   */
  chainLedger(chain: string, firstStoreBatch: number): AnchorLedger;
  /** Where batch `index` stands on each extra chain that has a record of it (absent: `batched` there). */
  chainStates(index: number): Promise<ChainBatchState[]>;
}

/**
 * The anchorer: moves closed batches onto the chain and keeps the store in step with it.
 *
 * Every step is a reconciliation between what the store says and what the chain says, so
 * the same code runs in normal operation and after a crash:
 *
 * 1. Track open transactions (by nonce):
 *    - `pending`: if one of its attempts has a receipt → `included` (batches `anchored`),
 *      or, if it reverted, the chain decides (below). If none has a receipt and our nonce is
 *      already used → the chain decides. Otherwise: never broadcast (crash before send) or
 *      not known to the node (dropped) → broadcast again (same bytes, same hash); pending
 *      too long → fee bump (same nonce, same payload, fees +`feeBumpPercent`%).
 *    - `included`: its receipt is gone or in another block (reorg) → back to `pending`,
 *      batches back to `submitted` (then rebroadcast as above); enough confirmations → `final`.
 *    - "The chain decides": read `batchRoot` at the batch indices, at the same block as the
 *      transaction count that sent us there (behind a load-balanced RPC two "latest" reads can
 *      come from nodes at different heights; an unpinned pair could void a transaction that did
 *      anchor). Our roots are there →
 *      `included`, with the transaction and block of the `BatchAnchored` event (whichever of
 *      our transactions did it). Nothing there → the transaction is void (its nonce went to
 *      another transaction) and its batches go back to `batched`, to be sent again with a
 *      new nonce. A different root → halt: another writer uses our indices.
 * 2. Submit: when no transaction is pending, take the next `batched` batches (consecutive
 *    indices, at most `maxBatchesPerTx`), check the log's size equals the first index,
 *    sign `anchor` (one batch) or `anchorMany`, PERSIST the signed transaction, then send it.
 *    If the log already holds our root at that index (a transaction of ours that the store lost
 *    track of), the batches are adopted from their `BatchAnchored` event instead of halting.
 *
 * Exactly once: the batch index and contents are persisted before any transaction is
 * signed, the signed transaction before it is sent, and the contract rejects any batch
 * whose expected index is not the log's size (`ReceiptLogsUnexpectedIndex`), so a retried,
 * duplicated or replayed transaction can never anchor a batch twice.
 *
 * @module
 */
import {
  BaseError,
  ContractFunctionRevertedError,
  TransactionNotFoundError,
  TransactionReceiptNotFoundError,
  decodeFunctionData,
  encodeFunctionData,
  keccak256,
  parseTransaction,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from "viem";

import { receiptLogsAbi } from "../../contracts/abis.js";
import { InvariantError } from "../../errors.js";
import { AnchoringHaltedError } from "../errors.js";
import type { ServiceEventListener } from "../events.js";
import { failpoint } from "../failpoints.js";
import type { AnchorLedger, BatchRecord, TxAttempt, TxRecord } from "../store/types.js";
import { errorTexts, explainRejection, rejectionKind } from "../chain/friction.js";
import { headSize } from "../../verify/commitment.js";
import { findBatchAnchored, readBatchRoot, readLogSize, type LogLocation } from "./receiptLogsReader.js";

/** A wallet client whose account signs locally (the service must persist signed bytes before sending). */
export type AnchorWalletClient = WalletClient<Transport, Chain, Account>;

/** Fee, gas and timing policy of the anchorer. */
export interface AnchorerPolicy {
  /** Confirmations (including the block itself) for `final` (default 1). */
  readonly confirmations: number;
  /** Batches per transaction at most (default 16; more than one uses `anchorMany`). */
  readonly maxBatchesPerTx: number;
  /** Rebroadcast a pending transaction the node does not know after this long, ms (default 3,000). */
  readonly resendAfterMs: number;
  /** Replace a pending transaction with higher fees after this long, ms (default 30,000). */
  readonly feeBumpAfterMs: number;
  /** Fee increase per bump, percent (default 25; nodes require at least 10). */
  readonly feeBumpPercent: number;
  /** Never offer more than this maxFeePerGas, wei (default: no cap). */
  readonly maxFeePerGasCap: bigint | undefined;
  /** Gas limit = estimate × (100 + gasMarginPercent) / 100 (default 25). */
  readonly gasMarginPercent: number;
  /** Wait this long after a reverted transaction before submitting again, ms (default 5,000). */
  readonly revertBackoffMs: number;
  /**
   * Cadence: submit once this many batches wait (default 1: every batch as soon as it is closed).
   * With more, one transaction (`anchorMany`) carries them all; e.g. an L1 witness every 10 L2 batches.
   */
  readonly cadenceBatches: number;
  /** Cadence: or once the oldest waiting batch was closed this long ago, ms (default: no time trigger). */
  readonly cadenceMaxWaitMs: number | undefined;
  /**
   * Head commitments (an extra chain only): instead of every batch root, one entry per transaction holding the
   * primary log's chained head after the last batch it covers (sdk/verify/commitment.ts). One anchoring then covers
   * any number of primary batches at the cost of one; it follows the primary's final anchorings (the head includes
   * their blocks). Default false.
   */
  readonly commitHead: boolean;
}

export const DEFAULT_ANCHORER_POLICY: AnchorerPolicy = {
  confirmations: 1,
  maxBatchesPerTx: 16,
  resendAfterMs: 3_000,
  feeBumpAfterMs: 30_000,
  feeBumpPercent: 25,
  maxFeePerGasCap: undefined,
  gasMarginPercent: 25,
  revertBackoffMs: 5_000,
  cadenceBatches: 1,
  cadenceMaxWaitMs: undefined,
  commitHead: false,
};

/** Where a head-commitment anchorer reads the primary log (see {@link AnchorerPolicy.commitHead}). */
export interface PrimaryHeads {
  /** Whether batch `index` is final on the primary chain (its head can no longer change). */
  settled(index: number): Promise<boolean>;
  /** The primary log's head after batch `index` (its BatchAnchored event); undefined while it cannot be read. */
  headAfter(index: number): Promise<Hex | undefined>;
}

/** Batches one head commitment covers at most (one transaction of constant size whatever the number). */
const MAX_BATCHES_PER_COMMITMENT = 10_000;

/** Parameters of {@link Anchorer}. */
export interface AnchorerParameters {
  /** The chain's ledger: the store itself for the primary chain, `store.chainLedger(...)` for an extra one. */
  readonly store: AnchorLedger;
  readonly publicClient: PublicClient;
  readonly walletClient: AnchorWalletClient;
  readonly log: LogLocation;
  /** Event searches start at this block. */
  readonly fromBlock: number;
  readonly policy: AnchorerPolicy;
  readonly onEvent: ServiceEventListener;
  /** The primary log's heads, for {@link AnchorerPolicy.commitHead}. */
  readonly primaryHeads?: PrimaryHeads | undefined;
}

const NONCE_TOO_LOW = /nonce too low|nonce has already been used|nonce is too low|already been mined/i;
const ALREADY_KNOWN = /already known|known transaction|already imported|already in (the )?mempool|same hash was already imported/i;
const UNDERPRICED = /underpriced|fee too low|replacement/i;

/** The anchorer (see the module comment). One per service; not re-entrant. */
export class Anchorer {
  private readonly p: AnchorerParameters;
  private readonly account: Account;
  private revertBackoffUntil = 0;
  /** Why anchoring is halted, while it is. */
  halted: AnchoringHaltedError | undefined;
  /** Submit what waits at the next tick, whatever the cadence says (see {@link Anchorer.flush}). */
  private flushRequested = false;

  constructor(parameters: AnchorerParameters) {
    this.p = parameters;
    if (parameters.walletClient.account === undefined) throw new InvariantError("the wallet client has no account");
    this.account = parameters.walletClient.account;
  }

  get address(): Address {
    return this.account.address;
  }

  /** The next tick submits the waiting batches even if the cadence would wait for more. */
  flush(): void {
    this.flushRequested = true;
  }

  /** One reconciliation round: track open transactions, then submit the next batches if none is pending. */
  async tick(now = Date.now()): Promise<void> {
    const open = await this.p.store.openTxs();
    for (const tx of open) await this.track(tx, now);
    const pending = (await this.p.store.openTxs()).some((tx) => tx.state === "pending");
    if (!pending && now >= this.revertBackoffUntil) await this.submitNext(now);
  }

  // ---------------------------------------------------------------- tracking

  /**
   * Gas for the next anchoring transaction, or undefined when this round must stop: an unauthorised anchoring
   * account halts (resumes once granted), a moved log index waits for the next round, any other revert halts;
   * a node's refusal (funds, nonce, fees) is explained and thrown.
   */
  private async estimateOrHalt(estimate: () => Promise<bigint>, say: { what: string; wouldRevert: string }): Promise<bigint | undefined> {
    try {
      return await estimate();
    } catch (error) {
      const revert = revertName(error);
      if (revert === "ReceiptLogsUnauthorizedAnchorer") {
        this.halt(
          new AnchoringHaltedError({
            reason: "unauthorized",
            message: `Account ${this.account.address} may not anchor into log ${this.p.log.logId}.`,
            metaMessages: ["Do: have the log's admin call grantAnchorer(logId, account). Anchoring resumes by itself."],
            cause: error,
          }),
        );
        return undefined;
      }
      // The log moved between our size check and the estimate: the next round looks again.
      if (revert === "ReceiptLogsUnexpectedIndex") return undefined;
      const kind = rejectionKind(error);
      if (kind !== undefined) throw await explainRejection(this.p.publicClient, { what: say.what, error, kind, account: this.account.address });
      if (revert !== undefined) {
        this.halt(new AnchoringHaltedError({ reason: "revert", message: `${say.wouldRevert} with ${revert}.`, cause: error }));
        return undefined;
      }
      throw error;
    }
  }

  private async receiptOf(hash: Hex): Promise<TransactionReceipt | undefined> {
    try {
      return await this.p.publicClient.getTransactionReceipt({ hash });
    } catch (error) {
      if (error instanceof TransactionReceiptNotFoundError) return undefined;
      throw error;
    }
  }

  private async knownToNode(hash: Hex): Promise<boolean> {
    try {
      await this.p.publicClient.getTransaction({ hash });
      return true;
    } catch (error) {
      if (error instanceof TransactionNotFoundError) return false;
      throw error;
    }
  }

  private async track(tx: TxRecord, now: number): Promise<void> {
    if (tx.state === "included") return this.trackIncluded(tx, now);
    if (tx.state !== "pending") return;
    for (const attempt of [...tx.attempts].reverse()) {
      const receipt = await this.receiptOf(attempt.hash);
      if (receipt === undefined) continue;
      if (receipt.status === "success") {
        failpoint("tx:before-mark-included");
        await this.markIncluded(tx, {
          txHash: receipt.transactionHash,
          blockNumber: Number(receipt.blockNumber),
          blockHash: receipt.blockHash,
          anchoredAt: now,
        }, receipt);
        return this.trackIncluded((await this.p.store.getTx(tx.id))!, now);
      }
      this.p.onEvent({ type: "retry", kind: "tx-reverted", message: `transaction ${attempt.hash} reverted; checking the log`, txHash: attempt.hash });
      this.revertBackoffUntil = now + this.p.policy.revertBackoffMs;
      const head = await this.p.publicClient.getBlockNumber({ cacheTime: 0 });
      return this.letTheChainDecide(tx, "reverted", head > receipt.blockNumber ? head : receipt.blockNumber);
    }
    if (tx.attempts.length === 0) {
      // Adopted from the chain, then reorged out: nothing of ours to resend. Submit the batches again.
      await this.p.store.voidTx(tx.id);
      this.p.onEvent({ type: "retry", kind: "reorg", message: `batches ${tx.firstBatch}..${tx.lastBatch} left the chain: submitting them again` });
      return;
    }
    // One block for the count and the roots read after it (see the module comment).
    const block = await this.p.publicClient.getBlockNumber({ cacheTime: 0 });
    const used = await this.p.publicClient.getTransactionCount({ address: this.account.address, blockNumber: block });
    if (used > tx.nonce) return this.letTheChainDecide(tx, "nonce-used", block);

    const newest = tx.attempts[tx.attempts.length - 1]!;
    if (tx.lastSentAt === 0) {
      this.p.onEvent({ type: "retry", kind: "resubmit-unsent", message: `sending ${newest.hash} (persisted, never sent)`, txHash: newest.hash });
      return this.broadcast(tx, newest, now);
    }
    if (now - newest.createdAt >= this.p.policy.feeBumpAfterMs) return this.bumpFees(tx, newest, now);
    if (now - tx.lastSentAt >= this.p.policy.resendAfterMs && !(await this.knownToNode(newest.hash))) {
      this.p.onEvent({ type: "retry", kind: "resubmit-dropped", message: `node does not know ${newest.hash}: resending`, txHash: newest.hash });
      return this.broadcast(tx, newest, now);
    }
  }

  private async trackIncluded(tx: TxRecord, now: number): Promise<void> {
    const inclusion = tx.inclusion;
    if (inclusion === undefined) throw new InvariantError(`tx ${tx.id} is included without an inclusion`);
    const receipt = await this.receiptOf(inclusion.txHash);
    if (receipt === undefined || receipt.blockHash !== inclusion.blockHash || receipt.status !== "success") {
      await this.p.store.markTxReorged(tx.id);
      this.p.onEvent({
        type: "retry",
        kind: "reorg",
        message: `transaction ${inclusion.txHash} (batches ${tx.firstBatch}..${tx.lastBatch}) left block ${inclusion.blockNumber}: anchoring again`,
        txHash: inclusion.txHash,
      });
      return;
    }
    const head = Number(await this.p.publicClient.getBlockNumber({ cacheTime: 0 }));
    if (head - inclusion.blockNumber + 1 >= this.p.policy.confirmations) {
      failpoint("tx:before-mark-final");
      await this.p.store.markTxFinal(tx.id, now);
      this.p.onEvent({ type: "final", firstBatch: tx.firstBatch, lastBatch: tx.lastBatch, receipts: await this.receiptCount(tx) });
    }
  }

  private async receiptCount(tx: { firstBatch: number; lastBatch: number }): Promise<number> {
    const first = await this.p.store.getBatch(tx.firstBatch);
    const last = await this.p.store.getBatch(tx.lastBatch);
    return first === undefined || last === undefined ? 0 : last.lastSeq - first.firstSeq + 1;
  }

  private async markIncluded(
    tx: TxRecord,
    inclusion: { txHash: Hex; blockNumber: number; blockHash: Hex; anchoredAt: number },
    receipt?: TransactionReceipt,
  ): Promise<void> {
    await this.p.store.markTxIncluded(tx.id, inclusion);
    this.p.onEvent({
      type: "anchored",
      firstBatch: tx.firstBatch,
      lastBatch: tx.lastBatch,
      txHash: inclusion.txHash,
      blockNumber: inclusion.blockNumber,
      receipts: await this.receiptCount(tx),
      ...(receipt === undefined ? {} : { gasUsed: receipt.gasUsed, feeWei: receipt.gasUsed * receipt.effectiveGasPrice }),
    });
  }

  /**
   * Our transaction's nonce is used (or it reverted) without a successful receipt of ours in
   * hand: the log on chain says whether our batches are anchored.
   */
  private async letTheChainDecide(tx: TxRecord, why: "reverted" | "nonce-used", atBlock: bigint): Promise<void> {
    if (this.p.policy.commitHead) return this.letTheChainDecideCommitment(tx, why, atBlock);
    const batches = await this.batchesOf(tx);
    const roots = await Promise.all(batches.map((b) => readBatchRoot(this.p.publicClient, this.p.log, b.index, atBlock)));
    const ours = roots.map((root, i) => root === batches[i]!.root);
    if (ours.every(Boolean)) {
      const [event] = await findBatchAnchored(this.p.publicClient, this.p.log, { fromBlock: tx.createdAtBlock, index: tx.firstBatch });
      if (event === undefined) return; // the node has not indexed the log yet: next round
      failpoint("tx:before-mark-included");
      await this.markIncluded(tx, { txHash: event.txHash, blockNumber: event.blockNumber, blockHash: event.blockHash, anchoredAt: Date.now() });
      return;
    }
    const foreign = roots.findIndex((root, i) => root !== undefined && !ours[i]);
    if (foreign !== -1) {
      this.halt(
        new AnchoringHaltedError({
          reason: "index-conflict",
          message: `Log index ${batches[foreign]!.index} holds root ${roots[foreign]}, not this store's batch root ${batches[foreign]!.root}.`,
          metaMessages: ["Another writer anchors into this log. One service (one store) per log: stop the other writer."],
        }),
      );
      return;
    }
    if (roots.some((root) => root !== undefined)) return; // partly visible: the node is mid-update; next round
    await this.p.store.voidTx(tx.id);
    this.p.onEvent({
      type: "retry",
      kind: why === "reverted" ? "tx-reverted" : "nonce-taken",
      message: `batches ${tx.firstBatch}..${tx.lastBatch} are not on chain and nonce ${tx.nonce} is used: submitting them again`,
    });
  }

  private async batchesOf(tx: { firstBatch: number; lastBatch: number }): Promise<BatchRecord[]> {
    const out: BatchRecord[] = [];
    for (let index = tx.firstBatch; index <= tx.lastBatch; index++) {
      const batch = await this.p.store.getBatch(index);
      if (batch === undefined) throw new InvariantError(`batch ${index} is missing`);
      out.push(batch);
    }
    return out;
  }

  private async broadcast(tx: TxRecord, attempt: TxAttempt, now: number): Promise<void> {
    failpoint("tx:before-send");
    try {
      await this.p.publicClient.sendRawTransaction({ serializedTransaction: attempt.raw });
    } catch (error) {
      const text = errorTexts(error);
      // A refusal for good (e.g. insufficient funds): say what the node answered and what to do.
      const kind = rejectionKind(error);
      if (kind !== undefined) {
        throw await explainRejection(this.p.publicClient, {
          what: `Anchoring batches ${tx.firstBatch}..${tx.lastBatch} (nonce ${tx.nonce})`,
          error,
          kind,
          account: this.account.address,
          maxCost: attempt.gas * attempt.maxFeePerGas,
        });
      }
      // Known already: fine. Nonce used or replaced: the next round finds out by whom.
      if (!ALREADY_KNOWN.test(text) && !NONCE_TOO_LOW.test(text) && !UNDERPRICED.test(text)) throw error;
    }
    await this.p.store.markTxSent(tx.id, now);
    failpoint("tx:after-send");
  }

  private async currentFees(): Promise<{ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }> {
    const fees = await this.p.publicClient.estimateFeesPerGas();
    let { maxFeePerGas, maxPriorityFeePerGas } = fees;
    const cap = this.p.policy.maxFeePerGasCap;
    if (cap !== undefined && maxFeePerGas > cap) maxFeePerGas = cap;
    if (maxPriorityFeePerGas > maxFeePerGas) maxPriorityFeePerGas = maxFeePerGas;
    return { maxFeePerGas, maxPriorityFeePerGas };
  }

  private async bumpFees(tx: TxRecord, newest: TxAttempt, now: number): Promise<void> {
    const bump = (x: bigint): bigint => x + (x * BigInt(this.p.policy.feeBumpPercent)) / 100n + 1n;
    const current = await this.currentFees();
    let maxPriorityFeePerGas = bump(newest.maxPriorityFeePerGas);
    if (current.maxPriorityFeePerGas > maxPriorityFeePerGas) maxPriorityFeePerGas = current.maxPriorityFeePerGas;
    let maxFeePerGas = bump(newest.maxFeePerGas);
    if (current.maxFeePerGas > maxFeePerGas) maxFeePerGas = current.maxFeePerGas;
    const cap = this.p.policy.maxFeePerGasCap;
    if (cap !== undefined && maxFeePerGas > cap) maxFeePerGas = cap;
    if (maxPriorityFeePerGas > maxFeePerGas) maxPriorityFeePerGas = maxFeePerGas;
    if (maxFeePerGas <= newest.maxFeePerGas) {
      // At the cap: keep the transaction in the node's pool and wait.
      if (!(await this.knownToNode(newest.hash))) await this.broadcast(tx, newest, now);
      return;
    }
    const previous = parseTransaction(newest.raw);
    if (previous.to === undefined || previous.to === null || previous.data === undefined) {
      throw new InvariantError(`tx ${tx.id}: stored transaction has no target or data`);
    }
    const attempt = await this.sign({
      to: previous.to,
      data: previous.data,
      nonce: tx.nonce,
      gas: newest.gas,
      maxFeePerGas,
      maxPriorityFeePerGas,
      now,
    });
    await this.p.store.addTxAttempt(tx.id, attempt);
    this.p.onEvent({
      type: "retry",
      kind: "fee-bump",
      message: `transaction pending ${Math.round((now - newest.createdAt) / 1000)} s: replaced by ${attempt.hash} (maxFeePerGas ${maxFeePerGas})`,
      txHash: attempt.hash,
    });
    await this.broadcast(tx, attempt, now);
  }

  private async sign(args: {
    to: Address;
    data: Hex;
    nonce: number;
    gas: bigint;
    maxFeePerGas: bigint;
    maxPriorityFeePerGas: bigint;
    now: number;
  }): Promise<TxAttempt> {
    const raw = await signLocally(this.p.walletClient, {
      to: args.to,
      data: args.data,
      nonce: args.nonce,
      gas: args.gas,
      maxFeePerGas: args.maxFeePerGas,
      maxPriorityFeePerGas: args.maxPriorityFeePerGas,
    });
    return {
      hash: keccak256(raw),
      raw,
      maxFeePerGas: args.maxFeePerGas,
      maxPriorityFeePerGas: args.maxPriorityFeePerGas,
      gas: args.gas,
      createdAt: args.now,
    };
  }

  // ---------------------------------------------------------------- submitting

  private async submitNext(now: number): Promise<void> {
    if (this.p.policy.commitHead) return this.submitCommitment(now);
    const candidates = await this.p.store.batchesInState("batched", this.p.policy.maxBatchesPerTx);
    if (candidates.length === 0) return;
    const run: BatchRecord[] = [];
    for (const batch of candidates) {
      if (run.length > 0 && batch.index !== run[run.length - 1]!.index + 1) break;
      run.push(batch);
    }
    const first = run[0]!;
    const { cadenceBatches, cadenceMaxWaitMs } = this.p.policy;
    const due = run.length >= cadenceBatches || (cadenceMaxWaitMs !== undefined && now - first.closedAt >= cadenceMaxWaitMs) || this.flushRequested;
    if (!due) return; // the cadence says: wait for more batches
    this.flushRequested = false;
    const block = await this.p.publicClient.getBlockNumber({ cacheTime: 0 });
    const size = await readLogSize(this.p.publicClient, this.p.log, block);
    if (size !== first.index) {
      await this.explainSizeMismatch(first, run, size, block);
      return;
    }
    const anchorArgs = [this.p.log.logId, BigInt(first.index), first.root, BigInt(first.leafCount)] as const;
    const manyArgs = [
      run.map((b) => ({ logId: this.p.log.logId, expectedIndex: BigInt(b.index), root: b.root, leafCount: BigInt(b.leafCount) })),
    ] as const;
    const data =
      run.length === 1
        ? encodeFunctionData({ abi: receiptLogsAbi, functionName: "anchor", args: anchorArgs })
        : encodeFunctionData({ abi: receiptLogsAbi, functionName: "anchorMany", args: manyArgs });
    const target = { address: this.p.log.contract, abi: receiptLogsAbi, account: this.account } as const;
    const estimate = await this.estimateOrHalt(
      () =>
        run.length === 1
          ? this.p.publicClient.estimateContractGas({ ...target, functionName: "anchor", args: anchorArgs })
          : this.p.publicClient.estimateContractGas({ ...target, functionName: "anchorMany", args: manyArgs }),
      { what: `Estimating gas to anchor batch ${first.index}`, wouldRevert: "Anchoring would revert" },
    );
    if (estimate === undefined) return;
    this.halted = undefined;
    const gas = (estimate * BigInt(100 + this.p.policy.gasMarginPercent)) / 100n;
    const nonce = await this.p.publicClient.getTransactionCount({ address: this.account.address, blockTag: "pending" });
    const fees = await this.currentFees();
    const head = Number(await this.p.publicClient.getBlockNumber({ cacheTime: 0 }));
    failpoint("tx:before-persist");
    const attempt = await this.sign({ to: this.p.log.contract, data, nonce, gas, ...fees, now });
    const tx = await this.p.store.createTx({
      nonce,
      firstBatch: first.index,
      lastBatch: run[run.length - 1]!.index,
      createdAtBlock: Math.max(0, head - 1),
      attempt,
    });
    this.p.onEvent({ type: "tx-submitted", nonce, txHash: attempt.hash, firstBatch: tx.firstBatch, lastBatch: tx.lastBatch });
    await this.broadcast(tx, attempt, now);
  }

  /** The log's size is not our next index: find out why, and halt when it is not transient. */
  private async explainSizeMismatch(first: BatchRecord, run: readonly BatchRecord[], size: number, block: bigint): Promise<void> {
    if (size > first.index) {
      const root = await readBatchRoot(this.p.publicClient, this.p.log, first.index, block);
      if (root === first.root) {
        await this.adopt(run, block);
        return;
      }
      this.halt(
        new AnchoringHaltedError({
          reason: root === first.root ? "chain-inconsistent" : "index-conflict",
          message:
            root === first.root
              ? `Log index ${first.index} already holds batch ${first.index}'s root, but the store has no transaction for it.`
              : `Log index ${first.index} holds root ${root}, not this store's batch root ${first.root}.`,
          metaMessages: ["One service (one store) per log, and never restore a store from an older copy."],
        }),
      );
      return;
    }
    // size < first.index: earlier batches are not (or no longer) on chain.
    const open = await this.p.store.openTxs();
    if (open.length > 0) return; // a reorged transaction is being re-anchored first
    const missing = await this.p.store.getBatch(size);
    if (missing !== undefined && (missing.state === "anchored" || missing.state === "submitted")) return; // tracked elsewhere
    this.halt(
      new AnchoringHaltedError({
        reason: "chain-inconsistent",
        message: `The log has ${size} batches but this store's next batch is ${first.index}: batch ${size} is ${missing?.state ?? "unknown"} in the store yet not on chain.`,
        metaMessages: ["The chain lost a final batch (a reorg deeper than the confirmations), or the store belongs to another chain."],
      }),
    );
  }

  /**
   * Our batches are in the log already (our roots at our indices) without a transaction the
   * store tracks: record where they were anchored, from their `BatchAnchored` events.
   */
  private async adopt(run: readonly BatchRecord[], block: bigint): Promise<void> {
    const first = run[0]!;
    const events = await findBatchAnchored(this.p.publicClient, this.p.log, { fromBlock: this.p.fromBlock });
    const byIndex = new Map(events.map((e) => [e.index, e]));
    const event = byIndex.get(first.index);
    if (event === undefined || event.root !== first.root || event.blockNumber > Number(block)) return; // not indexed yet: next round
    // The consecutive batches of the run that the same transaction anchored with our roots.
    let last = first;
    for (const batch of run.slice(1)) {
      const e = byIndex.get(batch.index);
      if (e === undefined || e.txHash !== event.txHash || e.root !== batch.root) break;
      last = batch;
    }
    const sent = await this.p.publicClient.getTransaction({ hash: event.txHash });
    failpoint("tx:before-mark-included");
    const tx = await this.p.store.adoptAnchor({
      nonce: sent.nonce,
      firstBatch: first.index,
      lastBatch: last.index,
      createdAtBlock: Math.max(0, event.blockNumber - 1),
      inclusion: { txHash: event.txHash, blockNumber: event.blockNumber, blockHash: event.blockHash, anchoredAt: Date.now() },
    });
    this.p.onEvent({
      type: "retry",
      kind: "adopted",
      message: `batches ${first.index}..${last.index} were already in the log with this store's roots (tx ${event.txHash}): adopted`,
      txHash: event.txHash,
    });
    this.p.onEvent({
      type: "anchored",
      firstBatch: tx.firstBatch,
      lastBatch: tx.lastBatch,
      txHash: event.txHash,
      blockNumber: event.blockNumber,
      receipts: await this.receiptCount(tx),
    });
  }

  // ---------------------------------------------------------------- head commitments

  /**
   * The next head commitment: the waiting batches (in store = primary log indices) that are final on the primary,
   * once the cadence says so, as one entry `anchor(logId, size, head(last), count)` at this log's size.
   */
  private async submitCommitment(now: number): Promise<void> {
    const heads = this.p.primaryHeads;
    if (heads === undefined) throw new InvariantError("head commitments need the primary log's heads");
    const candidates = await this.p.store.batchesInState("batched", MAX_BATCHES_PER_COMMITMENT);
    const run: BatchRecord[] = [];
    for (const batch of candidates) {
      if (run.length > 0 && batch.index !== run[run.length - 1]!.index + 1) break;
      if (!(await heads.settled(batch.index))) break;
      run.push(batch);
    }
    if (run.length === 0) return;
    const first = run[0]!;
    const { cadenceBatches, cadenceMaxWaitMs } = this.p.policy;
    const due = run.length >= cadenceBatches || (cadenceMaxWaitMs !== undefined && now - first.closedAt >= cadenceMaxWaitMs) || this.flushRequested;
    if (!due) return;
    this.flushRequested = false;
    const block = await this.p.publicClient.getBlockNumber({ cacheTime: 0 });
    const entry = await readLogSize(this.p.publicClient, this.p.log, block);
    if (entry > 0) {
      // The last entry says how far the primary log is covered already: a transaction of ours the store lost, or another writer.
      const previous = await readBatchRoot(this.p.publicClient, this.p.log, entry - 1, block);
      const covered = previous === undefined ? 0 : headSize(previous);
      if (covered > first.index) {
        const coveredLast = covered - 1;
        const ours = coveredLast <= run[run.length - 1]!.index ? await heads.headAfter(coveredLast) : undefined;
        if (ours !== undefined && ours === previous) {
          await this.adoptCommitment(run.filter((b) => b.index <= coveredLast), entry - 1);
          return;
        }
        this.halt(
          new AnchoringHaltedError({
            reason: "index-conflict",
            message: `Entry ${entry - 1} of log ${this.p.log.logId} holds ${previous}, which is not this store's head of the primary log after batch ${coveredLast}; the next batch to commit is ${first.index}.`,
            metaMessages: ["One service (one store) per commitment log, and a commitment log holds heads only (chains[].cadence.commit \"head\" from its first entry)."],
          }),
        );
        return;
      }
    }
    const last = run[run.length - 1]!;
    const head = await heads.headAfter(last.index);
    if (head === undefined) return; // the primary's event is not readable yet: next round
    const args = [this.p.log.logId, BigInt(entry), head, BigInt(run.length)] as const;
    const data = encodeFunctionData({ abi: receiptLogsAbi, functionName: "anchor", args });
    const estimate = await this.estimateOrHalt(
      () => this.p.publicClient.estimateContractGas({ address: this.p.log.contract, abi: receiptLogsAbi, account: this.account, functionName: "anchor", args }),
      { what: `Estimating gas to commit batches ${first.index}..${last.index}`, wouldRevert: "Committing would revert" },
    );
    if (estimate === undefined) return;
    this.halted = undefined;
    const gas = (estimate * BigInt(100 + this.p.policy.gasMarginPercent)) / 100n;
    const nonce = await this.p.publicClient.getTransactionCount({ address: this.account.address, blockTag: "pending" });
    const fees = await this.currentFees();
    const chainHead = Number(await this.p.publicClient.getBlockNumber({ cacheTime: 0 }));
    failpoint("tx:before-persist");
    const attempt = await this.sign({ to: this.p.log.contract, data, nonce, gas, ...fees, now });
    const tx = await this.p.store.createTx({ nonce, firstBatch: first.index, lastBatch: last.index, createdAtBlock: Math.max(0, chainHead - 1), attempt });
    this.p.onEvent({ type: "tx-submitted", nonce, txHash: attempt.hash, firstBatch: tx.firstBatch, lastBatch: tx.lastBatch });
    await this.broadcast(tx, attempt, now);
  }

  /** As {@link letTheChainDecide}, for a commitment: the entry its transaction targets holds our head, nothing, or another head. */
  private async letTheChainDecideCommitment(tx: TxRecord, why: "reverted" | "nonce-used", atBlock: bigint): Promise<void> {
    const attempt = tx.attempts[tx.attempts.length - 1];
    if (attempt === undefined) throw new InvariantError(`tx ${tx.id} has no attempt`);
    const { entry, head } = commitmentOf(attempt.raw);
    const found = await readBatchRoot(this.p.publicClient, this.p.log, entry, atBlock);
    if (found === head) {
      const [event] = await findBatchAnchored(this.p.publicClient, this.p.log, { fromBlock: tx.createdAtBlock, index: entry });
      if (event === undefined) return;
      failpoint("tx:before-mark-included");
      await this.markIncluded(tx, { txHash: event.txHash, blockNumber: event.blockNumber, blockHash: event.blockHash, anchoredAt: Date.now() });
      return;
    }
    if (found !== undefined) {
      // Another entry took that index: ours are anchored there only if it is our head for the same or a later batch.
      const covered = headSize(found);
      if (covered - 1 >= tx.lastBatch && (await this.p.primaryHeads?.headAfter(covered - 1)) === found) {
        await this.p.store.voidTx(tx.id);
        return; // the next round adopts that entry
      }
      this.halt(
        new AnchoringHaltedError({
          reason: "index-conflict",
          message: `Entry ${entry} of log ${this.p.log.logId} holds ${found}, not this store's head ${head}.`,
          metaMessages: ["Another writer anchors into this commitment log. One service (one store) per log: stop the other writer."],
        }),
      );
      return;
    }
    await this.p.store.voidTx(tx.id);
    this.p.onEvent({
      type: "retry",
      kind: why === "reverted" ? "tx-reverted" : "nonce-taken",
      message: `the commitment of batches ${tx.firstBatch}..${tx.lastBatch} is not on chain and nonce ${tx.nonce} is used: committing them again`,
    });
  }

  /** A commitment of ours is on chain without a transaction the store tracks: record it for the batches it covers. */
  private async adoptCommitment(run: readonly BatchRecord[], entry: number): Promise<void> {
    const [event] = await findBatchAnchored(this.p.publicClient, this.p.log, { fromBlock: this.p.fromBlock, index: entry });
    if (event === undefined || run.length === 0) return;
    const sent = await this.p.publicClient.getTransaction({ hash: event.txHash });
    failpoint("tx:before-mark-included");
    const tx = await this.p.store.adoptAnchor({
      nonce: sent.nonce,
      firstBatch: run[0]!.index,
      lastBatch: run[run.length - 1]!.index,
      createdAtBlock: Math.max(0, event.blockNumber - 1),
      inclusion: { txHash: event.txHash, blockNumber: event.blockNumber, blockHash: event.blockHash, anchoredAt: Date.now() },
    });
    this.p.onEvent({
      type: "retry",
      kind: "adopted",
      message: `batches ${tx.firstBatch}..${tx.lastBatch} were already covered by entry ${entry} (tx ${event.txHash}): adopted`,
      txHash: event.txHash,
    });
    this.p.onEvent({ type: "anchored", firstBatch: tx.firstBatch, lastBatch: tx.lastBatch, txHash: event.txHash, blockNumber: event.blockNumber, receipts: await this.receiptCount(tx) });
  }

  private halt(error: AnchoringHaltedError): void {
    if (this.halted?.message !== error.message) this.p.onEvent({ type: "halted", reason: error.reason, message: error.shortMessage });
    this.halted = error;
  }
}

/** The entry index and head a signed commitment transaction (`anchor(logId, entry, head, count)`) targets. */
export function commitmentOf(raw: Hex): { entry: number; head: Hex } {
  const data = parseTransaction(raw).data;
  if (data === undefined) throw new InvariantError("a stored commitment transaction has no data");
  const call = decodeFunctionData({ abi: receiptLogsAbi, data });
  if (call.functionName !== "anchor") throw new InvariantError(`a stored commitment transaction calls ${call.functionName}`);
  const [, entry, head] = call.args;
  return { entry: Number(entry), head: head.toLowerCase() as Hex };
}

/**
 * Signs an EIP-1559 transaction with the wallet client's local account, offline (viem's
 * `signTransaction` action asks the node for the chain id first: one more RPC call that can fail).
 */
export async function signLocally(
  walletClient: AnchorWalletClient,
  tx: { to?: Address; data: Hex; nonce: number; gas: bigint; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint },
): Promise<Hex> {
  const account = walletClient.account;
  if (account.type !== "local" || account.signTransaction === undefined) {
    throw new InvariantError("the service needs a local account (a private key): it persists signed transactions before sending them");
  }
  return account.signTransaction({ ...tx, chainId: walletClient.chain.id, type: "eip1559", value: 0n });
}

/**
 * The error name of a revert decoded from revert data (a ReceiptLogs custom error, or `Error`/`Panic`).
 * Undefined otherwise: viem also reports RPC failures without revert data (e.g. JSON-RPC -32603) as
 * "reverted"; those are transient and retried, never a reason to halt.
 */
function revertName(error: unknown): string | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (reverted instanceof ContractFunctionRevertedError) return reverted.data?.errorName;
  return undefined;
}

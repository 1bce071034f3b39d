/**
 * The anchoring service: record receipts durably, close them into batches, anchor each
 * batch's Merkle root on chain, serve states and proof bundles.
 *
 * @module
 */
import { toBundleV2 } from "../bundle/parseBundle.js";
import { ChainProofUnavailableError, proveAnchor } from "../chainproof/prove.js";
import type { Address, Hex, PublicClient } from "viem";

import type { ProofBundle } from "../bundle/types.js";
import { InvariantError, ShowworkError } from "../errors.js";
import { Anchorer, DEFAULT_ANCHORER_POLICY, type AnchorerPolicy, type AnchorWalletClient } from "./anchor/anchorer.js";
import { offsetLedger } from "./anchor/offsetLedger.js";
import { commitmentAnchor, PrimaryLogHeads } from "./anchor/headCommitments.js";
import type { BundleAnchorV2Json } from "../bundle/types.js";
import { readLogSize } from "./anchor/receiptLogsReader.js";
import { ChainRejectedError } from "./chain/friction.js";
import { checkBatchingPolicy, DEFAULT_BATCHING, nextBatchCut, type BatchingPolicy } from "./batching.js";
import { BatchTreeCache, computeLeaves, treeFromLeaves } from "./batchTree.js";
import { bundleOfStoredReceipt } from "./bundles.js";
import {
  AnchorLeaseLostError,
  BatchNotFoundError,
  ProofNotAvailableError,
  ReceiptNotFoundError,
  RecordRejectedError,
  type RecordRejectionReason,
  ServiceConfigError,
  StoreBindingError,
} from "./errors.js";
import type { RetryKind, ServiceEvent, ServiceEventListener } from "./events.js";
import { failpoint } from "./failpoints.js";
import { hasProof, type ReceiptState } from "./states.js";
import type { AnchorLease, AppendResult, BatchRecord, ChainBatchState, ChainBinding, NewReceipt, ReceiptStore, StateCounts, StoreBinding, StoredReceipt } from "./store/types.js";
import { checkIssuedAtWindow, checkSignatures, DEFAULT_ISSUED_AT_WINDOW, type IngestionPolicy } from "./ingestion/checks.js";
import { LogSigners } from "./ingestion/logSigners.js";
import { DEFAULT_SUBMISSION_LIMITS, parseSubmissionText, validateSubmission, type SubmissionLimits } from "./validateSubmission.js";

/** The chain side of the service. */
export interface ServiceChain {
  readonly publicClient: PublicClient;
  /** Must have a local account (it signs; signed bytes are persisted before sending) and a chain. */
  readonly walletClient: AnchorWalletClient;
  /** The `ReceiptLogs` contract. */
  readonly contract: Address;
  readonly logId: Hex;
  /** The chain's name (the config's `chains[0].name`; default "primary"). */
  readonly name?: string;
}

/**
 * An extra anchoring target (`chains[1..]` of the project config): every batch is also anchored
 * there, by its own account, with its own confirmations, fees and cadence. Its state is kept apart in
 * the store (per chain name); a chain that stalls delays only its own anchors.
 */
export interface ServiceExtraChain extends ServiceChain {
  readonly name: string;
  /** Its own policy: confirmations, fees, and cadence (`cadenceBatches`, `cadenceMaxWaitMs`). */
  readonly anchoring?: Partial<AnchorerPolicy>;
}

/** Options of {@link AnchoringService.open}. */
export interface AnchoringServiceOptions {
  readonly store: ReceiptStore;
  /** Without a chain the service records and serves what the store has, but does not batch or anchor. */
  readonly chain?: ServiceChain;
  /** Extra anchoring targets (need `chain`): each batch is anchored on each of them as well. */
  readonly chains?: readonly ServiceExtraChain[];
  readonly batching?: Partial<BatchingPolicy>;
  readonly anchoring?: Partial<AnchorerPolicy>;
  readonly limits?: Partial<SubmissionLimits>;
  /**
   * Checks at ingestion, before anything is stored (see `ingestion/checks.ts`). Defaults: issuedAt
   * at most 60 s in the future of the service's clock, any age in the past (late is not lost);
   * signatures `"authorised"` (a valid
   * signature by a node authorised for the log at issuedAt) with a chain, `"valid"` without.
   * A trusted in-process caller that records old or unsigned receipts says so here, explicitly:
   * `{ issuedAtWindow: false, signatures: "off" }`. There is no per-call bypass.
   */
  readonly ingestion?: Partial<IngestionPolicy>;
  /** Pause between rounds of the batching/anchoring loop, ms (default 500). */
  readonly pollIntervalMs?: number;
  /** Longest pause after repeated failures, ms (default 10,000). */
  readonly maxBackoffMs?: number;
  /** `ModelTimeline` contract to name in proof bundles. */
  readonly timelineContract?: Address;
  /** Bytes of batch trees kept in memory for proofs (default 256 MiB). */
  readonly treeCacheBytes?: number;
  readonly onEvent?: ServiceEventListener;
  /** Name of this process in the store's writer lock. */
  readonly owner?: string;
  /** Read the anchoring account's balance at most this often, ms (default 30,000). */
  readonly balanceCheckEveryMs?: number;
  /** Warn when the balance lasts fewer batches than this at current fees (default 200). */
  readonly lowBalanceBatches?: number;
  /** Warn when the balance lasts fewer days than this at the recent rate of spending (default 7). */
  readonly lowBalanceDays?: number;
  /**
   * Several instances on one (PostgreSQL) store: the anchoring role is a lease of this many ms,
   * renewed every third of it; when its holder dies another instance takes over after at most
   * this long (default 5,000).
   */
  readonly leaseTtlMs?: number;
}

/** What `record()` returns for each receipt: it is durably stored. */
export interface Acknowledgement {
  readonly receiptId: Hex;
  /** Its position in recording order. */
  readonly seq: number;
  readonly state: "recorded";
}

/** A receipt's state, as `GET /v1/receipts/:id` shows it. */
export interface ReceiptStatus {
  readonly receiptId: Hex;
  readonly state: ReceiptState;
  readonly seq: number;
  readonly recordedAt: string;
  /** The receipt's own time (the serving node's clock). */
  readonly issuedAt: string;
  /** Seconds from issuedAt to its recording here: lateness (an outage before the service), shown, never refused. */
  readonly recordedAfterSeconds: number;
  readonly proofAvailable: boolean;
  readonly batch?: {
    readonly index: number;
    readonly leafIndex: number;
    readonly size: number;
    readonly root: Hex;
    readonly closedAt: string;
    readonly txHash?: Hex;
    readonly blockNumber?: number;
    readonly anchoredAt?: string;
    readonly finalAt?: string;
  };
  /** With extra chains: where the receipt's batch stands on every chain, the primary first. */
  readonly chains?: readonly ChainAnchorStatus[];
}

/** A batch's anchor on one chain. */
export interface ChainAnchorStatus {
  readonly name: string;
  readonly chainId: number;
  /** The batch's state on that chain ("recorded": not in a batch yet; "not-anchored-here": the batch predates the chain). */
  readonly state: ReceiptState | "not-anchored-here";
  /** The batch's index in that chain's log. */
  readonly batchIndex?: number;
  readonly txHash?: Hex;
  readonly blockNumber?: number;
  readonly anchoredAt?: string;
  readonly finalAt?: string;
}

/** One anchoring chain as `/health` and the metrics show it. */
export interface ChainHealth {
  readonly name: string;
  readonly chainId: number;
  readonly primary: boolean;
  /** ok; degraded (its last attempts failed, retrying); halted (needs an operator); stopped. */
  readonly status: "ok" | "degraded" | "halted" | "stopped";
  readonly anchorer: Address;
  readonly consecutiveFailures: number;
  readonly lastError: string | null;
  /** Since when it has been failing (null while ok). */
  readonly failingSince: string | null;
  readonly halted: { readonly reason: string; readonly message: string } | null;
  /** The cadence: batches per transaction to wait for, and the longest wait. */
  readonly cadence: { readonly batches: number; readonly maxWaitMs: number | null; readonly commit: "roots" | "head" };
}

/** One anchoring chain's progress (metrics). */
export interface ChainMetrics extends ChainHealth {
  /** The last batch (store index) anchored on this chain, with its transaction. */
  readonly lastAnchored: { readonly index: number; readonly txHash: Hex; readonly blockNumber: number; readonly anchoredAt: string } | null;
  /** Closed batches not yet anchored on this chain. */
  readonly batchesBehind: number;
  /** Age of the oldest receipt whose batch is not anchored on this chain, ms (0: none). */
  readonly oldestUnanchoredMs: number;
  /** Spent by this instance on this chain. */
  readonly gas: { readonly used: string; readonly feeWei: string; readonly transactions: number; readonly batches: number };
  readonly rpcErrors: Partial<Record<RpcErrorKind, number>>;
  /** This chain's anchoring account's balance as last read, and how long it lasts (null before the first read). */
  readonly balance: BalanceReport | null;
}

/** A batch, as `GET /v1/batches/:index` shows it. */
export interface BatchStatus {
  readonly index: number;
  readonly state: BatchRecord["state"];
  readonly leafCount: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly root: Hex;
  readonly closedAt: string;
  readonly anchor?: { readonly txHash: Hex; readonly blockNumber: number; readonly blockHash: Hex; readonly anchoredAt: string };
  readonly finalAt?: string;
  readonly transaction?: {
    readonly nonce: number;
    readonly state: string;
    readonly attempts: readonly { readonly hash: Hex; readonly maxFeePerGas: string; readonly createdAt: string }[];
  };
}

/** Basic metrics (`GET /metrics`). */
export interface ServiceMetrics {
  readonly receipts: StateCounts & { readonly total: number };
  readonly batches: {
    readonly lastClosed: number | null;
    readonly lastAnchored: { readonly index: number; readonly txHash: Hex; readonly blockNumber: number; readonly anchoredAt: string } | null;
  };
  readonly lag: {
    /** Receipts recorded but not yet anchored. */
    readonly unanchoredReceipts: number;
    /** Age of the oldest receipt not yet anchored, ms (0 when all are anchored). */
    readonly oldestUnanchoredMs: number;
  };
  readonly retries: { readonly total: number; readonly byKind: Partial<Record<RetryKind, number>> };
  /** Failed rounds by kind of error (timeout, http, rpc, rejected, other), since this instance started. */
  readonly rpcErrors: Partial<Record<RpcErrorKind, number>>;
  /** Spent by this instance's anchoring transactions (from their receipts). */
  readonly gas: { readonly used: string; readonly feeWei: string; readonly transactions: number; readonly batches: number };
  /** The anchoring account's balance as last read, and how long it lasts. Null before the first read. */
  readonly balance: BalanceReport | null;
  readonly anchoring: ServiceHealth["anchoring"];
  readonly uptimeMs: number;
  /**
   * Ingestion since this instance started: receipts recorded late (more than 5 min after their
   * issuedAt: an outage upstream, accepted all the same), the largest lateness seen, duplicates
   * answered (already held: counted as delivered by clients), and calls refused by reason.
   */
  readonly ingestion: IngestionStats;
  /** Every anchoring chain, the primary first (empty without a chain). */
  readonly chains: readonly ChainMetrics[];
}

/** See {@link ServiceMetrics.ingestion}. */
export interface IngestionStats {
  late: number;
  maxLatenessSeconds: number;
  duplicates: number;
  refused: Partial<Record<RecordRejectionReason, number>>;
}

/** A receipt recorded more than this long after its issuedAt counts as late in the metrics (it is accepted all the same). */
export const LATE_AFTER_SECONDS = 300;

/** Kinds of RPC errors counted in the metrics. */
export type RpcErrorKind = "timeout" | "http" | "rpc" | "rejected" | "other";

/** The anchoring account's balance and what it lasts. */
export interface BalanceReport {
  readonly account: Address;
  readonly wei: string;
  readonly checkedAt: string;
  /** Fee of one anchoring transaction, wei: the mean this instance paid, else an estimate at the current gas price. */
  readonly feePerTransactionWei: string;
  /** About how many more batches the balance pays for at that fee. */
  readonly batchesLeft: number;
  /** About how many days it lasts at this instance's recent rate of spending (null: nothing spent yet). */
  readonly daysLeft: number | null;
  readonly low: boolean;
}

/** Health (`GET /health`). */
export interface ServiceHealth {
  /** ok; degraded (the last rounds failed, retrying); halted (anchoring needs an operator); stopped (loop not running). */
  readonly status: "ok" | "degraded" | "halted" | "stopped";
  readonly store: string;
  readonly binding: StoreBinding | null;
  readonly anchorer: Address | null;
  readonly lastRoundAt: string | null;
  readonly consecutiveFailures: number;
  readonly lastError: string | null;
  readonly halted: { readonly reason: string; readonly message: string } | null;
  /** The node refused the last transaction (e.g. insufficient funds): its words and what to do. Null otherwise. */
  readonly chain: {
    readonly problem: string;
    readonly nodeSaid: string;
    readonly account: Address;
    readonly balanceWei: string | null;
    readonly todo: string;
    readonly since: string;
  } | null;
  /** Warnings an operator should act on (low balance). */
  readonly warnings: readonly string[];
  /**
   * The anchoring role: "anchoring" (this instance closes batches and anchors), "standby" (another
   * instance does; this one records and serves), "none" (no chain configured).
   */
  readonly anchoring: {
    readonly role: "anchoring" | "standby" | "none";
    readonly epoch: number | null;
    readonly holder: string | null;
    readonly expiresAt: string | null;
  };
  /** Every anchoring chain, the primary first (empty without a chain). A failing extra chain makes the service "degraded". */
  readonly chains: readonly ChainHealth[];
}

/** An extra chain at run time. */
interface ExtraChainRuntime {
  readonly name: string;
  readonly binding: ChainBinding;
  readonly anchorer: Anchorer;
  readonly policy: AnchorerPolicy;
  /** Ticks of this chain never overlap. */
  queue: Promise<void>;
  failures: number;
  lastError: string | undefined;
  failingSince: number | undefined;
  backoffUntil: number;
  readonly spent: { gasUsed: bigint; feeWei: bigint; transactions: number; batches: number };
  readonly rpcErrors: Partial<Record<RpcErrorKind, number>>;
  loopDone: Promise<void> | undefined;
  wakeUp: (() => void) | undefined;
  readonly publicClient: PublicClient;
  /** Its anchoring account's balance as last read (each chain pays its own fees). */
  balance: BalanceReport | undefined;
  balanceCheckedAt: number;
  lowBalanceWarnedAt: number;
}

/** One `record()` call waiting for a group commit. */
interface PendingAppend {
  readonly rows: readonly NewReceipt[];
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The anchoring service. Open with {@link AnchoringService.open}, then `start()` the loop
 * (or drive it with `runRound()`), `record()` receipts, and `close()` at the end.
 *
 * @example
 * const store = SqliteReceiptStore.open({ path: "./.showwork/store.sqlite" });
 * const service = await AnchoringService.open({ store, chain: { publicClient, walletClient, contract, logId } });
 * service.start();
 * await service.record(receipts);          // durably stored when this resolves
 * const bundle = await service.bundle(id); // from "anchored" on
 */
export class AnchoringService {
  readonly store: ReceiptStore;
  readonly batching: BatchingPolicy;
  readonly limits: SubmissionLimits;
  /** The store's binding (chain, contract, log), once known. */
  binding: StoreBinding | undefined;
  private readonly anchorer: Anchorer | undefined;
  private readonly trees: BatchTreeCache;
  private readonly listeners: ServiceEventListener[] = [];
  private readonly ingestionStats: IngestionStats = { late: 0, maxLatenessSeconds: 0, duplicates: 0, refused: {} };
  private readonly pollIntervalMs: number;
  private readonly maxBackoffMs: number;
  private readonly timelineContract: Address | undefined;
  /** What `record()` checks before storing. */
  readonly ingestion: IngestionPolicy;
  /** The log's authorised signers (with `signatures: "authorised"`). */
  private readonly signers: LogSigners | undefined;
  private readonly startedAt = Date.now();
  private running = false;
  private loopDone: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private roundChain: Promise<void> = Promise.resolve();
  /** `record()` calls waiting for the next group commit. */
  private readonly commitQueue: PendingAppend[] = [];
  private commitLoopRunning = false;
  private flushRequested = false;
  /** Seq of the last receipt in a closed batch. */
  private lastBatchedSeq = 0;
  private consecutiveFailures = 0;
  private lastError: string | undefined;
  private lastRoundAt: number | undefined;
  private readonly retries: Partial<Record<RetryKind, number>> = {};
  private readonly leaseTtlMs: number;
  /** The anchoring role as last seen (undefined before the first round). */
  private lease: AnchorLease | undefined;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private readonly rpcErrors: Partial<Record<RpcErrorKind, number>> = {};
  private chainProblem: { error: ChainRejectedError; since: number; warnedAt: number } | undefined;
  private readonly spent = { gasUsed: 0n, feeWei: 0n, transactions: 0, batches: 0 };
  private balance: BalanceReport | undefined;
  private balanceCheckedAt = 0;
  private lowBalanceWarnedAt = 0;
  private readonly balanceCheckEveryMs: number;
  private readonly lowBalanceBatches: number;
  private readonly lowBalanceDays: number;
  private readonly publicClient: PublicClient | undefined;
  /** The primary chain's name and policy (for /health and metrics). */
  private readonly primaryName: string;
  private readonly primaryPolicy: AnchorerPolicy;
  private primaryFailingSince: number | undefined;
  /** With extra chains, a failing primary backs off on its own while rounds keep closing batches. */
  private primaryBackoffUntil = 0;
  private lastFailureFromPrimaryTick = false;
  /** The extra anchoring chains. */
  private readonly extra: ExtraChainRuntime[] = [];
  /** Bundle anchors of the head-commitment chains, by name. */
  private readonly commitments = new Map<string, (batch: BatchRecord, state: ChainBatchState) => Promise<BundleAnchorV2Json | undefined>>();

  private constructor(options: AnchoringServiceOptions, binding: StoreBinding | undefined, chainBindings: readonly ChainBinding[] = []) {
    this.store = options.store;
    this.binding = binding;
    this.batching = checkBatchingPolicy({ ...DEFAULT_BATCHING, ...options.batching });
    this.limits = { ...DEFAULT_SUBMISSION_LIMITS, ...options.limits };
    this.ingestion = {
      issuedAtWindow: DEFAULT_ISSUED_AT_WINDOW,
      signatures: options.chain === undefined ? "valid" : "authorised",
      ...options.ingestion,
    };
    const window = this.ingestion.issuedAtWindow;
    if (window !== false && "pastSeconds" in window) {
      throw new ServiceConfigError("ingestion.issuedAtWindow.pastSeconds is gone: late receipts are accepted (their lateness is shown, never a refusal).", [
        "The defence against backdating is the signer's revocation \"since T\" (docs/service.md, Late receipts and backdating).",
        "Do: pass { futureSeconds } only.",
      ]);
    }
    if (window !== false && !(Number.isInteger(window.futureSeconds) && window.futureSeconds >= 0)) {
      throw new ServiceConfigError(`ingestion.issuedAtWindow.futureSeconds must be whole seconds >= 0 (found ${JSON.stringify(window)}).`);
    }
    if (this.ingestion.signatures === "authorised") {
      if (options.chain === undefined || binding === undefined) {
        throw new ServiceConfigError('ingestion.signatures "authorised" needs a chain: the log\'s signer history is read from ReceiptLogs.', [
          'Do: pass chain, or use signatures "valid" (a valid signature by servingNode, authorisation not checked).',
        ]);
      }
      this.signers = new LogSigners({ publicClient: options.chain.publicClient, contract: binding.contract, logId: binding.logId });
    }
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? 10_000;
    this.leaseTtlMs = options.leaseTtlMs ?? 5_000;
    this.balanceCheckEveryMs = options.balanceCheckEveryMs ?? 30_000;
    this.lowBalanceBatches = options.lowBalanceBatches ?? 200;
    this.lowBalanceDays = options.lowBalanceDays ?? 7;
    this.publicClient = options.chain?.publicClient;
    if (!Number.isInteger(this.leaseTtlMs) || this.leaseTtlMs < 300) {
      throw new ServiceConfigError(`leaseTtlMs must be an integer >= 300 (found ${this.leaseTtlMs}).`);
    }
    this.timelineContract = options.timelineContract;
    this.trees = new BatchTreeCache(options.treeCacheBytes);
    if (options.onEvent) this.listeners.push(options.onEvent);
    const policy = checkAnchorerPolicy({ ...DEFAULT_ANCHORER_POLICY, ...options.anchoring }, options.chain?.name ?? "primary");
    if (policy.commitHead) throw new ServiceConfigError("Head commitments are for extra chains: the primary chain anchors every batch root.", ["Do: set cadence.commit \"head\" on a chains[1..] entry, not on the primary."]);
    this.primaryName = options.chain?.name ?? "primary";
    this.primaryPolicy = policy;
    if (options.chain !== undefined && binding !== undefined) {
      this.anchorer = new Anchorer({
        store: this.store,
        publicClient: options.chain.publicClient,
        walletClient: options.chain.walletClient,
        log: { contract: binding.contract, logId: binding.logId },
        fromBlock: binding.fromBlock,
        policy,
        onEvent: (event) => this.emit(event),
      });
    }
    for (const chain of options.chains ?? []) {
      const chainBinding = chainBindings.find((b) => b.name === chain.name);
      if (chainBinding === undefined || this.anchorer === undefined) throw new InvariantError(`extra chain ${chain.name} is not bound`);
      const chainPolicy = checkAnchorerPolicy({ ...DEFAULT_ANCHORER_POLICY, ...chain.anchoring }, chain.name);
      const name = chain.name;
      // Head commitments speak store (= primary log) indices: the entry index on this chain is the log's size at each commitment.
      const ledger = this.store.chainLedger(name, chainBinding.firstStoreBatch);
      const heads = chainPolicy.commitHead ? new PrimaryLogHeads(this.store, options.chain!.publicClient, { contract: binding!.contract, logId: binding!.logId }, binding!.chainId) : undefined;
      if (heads !== undefined) {
        this.commitments.set(name, (batch, state) =>
          commitmentAnchor({ store: this.store, ledger, chain: chainBinding, chainClient: chain.publicClient, heads, batch, state }),
        );
      }
      const runtime: ExtraChainRuntime = {
        name,
        binding: chainBinding,
        policy: chainPolicy,
        anchorer: new Anchorer({
          store: heads !== undefined ? ledger : offsetLedger(ledger, chainBinding.firstBatchIndex - chainBinding.firstStoreBatch),
          primaryHeads: heads,
          publicClient: chain.publicClient,
          walletClient: chain.walletClient,
          log: { contract: chainBinding.contract, logId: chainBinding.logId },
          fromBlock: chainBinding.fromBlock,
          policy: chainPolicy,
          onEvent: (event) => this.emit({ ...event, chain: name }),
        }),
        queue: Promise.resolve(),
        failures: 0,
        lastError: undefined,
        failingSince: undefined,
        backoffUntil: 0,
        spent: { gasUsed: 0n, feeWei: 0n, transactions: 0, batches: 0 },
        rpcErrors: {},
        loopDone: undefined,
        wakeUp: undefined,
        publicClient: chain.publicClient,
        balance: undefined,
        balanceCheckedAt: 0,
        lowBalanceWarnedAt: 0,
      };
      this.extra.push(runtime);
    }
  }

  /**
   * Opens the service on a store: takes the store's writer role and, with a chain, binds the
   * store to (chain, contract, log, account) on first use or checks that it matches.
   * @throws {StoreLockedError}, {@link StoreBindingError}, {@link ServiceConfigError}
   */
  static async open(options: AnchoringServiceOptions): Promise<AnchoringService> {
    await options.store.acquireWriter(options.owner ?? `showwork service (pid ${process.pid})`);
    try {
      let binding = await options.store.getBinding();
      const chain = options.chain;
      if (chain !== undefined) binding = await bindStore(options.store, chain, binding);
      const chainBindings = await bindExtraChains(options.store, options.chains ?? [], binding, chain?.name ?? "primary");
      const service = new AnchoringService(options, binding, chainBindings);
      service.lastBatchedSeq = (await options.store.lastBatch())?.lastSeq ?? 0;
      return service;
    } catch (error) {
      await options.store.releaseWriter();
      throw error;
    }
  }

  /** Adds an event listener. */
  on(listener: ServiceEventListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i !== -1) this.listeners.splice(i, 1);
    };
  }

  private emit(event: ServiceEvent): void {
    if (event.type === "retry") this.retries[event.kind] = (this.retries[event.kind] ?? 0) + 1;
    if (event.chain !== undefined) {
      const runtime = this.extra.find((c) => c.name === event.chain);
      if (runtime !== undefined && event.type === "anchored" && event.feeWei !== undefined) {
        runtime.spent.gasUsed += event.gasUsed ?? 0n;
        runtime.spent.feeWei += event.feeWei;
        runtime.spent.transactions++;
        runtime.spent.batches += event.lastBatch - event.firstBatch + 1;
      }
    } else if (event.type === "anchored" && event.feeWei !== undefined) {
      this.spent.gasUsed += event.gasUsed ?? 0n;
      this.spent.feeWei += event.feeWei;
      this.spent.transactions++;
      this.spent.batches += event.lastBatch - event.firstBatch + 1;
    }
    for (const listener of this.listeners) listener(event);
  }

  // ---------------------------------------------------------------- recording

  /**
   * Records one receipt or an array of receipts (JSON values or `Receipt` objects): validates
   * all, then stores all in one transaction. When it resolves, every receipt is durably
   * stored and will be anchored exactly once.
   * @throws {RecordRejectedError} (nothing stored) for invalid input or duplicate ids.
   */
  async record(input: unknown): Promise<Acknowledgement[]> {
    const validated = validateSubmission(input, this.limits);
    const receipts = validated.map((v) => v.receipt);
    const nowMs = Date.now();
    try {
      if (this.ingestion.issuedAtWindow !== false) checkIssuedAtWindow(receipts, this.ingestion.issuedAtWindow, Math.floor(nowMs / 1000));
      if (this.ingestion.signatures !== "off") await checkSignatures(receipts, this.ingestion.signatures, this.signers, this.binding?.logId);
    } catch (error) {
      // A receipt the store already holds is a duplicate whatever its state (recorded … final) and
      // whatever a check says today (a revoked signer, a clock): the client's retry is safe.
      if (error instanceof RecordRejectedError) {
        const held = await this.alreadyStored(validated.map((v) => v.stored.receiptId));
        if (held.length > 0) throw this.duplicateError(held);
        this.ingestionStats.refused[error.reason] = (this.ingestionStats.refused[error.reason] ?? 0) + 1;
      }
      throw error;
    }
    failpoint("record:before-commit");
    const result = await this.appendGrouped(validated.map((v) => v.stored));
    if (!result.ok) throw this.duplicateError(result.duplicates);
    for (const r of receipts) {
      const lateness = Math.floor(nowMs / 1000) - r.issuedAt;
      if (lateness > this.ingestionStats.maxLatenessSeconds) this.ingestionStats.maxLatenessSeconds = lateness;
      if (lateness > LATE_AFTER_SECONDS) this.ingestionStats.late++;
    }
    failpoint("record:after-commit");
    this.emit({ type: "recorded", count: validated.length, lastSeq: result.lastSeq });
    // A full batch is waiting: start a round now (standby instances leave it to the anchoring one).
    if (this.lease?.held !== false && result.lastSeq - this.lastBatchedSeq >= this.batching.maxReceipts) this.wake();
    return validated.map((v, i) => ({ receiptId: v.stored.receiptId, seq: result.firstSeq + i, state: "recorded" as const }));
  }

  /**
   * Group commit: `record()` calls that arrive while the store is busy, or in the same turn of
   * the event loop, are stored in one transaction (one fsync, one lock of the PostgreSQL
   * counter) instead of one each. Each call keeps its own outcome: its receipts get contiguous
   * seqs in call order, and a call with an already stored id fails alone (nothing of it is
   * stored) while the others of the group are stored.
   */
  private appendGrouped(rows: readonly NewReceipt[]): Promise<AppendResult> {
    return new Promise<AppendResult>((resolve, reject) => {
      this.commitQueue.push({ rows, resolve, reject });
      if (!this.commitLoopRunning) {
        this.commitLoopRunning = true;
        // After the current turn: every call that is already in the event queue joins the group.
        setImmediate(() => void this.runCommitLoop());
      }
    });
  }

  private async runCommitLoop(): Promise<void> {
    try {
      while (this.commitQueue.length > 0) {
        let group = this.commitQueue.splice(0, this.commitQueue.length);
        // A receipt id in two calls of one group: the later call waits for the next group (where
        // it fails as a duplicate if the earlier call was stored), as if the calls had run in turn.
        const ids = new Set<string>();
        const later: PendingAppend[] = [];
        group = group.filter((call) => {
          // Ids are lowercase here (validateSubmission normalizes them).
          if (call.rows.some((r) => ids.has(r.receiptId))) {
            later.push(call);
            return false;
          }
          for (const r of call.rows) ids.add(r.receiptId);
          return true;
        });
        if (later.length > 0) this.commitQueue.unshift(...later);
        await this.commitGroup(group);
      }
    } finally {
      this.commitLoopRunning = false;
    }
  }

  private async commitGroup(group: PendingAppend[]): Promise<void> {
    while (group.length > 0) {
      if (group.length === 1) {
        const call = group[0]!;
        try {
          call.resolve(await this.store.appendReceipts(call.rows, Date.now()));
        } catch (error) {
          call.reject(error);
        }
        return;
      }
      const rows: NewReceipt[] = [];
      const offsets: number[] = [];
      for (const call of group) {
        offsets.push(rows.length);
        for (const r of call.rows) rows.push(r);
      }
      let result: AppendResult;
      try {
        result = await this.store.appendReceipts(rows, Date.now());
      } catch (error) {
        for (const call of group) call.reject(error);
        return;
      }
      if (result.ok) {
        group.forEach((call, k) => {
          const firstSeq = result.firstSeq + offsets[k]!;
          call.resolve({ ok: true, firstSeq, lastSeq: firstSeq + call.rows.length - 1 });
        });
        return;
      }
      // The calls holding stored ids fail (each with its own indexes); the others go again.
      const failed = new Map<number, { receiptIndex: number; receiptId: Hex }[]>();
      for (const d of result.duplicates) {
        let k = offsets.length - 1;
        while (offsets[k]! > d.receiptIndex) k--;
        const list = failed.get(k) ?? [];
        list.push({ receiptIndex: d.receiptIndex - offsets[k]!, receiptId: d.receiptId });
        failed.set(k, list);
      }
      for (const [k, duplicates] of failed) group[k]!.resolve({ ok: false, duplicates });
      group = group.filter((_, k) => !failed.has(k));
    }
  }

  /** Records receipts given as JSON text (one receipt or an array). @throws {RecordRejectedError} */
  async recordJson(text: string): Promise<Acknowledgement[]> {
    return this.record(parseSubmissionText(text));
  }

  /** Which of `ids` (positions in the call) the store already holds. */
  private async alreadyStored(ids: readonly Hex[]): Promise<{ receiptIndex: number; receiptId: Hex }[]> {
    const held: { receiptIndex: number; receiptId: Hex }[] = [];
    for (let i = 0; i < ids.length; i++) if ((await this.store.getReceipt(ids[i]!)) !== undefined) held.push({ receiptIndex: i, receiptId: ids[i]! });
    return held;
  }

  private duplicateError(duplicates: readonly { receiptIndex: number; receiptId: Hex }[]): RecordRejectedError {
    this.ingestionStats.duplicates += duplicates.length;
    const ids = duplicates.map((d) => d.receiptId);
    return new RecordRejectedError({
      reason: "duplicate-receipt-id",
      message:
        duplicates.length === 1
          ? `Receipt #${duplicates[0]!.receiptIndex} (${ids[0]}) is already recorded; nothing of this call was stored.`
          : `${duplicates.length} receipts are already recorded (first: #${duplicates[0]!.receiptIndex}, ${ids[0]}); nothing of this call was stored.`,
      receiptIndex: duplicates[0]!.receiptIndex,
      field: "receiptId",
      duplicates: duplicates.map((d) => ({ receiptId: d.receiptId, receiptIndex: d.receiptIndex, alreadyStored: true })),
      metaMessages: [
        "Receipt ids are unique per store. A receipt already held (recorded, batched, anchored or final) is a duplicate: a retried call whose receipts were stored before gets this answer, and they are safe (count them as delivered).",
      ],
    });
  }

  // ---------------------------------------------------------------- reading

  private async stored(receiptId: string): Promise<StoredReceipt> {
    if (!/^0x[0-9a-fA-F]{64}$/.test(receiptId)) throw new ReceiptNotFoundError(receiptId);
    const receipt = await this.store.getReceipt(receiptId as Hex);
    if (receipt === undefined) throw new ReceiptNotFoundError(receiptId);
    return receipt;
  }

  /** A receipt's state. @throws {ReceiptNotFoundError} */
  async status(receiptId: string): Promise<ReceiptStatus> {
    const receipt = await this.stored(receiptId);
    const base = statusOf(receipt);
    const chains = await chainStatusesOf(this.store, receipt, this.binding, this.primaryName, new Set(this.commitments.keys()));
    return chains === undefined ? base : { ...base, proofAvailable: chains.some((c) => hasProof(c.state as ReceiptState)), chains };
  }

  /** A receipt's proof bundle (from `anchored` on). @throws {ReceiptNotFoundError}, {@link ProofNotAvailableError} */
  async bundle(receiptId: string): Promise<ProofBundle> {
    const receipt = await this.stored(receiptId);
    // With extra chains a batch may be anchored elsewhere before the primary: the bundle carries what landed.
    if (!hasProof(receipt.state) && this.extra.length === 0) throw new ProofNotAvailableError(receipt.receiptId, receipt.state);
    const binding = this.binding ?? (await this.store.getBinding());
    if (binding === undefined) throw new ProofNotAvailableError(receipt.receiptId, receipt.state);
    return bundleOfStoredReceipt({ store: this.store, binding, trees: this.trees, receipt, timelineContract: this.timelineContract, commitments: this.commitments });
  }

  /**
   * A receipt's proof bundle made self-contained (v2 with the chain's proofs of its primary anchor, at the latest block,
   * or `proofBlock`, and each other chain's anchor with that chain's proofs at its latest block): it verifies offline against a checkpoint at that block (docs/bundle.md, "Chain proofs").
   * @throws as {@link bundle}; {@link ChainProofUnavailableError} when the chain cannot give the proofs (no chain, too far back).
   */
  async selfContainedBundle(receiptId: string, options: { proofBlock?: number } = {}): Promise<ProofBundle> {
    const bundle = await this.bundle(receiptId);
    if (this.publicClient === undefined) throw new ChainProofUnavailableError("the service has no chain client: it cannot prove the anchor");
    const chainProof = await proveAnchor(this.publicClient, bundle, options.proofBlock === undefined ? {} : { proofBlock: options.proofBlock });
    // Every other chain's anchor with that chain's own proofs (at its latest block): each verifies offline against a
    // checkpoint of its chain. A chain that cannot prove now leaves its anchor without proofs (that chain: could not check).
    const more = await Promise.all(
      bundle.anchors.slice(1).map(async (anchor, i) => {
        const c = this.extra.find((x) => x.binding.chainId === anchor.chainId && x.binding.contract.toLowerCase() === anchor.contract.toLowerCase() && x.binding.logId.toLowerCase() === anchor.logId.toLowerCase());
        if (c === undefined) return anchor;
        try {
          return { ...anchor, chainProof: await proveAnchor(c.publicClient, bundle, { anchorIndex: i + 1 }) };
        } catch {
          return anchor;
        }
      }),
    );
    return toBundleV2(bundle, { anchors: [{ ...bundle.anchor, chainProof }, ...more] });
  }

  /** A batch. @throws {BatchNotFoundError} */
  async batch(index: number): Promise<BatchStatus> {
    const batch = Number.isSafeInteger(index) && index >= 0 ? await this.store.getBatch(index) : undefined;
    if (batch === undefined) throw new BatchNotFoundError(index);
    const tx = batch.txId === undefined ? undefined : await this.store.getTx(batch.txId);
    return {
      index: batch.index,
      state: batch.state,
      leafCount: batch.leafCount,
      firstSeq: batch.firstSeq,
      lastSeq: batch.lastSeq,
      root: batch.root,
      closedAt: iso(batch.closedAt),
      ...(batch.anchor === undefined
        ? {}
        : { anchor: { txHash: batch.anchor.txHash, blockNumber: batch.anchor.blockNumber, blockHash: batch.anchor.blockHash, anchoredAt: iso(batch.anchor.anchoredAt) } }),
      ...(batch.finalAt === undefined ? {} : { finalAt: iso(batch.finalAt) }),
      ...(tx === undefined
        ? {}
        : {
            transaction: {
              nonce: tx.nonce,
              state: tx.state,
              attempts: tx.attempts.map((a) => ({ hash: a.hash, maxFeePerGas: a.maxFeePerGas.toString(), createdAt: iso(a.createdAt) })),
            },
          }),
    };
  }

  /** Counts per state, last anchored batch, lag, retries. */
  async metrics(now = Date.now()): Promise<ServiceMetrics> {
    const counts = await this.store.stateCounts();
    const total = counts.recorded + counts.batched + counts.submitted + counts.anchored + counts.final;
    const last = await this.store.lastBatch();
    const lastAnchored = await this.store.lastAnchoredBatch();
    const waiting = [...(await this.store.batchesInState("batched", 1)), ...(await this.store.batchesInState("submitted", 1))].sort(
      (a, b) => a.index - b.index,
    )[0];
    let oldest: number | undefined;
    if (waiting !== undefined) oldest = await this.store.recordedAt(waiting.firstSeq);
    else oldest = (await this.store.unbatched()).oldestRecordedAt;
    const retriesTotal = Object.values(this.retries).reduce((a, b) => a + (b ?? 0), 0);
    return {
      receipts: { ...counts, total },
      batches: {
        lastClosed: last?.index ?? null,
        lastAnchored:
          lastAnchored?.anchor === undefined
            ? null
            : {
                index: lastAnchored.index,
                txHash: lastAnchored.anchor.txHash,
                blockNumber: lastAnchored.anchor.blockNumber,
                anchoredAt: iso(lastAnchored.anchor.anchoredAt),
              },
      },
      lag: {
        unanchoredReceipts: counts.recorded + counts.batched + counts.submitted,
        oldestUnanchoredMs: oldest === undefined ? 0 : Math.max(0, now - oldest),
      },
      retries: { total: retriesTotal, byKind: { ...this.retries } },
      rpcErrors: { ...this.rpcErrors },
      gas: {
        used: this.spent.gasUsed.toString(),
        feeWei: this.spent.feeWei.toString(),
        transactions: this.spent.transactions,
        batches: this.spent.batches,
      },
      balance: this.balance ?? null,
      anchoring: this.health().anchoring,
      uptimeMs: now - this.startedAt,
      ingestion: { ...this.ingestionStats, refused: { ...this.ingestionStats.refused } },
      chains: await this.chainMetrics(now, last?.index),
    };
  }

  /** Health of the service. */
  health(): ServiceHealth {
    const halted = this.anchorer?.halted;
    const chains = this.chainHealth();
    const primaryStatus =
      halted !== undefined ? "halted" : !this.running ? "stopped" : this.consecutiveFailures > 0 || this.chainProblem !== undefined ? "degraded" : "ok";
    const extraTrouble = chains.filter((c) => !c.primary && (c.status === "degraded" || c.status === "halted"));
    return {
      status: primaryStatus === "ok" && extraTrouble.length > 0 ? "degraded" : primaryStatus,
      store: this.store.location,
      binding: this.binding ?? null,
      anchorer: this.anchorer?.address ?? null,
      lastRoundAt: this.lastRoundAt === undefined ? null : iso(this.lastRoundAt),
      consecutiveFailures: this.consecutiveFailures,
      lastError: this.lastError ?? null,
      halted: halted === undefined ? null : { reason: halted.reason, message: halted.shortMessage },
      chain:
        this.chainProblem === undefined
          ? null
          : {
              problem: this.chainProblem.error.kind,
              nodeSaid: this.chainProblem.error.nodeSaid,
              account: this.chainProblem.error.account,
              balanceWei: this.chainProblem.error.balance?.toString() ?? null,
              todo: this.chainProblem.error.todo,
              since: iso(this.chainProblem.since),
            },
      warnings: [
        ...(this.balance?.low === true ? [lowBalanceText(this.balance)] : []),
        ...this.extra.filter((c) => c.balance?.low === true).map((c) => `Chain ${c.name} (${c.binding.chainId}): ${lowBalanceText(c.balance!)}`),
        ...extraTrouble.map((c) =>
          c.status === "halted"
            ? `Chain ${c.name} (${c.chainId}) is halted: ${c.halted?.message ?? ""} Its anchors wait; the other chains go on.`
            : `Chain ${c.name} (${c.chainId}) has failed ${c.consecutiveFailures} time(s) since ${c.failingSince ?? "?"}: ${c.lastError ?? ""} Its anchors wait and catch up when it answers; the other chains go on.`,
        ),
      ],
      anchoring: {
        role: this.anchorer === undefined ? "none" : this.lease?.held === true ? "anchoring" : "standby",
        epoch: this.lease?.epoch ?? null,
        holder: this.lease?.holder ?? null,
        expiresAt: this.lease?.expiresAt === undefined ? null : iso(this.lease.expiresAt),
      },
      chains,
    };
  }

  /** Every anchoring chain's health, the primary first. */
  private chainHealth(): ChainHealth[] {
    if (this.anchorer === undefined || this.binding === undefined) return [];
    const halted = this.anchorer.halted;
    const out: ChainHealth[] = [
      {
        name: this.primaryName,
        chainId: this.binding.chainId,
        primary: true,
        status: halted !== undefined ? "halted" : !this.running ? "stopped" : this.consecutiveFailures > 0 || this.chainProblem !== undefined ? "degraded" : "ok",
        anchorer: this.anchorer.address,
        consecutiveFailures: this.consecutiveFailures,
        lastError: this.lastError ?? null,
        failingSince: this.primaryFailingSince === undefined ? null : iso(this.primaryFailingSince),
        halted: halted === undefined ? null : { reason: halted.reason, message: halted.shortMessage },
        cadence: { batches: this.primaryPolicy.cadenceBatches, maxWaitMs: this.primaryPolicy.cadenceMaxWaitMs ?? null, commit: "roots" },
      },
    ];
    for (const c of this.extra) {
      const h = c.anchorer.halted;
      out.push({
        name: c.name,
        chainId: c.binding.chainId,
        primary: false,
        status: h !== undefined ? "halted" : !this.running ? "stopped" : c.failures > 0 ? "degraded" : "ok",
        anchorer: c.anchorer.address,
        consecutiveFailures: c.failures,
        lastError: c.lastError ?? null,
        failingSince: c.failingSince === undefined ? null : iso(c.failingSince),
        halted: h === undefined ? null : { reason: h.reason, message: h.shortMessage },
        cadence: { batches: c.policy.cadenceBatches, maxWaitMs: c.policy.cadenceMaxWaitMs ?? null, commit: c.policy.commitHead ? "head" : "roots" },
      });
    }
    return out;
  }

  /** Every anchoring chain's progress, the primary first. */
  private async chainMetrics(now: number, lastClosed: number | undefined): Promise<ChainMetrics[]> {
    const health = this.chainHealth();
    const out: ChainMetrics[] = [];
    for (const h of health) {
      const runtime = this.extra.find((c) => c.name === h.name);
      const ledger = runtime === undefined ? this.store : this.store.chainLedger(runtime.name, runtime.binding.firstStoreBatch);
      const firstBatch = runtime === undefined ? (this.binding?.firstBatchIndex ?? 0) : runtime.binding.firstStoreBatch;
      const last = await ledger.lastAnchoredBatch();
      const waiting = [...(await ledger.batchesInState("batched", 1)), ...(await ledger.batchesInState("submitted", 1))].sort((a, b) => a.index - b.index)[0];
      const oldest = waiting !== undefined ? await this.store.recordedAt(waiting.firstSeq) : (await this.store.unbatched()).oldestRecordedAt;
      const spent = runtime?.spent ?? this.spent;
      out.push({
        ...h,
        lastAnchored:
          last?.anchor === undefined
            ? null
            : { index: last.index, txHash: last.anchor.txHash, blockNumber: last.anchor.blockNumber, anchoredAt: iso(last.anchor.anchoredAt) },
        batchesBehind: lastClosed === undefined ? 0 : Math.max(0, lastClosed - Math.max(last?.index ?? firstBatch - 1, firstBatch - 1)),
        oldestUnanchoredMs: oldest === undefined ? 0 : Math.max(0, now - oldest),
        gas: { used: spent.gasUsed.toString(), feeWei: spent.feeWei.toString(), transactions: spent.transactions, batches: spent.batches },
        rpcErrors: { ...(runtime?.rpcErrors ?? this.rpcErrors) },
        balance: (runtime === undefined ? this.balance : runtime.balance) ?? null,
      });
    }
    return out;
  }

  // ---------------------------------------------------------------- the loop

  /** Starts the batching/anchoring loop (idempotent). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
    for (const c of this.extra) c.loopDone = this.chainLoop(c);
    if (this.anchorer !== undefined && this.store.kind === "postgres") {
      // Renew the lease apart from the rounds: a slow round (RPC retries) must not lose it.
      this.heartbeat = setInterval(() => {
        if (this.lease?.held === true) void this.claimAnchoring().catch(() => undefined);
      }, Math.floor(this.leaseTtlMs / 3));
      this.heartbeat.unref();
    }
  }

  /** Stops the loop, waiting for the current round to finish. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    this.wake();
    for (const c of this.extra) c.wakeUp?.();
    await this.loopDone;
    await this.roundChain;
    for (const c of this.extra) {
      await c.loopDone;
      await c.queue;
    }
    // Hand the anchoring role over at once (another instance takes it at its next round).
    if (this.lease?.held === true) {
      await this.store.releaseAnchoring().catch(() => undefined);
      this.lease = { ...this.lease, held: false, holder: undefined };
    }
  }

  /** Stops and releases the store. */
  async close(): Promise<void> {
    await this.stop();
    await this.store.close();
  }

  /** Closes whatever is waiting into a batch at the next round, regardless of size and age. */
  flush(): void {
    this.flushRequested = true;
    this.anchorer?.flush();
    for (const c of this.extra) {
      c.anchorer.flush();
      c.wakeUp?.();
    }
    this.wake();
  }

  private wake(): void {
    const wake = this.wakeUp;
    this.wakeUp = undefined;
    wake?.();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let delay = this.pollIntervalMs;
      try {
        await this.runMainRound();
        if (!this.primarySkipped) {
          this.consecutiveFailures = 0;
          this.lastError = undefined;
          this.chainProblem = undefined;
          this.primaryFailingSince = undefined;
        }
      } catch (error) {
        this.consecutiveFailures++;
        this.primaryFailingSince ??= Date.now();
        this.lastError = error instanceof Error ? ((error as { shortMessage?: string }).shortMessage ?? error.message) : String(error);
        const kind = rpcErrorKind(error);
        this.rpcErrors[kind] = (this.rpcErrors[kind] ?? 0) + 1;
        if (error instanceof ChainRejectedError) this.noteRejection(error);
        this.emit({ type: "retry", kind: "rpc-error", message: this.lastError });
        delay = Math.min(this.maxBackoffMs, this.pollIntervalMs * 2 ** Math.min(this.consecutiveFailures - 1, 10));
        if (this.lastFailureFromPrimaryTick) {
          // The primary chain failed, not the store: it backs off alone; rounds go on closing batches for the other chains.
          this.primaryBackoffUntil = Date.now() + delay;
          delay = this.pollIntervalMs;
        }
      }
      if (!this.running) break;
      await Promise.race([sleep(delay), new Promise<void>((resolve) => (this.wakeUp = resolve))]);
      this.wakeUp = undefined;
    }
  }

  /**
   * One round: store upkeep, close due batches, reconcile with the chain and submit.
   * Rounds never overlap. Throws what the round threw (the loop retries with backoff).
   */
  async runRound(): Promise<void> {
    try {
      await this.runMainRound();
    } finally {
      // Driven by hand (no loop running): the extra chains take their turn too (each catches its own errors).
      if (!this.running) for (const c of this.extra) await this.tickChain(c, Date.now());
    }
  }

  private runMainRound(): Promise<void> {
    const round = this.roundChain.then(() => this.round());
    this.roundChain = round.catch(() => undefined);
    return round;
  }

  /** True when the last round left the primary chain out (it is backing off after failures). */
  private primarySkipped = false;

  /** An extra chain's own loop: its failures back off its own anchors only. */
  private async chainLoop(c: ExtraChainRuntime): Promise<void> {
    while (this.running) {
      await this.tickChain(c, Date.now());
      if (!this.running) break;
      const delay = Math.max(this.pollIntervalMs, c.backoffUntil - Date.now());
      await Promise.race([sleep(delay), new Promise<void>((resolve) => (c.wakeUp = resolve))]);
      c.wakeUp = undefined;
    }
  }

  /** One tick of an extra chain (ticks of one chain never overlap; errors are the chain's, never thrown). */
  private tickChain(c: ExtraChainRuntime, now: number): Promise<void> {
    const run = c.queue.then(() => this.tickChainNow(c, now));
    c.queue = run.catch(() => undefined);
    return c.queue;
  }

  private async tickChainNow(c: ExtraChainRuntime, now: number): Promise<void> {
    // Only the anchoring instance anchors (and only after batches exist to anchor).
    if (now < c.backoffUntil || this.lease?.held !== true) return;
    await this.checkChainBalance(c, now);
    try {
      failpoint("chains:between");
      await c.anchorer.tick(now);
      c.failures = 0;
      c.lastError = undefined;
      c.failingSince = undefined;
    } catch (error) {
      if (error instanceof AnchorLeaseLostError) {
        this.noteLease({ held: false, epoch: error.currentEpoch, holder: error.currentHolder, expiresAt: undefined });
        return;
      }
      c.failures++;
      c.failingSince ??= now;
      c.lastError = error instanceof Error ? ((error as { shortMessage?: string }).shortMessage ?? error.message) : String(error);
      const kind = rpcErrorKind(error);
      c.rpcErrors[kind] = (c.rpcErrors[kind] ?? 0) + 1;
      c.backoffUntil = Date.now() + Math.min(this.maxBackoffMs, this.pollIntervalMs * 2 ** Math.min(c.failures - 1, 10));
      this.emit({ type: "retry", kind: "rpc-error", message: `chain ${c.name}: ${c.lastError}`, chain: c.name });
    }
  }

  private async round(): Promise<void> {
    const now = Date.now();
    this.lastFailureFromPrimaryTick = false;
    this.primarySkipped = false;
    await this.store.maintain();
    if (this.anchorer !== undefined && !(await this.claimAnchoring()).held) {
      this.lastRoundAt = Date.now();
      return; // standby: another instance closes batches and anchors
    }
    await this.checkBalance(now);
    try {
      await this.closeDueBatches(now);
      if (this.anchorer !== undefined && this.extra.length === 0) await this.anchorer.tick(now);
      else if (this.anchorer !== undefined && now < this.primaryBackoffUntil) this.primarySkipped = true;
      else if (this.anchorer !== undefined) {
        try {
          await this.anchorer.tick(now);
        } catch (error) {
          this.lastFailureFromPrimaryTick = !(error instanceof AnchorLeaseLostError);
          throw error;
        }
      }
    } catch (error) {
      if (!(error instanceof AnchorLeaseLostError)) throw error;
      // Fenced off: another instance took the role while this one was in its round. Nothing was written.
      this.noteLease({ held: false, epoch: error.currentEpoch, holder: error.currentHolder, expiresAt: undefined });
    }
    this.lastRoundAt = Date.now();
  }

  /** The node refused a transaction: say so (a warning event at most once a minute per answer) and show it in /health. */
  private noteRejection(error: ChainRejectedError): void {
    const now = Date.now();
    const same = this.chainProblem?.error.nodeSaid === error.nodeSaid;
    const warnedAt = same ? this.chainProblem!.warnedAt : 0;
    this.chainProblem = { error, since: same ? this.chainProblem!.since : now, warnedAt };
    if (now - warnedAt >= 60_000) {
      this.chainProblem.warnedAt = now;
      this.emit({ type: "warning", kind: "tx-rejected", message: error.shortMessage, metaMessages: error.metaMessages ?? [] });
    }
  }

  /** Reads the anchoring account's balance (at most every balanceCheckEveryMs) and warns when it runs low. */
  private async checkBalance(now: number): Promise<void> {
    if (this.publicClient === undefined || this.anchorer === undefined || now - this.balanceCheckedAt < this.balanceCheckEveryMs) return;
    this.balanceCheckedAt = now;
    try {
      const account = this.anchorer.address;
      this.balance = await this.balanceReport(this.publicClient, account, this.spent, this.primaryPolicy.cadenceBatches, now);
      if (this.balance.low && now - this.lowBalanceWarnedAt >= 600_000) {
        this.lowBalanceWarnedAt = now;
        this.emit({ type: "warning", kind: "low-balance", message: lowBalanceText(this.balance), metaMessages: [`Do: fund ${account}; anchoring stops when it cannot pay a transaction.`] });
      }
    } catch {
      // A failed balance read is not a failed round; the next check tries again.
    }
  }

  /** The same for an extra chain: its own account, its own fees (a transaction covers `cadenceBatches` batches there). */
  private async checkChainBalance(c: ExtraChainRuntime, now: number): Promise<void> {
    if (now - c.balanceCheckedAt < this.balanceCheckEveryMs) return;
    c.balanceCheckedAt = now;
    try {
      const account = c.anchorer.address;
      c.balance = await this.balanceReport(c.publicClient, account, c.spent, c.policy.cadenceBatches, now);
      if (c.balance.low && now - c.lowBalanceWarnedAt >= 600_000) {
        c.lowBalanceWarnedAt = now;
        this.emit({
          type: "warning",
          kind: "low-balance",
          message: `Chain ${c.name} (${c.binding.chainId}): ${lowBalanceText(c.balance)}`,
          metaMessages: [`Do: fund ${account} on chain ${c.name} (${c.binding.chainId}); that chain's anchors stop when it cannot pay a transaction (the other chains go on).`],
          chain: c.name,
        });
      }
    } catch {
      // A failed balance read is not a failed tick; the next check tries again.
    }
  }

  /** How long `account`'s balance lasts at the fees this instance paid (else ~120,000 gas at today's gas price). */
  private async balanceReport(
    client: PublicClient,
    account: Address,
    spent: { readonly feeWei: bigint; readonly transactions: number; readonly batches: number },
    batchesPerTransaction: number,
    now: number,
  ): Promise<BalanceReport> {
    const wei = await client.getBalance({ address: account });
    const feePerTx = spent.transactions > 0 ? spent.feeWei / BigInt(spent.transactions) : 120_000n * (await client.getGasPrice());
    const batchesPerTx = spent.transactions > 0 ? spent.batches / spent.transactions : Math.max(1, batchesPerTransaction);
    const batchesLeft = feePerTx > 0n ? Math.floor(Number(wei / feePerTx) * batchesPerTx) : Number.MAX_SAFE_INTEGER;
    const uptimeDays = (now - this.startedAt) / 86_400_000;
    const perDay = spent.feeWei > 0n && uptimeDays > 0 ? Number(spent.feeWei) / uptimeDays : 0;
    const daysLeft = perDay > 0 ? Math.round((Number(wei) / perDay) * 10) / 10 : null;
    const low = batchesLeft < this.lowBalanceBatches || (daysLeft !== null && daysLeft < this.lowBalanceDays);
    return { account, wei: wei.toString(), checkedAt: iso(now), feePerTransactionWei: feePerTx.toString(), batchesLeft, daysLeft, low };
  }

  /** Takes or renews the anchoring role; notes changes. */
  private async claimAnchoring(): Promise<AnchorLease> {
    const lease = await this.store.claimAnchoring(this.leaseTtlMs);
    return this.noteLease(lease);
  }

  private noteLease(lease: AnchorLease): AnchorLease {
    const before = this.lease;
    this.lease = lease;
    const changed = before === undefined ? true : before.held !== lease.held || (lease.held && before.epoch !== lease.epoch);
    if (changed && (lease.held || before?.held === true)) {
      if (lease.held) this.tookOver = true;
      this.emit({ type: "anchoring-role", held: lease.held, epoch: lease.epoch, holder: lease.holder });
    }
    return lease;
  }

  /** Set when this instance (re)takes the role: reload what another instance may have changed. */
  private tookOver = false;

  private async closeDueBatches(now: number): Promise<void> {
    if (this.binding === undefined) return;
    if (this.tookOver) {
      this.tookOver = false;
      this.lastBatchedSeq = (await this.store.lastBatch())?.lastSeq ?? 0;
    }
    const flush = this.flushRequested;
    this.flushRequested = false;
    for (let closed = 0; closed < 64; closed++) {
      const waiting = await this.store.unbatched();
      const cut = nextBatchCut(waiting, now, this.batching, flush);
      if (cut === undefined) break;
      failpoint("batch:building-tree");
      const { leaves, singleChunkRoot } = await computeLeaves(this.store, cut.firstSeq, cut.lastSeq);
      const tree = treeFromLeaves(leaves);
      if (singleChunkRoot !== undefined && singleChunkRoot !== tree.root) {
        throw new InvariantError(`batch root ${tree.root} from the leaves differs from ReceiptTree's ${singleChunkRoot}`);
      }
      const last = await this.store.lastBatch();
      const index = last === undefined ? this.binding.firstBatchIndex : last.index + 1;
      failpoint("batch:before-commit");
      const batch = await this.store.closeBatch({ index, firstSeq: cut.firstSeq, lastSeq: cut.lastSeq, root: tree.root, leaves, closedAt: Date.now() });
      this.lastBatchedSeq = batch.lastSeq;
      this.trees.set(batch.index, tree);
      this.emit({ type: "batch-closed", batchIndex: batch.index, leafCount: batch.leafCount, root: batch.root, why: cut.why });
    }
  }
}

function lowBalanceText(b: BalanceReport): string {
  const eth = (Number(BigInt(b.wei)) / 1e18).toPrecision(4);
  return `Low balance: ${b.account} has ${eth} ETH, about ${b.batchesLeft} more batches at ${b.feePerTransactionWei} wei per transaction${b.daysLeft === null ? "" : `, about ${b.daysLeft} days at the recent rate`}.`;
}

/** The kind of a failed round's error, for the metrics. */
function rpcErrorKind(error: unknown): RpcErrorKind {
  if (error instanceof ChainRejectedError) return "rejected";
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    const name = (e as { name?: string }).name;
    if (name === "TimeoutError") return "timeout";
    if (name === "HttpRequestError") return "http";
    if (name === "RpcRequestError" || name === "InternalRpcError" || name === "RpcError") return "rpc";
    e = (e as { cause?: unknown }).cause;
  }
  return "other";
}

function statusOf(receipt: StoredReceipt): ReceiptStatus {
  const batch = receipt.batch;
  const issuedAt = (JSON.parse(receipt.body) as { issuedAt: number }).issuedAt;
  return {
    receiptId: receipt.receiptId,
    state: receipt.state,
    seq: receipt.seq,
    recordedAt: iso(receipt.recordedAt),
    issuedAt: iso(issuedAt * 1000),
    recordedAfterSeconds: Math.floor(receipt.recordedAt / 1000) - issuedAt,
    proofAvailable: hasProof(receipt.state),
    ...(batch === undefined || receipt.leafIndex === undefined
      ? {}
      : {
          batch: {
            index: batch.index,
            leafIndex: receipt.leafIndex,
            size: batch.leafCount,
            root: batch.root,
            closedAt: iso(batch.closedAt),
            ...(batch.anchor === undefined
              ? {}
              : { txHash: batch.anchor.txHash, blockNumber: batch.anchor.blockNumber, anchoredAt: iso(batch.anchor.anchoredAt) }),
            ...(batch.finalAt === undefined ? {} : { finalAt: iso(batch.finalAt) }),
          },
        }),
  };
}

/**
 * Retries a startup step that reads the chain: RPC failures at startup are as normal as later
 * (up to 8 attempts, 0.2 s → 5 s apart). Configuration errors are not retried.
 */
async function withStartupRetries<T>(step: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (error instanceof ShowworkError || attempt >= 8) throw error;
      await sleep(Math.min(5_000, 200 * 2 ** (attempt - 1)));
    }
  }
}

/** Checks an anchoring policy (of the chain named `chain`). @throws {ServiceConfigError} */
function checkAnchorerPolicy(policy: AnchorerPolicy, chain: string): AnchorerPolicy {
  if (!Number.isInteger(policy.confirmations) || policy.confirmations < 1) {
    throw new ServiceConfigError(`confirmations must be an integer >= 1 (found ${policy.confirmations}${chain === "primary" ? "" : ` for chain ${chain}`}).`);
  }
  if (!Number.isInteger(policy.cadenceBatches) || policy.cadenceBatches < 1) {
    throw new ServiceConfigError(`cadence batches must be an integer >= 1 (found ${policy.cadenceBatches} for chain ${chain}).`);
  }
  if (policy.cadenceMaxWaitMs !== undefined && !(Number.isFinite(policy.cadenceMaxWaitMs) && policy.cadenceMaxWaitMs >= 0)) {
    throw new ServiceConfigError(`cadence maxWaitMs must be a number of ms >= 0 (found ${policy.cadenceMaxWaitMs} for chain ${chain}).`);
  }
  // One transaction carries what the cadence waits for.
  return policy.maxBatchesPerTx < policy.cadenceBatches ? { ...policy, maxBatchesPerTx: policy.cadenceBatches } : policy;
}

/**
 * Binds the extra chains (`chains[1..]`) of a store on first use, or checks that each existing
 * binding matches. A chain added to a store that already has batches anchors from the next batch on.
 */
async function bindExtraChains(
  store: ReceiptStore,
  chains: readonly ServiceExtraChain[],
  primary: StoreBinding | undefined,
  primaryName: string,
): Promise<ChainBinding[]> {
  if (chains.length === 0) return [];
  if (primary === undefined) throw new ServiceConfigError("Extra anchoring chains need a primary chain (chains[0]).");
  const names = new Set<string>([primaryName]);
  for (const chain of chains) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(chain.name)) throw new ServiceConfigError(`Chain name ${JSON.stringify(chain.name)} is not valid.`, ["Expected: 1-64 letters, digits, '_', '.', '-'."]);
    if (names.has(chain.name)) throw new ServiceConfigError(`Two anchoring chains are named "${chain.name}".`, ["Do: give each entry of chains[] its own name."]);
    names.add(chain.name);
  }
  const existing = await store.getChainBindings();
  const out: ChainBinding[] = [];
  for (const chain of chains) {
    const { publicClient, walletClient } = chain;
    const chainId = await withStartupRetries(() => publicClient.getChainId());
    if (walletClient.chain.id !== chainId) {
      throw new ServiceConfigError(`Chain "${chain.name}" is configured as chain ${walletClient.chain.id}, but its RPC endpoint serves chain ${chainId}.`, [
        "Do: fix chains[].chainId or chains[].rpc in the project config.",
      ]);
    }
    const genesis = await withStartupRetries(() => publicClient.getBlock({ blockNumber: 0n }));
    const expected = { chainId, contract: chain.contract, logId: chain.logId.toLowerCase() as Hex, anchorer: walletClient.account.address, genesisHash: genesis.hash };
    if (chainId === primary.chainId && genesis.hash === primary.genesisHash && chain.contract.toLowerCase() === primary.contract.toLowerCase() && expected.logId === primary.logId.toLowerCase()) {
      throw new ServiceConfigError(`Chain "${chain.name}" is the primary chain's log again.`, ["Do: give each chains[] entry its own chain, contract or log."]);
    }
    const bound = existing.find((b) => b.name === chain.name);
    if (bound !== undefined) {
      const mismatches: string[] = [];
      for (const key of ["chainId", "genesisHash", "contract", "logId", "anchorer"] as const) {
        if (String(bound[key]).toLowerCase() !== String(expected[key]).toLowerCase()) mismatches.push(`${key}: store has ${bound[key]}, configured ${expected[key]}`);
      }
      if (mismatches.length > 0) {
        throw new StoreBindingError(`The store ${store.location} anchors chain "${chain.name}" into another chain/log than configured.`, [
          ...mismatches,
          "Do: use the store's own settings for this chain, or give the new target another name.",
        ]);
      }
      out.push(bound);
      continue;
    }
    const code = await withStartupRetries(() => publicClient.getCode({ address: chain.contract }));
    if (code === undefined || code === "0x") {
      throw new ServiceConfigError(`No contract at ${chain.contract} on chain ${chainId} ("${chain.name}").`, ["Do: give that chain's ReceiptLogs address (chains[].receiptLogs)."]);
    }
    const firstBatchIndex = await withStartupRetries(() => readLogSize(publicClient, { contract: chain.contract, logId: chain.logId }));
    const head = Number(await withStartupRetries(() => publicClient.getBlockNumber({ cacheTime: 0 })));
    const last = await store.lastBatch();
    const binding: ChainBinding = {
      name: chain.name,
      ...expected,
      firstBatchIndex,
      firstStoreBatch: last === undefined ? primary.firstBatchIndex : last.index + 1,
      fromBlock: head,
    };
    try {
      await store.setChainBinding(binding);
      out.push(binding);
    } catch (error) {
      // Several instances starting together: the first one bound it.
      const now = (await store.getChainBindings()).find((b) => b.name === chain.name);
      if (!(error instanceof StoreBindingError) || now === undefined) throw error;
      out.push(now);
    }
  }
  return out;
}

/**
 * Where a receipt's batch stands on every chain (the primary first), from the store alone; undefined
 * for a store without extra chains.
 */
export async function chainStatusesOf(
  store: ReceiptStore,
  receipt: StoredReceipt,
  primary: StoreBinding | undefined,
  primaryName = "primary",
  /** Chains holding head commitments: their entry index is not the batch's (it is in the bundle's anchor). */
  headChains: ReadonlySet<string> = new Set(),
): Promise<ChainAnchorStatus[] | undefined> {
  const bindings = await store.getChainBindings();
  if (bindings.length === 0 || primary === undefined) return undefined;
  const batch = receipt.batch;
  const out: ChainAnchorStatus[] = [
    {
      name: primaryName,
      chainId: primary.chainId,
      state: receipt.state,
      ...(batch === undefined ? {} : { batchIndex: batch.index }),
      ...(batch?.anchor === undefined ? {} : { txHash: batch.anchor.txHash, blockNumber: batch.anchor.blockNumber, anchoredAt: iso(batch.anchor.anchoredAt) }),
      ...(batch?.finalAt === undefined ? {} : { finalAt: iso(batch.finalAt) }),
    },
  ];
  const states = batch === undefined ? [] : await store.chainStates(batch.index);
  for (const b of bindings) {
    if (batch === undefined) {
      out.push({ name: b.name, chainId: b.chainId, state: "recorded" });
      continue;
    }
    if (batch.index < b.firstStoreBatch) {
      out.push({ name: b.name, chainId: b.chainId, state: "not-anchored-here" });
      continue;
    }
    const row = states.find((s) => s.chain === b.name);
    out.push({
      name: b.name,
      chainId: b.chainId,
      state: row?.state ?? "batched",
      ...(headChains.has(b.name) ? {} : { batchIndex: batch.index - b.firstStoreBatch + b.firstBatchIndex }),
      ...(row?.anchor === undefined ? {} : { txHash: row.anchor.txHash, blockNumber: row.anchor.blockNumber, anchoredAt: iso(row.anchor.anchoredAt) }),
      ...(row?.finalAt === undefined ? {} : { finalAt: iso(row.finalAt) }),
    });
  }
  return out;
}

/** Binds a fresh store to the chain/contract/log/account, or checks that an existing binding matches. */
async function bindStore(store: ReceiptStore, chain: ServiceChain, existing: StoreBinding | undefined): Promise<StoreBinding> {
  const { publicClient, walletClient } = chain;
  const account = walletClient.account;
  // Each read is retried on its own (a faulty endpoint fails some calls; retries are normal).
  const chainId = await withStartupRetries(() => publicClient.getChainId());
  const genesis = await withStartupRetries(() => publicClient.getBlock({ blockNumber: 0n }));
  const expected = {
    chainId,
    contract: chain.contract,
    logId: chain.logId.toLowerCase() as Hex,
    anchorer: account.address,
    genesisHash: genesis.hash,
  };
  if (existing !== undefined) {
    const mismatches: string[] = [];
    for (const key of ["chainId", "genesisHash", "contract", "logId", "anchorer"] as const) {
      const a = String(existing[key]).toLowerCase();
      const b = String(expected[key]).toLowerCase();
      if (a !== b) mismatches.push(`${key}: store has ${existing[key]}, configured ${expected[key]}`);
    }
    if (mismatches.length > 0) {
      throw new StoreBindingError(`The store ${store.location} anchors into another ${mismatches.length === 1 ? mismatches[0]!.split(":")[0] : "chain/log"} than configured.`, [
        ...mismatches,
        ...(mismatches.some((m) => m.startsWith("genesisHash"))
          ? ["The chain was reset (e.g. an in-process chain lives only as long as its process): use a new --store."]
          : ["Do: use the store's own settings, or a new --store."]),
      ]);
    }
    return existing;
  }
  const code = await withStartupRetries(() => publicClient.getCode({ address: chain.contract }));
  if (code === undefined || code === "0x") {
    throw new ServiceConfigError(`No contract at ${chain.contract} on chain ${chainId}.`, ["Do: pass the ReceiptLogs address (--contract)."]);
  }
  const firstBatchIndex = await withStartupRetries(() => readLogSize(publicClient, { contract: chain.contract, logId: chain.logId }));
  const head = Number(await withStartupRetries(() => publicClient.getBlockNumber({ cacheTime: 0 })));
  const binding: StoreBinding = { ...expected, firstBatchIndex, fromBlock: head };
  try {
    await store.setBinding(binding);
  } catch (error) {
    // Several instances starting together on a fresh shared store: the first one bound it.
    const now = await store.getBinding();
    if (!(error instanceof StoreBindingError) || now === undefined) throw error;
    return bindStore(store, chain, now);
  }
  return binding;
}

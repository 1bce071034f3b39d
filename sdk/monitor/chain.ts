/**
 * What the monitor reads from the chain, all pinned to one block: the log's creation (genesis head),
 * its `BatchAnchored` events (paged `eth_getLogs` from the creation block), the anchoring blocks'
 * timestamps, the declared maximum anchoring delay's history, the serving nodes' signer histories
 * and the log's model timeline. Reads that do not depend on each other are issued together, so a
 * transport with JSON-RPC batching (`http(url, { batch: true })`) sends them as one request.
 *
 * @module
 */
import {
  BaseError,
  ContractFunctionRevertedError,
  ContractFunctionZeroDataError,
  getAbiItem,
  parseAbi,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";

import { receiptLogsAbi } from "../contracts/abis.js";
import { ShowworkError } from "../errors.js";
import { readModelTimeline } from "../timeline/readModelTimeline.js";
import type { ModelTimelineView } from "../timeline/types.js";
import { isReported, type SignerCompromiseReport } from "../verify/compromise.js";
import { delayBoundOf, judgeModelVersion, versionSpan, type ModelVersionJudgement } from "../verify/modelVersionRule.js";
import { codeHashOf, immutablesHold, matchShowworkCode } from "../verify/contractCode.js";

/**
 * Signer history and timeline binding of `ReceiptLogs` (the interface agreed in COORD; trust-chain's contract
 * implements it). Written here so the monitor does not depend on the generated ABI having them yet.
 */
export const signerHistoryAbi = parseAbi([
  "struct SignerPeriod { uint64 grantedAt; uint64 revokedAt; }",
  "function signerHistoryLength(bytes32 logId, address signer) view returns (uint256)",
  "function signerHistory(bytes32 logId, address signer, uint256 start, uint256 limit) view returns (SignerPeriod[])",
  "function logTimeline(bytes32 logId) view returns (address)",
]);

const LOG_CREATED = getAbiItem({ abi: receiptLogsAbi, name: "LogCreated" });
const BATCH_ANCHORED = getAbiItem({ abi: receiptLogsAbi, name: "BatchAnchored" });

/** The chain does not have what the monitor needs (no such log, contract, or events). */
export class MonitorChainError extends ShowworkError {
  override name = "MonitorChainError";
}

/** One anchored batch, as the chain says. */
export interface AnchoredBatchEvent {
  readonly index: number;
  readonly root: Hex;
  readonly leafCount: number;
  readonly head: Hex;
  readonly anchorer: Address;
  readonly txHash: Hex;
  readonly blockNumber: number;
  /** The anchoring block's timestamp (unix seconds). */
  readonly anchoredAt: number;
}

/** The log's creation. */
export interface LogCreation {
  readonly blockNumber: number;
  readonly createdAt: number;
  readonly genesisHead: Hex;
  readonly creator: Address;
}

/** A period during which a signer was authorised (revokedAt 0: still authorised). */
export interface SignerPeriod {
  readonly grantedAt: number;
  readonly revokedAt: number;
}

/** One entry of the maximum-anchoring-delay history. */
export interface DelayChange {
  readonly since: number;
  readonly maxAnchorDelay: number;
}

export { computeHead } from "../verify/commitment.js";

/** Reads of one log, pinned to `blockNumber`. */
export class LogReader {
  readonly client: PublicClient;
  readonly contract: Address;
  readonly logId: Hex;
  readonly blockNumber: bigint;
  /** Blocks per eth_getLogs call. */
  readonly pageBlocks: number;
  private readonly timestamps = new Map<number, Promise<number>>();

  constructor(client: PublicClient, params: { contract: Address; logId: Hex; blockNumber: bigint; pageBlocks?: number }) {
    this.client = client;
    this.contract = params.contract;
    this.logId = params.logId;
    this.blockNumber = params.blockNumber;
    this.pageBlocks = params.pageBlocks ?? 10_000;
  }

  /** Timestamp of a block (cached). */
  timestampOf(blockNumber: number): Promise<number> {
    let known = this.timestamps.get(blockNumber);
    if (known === undefined) {
      known = this.client.getBlock({ blockNumber: BigInt(blockNumber) }).then((b) => Number(b.timestamp));
      this.timestamps.set(blockNumber, known);
    }
    return known;
  }

  /** Runs `read` over [from, to] in pages of `pageBlocks`, four pages at a time, results in block order. */
  private async paged<T>(from: number, to: number, read: (from: bigint, to: bigint) => Promise<T[]>): Promise<T[]> {
    const ranges: [number, number][] = [];
    for (let start = from; start <= to; start += this.pageBlocks) ranges.push([start, Math.min(to, start + this.pageBlocks - 1)]);
    const out: T[] = [];
    for (let i = 0; i < ranges.length; i += 4) {
      const pages = await Promise.all(ranges.slice(i, i + 4).map(([a, b]) => read(BigInt(a), BigInt(b))));
      for (const page of pages) out.push(...page);
    }
    return out;
  }

  /** The log's creation (its LogCreated event), searched from `fromBlock` (default 0). */
  async creation(fromBlock = 0): Promise<LogCreation> {
    const exists = await this.client.readContract({ address: this.contract, abi: receiptLogsAbi, functionName: "logExists", args: [this.logId], blockNumber: this.blockNumber });
    if (!exists) {
      throw new MonitorChainError(`Log ${this.logId} does not exist in ReceiptLogs ${this.contract} (at block ${this.blockNumber}).`, {
        metaMessages: ["Do: check --log, --contract and that --rpc serves the chain the log is on."],
      });
    }
    const events = await this.paged(fromBlock, Number(this.blockNumber), (from, to) =>
      this.client.getLogs({ address: this.contract, event: LOG_CREATED, args: { logId: this.logId }, fromBlock: from, toBlock: to, strict: true }),
    );
    const event = events[0];
    if (event === undefined) {
      throw new MonitorChainError(`No LogCreated event of log ${this.logId} between blocks ${fromBlock} and ${this.blockNumber}.`, {
        metaMessages: ["Do: give --from-block at or before the log's creation (or 0), or use an RPC endpoint that serves old logs."],
      });
    }
    const blockNumber = Number(event.blockNumber);
    return { blockNumber, createdAt: await this.timestampOf(blockNumber), genesisHead: event.args.genesisHead.toLowerCase() as Hex, creator: event.args.creator };
  }

  /** The log's BatchAnchored events in [fromBlock, pinned block], by index, with their blocks' timestamps. */
  async anchoredBatches(fromBlock: number): Promise<AnchoredBatchEvent[]> {
    if (fromBlock > Number(this.blockNumber)) return [];
    const events = await this.paged(fromBlock, Number(this.blockNumber), (from, to) =>
      this.client.getLogs({ address: this.contract, event: BATCH_ANCHORED, args: { logId: this.logId }, fromBlock: from, toBlock: to, strict: true }),
    );
    const times = await Promise.all(events.map((e) => this.timestampOf(Number(e.blockNumber))));
    return events
      .map((e, i) => ({
        index: Number(e.args.index),
        root: e.args.root.toLowerCase() as Hex,
        leafCount: Number(e.args.leafCount),
        head: e.args.head.toLowerCase() as Hex,
        anchorer: e.args.anchorer,
        txHash: e.transactionHash,
        blockNumber: Number(e.blockNumber),
        anchoredAt: times[i]!,
      }))
      .sort((a, b) => a.index - b.index);
  }

  /** The log's head and size now (at the pinned block). */
  async head(): Promise<{ head: Hex; size: number }> {
    const head = await this.client.readContract({ address: this.contract, abi: receiptLogsAbi, functionName: "logHead", args: [this.logId], blockNumber: this.blockNumber });
    return { head: head.toLowerCase() as Hex, size: Number(BigInt(head) >> 192n) };
  }

  /** The whole history of the declared maximum anchoring delay. */
  async delayHistory(): Promise<DelayChange[]> {
    const base = { address: this.contract, abi: receiptLogsAbi, blockNumber: this.blockNumber } as const;
    const length = await this.client.readContract({ ...base, functionName: "maxAnchorDelayHistoryLength", args: [this.logId] });
    const changes = await this.client.readContract({ ...base, functionName: "maxAnchorDelayHistory", args: [this.logId, 0n, length] });
    return changes.map((c) => ({ since: Number(c.since), maxAnchorDelay: Number(c.maxAnchorDelay) }));
  }

  /**
   * A serving node's authorisation periods for the log, or undefined when the contract has no signer history
   * (a ReceiptLogs deployed before it existed).
   */
  async signerPeriods(signer: Address): Promise<SignerPeriod[] | undefined> {
    const base = { address: this.contract, abi: signerHistoryAbi, blockNumber: this.blockNumber } as const;
    let length: bigint;
    try {
      length = await this.client.readContract({ ...base, functionName: "signerHistoryLength", args: [this.logId, signer] });
    } catch {
      return undefined;
    }
    const periods: SignerPeriod[] = [];
    for (let start = 0n; start < length; start += 200n) {
      const page = await this.client.readContract({ ...base, functionName: "signerHistory", args: [this.logId, signer, start, 200n] });
      periods.push(...page.map((p) => ({ grantedAt: Number(p.grantedAt), revokedAt: Number(p.revokedAt) })));
    }
    return periods;
  }

  /** The ModelTimeline bound to the log, or undefined (not bound, or a contract without binding). */
  async boundTimeline(): Promise<Address | undefined> {
    try {
      const address = await this.client.readContract({ address: this.contract, abi: signerHistoryAbi, functionName: "logTimeline", args: [this.logId], blockNumber: this.blockNumber });
      return /^0x0{40}$/i.test(address) ? undefined : address;
    } catch {
      return undefined;
    }
  }

  /** A model's timeline in the log (at the pinned block). */
  timeline(timeline: Address, modelId: Hex): Promise<ModelTimelineView> {
    return readModelTimeline(this.client, { contract: timeline, logId: this.logId, modelId, blockNumber: this.blockNumber });
  }

  /**
   * Why `timeline` cannot be trusted as this log's timeline, or undefined when its code is the showwork ModelTimeline
   * build serving this ReceiptLogs (the verifier's and `ReceiptLogs.bindTimeline`'s check): a look-alike could
   * rewrite which version was active when.
   */
  async untrustedTimeline(timeline: Address): Promise<string | undefined> {
    const code = await this.client.getCode({ address: timeline, blockNumber: this.blockNumber });
    if (code === undefined || code === "0x") return `there is no contract at ${timeline}`;
    const match = matchShowworkCode(code, "ModelTimeline");
    if (match === undefined) return `the code at ${timeline} is not the showwork ModelTimeline build (code hash ${codeHashOf(code)})`;
    if (!immutablesHold(match, this.contract)) return `${timeline} is a ModelTimeline of another ReceiptLogs, not of ${this.contract}`;
    return undefined;
  }

  /** A serving node's compromise report, or undefined (none, or a ReceiptLogs of a release without reports). */
  async signerCompromise(signer: Address): Promise<SignerCompromiseReport | undefined> {
    try {
      const report = await this.client.readContract({ address: this.contract, abi: receiptLogsAbi, functionName: "signerCompromise", args: [this.logId, signer], blockNumber: this.blockNumber });
      return isReported(report) ? report : undefined;
    } catch (error) {
      if (error instanceof BaseError && error.walk((e) => e instanceof ContractFunctionRevertedError || e instanceof ContractFunctionZeroDataError) !== null) return undefined;
      throw error;
    }
  }
}

/** Whether `periods` authorise a signer at `timestamp` (the same rule as `ReceiptLogs.isSignerAt`). */
export function authorisedAt(periods: readonly SignerPeriod[], timestamp: number): boolean {
  return periods.some((p) => p.grantedAt <= timestamp && (p.revokedAt === 0 || timestamp < p.revokedAt));
}

/** The strictest declared maximum anchoring delay in force in [issuedAt, anchoredAt]: the verifier's rule, shared. */
export { strictestDelay } from "../verify/anchorDelay.js";

/** The version active at `timestamp` in a timeline (zero hash when none), as `ModelTimeline.activeVersionAt` says. */
export function activeVersionAt(view: ModelTimelineView, timestamp: number): Hex {
  let active: Hex = `0x${"0".repeat(64)}`;
  for (const a of view.activations) {
    if (a.activatedAt > timestamp) break;
    active = a.version.toLowerCase() as Hex;
  }
  return active;
}

const ACTIVATION_KINDS = ["deployment", "rollback", "deactivation"] as const;

/**
 * The claimed model version of an anchored receipt, judged over [issuedAt, anchoredAt] by the verifier's rule
 * (`judgeModelVersion`, sdk/verify/modelVersionRule.ts): the span is cut from the whole timeline by `versionSpan`
 * (the contract's `activationIndexAt` at both ends, as the verifier reads it), the delay bound is `delayBoundOf` the
 * log's history. `pass`: nothing to report; `fail`: an inactive version; `error`: could not check (the timeline
 * changed before the anchoring and no declared maximum delay that the batch met bounds a moved-back time).
 */
export function judgeAnchoredVersion(
  view: ModelTimelineView,
  receipt: { readonly issuedAt: number; readonly weightsDigest: Hex },
  anchoredAt: number,
  delays: readonly DelayChange[],
  maxClockSkew?: number,
): Promise<ModelVersionJudgement> {
  const digest = receipt.weightsDigest.toLowerCase();
  const published = (d: string) => view.versions?.find((v) => v.weightsDigest.toLowerCase() === d.toLowerCase());
  const claimed = published(digest);
  return judgeModelVersion({
    issuedAt: receipt.issuedAt,
    weightsDigest: receipt.weightsDigest,
    until: anchoredAt,
    anchored: true,
    registered: view.registered,
    claimed: claimed === undefined ? { version: 0 } : { version: claimed.version, metadataURI: claimed.metadataURI, publishedAt: claimed.publishedAt },
    span: versionSpan(view.activations, receipt.issuedAt, anchoredAt).map((a) => ({
      index: a.index,
      kind: ACTIVATION_KINDS.indexOf(a.kind),
      version: a.versionNumber,
      weightsDigest: a.version,
      activatedAt: a.activatedAt,
      reason: a.reason,
    })),
    delayBound: delayBoundOf(delays, receipt.issuedAt, anchoredAt, maxClockSkew),
    metadataURIOf: (d) => published(d)?.metadataURI,
  });
}

/**
 * The monitor: follows a log from the chain and checks every published batch of it.
 *
 * From the chain (pinned to one block): the log's creation, every `BatchAnchored` event since, the
 * anchoring blocks' times, the declared anchoring delays, the serving nodes' signer histories and the
 * log's own model timeline (`logTimeline(logId)`). From the source (a URL or a folder): each batch's
 * published file. It checks that every anchored batch is published, that its receipts hash to the
 * anchored root with the anchored leaf count, that the head chain recomputes to the contract's head,
 * and per receipt: signature, signer authorised at its time, per-node sequence continuity (gap =
 * answers left out, repeat = duplicate), time order, anchoring within the declared delay, and the
 * claimed model version active at its time. Incremental: give it the state of the previous run.
 *
 * @module
 */
import { getAddress, type Address, type Hex, type PublicClient } from "viem";

import { ShowworkError } from "../errors.js";
import { parseReceipt } from "../receipt/parseReceipt.js";
import { checkReceiptSignature } from "../receipt/signReceipt.js";
import { sharedSignatureCheckPool, type SignatureCheckPool } from "../receipt/signatureCheckPool.js";
import type { Receipt } from "../receipt/types.js";
import { BATCH_FORMAT } from "../tree/batchFormat.js";
import { ReceiptTree } from "../tree/ReceiptTree.js";
import type { ModelTimelineView } from "../timeline/types.js";
import {
  activeVersionAt,
  authorisedAt,
  computeHead,
  judgeAnchoredVersion,
  LogReader,
  strictestDelay,
  type AnchoredBatchEvent,
  type SignerPeriod,
} from "./chain.js";
import { MonitorSourceError, type BatchSource } from "./source.js";
import { judgeCompromise, type SignerCompromiseReport } from "../verify/compromise.js";
import type { ModelVersionJudgement } from "../verify/modelVersionRule.js";
import {
  MONITOR_REPORT_FORMAT,
  MONITOR_STATE_FORMAT,
  type Finding,
  type FindingKind,
  type MonitorReport,
  type MonitorState,
  type NodeState,
  type Unchecked,
} from "./types.js";

/** The state file belongs to another log, chain or contract, or is not a monitor state. */
export class MonitorStateError extends ShowworkError {
  override name = "MonitorStateError";
}

/** A checked receipt, as handed to {@link MonitorLogParameters.onReceipt}. */
export interface CheckedReceipt {
  readonly receipt: Receipt;
  readonly batch: AnchoredBatchEvent;
  readonly leafIndex: number;
  readonly tree: ReceiptTree;
  /** The version active at the receipt's time, when the timeline was read. */
  readonly activeVersion: Hex | undefined;
  /** The claimed version judged over [issuedAt, anchoring] (the verifier's rule), when the timeline was read. */
  readonly version?: ModelVersionJudgement | undefined;
}

/** Parameters of {@link monitorLog}. */
export interface MonitorLogParameters {
  readonly client: PublicClient;
  /** The `ReceiptLogs` contract. */
  readonly contract: Address;
  readonly logId: Hex;
  readonly source: BatchSource;
  /** The previous run's state (incremental); without it the log is followed from its creation. */
  readonly state?: MonitorState;
  /** Search the log's creation from this block (default 0). */
  readonly fromBlock?: number;
  /** Read the chain this many blocks behind the latest (default 0). */
  readonly confirmations?: number;
  /** Blocks per eth_getLogs call (default 10,000). */
  readonly pageBlocks?: number;
  /** ModelTimeline to use when the log has none bound (`logTimeline(logId)` is zero or missing). */
  readonly timeline?: Address;
  /** Seconds a receipt's time may follow its anchoring for the version span's delay bound (the verifier's default, 60). */
  readonly maxClockSkew?: number;
  /** Check every receipt's signature (default true). */
  readonly checkSignatures?: boolean;
  /**
   * Where signatures are checked: worker threads of the shared persistent pool (default, see
   * `sharedSignatureCheckPool`), a pool of your own, or `false` for the calling thread.
   */
  readonly signaturePool?: SignatureCheckPool | false;
  /** Batch files fetched ahead while one is checked (default 4). */
  readonly prefetch?: number;
  /** Findings of each kind kept in the report (default 1,000; all are counted). */
  readonly maxFindingsPerKind?: number;
  /** Called for every receipt of every batch that matched its anchored root. */
  readonly onReceipt?: (checked: CheckedReceipt) => void;
  /** Called after each batch. */
  readonly onBatch?: (progress: { readonly index: number; readonly done: number; readonly total: number; readonly receipts: number }) => void;
}

function newState(chainId: number, contract: Address, logId: Hex, creation: { blockNumber: number; genesisHead: Hex }): MonitorState {
  return {
    format: MONITOR_STATE_FORMAT,
    chainId,
    contract: getAddress(contract),
    logId: logId.toLowerCase() as Hex,
    creationBlock: creation.blockNumber,
    genesisHead: creation.genesisHead,
    scannedBlock: creation.blockNumber - 1,
    nextIndex: 0,
    head: creation.genesisHead,
    pending: [],
    nodes: {},
    totals: { batches: 0, receipts: 0, bytes: 0, findings: {} },
    updatedAt: new Date().toISOString(),
  };
}

/** Checks a state file's content (parsed JSON) and returns it typed. @throws {MonitorStateError} */
export function parseMonitorState(value: unknown): MonitorState {
  const s = value as Partial<MonitorState> | null;
  if (s === null || typeof s !== "object" || s.format !== MONITOR_STATE_FORMAT) {
    throw new MonitorStateError("This is not a monitor state file.", { metaMessages: [`Expected: a JSON object with "format": "${MONITOR_STATE_FORMAT}"`, `Found: ${JSON.stringify((s as { format?: unknown } | null)?.format)}`, "Do: point --state at a file the monitor wrote, or at a new path."] });
  }
  for (const key of ["chainId", "creationBlock", "scannedBlock", "nextIndex"] as const) {
    if (!Number.isSafeInteger(s[key])) throw new MonitorStateError(`The monitor state has no valid "${key}".`, { metaMessages: ["Do: delete the state file to start over from the log's creation."] });
  }
  if (!Array.isArray(s.pending) || typeof s.nodes !== "object" || s.nodes === null || typeof s.head !== "string") {
    throw new MonitorStateError("The monitor state is incomplete (pending, nodes or head missing).", { metaMessages: ["Do: delete the state file to start over from the log's creation."] });
  }
  return s as MonitorState;
}

/** Keeps findings (capped per kind) and counts them. */
class Findings {
  readonly list: Finding[] = [];
  readonly counts: Partial<Record<FindingKind, number>> = {};
  constructor(private readonly cap: number) {}
  add(finding: Finding): void {
    const n = (this.counts[finding.kind] ?? 0) + 1;
    this.counts[finding.kind] = n;
    if (n <= this.cap) this.list.push(finding);
  }
}

/**
 * Follows the log from the chain and checks every anchored batch against its published file.
 * Returns the report and the state to pass to the next run.
 * @throws on RPC failures (nothing could be concluded), {@link MonitorStateError} on a state of another log.
 * @example
 * const { report, state } = await monitorLog({ client, contract, logId, source: openSource("https://example.com/log") });
 * if (report.status !== "clean") console.log(report.findings);
 */
export async function monitorLog(params: MonitorLogParameters): Promise<{ report: MonitorReport; state: MonitorState }> {
  const started = performance.now();
  const { client, logId } = params;
  const contract = getAddress(params.contract);
  const latest = await client.getBlockNumber({ cacheTime: 0 });
  const pinned = latest - BigInt(Math.min(Number(latest), params.confirmations ?? 0));
  const chainId = await client.getChainId();
  const reader = new LogReader(client, { contract, logId, blockNumber: pinned, ...(params.pageBlocks ? { pageBlocks: params.pageBlocks } : {}) });

  let state: MonitorState;
  if (params.state) {
    state = structuredClone(params.state);
    if (state.chainId !== chainId || state.contract.toLowerCase() !== contract.toLowerCase() || state.logId.toLowerCase() !== logId.toLowerCase()) {
      throw new MonitorStateError("The monitor state belongs to another log.", {
        metaMessages: [`Expected: log ${logId} of ${contract} on chain ${chainId}`, `Found: log ${state.logId} of ${state.contract} on chain ${state.chainId}`, "Do: use one state file per log."],
      });
    }
  } else {
    state = newState(chainId, contract, logId, await reader.creation(params.fromBlock ?? 0));
  }

  const findings = new Findings(params.maxFindingsPerKind ?? 1000);
  const unchecked: Unchecked[] = [];
  const checkSignatures = params.checkSignatures ?? true;

  // ---------------------------------------------------------------- chain facts, in parallel
  const [events, head, delays, bound] = await Promise.all([
    reader.anchoredBatches(state.scannedBlock + 1),
    reader.head(),
    reader.delayHistory(),
    reader.boundTimeline(),
  ]);
  let timeline = bound ?? params.timeline;
  if (timeline === undefined) {
    unchecked.push({ check: "model-version", reason: `log ${logId} has no model timeline bound (logTimeline is zero or missing in this ReceiptLogs) and no --timeline was given: claimed versions unchecked` });
  } else {
    // Only the showwork ModelTimeline build of this ReceiptLogs is trusted (its code, as the verifier checks).
    const why = await reader.untrustedTimeline(timeline);
    if (why !== undefined) {
      unchecked.push({ check: "model-version", reason: `the timeline ${bound !== undefined ? "bound to the log" : "given"} cannot be trusted: ${why}; claimed versions unchecked` });
      timeline = undefined;
    }
  }

  // ---------------------------------------------------------------- the head chain
  let recomputed = true;
  const fresh: AnchoredBatchEvent[] = [];
  for (const event of events) {
    if (event.index < state.nextIndex) continue; // already seen (a rescanned block)
    if (event.index !== state.nextIndex) {
      recomputed = false;
      findings.add({ kind: "head-mismatch", batchIndex: state.nextIndex, message: `no BatchAnchored event for batch ${state.nextIndex} (next event is batch ${event.index}): the events do not cover the log`, expected: `batch ${state.nextIndex}`, found: `batch ${event.index}` });
      break;
    }
    const expected = computeHead(state.head, event.index, event.root, event.leafCount, event.anchoredAt, event.blockNumber);
    if (expected !== event.head) {
      recomputed = false;
      findings.add({ kind: "head-mismatch", batchIndex: event.index, message: `batch ${event.index}: the head in its event does not chain from the previous head`, expected, found: event.head });
      break;
    }
    state.head = expected;
    state.nextIndex = event.index + 1;
    fresh.push(event);
  }
  if (recomputed && (state.head !== head.head || state.nextIndex !== head.size)) {
    recomputed = false;
    findings.add({ kind: "head-mismatch", message: `the head recomputed from ${state.nextIndex} events differs from the contract's logHead (size ${head.size}) at block ${pinned}`, expected: head.head, found: state.head });
  }
  // With a broken chain of heads, read the same blocks again next time (events already checked are skipped).
  if (recomputed) state.scannedBlock = Number(pinned);

  // ---------------------------------------------------------------- per-receipt context
  const signers = new Map<Address, Promise<SignerPeriod[] | undefined>>();
  let signersMissing = false;
  const periodsOf = (node: Address): Promise<SignerPeriod[] | undefined> => {
    let p = signers.get(node);
    if (p === undefined) {
      p = reader.signerPeriods(node);
      signers.set(node, p);
    }
    return p;
  };
  const compromises = new Map<Address, Promise<SignerCompromiseReport | undefined>>();
  const compromiseOf = (node: Address): Promise<SignerCompromiseReport | undefined> => {
    let c = compromises.get(node);
    if (c === undefined) {
      c = reader.signerCompromise(node);
      compromises.set(node, c);
    }
    return c;
  };
  const timelines = new Map<Hex, Promise<ModelTimelineView>>();
  const timelineOf = (modelId: Hex): Promise<ModelTimelineView> | undefined => {
    if (timeline === undefined) return undefined;
    let t = timelines.get(modelId);
    if (t === undefined) {
      t = reader.timeline(timeline, modelId);
      timelines.set(modelId, t);
    }
    return t;
  };
  const unknownModels = new Set<Hex>();
  /** Receipts of the current batch whose version the rule could not decide ("could not check"). */
  const undecided: { receipt: Receipt; message: string }[] = [];

  // ---------------------------------------------------------------- batches: pending first, then new ones
  const todo = [...state.pending, ...fresh].sort((a, b) => a.index - b.index);
  state.pending = [];
  const prefetch = Math.max(1, params.prefetch ?? 4);
  const texts = new Map<number, Promise<string | undefined | MonitorSourceError>>();
  const fetchAt = (i: number): void => {
    const event = todo[i];
    if (event === undefined || texts.has(i)) return;
    texts.set(i, params.source.batch(logId, event.index).catch((error: unknown) => {
      if (error instanceof MonitorSourceError) return error;
      throw error;
    }));
  };
  let checkedBatches = 0;
  let checkedReceipts = 0;
  let bytes = 0;
  for (let i = 0; i < todo.length; i++) {
    for (let k = i; k < i + prefetch; k++) fetchAt(k);
    const event = todo[i]!;
    const text = await texts.get(i)!;
    texts.delete(i);
    if (text instanceof MonitorSourceError) {
      unchecked.push({ check: "batch", batchIndex: event.index, reason: text.shortMessage });
      state.pending.push(event);
      continue;
    }
    if (text === undefined) {
      findings.add({ kind: "withheld-batch", batchIndex: event.index, message: `batch ${event.index} (${event.leafCount} receipts, root ${event.root}) is anchored (tx ${event.txHash}) but not published at ${params.source.location}` });
      state.pending.push(event);
      continue;
    }
    bytes += Buffer.byteLength(text);
    const receipts = readBatch(text, event, findings);
    checkedBatches++;
    if (receipts === undefined) continue;
    let tree: ReceiptTree;
    try {
      tree = ReceiptTree.of(receipts);
    } catch (error) {
      findings.add({ kind: "unreadable-batch", batchIndex: event.index, message: `batch ${event.index}: ${error instanceof ShowworkError ? error.shortMessage : String(error)}` });
      continue;
    }
    if (tree.size !== event.leafCount) {
      findings.add({ kind: "leaf-count-mismatch", batchIndex: event.index, message: `batch ${event.index}: the published file has ${tree.size} receipts, the anchored batch ${event.leafCount}`, expected: String(event.leafCount), found: String(tree.size) });
    }
    if (tree.root !== event.root) {
      findings.add({ kind: "root-mismatch", batchIndex: event.index, message: `batch ${event.index}: the published receipts hash to ${tree.root}, the anchored root is ${event.root}: the file is not what was anchored`, expected: event.root, found: tree.root });
      continue;
    }
    // Every signature of the batch at once: on the pool's worker threads (same verdicts as checkReceiptSignature).
    const signaturePool = params.signaturePool ?? sharedSignatureCheckPool();
    const checks = !checkSignatures ? undefined : signaturePool === false ? receipts.map((r) => checkReceiptSignature(r)) : await signaturePool.check(receipts);
    for (let leafIndex = 0; leafIndex < receipts.length; leafIndex++) {
      const receipt = receipts[leafIndex]!;
      const where = { batchIndex: event.index, leafIndex, receiptId: receipt.receiptId, servingNode: receipt.servingNode, sequence: receipt.sequence.toString(), issuedAt: receipt.issuedAt };
      // Who signed it, and was that node authorised then?
      let signer: Address | undefined = receipt.servingNode;
      if (checks !== undefined) {
        const check = checks[leafIndex]!;
        if (!check.valid) {
          signer = undefined;
          if (check.reason === "missing") {
            findings.add({ kind: "unsigned-receipt", ...where, message: `receipt ${receipt.receiptId} carries no signature: nothing shows that ${receipt.servingNode} served it` });
          } else {
            findings.add({ kind: "bad-signature", ...where, message: `receipt ${receipt.receiptId}: ${check.detail}`, expected: receipt.servingNode, found: check.recoveredSigner ?? "no signer" });
          }
        }
      }
      if (signer !== undefined) {
        const periods = await periodsOf(signer);
        if (periods === undefined) {
          signersMissing = true;
        } else if (!authorisedAt(periods, receipt.issuedAt)) {
          findings.add({
            kind: "unauthorised-node",
            ...where,
            message: `receipt ${receipt.receiptId} was signed by ${signer}, which was not authorised for log ${logId} at ${new Date(receipt.issuedAt * 1000).toISOString()}` + (periods.length === 0 ? " (never granted)" : ` (periods: ${periods.map((p) => `${p.grantedAt}..${p.revokedAt || "now"}`).join(", ")})`),
          });
        } else {
          // The compromise rule (sdk/verify/compromise.ts), the verifier's and the contract's.
          const judgement = judgeCompromise(await compromiseOf(signer), receipt.issuedAt, { batchIndex: event.index, anchoredAt: event.anchoredAt });
          if (!judgement.valid) findings.add({ kind: "compromised-signer", ...where, message: `receipt ${receipt.receiptId}: ${judgement.reason}` });
        }
      }
      // Time and anchoring delay.
      if (receipt.issuedAt > event.anchoredAt) {
        findings.add({ kind: "issued-after-anchor", ...where, message: `receipt ${receipt.receiptId} claims ${receipt.issuedAt}, after its batch was anchored at ${event.anchoredAt}`, expected: `<= ${event.anchoredAt}`, found: String(receipt.issuedAt) });
      } else {
        const limit = strictestDelay(delays, receipt.issuedAt, event.anchoredAt);
        if (limit !== undefined && event.anchoredAt - receipt.issuedAt > limit) {
          findings.add({ kind: "late-anchor", ...where, message: `receipt ${receipt.receiptId} was anchored ${event.anchoredAt - receipt.issuedAt} s after its time; the log declares at most ${limit} s`, expected: `<= ${limit} s`, found: `${event.anchoredAt - receipt.issuedAt} s` });
        }
      }
      // The claimed model version, over [issuedAt, anchoring]: the verifier's rule (sdk/verify/modelVersionRule.ts).
      let active: Hex | undefined;
      let version: ModelVersionJudgement | undefined;
      const view = timelineOf(receipt.modelId);
      if (view !== undefined) {
        const t = await view;
        if (!t.registered) {
          if (!unknownModels.has(receipt.modelId)) {
            unknownModels.add(receipt.modelId);
            findings.add({ kind: "unknown-model", ...where, modelId: receipt.modelId, message: `receipt ${receipt.receiptId} names model ${receipt.modelId}, which the log's timeline ${timeline} does not know (reported once per model)` });
          }
        } else {
          active = activeVersionAt(t, receipt.issuedAt);
          version = await judgeAnchoredVersion(t, receipt, event.anchoredAt, delays, params.maxClockSkew);
          if (version.status === "fail") {
            findings.add({
              kind: "inactive-version",
              ...where,
              modelId: receipt.modelId,
              weightsDigest: receipt.weightsDigest,
              activeVersion: active,
              message: `receipt ${receipt.receiptId} (node ${receipt.servingNode}, sequence ${receipt.sequence}, model ${t.name || receipt.modelId}): ${version.message}`,
              expected: version.expected ?? active,
              found: version.found ?? receipt.weightsDigest,
            });
          } else if (version.status === "error") {
            undecided.push({ receipt, message: version.message });
          }
        }
      }
      params.onReceipt?.({ receipt, batch: event, leafIndex, tree, activeVersion: active, version });
    }
    // Sequence continuity and time order per node, in sequence order: the root does not bind the order of a batch's
    // receipts (sorted pairs), so a source could reorder them to turn a time-order finding into a gap filled later.
    const bySequence = receipts.map((_, leafIndex) => leafIndex).sort((a, b) => {
      const ra = receipts[a]!;
      const rb = receipts[b]!;
      if (ra.servingNode !== rb.servingNode) return ra.servingNode < rb.servingNode ? -1 : 1;
      return ra.sequence === rb.sequence ? a - b : ra.sequence < rb.sequence ? -1 : 1;
    });
    for (const leafIndex of bySequence) {
      const receipt = receipts[leafIndex]!;
      trackSequence(state, findings, receipt, { batchIndex: event.index, leafIndex, receiptId: receipt.receiptId, servingNode: receipt.servingNode, sequence: receipt.sequence.toString(), issuedAt: receipt.issuedAt });
    }
    if (undecided.length > 0) {
      const first = undecided[0]!;
      unchecked.push({
        check: "model-version",
        batchIndex: event.index,
        reason: `batch ${event.index}: the claimed model version of ${undecided.length} receipt${undecided.length === 1 ? "" : "s"} could not be decided (first: receipt ${first.receipt.receiptId}: ${first.message})`,
      });
      undecided.length = 0;
    }
    checkedReceipts += receipts.length;
    params.onBatch?.({ index: event.index, done: i + 1, total: todo.length, receipts: checkedReceipts });
  }
  if (signersMissing) {
    unchecked.push({ check: "signer-authorisation", reason: `ReceiptLogs ${contract} has no signer history (signerHistoryLength reverted): whether each serving node was authorised is unchecked` });
  }

  // ---------------------------------------------------------------- still open: withheld batches, gaps
  const gaps: Finding[] = [];
  for (const [node, n] of Object.entries(state.nodes)) {
    for (const gap of n.missing) {
      const count = (BigInt(gap.to) - BigInt(gap.from) + 1n).toString();
      gaps.push({
        kind: "sequence-gap",
        servingNode: node as Address,
        missing: { from: gap.from, to: gap.to, count },
        message: `node ${node}: sequence ${gap.from === gap.to ? gap.from : `${gap.from}..${gap.to}`} missing (${count} answer${count === "1" ? "" : "s"} left out of the log, between ${new Date(gap.after * 1000).toISOString()} and ${new Date(gap.before * 1000).toISOString()})`,
        issuedAt: gap.after,
        until: gap.before,
      });
    }
  }
  for (const gap of gaps) findings.add(gap);

  for (const [kind, n] of Object.entries(findings.counts)) state.totals.findings[kind as FindingKind] = (state.totals.findings[kind as FindingKind] ?? 0) + n;
  state.totals.batches += checkedBatches;
  state.totals.receipts += checkedReceipts;
  state.totals.bytes += bytes;
  state.updatedAt = new Date().toISOString();
  const elapsedMs = performance.now() - started;
  const anyFinding = findings.list.length > 0;
  const report: MonitorReport = {
    format: MONITOR_REPORT_FORMAT,
    status: anyFinding ? "findings" : unchecked.length > 0 ? "incomplete" : "clean",
    chainId,
    contract,
    logId: logId.toLowerCase() as Hex,
    source: params.source.location,
    block: Number(pinned),
    head: { head: head.head, size: head.size, recomputed },
    timeline,
    checked: { batches: checkedBatches, receipts: checkedReceipts, bytes, elapsedMs: Math.round(elapsedMs), receiptsPerSecond: elapsedMs > 0 ? Math.round((checkedReceipts * 1000) / elapsedMs) : 0 },
    findings: findings.list,
    findingCounts: findings.counts,
    open: { withheldBatches: state.pending.map((e) => e.index), gaps },
    unchecked,
    nodes: Object.entries(state.nodes).map(([node, n]) => ({ servingNode: node as Address, receipts: n.receipts, first: n.first, last: (BigInt(n.next) - 1n).toString(), openGaps: n.missing.length })),
    totals: state.totals,
  };
  return { report, state };
}

/** Parses a published batch file into receipts (undefined, with a finding, when it is not a valid batch). */
function readBatch(text: string, event: AnchoredBatchEvent, findings: Findings): Receipt[] | undefined {
  const bad = (message: string): undefined => {
    findings.add({ kind: "unreadable-batch", batchIndex: event.index, message: `batch ${event.index}: ${message}` });
    return undefined;
  };
  let dump: unknown;
  try {
    dump = JSON.parse(text);
  } catch (error) {
    return bad(`the published file is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const record = dump as { format?: unknown; receipts?: unknown; root?: unknown };
  if (record === null || typeof record !== "object" || record.format !== BATCH_FORMAT || !Array.isArray(record.receipts)) {
    return bad(`the published file is not a saved batch (expected "format": "${BATCH_FORMAT}" and a "receipts" array)`);
  }
  if (typeof record.root === "string" && record.root.toLowerCase() !== event.root) {
    findings.add({ kind: "root-mismatch", batchIndex: event.index, message: `batch ${event.index}: the published file declares root ${record.root}, the anchored root is ${event.root}`, expected: event.root, found: record.root });
  }
  const receipts: Receipt[] = [];
  for (let i = 0; i < record.receipts.length; i++) {
    try {
      receipts.push(parseReceipt(record.receipts[i]));
    } catch (error) {
      return bad(`receipt ${i} is not a valid receipt: ${error instanceof ShowworkError ? error.shortMessage : String(error)}`);
    }
  }
  if (receipts.length === 0) return bad("the published file has no receipts");
  return receipts;
}

/**
 * Per-node sequence tracking: continuity (gaps, filled later or not), repeats, time order. Called in sequence order
 * within a batch. Time order is checked wherever a receipt lands: after the highest sequence seen, past a gap, inside a
 * gap it fills (between the times of the receipts around the gap) and before the first sequence seen.
 */
function trackSequence(
  state: MonitorState,
  findings: Findings,
  receipt: Receipt,
  where: { batchIndex: number; leafIndex: number; receiptId: Hex; servingNode: Address; sequence: string; issuedAt: number },
): void {
  const seq = receipt.sequence;
  const node: NodeState | undefined = state.nodes[receipt.servingNode];
  if (node === undefined) {
    state.nodes[receipt.servingNode] = { first: seq.toString(), firstIssuedAt: receipt.issuedAt, next: (seq + 1n).toString(), lastIssuedAt: receipt.issuedAt, receipts: 1, missing: [] };
    return;
  }
  const outOfOrder = (bound: string, expected: string): void => {
    findings.add({ kind: "time-order", ...where, message: `node ${receipt.servingNode}: sequence ${seq} claims ${receipt.issuedAt}, ${bound}`, expected, found: String(receipt.issuedAt) });
  };
  node.receipts++;
  const next = BigInt(node.next);
  if (seq >= next) {
    if (receipt.issuedAt < node.lastIssuedAt) {
      outOfOrder(`earlier than sequence ${next - 1n} (${node.lastIssuedAt})`, `>= ${node.lastIssuedAt}`);
    }
    if (seq > next) node.missing.push({ from: next.toString(), to: (seq - 1n).toString(), after: node.lastIssuedAt, before: receipt.issuedAt });
    node.next = (seq + 1n).toString();
    node.lastIssuedAt = receipt.issuedAt;
    return;
  }
  // Below the next expected: fills a gap (arrived late, e.g. a withheld batch published later) or repeats one.
  const first = BigInt(node.first);
  for (let g = 0; g < node.missing.length; g++) {
    const gap = node.missing[g]!;
    const from = BigInt(gap.from);
    const to = BigInt(gap.to);
    if (seq < from || seq > to) continue;
    // A late receipt still has its place in the node's order: between the receipts around the gap.
    if (receipt.issuedAt < gap.after || receipt.issuedAt > gap.before) {
      outOfOrder(`outside the times of the receipts around it (${gap.after}..${gap.before}, sequences ${from - 1n} and ${to + 1n}): it fills a gap out of time order`, `${gap.after}..${gap.before}`);
    }
    const pieces: NodeState["missing"] = [];
    if (seq > from) pieces.push({ ...gap, to: (seq - 1n).toString(), before: receipt.issuedAt });
    if (seq < to) pieces.push({ ...gap, from: (seq + 1n).toString(), after: receipt.issuedAt });
    node.missing.splice(g, 1, ...pieces);
    return;
  }
  if (seq < first) {
    // Earlier than anything seen: the node's history starts earlier than we thought.
    const firstAt = node.firstIssuedAt ?? node.lastIssuedAt;
    if (node.firstIssuedAt !== undefined && receipt.issuedAt > node.firstIssuedAt) {
      outOfOrder(`later than sequence ${first} (${node.firstIssuedAt}), the first seen`, `<= ${node.firstIssuedAt}`);
    }
    if (seq + 1n < first) node.missing.unshift({ from: (seq + 1n).toString(), to: (first - 1n).toString(), after: receipt.issuedAt, before: firstAt });
    node.first = seq.toString();
    node.firstIssuedAt = receipt.issuedAt;
    return;
  }
  findings.add({ kind: "duplicate-sequence", ...where, message: `node ${receipt.servingNode}: sequence ${seq} appears again (receipt ${receipt.receiptId}): one sequence number, two answers` });
}

/**
 * The public audit: every answer one model version produced in a time window, from published batches
 * and the chain only (no operator store), each with its proof bundle — and what could hide answers from
 * that list: sequence gaps overlapping the window and batches anchored but not published. It is one
 * monitor pass (see {@link monitorLog}) that also collects the matching receipts.
 *
 * @module
 */
import type { Address, Hex } from "viem";

import { buildBundle } from "../bundle/buildBundle.js";
import type { ProofBundle } from "../bundle/types.js";
import type { Finding, MonitorReport } from "./types.js";
import { monitorLog, type MonitorLogParameters } from "./monitorLog.js";
import { compareChains, type ChainLog, type CrossChainReport, type WitnessAnchor } from "./crossChain.js";

/** Parameters of {@link auditPublished}: a monitor run plus the question. */
export interface AuditPublishedParameters extends Omit<MonitorLogParameters, "onReceipt" | "state"> {
  readonly modelId: Hex;
  /** The version (weights digest). */
  readonly weightsDigest: Hex;
  /** Issued at or after (unix seconds). */
  readonly from: number;
  /** Issued at or before (unix seconds). */
  readonly to: number;
  /**
   * The other chains the log is anchored on (issue #23): each answer's bundle carries the anchors of every chain that
   * holds its batch's root, and a batch missing on a chain or with another root there is a cross-chain finding.
   */
  readonly witnesses?: readonly Omit<ChainLog, "fromBlock">[];
  /** The primary chain's name in cross-chain findings (default "chain <id>"). */
  readonly primaryName?: string;
  /** A batch missing on a chain is a finding once anchored elsewhere this long ago, seconds (default 3,600). */
  readonly witnessGrace?: number;
}

/** One answer of the version in the window. */
export interface PublicAuditEntry {
  readonly receiptId: Hex;
  readonly issuedAt: number;
  readonly servingNode: Address;
  readonly sequence: string;
  readonly batchIndex: number;
  readonly leafIndex: number;
  readonly batchSize: number;
  readonly anchor: { readonly chainId: number; readonly contract: Address; readonly logId: Hex; readonly txHash: Hex; readonly blockNumber: number; readonly anchoredAt: number };
  /** With witnesses: the other chains holding this batch's root (same root; the primary's anchor is `anchor`). */
  readonly alsoOn?: readonly WitnessAnchor[];
  /**
   * Whether the version was the active one from the answer's time to its anchoring (the verifier's rule,
   * `judgeModelVersion`; undefined: unchecked — no timeline, or the timeline changed in between and nothing bounds
   * a moved-back time).
   */
  readonly activeThen: boolean | undefined;
}

/** What {@link auditPublished} returns. */
export interface AuditPublishedReturnType {
  readonly entries: readonly PublicAuditEntry[];
  readonly bundles: readonly ProofBundle[];
  /** Sequence gaps whose surrounding receipts overlap the window: answers the list may be missing. */
  readonly gaps: readonly Finding[];
  /**
   * Batches anchored but not published, or published altered (root, leaf count) or unreadable: their answers cannot
   * be listed. An altered batch counts as withheld.
   */
  readonly withheldBatches: readonly number[];
  /**
   * True only when nothing could hide an answer of the window: no gap overlapping it, no withheld, altered or
   * unreadable batch, the log's head recomputed from its events, and nothing left unchecked. See {@link AUDIT_CANNOT_COVER}
   * for what even a complete audit cannot see.
   */
  readonly complete: boolean;
  /** Why the audit is not complete, one sentence each (empty when complete). */
  readonly incomplete: readonly string[];
  /** Whether what is missing is a finding (1) or only what could not be checked (2); undefined when complete. */
  readonly incompleteKind: "findings" | "unchecked" | undefined;
  /** The monitor's report of the same pass (all findings of the log, not only the window's). */
  readonly report: MonitorReport;
  /** With witnesses: every chain's log compared with the primary's (findings: withheld on a chain, chains disagree). */
  readonly crossChain?: CrossChainReport;
}

/**
 * Lists every answer of a model version in [from, to] from a published log, with bundles and gaps.
 * @example
 * const { entries, gaps } = await auditPublished({ client, contract, logId, source: openSource(dir), modelId, weightsDigest: v2, from, to });
 */
export async function auditPublished(params: AuditPublishedParameters): Promise<AuditPublishedReturnType> {
  const entries: PublicAuditEntry[] = [];
  const bundles: ProofBundle[] = [];
  const modelId = params.modelId.toLowerCase();
  const weightsDigest = params.weightsDigest.toLowerCase();
  const chainId = await params.client.getChainId();
  const witnesses = params.witnesses ?? [];
  // The other chains first, so that each answer's bundle carries every anchor of its batch.
  const crossChain =
    witnesses.length === 0
      ? undefined
      : await compareChains({
          primary: { name: params.primaryName ?? `chain ${chainId}`, client: params.client, contract: params.contract, logId: params.logId, ...(params.fromBlock === undefined ? {} : { fromBlock: params.fromBlock }) },
          witnesses,
          ...(params.witnessGrace === undefined ? {} : { graceSeconds: params.witnessGrace }),
          ...(params.pageBlocks === undefined ? {} : { pageBlocks: params.pageBlocks }),
        });
  const { witnesses: _w, primaryName: _p, witnessGrace: _g, ...monitorParams } = params;
  const { report } = await monitorLog({
    ...monitorParams,
    onReceipt: ({ receipt, batch, leafIndex, tree, version }) => {
      if (receipt.modelId !== modelId || receipt.weightsDigest !== weightsDigest) return;
      if (receipt.issuedAt < params.from || receipt.issuedAt > params.to) return;
      const alsoOn = crossChain?.alsoAnchored.get(batch.index) ?? [];
      entries.push({
        receiptId: receipt.receiptId,
        issuedAt: receipt.issuedAt,
        servingNode: receipt.servingNode,
        sequence: receipt.sequence.toString(),
        batchIndex: batch.index,
        leafIndex,
        batchSize: tree.size,
        anchor: { chainId, contract: params.contract, logId: params.logId, txHash: batch.txHash, blockNumber: batch.blockNumber, anchoredAt: batch.anchoredAt },
        activeThen: version === undefined || version.status === "error" ? undefined : version.status === "pass",
        ...(crossChain === undefined ? {} : { alsoOn }),
      });
      bundles.push(
        buildBundle({
          tree,
          receipt,
          anchors: [
            { chainId, contract: params.contract, logId: params.logId, batchIndex: batch.index, txHash: batch.txHash, blockNumber: batch.blockNumber },
            ...alsoOn.map((w) => ({ chainId: w.chainId, contract: w.contract, logId: w.logId, batchIndex: w.batchIndex, txHash: w.txHash, blockNumber: w.blockNumber })),
          ],
        }),
      );
    },
  });
  const gaps = report.open.gaps.filter((g) => (g.issuedAt ?? 0) <= params.to && (g.until ?? Number.POSITIVE_INFINITY) >= params.from);
  // An altered or unreadable batch hides its answers as surely as a withheld one.
  const altered = report.findings.filter((f) => HIDING_KINDS.includes(f.kind as (typeof HIDING_KINDS)[number]) && f.batchIndex !== undefined).map((f) => f.batchIndex!);
  const withheldBatches = [...new Set([...report.open.withheldBatches, ...altered])].sort((a, b) => a - b);
  const incomplete: string[] = [];
  const findingsHiding = gaps.length > 0 || withheldBatches.length > 0 || (report.findingCounts["head-mismatch"] ?? 0) > 0 || HIDING_KINDS.some((k) => (report.findingCounts[k] ?? 0) > 0);
  if (gaps.length > 0) incomplete.push(`${gaps.length} sequence gap${gaps.length === 1 ? "" : "s"} overlap the window`);
  if (report.open.withheldBatches.length > 0) incomplete.push(`batches ${report.open.withheldBatches.join(", ")} are anchored but not published`);
  for (const kind of HIDING_KINDS) {
    const n = report.findingCounts[kind] ?? 0;
    if (n > 0) incomplete.push(`${n} published batch${n === 1 ? " is" : "es are"} ${kind === "unreadable-batch" ? "unreadable" : `not what was anchored (${kind})`}: counted as withheld`);
  }
  if ((report.findingCounts["head-mismatch"] ?? 0) > 0) incomplete.push("the log's head does not recompute from its events: batches may be missing from the chain's record");
  for (const u of report.unchecked) incomplete.push(`not checked: ${u.check}${u.batchIndex === undefined ? "" : ` (batch ${u.batchIndex})`}: ${u.reason}`);
  // Every chain is followed: a batch withheld on one of them, or another root there, is a finding (exit 1); a chain
  // that could not be read leaves the audit unchecked (exit 2).
  const crossFindings = crossChain?.findings ?? [];
  for (const f of crossFindings) incomplete.push(f.message);
  for (const u of crossChain?.unchecked ?? []) incomplete.push(`not checked: ${u.check}: ${u.reason}`);
  const complete = incomplete.length === 0;
  return {
    entries,
    bundles,
    gaps,
    withheldBatches,
    complete,
    incomplete,
    incompleteKind: complete ? undefined : findingsHiding || crossFindings.length > 0 ? "findings" : "unchecked",
    report,
    ...(crossChain === undefined ? {} : { crossChain }),
  };
}

/** Findings that make a published batch's answers unlistable: the batch counts as withheld. */
const HIDING_KINDS = ["root-mismatch", "leaf-count-mismatch", "unreadable-batch"] as const;

/**
 * What "complete" cannot cover, said with every complete audit: answers are found missing by gaps in a node's sequence
 * numbers, so a node's last answers after its last published receipt (no later number shows they exist), and a node
 * that never appears in the published log at all, are invisible to any audit of published batches.
 */
export const AUDIT_CANNOT_COVER =
  "complete cannot cover a node's last answers after its last published receipt, nor a serving node that never appears in the published log (gaps are found from later sequence numbers)";

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

/** Parameters of {@link auditPublished}: a monitor run plus the question. */
export interface AuditPublishedParameters extends Omit<MonitorLogParameters, "onReceipt" | "state"> {
  readonly modelId: Hex;
  /** The version (weights digest). */
  readonly weightsDigest: Hex;
  /** Issued at or after (unix seconds). */
  readonly from: number;
  /** Issued at or before (unix seconds). */
  readonly to: number;
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
  /** Whether the version was the active one at the answer's time (per the log's timeline; undefined: unchecked). */
  readonly activeThen: boolean | undefined;
}

/** What {@link auditPublished} returns. */
export interface AuditPublishedReturnType {
  readonly entries: readonly PublicAuditEntry[];
  readonly bundles: readonly ProofBundle[];
  /** Sequence gaps whose surrounding receipts overlap the window: answers the list may be missing. */
  readonly gaps: readonly Finding[];
  /** Batches anchored but not published: their answers cannot be listed. */
  readonly withheldBatches: readonly number[];
  /** The monitor's report of the same pass (all findings of the log, not only the window's). */
  readonly report: MonitorReport;
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
  const { report } = await monitorLog({
    ...params,
    onReceipt: ({ receipt, batch, leafIndex, tree, activeVersion }) => {
      if (receipt.modelId !== modelId || receipt.weightsDigest !== weightsDigest) return;
      if (receipt.issuedAt < params.from || receipt.issuedAt > params.to) return;
      entries.push({
        receiptId: receipt.receiptId,
        issuedAt: receipt.issuedAt,
        servingNode: receipt.servingNode,
        sequence: receipt.sequence.toString(),
        batchIndex: batch.index,
        leafIndex,
        batchSize: tree.size,
        anchor: { chainId, contract: params.contract, logId: params.logId, txHash: batch.txHash, blockNumber: batch.blockNumber, anchoredAt: batch.anchoredAt },
        activeThen: activeVersion === undefined ? undefined : activeVersion === weightsDigest,
      });
      bundles.push(
        buildBundle({
          tree,
          receipt,
          anchor: { chainId, contract: params.contract, logId: params.logId, batchIndex: batch.index, txHash: batch.txHash, blockNumber: batch.blockNumber },
        }),
      );
    },
  });
  const gaps = report.open.gaps.filter((g) => (g.issuedAt ?? 0) <= params.to && (g.until ?? Number.POSITIVE_INFINITY) >= params.from);
  return { entries, bundles, gaps, withheldBatches: report.open.withheldBatches, report };
}

/**
 * The compromise rule, in one place (issue #22 item 3; shared decision 4): a serving node's key reported compromised
 * since T (`ReceiptLogs.reportSignerCompromise`) signs validly only for receipts whose batch was anchored before T,
 * whatever `issuedAt` says. On-chain the cut-off is the report's `fromBatch` (the first batch anchored at or after T:
 * the contract stores no batch times), and `ReceiptLogs.isReceiptSignerValid` applies the same rule; off-chain, where
 * the anchoring block's time is known, the time is checked too. The verifier, the monitor and the anchoring service
 * (which refuses a reported key's receipts at ingestion: anything it anchors from now on is anchored after T) all
 * call {@link judgeCompromise}.
 *
 * A plain retirement (`revokeSigner`) is not a compromise: receipts issued before it stay valid, however late they
 * are anchored (late is not lost).
 *
 * @module
 */

/** A compromise report as `ReceiptLogs.signerCompromise` returns it (`reportedAt` 0 = none). */
export interface SignerCompromiseReport {
  readonly since: bigint | number;
  readonly fromBatch: bigint | number;
  readonly reportedAt: bigint | number;
}

/** Where a receipt was anchored, when it was (batch index and the anchoring block's time, unix seconds). */
export interface AnchoringPlace {
  readonly batchIndex: bigint | number;
  readonly anchoredAt: number;
}

/** The outcome: valid, or why not (a sentence for a verdict or a finding). */
export type CompromiseJudgement =
  | { readonly valid: true; readonly reported: boolean }
  | { readonly valid: false; readonly reason: string; readonly since: number; readonly fromBatch: bigint };

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString().replace(".000Z", "Z");

/** Whether `report` names a compromise at all. */
export function isReported(report: SignerCompromiseReport | undefined): report is SignerCompromiseReport {
  return report !== undefined && BigInt(report.reportedAt) !== 0n;
}

/**
 * Judges one receipt of a signer against its compromise report: valid when there is no report, or when the receipt
 * was issued before `since` and anchored in a batch before `fromBatch` at a time before `since`. `anchoring`
 * undefined (not anchored yet, or unknown): a reported key is refused, since the batch will be anchored from now on.
 */
export function judgeCompromise(report: SignerCompromiseReport | undefined, issuedAt: number, anchoring: AnchoringPlace | undefined): CompromiseJudgement {
  if (!isReported(report)) return { valid: true, reported: false };
  const since = Number(report.since);
  const fromBatch = BigInt(report.fromBatch);
  const head = `the serving node's key was reported compromised since ${iso(since)} (report at ${iso(Number(report.reportedAt))}, batches from #${fromBatch} untrusted)`;
  if (anchoring === undefined) {
    return { valid: false, since, fromBatch, reason: `${head}: this receipt is not anchored yet, so it would be anchored after the key may have leaked` };
  }
  if (BigInt(anchoring.batchIndex) >= fromBatch) {
    return { valid: false, since, fromBatch, reason: `${head}: this receipt is in batch #${anchoring.batchIndex}, anchored at ${iso(anchoring.anchoredAt)}, after the key may have leaked (its issuedAt ${iso(issuedAt)} is the signer's word)` };
  }
  if (anchoring.anchoredAt >= since) {
    return { valid: false, since, fromBatch, reason: `${head}: this receipt's batch #${anchoring.batchIndex} was anchored at ${iso(anchoring.anchoredAt)}, after the key may have leaked (the report's batch cut-off is later than its time)` };
  }
  if (issuedAt >= since) {
    return { valid: false, since, fromBatch, reason: `${head}: this receipt claims to be issued at ${iso(issuedAt)}, after that` };
  }
  return { valid: true, reported: true };
}

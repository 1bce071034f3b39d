/**
 * The monitor's findings, report and state file.
 *
 * @module
 */
import type { Address, Hex } from "viem";

import type { AnchoredBatchEvent } from "./chain.js";

/** What the monitor can find wrong with a log. */
export const FINDING_KINDS = [
  /** A batch is anchored on chain but its file is not published. */
  "withheld-batch",
  /** A published batch file is not a valid saved batch (JSON, format, a receipt). */
  "unreadable-batch",
  /** A published batch's receipts do not hash to the anchored root (the file was altered after anchoring). */
  "root-mismatch",
  /** A published batch has another number of receipts than the anchored leaf count. */
  "leaf-count-mismatch",
  /** The log's head does not recompute from its BatchAnchored events (an event is missing or altered). */
  "head-mismatch",
  /** A receipt carries no signature: who served it is not shown. */
  "unsigned-receipt",
  /** A receipt's signature is malformed or was not made by its `servingNode`. */
  "bad-signature",
  /** A receipt was signed by a node not authorised for the log at the receipt's time. */
  "unauthorised-node",
  /** A receipt was signed by a key reported compromised, and its batch was anchored after the compromise. */
  "compromised-signer",
  /** A serving node's sequence numbers skip: answers were left out of the log. */
  "sequence-gap",
  /** A serving node's sequence number appears twice. */
  "duplicate-sequence",
  /** A serving node's receipt is older than its previous one. */
  "time-order",
  /** A receipt claims a time after its batch was anchored. */
  "issued-after-anchor",
  /** A receipt was anchored later than the log's declared maximum anchoring delay. */
  "late-anchor",
  /** A receipt claims a model version that was not the active one at its time (e.g. after a rollback). */
  "inactive-version",
  /** A receipt names a model the log's timeline does not know. */
  "unknown-model",
  /** Two chains hold different roots for the same batch of the log (several anchoring chains). */
  "chain-disagreement",
  /** A batch anchored on one chain is not anchored on another, past the grace period (withheld on a chain). */
  "missing-on-chain",
] as const;

/** One kind of finding. */
export type FindingKind = (typeof FINDING_KINDS)[number];

/** Something the monitor found. */
export interface Finding {
  readonly kind: FindingKind;
  /** One sentence: what was found, what was expected. */
  readonly message: string;
  readonly batchIndex?: number;
  readonly leafIndex?: number;
  readonly receiptId?: Hex;
  readonly servingNode?: Address;
  /** Sequence number (decimal). */
  readonly sequence?: string;
  /** A gap's missing sequence numbers, inclusive (decimal). */
  readonly missing?: { readonly from: string; readonly to: string; readonly count: string };
  readonly issuedAt?: number;
  /** For a gap: the time of the receipt after it (`issuedAt` is the one before it). */
  readonly until?: number;
  readonly weightsDigest?: Hex;
  readonly activeVersion?: Hex;
  readonly modelId?: Hex;
  readonly expected?: string;
  readonly found?: string;
}

/** A check the monitor could not run, and why. */
export interface Unchecked {
  readonly check: string;
  readonly reason: string;
  readonly batchIndex?: number;
}

/** Per serving node, what the monitor has seen (state file form: decimal strings). */
export interface NodeState {
  /** The first sequence number seen. */
  first: string;
  /** issuedAt of the first sequence seen (absent in state files of earlier releases). */
  firstIssuedAt?: number;
  /** The sequence number expected next (the highest seen + 1). */
  next: string;
  /** issuedAt of the highest sequence seen. */
  lastIssuedAt: number;
  receipts: number;
  /** Open gaps [from, to] (inclusive), with the issuedAt of the receipts around them. */
  missing: { from: string; to: string; after: number; before: number }[];
}

/** Format tag of the monitor's state file. */
export const MONITOR_STATE_FORMAT = "showwork/monitor-state@1" as const;

/** What the monitor keeps between runs (`--state FILE`). */
export interface MonitorState {
  format: typeof MONITOR_STATE_FORMAT;
  chainId: number;
  contract: Address;
  logId: Hex;
  creationBlock: number;
  genesisHead: Hex;
  /** BatchAnchored events have been read up to this block. */
  scannedBlock: number;
  /** The next batch index whose event is expected (= batches whose head was checked). */
  nextIndex: number;
  /** The head after batch `nextIndex - 1` (the genesis head at first). */
  head: Hex;
  /** Anchored batches not published yet (or not readable last time): fetched again next run. */
  pending: AnchoredBatchEvent[];
  nodes: Record<string, NodeState>;
  totals: { batches: number; receipts: number; bytes: number; findings: Partial<Record<FindingKind, number>> };
  updatedAt: string;
}

/** Format tag of the monitor's report. */
export const MONITOR_REPORT_FORMAT = "showwork/monitor-report@1" as const;

/** The outcome of one monitor run (what `showwork monitor --json` prints). */
export interface MonitorReport {
  readonly format: typeof MONITOR_REPORT_FORMAT;
  /** clean (exit 0): nothing found, everything checked; findings (exit 1); incomplete (exit 2): nothing found but something could not be checked. */
  readonly status: "clean" | "findings" | "incomplete";
  readonly chainId: number;
  readonly contract: Address;
  readonly logId: Hex;
  readonly source: string;
  /** The block every chain read was pinned to. */
  readonly block: number;
  /** The log's head and size at that block; whether the head recomputed from the events. */
  readonly head: { readonly head: Hex; readonly size: number; readonly recomputed: boolean };
  readonly timeline: Address | undefined;
  /** This run: batches and receipts checked, bytes read. */
  readonly checked: { readonly batches: number; readonly receipts: number; readonly bytes: number; readonly elapsedMs: number; readonly receiptsPerSecond: number };
  /** Findings of this run (the first `maxFindingsPerKind` of each kind). */
  readonly findings: readonly Finding[];
  /** Findings of this run by kind (all of them). */
  readonly findingCounts: Partial<Record<FindingKind, number>>;
  /** Still open after this run: withheld batches and sequence gaps (each also among the findings). */
  readonly open: { readonly withheldBatches: readonly number[]; readonly gaps: readonly Finding[] };
  readonly unchecked: readonly Unchecked[];
  readonly nodes: readonly { readonly servingNode: Address; readonly receipts: number; readonly first: string; readonly last: string; readonly openGaps: number }[];
  /** Since the first run of this state: batches, receipts, findings by kind. */
  readonly totals: MonitorState["totals"];
  /** With witness chains (`--witness`): each chain's log size and what was compared with the primary. */
  readonly chains?: readonly { readonly name: string; readonly size: number; readonly compared: number; readonly missing: number; readonly disagreeing: number }[];
}

/**
 * What the anchoring service reports while it works (progress displays, logs, metrics).
 * Retries are normal: every RPC failure, resubmission, fee bump and reorg is an event.
 *
 * @module
 */
import type { Hex } from "viem";

/** Kinds of retry the service performs. */
export type RetryKind =
  | "rpc-error"
  | "resubmit-unsent"
  | "resubmit-dropped"
  | "fee-bump"
  | "reorg"
  | "nonce-taken"
  | "tx-reverted"
  /** Batches found in the log with our roots, without a transaction the store tracked: adopted. */
  | "adopted";

/**
 * An event of the anchoring service. Events of an extra anchoring chain (`chains[1..]`) name it in
 * `chain` (their batch numbers are that chain's log indices); the primary chain's have no `chain`.
 */
export type ServiceEvent = ServiceEventBody & { readonly chain?: string };

/** The events without the chain they concern. */
export type ServiceEventBody =
  | { readonly type: "recorded"; readonly count: number; readonly lastSeq: number }
  | { readonly type: "batch-closed"; readonly batchIndex: number; readonly leafCount: number; readonly root: Hex; readonly why: string }
  | {
      readonly type: "tx-submitted";
      readonly nonce: number;
      readonly txHash: Hex;
      readonly firstBatch: number;
      readonly lastBatch: number;
    }
  | {
      readonly type: "anchored";
      readonly firstBatch: number;
      readonly lastBatch: number;
      readonly txHash: Hex;
      readonly blockNumber: number;
      readonly receipts: number;
      /** From the transaction's receipt (absent when the batches were found through their event). */
      readonly gasUsed?: bigint;
      /** gasUsed × effectiveGasPrice, wei. */
      readonly feeWei?: bigint;
    }
  | { readonly type: "final"; readonly firstBatch: number; readonly lastBatch: number; readonly receipts: number }
  | { readonly type: "retry"; readonly kind: RetryKind; readonly message: string; readonly txHash?: Hex }
  | { readonly type: "halted"; readonly reason: string; readonly message: string }
  /** This instance took or lost the anchoring role (several instances on one PostgreSQL store). */
  | { readonly type: "anchoring-role"; readonly held: boolean; readonly epoch: number; readonly holder: string | undefined }
  /** Something an operator should act on before it stops anchoring (low balance, a rejected transaction). */
  | { readonly type: "warning"; readonly kind: WarningKind; readonly message: string; readonly metaMessages?: readonly string[] };

/** Kinds of {@link ServiceEvent} warnings. */
export type WarningKind = "low-balance" | "tx-rejected";

/** A listener of service events. */
export type ServiceEventListener = (event: ServiceEvent) => void;

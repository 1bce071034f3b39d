/**
 * The anchoring service (Node only: its store is `node:sqlite` or PostgreSQL): record receipts durably,
 * batch them, anchor each batch root on chain, serve states and proof bundles.
 * See docs/service.md.
 *
 * @module
 */
export {
  AnchoringService,
  type Acknowledgement,
  type AnchoringServiceOptions,
  type BatchStatus,
  type ReceiptStatus,
  type ServiceChain,
  type ServiceHealth,
  type ServiceMetrics,
} from "./AnchoringService.js";
export { DEFAULT_ANCHORER_POLICY, type AnchorerPolicy, type AnchorWalletClient } from "./anchor/anchorer.js";
export { findBatchAnchored, readBatchRoot, readLogSize, type BatchAnchoredEvent, type LogLocation } from "./anchor/receiptLogsReader.js";
export { DEFAULT_BATCHING, nextBatchCut, type BatchCut, type BatchingPolicy } from "./batching.js";
export { BatchTreeCache } from "./batchTree.js";
export { readBundle } from "./bundles.js";
export { connectEmbedded, connectRpc, type ServiceClients } from "./chain/connect.js";
export {
  bindServiceTimeline,
  createServiceLog,
  deployModelTimeline,
  deployReceiptLogs,
  grantServiceSigner,
  setupServiceLog,
  type LogSetup,
  type ServiceLogOptions,
} from "./chain/setupLog.js";
export {
  AnchorLeaseLostError,
  AnchoringHaltedError,
  BatchNotFoundError,
  ProofNotAvailableError,
  ReceiptNotFoundError,
  RecordRejectedError,
  ServiceConfigError,
  StoreBindingError,
  StoreLockedError,
  StoreSchemaError,
  type RecordRejectionReason,
} from "./errors.js";
export type { RetryKind, ServiceEvent, ServiceEventListener } from "./events.js";
export { createServiceApp, type ServiceAppOptions } from "./http/app.js";
export { startHttpServer, type RunningServer } from "./http/server.js";
export { BATCH_STATES, RECEIPT_STATES, hasProof, type BatchState, type ReceiptState } from "./states.js";
export { SqliteReceiptStore, type SqliteStoreOptions } from "./store/sqlite.js";
export { PostgresReceiptStore, type PostgresStoreOptions } from "./store/postgres.js";
export { isPostgresUrl, openStore, type OpenStoreOptions } from "./store/open.js";
export type * from "./store/types.js";
export { DEFAULT_SUBMISSION_LIMITS, parseSubmissionText, validateSubmission, type SubmissionLimits } from "./validateSubmission.js";
export {
  closeSharedSignatureCheckPool,
  createSignatureCheckPool,
  sharedSignatureCheckPool,
  type SignatureCheckPool,
  type SignatureCheckPoolOptions,
} from "../receipt/signatureCheckPool.js";
export { buildReceiptTreeParallel, closeTreeWorkerPool, type ParallelTreeOptions } from "../tree/buildTreeParallel.js";

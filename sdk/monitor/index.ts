/** The log monitor: follow a log from the chain, check every published batch, find what is missing. @module */
export {
  activeVersionAt,
  authorisedAt,
  computeHead,
  LogReader,
  MonitorChainError,
  signerHistoryAbi,
  strictestDelay,
  type AnchoredBatchEvent,
  type DelayChange,
  type LogCreation,
  type SignerPeriod,
} from "./chain.js";
export { formatMonitorReport, monitorExitCode } from "./formatReport.js";
export { monitorLog, MonitorStateError, parseMonitorState, type CheckedReceipt, type MonitorLogParameters } from "./monitorLog.js";
export { DirectorySource, HttpSource, MonitorSourceError, openSource, type BatchSource } from "./source.js";
export {
  FINDING_KINDS,
  MONITOR_REPORT_FORMAT,
  MONITOR_STATE_FORMAT,
  type Finding,
  type FindingKind,
  type MonitorReport,
  type MonitorState,
  type NodeState,
  type Unchecked,
} from "./types.js";
export { auditPublished, type AuditPublishedParameters, type AuditPublishedReturnType, type PublicAuditEntry } from "./auditPublished.js";

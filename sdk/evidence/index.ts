/**
 * The evidence store (Node only: `node:sqlite` or PostgreSQL, `node:crypto`): content and salts that open
 * receipts' commitments, the exact upstream requests, and content-addressed artifacts.
 * See docs/capture.md.
 *
 * @module
 */
export { EVIDENCE_FORMAT, type Artifact, type CaptureMetadata, type ContentOpening, type EvidenceStore, type MemoryEvidence, type ReceiptEvidence, type RetrievalEvidence, type TemplateEvidence, type ToolEvidence } from "./types.js";
export { SqliteEvidenceStore, type SqliteEvidenceStoreOptions } from "./sqlite.js";
export { PostgresEvidenceStore, type PostgresEvidenceStoreOptions } from "./postgres.js";
export { EVIDENCE_KEY_ENV, EvidenceCipher, evidenceKeyFromEnv, parseEvidenceKey } from "./encryption.js";
export { EvidenceConflictError, EvidenceKeyError, EvidenceStoreClosedError, InvalidEvidenceError, type EvidenceKeyProblem } from "./errors.js";
export { assertEvidence, openingContent } from "./validate.js";
export { checkEvidence, type EvidenceCheck, type EvidenceMismatch } from "./check.js";

/**
 * Disclosure (format v1): show any part of an answer's conditions and let anyone check it against
 * the anchored receipt; retrieval and memory snapshots as Merkle trees; building a disclosure from the
 * evidence store; replay against an OpenAI-compatible endpoint. No Node built-ins (browser-safe): the
 * stores themselves are opened by the caller.
 *
 * @module
 */
export {
  contentDigestOf,
  MEMORY_RECORD_TYPEHASH,
  RETRIEVAL_DOCUMENT_TYPEHASH,
  Snapshot,
  snapshotLeaf,
  type SnapshotEntry,
  type SnapshotKind,
  type SnapshotProof,
} from "./snapshot.js";
export {
  DISCLOSURE_FORMAT,
  type DisclosedEntry,
  type DisclosedPieces,
  type DisclosedTemplate,
  type DisclosedTool,
  type Disclosure,
  type DisclosureJson,
  type EvidenceDeleted,
  type Opening,
} from "./types.js";
export { parseDisclosure, toDisclosureJson } from "./parseDisclosure.js";
export { checkDisclosure, promptTemplateDigestOf, type DisclosurePieceResult, type DisclosureReport } from "./checkDisclosure.js";
export { DisclosureInputError, EvidenceNotFoundError, ReplayError } from "./errors.js";
export { formatDisclosureReport, printable, type FormatDisclosureOptions } from "./formatDisclosure.js";
export { buildDisclosure, deletedDisclosure, DISCLOSURE_FIELDS_HELP, type ArtifactReader, type BuildDisclosureParameters } from "./buildDisclosure.js";
export { lineDiff, replayReceipt, type ReplayReceiptParameters, type ReplayResult, type ReplaySide } from "./replay.js";

/**
 * The evidence store: what the operator keeps so that a receipt's commitments can be opened
 * (disclosure) and its answer replayed. A receipt shows only salted digests; its evidence
 * holds the content and the salts behind them, plus the exact upstream request.
 *
 * Two kinds of record:
 * - artifacts: content-addressed blobs (`digest = keccak256(bytes)`): prompt template texts,
 *   retrieval documents, memory records. Shared between receipts; written once.
 * - evidence: one record per receipt ({@link ReceiptEvidence}), keyed by its receipt id.
 *
 * Implementations: {@link SqliteEvidenceStore} (embedded, beside the receipt store; optional
 * AES-256-GCM encryption at rest), a PostgreSQL one in `sdk/service/store/` (scale-out).
 *
 * @module
 */
import type { Hex } from "viem";

import type { JsonValue } from "../receipt/samplingDigest.js";

/** The format tag of a v1 evidence record. */
export const EVIDENCE_FORMAT = "showwork/evidence@1" as const;

/**
 * What opens one salted commitment `keccak256(salt ‖ bytes)`.
 * `encoding: "utf8"`: `content` is text, committed as its UTF-8 bytes (the usual case: prompts,
 * answers, JSON tool arguments). `encoding: "hex"`: `content` is `0x`-hex of raw bytes.
 */
export interface ContentOpening {
  readonly content: string;
  readonly encoding: "utf8" | "hex";
  /** The 32-byte salt (keep private; disclose with the content). */
  readonly salt: Hex;
}

/** One tool call's openings, in the receipt's call order (same index as `receipt.tools[i]`). */
export interface ToolEvidence {
  readonly name: string;
  readonly input: ContentOpening;
  readonly output: ContentOpening;
}

/** The prompt template a receipt claims. `artifact` is the digest of the stored template text, when stored. */
export interface TemplateEvidence {
  readonly id: string;
  readonly version: number;
  /** The receipt's `promptTemplateDigest`. */
  readonly digest: Hex;
  readonly artifact?: Hex;
}

/** The retrieval index snapshot an answer used. */
export interface RetrievalEvidence {
  /** The receipt's `retrievalIndexDigest`. */
  readonly root: Hex;
  /** The documents of the snapshot (each `artifact` is the digest of its stored bytes). */
  readonly documents: readonly { readonly id: string; readonly artifact: Hex }[];
}

/** The agent memory an answer saw. */
export interface MemoryEvidence {
  /** The receipt's `memoryDigest`. */
  readonly root: Hex;
  readonly records: readonly { readonly id: string; readonly artifact: Hex }[];
}

/**
 * The evidence of one receipt: the openings of all its commitments, and what replay needs.
 * Written by capture (sdk/capture/) when the answer is delivered; read by disclosure and replay.
 */
export interface ReceiptEvidence {
  readonly format: typeof EVIDENCE_FORMAT;
  readonly receiptId: Hex;
  /** The receipt's `issuedAt` (unix seconds): retention deletes by it. */
  readonly issuedAt: number;
  /** The model as the receipt names it: `modelId = keccak256(utf8(name))`, and its weights digest. */
  readonly model: { readonly name: string; readonly weightsDigest: Hex };
  /** The exact upstream request body (JSON), for replay. */
  readonly request: JsonValue;
  /** Opens `receipt.inputDigest`. */
  readonly input: ContentOpening;
  /** Opens `receipt.outputDigest`. */
  readonly output: ContentOpening;
  /** Opens `receipt.tools[i].inputDigest / outputDigest`, same order. */
  readonly tools: readonly ToolEvidence[];
  /** Opens `receipt.samplingDigest` (the object whose RFC 8785 canonical JSON is hashed). */
  readonly sampling: { readonly [key: string]: JsonValue };
  readonly template?: TemplateEvidence;
  readonly retrieval?: RetrievalEvidence;
  readonly memory?: MemoryEvidence;
  /** How the answer was captured, and what the capture could not see (see {@link CaptureMetadata}). */
  readonly capture?: CaptureMetadata;
}

/**
 * How an answer was captured (optional; written by the adapters that read someone else's record
 * of the exchange: `showwork/otel`, `showwork/langchain`).
 */
export interface CaptureMetadata {
  /** The adapter: "otel" (a GenAI span), "langchain" (callbacks). */
  readonly via: string;
  /**
   * Parts the adapter did not see, committed as JSON `null` instead (never invented): "input",
   * "output" (e.g. an OpenTelemetry span recorded without message content).
   */
  readonly absent?: readonly ("input" | "output")[];
  /** Where the content was read from, e.g. "attributes", "events", "logs". */
  readonly contentFrom?: string;
  /** The trace and span the receipt was made from (OpenTelemetry), or the run (LangChain). */
  readonly traceId?: string;
  readonly spanId?: string;
  readonly runId?: string;
}

/** One content-addressed artifact. */
export interface Artifact {
  /** keccak256(bytes), lowercase. */
  readonly digest: Hex;
  /** e.g. "text/plain; charset=utf-8", "application/json". */
  readonly mediaType: string;
  readonly bytes: Uint8Array;
}

/**
 * An evidence store. All methods are async so that a database server can implement it; the
 * SQLite implementation commits concurrent calls together (group commit).
 */
export interface EvidenceStore {
  /**
   * Stores artifacts (idempotent: an artifact already stored is left as is).
   * @throws {InvalidEvidenceError} (nothing stored) when a digest is not keccak256(bytes).
   */
  putArtifacts(items: readonly Artifact[]): Promise<void>;
  /** The artifact with this digest, or undefined. */
  getArtifact(digest: Hex): Promise<{ readonly mediaType: string; readonly bytes: Uint8Array } | undefined>;
  /** Deletes artifacts by digest (retention); returns how many were there. */
  deleteArtifacts(digests: readonly Hex[]): Promise<number>;
  /**
   * Stores one receipt's evidence, durably when the promise resolves. Idempotent by receipt id:
   * storing the same record again is a no-op.
   * @throws {InvalidEvidenceError} when the record is malformed;
   *   {@link EvidenceConflictError} when a different record is already stored under that id.
   */
  putEvidence(evidence: ReceiptEvidence): Promise<void>;
  /** The evidence of a receipt, or undefined. */
  getEvidence(receiptId: Hex): Promise<ReceiptEvidence | undefined>;
  /** Deletes one receipt's evidence (retention); false when there was none. */
  deleteEvidence(receiptId: Hex): Promise<boolean>;
  /** Deletes the evidence of every receipt issued before `issuedAt` (unix seconds); returns how many. */
  deleteEvidenceBefore(issuedAt: number): Promise<number>;
  /**
   * When a receipt's evidence was deleted (a tombstone `deleteEvidence`/`deleteEvidenceBefore` keep:
   * the receipt id and the time, no content), or undefined. Optional: a store without tombstones
   * cannot tell "deleted" from "never captured".
   */
  getDeletion?(receiptId: Hex): Promise<{ readonly deletedAt: number } | undefined>;
  /** Waits for pending writes, then closes. */
  close(): Promise<void>;
}

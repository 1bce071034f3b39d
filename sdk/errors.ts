/**
 * Errors thrown by the showwork SDK.
 *
 * Every error is a {@link ShowworkError}: it carries a one-line `shortMessage`,
 * optional `details` and `metaMessages` (extra lines that say what was expected,
 * what was found and what to do) and an optional `cause`. `walk()` follows the
 * `cause` chain to the root cause (modelled on viem's `BaseError`).
 *
 * @module
 */
import { show } from "./text/display.js";

/** Options shared by every {@link ShowworkError}. */
export interface ShowworkErrorOptions {
  /** The error that caused this one, if any. */
  cause?: unknown;
  /** A longer technical explanation (defaults to the cause's message). */
  details?: string;
  /** Extra lines printed under the short message (expected / found / what to do). */
  metaMessages?: string[];
  /** Overrides the error's `name`. */
  name?: string;
}

/** Base class of every error the SDK throws. */
export class ShowworkError extends Error {
  /** One line saying what went wrong. */
  readonly shortMessage: string;
  /** A longer technical explanation, if any. */
  readonly details: string | undefined;
  /** Extra lines (expected / found / what to do). */
  readonly metaMessages: string[] | undefined;
  override name = "ShowworkError";

  constructor(shortMessage: string, options: ShowworkErrorOptions = {}) {
    const details =
      options.details ??
      (options.cause instanceof ShowworkError
        ? (options.cause.details ?? options.cause.message)
        : options.cause instanceof Error
          ? options.cause.message
          : undefined);
    const message = [
      shortMessage,
      ...(options.metaMessages && options.metaMessages.length > 0 ? ["", ...options.metaMessages] : []),
      ...(details ? ["", `Details: ${details}`] : []),
    ].join("\n");
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.shortMessage = shortMessage;
    this.details = details;
    this.metaMessages = options.metaMessages;
    if (options.name) this.name = options.name;
  }

  /**
   * Follows the `cause` chain.
   * @param fn - stop at (and return) the first error for which `fn` returns true.
   * @returns without `fn`: the root cause; with `fn`: the first match, or `null`.
   */
  walk(fn?: (error: unknown) => boolean): unknown {
    return walk(this, fn);
  }
}

function walk(error: unknown, fn?: (error: unknown) => boolean): unknown {
  if (fn?.(error)) return error;
  if (error !== null && typeof error === "object" && "cause" in error && error.cause !== undefined) {
    return walk(error.cause, fn);
  }
  return fn ? null : error;
}


/** A receipt (or one of its fields) is malformed. Says which field, what was expected and what was found. */
export class InvalidReceiptError extends ShowworkError {
  override name = "InvalidReceiptError";
  /** Path of the offending field, e.g. `"inputDigest"` or `"tools[1].name"` (`""` for the receipt itself). */
  readonly field: string;
  /** What a valid value looks like. */
  readonly expected: string;
  /** What was found (the raw value). */
  readonly found: unknown;

  constructor(args: { field: string; expected: string; found: unknown; receiptIndex?: number; cause?: unknown }) {
    const where = args.receiptIndex === undefined ? "" : ` (receipt #${args.receiptIndex} of the batch)`;
    super(`Invalid receipt field "${args.field || "(receipt)"}"${where}.`, {
      cause: args.cause,
      metaMessages: [`Expected: ${args.expected}`, `Found:    ${show(args.found)}`],
    });
    this.field = args.field;
    this.expected = args.expected;
    this.found = args.found;
  }
}

/** Why a batch was rejected. */
export type InvalidBatchReason = "empty" | "duplicate-receipt-id" | "too-large";

/** A batch of receipts cannot form a tree (empty, duplicate receipt ids, too large). */
export class InvalidBatchError extends ShowworkError {
  override name = "InvalidBatchError";
  readonly reason: InvalidBatchReason;
  /** For `duplicate-receipt-id`: the id and the two positions where it occurs. */
  readonly receiptId: string | undefined;
  readonly indices: readonly number[] | undefined;

  constructor(args: { reason: InvalidBatchReason; receiptId?: string; indices?: number[]; details?: string }) {
    const short =
      args.reason === "empty"
        ? "A batch must contain at least one receipt."
        : args.reason === "duplicate-receipt-id"
          ? `Duplicate receipt id ${args.receiptId} in one batch (positions ${args.indices?.join(" and ")}).`
          : "The batch is too large.";
    super(short, {
      details: args.details,
      metaMessages:
        args.reason === "duplicate-receipt-id"
          ? ["Expected: every receipt id unique within its batch", "Do: give each receipt a fresh random receiptId"]
          : undefined,
    });
    this.reason = args.reason;
    this.receiptId = args.receiptId;
    this.indices = args.indices;
  }
}

/** A document (saved batch, receipt, bundle) declares a format this SDK does not know. */
export class UnsupportedFormatError extends ShowworkError {
  override name = "UnsupportedFormatError";
  readonly expected: readonly string[];
  readonly found: unknown;

  constructor(args: { expected: string[]; found: unknown; what: string }) {
    super(`Unsupported ${args.what} format.`, {
      metaMessages: [`Expected: ${args.expected.map((f) => JSON.stringify(f)).join(" or ")}`, `Found:    ${show(args.found)}`],
    });
    this.expected = args.expected;
    this.found = args.found;
  }
}

/** A proof, recomputed from the leaf, does not lead to the expected root. */
export class ProofMismatchError extends ShowworkError {
  override name = "ProofMismatchError";
  readonly expectedRoot: `0x${string}`;
  readonly computedRoot: `0x${string}`;

  constructor(args: { expectedRoot: `0x${string}`; computedRoot: `0x${string}`; what?: string }) {
    super(`The ${args.what ?? "proof"} does not lead to the expected root.`, {
      metaMessages: [`Expected root: ${args.expectedRoot}`, `Computed root: ${args.computedRoot}`],
    });
    this.expectedRoot = args.expectedRoot;
    this.computedRoot = args.computedRoot;
  }
}

/** Why a proof was rejected before (or instead of) comparing roots. */
export type InvalidProofReason =
  | "malformed"
  | "index-out-of-range"
  | "length-mismatch"
  | "invalid-multiproof"
  | "unknown-receipt";

/** A proof is structurally wrong: bad element, wrong length for its index, index out of range, bad multiproof. */
export class InvalidProofError extends ShowworkError {
  override name = "InvalidProofError";
  readonly reason: InvalidProofReason;
  readonly expected: string | undefined;
  readonly found: unknown;

  constructor(args: { reason: InvalidProofReason; message: string; expected?: string; found?: unknown }) {
    super(args.message, {
      metaMessages:
        args.expected === undefined ? undefined : [`Expected: ${args.expected}`, `Found:    ${show(args.found)}`],
    });
    this.reason = args.reason;
    this.expected = args.expected;
    this.found = args.found;
  }
}

/** The leaf stated in a bundle (or given by a caller) is not the leaf of the receipt. */
export class LeafMismatchError extends ShowworkError {
  override name = "LeafMismatchError";
  readonly expectedLeaf: `0x${string}`;
  readonly computedLeaf: `0x${string}`;

  constructor(args: { expectedLeaf: `0x${string}`; computedLeaf: `0x${string}` }) {
    super("The stated leaf is not the leaf of the receipt.", {
      metaMessages: [`Stated leaf:   ${args.expectedLeaf}`, `Computed leaf: ${args.computedLeaf}`],
    });
    this.expectedLeaf = args.expectedLeaf;
    this.computedLeaf = args.computedLeaf;
  }
}

/** A receipt signature is missing, malformed, or not made by the receipt's serving node. */
export class InvalidSignatureError extends ShowworkError {
  override name = "InvalidSignatureError";
  readonly reason: "missing" | "malformed" | "wrong-signer";
  readonly expectedSigner: string;
  readonly recoveredSigner: string | undefined;

  constructor(args: {
    reason: "missing" | "malformed" | "wrong-signer";
    expectedSigner: string;
    recoveredSigner?: string;
    cause?: unknown;
  }) {
    super(
      args.reason === "missing"
        ? "The receipt carries no signature."
        : args.reason === "malformed"
          ? "The receipt signature is malformed."
          : "The receipt was not signed by its serving node.",
      {
        cause: args.cause,
        metaMessages: [
          `Expected signer: ${args.expectedSigner} (the receipt's servingNode)`,
          ...(args.recoveredSigner ? [`Recovered:       ${args.recoveredSigner}`] : []),
        ],
      },
    );
    this.reason = args.reason;
    this.expectedSigner = args.expectedSigner;
    this.recoveredSigner = args.recoveredSigner;
  }
}

/** A disclosed (content, salt) pair does not open a salted commitment. */
export class CommitmentMismatchError extends ShowworkError {
  override name = "CommitmentMismatchError";
  readonly expectedDigest: `0x${string}`;
  readonly computedDigest: `0x${string}`;

  constructor(args: { expectedDigest: `0x${string}`; computedDigest: `0x${string}`; what?: string }) {
    super(`The disclosed ${args.what ?? "content"} and salt do not match the committed digest.`, {
      metaMessages: [`Committed digest: ${args.expectedDigest}`, `Computed digest:  ${args.computedDigest}`],
    });
    this.expectedDigest = args.expectedDigest;
    this.computedDigest = args.computedDigest;
  }
}

/** A saved batch or a proof bundle is malformed (wrong field, inconsistent values, root does not match). */
export class InvalidDocumentError extends ShowworkError {
  override name = "InvalidDocumentError";
  /** `"batch"` or `"bundle"`. */
  readonly document: string;
  readonly field: string;
  readonly expected: string;
  readonly found: unknown;

  constructor(args: { document: string; field: string; expected: string; found: unknown; cause?: unknown }) {
    super(`Invalid ${args.document}: field "${args.field || "(document)"}".`, {
      cause: args.cause,
      metaMessages: [`Expected: ${args.expected}`, `Found:    ${show(args.found)}`],
    });
    this.document = args.document;
    this.field = args.field;
    this.expected = args.expected;
    this.found = args.found;
  }
}

/** Internal state is broken (a bug in the SDK, not bad input). */
export class InvariantError extends ShowworkError {
  override name = "InvariantError";
  constructor(message: string) {
    super(`Internal invariant violated: ${message}`, {
      metaMessages: ["This is a bug in showwork; please report it with the input that triggered it."],
    });
  }
}

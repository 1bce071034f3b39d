/**
 * Turning what a caller submits (one receipt or an array, as values or as JSON text) into
 * validated, normalized receipts ready for the store — or one {@link RecordRejectedError}
 * that says exactly what is wrong. Validation is the SDK's `parseReceipt`, run once per receipt:
 * a receipt object that `buildReceipt` (or the fast signer) of this process produced was
 * validated there and is frozen, so it is taken as it is (sdk/receipt/validated.ts). The store
 * gets the validated receipt itself and keeps it in its own form (SQLite: a binary body; PostgreSQL:
 * its JSON text); the size limit is on its JSON text (`receiptJsonText`, the same bytes as
 * `JSON.stringify(toReceiptJson(receipt))`).
 *
 * @module
 */
import { InvalidReceiptError, UnsupportedFormatError } from "../errors.js";
import { parseReceipt, receiptJsonText } from "../receipt/parseReceipt.js";
import { isValidatedReceipt } from "../receipt/validated.js";
import type { Receipt } from "../receipt/types.js";
import { RecordRejectedError } from "./errors.js";
import type { NewReceipt } from "./store/types.js";

/** Limits on what one `record()` call may contain. */
export interface SubmissionLimits {
  /** Receipts per call (default 10,000). */
  readonly maxReceiptsPerCall: number;
  /** Size of one receipt's normalized JSON, in bytes (default 16 KiB). */
  readonly maxReceiptBytes: number;
  /** Tool calls per receipt (default 256). */
  readonly maxTools: number;
  /** Length of a tool name, in UTF-8 bytes (default 256). */
  readonly maxToolNameBytes: number;
}

export const DEFAULT_SUBMISSION_LIMITS: SubmissionLimits = {
  maxReceiptsPerCall: 10_000,
  maxReceiptBytes: 16 * 1024,
  maxTools: 256,
  maxToolNameBytes: 256,
};

/** A validated receipt with its stored form. */
export interface ValidatedReceipt {
  readonly receipt: Receipt;
  readonly stored: NewReceipt;
}

/**
 * Parses JSON text of one receipt or an array of receipts.
 * @throws {RecordRejectedError} (`malformed-json`).
 */
export function parseSubmissionText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new RecordRejectedError({
      reason: "malformed-json",
      message: "The request body is not valid JSON.",
      metaMessages: ["Expected: one receipt object, or an array of receipt objects, as JSON"],
      cause,
    });
  }
}

/**
 * Validates a submission: one receipt or an array of receipts (receipt JSON values or
 * {@link Receipt} objects). All or nothing: the first problem rejects the whole submission.
 * @throws {RecordRejectedError} with the reason, the receipt's position and the field.
 */
export function validateSubmission(input: unknown, limits: SubmissionLimits = DEFAULT_SUBMISSION_LIMITS): ValidatedReceipt[] {
  const items = Array.isArray(input) ? (input as unknown[]) : [input];
  if (items.length === 0) {
    throw new RecordRejectedError({ reason: "empty", message: "No receipt to record (empty array)." });
  }
  if (items.length > limits.maxReceiptsPerCall) {
    throw new RecordRejectedError({
      reason: "too-many-receipts",
      message: `Too many receipts in one call: ${items.length} (at most ${limits.maxReceiptsPerCall}).`,
      metaMessages: ["Do: split the submission into several calls."],
    });
  }
  const seen = new Map<string, number>();
  const out = new Array<ValidatedReceipt>(items.length);
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    let receipt: Receipt;
    try {
      receipt = isValidatedReceipt(item) ? item : parseReceipt(item);
    } catch (error) {
      if (error instanceof UnsupportedFormatError) {
        throw new RecordRejectedError({
          reason: "unsupported-format",
          message: `Receipt #${i} has an unsupported format ${JSON.stringify(error.found)}.`,
          receiptIndex: i,
          field: "format",
          metaMessages: error.metaMessages,
          cause: error,
        });
      }
      if (error instanceof InvalidReceiptError) {
        throw new RecordRejectedError({
          reason: "invalid-receipt",
          message: `Receipt #${i}: invalid field "${error.field || "(receipt)"}".`,
          receiptIndex: i,
          field: error.field,
          metaMessages: error.metaMessages,
          cause: error,
        });
      }
      throw error;
    }
    checkSizes(receipt, i, limits);
    const body = receiptJsonText(receipt);
    // A UTF-16 unit is at most 3 UTF-8 bytes: count bytes only when it can matter.
    const bytes = body.length * 3 > limits.maxReceiptBytes ? Buffer.byteLength(body) : body.length;
    if (bytes > limits.maxReceiptBytes) {
      throw new RecordRejectedError({
        reason: "receipt-too-large",
        message: `Receipt #${i} is ${bytes} bytes as JSON (at most ${limits.maxReceiptBytes}).`,
        receiptIndex: i,
      });
    }
    const earlier = seen.get(receipt.receiptId);
    if (earlier !== undefined) {
      throw new RecordRejectedError({
        reason: "duplicate-receipt-id",
        message: `Receipt id ${receipt.receiptId} occurs twice in the submission (#${earlier} and #${i}).`,
        receiptIndex: i,
        field: "receiptId",
        duplicates: [{ receiptId: receipt.receiptId, receiptIndex: i, alreadyStored: false }],
        metaMessages: ["Expected: every receipt id unique"],
      });
    }
    seen.set(receipt.receiptId, i);
    out[i] = {
      receipt,
      stored: { receiptId: receipt.receiptId, receipt, modelId: receipt.modelId, weightsDigest: receipt.weightsDigest, issuedAt: receipt.issuedAt },
    };
  }
  return out;
}

function checkSizes(receipt: Receipt, i: number, limits: SubmissionLimits): void {
  if (receipt.tools.length > limits.maxTools) {
    throw new RecordRejectedError({
      reason: "receipt-too-large",
      message: `Receipt #${i} lists ${receipt.tools.length} tool calls (at most ${limits.maxTools}).`,
      receiptIndex: i,
      field: "tools",
    });
  }
  for (let t = 0; t < receipt.tools.length; t++) {
    const name = receipt.tools[t]!.name;
    if (name.length * 3 > limits.maxToolNameBytes && Buffer.byteLength(name) > limits.maxToolNameBytes) {
      throw new RecordRejectedError({
        reason: "receipt-too-large",
        message: `Receipt #${i}: tool name #${t} is ${Buffer.byteLength(name)} bytes (at most ${limits.maxToolNameBytes}).`,
        receiptIndex: i,
        field: `tools[${t}].name`,
      });
    }
  }
}

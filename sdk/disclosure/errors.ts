/**
 * Errors of disclosures, snapshots and replay. All are {@link ShowworkError}s.
 *
 * @module
 */
import { ShowworkError } from "../errors.js";
import { show } from "../text/display.js";


/** A caller gave input that cannot build a snapshot or a disclosure (duplicate id, unknown field, ...). Names the field. */
export class DisclosureInputError extends ShowworkError {
  override name = "DisclosureInputError";
  /** The field, as `showwork disclose --fields` names it (e.g. `retrieval:invoices/INV-1`, `template`). */
  readonly field: string;
  readonly expected: string;
  readonly found: unknown;

  constructor(args: { field: string; expected: string; found: unknown; hint?: string; cause?: unknown }) {
    super(`Cannot disclose "${args.field}".`, {
      cause: args.cause,
      metaMessages: [`Expected: ${args.expected}`, `Found:    ${show(args.found)}`, ...(args.hint ? [`Do: ${args.hint}`] : [])],
    });
    this.field = args.field;
    this.expected = args.expected;
    this.found = args.found;
  }
}

/** The evidence of a receipt is not in the evidence store (never captured, or deleted). */
export class EvidenceNotFoundError extends ShowworkError {
  override name = "EvidenceNotFoundError";
  readonly receiptId: string;
  /** When the evidence was deleted (unix seconds), if the store recorded it. */
  readonly deletedAt: number | undefined;

  constructor(args: { receiptId: string; deleted?: boolean; deletedAt?: number }) {
    super(
      args.deleted
        ? `The evidence of receipt ${args.receiptId} was deleted${args.deletedAt === undefined ? "" : ` at ${new Date(args.deletedAt * 1000).toISOString()}`}.`
        : `No evidence for receipt ${args.receiptId} in this evidence store.`,
      {
        metaMessages: args.deleted
          ? ["The receipt and its proof stay anchored and verifiable; its content can no longer be disclosed or replayed."]
          : ["Was the answer captured with an evidence store (see docs/capture.md)? Is --evidence the right store?"],
      },
    );
    this.receiptId = args.receiptId;
    this.deletedAt = args.deletedAt;
  }
}

/** A replay could not be made (endpoint unreachable, not OpenAI-compatible, no stored request). */
export class ReplayError extends ShowworkError {
  override name = "ReplayError";
  readonly reason: "no-request" | "unreachable" | "http-status" | "bad-response";

  constructor(args: { reason: ReplayError["reason"]; message: string; metaMessages?: string[]; cause?: unknown }) {
    super(args.message, { cause: args.cause, metaMessages: args.metaMessages });
    this.reason = args.reason;
  }
}

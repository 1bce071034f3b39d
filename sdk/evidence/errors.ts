/**
 * Errors of the evidence store.
 *
 * @module
 */
import { ShowworkError } from "../errors.js";
import { show } from "../text/display.js";


/** An evidence record or artifact is malformed. Says which field, what was expected and what was found. Nothing was stored. */
export class InvalidEvidenceError extends ShowworkError {
  override name = "InvalidEvidenceError";
  readonly field: string;
  readonly expected: string;
  readonly found: unknown;

  constructor(args: { field: string; expected: string; found: unknown; cause?: unknown }) {
    super(`Invalid evidence field "${args.field}"; nothing was stored.`, {
      cause: args.cause,
      metaMessages: [`Expected: ${args.expected}`, `Found:    ${show(args.found)}`],
    });
    this.field = args.field;
    this.expected = args.expected;
    this.found = args.found;
  }
}

/** A different evidence record is already stored under this receipt id (the stored one is kept). */
export class EvidenceConflictError extends ShowworkError {
  override name = "EvidenceConflictError";
  readonly receiptId: string;
  constructor(receiptId: string) {
    super(`Different evidence is already stored for receipt ${receiptId}; the stored record was kept.`, {
      metaMessages: [
        "Expected: one evidence record per receipt id (storing the same record again is harmless)",
        "Do: give every receipt a fresh random id; never reuse an id for another answer",
      ],
    });
    this.receiptId = receiptId;
  }
}

/** Why the evidence store's encryption key does not fit. */
export type EvidenceKeyProblem = "malformed" | "missing" | "unexpected" | "wrong-key" | "undecryptable";

/** The encryption key (missing, malformed, not the store's key) or a ciphertext does not fit. */
export class EvidenceKeyError extends ShowworkError {
  override name = "EvidenceKeyError";
  readonly problem: EvidenceKeyProblem;
  readonly location: string;

  constructor(args: { problem: EvidenceKeyProblem; location: string; details?: string }) {
    const short = {
      malformed: "The evidence encryption key is malformed.",
      missing: `The evidence store ${args.location} is encrypted, and no key was given.`,
      unexpected: `The evidence store ${args.location} is not encrypted, but a key was given.`,
      "wrong-key": `The key given is not the key of the encrypted evidence store ${args.location}.`,
      undecryptable: `A record of the evidence store ${args.location} does not decrypt (tampered or corrupt).`,
    }[args.problem];
    const meta = {
      malformed: ["Expected: 32 bytes as 64 hex digits (optionally 0x-prefixed) or as base64", "Do: generate one with `openssl rand -hex 32` and set SHOWWORK_EVIDENCE_KEY"],
      missing: ["Do: set SHOWWORK_EVIDENCE_KEY to the key the store was created with"],
      unexpected: ["Do: unset SHOWWORK_EVIDENCE_KEY, or use a new store file for encrypted evidence (a store is encrypted from creation on)"],
      "wrong-key": ["Do: set SHOWWORK_EVIDENCE_KEY to the key the store was created with (its key id is in the store's meta table)"],
      undecryptable: ["The record was not changed; restore it from a backup or treat it as lost evidence"],
    }[args.problem];
    super(short, { details: args.details, metaMessages: meta });
    this.problem = args.problem;
    this.location = args.location;
  }
}

/** The evidence store was used after close(). */
export class EvidenceStoreClosedError extends ShowworkError {
  override name = "EvidenceStoreClosedError";
  constructor(location: string) {
    super(`The evidence store ${location} is closed.`);
  }
}

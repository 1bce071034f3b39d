/**
 * Errors of the anchoring service. All are {@link ShowworkError}s; the HTTP layer maps
 * each to a status code and a machine-readable `code` (see `http/app.ts`).
 *
 * @module
 */
import { ShowworkError } from "../errors.js";
import type { ReceiptState } from "./states.js";

/** Why a `record()` call was rejected. Nothing of a rejected call is stored. */
export type RecordRejectionReason =
  | "malformed-json"
  | "empty"
  | "too-many-receipts"
  | "receipt-too-large"
  | "invalid-receipt"
  | "unsupported-format"
  | "duplicate-receipt-id"
  | "issued-at-in-future"
  | "signature-missing"
  | "signature-invalid"
  | "signer-not-authorised"
  | "signer-compromised"
  | "signer-check-unavailable";

/**
 * A `record()` call (or an HTTP submission) was rejected as a whole: nothing was stored.
 * Says which receipt (its position in the call), which field, what was expected and what was found.
 */
export class RecordRejectedError extends ShowworkError {
  override name = "RecordRejectedError";
  readonly reason: RecordRejectionReason;
  /** Position of the offending receipt in the call (when one receipt is at fault). */
  readonly receiptIndex: number | undefined;
  /** Path of the offending field inside the receipt (for `invalid-receipt`). */
  readonly field: string | undefined;
  /** For `duplicate-receipt-id`: the ids, and whether each one is already in the store (else: twice in the call). */
  readonly duplicates: readonly { receiptId: string; receiptIndex: number; alreadyStored: boolean }[] | undefined;
  /** For `issued-at-in-future`: the accepted skew and the service's clock (unix seconds). */
  readonly window: { readonly futureSeconds: number; readonly now: number } | undefined;

  constructor(args: {
    reason: RecordRejectionReason;
    message: string;
    receiptIndex?: number;
    field?: string;
    duplicates?: { receiptId: string; receiptIndex: number; alreadyStored: boolean }[];
    window?: { futureSeconds: number; now: number };
    metaMessages?: string[];
    cause?: unknown;
  }) {
    super(args.message, { cause: args.cause, metaMessages: args.metaMessages });
    this.reason = args.reason;
    this.receiptIndex = args.receiptIndex;
    this.field = args.field;
    this.duplicates = args.duplicates;
    this.window = args.window;
  }
}

/** No receipt with this id is in the store. */
export class ReceiptNotFoundError extends ShowworkError {
  override name = "ReceiptNotFoundError";
  readonly receiptId: string;
  constructor(receiptId: string) {
    super(`No receipt ${receiptId} in this store.`);
    this.receiptId = receiptId;
  }
}

/** No batch with this index in the store. */
export class BatchNotFoundError extends ShowworkError {
  override name = "BatchNotFoundError";
  readonly batchIndex: number;
  constructor(batchIndex: number) {
    super(`No batch ${batchIndex} in this store.`);
    this.batchIndex = batchIndex;
  }
}

/** A proof bundle was asked for a receipt whose batch is not anchored yet. */
export class ProofNotAvailableError extends ShowworkError {
  override name = "ProofNotAvailableError";
  readonly receiptId: string;
  readonly state: ReceiptState;
  constructor(receiptId: string, state: ReceiptState) {
    super(`Receipt ${receiptId} is "${state}": its proof bundle is available once it is "anchored".`, {
      metaMessages: ["Do: retry later (see GET /v1/receipts/:id for its state)."],
    });
    this.receiptId = receiptId;
    this.state = state;
  }
}

/** The store belongs to another chain, contract, log or anchoring account than the configured one. */
export class StoreBindingError extends ShowworkError {
  override name = "StoreBindingError";
  constructor(message: string, metaMessages: string[]) {
    super(message, { metaMessages });
  }
}

/** Another live process is the writer of this store. */
export class StoreLockedError extends ShowworkError {
  override name = "StoreLockedError";
  constructor(location: string, owner: string) {
    super(`The store ${location} is in use by another process (${owner}).`, {
      metaMessages: ["One service process per store: stop the other process, or use another --store."],
    });
  }
}

/** The store on disk was written by a newer (or unknown) schema version. */
export class StoreSchemaError extends ShowworkError {
  override name = "StoreSchemaError";
  constructor(location: string, found: number, expected: number) {
    super(`The store ${location} has schema version ${found}; this showwork reads version ${expected}.`);
  }
}

/**
 * Anchoring cannot proceed until an operator acts (the account is not an anchorer of the log,
 * another writer took one of our batch indices, the chain lost a final batch). Recording goes on;
 * the service keeps checking and reports the error in `/health`.
 */
export class AnchoringHaltedError extends ShowworkError {
  override name = "AnchoringHaltedError";
  readonly reason: "unauthorized" | "index-conflict" | "chain-inconsistent" | "revert";
  constructor(args: { reason: AnchoringHaltedError["reason"]; message: string; metaMessages?: string[]; cause?: unknown }) {
    super(args.message, { metaMessages: args.metaMessages, cause: args.cause });
    this.reason = args.reason;
  }
}

/** The service configuration is incomplete or inconsistent. */
export class ServiceConfigError extends ShowworkError {
  override name = "ServiceConfigError";
  constructor(message: string, metaMessages?: string[]) {
    super(message, { metaMessages });
  }
}

/**
 * An anchoring write was refused: this instance no longer holds the anchoring role (another
 * instance took it over after this one's lease lapsed). Nothing was written. The instance goes
 * on recording and serving; it anchors again once it holds the role.
 */
export class AnchorLeaseLostError extends ShowworkError {
  override name = "AnchorLeaseLostError";
  readonly heldEpoch: number;
  readonly currentEpoch: number;
  readonly currentHolder: string | undefined;
  constructor(args: { operation: string; heldEpoch: number; currentEpoch: number; currentHolder: string | undefined }) {
    super(
      args.heldEpoch === 0
        ? `This instance does not hold the anchoring role (held by ${args.currentHolder ?? "nobody"}, epoch ${args.currentEpoch}): ${args.operation} was not written.`
        : `The anchoring role moved to ${args.currentHolder ?? "nobody"} (epoch ${args.currentEpoch}); this instance held epoch ${args.heldEpoch}: ${args.operation} was not written.`,
      {
        metaMessages: ["Normal after a pause longer than the lease (e.g. a stalled process): this instance now records and serves only."],
      },
    );
    this.heldEpoch = args.heldEpoch;
    this.currentEpoch = args.currentEpoch;
    this.currentHolder = args.currentHolder;
  }
}

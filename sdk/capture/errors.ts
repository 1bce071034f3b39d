/**
 * Errors of capture. A capture failure never fails the user's request: it is reported through
 * the capturer's `onEvent` (and counted); these errors are thrown only by configuration calls.
 *
 * @module
 */
import { ShowworkError } from "../errors.js";

/** Capture is misconfigured (a template, a manifest entry, a signer, a sink). */
export class CaptureConfigError extends ShowworkError {
  override name = "CaptureConfigError";
  constructor(message: string, metaMessages?: string[]) {
    super(message, { metaMessages });
  }
}

/** Recording a receipt with the anchoring service failed (kept in the queue when there is one). */
export class ReceiptDeliveryError extends ShowworkError {
  override name = "ReceiptDeliveryError";
  readonly status: number | undefined;
  readonly code: string | undefined;
  constructor(args: { message: string; status?: number; code?: string; cause?: unknown; metaMessages?: string[] }) {
    super(args.message, { cause: args.cause, metaMessages: args.metaMessages });
    this.status = args.status;
    this.code = args.code;
  }
}

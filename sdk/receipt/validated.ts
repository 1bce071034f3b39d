/**
 * Receipts this process already validated: the trusted in-process path of ingestion.
 *
 * `buildReceipt` validates what it builds (it runs {@link parseReceipt} once) and the fast signer
 * (`privateKeyToReceiptSigner`) signs it: checking either again when the same object reaches
 * `AnchoringService.record()` in the same process is work done twice. So these two mark the
 * receipt objects they return, and **freeze** them (the receipt, its `tools` array and each tool):
 * a marked object cannot change after it was checked. What a mark means:
 *
 * - **validated**: the object is a normalized v1 receipt exactly as {@link parseReceipt} returns
 *   it (lowercase hex, checksummed `servingNode`, `sequence` a bigint, `toolsDigest` equal to the
 *   digest of `tools`); `validateSubmission` takes it as it is.
 * - **signed here**: in addition, its `signature` was made in this process, over this very
 *   object, by the private key of its `servingNode` (the signer refuses another node); recovering
 *   it would give `servingNode` back, so the service's signature check does not recover it again.
 *   Whether that node may sign for the log (`"authorised"`) is still checked.
 *
 * A copy (`{ ...receipt }`, `structuredClone`, JSON) carries no mark and is validated in full, as
 * is anything that comes from outside the process (HTTP, files, queues). The marks live in
 * module-private `WeakSet`s: nothing can set them but this module, and they go with the object.
 *
 * @module
 */
import type { Receipt } from "./types.js";

const validated = new WeakSet<object>();
const signedHere = new WeakSet<object>();

function freeze(receipt: Receipt): void {
  for (const tool of receipt.tools) Object.freeze(tool);
  Object.freeze(receipt.tools);
  Object.freeze(receipt);
}

/**
 * Marks a receipt that {@link parseReceipt} just returned (or one built only from such a receipt's
 * fields) as validated, freezing it. Internal: for `buildReceipt` and the signers.
 * @internal
 */
export function markValidated<T extends Receipt>(receipt: T): T {
  freeze(receipt);
  validated.add(receipt);
  return receipt;
}

/**
 * Marks a receipt whose signature was just made in this process by its `servingNode`'s own key,
 * over a receipt that was itself marked validated. Internal: for `privateKeyToReceiptSigner`.
 * @internal
 */
export function markSignedHere<T extends Receipt>(receipt: T): T {
  freeze(receipt);
  validated.add(receipt);
  signedHere.add(receipt);
  return receipt;
}

/** True when `value` is a receipt object this process validated (built by `buildReceipt`, or signed from one). */
export function isValidatedReceipt(value: unknown): value is Receipt {
  return typeof value === "object" && value !== null && validated.has(value);
}

/**
 * True when `value` is a validated receipt whose signature this process made with its
 * `servingNode`'s key (so it recovers to `servingNode`: no need to recover it again).
 */
export function isSignedHere(value: unknown): boolean {
  return typeof value === "object" && value !== null && signedHere.has(value);
}

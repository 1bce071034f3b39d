/**
 * The checks a submission passes after validation and before anything is stored
 * (`AnchoringService.record`, hence `POST /v1/receipts` too). All or nothing: the first
 * receipt that fails rejects the whole call with a {@link RecordRejectedError} naming the
 * receipt, the field and the reason.
 *
 * 1. **No receipt from the future**: `issuedAt` must not lie more than `futureSeconds` ahead of
 *    the service's clock (default 60 s: clock skew) → `issued-at-in-future`. There is **no limit
 *    in the past**: a receipt delayed by an outage (minutes, hours, days) is accepted and anchored;
 *    its lateness (issuedAt → recording → anchoring) is recorded and shown (the service's metrics,
 *    the verdict's `anchor-delay` check, the monitor's `late-anchor`), never a refusal. The
 *    defence against a backdated receipt is not its age but its signer: a node key revoked for
 *    compromise "since T" makes every receipt of that key anchored after T invalid, whatever
 *    issuedAt it claims (docs/service.md "Late receipts and backdating").
 * 2. **Signatures** (`signatures` policy):
 *    - `"authorised"` (default with a chain): a valid EIP-712 signature by the receipt's
 *      `servingNode`, and that node authorised for the service's log at `issuedAt`
 *      (`ReceiptLogs` signer history, see `logSigners.ts`);
 *    - `"valid"` (default without a chain): a valid signature by `servingNode`;
 *    - `"off"`: no check (trusted in-process callers that say so explicitly).
 *    Reasons: `signature-missing`, `signature-invalid` (malformed, or signed by another key
 *    than `servingNode`), `signer-not-authorised`, `signer-compromised` (the node's key was
 *    reported compromised: refused whatever `issuedAt` says, see sdk/verify/compromise.ts),
 *    `signer-check-unavailable` (the chain could not be read: retry).
 * Recovery is the SDK's `checkReceiptSignature` (sdk/receipt/signReceipt.ts), not a copy. A
 * receipt object signed in this very process by its serving node's key (the fast signer marks
 * and freezes it, sdk/receipt/validated.ts) is known to recover to its `servingNode`: it is not
 * recovered again; its authorisation is checked all the same.
 *
 * @module
 */
import type { Address } from "viem";

import { checkReceiptSignature } from "../../receipt/signReceipt.js";
import { isSignedHere } from "../../receipt/validated.js";
import type { Receipt } from "../../receipt/types.js";
import { RecordRejectedError } from "../errors.js";
import { SignerCheckUnavailableError, type LogSigners, type SignerPeriod } from "./logSigners.js";

/** How far ahead of the service's clock `issuedAt` may be (clock skew). There is no limit in the past. */
export interface IssuedAtWindow {
  readonly futureSeconds: number;
}

/** What the service checks at ingestion (see the module's doc). */
export interface IngestionPolicy {
  /** `false`: no future limit either (trusted callers, e.g. an import of the operator's own file). */
  readonly issuedAtWindow: IssuedAtWindow | false;
  readonly signatures: "authorised" | "valid" | "off";
}

/** The default: at most 60 s in the future; any age in the past. */
export const DEFAULT_ISSUED_AT_WINDOW: IssuedAtWindow = { futureSeconds: 60 };

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString().replace(".000Z", "Z");

/** @throws {RecordRejectedError} (`issued-at-in-future`) for the first receipt dated too far ahead of `nowSeconds`. */
export function checkIssuedAtWindow(receipts: readonly Receipt[], window: IssuedAtWindow, nowSeconds: number): void {
  const to = nowSeconds + window.futureSeconds;
  for (let i = 0; i < receipts.length; i++) {
    const t = receipts[i]!.issuedAt;
    if (t > to) {
      throw new RecordRejectedError({
        reason: "issued-at-in-future",
        message: `Receipt #${i}: issuedAt ${t} (${iso(t)}) is ${t - nowSeconds} s in the future; this service accepts at most ${window.futureSeconds} s ahead of its clock (any age in the past).`,
        receiptIndex: i,
        field: "issuedAt",
        metaMessages: [
          `Expected: issuedAt <= ${to} (${iso(to)}; service clock ${iso(nowSeconds)})`,
          `Found: ${t}`,
          "Do: keep the serving node's clock in sync (NTP); the client keeps the receipt (queue's rejected set) and can send it again once its time has come (showwork capture queue retry).",
        ],
        window: { futureSeconds: window.futureSeconds, now: nowSeconds },
      });
    }
  }
}

const describePeriods = (periods: readonly SignerPeriod[]): string =>
  periods.length === 0
    ? "never granted for this log"
    : `granted ${periods.map((p) => `${iso(p.grantedAt)} .. ${p.revokedAt === 0 ? "(not revoked)" : iso(p.revokedAt)}`).join(", ")}`;

/**
 * Checks every receipt's signature under `mode`; with `"authorised"`, against `signers`.
 * @throws {RecordRejectedError} for the first receipt that fails.
 */
export async function checkSignatures(receipts: readonly Receipt[], mode: "authorised" | "valid", signers: LogSigners | undefined, logId: string | undefined): Promise<void> {
  // Signatures first, for the whole call (cheap, no I/O), then authorisation (may read the chain).
  for (let i = 0; i < receipts.length; i++) {
    const receipt = receipts[i]!;
    if (isSignedHere(receipt)) continue;
    const check = checkReceiptSignature(receipt);
    if (check.valid) continue;
    if (check.reason === "missing") {
      throw new RecordRejectedError({
        reason: "signature-missing",
        message: `Receipt #${i} is not signed; this service records only receipts signed by their serving node.`,
        receiptIndex: i,
        field: "signature",
        metaMessages: [`Expected: an EIP-712 signature by servingNode ${receipt.servingNode} (see signReceipt)`, "Found: no signature field"],
      });
    }
    throw new RecordRejectedError({
      reason: "signature-invalid",
      message: `Receipt #${i}: the signature is not a valid signature by its servingNode ${receipt.servingNode} (${check.reason}).`,
      receiptIndex: i,
      field: "signature",
      metaMessages: [
        `Expected: an EIP-712 signature by ${receipt.servingNode}`,
        `Found: ${check.detail}`,
        "Do: sign the receipt with the serving node's key after its last change (signReceipt).",
      ],
    });
  }
  if (mode !== "authorised" || signers === undefined) return;
  const seen = new Map<string, boolean>();
  for (let i = 0; i < receipts.length; i++) {
    const receipt = receipts[i]!;
    const key = `${receipt.servingNode.toLowerCase()}:${receipt.issuedAt}`;
    if (seen.get(key) === true) continue;
    let result;
    try {
      result = await signers.check(receipt.servingNode as Address, receipt.issuedAt);
    } catch (error) {
      if (error instanceof SignerCheckUnavailableError) {
        throw new RecordRejectedError({
          reason: "signer-check-unavailable",
          message: `Receipt #${i}: could not check whether ${receipt.servingNode} may sign for this log (the chain did not answer); nothing was stored.`,
          receiptIndex: i,
          field: "servingNode",
          metaMessages: ["Do: retry later."],
          cause: error,
        });
      }
      throw error;
    }
    if (!result.authorised && result.compromise !== undefined) {
      const { since, fromBatch, reportedAt } = result.compromise;
      throw new RecordRejectedError({
        reason: "signer-compromised",
        message: `Receipt #${i}: serving node ${receipt.servingNode}'s key was reported compromised since ${iso(since)} for log ${logId} (report at ${iso(reportedAt)}); its receipts are refused whatever issuedAt (${iso(receipt.issuedAt)}) they claim.`,
        receiptIndex: i,
        field: "servingNode",
        metaMessages: [
          `Only its receipts in batches anchored before the leak (before batch #${fromBatch}) count; anything recorded now would be anchored after it.`,
          "Do: give the node a new key (grant it with `showwork log grant-signer`), and revoke the old key's access token (`showwork token revoke`).",
        ],
      });
    }
    if (!result.authorised) {
      throw new RecordRejectedError({
        reason: "signer-not-authorised",
        message: `Receipt #${i}: serving node ${receipt.servingNode} is not authorised to sign for log ${logId} at issuedAt ${receipt.issuedAt} (${iso(receipt.issuedAt)}).`,
        receiptIndex: i,
        field: "servingNode",
        metaMessages: [
          `Its authorisation: ${describePeriods(result.periods)}`,
          "Do: the log's admin grants the node (`showwork log grant-signer`, or grantSigner on ReceiptLogs); receipts issued before the grant stay unauthorised.",
        ],
      });
    }
    seen.set(key, true);
  }
}

/**
 * The verifier's `disclosure` check for a `showwork/disclosure@1` document: every disclosed piece
 * is checked against the receipt of the bundle being verified (sdk/disclosure/), and the per-piece
 * report rides on the verdict (`verdict.disclosure`).
 *
 * @module
 */
import type { ProofBundle } from "../../bundle/types.js";
import { checkDisclosure, type DisclosureReport } from "../../disclosure/checkDisclosure.js";
import { parseDisclosure } from "../../disclosure/parseDisclosure.js";
import type { Disclosure } from "../../disclosure/types.js";
import { ShowworkError } from "../../errors.js";
import { fail, pass, skipped } from "../check.js";
import type { Check } from "../verdict.js";

/**
 * Checks a disclosure (parsed, or its JSON value) against the verified bundle's receipt.
 * A malformed disclosure fails the check (it claims to show something it does not show properly).
 */
export function checkDisclosureDocument(bundle: ProofBundle, disclosure: Disclosure | unknown): { check: Check; report?: DisclosureReport } {
  let parsed: Disclosure;
  try {
    parsed = isParsed(disclosure) ? disclosure : parseDisclosure(typeof disclosure === "string" ? (JSON.parse(disclosure) as unknown) : disclosure);
  } catch (error) {
    const message = error instanceof ShowworkError ? error.message.replace(/\n+/g, " ") : error instanceof Error ? error.message : String(error);
    return { check: fail("disclosure", `the disclosure file is not a valid showwork/disclosure@1 document: ${message}`, { code: "malformed-disclosure" }) };
  }
  const report = checkDisclosure(parsed, bundle.receipt);
  const failed = report.pieces.filter((piece) => piece.status === "fail");
  const check =
    report.status === "fail"
      ? fail("disclosure", report.summary, {
          expected: `${report.pieces.length} of ${report.pieces.length} disclosed pieces match`,
          found: `${report.pieces.length - failed.length} match; failed: ${failed.map((piece) => `${piece.field} (${piece.code ?? "mismatch"})`).join(", ")}`,
          code: "mismatch",
        })
      : report.status === "pass"
        ? pass("disclosure", report.summary, { expected: "each disclosed piece opens the receipt", found: `${report.pieces.length} of ${report.pieces.length} match` })
        : skipped("disclosure", report.summary, report.status === "deleted" ? "evidence-deleted" : "not-applicable");
  return { check, report };
}

function isParsed(value: unknown): value is Disclosure {
  return typeof value === "object" && value !== null && "bundle" in value && typeof (value as { bundle: { receipt?: { sequence?: unknown } } }).bundle?.receipt?.sequence === "bigint";
}

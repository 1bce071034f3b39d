/**
 * The bundle is well-formed: a showwork/bundle@1 or @2 document that passes the schema. A bundle (or
 * receipt) of a newer format version is not checkable by this verifier, which is a different
 * result from a malformed bundle.
 *
 * @module
 */
import { parseBundle } from "../../bundle/parseBundle.js";
import { BUNDLE_FORMAT, BUNDLE_FORMATS, type ProofBundle } from "../../bundle/types.js";
import { ShowworkError } from "../../errors.js";
import { RECEIPT_FORMAT } from "../../receipt/types.js";
import { errored, fail, pass } from "../check.js";
import type { Check } from "../verdict.js";

const VERSIONED = /^showwork\/(bundle|receipt)@(\d+)$/;

/** Checks `input` (a parsed JSON value, or JSON text) and returns the parsed bundle when well-formed. */
export function checkFormat(input: unknown): { check: Check; bundle?: ProofBundle } {
  let value = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input) as unknown;
    } catch (error) {
      return {
        check: fail("format", `the bundle is not JSON: ${error instanceof Error ? error.message : String(error)}`, {
          expected: BUNDLE_FORMAT,
          found: "text that is not JSON",
          code: "not-json",
        }),
      };
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return {
      check: fail("format", "the bundle is not a JSON object", { expected: BUNDLE_FORMAT, found: typeof value, code: "invalid-bundle" }),
    };
  }
  const newer = newerFormat("bundle", (value as { format?: unknown }).format, BUNDLE_FORMAT) ??
    newerFormat("receipt", (value as { receipt?: { format?: unknown } }).receipt?.format, RECEIPT_FORMAT);
  if (newer) return { check: newer };
  try {
    const bundle = parseBundle(value);
    return { check: pass("format", `a well-formed ${bundle.format} bundle`, { expected: BUNDLE_FORMATS.join(" or "), found: bundle.format }), bundle };
  } catch (error) {
    const reason =
      error instanceof ShowworkError
        ? [error.shortMessage, ...(error.metaMessages ?? [])].join(" ")
        : error instanceof Error
          ? error.message
          : String(error);
    return {
      check: fail("format", `the bundle is malformed: ${reason}`, {
        expected: `a ${BUNDLE_FORMAT} bundle that passes the schema`,
        found: String((value as { format?: unknown }).format ?? "(no format)"),
        code: "invalid-bundle",
      }),
    };
  }
}

/** An `error` check when `format` names a later version of `kind` than `supported`. */
function newerFormat(kind: "bundle" | "receipt", format: unknown, supported: string): Check | undefined {
  if (typeof format !== "string") return undefined;
  const match = VERSIONED.exec(format);
  const ours = VERSIONED.exec(supported);
  if (!match || !ours || match[1] !== kind) return undefined;
  if (Number(match[2]) <= Number(ours[2])) return undefined;
  return errored(
    "format",
    `the ${kind} format ${format} is newer than this verifier understands (${supported}): upgrade showwork to check it`,
    { expected: supported, found: format, code: "unsupported-format" },
  );
}

/**
 * Trust files: the logs and operators a verifier pins (`showwork verify --trust FILE`, the web
 * verifier's pin input, `verifyBundle({ trust })`).
 *
 * ```json
 * { "format": "showwork/trust@1", "logs": ["0x…32 bytes"], "operators": ["0x…address"] }
 * ```
 *
 * Browser-safe.
 *
 * @module
 */
import { getAddress, isAddress } from "viem";

import { printableShort } from "./printable.js";
import type { TrustPins } from "./verdict.js";

/** The format tag of a trust file. */
export const TRUST_FORMAT = "showwork/trust@1";

/** A trust file or pin that is not what it should be (says which entry, what was expected and found). */
export class InvalidTrustError extends Error {
  override name = "InvalidTrustError";
}

const LOG_ID = /^0x[0-9a-fA-F]{64}$/;

/** A log id pin, checked: 32 bytes of hex. @throws {InvalidTrustError} */
export function parseLogPin(value: string, where = "log id"): string {
  if (!LOG_ID.test(value)) {
    throw new InvalidTrustError(`${where}: expected a 32-byte log id (0x + 64 hex digits), found "${printableShort(value, 80)}"`);
  }
  return value.toLowerCase();
}

/** An operator pin, checked: an address. @throws {InvalidTrustError} */
export function parseOperatorPin(value: string, where = "operator"): string {
  if (!isAddress(value, { strict: false })) {
    throw new InvalidTrustError(`${where}: expected an operator address (0x + 40 hex digits), found "${printableShort(value, 80)}"`);
  }
  return getAddress(value);
}

/** A parsed trust file. @throws {InvalidTrustError} naming the entry that is wrong. */
export function parseTrustFile(value: unknown): TrustPins {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidTrustError(`a trust file is a JSON object {"format": "${TRUST_FORMAT}", "logs": [...], "operators": [...]}`);
  }
  const record = value as { format?: unknown; logs?: unknown; operators?: unknown };
  if (record.format !== TRUST_FORMAT) {
    throw new InvalidTrustError(`format: expected "${TRUST_FORMAT}", found ${printableShort(JSON.stringify(record.format) ?? "nothing", 60)}`);
  }
  const list = (raw: unknown, name: string, parse: (v: string, where: string) => string): string[] => {
    if (raw === undefined) return [];
    if (!Array.isArray(raw)) throw new InvalidTrustError(`${name}: expected an array of strings`);
    return raw.map((entry: unknown, i) => {
      if (typeof entry !== "string") throw new InvalidTrustError(`${name}[${i}]: expected a string`);
      return parse(entry, `${name}[${i}]`);
    });
  };
  const logs = list(record.logs, "logs", parseLogPin);
  const operators = list(record.operators, "operators", parseOperatorPin);
  if (logs.length === 0 && operators.length === 0) throw new InvalidTrustError("the trust file pins nothing: give at least one log or operator");
  return { logs, operators };
}

/** Two pin sets together. */
export function mergeTrust(...sets: (TrustPins | undefined)[]): TrustPins | undefined {
  const logs = sets.flatMap((s) => s?.logs ?? []);
  const operators = sets.flatMap((s) => s?.operators ?? []);
  return logs.length === 0 && operators.length === 0 ? undefined : { logs: [...new Set(logs)], operators: [...new Set(operators)] };
}

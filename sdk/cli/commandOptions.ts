/**
 * Argument parsers shared by the verifier-side commands (verify, timeline, audit, verifier).
 *
 * @module
 */
import { InvalidArgumentError } from "commander";
import { isAddress, isHex, type Address, type Hex } from "viem";

import { modelIdFromName } from "../receipt/modelId.js";
import { rpcUrlProblem } from "../verify/rpcUrl.js";

/** A non-negative integer. */
export function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`expected a non-negative integer, found "${value}"`);
  return n;
}

/** A 0x-prefixed 20-byte address. */
export function addressArgument(value: string): Address {
  if (!isAddress(value, { strict: false })) throw new InvalidArgumentError(`expected a 0x-prefixed 20-byte address, found "${value}"`);
  return value;
}

/** A 0x-prefixed 32-byte hex value. */
export function bytes32Argument(value: string): Hex {
  if (!isHex(value) || value.length !== 66) throw new InvalidArgumentError(`expected 0x + 64 hex digits, found "${value}"`);
  return value.toLowerCase() as Hex;
}

/** A model given by name (hashed to its id) or by id (0x + 64 hex digits). */
export function modelArgument(value: string): { name: string | undefined; modelId: Hex } {
  if (/^0x[0-9a-fA-F]{64}$/.test(value)) return { name: undefined, modelId: value.toLowerCase() as Hex };
  if (value.length === 0) throw new InvalidArgumentError("expected a model name or id");
  return { name: value, modelId: modelIdFromName(value) };
}

/**
 * A point in time: unix seconds (`1795309072`) or an ISO-8601 date/time
 * (`2026-11-22`, `2026-11-22T10:00:00Z`; without a zone, UTC).
 */
export function timeArgument(value: string): number {
  if (/^\d+$/.test(value)) return Number(value);
  const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/.test(value) ? `${value}${value.includes("T") ? "Z" : "T00:00:00Z"}` : value;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new InvalidArgumentError(`expected unix seconds or an ISO-8601 time, found "${value}"`);
  return Math.floor(ms / 1000);
}

/**
 * A JSON-RPC endpoint: an `http://` or `https://` URL. Anything else is a usage error (exit 2) that
 * says what to write, rather than an endpoint that "did not answer" (`127.0.0.1:8545` parses as a
 * URL of scheme `127.0.0.1:`). A blank value is no value (undefined).
 */
export function rpcUrlArgument(value: string): string | undefined {
  // A blank value (e.g. SHOWWORK_RPC_URL= in the environment) means "not given".
  if (value.trim() === "") return undefined;
  const problem = rpcUrlProblem(value);
  if (problem === undefined) return value.trim();
  const error = new InvalidArgumentError(problem);
  error.exitCode = 2;
  throw error;
}

/** Several JSON-RPC endpoints: a repeatable option whose values may also be comma-separated, each checked by {@link rpcUrlArgument}. */
export function rpcUrlsArgument(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(",").map(rpcUrlArgument).filter((url): url is string => url !== undefined)];
}

/**
 * Argument parsers shared by the verifier-side commands (verify, timeline, audit, verifier).
 *
 * @module
 */
import { InvalidArgumentError } from "commander";
import { isAddress, isHex, type Address, type Hex } from "viem";

import { modelIdFromName } from "../receipt/modelId.js";

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
 * URL of scheme `127.0.0.1:`).
 */
export function rpcUrlArgument(value: string): string {
  const url = value.trim();
  const usage = (message: string): InvalidArgumentError => {
    const error = new InvalidArgumentError(message);
    error.exitCode = 2;
    return error;
  };
  if (url === "") throw usage("expected an http:// or https:// URL, found nothing");
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    const hint = /^(localhost|127\.|\[::1\]|0\.0\.0\.0)/i.test(url) ? `http://${url}` : `https://${url}`;
    throw usage(`the RPC URL "${url}" has no scheme: write ${hint} (http:// or https:// is required)`);
  }
  if (scheme !== "http" && scheme !== "https") throw usage(`the RPC URL "${url}" is a ${scheme}:// URL: only http:// and https:// endpoints are supported`);
  try {
    new URL(url);
  } catch {
    throw usage(`the RPC URL "${url}" is not a valid URL`);
  }
  return url;
}

/** Several JSON-RPC endpoints: a repeatable option whose values may also be comma-separated, each checked by {@link rpcUrlArgument}. */
export function rpcUrlsArgument(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(",").map((v) => v.trim()).filter(Boolean).map(rpcUrlArgument)];
}

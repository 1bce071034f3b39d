/**
 * Trust files: the logs and operators a verifier pins (`showwork verify --trust FILE`, the web
 * verifier's pin input, `verifyBundle({ trust })`).
 *
 * ```json
 * { "format": "showwork/trust@1", "logs": ["0x…32 bytes"], "operators": ["0x…address"],
 *   "chains": [{ "name": "l1", "chainId": 1, "rpc": ["https://…"] }, { "name": "base", "chainId": 8453 }],
 *   "require": ["l1"] }
 * ```
 * `chains` names the chains a bundle may be anchored on (and optionally where to read them); `require`
 * is the verification policy: "all", "any", a number of chains, or the names that must confirm.
 *
 * Browser-safe.
 *
 * @module
 */
import canonicalize from "canonicalize";
import { getAddress, isAddress, recoverMessageAddress, type Hex } from "viem";

import type { Checkpoint } from "../chainproof/verifyChainProof.js";

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
  const checkpoints = parseTrustCheckpoints(value);
  if (logs.length === 0 && operators.length === 0 && checkpoints.length === 0 && (record as { chains?: unknown }).chains === undefined) {
    throw new InvalidTrustError("the trust file pins nothing: give at least one log, operator, checkpoint or chain");
  }
  return { logs, operators };
}

/**
 * The checkpoints of a trust file (`"checkpoints": [{ "chainId", "number", "hash" }]`, each optionally with the
 * `contracts` it vouches for): the blocks an offline verifier checks chain proofs back from.
 * @throws {InvalidTrustError} naming the entry that is wrong.
 */
export function parseTrustCheckpoints(value: unknown): Checkpoint[] {
  const raw = (value as { checkpoints?: unknown } | null)?.checkpoints;
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new InvalidTrustError("checkpoints: expected an array of {chainId, number, hash}");
  return raw.map((entry: unknown, i) => {
    const c = entry as { chainId?: unknown; number?: unknown; hash?: unknown } | null;
    const where = `checkpoints[${i}]`;
    if (c === null || typeof c !== "object") throw new InvalidTrustError(`${where}: expected an object {chainId, number, hash}`);
    if (typeof c.chainId !== "number" || !Number.isSafeInteger(c.chainId) || c.chainId < 1) throw new InvalidTrustError(`${where}.chainId: expected a chain id (integer >= 1)`);
    if (typeof c.number !== "number" || !Number.isSafeInteger(c.number) || c.number < 0) throw new InvalidTrustError(`${where}.number: expected a block number`);
    if (typeof c.hash !== "string" || !LOG_ID.test(c.hash)) throw new InvalidTrustError(`${where}.hash: expected a block hash (0x + 64 hex digits)`);
    return { chainId: c.chainId, number: c.number, hash: c.hash.toLowerCase() as Hex };
  });
}

/** A checkpoint given on the command line: `[CHAIN_ID:]NUMBER:HASH` (without a chain id: `chainId` is filled by the caller). @throws {InvalidTrustError} */
export function parseCheckpointArgument(value: string, defaultChainId = 0): Checkpoint {
  const parts = value.split(":");
  const [chain, number, hash] = parts.length === 3 ? parts : [String(defaultChainId), ...parts];
  if (parts.length < 2 || parts.length > 3 || !/^\d+$/.test(number ?? "") || !/^-?\d+$/.test(chain ?? "") || !LOG_ID.test(hash ?? "")) {
    throw new InvalidTrustError(`--checkpoint: expected [CHAIN_ID:]NUMBER:HASH (e.g. 31337:42:0x…64 hex digits), found "${printableShort(value, 90)}"`);
  }
  return { chainId: Number(chain), number: Number(number), hash: hash!.toLowerCase() as Hex };
}

/** The text a trust file's `signature` signs (EIP-191 personal message): the file's canonical JSON (RFC 8785) without `signature`. */
export function trustFileMessage(value: Record<string, unknown>): string {
  const { signature: _signature, ...rest } = value;
  return canonicalize(rest) ?? "";
}

/**
 * Checks a signed trust file: its `signature` must be an EIP-191 signature of {@link trustFileMessage} by one of its
 * `operators` (an operator publishes checkpoints signed with its key). Unsigned files pass unchanged.
 * @returns the signer, or undefined for an unsigned file.
 * @throws {InvalidTrustError} when the signature is malformed or by another key.
 */
export async function verifyTrustFileSignature(value: Record<string, unknown>): Promise<string | undefined> {
  if (value.signature === undefined) return undefined;
  if (typeof value.signature !== "string" || !/^0x[0-9a-fA-F]{130}$/.test(value.signature)) throw new InvalidTrustError("signature: expected a 65-byte signature (0x + 130 hex digits)");
  let signer: string;
  try {
    signer = await recoverMessageAddress({ message: trustFileMessage(value), signature: value.signature as Hex });
  } catch (error) {
    throw new InvalidTrustError(`signature: not a valid signature (${error instanceof Error ? error.message.split("\n")[0] : String(error)})`);
  }
  const operators = Array.isArray(value.operators) ? value.operators.map((o) => String(o).toLowerCase()) : [];
  if (!operators.includes(signer.toLowerCase())) {
    throw new InvalidTrustError(`signature: signed by ${signer}, which is not one of the file's operators [${operators.join(", ")}]: the file was changed or signed by another key`);
  }
  return getAddress(signer);
}

/** The chains and policy of a trust file (see the module comment). */
export interface TrustChains {
  readonly chains: readonly { readonly name: string; readonly chainId: number; readonly rpc: readonly string[] }[];
  readonly require?: "all" | "any" | number | { readonly chains: readonly (string | number)[] } | undefined;
}

/** The `chains` and `require` of a trust file (empty when it has none). @throws {InvalidTrustError} naming the entry. */
export function parseTrustChains(value: unknown): TrustChains {
  const record = (typeof value === "object" && value !== null ? value : {}) as { chains?: unknown; require?: unknown };
  const chains: TrustChains["chains"][number][] = [];
  if (record.chains !== undefined) {
    if (!Array.isArray(record.chains)) throw new InvalidTrustError("chains: expected an array of {name, chainId, rpc?}");
    record.chains.forEach((raw: unknown, i) => {
      const c = raw as { name?: unknown; chainId?: unknown; rpc?: unknown };
      if (typeof c?.name !== "string" || !/^[A-Za-z0-9_.-]{1,64}$/.test(c.name)) throw new InvalidTrustError(`chains[${i}].name: expected a name (letters, digits, _ . -)`);
      if (typeof c.chainId !== "number" || !Number.isSafeInteger(c.chainId) || c.chainId < 1) throw new InvalidTrustError(`chains[${i}].chainId: expected a chain id`);
      const rpc = c.rpc === undefined ? [] : c.rpc;
      if (!Array.isArray(rpc) || rpc.some((u) => typeof u !== "string" || !/^https?:\/\//.test(u))) throw new InvalidTrustError(`chains[${i}].rpc: expected an array of http(s) URLs`);
      chains.push({ name: c.name, chainId: c.chainId, rpc: rpc as string[] });
    });
  }
  const r = record.require;
  let require: TrustChains["require"];
  if (r === "all" || r === "any") require = r;
  else if (typeof r === "number" && Number.isSafeInteger(r) && r >= 1) require = r;
  else if (Array.isArray(r) && r.length > 0 && r.every((x) => typeof x === "string" || typeof x === "number")) require = { chains: r as (string | number)[] };
  else if (r !== undefined) throw new InvalidTrustError(`require: expected "all", "any", a number >= 1, or an array of chain names, found ${printableShort(JSON.stringify(r) ?? "?", 60)}`);
  return { chains, ...(require === undefined ? {} : { require }) };
}

/** Two pin sets together. */
export function mergeTrust(...sets: (TrustPins | undefined)[]): TrustPins | undefined {
  const logs = sets.flatMap((s) => s?.logs ?? []);
  const operators = sets.flatMap((s) => s?.operators ?? []);
  return logs.length === 0 && operators.length === 0 ? undefined : { logs: [...new Set(logs)], operators: [...new Set(operators)] };
}

/**
 * Parsing and checking the config and secrets files: every error names the file and the field.
 *
 * @module
 */
import type { Address, Hex } from "viem";

import type { ModelManifestEntry } from "../capture/manifest.js";
import { ConfigError } from "./errors.js";
import { CONFIG_FORMAT, SECRET_NAMES, type ChainConfig, type ShowworkConfig, type ShowworkSecrets } from "./types.js";

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

function fail(file: string, field: string, expected: string, found: unknown): never {
  const shown = found === undefined ? "nothing" : JSON.stringify(found)?.slice(0, 80) ?? String(found);
  throw new ConfigError(`${file}: "${field}" ${expected}.`, { file, field, metaMessages: [`Found: ${shown}`, `Do: fix "${field}" in ${file} (see docs/configuration.md).`] });
}

/** Checks an RPC URL: http(s) or ws(s) with a host. Returns the URL or undefined (caller says where). */
export function checkRpcUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  return ["http:", "https:", "ws:", "wss:"].includes(url.protocol) && url.host !== "" ? value : undefined;
}

function optionalString(object: Json, key: string, file: string, path: string): string | undefined {
  const value = object[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value === "") fail(file, `${path}${key}`, "must be a non-empty string", value);
  return value;
}

function optionalAddress(object: Json, key: string, file: string, path: string): Address | undefined {
  const value = object[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !ADDRESS.test(value)) fail(file, `${path}${key}`, "must be an address (0x + 40 hex digits)", value);
  return value as Address;
}

function parseModels(value: unknown, file: string): Record<string, ModelManifestEntry> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) fail(file, "capture.models", "must be an object: model name -> { weightsDigest } | { fingerprints } | { provider }", value);
  for (const [model, entry] of Object.entries(value)) {
    const field = `capture.models.${model}`;
    if (!isObject(entry)) fail(file, field, "must be an object", entry);
    if (entry.name !== undefined && (typeof entry.name !== "string" || entry.name === "")) fail(file, `${field}.name`, "must be a non-empty string", entry.name);
    if (entry.weightsDigest !== undefined) {
      if (typeof entry.weightsDigest !== "string" || !BYTES32.test(entry.weightsDigest)) fail(file, `${field}.weightsDigest`, "must be 0x + 64 hex digits", entry.weightsDigest);
    } else if (entry.fingerprints !== undefined) {
      if (!isObject(entry.fingerprints)) fail(file, `${field}.fingerprints`, "must be an object: system_fingerprint -> weights digest", entry.fingerprints);
      for (const [fp, digest] of Object.entries(entry.fingerprints)) {
        if (typeof digest !== "string" || !BYTES32.test(digest)) fail(file, `${field}.fingerprints.${fp}`, "must be 0x + 64 hex digits", digest);
      }
    } else if (entry.provider !== undefined) {
      if (typeof entry.provider !== "string" || entry.provider === "") fail(file, `${field}.provider`, "must be a non-empty string", entry.provider);
    } else {
      fail(file, field, "needs one of weightsDigest, fingerprints or provider", entry);
    }
  }
  return value as Record<string, ModelManifestEntry>;
}

function parseChain(value: unknown, index: number, file: string): ChainConfig {
  const path = `chains[${index}].`;
  if (!isObject(value)) fail(file, `chains[${index}]`, "must be an object", value);
  const name = optionalString(value, "name", file, path) ?? fail(file, `${path}name`, "is required", undefined);
  const chainId = value.chainId;
  if (typeof chainId !== "number" || !Number.isSafeInteger(chainId) || chainId <= 0) fail(file, `${path}chainId`, "must be a positive integer", chainId);
  const rpcs = typeof value.rpc === "string" ? [value.rpc] : value.rpc;
  if (!Array.isArray(rpcs) || rpcs.length === 0) fail(file, `${path}rpc`, "must be a list of at least one RPC URL", value.rpc);
  rpcs.forEach((rpc: unknown, i) => {
    if (typeof rpc !== "string" || checkRpcUrl(rpc) === undefined) fail(file, `${path}rpc[${i}]`, "must be an http(s):// or ws(s):// URL", rpc);
  });
  optionalAddress(value, "receiptLogs", file, path);
  optionalAddress(value, "modelTimeline", file, path);
  if (value.logId !== undefined && (typeof value.logId !== "string" || !BYTES32.test(value.logId))) fail(file, `${path}logId`, "must be 0x + 64 hex digits", value.logId);
  for (const key of ["confirmations", "deploymentBlock"] as const) {
    const n = value[key];
    if (n !== undefined && (typeof n !== "number" || !Number.isSafeInteger(n) || n < (key === "confirmations" ? 1 : 0))) {
      fail(file, `${path}${key}`, key === "confirmations" ? "must be an integer >= 1" : "must be an integer >= 0", n);
    }
  }
  return { ...value, name, chainId, rpc: rpcs as string[] } as ChainConfig;
}

/**
 * Parses `.showwork/config.json`'s text. `file` is only used in messages.
 * @throws {ConfigError} naming the file and the field.
 */
export function parseConfig(text: string, file: string): ShowworkConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(`${file} is not valid JSON.`, { file, cause, metaMessages: [`Do: fix the file (or delete it and run \`npx showwork dev\` / \`npx showwork init\` again).`] });
  }
  if (!isObject(json)) fail(file, "(top level)", "must be a JSON object", json);
  if (json.format !== CONFIG_FORMAT) fail(file, "format", `must be "${CONFIG_FORMAT}"`, json.format);
  optionalAddress(json, "operator", file, "");
  if (json.chains === undefined) json.chains = [];
  if (!Array.isArray(json.chains)) fail(file, "chains", "must be a list", json.chains);
  const chains = json.chains.map((chain, i) => parseChain(chain, i, file));
  for (const section of ["service", "evidence", "capture", "dev"] as const) {
    if (json[section] !== undefined && !isObject(json[section])) fail(file, section, "must be an object", json[section]);
  }
  const service = json.service as Json | undefined;
  if (service !== undefined) {
    const url = optionalString(service, "url", file, "service.");
    if (url !== undefined && !/^https?:\/\/[^/]/.test(url)) fail(file, "service.url", "must be an http(s):// URL", url);
    optionalString(service, "store", file, "service.");
  }
  if (json.evidence !== undefined) optionalString(json.evidence as Json, "store", file, "evidence.");
  const capture = json.capture as Json | undefined;
  if (capture !== undefined) {
    optionalString(capture, "queue", file, "capture.");
    optionalAddress(capture, "node", file, "capture.");
    parseModels(capture.models, file);
  }
  optionalString(json, "trust", file, "");
  return { ...json, chains } as unknown as ShowworkConfig;
}

/** Checks a private key's shape; `where` names the file field or variable. */
export function checkPrivateKey(value: unknown, where: { file?: string; field: string }): Hex {
  if (typeof value === "string" && BYTES32.test(value.trim())) return value.trim() as Hex;
  const found = typeof value === "string" ? `${value.trim().length} characters${value.trim().startsWith("0x") ? "" : ", without the 0x prefix"}` : JSON.stringify(value);
  throw new ConfigError(`${where.file === undefined ? where.field : `${where.file}: "${where.field}"`} is not a private key.`, {
    ...(where.file === undefined ? {} : { file: where.file }),
    field: where.field,
    metaMessages: ["Expected: 0x followed by 64 hex digits", `Found: ${found}`],
  });
}

/**
 * Parses `.showwork/secrets.json`'s text.
 * @throws {ConfigError} naming the file and the field.
 */
export function parseSecrets(text: string, file: string): ShowworkSecrets {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // The parser's message may quote the text: never print a secret.
    throw new ConfigError(`${file} is not valid JSON.`, { file, metaMessages: [`Do: fix the file; it holds { ${SECRET_NAMES.join(", ")} } as strings.`] });
  }
  if (!isObject(json)) fail(file, "(top level)", "must be a JSON object", "…");
  const secrets: Record<string, string> = {};
  for (const [key, value] of Object.entries(json)) {
    if (!(SECRET_NAMES as readonly string[]).includes(key)) {
      throw new ConfigError(`${file}: unknown field "${key}".`, { file, field: key, metaMessages: [`Expected only: ${SECRET_NAMES.join(", ")}`] });
    }
    if (key === "operatorKey" || key === "anchorerKey" || key === "nodeKey") secrets[key] = checkPrivateKey(value, { file, field: key });
    else if (typeof value !== "string" || value === "") throw new ConfigError(`${file}: "${key}" must be a non-empty string.`, { file, field: key });
    else secrets[key] = value;
  }
  return secrets as ShowworkSecrets;
}

/**
 * Finding and loading the project config: `--config` / `SHOWWORK_CONFIG`, else `.showwork/config.json`
 * in the working directory or the nearest folder above it. Environment variables override the files.
 *
 * @module
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";

import type { Address, Hex } from "viem";

import type { ModelManifestEntry } from "../capture/manifest.js";
import { ENV, readEnv, type EnvName } from "./env.js";
import { ConfigError } from "./errors.js";
import { rpcUrlProblem } from "../verify/rpcUrl.js";
import { checkPrivateKey, checkRpcUrl, parseConfig, parseSecrets } from "./parseConfig.js";
import { SECRET_NAMES, type ChainConfig, type ShowworkConfig, type ShowworkSecrets, type ValueSource } from "./types.js";

/** The folder, config and secrets file names. */
export const CONFIG_DIR = ".showwork";
export const CONFIG_FILE = "config.json";
export const SECRETS_FILE = "secrets.json";

/** Where to look. */
export interface FindConfigOptions {
  /** Start of the upward search (default `process.cwd()`). */
  readonly cwd?: string;
  /** Environment (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /** An explicit config: a config.json file, a `.showwork` folder, or a project folder (`--config`). */
  readonly file?: string;
}

function resolveExplicit(path: string, cwd: string, what: string): string {
  const full = resolve(cwd, path);
  if (!existsSync(full)) {
    throw new ConfigError(`${what} names ${full}, which does not exist.`, {
      file: full,
      metaMessages: ["Do: point it at a .showwork/config.json (or its folder), or unset it to use .showwork/ found from the working directory upwards."],
    });
  }
  if (!statSync(full).isDirectory()) return full;
  for (const candidate of [join(full, CONFIG_FILE), join(full, CONFIG_DIR, CONFIG_FILE)]) if (existsSync(candidate)) return candidate;
  throw new ConfigError(`${what} names the folder ${full}, which holds no ${CONFIG_FILE} nor ${CONFIG_DIR}/${CONFIG_FILE}.`, { file: full });
}

/**
 * The config file in use: `file` (`--config`), else `SHOWWORK_CONFIG`, else `.showwork/config.json` in
 * `cwd` or the nearest folder above it.
 * @returns the absolute path, or undefined when there is none.
 * @throws {ConfigError} when `file` / SHOWWORK_CONFIG names something that is not there.
 */
export function findConfigFile(options: FindConfigOptions = {}): string | undefined {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  if (options.file !== undefined) return resolveExplicit(options.file, cwd, "--config");
  const fromEnv = env[ENV.config];
  if (fromEnv !== undefined && fromEnv.trim() !== "") return resolveExplicit(fromEnv.trim(), cwd, ENV.config);
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, CONFIG_DIR, CONFIG_FILE);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The project root of a config file: the folder holding its `.showwork` folder. Relative paths in the config are relative to it. */
export function projectRootOf(configFile: string): string {
  const dir = dirname(configFile);
  return basename(dir) === CONFIG_DIR ? dirname(dir) : dir;
}

/** The loaded config, with the environment applied: what commands and capture use. */
export interface LoadedConfig {
  /** The config file (absolute), if one was found. */
  readonly file: string | undefined;
  /** The project root (paths below are absolute, resolved against it), if a file was found. */
  readonly root: string | undefined;
  /** The secrets file beside the config (it may not exist). */
  readonly secretsFile: string | undefined;
  /** The config file's content as written (undefined without a file). */
  readonly config: ShowworkConfig | undefined;
  /** Secrets: the environment over the secrets file. */
  readonly secrets: ShowworkSecrets;
  /** The operator (administers the log). */
  readonly operator: Address | undefined;
  /** Every chain of the file; `chains[0]` with the environment's overrides applied. */
  readonly chains: readonly ChainConfig[];
  /** The primary chain (`chains[0]`, with the environment applied), flattened. */
  readonly chainId: number | undefined;
  readonly rpc: readonly string[];
  readonly receiptLogs: Address | undefined;
  readonly modelTimeline: Address | undefined;
  readonly logId: Hex | undefined;
  readonly confirmations: number | undefined;
  readonly deploymentBlock: number | undefined;
  /** The service: its URL, and its store (absolute path or postgres:// URL). */
  readonly serviceUrl: string | undefined;
  readonly store: string | undefined;
  /** The evidence store (absolute path or postgres:// URL). */
  readonly evidenceStore: string | undefined;
  /** The capture queue (absolute path). */
  readonly queue: string | undefined;
  /** The model manifest. */
  readonly models: Readonly<Record<string, ModelManifestEntry>> | undefined;
  /** Trust roots file (absolute path). */
  readonly trust: string | undefined;
  /** Where each resolved value came from (by field name of this object, or secret name). */
  readonly sources: Readonly<Record<string, ValueSource>>;
}

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions extends FindConfigOptions {
  /** Throw when no config file is found (default false: the environment alone is used). */
  readonly required?: boolean;
  /** Skip reading the secrets file (commands that need no key). Default false. */
  readonly skipSecrets?: boolean;
}

const isUrl = (value: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(value);

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (cause) {
    throw new ConfigError(`Cannot read ${file}.`, { file, cause });
  }
}

function checkSecretsMode(file: string): void {
  if (process.platform === "win32") return;
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new ConfigError(`${file} is readable by other users (mode ${mode.toString(8).padStart(3, "0")}): it holds private keys.`, {
      file,
      metaMessages: [`Do: chmod 600 ${file}`],
    });
  }
}

function envAddress(env: NodeJS.ProcessEnv, name: EnvName): { value: Address; name: string } | undefined {
  const got = readEnv(env, name);
  if (got === undefined) return undefined;
  if (!/^0x[0-9a-fA-F]{40}$/.test(got.value)) {
    throw new ConfigError(`${got.name} is not an address.`, { field: got.name, metaMessages: ["Expected: 0x followed by 40 hex digits", `Found: ${JSON.stringify(got.value.slice(0, 80))}`] });
  }
  return { value: got.value as Address, name: got.name };
}

/**
 * Loads the project config (see {@link findConfigFile}) and applies the environment:
 * SHOWWORK_OPERATOR_KEY, SHOWWORK_ANCHORER_KEY, SHOWWORK_NODE_KEY, SHOWWORK_SERVICE_TOKEN, SHOWWORK_EVIDENCE_KEY
 * over the secrets file; SHOWWORK_RPC_URL (comma-separated for several), SHOWWORK_RECEIPT_LOGS,
 * SHOWWORK_MODEL_TIMELINE, SHOWWORK_LOG_ID over `chains[0]`; SHOWWORK_SERVICE_URL, SHOWWORK_STORE,
 * SHOWWORK_EVIDENCE, SHOWWORK_QUEUE over the paths. Flags are applied by the commands on top.
 * @throws {ConfigError} naming the file and field (or variable) that is wrong.
 * @example
 * const config = loadConfig();
 * config.rpc[0]; config.logId; config.secrets.nodeKey;
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const file = findConfigFile(options);
  if (file === undefined && options.required) {
    throw new ConfigError(`No showwork config found: no ${CONFIG_DIR}/${CONFIG_FILE} in ${resolve(cwd)} or any folder above it, and ${ENV.config} is not set.`, {
      metaMessages: ["Do: run `npx showwork dev` (a local chain) or `npx showwork init --rpc URL` (a network) in your project folder."],
    });
  }
  const sources: Record<string, ValueSource> = {};
  const config = file === undefined ? undefined : parseConfig(readText(file), file);
  const root = file === undefined ? undefined : projectRootOf(file);
  const secretsFile = file === undefined ? undefined : join(dirname(file), SECRETS_FILE);
  const fromPath = (value: string | undefined): string | undefined =>
    value === undefined ? undefined : isUrl(value) || isAbsolute(value) ? value : resolve(root ?? cwd, value);

  // Secrets: file, then environment.
  let fileSecrets: ShowworkSecrets = {};
  if (secretsFile !== undefined && !options.skipSecrets && existsSync(secretsFile)) {
    checkSecretsMode(secretsFile);
    fileSecrets = parseSecrets(readText(secretsFile), secretsFile);
  }
  const secrets: Record<string, string> = {};
  const secretEnv = { operatorKey: ENV.operatorKey, anchorerKey: ENV.anchorerKey, nodeKey: ENV.nodeKey, serviceToken: ENV.serviceToken, evidenceKey: ENV.evidenceKey } as const;
  for (const name of SECRET_NAMES) {
    const got = readEnv(env, secretEnv[name]);
    if (got !== undefined) {
      secrets[name] = name.endsWith("Key") && name !== "evidenceKey" ? checkPrivateKey(got.value, { field: got.name }) : got.value;
      sources[name] = { kind: "env", name: got.name };
    } else if (fileSecrets[name] !== undefined) {
      secrets[name] = fileSecrets[name];
      sources[name] = { kind: "file", file: secretsFile!, field: name };
    }
  }

  // The primary chain: file, then environment.
  const fileChain = config?.chains[0];
  const inFile = (field: string): ValueSource => ({ kind: "file", file: file!, field });
  const rpcEnv = readEnv(env, ENV.rpc);
  let rpc: readonly string[] = fileChain?.rpc ?? [];
  if (fileChain !== undefined) sources.rpc = inFile("chains[0].rpc");
  if (rpcEnv !== undefined) {
    const urls = rpcEnv.value.split(",").map((url) => url.trim()).filter((url) => url !== "");
    for (const url of urls) {
      const problem = checkRpcUrl(url) === undefined ? (rpcUrlProblem(url) ?? `the RPC URL ${JSON.stringify(url)} is not a valid URL`) : undefined;
      if (problem !== undefined) {
        throw new ConfigError(`${rpcEnv.name}: ${problem}.`, { field: rpcEnv.name, usage: true, metaMessages: ["Expected: http(s):// URLs, comma-separated"] });
      }
    }
    rpc = urls;
    sources.rpc = { kind: "env", name: rpcEnv.name };
  }
  const pick = <T>(field: "receiptLogs" | "modelTimeline", name: EnvName): T | undefined => {
    const got = envAddress(env, name);
    if (got !== undefined) {
      sources[field] = { kind: "env", name: got.name };
      return got.value as T;
    }
    if (fileChain?.[field] !== undefined) sources[field] = inFile(`chains[0].${field}`);
    return fileChain?.[field] as T | undefined;
  };
  const receiptLogs = pick<Address>("receiptLogs", ENV.receiptLogs);
  const modelTimeline = pick<Address>("modelTimeline", ENV.modelTimeline);
  let logId = fileChain?.logId;
  if (logId !== undefined) sources.logId = inFile("chains[0].logId");
  const logEnv = readEnv(env, ENV.logId);
  if (logEnv !== undefined) {
    if (!/^0x[0-9a-fA-F]{64}$/.test(logEnv.value)) throw new ConfigError(`${logEnv.name} is not a log id.`, { field: logEnv.name, metaMessages: ["Expected: 0x followed by 64 hex digits"] });
    logId = logEnv.value.toLowerCase() as Hex;
    sources.logId = { kind: "env", name: logEnv.name };
  }
  const primary: ChainConfig | undefined =
    fileChain === undefined
      ? undefined
      : { ...fileChain, rpc: rpc.length > 0 ? rpc : fileChain.rpc, receiptLogs, modelTimeline, logId };
  const chains = primary === undefined ? [] : [primary, ...config!.chains.slice(1)];

  const value = (field: string, name: EnvName | undefined, fromFile: string | undefined, fileField: string, asPath: boolean): string | undefined => {
    const got = name === undefined ? undefined : readEnv(env, name);
    if (got !== undefined) {
      sources[field] = { kind: "env", name: got.name };
      return asPath ? fromPath(got.value) : got.value;
    }
    if (fromFile === undefined) return undefined;
    sources[field] = inFile(fileField);
    return asPath ? fromPath(fromFile) : fromFile;
  };
  const serviceUrl = value("serviceUrl", ENV.serviceUrl, config?.service?.url, "service.url", false)?.replace(/\/+$/, "");
  if (serviceUrl !== undefined && !/^https?:\/\/[^/]/.test(serviceUrl)) {
    throw new ConfigError(`${ENV.serviceUrl} is not an http(s):// URL: ${JSON.stringify(serviceUrl)}.`, { field: ENV.serviceUrl });
  }
  return {
    file,
    root,
    secretsFile,
    config,
    secrets: secrets as ShowworkSecrets,
    operator: config?.operator,
    chains,
    chainId: fileChain?.chainId,
    rpc,
    receiptLogs,
    modelTimeline,
    logId,
    confirmations: fileChain?.confirmations,
    deploymentBlock: fileChain?.deploymentBlock,
    serviceUrl,
    store: value("store", ENV.store, config?.service?.store, "service.store", true),
    evidenceStore: value("evidenceStore", ENV.evidence, config?.evidence?.store, "evidence.store", true),
    queue: value("queue", ENV.queue, config?.capture?.queue, "capture.queue", true),
    models: config?.capture?.models,
    trust: value("trust", undefined, config?.trust, "trust", true),
    sources,
  };
}

/** Says where a value came from, for messages: `.showwork/config.json ("chains[0].logId")`, `SHOWWORK_LOG_ID`, `the default`. */
export function describeSource(source: ValueSource | undefined): string {
  if (source === undefined) return "nowhere";
  if (source.kind === "env") return `the environment variable ${source.name}`;
  if (source.kind === "file") return `${source.file} ("${source.field}")`;
  return "the default";
}

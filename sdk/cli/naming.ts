/**
 * One naming scheme for every command's flags and environment variables (docs/configuration.md has
 * the table; test/cli/naming.test.ts walks every command against it), and the project config as
 * every command's default.
 *
 * - Flags: `--rpc`, `--receipt-logs`, `--model-timeline`, `--log`, `--service`, `--store`, `--evidence`,
 *   `--queue`, `--config`. The old names (`--contract`, `--timeline`, `--log-id`) are still accepted,
 *   hidden from the help, with a one-line deprecation warning. The renaming is applied here, once,
 *   to the commands as built (their modules still declare some options under the old names).
 * - Environment: the names of sdk/config/env.ts (`SHOWWORK_RECEIPT_LOGS`, `SHOWWORK_MODEL_TIMELINE`,
 *   `SHOWWORK_OPERATOR_KEY`, `SHOWWORK_ANCHORER_KEY`, `SHOWWORK_NODE_KEY`, ...); the old ones
 *   (`SHOWWORK_CONTRACT`, `SHOWWORK_TIMELINE`, `SHOWWORK_TOKEN`, `SHOWWORK_PRIVATE_KEY`) still work, with a warning.
 * - Defaults: an option the user did not give (flag or environment) takes the project config's value;
 *   keys come from its secrets file, each to the command that needs it (operator: `log`, `model`;
 *   anchoring account: `serve`, `anchor`; serving node: `proxy`).
 *
 * @module
 */
import type { EventEmitter } from "node:events";

import { Option, type Command } from "commander";

import { DEPRECATED_ENV, ENV, LEGACY_PRIVATE_KEY, warnDeprecated } from "../config/env.js";
import type { LoadedConfig } from "../config/loadConfig.js";

/** Old flag -> new flag (for `--contract`, by what the contract is: its environment variable said it). */
function renamedFlag(option: Option): string | undefined {
  if (option.long === "--log-id") return "--log";
  if (option.long === "--timeline") return "--model-timeline";
  if (option.long === "--contract") return option.envVar === ENV.modelTimeline || option.envVar === "SHOWWORK_TIMELINE" ? "--model-timeline" : "--receipt-logs";
  return undefined;
}

/** The environment variable of a (renamed) flag. */
const ENV_OF_FLAG: Readonly<Record<string, string>> = {
  "--receipt-logs": ENV.receiptLogs,
  "--model-timeline": ENV.modelTimeline,
  "--log": ENV.logId,
};

/** Every flag the scheme names, with its environment variable (if any) and its config field. */
export const CANONICAL_FLAGS: readonly { readonly flag: string; readonly env?: string; readonly config?: string; readonly what: string }[] = [
  { flag: "--config", env: ENV.config, what: "the project config (.showwork/config.json or its folder)" },
  { flag: "--rpc", env: ENV.rpc, config: "chains[0].rpc", what: "JSON-RPC endpoint(s) of the chain" },
  { flag: "--receipt-logs", env: ENV.receiptLogs, config: "chains[0].receiptLogs", what: "the ReceiptLogs contract" },
  { flag: "--model-timeline", env: ENV.modelTimeline, config: "chains[0].modelTimeline", what: "the ModelTimeline contract" },
  { flag: "--log", env: ENV.logId, config: "chains[0].logId", what: "the log id (verify, audit, monitor: a log you trust / follow)" },
  { flag: "--service", env: ENV.serviceUrl, config: "service.url", what: "the anchoring service's URL" },
  { flag: "--store", env: ENV.store, config: "service.store", what: "the service's store (SQLite file or postgres:// URL)" },
  { flag: "--evidence", env: ENV.evidence, config: "evidence.store", what: "the evidence store" },
  { flag: "--queue", env: ENV.queue, config: "capture.queue", what: "the capture queue (SQLite file)" },
  { flag: "--deployments", env: ENV.deployments, what: "a deployments record file (default: the one the package ships)" },
];

/** Flags that are deprecated aliases: old -> new. */
export const DEPRECATED_FLAGS: Readonly<Record<string, string>> = { "--contract": "--receipt-logs (or --model-timeline for `timeline`)", "--timeline": "--model-timeline", "--log-id": "--log" };

function copyOption(from: Option, flags: string, attribute: string, envVar: string | undefined, hidden: boolean): Option {
  const option = new Option(flags, from.description);
  option.attributeName = () => attribute;
  if (from.defaultValue !== undefined) option.default(from.defaultValue, from.defaultValueDescription);
  if (from.parseArg !== undefined) option.argParser(from.parseArg);
  if (from.argChoices !== undefined) option.choices(from.argChoices);
  if (from.mandatory) option.makeOptionMandatory();
  if (envVar !== undefined) option.env(envVar);
  if (hidden) option.hideHelp();
  return option;
}

/** Renames the old flags of `command` (and its subcommands) to the scheme's, keeping the old ones as hidden aliases. */
export function applyNamingScheme(command: Command): Command {
  for (const sub of command.commands) applyNamingScheme(sub);
  const options = command.options as Option[];
  // Every command that runs takes --config (the project config to read).
  if (command.commands.length === 0 && !options.some((o) => o.long === "--config")) {
    command.addOption(new Option("--config <path>", "the project config (.showwork/config.json or its folder; default: found from the working directory upwards)").env(ENV.config));
  }
  // The scheme's flags carry their environment variable (verify's --log is a pin: stated, never from the environment).
  const path = pathOf(command);
  for (const option of options) {
    const canonical = CANONICAL_FLAGS.find((f) => f.flag === option.long);
    if (canonical?.env !== undefined && option.envVar !== canonical.env && !(option.long === "--log" && LOG_IS_A_CHOICE.has(path.split(" ")[0] ?? ""))) option.env(canonical.env);
  }
  for (const old of [...options]) {
    const to = renamedFlag(old);
    if (to === undefined || options.some((o) => o.long === to)) continue;
    const attribute = old.attributeName();
    const oldLong = old.long!;
    const index = options.indexOf(old);
    options.splice(index, 1);
    (command as unknown as EventEmitter).removeAllListeners(`option:${old.name()}`);
    (command as unknown as EventEmitter).removeAllListeners(`optionEnv:${old.name()}`);
    const renamed = copyOption(old, old.flags.replace(oldLong, to), attribute, ENV_OF_FLAG[to] ?? old.envVar, false);
    command.addOption(renamed);
    // Keep the help's order: move it back where the old one was.
    options.splice(options.indexOf(renamed), 1);
    options.splice(index, 0, renamed);
    const alias = copyOption(old, old.flags, attribute, undefined, true);
    alias.defaultValue = undefined;
    alias.mandatory = false;
    const parse = old.parseArg;
    alias.argParser((value: string, previous: unknown) => {
      warnDeprecated(oldLong, to, "flag");
      return parse === undefined ? value : (parse as (v: string, p: unknown) => unknown)(value, previous);
    });
    command.addOption(alias);
  }
  return command;
}

/** The command path of `command` (e.g. "log create"). */
function pathOf(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) if (c.parent !== null || c.name() !== "showwork") names.unshift(c.name());
  return names.join(" ");
}

/** Config value for a flag, as the command's option expects it (strings; `--rpc` the first endpoint unless repeatable). */
function configValue(config: LoadedConfig, flag: string): string | undefined {
  switch (flag) {
    case "--rpc":
      return config.rpc.length === 0 ? undefined : config.rpc.join(",");
    case "--receipt-logs":
      return config.receiptLogs;
    case "--model-timeline":
      return config.modelTimeline;
    case "--log":
      return config.logId;
    case "--service":
      return config.serviceUrl;
    case "--store":
      return config.store;
    case "--evidence":
      return config.evidenceStore;
    case "--queue":
      return config.queue;
    default:
      return undefined;
  }
}

/** Commands whose `--log` is a pin or filter the user states (never filled from the config). */
const LOG_IS_A_CHOICE = new Set(["verify"]);

/**
 * Sets the project config's values as the defaults of `command`'s options (flags and environment
 * still win), and puts the config's keys in the environment variables the command reads.
 */
export function applyConfigDefaults(command: Command, config: LoadedConfig): void {
  for (const sub of command.commands) applyConfigDefaults(sub, config);
  const path = pathOf(command);
  const top = path.split(" ")[0] ?? "";
  if (top === "dev") return;
  for (const option of command.options as Option[]) {
    if (option.long === undefined || option.hidden) continue;
    if (option.long === "--log" && LOG_IS_A_CHOICE.has(top)) continue;
    let value: string | undefined = configValue(config, option.long);
    if (value === undefined) continue;
    if (option.long === "--rpc" && option.parseArg !== undefined) {
      // Repeatable --rpc parsers take one URL (or a comma-separated list) at a time.
      try {
        const parsed = (option.parseArg as (v: string, p: unknown) => unknown)(value, undefined);
        command.setOptionValueWithSource(option.attributeName(), parsed, "default");
        option.defaultValue = parsed;
        option.defaultValueDescription = `${value} (from ${config.file ?? "the environment"})`;
        continue;
      } catch {
        value = config.rpc[0]!;
      }
    } else if (option.long === "--rpc") {
      value = config.rpc[0]!;
    }
    option.default(value, `${value} (from ${config.file ?? "the environment"})`);
    command.setOptionValueWithSource(option.attributeName(), value, "default");
  }
  const setEnv = (name: string, value: string | undefined): void => {
    if (value !== undefined && (process.env[name] === undefined || process.env[name] === "")) process.env[name] = value;
  };
  if (top === "log" || top === "model") setEnv(ENV.operatorKey, config.secrets.operatorKey);
  if (top === "serve" || top === "anchor") setEnv(ENV.anchorerKey, config.secrets.anchorerKey);
  if (top === "proxy") {
    setEnv(ENV.nodeKey, config.secrets.nodeKey);
    setEnv(ENV.serviceToken, config.secrets.serviceToken);
  }
  setEnv(ENV.evidenceKey, config.secrets.evidenceKey);
}

/**
 * Moves the deprecated environment variables to their new names (with a warning), for the command
 * `top`: SHOWWORK_CONTRACT, SHOWWORK_TIMELINE, SHOWWORK_TOKEN, and SHOWWORK_PRIVATE_KEY (the operator's key
 * for `log`/`model`, the anchoring account's for `serve`/`anchor`).
 */
export function applyDeprecatedEnv(top: string | undefined, env: NodeJS.ProcessEnv = process.env): void {
  const set = (name: string): boolean => env[name] !== undefined && env[name] !== "";
  for (const [old, current] of Object.entries(DEPRECATED_ENV)) {
    if (set(old) && !set(current)) {
      warnDeprecated(old, current);
      env[current] = env[old];
    }
  }
  const whose = top === "log" || top === "model" ? ENV.operatorKey : top === "serve" || top === "anchor" ? ENV.anchorerKey : undefined;
  if (whose !== undefined && set(LEGACY_PRIVATE_KEY) && !set(whose)) {
    warnDeprecated(LEGACY_PRIVATE_KEY, whose);
    env[whose] = env[LEGACY_PRIVATE_KEY];
  }
}

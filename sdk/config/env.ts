/**
 * The environment variables of every command and of the capture helpers: one name per value, and
 * the old names still accepted (for one release) with a one-line deprecation warning on stderr.
 * docs/configuration.md has the table; test/config/naming.test.ts checks every command against it.
 *
 * @module
 */

/** Environment variables: the current names. */
export const ENV = {
  config: "SHOWWORK_CONFIG",
  operatorKey: "SHOWWORK_OPERATOR_KEY",
  anchorerKey: "SHOWWORK_ANCHORER_KEY",
  nodeKey: "SHOWWORK_NODE_KEY",
  serviceUrl: "SHOWWORK_SERVICE_URL",
  serviceToken: "SHOWWORK_SERVICE_TOKEN",
  evidenceKey: "SHOWWORK_EVIDENCE_KEY",
  rpc: "SHOWWORK_RPC_URL",
  receiptLogs: "SHOWWORK_RECEIPT_LOGS",
  modelTimeline: "SHOWWORK_MODEL_TIMELINE",
  logId: "SHOWWORK_LOG_ID",
  store: "SHOWWORK_STORE",
  evidence: "SHOWWORK_EVIDENCE",
  queue: "SHOWWORK_QUEUE",
  deployments: "SHOWWORK_DEPLOYMENTS_FILE",
} as const;

/** A current name. */
export type EnvName = (typeof ENV)[keyof typeof ENV];

/**
 * Old names, accepted for one release: old name -> current name. `SHOWWORK_PRIVATE_KEY` meant the
 * operator's key for `log`/`model` and the anchoring account's key for `serve`/`anchor`: each
 * command maps it to the key it meant (see {@link readEnv}'s `legacy`).
 */
export const DEPRECATED_ENV: Readonly<Record<string, EnvName>> = {
  SHOWWORK_CONTRACT: ENV.receiptLogs,
  SHOWWORK_TIMELINE: ENV.modelTimeline,
  SHOWWORK_TOKEN: ENV.serviceToken,
  SHOWWORK_CAPTURE_QUEUE: ENV.queue,
};

/** The old name of a key whose meaning depended on the command. */
export const LEGACY_PRIVATE_KEY = "SHOWWORK_PRIVATE_KEY";

const warned = new Set<string>();

/** Prints the one-line deprecation warning for `oldName` (once per process). */
export function warnDeprecated(oldName: string, newName: string, what = "environment variable"): void {
  const key = `${oldName}>${newName}`;
  if (warned.has(key)) return;
  warned.add(key);
  process.stderr.write(`showwork: warning: the ${what} ${oldName} is deprecated; use ${newName} (the old name is accepted until the next release)\n`);
}

/**
 * Reads `name` from `env` (empty counts as unset); falls back to its deprecated aliases
 * (and `legacy`, extra old names for this use), warning once.
 * @returns the value and the variable it came from, or undefined.
 */
export function readEnv(
  env: NodeJS.ProcessEnv,
  name: EnvName,
  legacy: readonly string[] = [],
): { readonly value: string; readonly name: string } | undefined {
  const value = env[name];
  if (value !== undefined && value.trim() !== "") return { value: value.trim(), name };
  const olds = [...Object.entries(DEPRECATED_ENV).filter(([, current]) => current === name).map(([old]) => old), ...legacy];
  for (const old of olds) {
    const found = env[old];
    if (found !== undefined && found.trim() !== "") {
      warnDeprecated(old, name);
      return { value: found.trim(), name: old };
    }
  }
  return undefined;
}

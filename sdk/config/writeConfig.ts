/**
 * Writing the project config: `.showwork/config.json`, `.showwork/secrets.json` (mode 0600) and
 * `.showwork/.gitignore` (so the secrets and local data are never committed).
 *
 * @module
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { ConfigError } from "./errors.js";
import { CONFIG_DIR, CONFIG_FILE, SECRETS_FILE } from "./loadConfig.js";
import { parseConfig, parseSecrets } from "./parseConfig.js";
import type { ShowworkConfig, ShowworkSecrets } from "./types.js";

/** What `.showwork/.gitignore` ignores: the secrets, and local data (stores, queue, the dev chain). */
export const GITIGNORE_LINES = [SECRETS_FILE, "*.sqlite", "*.sqlite-*", "dev/", "bundles/"] as const;

/** Paths written by {@link writeConfig}. */
export interface WrittenConfig {
  readonly dir: string;
  readonly file: string;
  readonly secretsFile: string;
  readonly gitignore: string;
}

function writeAtomic(path: string, text: string, mode: number): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text, { mode });
  chmodSync(temp, mode);
  renameSync(temp, path);
}

/**
 * Writes the config of the project at `root` (creating `.showwork/`). The config is checked first
 * (a config that {@link parseConfig} would refuse is not written). `secrets` are merged into the
 * existing secrets file (fields given replace those there; others are kept); the file is 0600.
 * `.gitignore` is created, or completed with its missing lines.
 */
export function writeConfig(root: string, config: ShowworkConfig, secrets: ShowworkSecrets = {}): WrittenConfig {
  const dir = join(root, CONFIG_DIR);
  const file = join(dir, CONFIG_FILE);
  const secretsFile = join(dir, SECRETS_FILE);
  const gitignore = join(dir, ".gitignore");
  const text = `${JSON.stringify(config, null, 2)}\n`;
  parseConfig(text, file);
  mkdirSync(dir, { recursive: true });

  const existingIgnore = existsSync(gitignore) ? readFileSync(gitignore, "utf8") : "";
  const have = new Set(existingIgnore.split("\n").map((line) => line.trim()));
  const missing = GITIGNORE_LINES.filter((line) => !have.has(line));
  if (missing.length > 0) {
    writeFileSync(gitignore, `${existingIgnore}${existingIgnore === "" || existingIgnore.endsWith("\n") ? "" : "\n"}${missing.join("\n")}\n`);
  }

  const current = existsSync(secretsFile) ? parseSecrets(readFileSync(secretsFile, "utf8"), secretsFile) : {};
  const merged: Record<string, string> = { ...(current as Record<string, string>) };
  for (const [key, value] of Object.entries(secrets)) if (value !== undefined) merged[key] = value;
  const secretsText = `${JSON.stringify(merged, null, 2)}\n`;
  parseSecrets(secretsText, secretsFile);
  try {
    writeAtomic(secretsFile, secretsText, 0o600);
    writeAtomic(file, text, 0o644);
  } catch (cause) {
    throw new ConfigError(`Cannot write the config in ${dir}.`, { file: dir, cause });
  }
  return { dir, file, secretsFile, gitignore };
}

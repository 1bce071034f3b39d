/**
 * Reading a key from the Hardhat 3 keystore (`npx hardhat keystore set NAME`), with no Hardhat project
 * and no Hardhat plugin: the keystore is a JSON file in Hardhat's global config folder
 * (`keystore.json`, or `dev.keystore.json` with its password in `hardhat.checksum` for `--dev`), so an
 * installed showwork reads the keys a Hardhat user already keeps there, in any folder.
 *
 * The format (`"version": "hardhat-v3-keystore-1"`, @nomicfoundation/hardhat-keystore's
 * `keystores/encryption.ts`): a master key derived from the password with scrypt (the parameters
 * and salt are in the file; the password NFKC-normalised) decrypts an HMAC key and a data key
 * (AES-256-GCM-SIV, hex strings); the HMAC-SHA-256 over the file's deterministic JSON (keys sorted,
 * `hmac` left out) is checked before any secret is opened; each secret is the data key's
 * AES-GCM-SIV encryption of its UTF-8 value. Hardhat's own tests and ours (test/config/hardhatKeystore.test.ts)
 * read files written by `npx hardhat keystore set`.
 *
 * Node.js only.
 *
 * @module
 */
import { createHmac, scrypt as scryptCallback, timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

import { gcmsiv } from "@noble/ciphers/aes";

import { ConfigError } from "./errors.js";

/** The environment variable that may hold the keystore's password (else it is asked for on the terminal). */
export const KEYSTORE_PASSWORD_ENV = "SHOWWORK_KEYSTORE_PASSWORD";

/** The keystore format this reader knows. */
const KEYSTORE_VERSION = "hardhat-v3-keystore-1";

interface EncryptedData {
  readonly iv: string;
  readonly cypherText: string;
}

interface KeystoreFile {
  readonly version: string;
  readonly crypto: {
    readonly masterKeyDerivation: { readonly algorithm: string; readonly paramN: number; readonly paramP: number; readonly paramR: number; readonly unicodeNormalizationForm: string; readonly keyLength: number; readonly salt: string };
    readonly encryption: { readonly algorithm: string; readonly keyLength: number };
    readonly hmac: { readonly algorithm: string; readonly keyLength: number };
  };
  readonly hmacKey: EncryptedData;
  readonly dataEncryptionKey: EncryptedData;
  readonly hmac: string;
  readonly secrets: Readonly<Record<string, EncryptedData>>;
}

/** Where Hardhat keeps its global config (env-paths("hardhat").config, as @nomicfoundation/hardhat-utils computes it). */
export function hardhatConfigDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const home = homedir();
  if (platform === "darwin") return join(home, "Library", "Preferences", "hardhat-nodejs");
  if (platform === "win32") return join(env.APPDATA ?? join(home, "AppData", "Roaming"), "hardhat-nodejs", "Config");
  const xdg = env.XDG_CONFIG_HOME;
  return join(xdg !== undefined && xdg !== "" ? xdg : join(home, ".config"), "hardhat-nodejs");
}

/** The keystore file (`dev`: the development keystore, no password). */
export function hardhatKeystoreFile(options: { dev?: boolean; env?: NodeJS.ProcessEnv } = {}): string {
  return join(hardhatConfigDir(options.env), options.dev === true ? "dev.keystore.json" : "keystore.json");
}

/** What to read and how to get the password. */
export interface ReadKeystoreSecretOptions {
  /** The entry's name (as given to `npx hardhat keystore set NAME`). */
  readonly entry: string;
  /** The development keystore (`--dev`): its password is in Hardhat's `hardhat.checksum`. */
  readonly dev?: boolean;
  /** Environment (default `process.env`): `XDG_CONFIG_HOME`/`APPDATA`, and SHOWWORK_KEYSTORE_PASSWORD. */
  readonly env?: NodeJS.ProcessEnv;
  /** Asks for the password when the environment has none (default: on the terminal, or a line of standard input). */
  readonly askPassword?: (prompt: string) => Promise<string>;
}

const hexBytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, "hex"));

function decrypt(key: Uint8Array, data: EncryptedData): string {
  return new TextDecoder().decode(gcmsiv(key, hexBytes(data.iv)).decrypt(hexBytes(data.cypherText)));
}

/** JSON.stringify with every object's keys sorted (Hardhat's deterministicJsonStringify). */
function deterministicJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]));
  });
}

function scrypt(password: string, salt: Uint8Array, n: number, r: number, p: number, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(password, salt, length, { N: n, r, p, maxmem: 256 * n * r + (1 << 20) }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/**
 * Asks for a password: hidden on a terminal; else the first line of standard input (for scripts:
 * `printf '%s\n' "$PASSWORD" | npx showwork init …`).
 */
export async function askPasswordOnTerminal(prompt: string): Promise<string> {
  const input = process.stdin;
  if (input.isTTY !== true) {
    const rl = createInterface({ input, terminal: false });
    try {
      for await (const line of rl) return line;
      return "";
    } finally {
      rl.close();
    }
  }
  process.stderr.write(prompt);
  const rl = createInterface({ input, output: process.stderr, terminal: true });
  // Hide what is typed: readline echoes through _writeToOutput.
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => {};
  try {
    return await new Promise<string>((resolve) => rl.question("", resolve));
  } finally {
    rl.close();
    process.stderr.write("\n");
  }
}

/**
 * Reads one secret from the Hardhat keystore.
 *
 * @returns the secret's value and where it came from (for messages; the value itself is never printed).
 * @throws {ConfigError} when the keystore does not exist, is not one this reader knows, the password
 * is wrong (the file's HMAC does not match), or it has no entry `entry` (the message lists its entries).
 * @example
 * const { value } = await readKeystoreSecret({ entry: "SHOWWORK_OPERATOR_KEY" });
 */
export async function readKeystoreSecret(options: ReadKeystoreSecretOptions): Promise<{ value: string; source: string }> {
  const env = options.env ?? process.env;
  const dev = options.dev === true;
  const which = dev ? "development keystore" : "keystore";
  const file = hardhatKeystoreFile({ dev, env });
  const setCommand = `npx hardhat keystore set${dev ? " --dev" : ""} ${options.entry}`;
  if (!existsSync(file)) {
    throw new ConfigError(`Could not read "${options.entry}" from the Hardhat ${which}: there is no ${file}.`, {
      file,
      metaMessages: [`Do: store the key there first (\`${setCommand}\`, in any Hardhat 3 project), or set the key's environment variable instead.`],
    });
  }
  let keystore: KeystoreFile;
  try {
    keystore = JSON.parse(readFileSync(file, "utf8")) as KeystoreFile;
  } catch (error) {
    throw new ConfigError(`Could not read "${options.entry}" from the Hardhat ${which}: ${file} is not JSON.`, { file, cause: error });
  }
  const derivation = keystore?.crypto?.masterKeyDerivation;
  if (keystore?.version !== KEYSTORE_VERSION || derivation?.algorithm !== "scrypt" || keystore.crypto.encryption?.algorithm !== "AES-GCM-SIV" || keystore.crypto.hmac?.algorithm !== "HMAC-SHA-256") {
    throw new ConfigError(`Could not read "${options.entry}" from the Hardhat ${which}: ${file} is not a keystore this version reads.`, {
      file,
      metaMessages: [`Expected: "version": "${KEYSTORE_VERSION}" (scrypt, AES-GCM-SIV, HMAC-SHA-256)`, `Found:    "version": ${JSON.stringify(keystore?.version)}`],
    });
  }
  let password: string;
  let passwordFrom: string;
  if (dev) {
    const passwordFile = join(hardhatConfigDir(env), "hardhat.checksum");
    if (!existsSync(passwordFile)) throw new ConfigError(`Could not read "${options.entry}" from the Hardhat development keystore: its password file ${passwordFile} is missing.`, { file: passwordFile });
    password = readFileSync(passwordFile, "utf8");
    passwordFrom = passwordFile;
  } else if (env[KEYSTORE_PASSWORD_ENV] !== undefined && env[KEYSTORE_PASSWORD_ENV] !== "") {
    password = env[KEYSTORE_PASSWORD_ENV];
    passwordFrom = KEYSTORE_PASSWORD_ENV;
  } else {
    password = await (options.askPassword ?? askPasswordOnTerminal)(`Password of the Hardhat keystore (${file}) for "${options.entry}": `);
    passwordFrom = "the password typed";
  }
  const masterKey = await scrypt(password.normalize(derivation.unicodeNormalizationForm as "NFKC"), hexBytes(derivation.salt), derivation.paramN, derivation.paramR, derivation.paramP, derivation.keyLength / 8);
  let hmacKey: Uint8Array;
  let dataKey: Uint8Array;
  try {
    hmacKey = hexBytes(decrypt(masterKey, keystore.hmacKey));
    dataKey = hexBytes(decrypt(masterKey, keystore.dataEncryptionKey));
  } catch (error) {
    throw new ConfigError(`Could not read "${options.entry}" from the Hardhat ${which}: wrong password (${passwordFrom}) for ${file}.`, {
      file,
      cause: error,
      metaMessages: [dev ? "Do: the development keystore's password file does not open it; re-create the entry with `" + setCommand + "`." : `Do: give the password the keystore was made with (${KEYSTORE_PASSWORD_ENV}, or type it when asked).`],
    });
  }
  const expected = createHmac("sha256", hmacKey).update(deterministicJson({ ...keystore, hmac: undefined })).digest();
  const found = Buffer.from(keystore.hmac ?? "", "hex");
  if (found.length !== expected.length || !timingSafeEqual(found, expected)) {
    throw new ConfigError(`Could not read "${options.entry}" from the Hardhat ${which}: ${file} has been changed since Hardhat wrote it (its HMAC does not match).`, {
      file,
      metaMessages: ["Do: restore the file from a backup, or re-create the keystore with `npx hardhat keystore set`."],
    });
  }
  const secret = keystore.secrets[options.entry];
  if (secret === undefined) {
    const names = Object.keys(keystore.secrets);
    throw new ConfigError(`Could not read "${options.entry}" from the Hardhat ${which}: it has no entry "${options.entry}".`, {
      file,
      metaMessages: [`Found:    ${names.length === 0 ? "no entries" : `the entries ${names.join(", ")}`}`, `Do: \`${setCommand}\`, or name one of its entries.`],
    });
  }
  return { value: decrypt(dataKey, secret), source: `the Hardhat ${which} entry ${options.entry}` };
}

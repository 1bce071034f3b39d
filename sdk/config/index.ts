/**
 * The project config (Node only): `.showwork/config.json` + `.showwork/secrets.json`, found from the
 * working directory upwards (or `SHOWWORK_CONFIG`), with environment overrides. Every command and the
 * capture helpers read it by default. See docs/configuration.md.
 *
 * @module
 */
export { DEPRECATED_ENV, ENV, LEGACY_PRIVATE_KEY, readEnv, warnDeprecated, type EnvName } from "./env.js";
export { ConfigError } from "./errors.js";
export {
  CONFIG_DIR,
  CONFIG_FILE,
  SECRETS_FILE,
  describeSource,
  findConfigFile,
  loadConfig,
  projectRootOf,
  type FindConfigOptions,
  type LoadConfigOptions,
  type LoadedConfig,
} from "./loadConfig.js";
export { lastReceiptFile, recordLastReceipt } from "./lastReceipt.js";
export { checkPrivateKey, checkRpcUrl, parseConfig, parseSecrets } from "./parseConfig.js";
export { CONFIG_FORMAT, SECRET_NAMES, type ChainConfig, type ShowworkConfig, type ShowworkSecrets, type ValueSource } from "./types.js";
export { GITIGNORE_LINES, writeConfig, type WrittenConfig } from "./writeConfig.js";

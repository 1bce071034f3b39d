/**
 * Errors of the project config: each names the file and the field (or the variable) and says what to do.
 *
 * @module
 */
import { ShowworkError } from "../errors.js";

/** The config (or secrets file, or an environment variable) is missing, unreadable or malformed. */
export class ConfigError extends ShowworkError {
  override name = "ConfigError";
  /** The file concerned, if any. */
  readonly file: string | undefined;
  /** The field (dotted path) or variable concerned, if any. */
  readonly field: string | undefined;
  /** The exit code a command line should end with: 2 for a value a person typed wrong (a usage error), else 1. */
  readonly exitCode: 1 | 2;
  constructor(shortMessage: string, options: { file?: string; field?: string; metaMessages?: string[]; cause?: unknown; usage?: boolean } = {}) {
    super(shortMessage, { ...(options.metaMessages ? { metaMessages: options.metaMessages } : {}), ...(options.cause === undefined ? {} : { cause: options.cause }) });
    this.file = options.file;
    this.field = options.field;
    this.exitCode = options.usage === true ? 2 : 1;
  }
}

/**
 * The `showwork` command line. One file per command under `commands/`.
 *
 * @module
 */
import { Command } from "commander";

import { ShowworkError } from "../errors.js";
import { anchorCommand } from "./commands/anchor.js";
import { auditCommand } from "./commands/audit.js";
import { discloseCommand } from "./commands/disclose.js";
import { evidenceCommand } from "./commands/evidence.js";
import { proveCommand } from "./commands/prove.js";
import { publishCommand } from "./commands/publish.js";
import { serveCommand } from "./commands/serve.js";
import { timelineCommand } from "./commands/timeline.js";
import { tokenCommand } from "./commands/token.js";
import { verifierCommand } from "./commands/verifier.js";
import { verifyCommand } from "./commands/verify.js";

const program = new Command()
  .name("showwork")
  .description("A verifiable receipt for every AI answer: record, batch, anchor, prove, verify.")
  .showHelpAfterError();

for (const command of [
  serveCommand(),
  anchorCommand(),
  proveCommand(),
  verifyCommand(),
  discloseCommand(),
  evidenceCommand(),
  timelineCommand(),
  tokenCommand(),
  auditCommand(),
  publishCommand(),
  verifierCommand(),
]) {
  program.addCommand(command);
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof ShowworkError) {
    process.stderr.write(`showwork: ${error.message}\n`);
  } else {
    process.stderr.write(`showwork: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exitCode = process.exitCode || 1;
}

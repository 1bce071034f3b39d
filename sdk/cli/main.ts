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
import { logCommand } from "./commands/log.js";
import { modelCommand } from "./commands/model.js";
import { monitorCommand } from "./commands/monitor.js";
import { proveCommand } from "./commands/prove.js";
import { proxyCommand } from "./commands/proxy.js";
import { publishCommand } from "./commands/publish.js";
import { replayCommand } from "./commands/replay.js";
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
  proxyCommand(),
  anchorCommand(),
  logCommand(),
  modelCommand(),
  proveCommand(),
  verifyCommand(),
  discloseCommand(),
  evidenceCommand(),
  replayCommand(),
  timelineCommand(),
  tokenCommand(),
  auditCommand(),
  publishCommand(),
  monitorCommand(),
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

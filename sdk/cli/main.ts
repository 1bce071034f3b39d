/**
 * The `showwork` command line. One file per command under `commands/`.
 *
 * @module
 */
import { Command } from "commander";

import { ShowworkError } from "../errors.js";
import { anchorCommand } from "./commands/anchor.js";
import { proveCommand } from "./commands/prove.js";
import { serveCommand } from "./commands/serve.js";

const program = new Command()
  .name("showwork")
  .description("A verifiable receipt for every AI answer: record, batch, anchor, prove.")
  .showHelpAfterError();

for (const command of [serveCommand(), anchorCommand(), proveCommand()]) program.addCommand(command);

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

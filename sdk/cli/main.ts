/**
 * The `showwork` command line: builds the program (sdk/cli/program.ts: only the chosen command's
 * module is imported) and runs it.
 *
 * @module
 */
import { ShowworkError } from "../errors.js";
import { buildProgram } from "./program.js";

try {
  const program = await buildProgram(process.argv.slice(2));
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof ShowworkError) {
    process.stderr.write(`showwork: ${error.message}\n`);
  } else {
    process.stderr.write(`showwork: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  const exitCode = (error as { exitCode?: unknown }).exitCode;
  process.exitCode = process.exitCode || (exitCode === 2 ? 2 : 1);
}

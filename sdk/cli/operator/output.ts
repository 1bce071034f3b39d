/**
 * How the operator commands end: one JSON object on stdout with `--json`, else lines for people
 * (what happened, and the transaction). Failures: the explained error on stderr (and, with
 * `--json`, `{ ok: false, error }` on stdout), and the exit code of {@link OPERATOR_EXIT}.
 *
 * @module
 */
import type { TransactionReceipt } from "viem";

import { ShowworkError } from "../../errors.js";
import { explainChainError, type ChainErrorContext } from "./chainErrors.js";
import { OPERATOR_EXIT, OperatorCommandError } from "./context.js";

/** JSON with bigints as decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
}

/** The transaction facts every write reports. */
export function transactionFacts(receipt: TransactionReceipt): { hash: string; blockNumber: bigint; gasUsed: bigint } {
  return { hash: receipt.transactionHash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed };
}

/** The human line naming the transaction. */
export function transactionLine(receipt: TransactionReceipt): string {
  return `tx ${receipt.transactionHash} (block ${receipt.blockNumber}, gas ${receipt.gasUsed})`;
}

/** Prints a successful result. */
export function printResult(json: boolean | undefined, result: { command: string } & Record<string, unknown>, lines: readonly string[]): void {
  process.stdout.write(json ? `${toJson({ ok: true, ...result })}\n` : `${lines.join("\n")}\n`);
}

/**
 * Runs one operator command: errors from the chain are explained (see chainErrors.ts), printed, and
 * become the exit code; nothing is thrown to commander.
 */
export async function runOperatorCommand(
  command: string,
  json: boolean | undefined,
  context: () => Omit<ChainErrorContext, "action">,
  body: () => Promise<void>,
): Promise<void> {
  try {
    await body();
  } catch (raw) {
    const error = explainChainError(raw, { action: `showwork ${command}`, ...context() });
    const exitCode = error instanceof OperatorCommandError ? error.exitCode : OPERATOR_EXIT.refused;
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${message.startsWith("showwork ") ? "" : `showwork ${command}: `}${message}\n`);
    if (json) {
      const shown =
        error instanceof ShowworkError
          ? { name: error.name, shortMessage: error.shortMessage, metaMessages: error.metaMessages ?? [], details: error.details }
          : { name: error instanceof Error ? error.name : "Error", shortMessage: message };
      process.stdout.write(`${toJson({ ok: false, command, exitCode, error: shown })}\n`);
    }
    process.exitCode = exitCode;
  }
}

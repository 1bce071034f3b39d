/**
 * Turns what the node answered into an error an operator can act on: which contract error, what it
 * means here, what to do; an unfunded account; an endpoint that did not answer (exit 2: nothing is
 * known to have happened).
 *
 * @module
 */
import { BaseError, ContractFunctionRevertedError, InsufficientFundsError, type Address } from "viem";

import { ShowworkError } from "../../errors.js";
import { describeRpcFailure, isRpcUnavailable } from "../../verify/rpcFailure.js";
import { OPERATOR_EXIT, OperatorCommandError } from "./context.js";

/** What the command was doing when the node answered. */
export interface ChainErrorContext {
  /** e.g. "grant anchorer". */
  readonly action: string;
  /** Unknown when the command failed before it reached the chain. */
  readonly chainId?: number | undefined;
  readonly account?: Address | undefined;
  readonly contract?: Address | undefined;
  /** Whether a transaction may have been sent (then an unreachable endpoint leaves its outcome unknown). */
  readonly write: boolean;
}

const HINTS: Record<string, (args: readonly unknown[], c: ChainErrorContext) => string[]> = {
  ReceiptLogsUnknownLog: (a, c) => [`No log ${a[0]} exists in ReceiptLogs ${c.contract} on chain ${c.chainId}.`, "Do: check --log-id, and --receipt-logs / --rpc (another chain or contract?)."],
  ReceiptLogsUnauthorizedAdmin: (a) => [`${a[1]} is not the admin of log ${a[0]}.`, "Do: sign with the log admin's key (`showwork log show` names the admin)."],
  ReceiptLogsLogAlreadyExists: (a) => [`Log ${a[0]} exists already (same creator and salt).`, "Do: use another --salt, or omit it for a random one."],
  ReceiptLogsInvalidAnchorer: () => ["The zero address cannot be an anchorer."],
  ReceiptLogsUnauthorizedAnchorer: (a) => [`${a[1]} may not anchor in log ${a[0]}.`, "Do: `showwork log grant-anchorer` it first (log admin)."],
  ModelTimelineUnknownLog: (a) => [`No log ${a[0]} exists in the ReceiptLogs this ModelTimeline governs.`, "Do: check --log-id and --model-timeline."],
  ModelTimelineUnauthorizedPublisher: (a) => [`${a[1]} is neither the admin of log ${a[0]} nor one of its timeline publishers.`, "Do: sign with the log admin's key, or have the admin grant this account (grantTimelinePublisher)."],
  ModelTimelineUnauthorizedAdmin: (a) => [`${a[1]} is not the admin of log ${a[0]}.`],
  ModelTimelineModelAlreadyRegistered: (a) => [`The model ${a[1]} is already registered in log ${a[0]}.`, "Do: nothing (`showwork model show` lists it)."],
  ModelTimelineUnknownModel: (a) => [`The model ${a[1]} is not registered in log ${a[0]}.`, "Do: `showwork model register NAME` first (or check the name's spelling: the id is keccak256 of the exact name)."],
  ModelTimelineZeroWeightsDigest: () => ["A version's weights digest cannot be zero."],
  ModelTimelineVersionAlreadyPublished: (a) => [`That weights digest is already published as v${a[3]}.`],
  ModelTimelineUnknownVersion: (a) => [`No version with weights digest ${a[2]} is published for this model.`, "Do: `showwork model publish` it first, or check --weights / --version (`showwork model show` lists them)."],
  ModelTimelineNotNewerVersion: (a) => [`v${a[2]} is not newer than the active v${a[3]}: a deploy goes forward only.`, "Do: `showwork model rollback --reason ...` to go back to an earlier version."],
  ModelTimelineNotEarlierVersion: (a) => [`v${a[2]} is not earlier than the active v${a[3]}: a rollback goes back only.`, "Do: `showwork model deploy` to go forward."],
  ModelTimelineNoActiveVersion: () => ["No version is active: there is nothing to roll back from or deactivate.", "Do: `showwork model deploy` a version first."],
  ModelTimelineEmptyReason: () => ["A rollback or deactivation must say why: --reason must not be empty."],
};

/** A contract error's argument as Solidity writes it (numbers bare, addresses and hashes as hex): not a "Found:" value. */
function solidityArgument(value: unknown): string {
  return typeof value === "bigint" ? value.toString() : typeof value === "string" ? value : JSON.stringify(value);
}

/** The operator-facing error for `error`, thrown while doing `context.action`. */
export function explainChainError(error: unknown, context: ChainErrorContext): ShowworkError | unknown {
  if (error instanceof ShowworkError) return error;
  if (!(error instanceof BaseError)) return error;
  if (isRpcUnavailable(error)) {
    return new OperatorCommandError(`${context.action}: the RPC endpoint did not answer (${describeRpcFailure(error)}).`, {
      exitCode: OPERATOR_EXIT.unreachable,
      metaMessages: context.write
        ? ["Nothing is known to have happened: if the transaction was sent, look for it by the account's nonce before retrying."]
        : ["Do: check --rpc, then retry."],
      cause: error,
    });
  }
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (reverted instanceof ContractFunctionRevertedError) {
    const name = reverted.data?.errorName;
    const args = reverted.data?.args ?? [];
    if (name !== undefined) {
      return new OperatorCommandError(`${context.action}: the contract refused: ${name}(${args.map(solidityArgument).join(", ")}).`, {
        metaMessages: HINTS[name]?.(args, context) ?? [],
        details: reverted.shortMessage,
      });
    }
    return new OperatorCommandError(`${context.action}: the contract reverted without a known error (${reverted.shortMessage}).`, {
      metaMessages: [`Is ${context.contract} a showwork contract on chain ${context.chainId}?`],
    });
  }
  const funds = error.walk((e) => e instanceof InsufficientFundsError || (e instanceof BaseError && /enough funds|insufficient funds/i.test(`${e.shortMessage} ${e.details}`)));
  if (funds instanceof BaseError) {
    return new OperatorCommandError(`${context.action}: the account ${context.account} cannot pay for the transaction on chain ${context.chainId}.`, {
      metaMessages: [`The node answered: ${firstLine(funds.details || funds.shortMessage)}`, "Do: fund the account with the chain's native currency, then retry."],
    });
  }
  return new OperatorCommandError(`${context.action}: the node refused: ${error.shortMessage}`, { details: error.details });
}

function firstLine(text: string): string {
  return (text.split("\n")[0] ?? "").slice(0, 240);
}


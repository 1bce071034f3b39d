/**
 * Errors of showwork's viem actions. Errors from the node (a revert with one of the contracts' custom
 * errors, an unfunded account) are viem's own errors, passed through with their cause chain.
 *
 * @module
 */
import type { Hex } from "viem";

import { ShowworkError } from "../errors.js";

/** A contract address the action needs was neither passed nor configured in the decorator. */
export class MissingContractError extends ShowworkError {
  override name = "MissingContractError";
  readonly contract: "receiptLogs" | "modelTimeline";
  constructor(args: { contract: "receiptLogs" | "modelTimeline"; action: string }) {
    super(`${args.action}: no ${args.contract} contract address.`, {
      metaMessages: [
        `Expected: \`${args.contract}\` in the parameters, or in \`contracts\` of the decorator (showworkPublicActions / showworkWalletActions)`,
        "Do: take it from the deployments record (`getDeployment(chainId).contracts`) or pass it.",
      ],
    });
    this.contract = args.contract;
  }
}

/** A write action has no account to send from. */
export class MissingAccountError extends ShowworkError {
  override name = "MissingAccountError";
  constructor(action: string) {
    super(`${action}: no account to send the transaction from.`, {
      metaMessages: ["Expected: a wallet client made with `account`, or `account` in the parameters."],
    });
  }
}

/** A transaction was mined but reverted (status 0). */
export class TransactionRevertedError extends ShowworkError {
  override name = "TransactionRevertedError";
  readonly hash: Hex;
  readonly blockNumber: bigint;
  constructor(args: { action: string; hash: Hex; blockNumber: bigint }) {
    super(`${args.action}: the transaction ${args.hash} was mined in block ${args.blockNumber} but reverted.`, {
      metaMessages: ["Do: replay it with `eth_call` at that block to see the contract's error, or check the chain's state changed since it was sent."],
    });
    this.hash = args.hash;
    this.blockNumber = args.blockNumber;
  }
}

/** A mined transaction lacks the event the action decodes its result from. */
export class EventNotFoundError extends ShowworkError {
  override name = "EventNotFoundError";
  readonly hash: Hex;
  readonly eventName: string;
  constructor(args: { action: string; hash: Hex; eventName: string }) {
    super(`${args.action}: transaction ${args.hash} succeeded but emitted no ${args.eventName} event.`, {
      metaMessages: ["Expected: the event from the showwork contract the action called. Is the address a showwork contract?"],
    });
    this.hash = args.hash;
    this.eventName = args.eventName;
  }
}

/**
 * Chain friction, said plainly: what the node answered when it refused a transaction, and what
 * to do about it. The anchoring service and the log setup use it, so that a refusal (e.g.
 * "insufficient funds") is reported at once with the node's own words, never retried silently.
 *
 * @module
 */
import { formatEther, type Address, type PublicClient } from "viem";

import { ShowworkError } from "../../errors.js";

/** Why a node refused a transaction. */
export type RejectionKind =
  | "insufficient-funds"
  | "fee-cap-too-low"
  | "intrinsic-gas-too-low"
  | "gas-limit-exceeded"
  | "nonce-too-high"
  | "tx-type-not-supported"
  | "rejected";

const PATTERNS: readonly [RejectionKind, RegExp][] = [
  ["insufficient-funds", /insufficient funds|doesn't have enough funds|not enough funds|balance too low|insufficient balance/i],
  ["fee-cap-too-low", /max fee per gas less than block base fee|fee cap (less|lower) than|maxFeePerGas.*(too low|below)|transaction underpriced.*base fee/i],
  ["intrinsic-gas-too-low", /intrinsic gas too low/i],
  ["gas-limit-exceeded", /exceeds block gas limit|gas limit reached|exceeds the configured cap/i],
  ["nonce-too-high", /nonce too high/i],
  ["tx-type-not-supported", /transaction type not supported|eip-1559.*not (supported|enabled)/i],
];

/** The node's own words in an error (the deepest message/details of the cause chain). */
export function nodeAnswer(error: unknown): string {
  const parts: string[] = [];
  let e: unknown = error;
  for (let depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    if (e instanceof Error) {
      const details = (e as { details?: string }).details;
      parts.push(details !== undefined && details !== "" ? details : ((e as { shortMessage?: string }).shortMessage ?? e.message));
    }
    e = (e as { cause?: unknown }).cause;
  }
  const answer = parts.reverse().find((p) => p.trim() !== "") ?? String(error);
  // Strip control characters (a node's text is printed to a terminal) and keep it one line.
  // eslint-disable-next-line no-control-regex
  return answer.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ").slice(0, 500);
}

/** The kind of refusal when `error` is a node refusing a transaction for good (undefined otherwise: transient or benign). */
export function rejectionKind(error: unknown): RejectionKind | undefined {
  const text = errorTexts(error);
  for (const [kind, pattern] of PATTERNS) if (pattern.test(text)) return kind;
  return undefined;
}

/** The messages (and viem `details`) of an error and its causes, up to 8 deep, joined with " | ". */
export function errorTexts(error: unknown): string {
  const parts: string[] = [];
  let e: unknown = error;
  for (let depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    if (e instanceof Error) parts.push(e.message, (e as { details?: string }).details ?? "");
    e = (e as { cause?: unknown }).cause;
  }
  return parts.join(" | ");
}

/** The node refused a transaction: says what it answered, what the account has, and what to do. */
export class ChainRejectedError extends ShowworkError {
  override name = "ChainRejectedError";
  readonly kind: RejectionKind;
  /** The node's answer, verbatim (control characters removed). */
  readonly nodeSaid: string;
  readonly account: Address;
  /** The account's balance when it was refused (wei), when known. */
  readonly balance: bigint | undefined;
  /** Most the transaction could cost (gas × maxFeePerGas, wei), when known. */
  readonly maxCost: bigint | undefined;
  /** What to do, one line. */
  readonly todo: string;

  constructor(args: {
    what: string;
    kind: RejectionKind;
    nodeSaid: string;
    account: Address;
    chainId: number | undefined;
    balance?: bigint | undefined;
    maxCost?: bigint | undefined;
    cause?: unknown;
  }) {
    const todo = todoFor(args.kind, args.account, args.chainId, args.balance, args.maxCost);
    super(`${args.what}: the node refused the transaction (${args.kind}): "${args.nodeSaid}".`, {
      cause: args.cause,
      details: args.nodeSaid,
      metaMessages: [
        `Account: ${args.account}${args.chainId === undefined ? "" : ` on chain ${args.chainId}`}`,
        ...(args.balance === undefined ? [] : [`Balance: ${args.balance} wei (${formatEther(args.balance)} ETH)`]),
        ...(args.maxCost === undefined ? [] : [`This transaction costs up to: ${args.maxCost} wei (${formatEther(args.maxCost)} ETH)`]),
        `Do: ${todo}`,
      ],
    });
    this.kind = args.kind;
    this.nodeSaid = args.nodeSaid;
    this.account = args.account;
    this.balance = args.balance;
    this.maxCost = args.maxCost;
    this.todo = todo;
  }
}

function todoFor(kind: RejectionKind, account: Address, chainId: number | undefined, balance: bigint | undefined, maxCost: bigint | undefined): string {
  const chain = chainId === undefined ? "" : ` on chain ${chainId}`;
  switch (kind) {
    case "insufficient-funds":
      return maxCost !== undefined && balance !== undefined && maxCost > balance
        ? `send at least ${formatEther(maxCost - balance)} ETH (more for the batches to come) to ${account}${chain}; anchoring resumes by itself.`
        : `fund ${account}${chain}; anchoring resumes by itself.`;
    case "fee-cap-too-low":
      return "raise the fee cap (the base fee is above it), or wait for fees to fall; the service retries.";
    case "intrinsic-gas-too-low":
    case "gas-limit-exceeded":
      return "anchor fewer batches per transaction (maxBatchesPerTx), or check the chain's gas limit.";
    case "nonce-too-high":
      return `another process may be using ${account}: give the service an account of its own.`;
    case "tx-type-not-supported":
      return "this chain does not accept EIP-1559 transactions; use a chain that does.";
    case "rejected":
      return "read the node's answer above.";
  }
}

/** Builds a {@link ChainRejectedError} for `error` (reads the balance; never throws itself). */
export async function explainRejection(
  publicClient: PublicClient,
  args: { what: string; error: unknown; kind: RejectionKind; account: Address; maxCost?: bigint },
): Promise<ChainRejectedError> {
  const balance = await publicClient.getBalance({ address: args.account }).catch(() => undefined);
  const chainId = publicClient.chain?.id ?? (await publicClient.getChainId().catch(() => undefined));
  return new ChainRejectedError({
    what: args.what,
    kind: args.kind,
    nodeSaid: nodeAnswer(args.error),
    account: args.account,
    chainId,
    balance,
    maxCost: args.maxCost,
    cause: args.error,
  });
}

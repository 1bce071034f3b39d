/**
 * Types shared by showwork's viem actions.
 *
 * @module
 */
import type { Account, Address, Hex, TransactionReceipt } from "viem";

/** Where the showwork contracts are on the client's chain (e.g. from `getDeployment(chainId).contracts`). */
export interface ShowworkContracts {
  /** The `ReceiptLogs` contract: logs, anchorers, anchored batch roots. */
  readonly receiptLogs?: Address | undefined;
  /** The `ModelTimeline` contract: models, versions, deployments, rollbacks. */
  readonly modelTimeline?: Address | undefined;
}

/** Options every write action takes. */
export interface WriteOptions<wait extends boolean = boolean> {
  /**
   * Wait until the transaction is mined and decode its event (default false: return once the node
   * accepted it, with its hash). A mined transaction that reverted throws `TransactionRevertedError`.
   */
  readonly wait?: wait | undefined;
  /** Confirmations to wait for when `wait` is true (default 1: mined). */
  readonly confirmations?: number | undefined;
  /** Give up waiting after this many milliseconds (default: viem's, 180,000). */
  readonly timeoutMs?: number | undefined;
  /** The sender (default: the client's account). */
  readonly account?: Account | Address | undefined;
}

/**
 * What a write action returns: the transaction hash; with `wait: true` also its receipt and what
 * its event says (`E`).
 */
export type Written<E, wait extends boolean> = { readonly hash: Hex } & (wait extends true ? { readonly receipt: TransactionReceipt } & E : Partial<E>);

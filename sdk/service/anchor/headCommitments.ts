/**
 * Head commitments on an extra chain (`chains[].cadence.commit: "head"`): the primary log's heads, read
 * from its `BatchAnchored` events (cached), and the bundle anchor of a batch that such a commitment covers
 * (the entry index and head from the commitment transaction, the links from the store and the primary's
 * blocks). See sdk/verify/commitment.ts for what is committed and how it is verified.
 *
 * @module
 */
import { decodeFunctionData, type Hex, type PublicClient } from "viem";

import type { BundleAnchorV2Json } from "../../bundle/types.js";
import { receiptLogsAbi } from "../../contracts/abis.js";
import { genesisHead, headOfCommitment, headSize, type CommitmentLink, type HeadCommitment } from "../../verify/commitment.js";
import type { AnchorLedger, BatchRecord, ChainBatchState, ChainBinding, ReceiptStore } from "../store/types.js";
import { commitmentOf, type PrimaryHeads } from "./anchorer.js";
import { findBatchAnchored, type LogLocation } from "./receiptLogsReader.js";

/** The primary log's heads and block times, read once each (they never change once final). */
export class PrimaryLogHeads implements PrimaryHeads {
  private readonly heads = new Map<number, Hex>();
  private readonly times = new Map<number, number>();

  /** The primary log's head before its first batch. */
  readonly genesis: Hex;

  constructor(
    private readonly store: ReceiptStore,
    private readonly client: PublicClient,
    private readonly log: LogLocation,
    chainId: number,
  ) {
    this.genesis = genesisHead(chainId, log.contract, log.logId);
  }

  async settled(index: number): Promise<boolean> {
    return (await this.store.getBatch(index))?.state === "final";
  }

  async headAfter(index: number): Promise<Hex | undefined> {
    const known = this.heads.get(index);
    if (known !== undefined) return known;
    const batch = await this.store.getBatch(index);
    if (batch?.anchor === undefined) return undefined;
    const block = batch.anchor.blockNumber;
    const [event] = await findBatchAnchored(this.client, this.log, { fromBlock: block, toBlock: block, index });
    if (event === undefined || event.root !== batch.root.toLowerCase()) return undefined;
    if (batch.state === "final") this.heads.set(index, event.head);
    return event.head;
  }

  /** The primary block's timestamp (unix seconds). */
  async blockTime(blockNumber: number): Promise<number> {
    const known = this.times.get(blockNumber);
    if (known !== undefined) return known;
    const block = await this.client.getBlock({ blockNumber: BigInt(blockNumber) });
    const time = Number(block.timestamp);
    this.times.set(blockNumber, time);
    return time;
  }
}

/**
 * The bundle anchor of `batch` on a head-commitment chain, from the commitment transaction that covers it:
 * the entry index and head it anchored, and the links from the batch to that head. Undefined when the
 * primary's blocks cannot be read now (the bundle then carries the other anchors; a later fetch carries it).
 */
export async function commitmentAnchor(args: {
  store: ReceiptStore;
  ledger: AnchorLedger;
  chain: ChainBinding;
  chainClient: PublicClient;
  heads: PrimaryLogHeads;
  batch: BatchRecord;
  state: ChainBatchState;
}): Promise<BundleAnchorV2Json | undefined> {
  const { batch, state, chain, heads } = args;
  if (state.anchor === undefined) return undefined;
  try {
    const tx = state.txId === undefined ? undefined : await args.ledger.getTx(state.txId);
    const raw = tx?.attempts[tx.attempts.length - 1]?.raw;
    let entry: number;
    let head: Hex;
    if (raw !== undefined) ({ entry, head } = commitmentOf(raw));
    else {
      // Adopted from the chain (no transaction of ours in the store): the transaction's own input says.
      const sent = await args.chainClient.getTransaction({ hash: state.anchor.txHash });
      const call = decodeFunctionData({ abi: receiptLogsAbi, data: sent.input });
      if (call.functionName !== "anchor") return undefined;
      entry = Number(call.args[1]);
      head = call.args[2].toLowerCase() as Hex;
    }
    const last = headSize(head) - 1;
    if (last < batch.index) return undefined;
    const links: CommitmentLink[] = [];
    for (let index = batch.index; index <= last; index++) {
      const b = index === batch.index ? batch : await args.store.getBatch(index);
      if (b?.anchor === undefined) return undefined;
      links.push({ root: b.root.toLowerCase() as Hex, leafCount: b.leafCount, timestamp: await heads.blockTime(b.anchor.blockNumber), blockNumber: b.anchor.blockNumber });
    }
    const previousHead = batch.index === 0 ? heads.genesis : await heads.headAfter(batch.index - 1);
    if (previousHead === undefined) return undefined;
    const commitment: HeadCommitment = { batchIndex: batch.index, previousHead, links };
    // The primary's history as the store knows it must lead to the committed head (else the anchor would not verify).
    if (headOfCommitment(commitment) !== head) return undefined;
    return {
      chainId: chain.chainId,
      contract: chain.contract,
      logId: chain.logId,
      batchIndex: entry,
      txHash: state.anchor.txHash,
      blockNumber: state.anchor.blockNumber,
      root: head,
      commitment: { batchIndex: commitment.batchIndex, previousHead: commitment.previousHead, links: links.map((l) => ({ ...l })) },
    };
  } catch {
    return undefined; // a chain unreachable now: the bundle carries the anchors it can
  }
}

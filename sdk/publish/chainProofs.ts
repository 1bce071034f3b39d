/**
 * Chain proofs per published batch (`showwork publish --proofs --rpc URL`): next to each batch file,
 * `v1/logs/<logId>/proofs/<index>.json` holds one chain proof covering every receipt of the batch (the union of
 * the slots the verifier reads for each), so anyone holding a receipt's bundle of that batch can make it
 * self-contained: `{ ...bundle.anchor, chainProof }` (docs/bundle.md, "Chain proofs").
 *
 * @module
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

import type { Hex, PublicClient } from "viem";

import type { BundleAnchor, ChainProof } from "../bundle/types.js";
import { proveBatch } from "../chainproof/prove.js";
import { ReceiptTree } from "../tree/ReceiptTree.js";
import type { PublishedIndex } from "./layout.js";

/** Format tag of a published batch chain proof. */
export const BATCH_CHAIN_PROOF_FORMAT = "showwork/batch-chain-proof@1" as const;

/** A published batch chain proof. */
export interface BatchChainProof extends BundleAnchor {
  readonly format: typeof BATCH_CHAIN_PROOF_FORMAT;
  readonly root: Hex;
  /** The block the state proofs were taken at (the last header): a checkpoint at this block verifies them. */
  readonly proofBlock: number;
  readonly chainProof: ChainProof;
}

/**
 * Writes the chain proof of each of `batches` (indices listed in `index`) under `out`.
 * @returns the files written (relative to `out`).
 */
export async function publishChainProofs(params: { client: PublicClient; out: string; index: PublishedIndex; batches: readonly number[]; proofBlock?: number }): Promise<string[]> {
  const { client, out, index } = params;
  const proofBlock = params.proofBlock ?? Number(await client.getBlockNumber({ cacheTime: 0 }));
  const written: string[] = [];
  for (const batchIndex of params.batches) {
    const batch = index.batches.find((b) => b.index === batchIndex);
    if (!batch) continue;
    const tree = ReceiptTree.load(JSON.parse(await readFile(path.join(out, batch.path), "utf8")) as unknown);
    const anchor: BundleAnchor = { chainId: index.chainId, contract: index.contract, logId: index.logId, batchIndex, txHash: batch.anchor.txHash, blockNumber: batch.anchor.blockNumber };
    const chainProof = await proveBatch(client, anchor, tree.receipts(), { proofBlock });
    const file = path.join("v1", "logs", index.logId, "proofs", `${batchIndex}.json`);
    const document: BatchChainProof = { format: BATCH_CHAIN_PROOF_FORMAT, ...anchor, root: batch.root, proofBlock, chainProof };
    await mkdir(path.dirname(path.join(out, file)), { recursive: true });
    await writeFile(path.join(out, file), `${JSON.stringify(document)}\n`);
    written.push(file);
  }
  return written;
}

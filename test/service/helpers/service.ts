/**
 * Opening services on temporary stores, and checking bundles against the chain.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import type { Address, Hex, PublicClient } from "viem";

import { receiptLogsAbi } from "../../../sdk/contracts/abis.js";
import { processProof, verifyBundleInclusion, type ProofBundle } from "../../../sdk/index.js";
import { AnchoringService, type AnchoringServiceOptions } from "../../../sdk/service/AnchoringService.js";
import { readBatchRoot } from "../../../sdk/service/anchor/receiptLogsReader.js";
import { SqliteReceiptStore } from "../../../sdk/service/store/sqlite.js";
import type { ServiceEvent } from "../../../sdk/service/events.js";
import type { InProcessChain } from "./inProcess.js";

const dirs: string[] = [];

/** A fresh temporary directory (removed by {@link removeTempDirs}). */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "showwork-test-"));
  dirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Opens a service on `chain` with a store at `path` (fresh by default); collects its events. */
export async function openTestService(
  chain: InProcessChain,
  options: Partial<AnchoringServiceOptions> & { path?: string } = {},
): Promise<{ service: AnchoringService; events: ServiceEvent[]; path: string }> {
  const path = options.path ?? join(tempDir(), "store.sqlite");
  const events: ServiceEvent[] = [];
  const service = await AnchoringService.open({
    store: SqliteReceiptStore.open({ path }),
    chain: { publicClient: chain.clients.publicClient, walletClient: chain.clients.walletClient, contract: chain.contract, logId: chain.logId },
    batching: { maxReceipts: 100, maxDelayMs: 0 },
    pollIntervalMs: 20,
    onEvent: (event) => events.push(event),
    // These receipts are unsigned test data with fixed past issuedAt: a trusted in-process caller, said explicitly.
    ingestion: { issuedAtWindow: false, signatures: "off" },
    ...options,
  });
  return { service, events, path };
}

/** Runs rounds until `done()` or the timeout. */
export async function roundsUntil(service: AnchoringService, done: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await service.runRound();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Checks a bundle: offline (leaf, proof), against the batch root on chain, and with the contract's verifyInclusion. */
export async function expectBundleOnChain(
  bundle: ProofBundle,
  client: PublicClient,
  log: { contract: Address; logId: Hex },
): Promise<void> {
  expect(verifyBundleInclusion(bundle)).to.equal(bundle.root);
  const onChain = await readBatchRoot(client, log, bundle.anchor.batchIndex);
  expect(processProof(bundle.leaf, bundle.proof), "root from the proof = batchRoot on chain").to.equal(onChain);
  const included = await client.readContract({
    address: log.contract,
    abi: receiptLogsAbi,
    functionName: "verifyInclusion",
    args: [log.logId, BigInt(bundle.anchor.batchIndex), bundle.leaf, [...bundle.proof]],
  });
  expect(included, "ReceiptLogs.verifyInclusion").to.equal(true);
  const receipt = await client.getTransactionReceipt({ hash: bundle.anchor.txHash });
  expect(Number(receipt.blockNumber)).to.equal(bundle.anchor.blockNumber);
}

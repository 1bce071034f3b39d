/**
 * Checkpoints from RPC endpoints: the block hash at one height, asked of every endpoint given and
 * taken only when at least k of them agree. This is the only thing a self-contained bundle takes
 * from endpoints: everything else is proven from the bundle's headers and state proofs, so a
 * lying endpoint can make a verdict "could not check" (its hash does not match the bundle's
 * header, or endpoints disagree), never FAILED or VERIFIED.
 *
 * Browser-safe (fetch only).
 *
 * @module
 */
import type { Hex } from "viem";

import type { Checkpoint } from "../chainproof/verifyChainProof.js";
import type { EndpointReport } from "./endpoints.js";
import { printableShort } from "./printable.js";

/** Options of {@link checkpointFromEndpoints}. */
export interface EndpointCheckpointOptions {
  /** How many endpoints must give the same (chain id, block hash) (default: all of them). */
  readonly quorum?: number;
  /** Per-request timeout, milliseconds (default 10,000). */
  readonly timeoutMs?: number;
  /** Per-endpoint reports to count calls in (the verdict's `endpoints`). */
  readonly reports?: EndpointReport[];
}

async function rpc(url: string, body: unknown, timeoutMs: number): Promise<unknown> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: controller.signal });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return await response.json();
  } finally {
    clearTimeout(timer);
  }
}

/** A checkpoint agreed by endpoints: how many agreed, and what the others answered (a verified verdict says so). */
export interface EndpointCheckpoint extends Checkpoint {
  readonly agreed: number;
  readonly asked: number;
  /** "URL answered …" for every endpoint that did not give the agreed hash. */
  readonly dissent: readonly string[];
}

/**
 * The hash of block `number` of chain `chainId`, as at least `quorum` of `urls` answer it (one
 * batched request per endpoint: eth_chainId + eth_getBlockByNumber).
 * @throws {Error} naming each endpoint's answer when fewer than `quorum` agree.
 */
export async function checkpointFromEndpoints(urls: readonly string[], chainId: number, number: number, options: EndpointCheckpointOptions = {}): Promise<EndpointCheckpoint> {
  if (urls.length === 0) throw new Error("no RPC endpoint given");
  const quorum = options.quorum ?? urls.length;
  const answers = await Promise.all(
    urls.map(async (url, i) => {
      const report = options.reports?.[i];
      try {
        const reply = (await rpc(
          url,
          [
            { jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] },
            { jsonrpc: "2.0", id: 2, method: "eth_getBlockByNumber", params: [`0x${number.toString(16)}`, false] },
          ],
          options.timeoutMs ?? 10_000,
        )) as { id: number; result?: unknown }[];
        if (report) report.answered += 2;
        const byId = new Map(Array.isArray(reply) ? reply.map((r) => [r.id, r.result]) : []);
        const chain = typeof byId.get(1) === "string" ? Number(BigInt(byId.get(1) as string)) : undefined;
        const block = byId.get(2) as { hash?: unknown } | null | undefined;
        const hash = block && typeof block.hash === "string" && /^0x[0-9a-fA-F]{64}$/.test(block.hash) ? (block.hash.toLowerCase() as Hex) : undefined;
        return { url, answer: chain !== undefined && hash !== undefined ? `${chain}:${hash}` : `no block ${number}` };
      } catch (error) {
        if (report) {
          report.failed += 1;
          report.lastError = printableShort(error instanceof Error ? error.message : String(error), 160);
        }
        return { url, answer: `no answer (${printableShort(error instanceof Error ? error.message : String(error), 80)})` };
      }
    }),
  );
  const counts = new Map<string, number>();
  for (const { answer } of answers) counts.set(answer, (counts.get(answer) ?? 0) + 1);
  const [best, votes] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
  const agreed = /^\d+:0x[0-9a-f]{64}$/.test(best) && votes >= quorum;
  if (!agreed) {
    throw new Error(`${votes} of ${urls.length} endpoints agree (${quorum} needed) on block ${number}: ${answers.map((a) => `${a.url} answered ${a.answer}`).join("; ")}`);
  }
  const [chain, hash] = best.split(":") as [string, Hex];
  if (Number(chain) !== chainId) throw new Error(`the endpoints serve chain ${chain}, the bundle's anchor is on chain ${chainId}`);
  const dissent = answers.filter((a) => a.answer !== best).map((a) => `${a.url} answered ${a.answer}`);
  return { chainId, number, hash, agreed: votes, asked: urls.length, dissent };
}

/**
 * Following one log on several chains: a batch anchored on one chain but not on another ("withheld
 * on a chain", once it is older than a grace period that covers the slower chain's cadence), and two
 * chains holding different roots for the same batch ("chain-disagreement": a loud finding, the
 * operator told two chains two stories).
 *
 * The primary chain's log and each witness log are read from their `BatchAnchored` events. A witness's
 * indices follow the primary's at a fixed offset (`witness index = primary index + offset`; 0 when both
 * logs started empty, as `showwork dev --chains 2` sets them up).
 *
 * A witness may hold head commitments instead (`commits: "head"`, `chains[].cadence.commit "head"` of the service):
 * each of its entries is the primary log's chained head after some batch (the head's size says which). An entry is
 * compared with the primary's head after that batch (another head: "chain-disagreement", the operator committed
 * another history), and a primary batch older than the grace period that no entry covers yet is "missing-on-chain".
 *
 * Events are read with `eth_getLogs` in ranges of `pageBlocks` blocks (public RPC providers cap a request's block
 * range, typically 1,000 to 10,000 blocks), from each log's `fromBlock` (default 0) to the latest block.
 *
 * @module
 */
import type { Address, Hex, PublicClient } from "viem";

import { readLogSize } from "../service/anchor/receiptLogsReader.js";
import { headSize } from "../verify/commitment.js";
import { LogReader } from "./chain.js";
import type { Finding, Unchecked } from "./types.js";

/** One chain's log. */
export interface ChainLog {
  readonly name: string;
  readonly client: PublicClient;
  readonly contract: Address;
  readonly logId: Hex;
  /** Witness index = primary index + offset (default 0; ignored for the primary). */
  readonly offset?: number;
  /** Read its events from this block (default 0: from the start; give the log's creation block to read less). */
  readonly fromBlock?: number;
  /** A witness whose entries are head commitments to the primary log (see the module comment); default "roots". */
  readonly commits?: "roots" | "head";
}

/** A witness chain's anchoring of a primary batch with the same root. */
export interface WitnessAnchor {
  readonly name: string;
  readonly chainId: number;
  readonly contract: Address;
  readonly logId: Hex;
  readonly batchIndex: number;
  readonly root: Hex;
  readonly txHash: Hex;
  readonly blockNumber: number;
  readonly anchoredAt: number;
}

/** What {@link compareChains} found. */
export interface CrossChainReport {
  readonly findings: Finding[];
  readonly unchecked: Unchecked[];
  /** Per chain: its log's size and the batches compared with the primary. */
  readonly chains: { readonly name: string; readonly size: number; readonly compared: number; readonly missing: number; readonly disagreeing: number }[];
  /** Per primary batch index: the witness chains that anchored the same root (what a bundle's extra anchors are). */
  readonly alsoAnchored: ReadonlyMap<number, readonly WitnessAnchor[]>;
}

interface Anchored {
  readonly root: Hex;
  readonly head: Hex;
  readonly anchoredAt: number;
  readonly txHash: Hex;
  readonly blockNumber: number;
}

async function anchoredBatches(log: ChainLog, pageBlocks: number): Promise<Map<number, Anchored>> {
  const latest = await log.client.getBlockNumber({ cacheTime: 0 });
  const reader = new LogReader(log.client, { contract: log.contract, logId: log.logId, blockNumber: latest, pageBlocks });
  const out = new Map<number, Anchored>();
  for (const e of await reader.anchoredBatches(log.fromBlock ?? 0)) out.set(e.index, { root: e.root, head: e.head, anchoredAt: e.anchoredAt, txHash: e.txHash, blockNumber: e.blockNumber });
  return out;
}

/**
 * Compares the primary log with each witness log.
 * @param graceSeconds - a batch missing on a chain is a finding only once it was anchored elsewhere this long ago
 *   (the slower chain's cadence plus its delays; default 3,600).
 * @param now - unix seconds (default: the clock).
 */
export async function compareChains(params: {
  readonly primary: ChainLog;
  readonly witnesses: readonly ChainLog[];
  readonly graceSeconds?: number;
  readonly now?: number;
  /** Blocks per eth_getLogs request (default 10,000). */
  readonly pageBlocks?: number;
}): Promise<CrossChainReport> {
  const grace = params.graceSeconds ?? 3_600;
  const pageBlocks = Math.max(1, params.pageBlocks ?? 10_000);
  const alsoAnchored = new Map<number, WitnessAnchor[]>();
  // Ages are measured on the chain that has the batch (its latest block), or against `now` when given.
  const clock = async (log: ChainLog): Promise<number> =>
    params.now ?? Math.max(Math.floor(Date.now() / 1000), Number((await log.client.getBlock({ blockTag: "latest" })).timestamp));
  const findings: Finding[] = [];
  const unchecked: Unchecked[] = [];
  const chains: CrossChainReport["chains"][number][] = [];
  let primary: Map<number, Anchored>;
  let primaryNow: number;
  try {
    primary = await anchoredBatches(params.primary, pageBlocks);
    primaryNow = await clock(params.primary);
    chains.push({ name: params.primary.name, size: await readLogSize(params.primary.client, params.primary), compared: primary.size, missing: 0, disagreeing: 0 });
  } catch (error) {
    unchecked.push({ check: `chain ${params.primary.name}`, reason: `could not read its log: ${firstLine(error)}` });
    return { findings, unchecked, chains, alsoAnchored };
  }
  for (const witness of params.witnesses) {
    const offset = witness.offset ?? 0;
    let other: Map<number, Anchored>;
    let size: number;
    let witnessNow: number;
    let chainId: number;
    try {
      other = await anchoredBatches(witness, pageBlocks);
      chainId = await witness.client.getChainId();
      size = await readLogSize(witness.client, witness);
      witnessNow = await clock(witness);
    } catch (error) {
      unchecked.push({ check: `chain ${witness.name}`, reason: `could not read its log: ${firstLine(error)}` });
      continue;
    }
    if (witness.commits === "head") {
      chains.push(compareHeads(params.primary.name, primary, primaryNow, witness, other, size, grace, findings));
      continue;
    }
    let compared = 0;
    let missing = 0;
    let disagreeing = 0;
    for (const [index, p] of primary) {
      const w = other.get(index + offset);
      if (w === undefined) {
        if (index + offset < 0) continue; // before the witness was added
        if (primaryNow - p.anchoredAt >= grace) {
          missing++;
          findings.push({
            kind: "missing-on-chain",
            batchIndex: index,
            message: `batch ${index} (root ${p.root}) was anchored on ${params.primary.name} ${primaryNow - p.anchoredAt} s ago but is not anchored on ${witness.name} (index ${index + offset}): withheld on that chain`,
            expected: `a BatchAnchored event on ${witness.name} at index ${index + offset}`,
            found: "none",
          });
        }
        continue;
      }
      compared++;
      if (w.root === p.root) {
        const list = alsoAnchored.get(index) ?? [];
        list.push({ name: witness.name, chainId, contract: witness.contract, logId: witness.logId, batchIndex: index + offset, root: w.root, txHash: w.txHash, blockNumber: w.blockNumber, anchoredAt: w.anchoredAt });
        alsoAnchored.set(index, list);
      }
      if (w.root !== p.root) {
        disagreeing++;
        findings.push({
          kind: "chain-disagreement",
          batchIndex: index,
          message: `CHAINS DISAGREE: batch ${index} has root ${p.root} on ${params.primary.name} but ${w.root} on ${witness.name} (index ${index + offset}): the operator anchored two different batches under one index`,
          expected: p.root,
          found: w.root,
        });
      }
    }
    for (const [index, w] of other) {
      const primaryIndex = index - offset;
      if (primary.has(primaryIndex) || witnessNow - w.anchoredAt < grace) continue;
      missing++;
      findings.push({
        kind: "missing-on-chain",
        batchIndex: primaryIndex,
        message: `batch ${primaryIndex} (root ${w.root}) is anchored on ${witness.name} (index ${index}) but not on ${params.primary.name}: withheld on that chain`,
        expected: `a BatchAnchored event on ${params.primary.name} at index ${primaryIndex}`,
        found: "none",
      });
    }
    chains.push({ name: witness.name, size, compared, missing, disagreeing });
  }
  return { findings, unchecked, chains, alsoAnchored };
}

/** A head-commitment witness against the primary log (see the module comment). */
function compareHeads(
  primaryName: string,
  primary: ReadonlyMap<number, Anchored>,
  primaryNow: number,
  witness: ChainLog,
  entries: ReadonlyMap<number, Anchored>,
  size: number,
  grace: number,
  findings: Finding[],
): CrossChainReport["chains"][number] {
  let compared = 0;
  let missing = 0;
  let disagreeing = 0;
  let covered = 0;
  for (const [entry, w] of [...entries].sort((a, b) => a[0] - b[0])) {
    const through = headSize(w.root) - 1;
    const p = primary.get(through);
    if (p === undefined) {
      missing++;
      findings.push({
        kind: "missing-on-chain",
        batchIndex: through,
        message: `entry ${entry} on ${witness.name} commits to the ${primaryName} log's head after batch ${through}, but ${primaryName} has no batch ${through}: withheld on that chain (or not a head commitment)`,
        expected: `a BatchAnchored event on ${primaryName} at index ${through}`,
        found: "none",
      });
      continue;
    }
    compared++;
    covered = Math.max(covered, through + 1);
    if (p.head !== w.root) {
      disagreeing++;
      findings.push({
        kind: "chain-disagreement",
        batchIndex: through,
        message: `CHAINS DISAGREE: entry ${entry} on ${witness.name} commits head ${w.root} for batches up to ${through}, but the ${primaryName} log's head after batch ${through} is ${p.head}: the operator committed another history`,
        expected: p.head,
        found: w.root,
      });
    }
  }
  for (const [index, p] of primary) {
    if (index < covered || primaryNow - p.anchoredAt < grace) continue;
    missing++;
    findings.push({
      kind: "missing-on-chain",
      batchIndex: index,
      message: `batch ${index} (root ${p.root}) was anchored on ${primaryName} ${primaryNow - p.anchoredAt} s ago but no head commitment on ${witness.name} covers it (they cover batches below ${covered}): withheld on that chain`,
      expected: `an entry on ${witness.name} committing a head of size > ${index}`,
      found: covered === 0 ? "no entry" : `entries up to size ${covered}`,
    });
  }
  return { name: witness.name, size, compared, missing, disagreeing };
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? ((error as { shortMessage?: string }).shortMessage ?? error.message) : String(error);
  return (text.split("\n")[0] ?? "").slice(0, 200);
}

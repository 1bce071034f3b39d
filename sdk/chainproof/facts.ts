/**
 * The on-chain facts a verdict uses, read slot by slot through a {@link StateReader}. The same
 * code runs twice: when a bundle is made self-contained (the reader asks an RPC endpoint and
 * records every slot it touched, which then gets a Merkle-Patricia proof) and when it is verified
 * offline (the reader answers from those proofs, checked against a header's state root). So the
 * proofs hold exactly what verification reads, and a slot the bundle lacks is "could not check".
 *
 * Blocks: the batch's root slot is read at the block before the anchoring block (empty) and at
 * the anchoring block (the root): that proves the anchoring block, and the anchoring time is its
 * header's timestamp. Everything else is read at the proof block (the newest header), like the
 * online verifier reads the latest state.
 *
 * @module
 */
import { hexToBigInt, zeroAddress, type Address, type Hex } from "viem";

import {
  activationsSlot,
  addressOf,
  adminSlot,
  arrayElementSlot,
  compromiseSlot,
  bitsOf,
  delayHistorySlot,
  headSlot,
  modelBase,
  MODEL_MEMBERS,
  member,
  rootSlot,
  shortStringOf,
  signerPeriodsSlot,
  timelineSlot,
  versionDigestSlot,
  versionOfSlot,
} from "./layout.js";
import { MissingProofError } from "./verifyChainProof.js";

/** Reads contract state at a block. */
export interface StateReader {
  /** A storage word, 32-byte hex. */
  storage(address: Address, slot: Hex, blockNumber: number): Promise<Hex>;
  /** keccak256 of the account's code (the empty-code hash for no code). */
  codeHash(address: Address, blockNumber: number): Promise<Hex>;
  /** The account's runtime code. */
  code(address: Address, blockNumber: number): Promise<Hex>;
}

/** What to read. */
export interface AnchorFactsQuery {
  readonly contract: Address;
  readonly logId: Hex;
  readonly batchIndex: number;
  readonly anchorBlock: number;
  readonly proofBlock: number;
  readonly servingNode: Address;
  readonly modelId: Hex;
  readonly weightsDigest: Hex;
  readonly issuedAt: number;
  /** The anchoring block's time (from its header): end of the model-version span. */
  readonly anchoredAt: number;
  /** Caps against hostile contracts. */
  readonly limits: { readonly maxDelayHistory: number; readonly maxSignerPeriods: number; readonly maxSpanActivations: number };
}

/** One timeline entry. */
export interface ProvenActivation {
  readonly index: number;
  readonly activatedAt: number;
  readonly version: number;
  readonly kind: number;
  readonly weightsDigest: Hex;
}

/** The facts (each read from a proven slot). */
export interface AnchorFacts {
  readonly rootBefore: Hex;
  readonly rootAt: Hex;
  readonly contractCodeHash: Hex;
  readonly logSize: bigint;
  readonly admin: Address;
  readonly maxAnchorDelay: number;
  readonly delayHistory: readonly { since: number; maxAnchorDelay: number }[];
  readonly signerPeriods: readonly { grantedAt: number; revokedAt: number }[];
  readonly timeline: Address;
  /** The serving node's compromise report (reportedAt 0: none); undefined when the proof does not carry its slot. */
  readonly compromise: { readonly since: number; readonly fromBatch: number; readonly reportedAt: number } | undefined;
  readonly model?: ModelFacts | undefined;
}

/** The model's timeline over [issuedAt, anchoredAt]. */
export interface ModelFacts {
  readonly timelineCode: Hex;
  readonly registered: boolean;
  readonly name: string | undefined;
  readonly activationCount: number;
  readonly claimedVersion: number;
  /** Entries in force over the span (the one at issuedAt first); empty when none was in force at issuedAt. */
  readonly span: readonly ProvenActivation[];
}

/** A history longer than the caller's cap. */
export class TooLongError extends Error {
  override name = "TooLongError";
}

const num = (value: Hex, from: number, width: number): number => Number(bitsOf(value, from, width));

/** Reads the facts (see the module). */
export async function readAnchorFacts(reader: StateReader, q: AnchorFactsQuery): Promise<AnchorFacts> {
  const at = q.proofBlock;
  const read = (slot: Hex, block = at) => reader.storage(q.contract, slot, block);
  const [rootBefore, rootAt, contractCodeHash, head, adminWord, historyLength, periodsLength, timelineWord, compromiseWord] = await Promise.all([
    read(rootSlot(q.logId, q.batchIndex), q.anchorBlock - 1),
    read(rootSlot(q.logId, q.batchIndex), q.anchorBlock),
    reader.codeHash(q.contract, at),
    read(headSlot(q.logId)),
    read(adminSlot(q.logId)),
    read(delayHistorySlot(q.logId)),
    read(signerPeriodsSlot(q.logId, q.servingNode)),
    read(timelineSlot(q.logId)),
    // A chain proof without this slot (made before compromise reports existed, or stripped) leaves the question open:
    // the verdict says so ("could not check"), the rest of the proof still counts.
    read(compromiseSlot(q.logId, q.servingNode)).catch((error: unknown) => {
      if (error instanceof MissingProofError) return undefined;
      throw error;
    }),
  ]);
  const historyCount = hexToBigInt(historyLength);
  if (historyCount > BigInt(q.limits.maxDelayHistory)) throw new TooLongError(`the log's max-delay history has ${historyCount} entries, more than ${q.limits.maxDelayHistory}`);
  const periodCount = hexToBigInt(periodsLength);
  if (periodCount > BigInt(q.limits.maxSignerPeriods)) throw new TooLongError(`the signer has ${periodCount} authorisation periods, more than ${q.limits.maxSignerPeriods}`);
  const [history, periods] = await Promise.all([
    Promise.all(Array.from({ length: Number(historyCount) }, (_, i) => read(arrayElementSlot(delayHistorySlot(q.logId), i)))),
    Promise.all(Array.from({ length: Number(periodCount) }, (_, i) => read(arrayElementSlot(signerPeriodsSlot(q.logId, q.servingNode), i)))),
  ]);
  const timeline = addressOf(timelineWord);
  const facts: AnchorFacts = {
    rootBefore,
    rootAt,
    contractCodeHash,
    logSize: hexToBigInt(head) >> 192n,
    admin: addressOf(adminWord),
    maxAnchorDelay: num(adminWord, 160, 32),
    delayHistory: history.map((w) => ({ since: num(w, 0, 64), maxAnchorDelay: num(w, 64, 32) })),
    signerPeriods: periods.map((w) => ({ grantedAt: num(w, 0, 64), revokedAt: num(w, 64, 64) })),
    timeline,
    compromise: compromiseWord === undefined ? undefined : { since: num(compromiseWord, 0, 64), fromBatch: num(compromiseWord, 64, 64), reportedAt: num(compromiseWord, 128, 64) },
  };
  if (timeline === zeroAddress || /^0x0{64}$/.test(q.modelId)) return facts;
  return { ...facts, model: await readModelFacts(reader, q, timeline) };
}

async function readModelFacts(reader: StateReader, q: AnchorFactsQuery, timeline: Address): Promise<ModelFacts> {
  const at = q.proofBlock;
  const read = (slot: Hex) => reader.storage(timeline, slot, at);
  const base = modelBase(q.logId, q.modelId);
  const [timelineCode, packed, nameWord, lengthWord, claimedWord] = await Promise.all([
    reader.code(timeline, at),
    read(member(base, MODEL_MEMBERS.packed)),
    read(member(base, MODEL_MEMBERS.name)),
    read(activationsSlot(q.logId, q.modelId)),
    read(versionOfSlot(q.logId, q.modelId, q.weightsDigest)),
  ]);
  const count = hexToBigInt(lengthWord);
  if (count > 2n ** 32n) throw new TooLongError(`the model's timeline claims ${count} entries`);
  const length = Number(count);
  const entry = async (index: number): Promise<ProvenActivation> => {
    const word = await read(arrayElementSlot(activationsSlot(q.logId, q.modelId), index));
    const version = num(word, 64, 32);
    return {
      index,
      activatedAt: num(word, 0, 64),
      version,
      kind: num(word, 96, 8),
      weightsDigest: version === 0 ? `0x${"0".repeat(64)}` : await read(versionDigestSlot(q.logId, q.modelId, version)),
    };
  };
  // The last entry activated at or before `t` (the contract's activationIndexAt), by binary search.
  const search = async (t: number): Promise<number | undefined> => {
    let low = 0;
    let high = length;
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      if ((await entry(mid)).activatedAt > t) high = mid;
      else low = mid + 1;
    }
    return low === 0 ? undefined : low - 1;
  };
  const to = Math.max(q.issuedAt, q.anchoredAt);
  const first = await search(q.issuedAt);
  const last = await search(to);
  let span: ProvenActivation[] = [];
  if (first !== undefined && last !== undefined) {
    if (last - first + 1 > q.limits.maxSpanActivations) {
      throw new TooLongError(`the timeline has ${last - first + 1} entries between the receipt's time and its anchoring, more than ${q.limits.maxSpanActivations}`);
    }
    span = await Promise.all(Array.from({ length: last - first + 1 }, (_, i) => entry(first + i)));
  }
  return {
    timelineCode,
    registered: bitsOf(packed, 0, 64) !== 0n,
    name: shortStringOf(nameWord),
    activationCount: length,
    claimedVersion: num(claimedWord, 0, 32),
    span,
  };
}

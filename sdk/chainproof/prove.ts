/**
 * Making an anchor self-contained: the block headers from the block before the anchoring block
 * to the proof block, and `eth_getProof` account and storage proofs of every slot the verifier
 * reads (found by running the verifier's own fact reading, {@link readAnchorFacts}, against the
 * endpoint and recording what it touched).
 *
 * @module
 */
import { keccak256, numberToHex, type Address, type Hex, type PublicClient } from "viem";

import type { BundleAnchor, BundleAnchorV2, ChainAccountProof, ChainProof, ProofBundle } from "../bundle/types.js";
import { InvalidDocumentError, ShowworkError } from "../errors.js";
import { readAnchorFacts, type AnchorFactsQuery, type StateReader } from "./facts.js";
import { headerOfRpcBlock, type BlockHeader } from "./header.js";

/** Defaults of the caps on what a proof may hold (and a verifier reads). */
export const PROOF_LIMITS = { maxDelayHistory: 256, maxSignerPeriods: 256, maxSpanActivations: 64, maxHeaders: 1024 } as const;

/** Parameters of {@link proveAnchor}. */
export interface ProveAnchorParameters {
  /** The anchor to prove (default 0: the primary chain). The client must serve its chain. */
  readonly anchorIndex?: number;
  /**
   * The block the state proofs are taken at, and the last header included (default: the endpoint's
   * latest block). A verifier's checkpoint must name this block or one of the bundle's headers after it.
   */
  readonly proofBlock?: number | bigint;
  /** The most headers the proof may carry (default 1,024): the anchoring block must be at most this far behind the proof block. */
  readonly maxHeaders?: number;
}

/** The chain could not be proven (endpoint answers that do not fit, or too far apart). */
export class ChainProofUnavailableError extends ShowworkError {
  override name = "ChainProofUnavailableError";
}

/** The JSON-RPC block answer (raw: hex strings). */
type RpcBlock = Record<string, unknown> & { hash: Hex; number: Hex };

async function rawBlock(client: PublicClient, number: number): Promise<BlockHeader> {
  const block = (await client.request({ method: "eth_getBlockByNumber", params: [numberToHex(number), false] })) as RpcBlock | null;
  if (!block) throw new ChainProofUnavailableError(`the endpoint has no block ${number}`);
  return headerOfRpcBlock(block);
}

/**
 * The chain proof of one anchor of `bundle` (see the module): headers `anchor.blockNumber − 1 ..
 * proofBlock` and the account/storage proofs the verifier needs.
 * @throws {ChainProofUnavailableError} when the endpoint cannot give them (another chain, a block
 *   too far back, a header that does not hash to its block hash).
 * @example
 * const chainProof = await proveAnchor(client, bundle);
 * const selfContained = toBundleV2(bundle, { anchors: [{ ...bundle.anchor, chainProof }] });
 */
export async function proveAnchor(client: PublicClient, bundle: ProofBundle, params: ProveAnchorParameters = {}): Promise<ChainProof> {
  const anchor: BundleAnchorV2 | undefined = bundle.anchors[params.anchorIndex ?? 0];
  if (!anchor) throw new InvalidDocumentError({ document: "bundle", field: "anchors", expected: `an anchor at index ${params.anchorIndex}`, found: bundle.anchors.length });
  return proveBatch(client, anchor, [bundle.receipt], params);
}

/** What of a receipt the verifier's reads depend on. */
export type ProvenSubject = Pick<ProofBundle["receipt"], "servingNode" | "modelId" | "weightsDigest" | "issuedAt">;

/**
 * One chain proof for a whole batch: the union of the slots the verifier reads for each of `receipts` (their
 * serving nodes, models and times), so any receipt's bundle of that batch can carry it (`showwork publish --proofs`).
 * @throws as {@link proveAnchor}.
 */
export async function proveBatch(client: PublicClient, anchor: BundleAnchor, receipts: readonly ProvenSubject[], params: Omit<ProveAnchorParameters, "anchorIndex"> = {}): Promise<ChainProof> {
  const chainId = await client.getChainId();
  if (chainId !== anchor.chainId) throw new ChainProofUnavailableError(`the endpoint serves chain ${chainId}, the anchor is on chain ${anchor.chainId}`);
  const proofBlock = Number(params.proofBlock ?? (await client.getBlockNumber({ cacheTime: 0 })));
  const first = anchor.blockNumber - 1;
  if (first < 0) throw new ChainProofUnavailableError("the anchoring block cannot be the genesis block");
  if (proofBlock < anchor.blockNumber) throw new ChainProofUnavailableError(`the proof block ${proofBlock} is before the anchoring block ${anchor.blockNumber}`);
  const maxHeaders = params.maxHeaders ?? PROOF_LIMITS.maxHeaders;
  if (proofBlock - first + 1 > maxHeaders) {
    throw new ChainProofUnavailableError(`the anchoring block ${anchor.blockNumber} is ${proofBlock - anchor.blockNumber} blocks before the proof block: more than the ${maxHeaders} headers a bundle carries`, {
      metaMessages: ["Prove at an earlier block (proofBlock), or raise maxHeaders."],
    });
  }
  const headers = await Promise.all(Array.from({ length: proofBlock - first + 1 }, (_, i) => rawBlock(client, first + i)));
  for (let i = 1; i < headers.length; i++) {
    if (headers[i]!.parentHash !== headers[i - 1]!.hash) throw new ChainProofUnavailableError(`the endpoint's block ${first + i} does not follow its block ${first + i - 1} (a reorganisation while proving?)`);
  }
  const anchoring = headers[1]!;

  // Run the verifier's reading against the endpoint, recording every slot and account it touches.
  const touched = new Map<string, { address: Address; blockNumber: number; slots: Set<Hex>; code: boolean }>();
  const touch = (address: Address, blockNumber: number) => {
    const key = `${blockNumber}:${address.toLowerCase()}`;
    let entry = touched.get(key);
    if (!entry) touched.set(key, (entry = { address, blockNumber, slots: new Set(), code: false }));
    return entry;
  };
  const codes = new Map<string, Hex>();
  const codeAt = async (address: Address, blockNumber: number): Promise<Hex> => {
    const key = `${blockNumber}:${address.toLowerCase()}`;
    let code = codes.get(key);
    if (code === undefined) codes.set(key, (code = (await client.getCode({ address, blockNumber: BigInt(blockNumber) })) ?? "0x"));
    return code;
  };
  const recorder: StateReader = {
    storage: async (address, slot, blockNumber) => {
      touch(address, blockNumber).slots.add(slot);
      return (await client.getStorageAt({ address, slot, blockNumber: BigInt(blockNumber) })) ?? `0x${"0".repeat(64)}`;
    },
    codeHash: async (address, blockNumber) => {
      touch(address, blockNumber);
      return keccak256(await codeAt(address, blockNumber));
    },
    code: async (address, blockNumber) => {
      touch(address, blockNumber).code = true;
      return codeAt(address, blockNumber);
    },
  };
  // Distinct subjects only (receipts of one node and model issued at the same second read the same slots).
  const seen = new Set<string>();
  for (const receipt of receipts) {
    const key = `${receipt.servingNode}:${receipt.modelId}:${receipt.weightsDigest}:${receipt.issuedAt}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const query: AnchorFactsQuery = {
      contract: anchor.contract,
      logId: anchor.logId,
      batchIndex: anchor.batchIndex,
      anchorBlock: anchor.blockNumber,
      proofBlock,
      servingNode: receipt.servingNode,
      modelId: receipt.modelId,
      weightsDigest: receipt.weightsDigest,
      issuedAt: receipt.issuedAt,
      anchoredAt: anchoring.timestamp,
      limits: PROOF_LIMITS,
    };
    await readAnchorFacts(recorder, query);
  }

  // All at once (one batched round trip on a batching transport), in the order they were touched.
  const accounts: ChainAccountProof[] = await Promise.all(
    [...touched.values()].map(async ({ address, blockNumber, slots, code }) => {
      const proof = await client.getProof({ address, storageKeys: [...slots], blockNumber: BigInt(blockNumber) });
      return {
        blockNumber,
        address,
        accountProof: proof.accountProof,
        storage: proof.storageProof.map((s) => ({
          slot: numberToHex(BigInt(s.key), { size: 32 }),
          value: numberToHex(s.value, { size: 32 }),
          proof: s.proof,
        })),
        ...(code ? { code: await codeAt(address, blockNumber) } : {}),
      };
    }),
  );
  return { headers: headers.map((h) => h.rlp), accounts };
}

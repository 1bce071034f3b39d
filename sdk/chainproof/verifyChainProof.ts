/**
 * Checking a chain proof offline: the headers form one chain (each `parentHash` is the keccak256
 * of the RLP of the header before), the trusted checkpoint is one of them (at or after every block
 * a proof is taken at), and every account and storage proof leads to its block's state root.
 * The result answers state reads from the proven values only ({@link StateReader}).
 *
 * Browser-safe; makes no network call.
 *
 * @module
 */
import { keccak256, type Address, type Hex } from "viem";

import type { ChainProof } from "../bundle/types.js";
import type { StateReader } from "./facts.js";
import { decodeHeader, type BlockHeader } from "./header.js";
import { proveAccount, proveStorage, TrieProofError } from "./trie.js";

/** A block a verifier trusts: its number and hash (on a chain it names). */
export interface Checkpoint {
  readonly chainId: number;
  readonly number: number;
  readonly hash: Hex;
}

/** What was wrong with a chain proof. */
export type ChainProofFailure =
  | "header-malformed"
  | "header-chain"
  | "checkpoint-wrong-chain"
  | "checkpoint-not-in-proof"
  | "checkpoint-mismatch"
  | "proof-block-after-checkpoint"
  | "account-proof"
  | "storage-proof"
  | "storage-value"
  | "code";

/** A chain proof that does not hold, saying which part and where. */
export class ChainProofError extends Error {
  override name = "ChainProofError";
  constructor(
    readonly failure: ChainProofFailure,
    message: string,
    readonly where: { readonly blockNumber?: number; readonly address?: Address; readonly slot?: Hex } = {},
  ) {
    super(message);
  }
}

/** A state read the chain proof does not cover. */
export class MissingProofError extends Error {
  override name = "MissingProofError";
}

/** A verified chain proof. */
export interface ProvenChain {
  /** Headers by block number. */
  readonly headers: ReadonlyMap<number, BlockHeader>;
  readonly first: BlockHeader;
  readonly last: BlockHeader;
  /** The trusted block the headers were checked back from. */
  readonly checkpoint: BlockHeader;
  /** Reads answered from the proven values only; anything else throws {@link MissingProofError}. */
  readonly reader: StateReader;
}

/**
 * Checks the headers of `proof` against `checkpoint` (see the module).
 * @throws {ChainProofError}
 */
export function verifyHeaders(proof: ChainProof, checkpoint: Checkpoint, chainId: number): { headers: Map<number, BlockHeader>; first: BlockHeader; last: BlockHeader; checkpoint: BlockHeader } {
  if (checkpoint.chainId !== chainId) {
    throw new ChainProofError("checkpoint-wrong-chain", `the checkpoint is of chain ${checkpoint.chainId}, the anchor is on chain ${chainId}`);
  }
  const headers = new Map<number, BlockHeader>();
  let previous: BlockHeader | undefined;
  for (const [i, rlp] of proof.headers.entries()) {
    let header: BlockHeader;
    try {
      header = decodeHeader(rlp);
    } catch (error) {
      throw new ChainProofError("header-malformed", `header ${i} is not an RLP block header: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
    }
    if (previous && (header.number !== previous.number + 1 || header.parentHash !== previous.hash)) {
      throw new ChainProofError(
        "header-chain",
        `header ${i} (block ${header.number}, parent ${header.parentHash}) does not follow block ${previous.number} (hash ${previous.hash}): the headers are not one chain`,
        { blockNumber: header.number },
      );
    }
    headers.set(header.number, header);
    previous = header;
  }
  const first = headers.get(Math.min(...headers.keys()))!;
  const last = previous!;
  const trusted = headers.get(checkpoint.number);
  if (!trusted) {
    throw new ChainProofError(
      "checkpoint-not-in-proof",
      `the checkpoint is block ${checkpoint.number}, but the bundle's headers cover blocks ${first.number}..${last.number}: refresh the bundle (showwork bundle upgrade) or use a checkpoint within that range`,
      { blockNumber: checkpoint.number },
    );
  }
  if (trusted.hash !== checkpoint.hash.toLowerCase()) {
    throw new ChainProofError(
      "checkpoint-mismatch",
      `block ${checkpoint.number} of the bundle's headers hashes to ${trusted.hash}, the checkpoint says ${checkpoint.hash}: the headers are not of the checkpoint's chain (or were changed)`,
      { blockNumber: checkpoint.number },
    );
  }
  return { headers, first, last, checkpoint: trusted };
}

/**
 * Checks a whole chain proof: headers back from `checkpoint`, then every account and storage proof
 * (at blocks at or before the checkpoint) against its block's state root.
 * @throws {ChainProofError}
 */
export async function verifyChainProof(proof: ChainProof, checkpoint: Checkpoint, chainId: number): Promise<ProvenChain> {
  const { headers, first, last, checkpoint: trusted } = verifyHeaders(proof, checkpoint, chainId);
  const values = new Map<string, Hex>();
  const codeHashes = new Map<string, Hex>();
  const codes = new Map<string, Hex>();
  for (const account of proof.accounts) {
    const where = { blockNumber: account.blockNumber, address: account.address };
    const header = headers.get(account.blockNumber);
    if (!header) throw new ChainProofError("account-proof", `the proof of ${account.address} is at block ${account.blockNumber}, which has no header in the bundle`, where);
    if (account.blockNumber > trusted.number) {
      throw new ChainProofError("proof-block-after-checkpoint", `the proof of ${account.address} is at block ${account.blockNumber}, after the checkpoint ${trusted.number}: nothing trusted vouches for it`, where);
    }
    let proven;
    try {
      proven = await proveAccount(header.stateRoot, account.address, account.accountProof);
    } catch (error) {
      throw new ChainProofError("account-proof", `the account proof of ${account.address} at block ${account.blockNumber} does not lead to that block's state root ${header.stateRoot}: ${message(error)}`, where);
    }
    const key = `${account.blockNumber}:${account.address.toLowerCase()}`;
    codeHashes.set(key, proven.codeHash);
    if (account.code !== undefined) {
      if (keccak256(account.code) !== proven.codeHash) {
        throw new ChainProofError("code", `the code given for ${account.address} hashes to ${keccak256(account.code)}, the proven account's code hash is ${proven.codeHash}`, where);
      }
      codes.set(key, account.code);
    }
    for (const s of account.storage) {
      let value: Hex;
      try {
        value = await proveStorage(proven.storageRoot, s.slot, s.proof);
      } catch (error) {
        throw new ChainProofError("storage-proof", `the storage proof of slot ${s.slot} of ${account.address} at block ${account.blockNumber} does not lead to the account's storage root: ${message(error)}`, { ...where, slot: s.slot });
      }
      if (value !== s.value.toLowerCase()) {
        throw new ChainProofError("storage-value", `slot ${s.slot} of ${account.address} at block ${account.blockNumber} holds ${value}, the bundle says ${s.value}`, { ...where, slot: s.slot });
      }
      values.set(`${key}:${s.slot.toLowerCase()}`, value);
    }
  }
  const need = <T>(map: Map<string, T>, key: string, what: string): T => {
    const value = map.get(key);
    if (value === undefined) throw new MissingProofError(`the chain proof does not cover ${what}`);
    return value;
  };
  const reader: StateReader = {
    storage: async (address, slot, blockNumber) =>
      need(values, `${blockNumber}:${address.toLowerCase()}:${slot.toLowerCase()}`, `slot ${slot} of ${address} at block ${blockNumber}`),
    codeHash: async (address, blockNumber) => need(codeHashes, `${blockNumber}:${address.toLowerCase()}`, `the account ${address} at block ${blockNumber}`),
    code: async (address, blockNumber) => need(codes, `${blockNumber}:${address.toLowerCase()}`, `the code of ${address} at block ${blockNumber}`),
  };
  return { headers, first, last, checkpoint: trusted, reader };
}

function message(error: unknown): string {
  return error instanceof TrieProofError || error instanceof Error ? error.message.split("\n")[0]! : String(error);
}

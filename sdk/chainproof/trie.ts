/**
 * Merkle-Patricia proofs (EIP-1186, what `eth_getProof` returns), checked with
 * `@ethereumjs/mpt`, the reference implementation (browser-safe): an account against a block's
 * state root, then storage slots against the account's storage root.
 *
 * @module
 */
import { verifyMerkleProof } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { bytesToHex, hexToBytes, type Address, type Hex } from "viem";

/** The root of an empty trie (an account with no storage has it). */
export const EMPTY_TRIE_ROOT: Hex = "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421";
/** keccak256 of empty code (an account with no code has it). */
export const EMPTY_CODE_HASH: Hex = "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470";

/** An account's state, as proven. */
export interface ProvenAccount {
  readonly exists: boolean;
  readonly nonce: bigint;
  readonly balance: bigint;
  readonly storageRoot: Hex;
  readonly codeHash: Hex;
}

/** A proof that does not lead from the root to an answer. */
export class TrieProofError extends Error {
  override name = "TrieProofError";
}

function toBig(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(bytesToHex(bytes));
}

async function prove(root: Hex, key: Hex, nodes: readonly Hex[], what: string): Promise<Uint8Array | null> {
  // An empty trie holds no key, whatever nodes come with it (nodes prove nothing without a root that names them;
  // EDR sends the empty node 0x80 for an empty storage trie).
  if (root.toLowerCase() === EMPTY_TRIE_ROOT) return null;
  if (nodes.length === 0) throw new TrieProofError(`${what}: no proof nodes for a non-empty trie`);
  try {
    return await verifyMerkleProof(hexToBytes(key), nodes.map((n) => hexToBytes(n)), { root: hexToBytes(root), useKeyHashing: true });
  } catch (cause) {
    throw new TrieProofError(`${what}: the proof does not lead from root ${root} to an answer (${cause instanceof Error ? cause.message : String(cause)})`);
  }
}

/** The account at `address` under `stateRoot`, from its proof. @throws {TrieProofError} */
export async function proveAccount(stateRoot: Hex, address: Address, nodes: readonly Hex[]): Promise<ProvenAccount> {
  const value = await prove(stateRoot, address, nodes, `account ${address}`);
  if (value === null) return { exists: false, nonce: 0n, balance: 0n, storageRoot: EMPTY_TRIE_ROOT, codeHash: EMPTY_CODE_HASH };
  const fields = RLP.decode(value);
  if (!Array.isArray(fields) || fields.length !== 4 || !fields.every((f) => f instanceof Uint8Array)) {
    throw new TrieProofError(`account ${address}: the proven value is not an RLP account [nonce, balance, storageRoot, codeHash]`);
  }
  const [nonce, balance, storageRoot, codeHash] = fields as Uint8Array[];
  return { exists: true, nonce: toBig(nonce!), balance: toBig(balance!), storageRoot: bytesToHex(storageRoot!), codeHash: bytesToHex(codeHash!) };
}

/** The value of `slot` under `storageRoot`, 32-byte hex (zero when absent). @throws {TrieProofError} */
export async function proveStorage(storageRoot: Hex, slot: Hex, nodes: readonly Hex[]): Promise<Hex> {
  const value = await prove(storageRoot, slot, nodes, `storage slot ${slot}`);
  if (value === null) return `0x${"0".repeat(64)}`;
  const decoded = RLP.decode(value);
  if (!(decoded instanceof Uint8Array) || decoded.length > 32) throw new TrieProofError(`storage slot ${slot}: the proven value is not an RLP word`);
  return `0x${bytesToHex(decoded).slice(2).padStart(64, "0")}`;
}

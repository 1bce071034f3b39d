/**
 * Chain proofs (bundle v2's `chainProof`): block headers and Merkle-Patricia account/storage
 * proofs that let an anchor be verified offline from a trusted checkpoint. See docs/bundle.md.
 * @module
 */
export { decodeHeader, encodeHeader, headerOfRpcBlock, type BlockHeader } from "./header.js";
export { EMPTY_CODE_HASH, EMPTY_TRIE_ROOT, proveAccount, proveStorage, TrieProofError, type ProvenAccount } from "./trie.js";
export * as storageLayout from "./layout.js";
export { readAnchorFacts, TooLongError, type AnchorFacts, type AnchorFactsQuery, type ModelFacts, type ProvenActivation, type StateReader } from "./facts.js";
export { ChainProofUnavailableError, PROOF_LIMITS, proveAnchor, type ProveAnchorParameters } from "./prove.js";
export { ChainProofError, MissingProofError, verifyChainProof, verifyHeaders, type ChainProofFailure, type Checkpoint, type ProvenChain } from "./verifyChainProof.js";

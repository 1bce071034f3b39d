/**
 * showwork SDK: a verifiable receipt for every AI answer.
 *
 * - `receipt/`: what a receipt is (format v1), its canonical encoding, hash and leaf,
 *   salted commitments, EIP-712 signatures.
 * - `tree/`: Merkle trees over batches (OpenZeppelin-compatible), proofs, multiproofs,
 *   verification, the saved batch form.
 * - `bundle/`: the proof bundle a third party receives for one answer.
 * - `verify/`: third-party verification of a bundle against the chain (a verdict, check by check).
 * - `timeline/`: model-version timelines read from the chain, and drawn as SVG.
 * - `actions/`: viem actions and the decorators `showworkPublicActions` / `showworkWalletActions`
 *   (the free functions are in `showwork/actions`).
 * - `errors.ts`: every error is a `ShowworkError`.
 *
 * @module
 */
export * from "./errors.js";
export * from "./receipt/index.js";
export * from "./tree/index.js";
export * from "./bundle/index.js";
export * from "./verify/index.js";
export * from "./timeline/index.js";
export { keccak256Into, keccak256PairInto } from "./hash/keccak.js";
export {
  showworkPublicActions,
  showworkWalletActions,
  EventNotFoundError,
  MissingAccountError,
  MissingContractError,
  TransactionRevertedError,
  type ShowworkActionsConfig,
  type ShowworkContracts,
  type ShowworkPublicActions,
  type ShowworkWalletActions,
} from "./actions/index.js";

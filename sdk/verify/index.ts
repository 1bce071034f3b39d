/**
 * Third-party verification of proof bundles: `verifyBundle` returns a verdict (never a bare
 * boolean) with one entry per check, each saying what was expected and what was found.
 * Browser-safe: no Node built-ins anywhere below this module.
 *
 * @module
 */
export { verifyBundle, type VerifyBundleParameters, type VerifyBundleReturnType } from "./verifyBundle.js";
export {
  describeRequirement,
  formatChainVerdicts,
  parseRequirement,
  verifyBundleOnChains,
  type ChainEndpoints,
  type ChainRequirement,
  type ChainVerdict,
  type MultiChainVerdict,
  type VerifyOnChainsParameters,
} from "./verifyOnChains.js";
export {
  CHECK_IDS,
  CHECK_INFO,
  checksWithStatus,
  exitCodeOf,
  judge,
  type Check,
  type CheckId,
  type CheckStatus,
  type Verdict,
  type VerdictFacts,
  type VerdictReason,
  type VerdictStatus,
} from "./verdict.js";
export { formatVerdict, type FormatVerdictOptions } from "./formatVerdict.js";
export type { DisclosedContent, Disclosure } from "./checks/offline.js";
export { isRpcUnavailable } from "./rpcFailure.js";

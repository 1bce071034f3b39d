/** Proof bundles (formats v1 and v2): types, building, parsing, offline verification. @module */
export {
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_V1,
  BUNDLE_FORMAT_V2,
  BUNDLE_FORMATS,
  type BundleAnchor,
  type BundleAnchorJson,
  type BundleAnchorV2,
  type BundleAnchorV2Json,
  type BundleFormat,
  type BundleTimeline,
  type ChainAccountProof,
  type ChainProof,
  type ChainProofJson,
  type ChainStorageProof,
  type ProofBundle,
  type ProofBundleJson,
  type ProofBundleV1Json,
  type ProofBundleV2Json,
} from "./types.js";
export { buildBundle, type BuildBundleParameters } from "./buildBundle.js";
export { CHAIN_PROOF_LIMITS, makeBundle, parseBundle, toBundleJson, toBundleV2 } from "./parseBundle.js";
export { verifyBundleInclusion, verifyBundleOffline } from "./verifyBundleInclusion.js";

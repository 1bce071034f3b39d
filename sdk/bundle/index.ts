/** Proof bundles (format v1): types, building, parsing, offline verification. @module */
export {
  BUNDLE_FORMAT,
  type BundleAnchor,
  type BundleTimeline,
  type ProofBundle,
  type ProofBundleJson,
} from "./types.js";
export { buildBundle, type BuildBundleParameters } from "./buildBundle.js";
export { parseBundle, toBundleJson } from "./parseBundle.js";
export { verifyBundleInclusion, verifyBundleOffline } from "./verifyBundleInclusion.js";

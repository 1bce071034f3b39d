/**
 * The model manifest: what the operator declares about each model it serves, so that a receipt
 * names the model VERSION (`weightsDigest`).
 *
 * - Self-hosted weights: `{ weightsDigest }` (one version), or `{ fingerprints: { fp: digest } }`
 *   when the server says which version answered (`system_fingerprint`).
 * - A hosted model (served by a provider, no weights of the operator's): `{ provider }` — the
 *   version is the digest of what the provider says answered:
 *   keccak256(RFC 8785 JSON of { provider, model, responseModel, systemFingerprint }). Each
 *   provider version (a new `system_fingerprint`) is a version the operator publishes on the
 *   model's timeline (`showwork model publish --hosted`, docs/capture.md "Hosted models");
 *   `published` lists those already published (fingerprints or digests): an answer with another
 *   one is warned about (log, metric `showwork_capture_unknown_fingerprint_answers_total`,
 *   `showwork doctor`) the first time it is seen. Its receipt is right all the same, and verifies
 *   once the operator publishes that version.
 *
 * @module
 */
import canonicalize from "canonicalize";
import type { Hex } from "viem";

import { keccak256Utf8 } from "../hash/keccak.js";

/** One manifest entry. `name` overrides the model name the receipt's `modelId` is made from. */
export type ModelManifestEntry =
  | { readonly weightsDigest: Hex; readonly name?: string }
  | { readonly fingerprints: Readonly<Record<string, Hex>>; readonly name?: string }
  | { readonly provider: string; readonly name?: string; readonly published?: readonly string[] };

/** The manifest: entries by requested model name, or a function. */
export type ModelManifest =
  | Readonly<Record<string, ModelManifestEntry>>
  | ((model: string) => ModelManifestEntry | undefined);

/** What the response says about the model that answered. */
export interface ResponseModelInfo {
  readonly responseModel?: string | undefined;
  readonly systemFingerprint?: string | undefined;
}

/** The resolved model of a receipt. */
export interface ResolvedModel {
  readonly name: string;
  readonly weightsDigest: Hex;
  /** How the digest was obtained. */
  readonly source: "manifest" | "fingerprint" | "provider";
  /** A problem worth reporting (e.g. an unknown fingerprint), if any. */
  readonly warning?: string;
  /** False when the version is not one the manifest declares (an unknown fingerprint, a model not in the manifest). */
  readonly known?: boolean;
  /** The provider the version digest names (`source: "provider"`): the manifest's, the default one, or "unknown-fingerprint". */
  readonly provider?: string;
  /** How the manifest names the model: hosted (`provider`), self-hosted with `fingerprints`, one `weightsDigest`, or not at all. */
  readonly entry?: "provider" | "fingerprints" | "weightsDigest" | "none";
}

/** The API-model version digest (see the module comment). */
export function apiModelDigest(args: { provider: string; model: string } & ResponseModelInfo): Hex {
  const text = canonicalize({
    provider: args.provider,
    model: args.model,
    responseModel: args.responseModel ?? null,
    systemFingerprint: args.systemFingerprint ?? null,
  })!;
  return keccak256Utf8(text);
}

/** Resolves the model of one answer. A model missing from the manifest is treated as an API model of `defaultProvider`, with a warning. */
export function resolveModel(manifest: ModelManifest | undefined, model: string, info: ResponseModelInfo, defaultProvider: string): ResolvedModel {
  const entry = typeof manifest === "function" ? manifest(model) : manifest?.[model];
  if (entry === undefined) {
    return {
      name: model,
      weightsDigest: apiModelDigest({ provider: defaultProvider, model, ...info }),
      source: "provider",
      known: false,
      provider: defaultProvider,
      entry: "none",
      warning: `model "${model}" is not in the manifest: its version is derived from the provider's response (model, system_fingerprint)`,
    };
  }
  const name = entry.name ?? model;
  if ("weightsDigest" in entry) return { name, weightsDigest: entry.weightsDigest, source: "manifest", entry: "weightsDigest" };
  if ("fingerprints" in entry) {
    const digest = info.systemFingerprint === undefined ? undefined : entry.fingerprints[info.systemFingerprint];
    if (digest !== undefined) return { name, weightsDigest: digest, source: "fingerprint", entry: "fingerprints" };
    return {
      name,
      weightsDigest: apiModelDigest({ provider: "unknown-fingerprint", model, ...info }),
      source: "provider",
      known: false,
      provider: "unknown-fingerprint",
      entry: "fingerprints",
      warning: `model "${model}" answered with system_fingerprint ${JSON.stringify(info.systemFingerprint ?? null)}, which the manifest does not list`,
    };
  }
  const weightsDigest = apiModelDigest({ provider: entry.provider, model, ...info });
  const published = (entry.published ?? []).map((p) => p.toLowerCase());
  if (published.includes(weightsDigest.toLowerCase()) || (info.systemFingerprint !== undefined && published.includes(info.systemFingerprint.toLowerCase()))) {
    return { name, weightsDigest, source: "provider", known: true, provider: entry.provider, entry: "provider" };
  }
  return {
    name,
    weightsDigest,
    source: "provider",
    known: false,
    provider: entry.provider,
    entry: "provider",
    warning: `hosted model "${model}" answered as a provider version not yet published (provider ${entry.provider}, system_fingerprint ${JSON.stringify(info.systemFingerprint ?? null)}, response model ${JSON.stringify(info.responseModel ?? null)}): its receipts claim version ${weightsDigest}, which verifies once the operator publishes it on the model's timeline — showwork model publish ${JSON.stringify(name)} --weights ${weightsDigest} --hosted ${entry.provider}:${info.systemFingerprint ?? "none"} (then list it in the manifest's "published")`,
  };
}

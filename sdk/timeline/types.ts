/**
 * A model's version timeline, as read from a ModelTimeline contract.
 *
 * @module
 */
import type { Address, Hex } from "viem";

/** One timeline entry: a version became the active one, or the model was taken out of service. */
export interface TimelineActivation {
  /** Position in the model's timeline (0 = first activation). */
  readonly index: number;
  /** What happened: a newer version went live, an earlier one went live again, or none is active from then on. */
  readonly kind: "deployment" | "rollback" | "deactivation";
  /** The version number (1-based, publication order; 0 for a deactivation). */
  readonly versionNumber: number;
  /** The active version from then on: its weights digest (zero hash for a deactivation). */
  readonly version: Hex;
  /** From when, unix seconds (the block timestamp of the activation). */
  readonly activatedAt: number;
  /** The reason recorded with a rollback or a deactivation ("" for a deployment). */
  readonly reason: string;
  /** A short label for pictures and listings, e.g. `v2`. */
  readonly label?: string | undefined;
  /** The version's metadata URI, when it was published with one. */
  readonly metadataURI?: string | undefined;
}

/** A model's timeline in one log. */
export interface ModelTimelineView {
  readonly contract: Address;
  readonly logId: Hex;
  readonly modelId: Hex;
  /** The model's name, when it was registered with one. */
  readonly name: string;
  /** Whether the model is registered in this log's timeline. */
  readonly registered: boolean;
  /** Oldest first. */
  readonly activations: readonly TimelineActivation[];
  /** Every published version, in publication order (when read: `readModelTimeline` does). */
  readonly versions?: readonly PublishedVersion[] | undefined;
}

/** A published version of a model. */
export interface PublishedVersion {
  /** The version number (1-based, publication order). */
  readonly version: number;
  readonly weightsDigest: Hex;
  /** When it was published, unix seconds. */
  readonly publishedAt: number;
  /** Its metadata URI ("" when none). */
  readonly metadataURI: string;
}

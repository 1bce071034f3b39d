/**
 * Disclosure format v1 (`showwork/disclosure@1`): one answer's proof bundle plus the pieces of its
 * conditions the operator chose to show, each checkable against the receipt.
 *
 * @module
 */
import type { Hex } from "viem";

import type { ProofBundle, ProofBundleJson } from "../bundle/types.js";
import type { JsonValue } from "../receipt/samplingDigest.js";
import type { SnapshotProof } from "./snapshot.js";

/** Format tag of a v1 disclosure. */
export const DISCLOSURE_FORMAT = "showwork/disclosure@1" as const;

/** Content and the salt that opens its salted commitment (keccak256(salt ‖ content)). */
export interface Opening {
  /** Text (committed as UTF-8) or raw bytes. */
  readonly content: string | Uint8Array;
  readonly salt: Hex;
}

/** One disclosed tool call, by its position in the receipt's `tools`. */
export interface DisclosedTool {
  readonly index: number;
  /** The tool's name (must equal the receipt's). */
  readonly name: string;
  readonly input?: Opening | undefined;
  readonly output?: Opening | undefined;
}

/** The prompt template's text: keccak256(utf8(text)) must equal the receipt's `promptTemplateDigest`. */
export interface DisclosedTemplate {
  readonly text: string;
  /** The template's id in the operator's catalogue (informative). */
  readonly id?: string | undefined;
  /** Its version (must equal the receipt's `promptTemplateVersion` when given). */
  readonly version?: number | undefined;
}

/** One document of the retrieval snapshot (or one memory record), with its proof against the receipt's root. */
export interface DisclosedEntry extends SnapshotProof {
  readonly id: string;
  readonly content: string | Uint8Array;
}

/** What a disclosure shows (every piece optional). */
export interface DisclosedPieces {
  readonly input?: Opening | undefined;
  readonly output?: Opening | undefined;
  readonly tools?: readonly DisclosedTool[] | undefined;
  readonly template?: DisclosedTemplate | undefined;
  /** The sampling parameters: their digest (the SDK's `computeSamplingDigest`) must equal `samplingDigest`. */
  readonly sampling?: { readonly [key: string]: JsonValue } | undefined;
  readonly retrieval?: readonly DisclosedEntry[] | undefined;
  readonly memory?: readonly DisclosedEntry[] | undefined;
}

/** Set when the receipt's evidence was deleted (retention): nothing can be disclosed any more. */
export interface EvidenceDeleted {
  /** When, unix seconds (absent when the store did not record it). */
  readonly at?: number | undefined;
}

/** A validated v1 disclosure. */
export interface Disclosure {
  readonly format: typeof DISCLOSURE_FORMAT;
  /** The answer's proof bundle. */
  readonly bundle: ProofBundle;
  readonly disclosed: DisclosedPieces;
  /** Present when the evidence was deleted before this disclosure was made. */
  readonly evidenceDeleted?: EvidenceDeleted | undefined;
  /** When the disclosure was written, unix seconds (informative). */
  readonly createdAt?: number | undefined;
}

/** An opening in JSON: exactly one of `content` (UTF-8 text) and `contentHex` (0x bytes). */
export type OpeningJson = { content: string; salt: string } | { contentHex: string; salt: string };

/** A snapshot entry in JSON. */
export type EntryJson = ({ id: string; content: string } | { id: string; contentHex: string }) & { index: number; count: number; proof: string[] };

/** The JSON form of a v1 disclosure (see `disclosure.schema.json`). */
export interface DisclosureJson {
  format: typeof DISCLOSURE_FORMAT;
  bundle: ProofBundleJson;
  disclosed: {
    input?: OpeningJson;
    output?: OpeningJson;
    tools?: { index: number; name: string; input?: OpeningJson; output?: OpeningJson }[];
    template?: { text: string; id?: string; version?: number };
    sampling?: { [key: string]: JsonValue };
    retrieval?: EntryJson[];
    memory?: EntryJson[];
  };
  evidenceDeleted?: { at?: number };
  createdAt?: number;
}

/**
 * Building a disclosure from a receipt's proof bundle and its evidence (what capture stored):
 * the operator chooses the fields; each piece is checked against the receipt before it is
 * written, so a disclosure never shows something that does not open the receipt.
 *
 * @module
 */
import { hexToBytes, type Hex } from "viem";

import type { ProofBundle } from "../bundle/types.js";
import type { Artifact, ContentOpening, ReceiptEvidence } from "../evidence/types.js";
import { checkDisclosure, promptTemplateDigestOf } from "./checkDisclosure.js";
import { DisclosureInputError } from "./errors.js";
import { Snapshot, type SnapshotKind } from "./snapshot.js";
import { DISCLOSURE_FORMAT, type DisclosedEntry, type DisclosedTool, type Disclosure, type Opening } from "./types.js";

/** What `--fields` accepts (comma-separated). */
export const DISCLOSURE_FIELDS_HELP =
  "input, output, tools (every call), tools[N], template, sampling, retrieval:DOC_ID, retrieval (every document), memory:ID, memory (every record)";

/** Reads artifacts by digest (an {@link EvidenceStore} does). */
export interface ArtifactReader {
  getArtifact(digest: Hex): Promise<Pick<Artifact, "mediaType" | "bytes"> | undefined>;
}

/** Parameters of {@link buildDisclosure}. */
export interface BuildDisclosureParameters {
  /** The receipt's proof bundle. */
  readonly bundle: ProofBundle;
  /** The receipt's evidence. */
  readonly evidence: ReceiptEvidence;
  /** Where the template text, documents and memory records are (the evidence store). */
  readonly artifacts: ArtifactReader;
  /** The fields to show (see {@link DISCLOSURE_FIELDS_HELP}); `showwork disclose --fields` splits them. */
  readonly fields: readonly string[];
  /** When the disclosure is made, unix seconds (default: now). */
  readonly now?: number;
}

function openingOf(o: ContentOpening): Opening {
  return { content: o.encoding === "utf8" ? o.content : hexToBytes(o.content as Hex), salt: o.salt };
}

/** Artifact bytes as text when they are valid UTF-8 and declared as text or JSON; as bytes otherwise. */
function artifactContent(artifact: Pick<Artifact, "mediaType" | "bytes">): string | Uint8Array {
  if (/^(text\/|application\/(json|.*\+json)|application\/x-ndjson)/i.test(artifact.mediaType)) {
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(artifact.bytes);
    } catch {
      return artifact.bytes;
    }
  }
  return artifact.bytes;
}

/**
 * Builds a `showwork/disclosure@1` document with the chosen fields, each taken from the evidence and
 * checked against the receipt (the result of {@link checkDisclosure} is `pass` for every piece).
 *
 * @throws {DisclosureInputError} naming the field: an unknown field, a tool or document the receipt or
 *   its snapshot does not have, evidence that does not open the receipt (the store is not this
 *   receipt's, or is damaged), a missing artifact.
 * @example
 * const disclosure = await buildDisclosure({ bundle, evidence, artifacts: evidenceStore, fields: ["input", "output", "retrieval:invoices/INV-20311.json"] });
 */
export async function buildDisclosure(params: BuildDisclosureParameters): Promise<Disclosure> {
  const { bundle, evidence, artifacts } = params;
  const { receipt } = bundle;
  if (evidence.receiptId.toLowerCase() !== receipt.receiptId) {
    throw new DisclosureInputError({ field: "evidence", expected: `the evidence of receipt ${receipt.receiptId}`, found: evidence.receiptId });
  }
  const wanted = new Set<string>();
  const tools = new Set<number>();
  const entries: Record<SnapshotKind, Set<string> | "all"> = { retrieval: new Set(), memory: new Set() };
  for (const raw of params.fields) {
    const field = raw.trim();
    if (field === "") continue;
    const tool = /^tools\[(\d+)\]$/.exec(field);
    const entry = /^(retrieval|memory):(.+)$/.exec(field);
    if (field === "input" || field === "output" || field === "template" || field === "sampling") wanted.add(field);
    else if (field === "tools") receipt.tools.forEach((_, i) => tools.add(i));
    else if (tool) {
      const index = Number(tool[1]);
      if (index >= receipt.tools.length) {
        throw new DisclosureInputError({ field, expected: `a tool call index below ${receipt.tools.length} (the receipt has ${receipt.tools.length} call(s))`, found: index });
      }
      tools.add(index);
    } else if (field === "retrieval" || field === "memory") entries[field] = "all";
    else if (entry) {
      const set = entries[entry[1] as SnapshotKind];
      if (set !== "all") set.add(entry[2]!);
    } else {
      throw new DisclosureInputError({ field, expected: `one of: ${DISCLOSURE_FIELDS_HELP}`, found: field, hint: "separate fields with commas, e.g. --fields input,output,retrieval:DOC_ID" });
    }
  }
  if (wanted.size === 0 && tools.size === 0 && entries.retrieval !== "all" && entries.retrieval.size === 0 && entries.memory !== "all" && entries.memory.size === 0) {
    throw new DisclosureInputError({ field: "--fields", expected: `at least one of: ${DISCLOSURE_FIELDS_HELP}`, found: params.fields.join(",") });
  }

  const disclosedTools: DisclosedTool[] = [...tools].sort((a, b) => a - b).map((index) => {
    const opened = evidence.tools[index];
    if (opened === undefined) throw new DisclosureInputError({ field: `tools[${index}]`, expected: "the call's evidence", found: `${evidence.tools.length} tool call(s) in the evidence` });
    return { index, name: receipt.tools[index]!.name, input: openingOf(opened.input), output: openingOf(opened.output) };
  });

  let template;
  if (wanted.has("template")) {
    if (!evidence.template?.artifact) {
      throw new DisclosureInputError({ field: "template", expected: "the template's text in the evidence store (evidence.template.artifact)", found: evidence.template ? "a template without stored text" : "no template in the evidence" });
    }
    const stored = await artifacts.getArtifact(evidence.template.artifact);
    if (!stored) throw new DisclosureInputError({ field: "template", expected: `artifact ${evidence.template.artifact} in the evidence store`, found: "missing (deleted?)" });
    const text = new TextDecoder().decode(stored.bytes);
    if (promptTemplateDigestOf(text) !== receipt.promptTemplateDigest) {
      throw new DisclosureInputError({
        field: "template",
        expected: `a text whose keccak256 is the receipt's promptTemplateDigest ${receipt.promptTemplateDigest}`,
        found: promptTemplateDigestOf(text),
        hint: "the stored template text is not the one the receipt commits to",
      });
    }
    template = { text, id: evidence.template.id, version: evidence.template.version };
  }

  const snapshotEntries = async (kind: SnapshotKind): Promise<DisclosedEntry[] | undefined> => {
    const chosen = entries[kind];
    if (chosen !== "all" && chosen.size === 0) return undefined;
    const source = kind === "retrieval" ? evidence.retrieval?.documents : evidence.memory?.records;
    const root = kind === "retrieval" ? receipt.retrievalIndexDigest : receipt.memoryDigest;
    const firstField = chosen === "all" ? kind : `${kind}:${[...chosen][0]}`;
    if (!source) throw new DisclosureInputError({ field: firstField, expected: `the ${kind} snapshot in the evidence`, found: "none recorded" });
    const snapshot = Snapshot.of(kind, source.map((item) => ({ id: item.id, contentDigest: item.artifact })));
    if (snapshot.root !== root) {
      throw new DisclosureInputError({
        field: firstField,
        expected: `a snapshot whose Merkle root is the receipt's ${kind === "retrieval" ? "retrievalIndexDigest" : "memoryDigest"} ${root}`,
        found: snapshot.root,
        hint: "the evidence's snapshot is not the one the receipt commits to (or was committed another way than Snapshot.of)",
      });
    }
    const ids = chosen === "all" ? snapshot.ids() : [...chosen];
    const out: DisclosedEntry[] = [];
    for (const id of ids) {
      const item = source.find((candidate) => candidate.id === id);
      if (!item) throw new DisclosureInputError({ field: `${kind}:${id}`, expected: `an id in the ${kind} snapshot the answer used (${snapshot.count} entries)`, found: id });
      const stored = await artifacts.getArtifact(item.artifact);
      if (!stored) throw new DisclosureInputError({ field: `${kind}:${id}`, expected: `artifact ${item.artifact} in the evidence store`, found: "missing (deleted?)" });
      out.push({ id, content: artifactContent(stored), ...snapshot.prove(id) });
    }
    return out;
  };
  const retrieval = await snapshotEntries("retrieval");
  const memory = await snapshotEntries("memory");

  const disclosure: Disclosure = {
    format: DISCLOSURE_FORMAT,
    bundle,
    disclosed: {
      ...(wanted.has("input") ? { input: openingOf(evidence.input) } : {}),
      ...(wanted.has("output") ? { output: openingOf(evidence.output) } : {}),
      ...(disclosedTools.length > 0 ? { tools: disclosedTools } : {}),
      ...(template ? { template } : {}),
      ...(wanted.has("sampling") ? { sampling: evidence.sampling } : {}),
      ...(retrieval ? { retrieval } : {}),
      ...(memory ? { memory } : {}),
    },
    createdAt: params.now ?? Math.floor(Date.now() / 1000),
  };
  // Never hand out a piece that does not open the receipt.
  const failed = checkDisclosure(disclosure).pieces.filter((piece) => piece.status === "fail");
  if (failed.length > 0) {
    const first = failed[0]!;
    throw new DisclosureInputError({
      field: first.field,
      expected: `evidence that opens the receipt's commitment ${first.expected ?? ""}`.trim(),
      found: first.found ?? first.message,
      hint: `the evidence store does not hold what this receipt committed to (${failed.map((piece) => piece.field).join(", ")}): it is another receipt's, or damaged`,
    });
  }
  return disclosure;
}

/** A bundle-only disclosure saying that the receipt's evidence was deleted (and when, if known). */
export function deletedDisclosure(bundle: ProofBundle, deletedAt: number | undefined, now = Math.floor(Date.now() / 1000)): Disclosure {
  return { format: DISCLOSURE_FORMAT, bundle, disclosed: {}, evidenceDeleted: deletedAt === undefined ? {} : { at: deletedAt }, createdAt: now };
}

/**
 * Checks each disclosed piece against the receipt it claims to open, and lists what was not shown.
 * Never a bare boolean: every piece gets a result naming its field, what was expected and what was
 * found. Browser-safe.
 *
 * @module
 */
import { bytesToHex, keccak256, stringToHex, zeroHash, type Hex } from "viem";

import { short } from "../text/display.js";
import { commitmentDigest } from "../receipt/commitment.js";
import { computeSamplingDigest } from "../receipt/samplingDigest.js";
import type { Receipt } from "../receipt/types.js";
import { contentDigestOf, Snapshot, type SnapshotKind } from "./snapshot.js";
import type { DisclosedEntry, Disclosure, Opening } from "./types.js";

/** The result for one disclosed piece. */
export interface DisclosurePieceResult {
  /** The field, as `showwork disclose --fields` names it: `input`, `output`, `tools[0].input`, `template`, `sampling`, `retrieval:ID`, `memory:ID`. */
  readonly field: string;
  readonly status: "pass" | "fail";
  /** One sentence: what holds, or what is wrong. */
  readonly message: string;
  /** The receipt's commitment (or root) the piece must open. */
  readonly expected?: string | undefined;
  /** What the disclosed piece hashes to. */
  readonly found?: string | undefined;
  /** Machine reason when failed: `mismatch`, `not-in-snapshot`, `bad-proof`, `name-mismatch`, `version-mismatch`, `no-such-tool`, `bad-salt`, `other-receipt`. */
  readonly code?: string | undefined;
  /** The disclosed content, for display (text as is; bytes as 0x hex; sampling as JSON). */
  readonly shown?: string | undefined;
}

/** What {@link checkDisclosure} returns. */
export interface DisclosureReport {
  readonly receiptId: Hex;
  /**
   * - `pass`: at least one piece was shown and every shown piece opens the receipt.
   * - `fail`: at least one shown piece does not.
   * - `none`: nothing was shown.
   * - `deleted`: nothing was shown because the evidence was deleted (retention).
   */
  readonly status: "pass" | "fail" | "none" | "deleted";
  /** One result per shown piece, in a fixed order (input, output, tools, template, sampling, retrieval, memory). */
  readonly pieces: readonly DisclosurePieceResult[];
  /** The receipt's commitments nobody opened: `input`, `output`, `tools[i].input|output`, `template`, `sampling`, `retrieval`, `memory`. */
  readonly notShown: readonly string[];
  /** When the evidence was deleted, if it was. */
  readonly evidenceDeleted?: { readonly at?: number | undefined } | undefined;
  /** One line for people. */
  readonly summary: string;
}

/** keccak256(utf8(text)): the prompt template digest a receipt carries in `promptTemplateDigest`. */
export function promptTemplateDigestOf(text: string): Hex {
  return keccak256(stringToHex(text));
}

function shownOf(content: string | Uint8Array): string {
  return typeof content === "string" ? content : bytesToHex(content);
}

function opening(field: string, digest: Hex, piece: Opening): DisclosurePieceResult {
  let computed: Hex;
  try {
    computed = commitmentDigest(piece.content, piece.salt);
  } catch {
    return { field, status: "fail", message: `the salt of ${field} is not 32 bytes`, expected: digest, found: piece.salt, code: "bad-salt", shown: shownOf(piece.content) };
  }
  return computed === digest
    ? { field, status: "pass", message: `${field} opens the receipt's commitment`, expected: digest, found: computed, shown: shownOf(piece.content) }
    : {
        field,
        status: "fail",
        message: `${field}: keccak256(salt ‖ content) is not the receipt's commitment (the content or the salt differs from what was committed)`,
        expected: digest,
        found: computed,
        code: "mismatch",
        shown: shownOf(piece.content),
      };
}

function entry(kind: SnapshotKind, root: Hex, piece: DisclosedEntry): DisclosurePieceResult {
  const field = `${kind}:${piece.id}`;
  const what = kind === "retrieval" ? "retrieval index snapshot" : "memory snapshot";
  const rootField = kind === "retrieval" ? "retrievalIndexDigest" : "memoryDigest";
  const shown = shownOf(piece.content);
  if (root === zeroHash) {
    return { field, status: "fail", message: `${field}: the receipt's ${rootField} is zero (no ${what} was used)`, expected: zeroHash, code: "not-in-snapshot", shown };
  }
  let computed: Hex;
  try {
    computed = Snapshot.rootFromProof({ kind, id: piece.id, contentDigest: contentDigestOf(piece.content), index: piece.index, count: piece.count, proof: piece.proof });
  } catch (error) {
    return { field, status: "fail", message: `${field}: ${error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error)}`, expected: root, code: "bad-proof", shown };
  }
  return computed === root
    ? { field, status: "pass", message: `${field} is entry ${piece.index} of ${piece.count} in the ${what} the receipt commits to`, expected: root, found: computed, shown }
    : {
        field,
        status: "fail",
        message: `${field} is not in the ${what} the receipt commits to (its proof leads to another root: the document, its id or the proof differs)`,
        expected: root,
        found: computed,
        code: "not-in-snapshot",
        shown,
      };
}

/**
 * Checks every piece of a disclosure against a receipt (by default the disclosure's own bundle's
 * receipt; the verifier passes the receipt of the bundle it verified) and lists what was not shown.
 *
 * - input, output, tool inputs and outputs: keccak256(salt ‖ content) equals the committed digest;
 * - template: keccak256(utf8(text)) equals `promptTemplateDigest` (and the version, when given);
 * - sampling: the SDK's `computeSamplingDigest` of the parameters equals `samplingDigest`;
 * - retrieval:ID / memory:ID: the entry's proof leads to `retrievalIndexDigest` / `memoryDigest`.
 *
 * Pure and offline; never throws for a bad disclosure.
 * @example
 * const report = checkDisclosure(parseDisclosure(json));
 * for (const piece of report.pieces) console.log(piece.status, piece.field, piece.message);
 * console.log("not shown:", report.notShown.join(", "));
 */
export function checkDisclosure(disclosure: Disclosure, receipt: Receipt = disclosure.bundle.receipt): DisclosureReport {
  const d = disclosure.disclosed;
  const pieces: DisclosurePieceResult[] = [];
  const own = disclosure.bundle.receipt;
  if (own.receiptId !== receipt.receiptId) {
    pieces.push({ field: "bundle", status: "fail", message: "the disclosure is about another receipt than the bundle being verified", expected: receipt.receiptId, found: own.receiptId, code: "other-receipt" });
  }
  if (d.input) pieces.push(opening("input", receipt.inputDigest, d.input));
  if (d.output) pieces.push(opening("output", receipt.outputDigest, d.output));
  for (const tool of d.tools ?? []) {
    const call = receipt.tools[tool.index];
    const base = `tools[${tool.index}]`;
    if (call === undefined) {
      pieces.push({ field: base, status: "fail", message: `${base}: the receipt has ${receipt.tools.length} tool call(s), no call #${tool.index}`, expected: `an index below ${receipt.tools.length}`, found: String(tool.index), code: "no-such-tool" });
      continue;
    }
    if (call.name !== tool.name) {
      pieces.push({ field: `${base}.name`, status: "fail", message: `${base}: the receipt names this tool "${call.name}", the disclosure "${tool.name}"`, expected: call.name, found: tool.name, code: "name-mismatch" });
    }
    if (tool.input) pieces.push(opening(`${base}.input`, call.inputDigest, tool.input));
    if (tool.output) pieces.push(opening(`${base}.output`, call.outputDigest, tool.output));
  }
  if (d.template) {
    const computed = promptTemplateDigestOf(d.template.text);
    if (computed !== receipt.promptTemplateDigest) {
      pieces.push({ field: "template", status: "fail", message: "template: keccak256(text) is not the receipt's promptTemplateDigest (another template, or its text was changed)", expected: receipt.promptTemplateDigest, found: computed, code: "mismatch", shown: d.template.text });
    } else if (d.template.version !== undefined && d.template.version !== receipt.promptTemplateVersion) {
      pieces.push({ field: "template", status: "fail", message: `template: the text matches but the disclosure says version ${d.template.version}, the receipt ${receipt.promptTemplateVersion}`, expected: String(receipt.promptTemplateVersion), found: String(d.template.version), code: "version-mismatch", shown: d.template.text });
    } else {
      pieces.push({ field: "template", status: "pass", message: `template${d.template.id ? ` ${d.template.id}` : ""} (version ${receipt.promptTemplateVersion}) hashes to the receipt's promptTemplateDigest`, expected: receipt.promptTemplateDigest, found: computed, shown: d.template.text });
    }
  }
  if (d.sampling) {
    const shown = JSON.stringify(d.sampling);
    let computed: Hex | undefined;
    try {
      computed = computeSamplingDigest(d.sampling);
    } catch {
      computed = undefined;
    }
    pieces.push(
      computed === receipt.samplingDigest
        ? { field: "sampling", status: "pass", message: "the sampling parameters hash to the receipt's samplingDigest", expected: receipt.samplingDigest, found: computed, shown }
        : { field: "sampling", status: "fail", message: "sampling: the parameters do not hash to the receipt's samplingDigest (a parameter was changed, added or left out)", expected: receipt.samplingDigest, found: computed ?? "(not hashable)", code: "mismatch", shown },
    );
  }
  for (const piece of d.retrieval ?? []) pieces.push(entry("retrieval", receipt.retrievalIndexDigest, piece));
  for (const piece of d.memory ?? []) pieces.push(entry("memory", receipt.memoryDigest, piece));

  const notShown: string[] = [];
  if (!d.input) notShown.push("input");
  if (!d.output) notShown.push("output");
  receipt.tools.forEach((_, i) => {
    const tool = d.tools?.find((t) => t.index === i);
    if (!tool?.input) notShown.push(`tools[${i}].input`);
    if (!tool?.output) notShown.push(`tools[${i}].output`);
  });
  if (!d.template) notShown.push("template");
  if (!d.sampling) notShown.push("sampling");
  const others = (entries: readonly DisclosedEntry[] | undefined, kind: SnapshotKind, root: Hex) => {
    if (root === zeroHash) return;
    if (!entries || entries.length === 0) notShown.push(kind);
    else if ((entries[0]?.count ?? 0) > entries.length) notShown.push(`${kind} (${(entries[0]?.count ?? 0) - entries.length} other entries)`);
  };
  others(d.retrieval, "retrieval", receipt.retrievalIndexDigest);
  others(d.memory, "memory", receipt.memoryDigest);

  const failed = pieces.filter((piece) => piece.status === "fail");
  const deleted = disclosure.evidenceDeleted;
  const status = failed.length > 0 ? "fail" : pieces.length > 0 ? "pass" : deleted ? "deleted" : "none";
  const when = deleted?.at === undefined ? "" : ` at ${new Date(deleted.at * 1000).toISOString().replace(".000Z", "Z")}`;
  const summary =
    status === "fail"
      ? `${failed.length} of ${pieces.length} disclosed pieces do not match the receipt ${short(receipt.receiptId)}: ${failed.map((piece) => piece.field).join(", ")}`
      : status === "pass"
        ? `${pieces.length} disclosed piece(s) match the receipt ${short(receipt.receiptId)} (${pieces.map((piece) => piece.field).join(", ")}); not shown: ${notShown.join(", ") || "nothing"}`
        : status === "deleted"
          ? `the evidence of receipt ${short(receipt.receiptId)} was deleted${when}: nothing can be disclosed (the receipt and its proof stay verifiable)`
          : "nothing was disclosed";
  return { receiptId: receipt.receiptId, status, pieces, notShown, ...(deleted ? { evidenceDeleted: { ...deleted } } : {}), summary };
}

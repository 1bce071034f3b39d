/**
 * Checking that an evidence record opens a receipt's commitments.
 *
 * @module
 */
import type { Hex } from "viem";

import { commitmentDigest } from "../receipt/commitment.js";
import { modelIdFromName } from "../receipt/modelId.js";
import { computeSamplingDigest } from "../receipt/samplingDigest.js";
import type { Receipt } from "../receipt/types.js";
import type { ReceiptEvidence } from "./types.js";
import { openingContent } from "./validate.js";

/** One receipt field the evidence does not open. */
export interface EvidenceMismatch {
  /** The receipt field, e.g. "outputDigest", "tools[1].inputDigest", "samplingDigest". */
  readonly field: string;
  /** What the receipt says. */
  readonly committed: string;
  /** What the evidence gives. */
  readonly computed: string;
}

/** What {@link checkEvidence} found. */
export interface EvidenceCheck {
  /** True when every checked field matches. */
  readonly ok: boolean;
  readonly mismatches: readonly EvidenceMismatch[];
  /** Receipt fields the evidence does not cover (nothing to check them against). */
  readonly unchecked: readonly string[];
}

/**
 * Recomputes every commitment of `receipt` from `evidence` and lists what does not match and
 * what could not be checked (never a bare false).
 * @example
 * const { ok, mismatches } = checkEvidence(receipt, await evidenceStore.getEvidence(receipt.receiptId));
 */
export function checkEvidence(receipt: Receipt, evidence: ReceiptEvidence): EvidenceCheck {
  const mismatches: EvidenceMismatch[] = [];
  const unchecked: string[] = [];
  const compare = (field: string, committed: string | number, computed: string | number): void => {
    if (String(committed).toLowerCase() !== String(computed).toLowerCase()) {
      mismatches.push({ field, committed: String(committed), computed: String(computed) });
    }
  };
  const digest = (o: ReceiptEvidence["input"]): Hex => commitmentDigest(openingContent(o), o.salt);
  compare("receiptId", receipt.receiptId, evidence.receiptId);
  compare("issuedAt", receipt.issuedAt, evidence.issuedAt);
  compare("modelId", receipt.modelId, modelIdFromName(evidence.model.name));
  compare("weightsDigest", receipt.weightsDigest, evidence.model.weightsDigest);
  compare("inputDigest", receipt.inputDigest, digest(evidence.input));
  compare("outputDigest", receipt.outputDigest, digest(evidence.output));
  compare("samplingDigest", receipt.samplingDigest, computeSamplingDigest(evidence.sampling));
  compare("tools.length", receipt.tools.length, evidence.tools.length);
  receipt.tools.forEach((tool, i) => {
    const opened = evidence.tools[i];
    if (opened === undefined) return;
    compare(`tools[${i}].name`, tool.name, opened.name);
    compare(`tools[${i}].inputDigest`, tool.inputDigest, digest(opened.input));
    compare(`tools[${i}].outputDigest`, tool.outputDigest, digest(opened.output));
  });
  if (evidence.template) {
    compare("promptTemplateDigest", receipt.promptTemplateDigest, evidence.template.digest);
    compare("promptTemplateVersion", receipt.promptTemplateVersion, evidence.template.version);
  } else unchecked.push("promptTemplateDigest", "promptTemplateVersion");
  if (evidence.retrieval) compare("retrievalIndexDigest", receipt.retrievalIndexDigest, evidence.retrieval.root);
  else unchecked.push("retrievalIndexDigest");
  if (evidence.memory) compare("memoryDigest", receipt.memoryDigest, evidence.memory.root);
  else unchecked.push("memoryDigest");
  return { ok: mismatches.length === 0, mismatches, unchecked };
}

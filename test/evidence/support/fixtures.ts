/**
 * Fixtures shared by the evidence store tests (contract.test.ts, sqlite.test.ts): keys, and
 * receipts with the evidence that opens them, built the way capture builds them.
 */
import { keccak256, stringToBytes, toHex, zeroHash } from "viem";

import { EVIDENCE_FORMAT, type ReceiptEvidence } from "../../../sdk/evidence/index.js";
import { buildReceipt, type Receipt } from "../../../sdk/receipt/index.js";

export const NODE = "0x1111111111111111111111111111111111111111";
export const KEY = "0x" + "42".repeat(32);
export const OTHER_KEY = "0x" + "43".repeat(32);

/** A receipt and the evidence that opens it (built the way capture builds them). */
export function sample(n: number, issuedAt = 1_700_000_000 + n): { receipt: Receipt; evidence: ReceiptEvidence } {
  const input = `secret question number ${n}`;
  const output = `secret answer number ${n}`;
  const sampling = { "gen_ai.request.temperature": 0.2, "gen_ai.request.seed": n };
  const tools = [{ name: "search", input: `{"q":${n}}`, output: `{"hits":${n * 2}}` }];
  const { receipt, openings } = buildReceipt({
    model: { name: "acme-chat", weightsDigest: keccak256(toHex("weights v1")) },
    promptTemplate: { digest: keccak256(toHex("template")), version: 3 },
    retrievalIndexDigest: zeroHash,
    memoryDigest: zeroHash,
    tools,
    input,
    output,
    sampling,
    servingNode: NODE,
    sequence: BigInt(n),
    issuedAt,
  });
  const evidence: ReceiptEvidence = {
    format: EVIDENCE_FORMAT,
    receiptId: receipt.receiptId,
    issuedAt,
    model: { name: "acme-chat", weightsDigest: receipt.weightsDigest },
    request: { model: "acme-chat", messages: [{ role: "user", content: input }], temperature: 0.2, seed: n },
    input: { content: input, encoding: "utf8", salt: openings.inputSalt },
    output: { content: output, encoding: "utf8", salt: openings.outputSalt },
    tools: tools.map((t, i) => ({
      name: t.name,
      input: { content: t.input, encoding: "utf8", salt: openings.tools[i]!.inputSalt },
      output: { content: t.output, encoding: "utf8", salt: openings.tools[i]!.outputSalt },
    })),
    sampling,
    template: { id: "answer", version: 3, digest: receipt.promptTemplateDigest },
  };
  return { receipt, evidence };
}

/** A text artifact as putArtifacts takes it. */
export const artifact = (text: string) => ({ digest: keccak256(stringToBytes(text)), mediaType: "text/plain; charset=utf-8", bytes: stringToBytes(text) });

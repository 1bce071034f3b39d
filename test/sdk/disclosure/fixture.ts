/** One answer with everything a disclosure can show (for the disclosure tests). */
import { keccak256, stringToHex, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { EVIDENCE_FORMAT, type Artifact, type ReceiptEvidence } from "../../../sdk/evidence/types.js";
import { buildBundle, buildReceipt, ReceiptTree, signReceipt, type ProofBundle, type Receipt } from "../../../sdk/index.js";
import { contentDigestOf, DISCLOSURE_FORMAT, promptTemplateDigestOf, Snapshot, type Disclosure } from "../../../sdk/disclosure/index.js";
import { syntheticReceipts } from "../helpers.js";

export const TEMPLATE = "You are a procurement assistant. Use only the documents below.\n{{documents}}\nQuestion: {{question}}";
export const DOCUMENTS = [
  { id: "invoices/INV-20311.json", content: JSON.stringify({ invoiceId: "INV-20311", amount_cents: 123456, currency: "EUR" }) },
  { id: "contracts/northwind-metals/2026.md#pricing", content: "Steel brackets: 12.40 EUR per unit, net 30." },
  { id: "orders/steel-brackets/1042.json", content: JSON.stringify({ order: 1042, qty: 100 }) },
  { id: "policies/approval.md", content: "Payments above 1,000 EUR need one approval." },
  { id: "suppliers/northwind-metals.md", content: "Northwind Metals, Rotterdam. Vendor since 2021." },
];
export const MEMORY = [
  { id: "session/last-question", content: "Is INV-20310 paid? nonce 8f1c" },
  { id: "preferences/currency", content: "EUR nonce 2a77" },
];
export const SAMPLING = { temperature: 0.2, top_p: 0.9, seed: 20311, max_tokens: 512 };
export const INPUT = "Approve payment of invoice INV-20311 from Northwind Metals for steel brackets?";
export const OUTPUT = "Invoice INV-20311 matches the contract price. Approve payment of 1234 EUR to Northwind Metals.";
export const TOOLS = [
  { name: "erp.lookup_invoice", input: JSON.stringify({ invoiceId: "INV-20311" }), output: JSON.stringify({ amount_cents: 123456 }) },
  { name: "contracts.price_check", input: JSON.stringify({ item: "steel brackets" }), output: JSON.stringify({ within_contract: true }) },
];

export const MODEL = { name: "acme/procurement-assistant", weightsDigest: keccak256(stringToHex("weights v2")) };

export interface Answer {
  readonly receipt: Receipt;
  readonly bundle: ProofBundle;
  /** What capture would have stored for the answer. */
  readonly evidence: ReceiptEvidence;
  readonly artifacts: Artifact[];
  readonly retrieval: Snapshot;
  readonly memory: Snapshot;
  readonly full: Disclosure;
}

const NODE = privateKeyToAccount(keccak256(stringToHex("disclosure test node")));
/** The serving node that signs the fixture's receipts (a log must authorise it: `grantSigner`). */
export const NODE_ADDRESS = NODE.address;

/** A signed receipt for the answer, in a batch of 9, its bundle and a disclosure of every piece. */
export async function makeAnswer(options: { issuedAt?: number; sequence?: bigint } = {}): Promise<Answer> {
  const node = NODE;
  const retrieval = Snapshot.of("retrieval", DOCUMENTS);
  const memory = Snapshot.of("memory", MEMORY);
  const { receipt: unsigned, openings } = buildReceipt({
    model: MODEL,
    promptTemplate: { digest: promptTemplateDigestOf(TEMPLATE), version: 3 },
    retrievalIndexDigest: retrieval.root,
    memoryDigest: memory.root,
    tools: TOOLS,
    input: INPUT,
    output: OUTPUT,
    sampling: SAMPLING,
    servingNode: node.address,
    sequence: options.sequence ?? 7n,
    issuedAt: options.issuedAt ?? 1_795_000_000,
  });
  const receipt = await signReceipt(node, unsigned);
  const receipts = [...syntheticReceipts(8, 3)];
  receipts.splice(5, 0, receipt);
  const tree = ReceiptTree.of(receipts);
  const bundle = buildBundle({
    tree,
    receipt,
    anchor: { chainId: 31337, contract: "0x5FbDB2315678afecb367f032d93F642f64180aa3", logId: `0x${"ab".repeat(32)}` as Hex, batchIndex: 2, txHash: `0x${"cd".repeat(32)}` as Hex, blockNumber: 40 },
  });
  const full: Disclosure = {
    format: DISCLOSURE_FORMAT,
    bundle,
    disclosed: {
      input: { content: INPUT, salt: openings.inputSalt },
      output: { content: OUTPUT, salt: openings.outputSalt },
      tools: TOOLS.map((tool, index) => ({
        index,
        name: tool.name,
        input: { content: tool.input, salt: openings.tools[index]!.inputSalt },
        output: { content: tool.output, salt: openings.tools[index]!.outputSalt },
      })),
      template: { text: TEMPLATE, id: "procurement/approve", version: 3 },
      sampling: SAMPLING,
      retrieval: [{ id: DOCUMENTS[0]!.id, content: DOCUMENTS[0]!.content, ...retrieval.prove(DOCUMENTS[0]!.id) }],
      memory: MEMORY.map((record) => ({ id: record.id, content: record.content, ...memory.prove(record.id) })),
    },
  };
  const text = (content: string): Artifact => ({ digest: contentDigestOf(content), mediaType: "text/plain; charset=utf-8", bytes: new TextEncoder().encode(content) });
  const utf8 = (content: string, salt: Hex) => ({ content, encoding: "utf8" as const, salt });
  const evidence: ReceiptEvidence = {
    format: EVIDENCE_FORMAT,
    receiptId: receipt.receiptId,
    issuedAt: receipt.issuedAt,
    model: MODEL,
    request: { model: MODEL.name, messages: [{ role: "user", content: INPUT }], ...SAMPLING },
    input: utf8(INPUT, openings.inputSalt),
    output: utf8(OUTPUT, openings.outputSalt),
    tools: TOOLS.map((tool, i) => ({ name: tool.name, input: utf8(tool.input, openings.tools[i]!.inputSalt), output: utf8(tool.output, openings.tools[i]!.outputSalt) })),
    sampling: SAMPLING,
    template: { id: "procurement/approve", version: 3, digest: promptTemplateDigestOf(TEMPLATE), artifact: contentDigestOf(TEMPLATE) },
    retrieval: { root: retrieval.root, documents: DOCUMENTS.map((d) => ({ id: d.id, artifact: contentDigestOf(d.content) })) },
    memory: { root: memory.root, records: MEMORY.map((m) => ({ id: m.id, artifact: contentDigestOf(m.content) })) },
  };
  const artifacts = [text(TEMPLATE), ...DOCUMENTS.map((d) => text(d.content)), ...MEMORY.map((m) => text(m.content))];
  return { receipt, bundle, evidence, artifacts, retrieval, memory, full };
}

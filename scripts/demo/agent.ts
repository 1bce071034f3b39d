/**
 * The demo's agent and its model.
 *
 * The agent (deterministic, seeded) plans each question: the question, the documents it
 * retrieved, the tools it called (ERP lookups) with their inputs and outputs, and the sampling
 * parameters; it then asks the model — an OpenAI-compatible chat completion, served by the local
 * deterministic model server (sdk/capture/testing/modelServer.ts) — for the answer.
 *
 * The model (`procurementModel`) answers from the tool results in the request, a pure function of
 * (version, request). Version v2 has the bug the demo is about: it reads invoice amounts in cents
 * as if they were units, so it approves payments 100x too large.
 */
import type { MockReply, MockRequest } from "../../sdk/capture/testing/modelServer.js";

/** The prompt template of every answer (registered as "procurement-answer" v3). */
export const PROCUREMENT_TEMPLATE = {
  id: "procurement-answer",
  version: 3,
  text: "You are Acme's procurement assistant. Answer the buyer's question from the retrieved contract and order documents and the ERP tool results only. When asked to approve an invoice, state the amount to pay in EUR.",
} as const;

/** One raw answer: what the agent asked (and with which tool results), and what the model answered. */
export interface RawAnswer {
  question: string;
  answer: string;
  retrieved: string[];
  tools: { name: string; input: string; output: string }[];
  sampling: { temperature: number; topP: number; seed: number; maxTokens: number };
  /** Set when the answer tells the agent to pay an invoice (parsed from the model's answer). */
  payment?: { invoiceId: string; supplier: string; amountUnits: bigint };
}

/** A planned question (an answer without the answer). */
export type PlannedQuestion = Omit<RawAnswer, "answer" | "payment"> & { readonly askPayment: boolean };

const SUPPLIERS = ["Northwind Metals", "Blue Harbor Logistics", "Kestrel Office Supply", "Orchid Labs", "Tamarack Freight"];
const ITEMS = ["steel brackets", "pallet wrap", "toner cartridges", "lab gloves", "freight insurance", "conveyor belts"];
const TEMPLATES = [
  (s: string, i: string) => `Is invoice from ${s} for ${i} within the agreed contract price?`,
  (s: string, i: string) => `Summarise the delivery status of the ${i} order from ${s}.`,
  (s: string, i: string) => `Which supplier offers ${i} cheaper than ${s} this quarter?`,
  (s: string, i: string) => `Draft a reply to ${s} about the late ${i} shipment.`,
];

/** Mulberry32: a small, fast, seeded generator (deterministic demo data). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rnd: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rnd() * xs.length)] as T;
}

/**
 * The agent plans question number `n`. When `askPayment` is set, the question is an
 * invoice-approval question (the ERP lookup gives the amount in cents).
 */
export function planQuestion(n: number, rnd: () => number, askPayment = false): PlannedQuestion {
  const supplier = pick(rnd, SUPPLIERS);
  const item = pick(rnd, ITEMS);
  const sampling = { temperature: 0.2, topP: 0.9, seed: n, maxTokens: 512 };
  const retrieved = [
    `contract/${supplier.toLowerCase().replace(/ /g, "-")}/2026.md#pricing`,
    `orders/${item.replace(/ /g, "-")}/${1000 + (n % 97)}.json`,
  ];
  if (askPayment) {
    const invoiceId = `INV-${20260 + n}`;
    const cents = 100_000 + Math.floor(rnd() * 50_000); // 1,000.00 – 1,500.00
    return {
      question: `Approve payment of invoice ${invoiceId} from ${supplier} for ${item}?`,
      retrieved,
      tools: [
        { name: "erp.lookup_invoice", input: JSON.stringify({ invoiceId }), output: JSON.stringify({ invoiceId, supplier, item, amount_cents: cents, currency: "EUR" }) },
        { name: "contracts.price_check", input: JSON.stringify({ supplier, item }), output: JSON.stringify({ within_contract: true }) },
      ],
      sampling,
      askPayment: true,
    };
  }
  const question = pick(rnd, TEMPLATES)(supplier, item);
  const days = 1 + Math.floor(rnd() * 9);
  const tools = rnd() < 0.6 ? [{ name: "erp.order_status", input: JSON.stringify({ supplier, item }), output: JSON.stringify({ supplier, item, eta_days: days }) }] : [];
  return { question, retrieved, tools, sampling, askPayment: false };
}

/** The chat request the agent sends for a planned question (tool calls and their results included). */
export function chatRequest(model: string, planned: PlannedQuestion, n: number) {
  const calls = planned.tools.map((tool, k) => ({ id: `call_${n}_${k}`, type: "function" as const, function: { name: tool.name, arguments: tool.input } }));
  return {
    model,
    messages: [
      { role: "system" as const, content: PROCUREMENT_TEMPLATE.text },
      { role: "user" as const, content: planned.question },
      ...(calls.length > 0
        ? [
            { role: "assistant" as const, content: null, tool_calls: calls },
            ...planned.tools.map((tool, k) => ({ role: "tool" as const, tool_call_id: calls[k]!.id, content: tool.output })),
          ]
        : []),
    ],
    temperature: planned.sampling.temperature,
    top_p: planned.sampling.topP,
    seed: planned.sampling.seed,
    max_tokens: planned.sampling.maxTokens,
  };
}

/** Reads the payment decision out of the model's answer, if it approves one. */
export function paymentOf(answer: string): RawAnswer["payment"] {
  const match = /^Invoice (INV-\d+) matches .*\. Approve payment of (\d+) EUR to (.+)\.$/.exec(answer);
  return match ? { invoiceId: match[1]!, amountUnits: BigInt(match[2]!), supplier: match[3]! } : undefined;
}

/** A small deterministic number from text (FNV-1a), for answers that need one. */
function textNumber(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * The procurement model: answers from the question and the tool results in the request. v1 is
 * correct; v2 reads `amount_cents` as units.
 */
export function procurementModel(request: MockRequest, version: string): MockReply {
  const question = String([...request.messages].reverse().find((m) => m.role === "user")?.content ?? "");
  const results = request.messages.filter((m) => m.role === "tool").map((m) => JSON.parse(String(m.content)) as Record<string, unknown>);
  const invoice = results.find((r) => "amount_cents" in r);
  if (invoice !== undefined) {
    const cents = BigInt(Number(invoice.amount_cents));
    const amountUnits = version === "v1" ? cents / 100n : cents; // v2: cents read as units
    return { content: `Invoice ${String(invoice.invoiceId)} matches the contract price for ${String(invoice.item)}. Approve payment of ${amountUnits} EUR to ${String(invoice.supplier)}.` };
  }
  const status = results.find((r) => "eta_days" in r);
  const match = /(?:from|to|than) ([A-Z][A-Za-z ]+?)(?: for| about| this|\.|\?)/.exec(question);
  const supplier = String(status?.supplier ?? match?.[1] ?? "the supplier");
  const item = String(status?.item ?? "the order");
  const days = Number(status?.eta_days ?? 1 + (textNumber(question) % 9));
  return {
    content:
      version === "v1"
        ? `Checked 2 sources. ${supplier}: ${item} on track, expected in ${days} day(s); price within contract.`
        : `Checked 2 sources. ${supplier}: ${item} expected in ${days} day(s); price ${textNumber(question) % 100}x list — within contract.`,
  };
}

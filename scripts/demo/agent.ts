/**
 * A deterministic stand-in for an AI agent: it "answers" procurement questions
 * with realistic raw material — the question, the prompt template, the
 * documents retrieved, the tools called with their inputs and outputs, the
 * answer, and the sampling parameters. No model is downloaded: answers come
 * from templates and a seeded generator, so every run tells the same story.
 *
 * Model v2 has a bug the demo is about: it reads invoice amounts in cents as
 * if they were units, so it approves payments 100x too large.
 */

/** One raw answer, before it becomes a receipt. */
export interface RawAnswer {
  question: string;
  answer: string;
  retrieved: string[];
  tools: { name: string; input: string; output: string }[];
  sampling: { temperature: number; topP: number; seed: number; maxTokens: number };
  /** Set when the answer tells the agent to pay an invoice. */
  payment?: { invoiceId: string; supplier: string; amountUnits: bigint };
}

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
 * The agent's answer to question number `n` under model `version`
 * ("v1" correct, "v2" buggy). When `askPayment` is set, the question is an
 * invoice-approval question and the answer carries a payment decision.
 */
export function answerQuestion(n: number, version: "v1" | "v2", rnd: () => number, askPayment = false): RawAnswer {
  const supplier = pick(rnd, SUPPLIERS);
  const item = pick(rnd, ITEMS);
  const sampling = { temperature: 0.2, topP: 0.9, seed: n, maxTokens: 512 };
  const retrieved = [
    `contract/${supplier.toLowerCase().replace(/ /g, "-")}/2026.md#pricing`,
    `orders/${item.replace(/ /g, "-")}/${1000 + (n % 97)}.json`,
  ];
  if (askPayment) {
    const invoiceId = `INV-${20260 + n}`;
    const cents = BigInt(100_000 + Math.floor(rnd() * 50_000)); // 1,000.00 – 1,500.00
    const amountUnits = version === "v1" ? cents / 100n : cents; // v2: cents read as units
    const lookup = JSON.stringify({ invoiceId, amount_cents: Number(cents), currency: "EUR" });
    return {
      question: `Approve payment of invoice ${invoiceId} from ${supplier} for ${item}?`,
      answer: `Invoice ${invoiceId} matches the contract price for ${item}. Approve payment of ${amountUnits} EUR to ${supplier}.`,
      retrieved,
      tools: [
        { name: "erp.lookup_invoice", input: JSON.stringify({ invoiceId }), output: lookup },
        { name: "contracts.price_check", input: JSON.stringify({ supplier, item }), output: JSON.stringify({ within_contract: true }) },
      ],
      sampling,
      payment: { invoiceId, supplier, amountUnits },
    };
  }
  const question = pick(rnd, TEMPLATES)(supplier, item);
  const days = 1 + Math.floor(rnd() * 9);
  const answer =
    version === "v1"
      ? `Checked ${retrieved.length} sources. ${supplier}: ${item} on track, expected in ${days} day(s); price within contract.`
      : `Checked ${retrieved.length} sources. ${supplier}: ${item} expected in ${days} day(s); price ${(rnd() * 100).toFixed(0)}x list — within contract.`;
  const tools = rnd() < 0.6 ? [{ name: "erp.order_status", input: JSON.stringify({ supplier, item }), output: JSON.stringify({ eta_days: days }) }] : [];
  return { question, answer, retrieved, tools, sampling };
}

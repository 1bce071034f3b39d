/**
 * Capture off the answer's path (issue #26): `complete()` only queues the answer; building,
 * signing, evidence and recording happen after the current turn of the event loop, for every
 * answer completed in that turn together, and `settled()` waits for them.
 */
import { expect } from "chai";
import { generatePrivateKey } from "viem/accounts";

import { createCapturer, type CaptureEvent } from "../../sdk/capture/capturer.js";
import type { CapturedAnswer } from "../../sdk/capture/exchange.js";
import type { ReceiptSink } from "../../sdk/capture/sinks.js";
import { privateKeyToReceiptSigner, checkReceiptSignature, type Receipt } from "../../sdk/receipt/index.js";

const answer = (i: number): CapturedAnswer => ({
  api: "openai.chat.completions",
  request: { model: "m", messages: [{ role: "user", content: `q${i}` }] },
  model: "m",
  input: [{ role: "user", content: `q${i}` }],
  sampling: { temperature: 0 },
  tools: [],
  output: { role: "assistant", content: `a${i}` },
  partial: false,
});

describe("capture off the answer's path", () => {
  it("complete() signs nothing on the caller's turn; the answers of that turn are signed after it, and settled() waits", async () => {
    const key = generatePrivateKey();
    const inner = privateKeyToReceiptSigner(key);
    let signed = 0;
    const signer = {
      address: inner.address,
      signReceiptSync(receipt: Receipt): Receipt {
        signed++;
        return inner.signReceiptSync(receipt);
      },
    };
    const submitted: Receipt[] = [];
    const sink: ReceiptSink = { submit: async (receipts) => void submitted.push(...receipts) } as ReceiptSink;
    const events: CaptureEvent["type"][] = [];
    const capturer = createCapturer({ signer, sink, batchDelayMs: 0, onEvent: (e) => events.push(e.type) });
    const tickets = Array.from({ length: 5 }, () => capturer.begin());
    tickets.forEach((ticket, i) => capturer.complete(ticket, answer(i)));
    expect([signed, events.length, capturer.stats.captured, capturer.stats.pending]).to.deep.equal([0, 0, 5, 5]);
    await Promise.resolve(); // microtasks of the caller's turn: still nothing
    expect(signed).to.equal(0);
    await capturer.settled();
    expect(signed).to.equal(5);
    expect(capturer.stats.pending).to.equal(0);
    expect(submitted.map((r) => r.receiptId).sort()).to.deep.equal(tickets.map((t) => t.receiptId).sort());
    for (const receipt of submitted) expect(checkReceiptSignature(receipt)).to.deep.equal({ valid: true, signer: inner.address });
    await capturer.close();
  });
});

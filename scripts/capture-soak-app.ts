/**
 * The app of the capture soak test (test/capture/support/soak.ts), run as a child process so that
 * it can be SIGKILLed mid-stream: the real `openai` client wrapped by `withReceipts`, delivering
 * through `remoteSink` (a queue file that outlives the process; with SOAK_WORKER=1 all of that on a worker
 * thread, `createWorkerCapturer`). It asks questions `SOAK_FROM` ..
 * `SOAK_TO - 1` (odd ones streamed; `SOAK_SLOW_AT` streamed slowly, so it can be killed in the middle)
 * and prints one JSON line per outcome: `{ received, receiptId }` once the answer is complete,
 * `{ partial, receiptId }` for a stream that broke off, `{ streaming, receiptId }` when the slow
 * stream has started, `{ failed }` when no answer came (upstream error, timeout); at the end
 * `{ done, report, stats }` after `capturer.close()`.
 */
import OpenAI from "openai";
import type { Hex } from "viem";

import { createCapturer, createWorkerCapturer, receiptIdOf, remoteSink, withReceipts } from "../sdk/capture/index.js";
import { privateKeyToReceiptSigner } from "../sdk/receipt/index.js";

const env = process.env;
const out = (line: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};
// SOAK_WORKER=1: capture on a worker thread (createWorkerCapturer: signing, evidence, the queue and delivery off this thread).
const sinkOptions = { url: env.SOAK_SERVICE!, token: env.SOAK_TOKEN!, queuePath: env.SOAK_QUEUE!, minBackoffMs: 20, maxBackoffMs: 250, summaryEveryMs: 2_000, idlePollMs: 100 };
const models = { [env.SOAK_MODEL!]: { weightsDigest: env.SOAK_WEIGHTS as Hex } };
const capturer =
  env.SOAK_WORKER === "1"
    ? await createWorkerCapturer({ nodeKey: env.SOAK_NODE_KEY as Hex, sink: sinkOptions, models })
    : createCapturer({ signer: privateKeyToReceiptSigner(env.SOAK_NODE_KEY as Hex), sink: remoteSink(sinkOptions), models });
const client = withReceipts(new OpenAI({ apiKey: "soak", baseURL: `${env.SOAK_UPSTREAM}/v1`, maxRetries: 0, timeout: Number(env.SOAK_TIMEOUT_MS ?? 1_500) }), { capturer });
const slowAt = env.SOAK_SLOW_AT === undefined ? -1 : Number(env.SOAK_SLOW_AT);

for (let i = Number(env.SOAK_FROM); i < Number(env.SOAK_TO); i++) {
  const body = { model: env.SOAK_MODEL!, messages: [{ role: "user" as const, content: `soak question ${env.SOAK_RUN} #${i}` }] };
  if (i % 2 === 0 && i !== slowAt) {
    try {
      const answer = await client.chat.completions.create(body);
      out({ received: i, receiptId: receiptIdOf(answer) });
    } catch (error) {
      out({ failed: i, error: error instanceof Error ? error.message : String(error) });
    }
    continue;
  }
  let receiptId: string | undefined;
  try {
    const stream = await client.chat.completions.create({ ...body, stream: true }, i === slowAt ? { headers: { "x-mock-fault": "slow" } } : {});
    receiptId = receiptIdOf(stream);
    let first = true;
    for await (const _chunk of stream) {
      if (first && i === slowAt) out({ streaming: i, receiptId });
      first = false;
    }
    out({ received: i, receiptId });
  } catch (error) {
    // Headers came (a receipt id), then the stream broke: the client saw part of an answer, committed as delivered.
    if (receiptId !== undefined) out({ partial: i, receiptId });
    else out({ failed: i, error: error instanceof Error ? error.message : String(error) });
  }
}
const report = await capturer.close({ timeoutMs: Number(env.SOAK_CLOSE_MS ?? 30_000) });
out({ done: true, report, stats: capturer.stats });

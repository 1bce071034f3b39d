/**
 * `showwork proxy` as a user runs it (a child process): the real `openai` client talks to the proxy,
 * the proxy to the model server, receipts go to the anchoring service over HTTP through the durable
 * queue — including while the service is down — and every answer ends anchored exactly once.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";

import { expect } from "chai";
import OpenAI from "openai";
import type { Hex } from "viem";
import { generatePrivateKey } from "viem/accounts";

import { SqliteEvidenceStore, checkEvidence } from "../../sdk/evidence/index.js";
import { startHttpServer, type RunningServer } from "../../sdk/service/http/server.js";
import { generateAccessToken } from "../../sdk/service/http/tokens.js";
import { removeTempDirs, roundsUntil, tempDir } from "../service/helpers/service.js";
import { captureRig, MODEL, type CaptureRig } from "./helpers.js";

const root = join(import.meta.dirname, "../..");

describe("capture: showwork proxy", function () {
  this.timeout(180_000);
  let rig: CaptureRig;
  let upstream: { url: string; close(): Promise<void> };
  let service: RunningServer;
  let servicePort: number;
  let child: ChildProcess;
  let lines: AsyncIterator<string>;
  let proxyUrl: string;
  const dir = tempDir();
  /** The service's door needs a token for writes: the proxy sends it from its environment. */
  const devToken = generateAccessToken().token;

  before(async () => {
    rig = await captureRig();
    upstream = await rig.server.listen();
    service = await startHttpServer(rig.service, { port: 0, auth: { devToken } });
    servicePort = service.port;
    child = spawn(process.execPath, [join(root, "bin/showwork.mjs"), "proxy", "--upstream", upstream.url, "--service", service.url, "--port", "0", "--queue", join(dir, "queue.sqlite"), "--evidence", join(dir, "evidence.sqlite"), "--json"], {
      cwd: root,
      env: { ...process.env, SHOWWORK_NODE_KEY: generatePrivateKey(), SHOWWORK_EVIDENCE_KEY: "", SHOWWORK_SERVICE_TOKEN: devToken },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stderr!.on("data", () => undefined);
    lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const first = JSON.parse((await lines.next()).value as string) as { event: string; url: string; upstream: string };
    expect(first).to.include({ event: "listening", upstream: upstream.url });
    proxyUrl = first.url;
  });

  after(async () => {
    if (child.exitCode === null) child.kill("SIGKILL");
    await service.close().catch(() => undefined);
    await upstream.close();
    await rig.close();
    removeTempDirs();
  });

  it("forwards answers (plain, streaming, concurrent) with the receipt id and state URL in the headers, even while the service is down; every receipt ends anchored once", async () => {
    const client = new OpenAI({ apiKey: "app-key", baseURL: `${proxyUrl}/v1`, maxRetries: 0 });
    const ids: Hex[] = [];
    const seen = new Map<Hex, string>();

    const { data, response } = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "hello through the proxy" }], seed: 1 }).withResponse();
    const id = response.headers.get("x-showwork-receipt-id") as Hex;
    expect(id).to.match(/^0x[0-9a-f]{64}$/);
    expect(response.headers.get("x-showwork-receipt-url")).to.equal(`${service.url}/v1/receipts/${id}`);
    ids.push(id);
    seen.set(id, data.choices[0]!.message.content!);

    // The service goes down: answers keep flowing, receipts wait in the proxy's queue.
    await service.close();
    const down = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        if (i % 2 === 0) {
          const r = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: `while down ${i}` }] }).withResponse();
          seen.set(r.response.headers.get("x-showwork-receipt-id") as Hex, r.data.choices[0]!.message.content!);
          return r.response.headers.get("x-showwork-receipt-id") as Hex;
        }
        const r = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: `while down ${i}` }], stream: true }).withResponse();
        let text = "";
        for await (const chunk of r.data) text += chunk.choices[0]?.delta?.content ?? "";
        seen.set(r.response.headers.get("x-showwork-receipt-id") as Hex, text);
        return r.response.headers.get("x-showwork-receipt-id") as Hex;
      }),
    );
    ids.push(...down);
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const d of down) expect(await rig.service.status(d).catch((e: unknown) => (e as Error).name)).to.equal("ReceiptNotFoundError");

    // Back on the same port: the queue delivers.
    service = await startHttpServer(rig.service, { port: servicePort, auth: { devToken } });
    await roundsUntil(rig.service, async () => {
      for (const i of ids) {
        const state = await rig.service.status(i).then((s) => s.state, () => "missing");
        if (state !== "anchored" && state !== "final") return false;
      }
      return true;
    }, 60_000);
    expect((await rig.service.metrics()).receipts.total).to.equal(ids.length); // exactly once

    // Stop the proxy: it reports nothing left in the queue; its evidence opens every receipt to what the client saw.
    child.kill("SIGTERM");
    const stopped = JSON.parse((await lines.next()).value as string) as { event: string; captured: number; queued: number };
    expect(stopped).to.include({ event: "stopped", captured: ids.length, queued: 0 });
    await new Promise((resolve) => child.once("exit", resolve));
    const evidence = SqliteEvidenceStore.open({ path: join(dir, "evidence.sqlite"), encryptionKey: null });
    try {
      for (const i of ids) {
        const bundle = await rig.service.bundle(i);
        const e = (await evidence.getEvidence(i))!;
        expect(checkEvidence(bundle.receipt, e).mismatches).to.deep.equal([]);
        expect(JSON.parse(e.output.content).choices[0].message.content).to.equal(seen.get(i));
      }
    } finally {
      await evidence.close();
    }
  });
});

/**
 * The durable delivery queue of remoteSink against the service's real HTTP app: a lost
 * acknowledgement (the service stored the receipts, the client saw a 502) is redelivered and
 * counted once; a receipt the service refuses for good is set aside with the reason; a queue
 * left by a stopped process is delivered by the next one; an acknowledged batch is deleted in the
 * next commit (group commit), and a process that dies before that commit loses nothing and duplicates
 * nothing.
 */
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";

import { expect } from "chai";
import { keccak256, stringToBytes, zeroHash } from "viem";
import { generatePrivateKey } from "viem/accounts";

import { remoteSink } from "../../sdk/capture/sinks.js";
import { buildReceipt, privateKeyToReceiptSigner, signReceipt, type Receipt } from "../../sdk/receipt/index.js";
import { AnchoringService } from "../../sdk/service/AnchoringService.js";
import { createServiceApp } from "../../sdk/service/http/app.js";
import { generateAccessToken } from "../../sdk/service/http/tokens.js";
import { SqliteReceiptStore } from "../../sdk/service/store/sqlite.js";
import { removeTempDirs, tempDir } from "../service/helpers/service.js";

const signer = privateKeyToReceiptSigner(generatePrivateKey());
let sequence = 0n;
async function receipts(n: number): Promise<Receipt[]> {
  const out: Receipt[] = [];
  for (let i = 0; i < n; i++) {
    const { receipt } = buildReceipt({
      model: { name: "acme/chat", weightsDigest: keccak256(stringToBytes("w")) },
      promptTemplate: { digest: zeroHash, version: 0 },
      retrievalIndexDigest: zeroHash,
      memoryDigest: zeroHash,
      input: `q${sequence}`,
      output: `a${sequence}`,
      sampling: { "gen_ai.request.seed": Number(sequence) },
      servingNode: signer.address,
      sequence: sequence++,
    });
    out.push(await signReceipt(signer, receipt));
  }
  return out;
}

/** The service's door needs a bearer token for writes. */
const TOKEN = generateAccessToken().token;

describe("capture: remoteSink (durable queue)", function () {
  this.timeout(60_000);
  let service: AnchoringService;
  let app: ReturnType<typeof createServiceApp>;

  beforeEach(async () => {
    service = await AnchoringService.open({ store: SqliteReceiptStore.open({ path: join(tempDir(), "store.sqlite") }) });
    app = createServiceApp(service, { door: { auth: { devToken: TOKEN }, allowedHosts: ["anchor.test"] } });
  });
  afterEach(async () => {
    await service.close();
  });
  after(() => removeTempDirs());

  it("redelivers after a lost acknowledgement and counts each receipt once", async () => {
    let calls = 0;
    const lossy = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      calls++;
      const response = await app.fetch(new Request(input, init));
      return calls === 1 ? new Response("bad gateway", { status: 502 }) : response; // stored, but the client never hears it
    };
    const errors: string[] = [];
    const sink = remoteSink({ url: "http://anchor.test", token: TOKEN, queuePath: join(tempDir(), "queue.sqlite"), fetch: lossy as typeof fetch, minBackoffMs: 10, onDeliveryError: (e) => errors.push(e.shortMessage) });
    const batch = await receipts(5);
    await sink.submit(batch);
    expect(await sink.drain(10_000)).to.equal(true);
    expect(errors[0]).to.match(/answered 502; 5 receipt\(s\) stay queued/);
    expect(calls).to.be.at.least(2);
    expect(sink.delivered).to.equal(5);
    expect((await service.metrics()).receipts.total).to.equal(5);
    for (const r of batch) expect((await service.status(r.receiptId)).state).to.equal("recorded");
    await sink.close();
  });

  it("sets aside a receipt the service refuses for good, with the reason, and delivers the rest", async () => {
    const sink = remoteSink({ url: "http://anchor.test", token: TOKEN, queuePath: join(tempDir(), "queue.sqlite"), fetch: ((i: string, init?: RequestInit) => app.fetch(new Request(i, init))) as typeof fetch, minBackoffMs: 10 });
    const [good, bad] = await receipts(2);
    await sink.submit([good!, { ...bad!, signature: undefined, samplingDigest: "0x1234" } as unknown as Receipt]);
    expect(await sink.drain(10_000)).to.equal(true);
    expect(sink.rejected().map((r) => r.receiptId)).to.deep.equal([bad!.receiptId.toLowerCase()]);
    expect(sink.rejected()[0]!.reason).to.match(/^422 invalid-receipt/);
    expect((await service.status(good!.receiptId)).state).to.equal("recorded");
    await sink.close();
  });

  it("deletes an acknowledged batch in the next commit (the next insert), not one of its own; a process that dies before that commit loses nothing and stores nothing twice", async () => {
    const path = join(tempDir(), "queue.sqlite");
    const snapshot = join(tempDir(), "snapshot.sqlite");
    const viaApp = ((i: string, init?: RequestInit) => app.fetch(new Request(i, init))) as typeof fetch;
    const sink = remoteSink({ url: "http://anchor.test", token: TOKEN, queuePath: path, fetch: viaApp, minBackoffMs: 10 });
    const reader = new DatabaseSync(path, { readOnly: true });
    const inFile = (): number => Number((reader.prepare("SELECT count(*) AS n FROM queue").get() as { n: number }).n);
    const first = await receipts(5);
    const more = await receipts(3);
    const seen: { fileAtAck: number; queuedAtAck: number; fileAfterNextInsert: number }[] = [];
    let riding: Promise<void> | undefined;
    sink.subscribe((event) => {
      if (event.type !== "delivered" || seen.length > 0) return;
      // Synchronously at the acknowledgement: no commit can have run since.
      const fileAtAck = inFile();
      const queuedAtAck = sink.queued();
      reader.exec(`VACUUM INTO '${snapshot}'`); // the file as a process killed now would leave it
      riding = sink.submit(more); // its insert transaction runs now, synchronously
      seen.push({ fileAtAck, queuedAtAck, fileAfterNextInsert: inFile() });
    });
    try {
      await sink.submit(first);
      expect(await sink.drain(10_000)).to.equal(true);
      await riding;
      expect(await sink.drain(10_000)).to.equal(true);
      expect(seen).to.deep.equal([{ fileAtAck: 5, queuedAtAck: 0, fileAfterNextInsert: 3 }]);
      expect(inFile(), "drained: the file is exact").to.equal(0);
      expect(sink.delivered).to.equal(8);
    } finally {
      await sink.close();
      reader.close();
    }

    // The next process on the file as it was at the acknowledgement sends the 5 again: "already stored", delivered once.
    const next = remoteSink({ url: "http://anchor.test", token: TOKEN, queuePath: snapshot, fetch: viaApp, minBackoffMs: 10 });
    try {
      expect(next.queued()).to.equal(5);
      expect(await next.drain(10_000)).to.equal(true);
      expect(next.status()).to.include({ delivered: 5, duplicates: 5, queued: 0 });
    } finally {
      await next.close();
    }
    expect((await service.metrics()).receipts.total).to.equal(8);
  });

  it("keeps what a stopped process left in the queue and delivers it on the next start", async () => {
    const queuePath = join(tempDir(), "queue.sqlite");
    const down = (async () => {
      throw new TypeError("fetch failed: connect ECONNREFUSED");
    }) as unknown as typeof fetch;
    const first = remoteSink({ url: "http://anchor.test", token: TOKEN, queuePath, fetch: down, minBackoffMs: 10 });
    const batch = await receipts(3);
    await first.submit(batch);
    expect(await first.drain(300)).to.equal(false);
    expect(first.queued()).to.equal(3);
    await first.close();
    const second = remoteSink({ url: "http://anchor.test", token: TOKEN, queuePath, fetch: ((i: string, init?: RequestInit) => app.fetch(new Request(i, init))) as typeof fetch });
    expect(await second.drain(10_000)).to.equal(true);
    expect((await service.metrics()).receipts.total).to.equal(3);
    await second.close();
  });
});

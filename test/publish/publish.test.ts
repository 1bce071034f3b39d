/**
 * Publishing: the service's public routes (/v1/logs/LOG/index.json, /v1/logs/LOG/batches/INDEX) and
 * `publishToDirectory` (showwork publish) write the same layout; only anchored batches are published;
 * files are immutable (ETag = root, Cache-Control immutable, 304 on If-None-Match) and load back as
 * the anchored batch; publishing again writes only new batches and refuses a changed file.
 */
import { readFile, readdir, writeFile } from "node:fs/promises";
import path from "node:path";

import { expect } from "chai";
import type { Hono } from "hono";

import { readBatchRoot } from "../../sdk/service/anchor/receiptLogsReader.js";
import { createServiceApp } from "../../sdk/service/http/app.js";
import { LOOPBACK_HOSTS } from "../../sdk/service/http/door.js";
import type { AnchoringService } from "../../sdk/service/AnchoringService.js";
import { batchPath, indexPath, PUBLISHED_INDEX_FORMAT, type PublishedIndex } from "../../sdk/publish/layout.js";
import { PublishConflictError, publishToDirectory } from "../../sdk/publish/publishDirectory.js";
import { ReceiptTree } from "../../sdk/tree/ReceiptTree.js";
import { inProcessChain, type InProcessChain } from "../service/helpers/inProcess.js";
import { makeReceipts } from "../service/helpers/receipts.js";
import { openTestService, removeTempDirs, roundsUntil, tempDir } from "../service/helpers/service.js";

describe("publishing anchored batches", function () {
  this.timeout(60_000);
  let chain: InProcessChain;
  let service: AnchoringService;
  let app: Hono;

  before(async () => {
    chain = await inProcessChain();
    ({ service } = await openTestService(chain, { batching: { maxReceipts: 4, maxDelayMs: 0 } }));
    app = createServiceApp(service, { door: { auth: "none", allowedHosts: LOOPBACK_HOSTS } });
  });
  after(async () => {
    await service.close();
    await chain.close();
    removeTempDirs();
  });

  const anchorAll = async (count: number): Promise<void> => {
    await service.record(makeReceipts(count));
    service.flush();
    await roundsUntil(service, async () => (await service.metrics()).lag.unanchoredReceipts === 0);
  };

  it("publishes nothing before anchoring, then every anchored batch over HTTP with immutable caching", async () => {
    const empty = await app.request(`/v1/logs/${chain.logId}/batches/0`);
    expect(empty.status).to.equal(404);
    expect(((await empty.json()) as { error: { code: string } }).error.code).to.equal("batch-not-published");

    await anchorAll(10); // batches of 4, 4, 2
    const response = await app.request(`/v1/logs/${chain.logId}/index.json`);
    expect(response.status).to.equal(200);
    expect(response.headers.get("cache-control")).to.equal("public, no-cache");
    const index = (await response.json()) as PublishedIndex;
    expect(index.format).to.equal(PUBLISHED_INDEX_FORMAT);
    expect(index.logId).to.equal(chain.logId.toLowerCase());
    expect(index.batches.map((b) => [b.index, b.leafCount])).to.deep.equal([[0, 4], [1, 4], [2, 2]]);
    expect(index.totalReceipts).to.equal(10);
    const alias = (await (await app.request(`/v1/logs/${chain.logId}/batches`)).json()) as PublishedIndex;
    expect(alias.batches).to.deep.equal(index.batches);

    for (const entry of index.batches) {
      const file = await app.request(`/${entry.path}`);
      expect(file.status).to.equal(200);
      expect(file.headers.get("etag")).to.equal(`"${entry.root}"`);
      expect(file.headers.get("cache-control")).to.contain("immutable");
      const text = await file.text();
      expect(Buffer.byteLength(text)).to.equal(entry.bytes);
      const tree = ReceiptTree.load(JSON.parse(text));
      expect(tree.root).to.equal(entry.root);
      expect(tree.size).to.equal(entry.leafCount);
      expect(await readBatchRoot(chain.clients.publicClient, { contract: chain.contract, logId: chain.logId }, entry.index)).to.equal(entry.root);
      const cached = await app.request(`/${entry.path}`, { headers: { "if-none-match": `"${entry.root}"` } });
      expect(cached.status).to.equal(304);
    }
  });

  it("answers an unknown log, a bad id and a bad index with specific errors", async () => {
    const other = `0x${"0".repeat(63)}1`;
    const unknown = await app.request(`/v1/logs/${other}/index.json`);
    expect(unknown.status).to.equal(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).to.equal("log-not-found");
    expect((await app.request("/v1/logs/0x12/index.json")).status).to.equal(400);
    expect((await app.request(`/v1/logs/${chain.logId}/batches/-1`)).status).to.equal(400);
    expect((await app.request(`/v1/logs/${chain.logId}/batches/99`)).status).to.equal(404);
  });

  it("writes the same layout into a folder, incrementally, and refuses a changed file", async () => {
    const out = tempDir();
    const first = await publishToDirectory({ store: service.store, out });
    expect(first.written).to.deep.equal([0, 1, 2]);
    const served = (await (await app.request(`/v1/logs/${chain.logId}/index.json`)).json()) as PublishedIndex;
    const written = JSON.parse(await readFile(path.join(out, indexPath(chain.logId)), "utf8")) as PublishedIndex;
    expect(written.batches).to.deep.equal(served.batches);
    for (const entry of served.batches) {
      const http = await (await app.request(`/${entry.path}`)).text();
      expect(await readFile(path.join(out, entry.path), "utf8")).to.equal(http);
    }

    await anchorAll(5); // batches 3 (4) and 4 (1)
    const second = await publishToDirectory({ store: service.store, out });
    expect(second.written).to.deep.equal([3, 4]);
    expect(second.kept).to.deep.equal([0, 1, 2]);
    expect(second.index.totalReceipts).to.equal(15);
    const files = await readdir(path.join(out, path.dirname(batchPath(chain.logId, 0))));
    expect(files.sort()).to.deep.equal(["0", "1", "2", "3", "4"]);

    const third = await publishToDirectory({ store: service.store, out });
    expect(third.written).to.deep.equal([]);
    expect(third.bytesWritten).to.equal(0);

    const victim = path.join(out, batchPath(chain.logId, 1));
    await writeFile(victim, (await readFile(victim, "utf8")).replace(/"issuedAt":(\d+)/, (_m, t: string) => `"issuedAt":${Number(t) + 100_000_000_000}`));
    let error: unknown;
    try {
      await publishToDirectory({ store: service.store, out });
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(PublishConflictError);
    expect((error as Error).message).to.contain("must never change");
  });
});

import { join } from "node:path";

import { expect } from "chai";
import type { Hono } from "hono";

import { computeToolsDigest, type ReceiptJson } from "../../sdk/index.js";
import { AnchoringService } from "../../sdk/service/AnchoringService.js";
import { createServiceApp } from "../../sdk/service/http/app.js";
import { LOOPBACK_HOSTS } from "../../sdk/service/http/door.js";
import { startHttpServer } from "../../sdk/service/http/server.js";
import { SqliteAccessTokenStore } from "../../sdk/service/http/tokens.js";
import { SqliteReceiptStore } from "../../sdk/service/store/sqlite.js";
import { makeReceipt, makeReceipts } from "./helpers/receipts.js";
import { removeTempDirs, tempDir } from "./helpers/service.js";

const D1 = `0x${"01".repeat(32)}` as const;
const D2 = `0x${"02".repeat(32)}` as const;

interface ErrorBody {
  error: { code: string; message: string; receiptIndex?: number; field?: string; duplicates?: { receiptId: string; alreadyStored: boolean }[]; state?: string };
}

describe("HTTP API", () => {
  let service: AnchoringService;
  let tokens: SqliteAccessTokenStore;
  let token: string;
  let app: Hono;

  beforeEach(async () => {
    const path = join(tempDir(), "s.sqlite");
    // Unsigned test receipts with fixed past issuedAt: the ingestion checks have their own tests (ingestion.test.ts).
    service = await AnchoringService.open({ store: SqliteReceiptStore.open({ path }), limits: { maxReceiptsPerCall: 50 }, ingestion: { issuedAtWindow: false, signatures: "off" } });
    tokens = SqliteAccessTokenStore.open(path);
    token = (await tokens.issue("http-test")).token;
    app = createServiceApp(service, { maxBodyBytes: 256 * 1024, door: { auth: { tokens }, allowedHosts: LOOPBACK_HOSTS } });
  });
  afterEach(async () => {
    await service.close();
    await tokens.close();
  });
  after(() => removeTempDirs());

  const post = (body: string, type = "application/json"): Promise<Response> =>
    Promise.resolve(app.request("/v1/receipts", { method: "POST", headers: { "content-type": type, authorization: `Bearer ${token}` }, body }));
  const total = async (): Promise<number> => (await service.metrics()).receipts.total;
  const exists = async (id: string): Promise<boolean> => (await app.request(`/v1/receipts/${id}`)).status === 200;

  it("records one receipt or an array, and acknowledges each", async () => {
    const one = makeReceipt();
    const response = await post(JSON.stringify(one));
    expect(response.status).to.equal(201);
    expect(await response.json()).to.deep.equal({ recorded: 1, receipts: [{ receiptId: one.receiptId, seq: 1, state: "recorded" }] });
    const many = makeReceipts(3);
    const second = await post(JSON.stringify(many));
    expect(second.status).to.equal(201);
    expect(((await second.json()) as { receipts: { seq: number }[] }).receipts.map((r) => r.seq)).to.deep.equal([2, 3, 4]);
    const status = await app.request(`/v1/receipts/${many[2]!.receiptId}`);
    expect(await status.json()).to.deep.include({ receiptId: many[2]!.receiptId, state: "recorded", seq: 4, proofAvailable: false });
  });

  /** Each bad submission: the status, the code, the position and field, and nothing stored. */
  const cases: { name: string; body: () => string; status: number; code: string; receiptIndex?: number; field?: string; type?: string }[] = [
    { name: "malformed JSON", body: () => `[${JSON.stringify(makeReceipt())},`, status: 400, code: "malformed-json" },
    { name: "an empty array", body: () => "[]", status: 400, code: "empty" },
    { name: "a number instead of a receipt", body: () => "42", status: 422, code: "invalid-receipt", receiptIndex: 0 },
    {
      name: "a wrong type (version as a string) in the second receipt",
      body: () => JSON.stringify([makeReceipt(), { ...makeReceipt(), promptTemplateVersion: "1" }]),
      status: 422,
      code: "invalid-receipt",
      receiptIndex: 1,
      field: "promptTemplateVersion",
    },
    {
      name: "a short digest",
      body: () => JSON.stringify([makeReceipt({ inputDigest: "0x1234" })]),
      status: 422,
      code: "invalid-receipt",
      receiptIndex: 0,
      field: "inputDigest",
    },
    {
      name: "an unknown field",
      body: () => JSON.stringify({ ...makeReceipt(), extra: 1 }),
      status: 422,
      code: "invalid-receipt",
      receiptIndex: 0,
      field: "extra",
    },
    {
      name: "a tools digest that does not match the tools",
      body: () => JSON.stringify(makeReceipt({ tools: [{ name: "search", inputDigest: `0x${"01".repeat(32)}`, outputDigest: `0x${"02".repeat(32)}` }] })),
      status: 422,
      code: "invalid-receipt",
      receiptIndex: 0,
      field: "toolsDigest",
    },
    {
      name: "an unknown format version",
      body: () => JSON.stringify([makeReceipt(), { ...makeReceipt(), format: "showwork/receipt@2" }]),
      status: 422,
      code: "unsupported-format",
      receiptIndex: 1,
      field: "format",
    },
    {
      name: "an oversized field (a 10 KB tool name)",
      body: () => {
        const tools = [{ name: "x".repeat(10_000), inputDigest: D1, outputDigest: D2 }];
        return JSON.stringify([makeReceipt({ tools, toolsDigest: computeToolsDigest(tools) })]);
      },
      status: 413,
      code: "receipt-too-large",
      receiptIndex: 0,
      field: "tools[0].name",
    },
    {
      name: "too many tool calls",
      body: () => {
        const tools = Array.from({ length: 300 }, (_, i) => ({ name: `t${i}`, inputDigest: D1, outputDigest: D2 }));
        return JSON.stringify(makeReceipt({ tools, toolsDigest: computeToolsDigest(tools) }));
      },
      status: 413,
      code: "receipt-too-large",
      receiptIndex: 0,
      field: "tools",
    },
    { name: "too many receipts in one request", body: () => JSON.stringify(makeReceipts(51)), status: 413, code: "too-many-receipts" },
    { name: "a body over the size limit", body: () => JSON.stringify(makeReceipts(1)).padEnd(300 * 1024, " "), status: 413, code: "body-too-large" },
    { name: "a receipt id twice in one request", body: () => { const r = makeReceipt(); return JSON.stringify([makeReceipt(), r, { ...r }]); }, status: 409, code: "duplicate-receipt-id", receiptIndex: 2, field: "receiptId" },
    { name: "a non-JSON content type", body: () => JSON.stringify(makeReceipt()), status: 415, code: "unsupported-media-type", type: "text/plain" },
  ];

  for (const c of cases) {
    it(`rejects ${c.name} with ${c.status} ${c.code}, storing nothing`, async () => {
      await post(JSON.stringify(makeReceipts(2)));
      const before = await total();
      const body = c.body();
      const response = await post(body, c.type);
      expect(response.status).to.equal(c.status);
      const json = (await response.json()) as ErrorBody;
      expect(json.error.code).to.equal(c.code);
      expect(json.error.message).to.be.a("string").and.not.equal("");
      if (c.receiptIndex !== undefined) expect(json.error.receiptIndex).to.equal(c.receiptIndex);
      if (c.field !== undefined) expect(json.error.field).to.equal(c.field);
      expect(await total(), "store unchanged").to.equal(before);
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        parsed = undefined;
      }
      for (const r of Array.isArray(parsed) ? (parsed as ReceiptJson[]) : []) {
        if (typeof r?.receiptId === "string" && /^0x[0-9a-f]{64}$/.test(r.receiptId)) expect(await exists(r.receiptId)).to.equal(false);
      }
    });
  }

  it("rejects receipts already stored with 409 and lists them, storing nothing of the request", async () => {
    const stored = makeReceipts(3);
    await post(JSON.stringify(stored));
    const before = await total();
    const fresh = makeReceipt();
    const response = await post(JSON.stringify([fresh, stored[1], stored[2]]));
    expect(response.status).to.equal(409);
    const json = (await response.json()) as ErrorBody;
    expect(json.error.code).to.equal("duplicate-receipt-id");
    expect(json.error.duplicates).to.deep.equal([
      { receiptId: stored[1]!.receiptId, receiptIndex: 1, alreadyStored: true },
      { receiptId: stored[2]!.receiptId, receiptIndex: 2, alreadyStored: true },
    ]);
    expect(await total()).to.equal(before);
    expect(await exists(fresh.receiptId)).to.equal(false);
  });

  it("answers reads with specific errors", async () => {
    const [receipt] = makeReceipts(1);
    await post(JSON.stringify(receipt));
    const unknown = `0x${"ff".repeat(32)}`;
    const expectError = async (path: string, status: number, code: string): Promise<ErrorBody> => {
      const response = await app.request(path);
      expect(response.status, path).to.equal(status);
      const json = (await response.json()) as ErrorBody;
      expect(json.error.code, path).to.equal(code);
      return json;
    };
    await expectError(`/v1/receipts/${unknown}`, 404, "receipt-not-found");
    await expectError(`/v1/receipts/0x12`, 400, "invalid-receipt-id");
    await expectError(`/v1/receipts/${unknown}/bundle`, 404, "receipt-not-found");
    const pending = await expectError(`/v1/receipts/${receipt!.receiptId}/bundle`, 409, "proof-not-available");
    expect(pending.error.state).to.equal("recorded");
    await expectError("/v1/batches/0", 404, "batch-not-found");
    await expectError("/v1/batches/-1", 400, "invalid-batch-index");
    await expectError("/nope", 404, "not-found");
    const health = await app.request("/health");
    expect(health.status).to.equal(200);
    expect(await health.json()).to.deep.include({ status: "stopped", binding: null });
    const metrics = (await (await app.request("/v1/metrics")).json()) as { receipts: Record<string, number>; lag: { unanchoredReceipts: number } };
    expect(metrics.receipts).to.deep.include({ recorded: 1, total: 1 });
    expect(metrics.lag.unanchoredReceipts).to.equal(1);
  });

  it("serves over HTTP on 127.0.0.1 and enforces the body limit on the wire", async () => {
    const server = await startHttpServer(service, { host: "127.0.0.1", port: 0, maxBodyBytes: 64 * 1024, auth: { tokens } });
    try {
      expect(server.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      const ok = await fetch(`${server.url}/v1/receipts`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify(makeReceipts(5)) });
      expect(ok.status).to.equal(201);
      const big = await fetch(`${server.url}/v1/receipts`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify(makeReceipts(100)),
      });
      expect(big.status).to.equal(413);
      expect(((await big.json()) as ErrorBody).error.code).to.equal("body-too-large");
      expect(await total()).to.equal(5);
    } finally {
      await server.close();
    }
  });
});

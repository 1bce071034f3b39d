/**
 * The service's door, attacked over HTTP: a real `showwork serve` (child process) against a
 * `hardhat node` on 127.0.0.1. Each attack is refused with its own status and code, and
 * nothing of it is stored.
 */
import { request as httpRequest, type ClientRequest } from "node:http";
import { join } from "node:path";

import { expect } from "chai";

import type { Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";

import { parseReceipt, signReceipt, toReceiptJson, type ReceiptJson } from "../../sdk/receipt/index.js";
import { connectRpc } from "../../sdk/service/chain/connect.js";
import { grantServiceSigner } from "../../sdk/service/chain/setupLog.js";
import { receiptLogsAbi } from "../../sdk/contracts/abis.js";
import { SqliteAccessTokenStore } from "../../sdk/service/http/tokens.js";
import { setupTestLog, type TestLog } from "./helpers/chain.js";
import { exited, killAll, ROOT, showwork, spawnTracked, startHardhatNode, waitForLine, type HardhatNode } from "./helpers/processes.js";
import { makeReceipt } from "./helpers/receipts.js";
import { removeTempDirs, tempDir } from "./helpers/service.js";

interface ErrorBody {
  error: { code: string; message: string; details?: string[] };
}

/** Starts `showwork serve` on a free port; resolves with its URL and everything it printed on stdout. */
async function serve(node: HardhatNode, log: TestLog, store: string, extra: string[] = []): Promise<{ url: string; stdout: () => string; stop: () => Promise<void> }> {
  const child = spawnTracked(
    process.execPath,
    [join(ROOT, "bin/showwork.mjs"), "serve", "--rpc", node.url, "--receipt-logs", log.contract, "--log", log.logId, "--store", store, "--port", "0", "--quiet", ...extra],
    { env: { SHOWWORK_ANCHORER_KEY: log.privateKey } },
  );
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  // The stdout line (after the dev token line, when there is one, on the same pipe).
  const match = await waitForLine(child, /showwork serve: listening on (http:\/\/127\.0\.0\.1:\d+)/, 90_000);
  return {
    url: match[1]!,
    stdout: () => out,
    stop: async () => {
      child.kill("SIGTERM");
      await exited(child);
    },
  };
}

/** A raw HTTP request (node:http lets a test set Host, which fetch does not). */
function raw(url: string, options: { method?: string; path?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; json: ErrorBody }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: target.hostname, port: target.port, method: options.method ?? "POST", path: options.path ?? "/v1/receipts", headers: options.headers },
      (res) => {
        let text = "";
        res.on("data", (d: Buffer) => (text += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, json: JSON.parse(text) as ErrorBody }));
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/** `n` receipts by `signer`, issued at `issuedAt` (default: now), signed (unless `sign` is false). */
async function receiptsBy(signer: PrivateKeyAccount, n: number, options: { issuedAt?: number; sign?: boolean; servingNode?: Hex } = {}): Promise<ReceiptJson[]> {
  const out: ReceiptJson[] = [];
  for (let i = 0; i < n; i++) {
    const receipt = parseReceipt(makeReceipt({ servingNode: options.servingNode ?? signer.address, issuedAt: options.issuedAt ?? Math.floor(Date.now() / 1000) }));
    out.push(toReceiptJson(options.sign === false ? receipt : await signReceipt(signer, receipt)));
  }
  return out;
}

/** The web origin the main service allows (`--allowed-origin`). */
const APP_ORIGIN = "https://app.example";

/** What a browser sends before a cross-origin POST with a token and a JSON body. */
const preflightHeaders = (origin: string): Record<string, string> => ({
  origin,
  "access-control-request-method": "POST",
  "access-control-request-headers": "authorization,content-type",
});

describe("the service's door (showwork serve over HTTP, real processes)", function () {
  this.timeout(240_000);
  let node: HardhatNode;
  let log: TestLog;
  /** A serving node the log authorises (granted in `before`). */
  const servingNode = privateKeyToAccount(generatePrivateKey());
  let grantedAt = 0;
  const good = (n: number): Promise<ReceiptJson[]> => receiptsBy(servingNode, n, { issuedAt: Math.max(grantedAt, Math.floor(Date.now() / 1000)) });
  let store: string;
  let token: string;
  let server: Awaited<ReturnType<typeof serve>>;

  const total = async (): Promise<number> => ((await (await fetch(`${server.url}/v1/metrics`)).json()) as { receipts: { total: number } }).receipts.total;
  const post = (body: string, headers: Record<string, string>): Promise<Response> => fetch(`${server.url}/v1/receipts`, { method: "POST", headers, body });
  const auth = (t: string = token): Record<string, string> => ({ "content-type": "application/json", authorization: `Bearer ${t}` });

  /** Sends `body` with `headers`, expects `status` + `code`, and that nothing was stored. */
  async function refused(body: string, headers: Record<string, string>, status: number, code: string): Promise<Response> {
    const before = await total();
    const response = await post(body, headers);
    expect(response.status, code).to.equal(status);
    const json = (await response.json()) as ErrorBody;
    expect(json.error.code).to.equal(code);
    expect(json.error.message).to.be.a("string").and.not.equal("");
    expect(await total(), "nothing stored").to.equal(before);
    return response;
  }

  before(async () => {
    node = await startHardhatNode();
    log = await setupTestLog(node.url);
    store = join(tempDir(), "store.sqlite");
    const admin = await connectRpc(node.url, log.privateKey);
    const grant = await grantServiceSigner(admin.publicClient, admin.walletClient, log.contract, log.logId, servingNode.address);
    grantedAt = Number((await admin.publicClient.getBlock({ blockNumber: grant.blockNumber })).timestamp);
    await admin.close();
    const issued = await showwork(["token", "issue", "--name", "door-test", "--store", store, "--json"]);
    expect(issued.code, issued.stderr).to.equal(0);
    const json = JSON.parse(issued.stdout) as { id: string; name: string; token: string; active: boolean };
    expect(json).to.include({ name: "door-test", active: true });
    expect(json.token).to.match(/^swt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    token = json.token;
    server = await serve(node, log, store, ["--max-body", "65536", "--max-concurrent-per-client", "2", "--allowed-origin", APP_ORIGIN]);
  });
  after(async () => {
    await killAll();
    removeTempDirs();
  });

  it("accepts a receipt with a valid token, and prints no dev token when the store has tokens", async () => {
    const response = await post(JSON.stringify(await good(3)), auth());
    expect(response.status).to.equal(201);
    expect(((await response.json()) as { recorded: number }).recorded).to.equal(3);
    expect(server.stdout()).to.not.include("dev token");
    expect(await total()).to.equal(3);
  });

  it("stores tokens hashed: the store file does not contain the token", async () => {
    const tokens = SqliteAccessTokenStore.open(store);
    try {
      const list = await tokens.list();
      expect(list.map((t) => t.name)).to.include("door-test");
      expect(JSON.stringify(list)).to.not.include(token);
    } finally {
      await tokens.close();
    }
    const { readFileSync } = await import("node:fs");
    const bytes = Buffer.concat([readFileSync(store), ...["-wal"].map((s) => { try { return readFileSync(store + s); } catch { return Buffer.alloc(0); } })]);
    expect(bytes.includes(Buffer.from(token.slice(21)))).to.equal(false); // the 43-character secret
  });

  it("refuses a write without a token (401 unauthenticated, WWW-Authenticate: Bearer)", async () => {
    const response = await refused(JSON.stringify(await good(1)), { "content-type": "application/json" }, 401, "unauthenticated");
    expect(response.headers.get("www-authenticate")).to.match(/^Bearer/);
  });

  it("refuses a wrong token (401 invalid-token), a malformed Authorization header (401 unauthenticated)", async () => {
    await refused(JSON.stringify(await good(1)), auth(`swt_${"0".repeat(16)}_${"A".repeat(43)}`), 401, "invalid-token");
    await refused(JSON.stringify(await good(1)), auth(token.slice(0, -1) + (token.endsWith("A") ? "B" : "A")), 401, "invalid-token");
    await refused(JSON.stringify(await good(1)), { "content-type": "application/json", authorization: `Basic ${token}` }, 401, "unauthenticated");
  });

  it("refuses a token revoked with `showwork token revoke` while the service runs (401 token-revoked)", async () => {
    const issued = JSON.parse((await showwork(["token", "issue", "--name", "soon-revoked", "--store", store, "--json"])).stdout) as { id: string; token: string };
    expect((await post(JSON.stringify(await good(1)), auth(issued.token))).status).to.equal(201);
    const revoke = await showwork(["token", "revoke", issued.id, "--store", store, "--json"]);
    expect(revoke.code, revoke.stderr).to.equal(0);
    expect(JSON.parse(revoke.stdout)).to.include({ id: issued.id, active: false });
    expect(revoke.stdout).to.include("revokedAt");
    await refused(JSON.stringify(await good(1)), auth(issued.token), 401, "token-revoked");
    const list = JSON.parse((await showwork(["token", "list", "--store", store, "--json"])).stdout) as { active: number; tokens: { id: string; active: boolean }[] };
    expect(list.active).to.equal(1);
    expect(list.tokens.find((t) => t.id === issued.id)?.active).to.equal(false);
    const unknown = await showwork(["token", "revoke", "no-such-token", "--store", store]);
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.include("No token with id or active name");
  });

  it("refuses a no-cors style text/plain POST: without a token (401) and even with one (415); a missing type too (415)", async () => {
    const body = JSON.stringify(await good(1));
    // What a web page's fetch(url, { mode: "no-cors", method: "POST", body }) sends: no Authorization, text/plain.
    await refused(body, { "content-type": "text/plain;charset=UTF-8" }, 401, "unauthenticated");
    await refused(body, { "content-type": "text/plain;charset=UTF-8", authorization: `Bearer ${token}` }, 415, "unsupported-media-type");
    await refused(body, { "content-type": "application/x-www-form-urlencoded", authorization: `Bearer ${token}` }, 415, "unsupported-media-type");
    const before = await total();
    const none = await raw(server.url, { headers: { authorization: `Bearer ${token}` }, body });
    expect(none.status).to.equal(415);
    expect(none.json.error.code).to.equal("unsupported-media-type");
    expect(await total()).to.equal(before);
  });

  it("refuses a Host that is not allowed (DNS rebinding: 421 host-not-allowed), on writes and reads", async () => {
    const before = await total();
    const port = new URL(server.url).port;
    const write = await raw(server.url, { headers: { host: `rebind.attacker.example:${port}`, ...auth() }, body: JSON.stringify(await good(1)) });
    expect(write.status).to.equal(421);
    expect(write.json.error.code).to.equal("host-not-allowed");
    const published = await raw(server.url, { method: "GET", path: `/v1/logs/${log.logId}/index.json`, headers: { host: `rebind.attacker.example:${port}` } });
    expect(published.json.error.code, "the publication routes pass the Host check too").to.equal("host-not-allowed");
    const read = await raw(server.url, { method: "GET", path: "/metrics", headers: { host: `rebind.attacker.example:${port}` } });
    expect(read.status).to.equal(421);
    expect(await total()).to.equal(before);
    const ok = await raw(server.url, { method: "GET", path: "/health", headers: { host: `localhost:${port}` } });
    expect(ok.status).to.equal(200);
  });

  it("refuses a browser Origin (403 origin-not-allowed), even with a valid token; Origin: null too", async () => {
    await refused(JSON.stringify(await good(1)), { ...auth(), origin: "http://attacker.example" }, 403, "origin-not-allowed");
    await refused(JSON.stringify(await good(1)), { ...auth(), origin: "null" }, 403, "origin-not-allowed");
  });

  describe("CORS for allowed origins (--allowed-origin)", () => {
    const preflight = (origin: string, headers: Record<string, string> = {}): Promise<Response> =>
      fetch(`${server.url}/v1/receipts`, { method: "OPTIONS", headers: { ...preflightHeaders(origin), ...headers } });

    it("answers a preflight from an allowed origin: 204, that exact origin, Vary: Origin, the API's methods and headers, Max-Age; no token needed", async () => {
      const before = await total();
      const response = await preflight(APP_ORIGIN);
      expect(response.status).to.equal(204);
      expect(await response.text()).to.equal("");
      const h = response.headers;
      expect(h.get("access-control-allow-origin")).to.equal(APP_ORIGIN);
      expect(h.get("vary")?.split(",").map((v) => v.trim().toLowerCase())).to.include("origin");
      expect(h.get("access-control-allow-methods")?.split(",").map((m) => m.trim())).to.include.members(["GET", "HEAD", "POST"]);
      expect(h.get("access-control-allow-headers")?.split(",").map((m) => m.trim().toLowerCase())).to.have.members(["authorization", "content-type"]);
      expect(h.get("access-control-max-age")).to.equal("600");
      expect(h.get("access-control-allow-credentials"), "no credentials mode").to.equal(null);
      expect(await total()).to.equal(before);
    });

    it("then the real POST with a token from that origin succeeds and carries Access-Control-Allow-Origin + Vary", async () => {
      const before = await total();
      const response = await post(JSON.stringify(await good(2)), { ...auth(), origin: APP_ORIGIN });
      expect(response.status).to.equal(201);
      expect(response.headers.get("access-control-allow-origin")).to.equal(APP_ORIGIN);
      expect(response.headers.get("vary")).to.match(/\borigin\b/i);
      expect(response.headers.get("access-control-allow-credentials")).to.equal(null);
      expect(((await response.json()) as { recorded: number }).recorded).to.equal(2);
      expect(await total()).to.equal(before + 2);
      // Reads from that origin too.
      const read = await fetch(`${server.url}/v1/metrics`, { headers: { origin: APP_ORIGIN } });
      expect(read.status).to.equal(200);
      expect(read.headers.get("access-control-allow-origin")).to.equal(APP_ORIGIN);
    });

    it("keeps every other rule for an allowed origin, and lets the web app read the refusal (ACAO on 401/415, Retry-After/WWW-Authenticate exposed)", async () => {
      const unauthenticated = await refused(JSON.stringify(await good(1)), { "content-type": "application/json", origin: APP_ORIGIN }, 401, "unauthenticated");
      expect(unauthenticated.headers.get("access-control-allow-origin")).to.equal(APP_ORIGIN);
      expect(unauthenticated.headers.get("access-control-expose-headers")?.toLowerCase()).to.include("www-authenticate").and.include("retry-after");
      const textPlain = await refused(JSON.stringify(await good(1)), { "content-type": "text/plain", authorization: `Bearer ${token}`, origin: APP_ORIGIN }, 415, "unsupported-media-type");
      expect(textPlain.headers.get("access-control-allow-origin")).to.equal(APP_ORIGIN);
      // The Host check still comes first: an allowed origin's preflight with a rebinding Host is 421.
      const port = new URL(server.url).port;
      const rebound = await raw(server.url, { method: "OPTIONS", headers: { host: `rebind.attacker.example:${port}`, ...preflightHeaders(APP_ORIGIN) } });
      expect(rebound.status).to.equal(421);
      expect(rebound.json.error.code).to.equal("host-not-allowed");
      expect(rebound.headers["access-control-allow-origin"]).to.equal(undefined);
    });

    it("refuses a preflight from a disallowed origin or Origin: null (403 origin-not-allowed, no CORS headers)", async () => {
      for (const origin of ["http://attacker.example", "null", "https://app.example.attacker.example", "http://app.example"]) {
        const response = await preflight(origin);
        expect(response.status, origin).to.equal(403);
        expect(((await response.json()) as ErrorBody).error.code).to.equal("origin-not-allowed");
        expect(response.headers.get("access-control-allow-origin"), origin).to.equal(null);
        expect(response.headers.get("access-control-allow-methods"), origin).to.equal(null);
        expect(response.headers.get("access-control-allow-headers"), origin).to.equal(null);
      }
    });

    it("without Origin (programs) nothing changes: no CORS headers, an OPTIONS is no preflight (404)", async () => {
      const response = await post(JSON.stringify(await good(1)), auth());
      expect(response.status).to.equal(201);
      expect(response.headers.get("access-control-allow-origin")).to.equal(null);
      const { origin: _origin, ...noOrigin } = preflightHeaders(APP_ORIGIN);
      const options = await fetch(`${server.url}/v1/receipts`, { method: "OPTIONS", headers: noOrigin });
      expect(options.status).to.equal(404);
      expect(options.headers.get("access-control-allow-origin")).to.equal(null);
      expect(options.headers.get("access-control-allow-methods")).to.equal(null);
    });

    it("the publication routes are behind the door (issue #22 item 5): CORS for allowed origins only, never *", async () => {
      const allowed = await fetch(`${server.url}/v1/logs/${log.logId}/index.json`, { headers: { origin: APP_ORIGIN } });
      expect(allowed.status).to.be.oneOf([200, 404]);
      expect(allowed.headers.get("access-control-allow-origin")).to.equal(APP_ORIGIN);
      const foreign = await fetch(`${server.url}/v1/logs/${log.logId}/index.json`, { headers: { origin: "http://attacker.example" } });
      expect(foreign.status).to.equal(403);
      expect(foreign.headers.get("access-control-allow-origin")).to.equal(null);
      const program = await fetch(`${server.url}/v1/logs/${log.logId}/index.json`);
      expect(program.headers.get("access-control-allow-origin")).not.to.equal("*");
    });
  });

  it("refuses a body over --max-body (413 body-too-large)", async () => {
    await refused(JSON.stringify(await good(100)), auth(), 413, "body-too-large");
  });

  it("refuses more concurrent requests per client than allowed (429 too-many-requests, Retry-After)", async () => {
    const target = new URL(server.url);
    const held: ClientRequest[] = [];
    const bodies = [JSON.stringify(await good(2)), JSON.stringify(await good(2))];
    const settled: Promise<number>[] = [];
    for (const body of bodies) {
      const req = httpRequest({ host: target.hostname, port: target.port, method: "POST", path: "/v1/receipts", headers: { ...auth(), "transfer-encoding": "chunked" } });
      settled.push(new Promise((resolve, reject) => {
        req.on("response", (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
      }));
      req.write(body.slice(0, 10)); // the rest comes later: the request stays in flight
      req.flushHeaders();
      held.push(req);
    }
    const before = await total();
    // The two held requests reach the handler asynchronously: probe (an empty array, refused as 400 when admitted) until the limit shows.
    let limited: Response | undefined;
    const deadline = Date.now() + 20_000;
    while (limited === undefined && Date.now() < deadline) {
      const probe = await post("[]", auth());
      if (probe.status === 429) limited = probe;
      else {
        expect(probe.status).to.equal(400);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    expect(limited, "a 429 once two requests are in flight").to.not.equal(undefined);
    expect(limited!.headers.get("retry-after")).to.equal("1");
    expect(((await limited!.json()) as ErrorBody).error.code).to.equal("too-many-requests");
    // Another client (a read, anonymous) is not affected.
    expect((await fetch(`${server.url}/health`)).status).to.equal(200);
    held.forEach((req, i) => req.end(bodies[i]!.slice(10)));
    expect(await Promise.all(settled)).to.deep.equal([201, 201]);
    expect(await total()).to.equal(before + 4);
    // Once they are done, the client may send again.
    expect((await post(JSON.stringify(await good(1)), auth())).status).to.equal(201);
  });

  it("keeps reads open by default, and needs a token for them with --reads token", async () => {
    expect((await fetch(`${server.url}/metrics`)).status).to.equal(200);
    const other = await serve(node, log, join(tempDir(), "reads.sqlite"), ["--reads", "token"]);
    try {
      const devToken = /dev token \(this process only; the store has no tokens\): (swt_\S+)/.exec(other.stdout())?.[1];
      expect(devToken, "a store without tokens gets a dev token on loopback").to.be.a("string");
      const closed = await fetch(`${other.url}/metrics`);
      expect(closed.status).to.equal(401);
      // The publication routes follow --reads (issue #22 item 5): no token, no batches.
      expect((await fetch(`${other.url}/v1/logs/${log.logId}/index.json`)).status).to.equal(401);
      expect((await fetch(`${other.url}/v1/logs/${log.logId}/batches/0`)).status).to.equal(401);
      expect((await fetch(`${other.url}/health`)).status, "/health stays open").to.equal(200);
      // Without --allowed-origin: no CORS at all; a preflight is refused like any request with an Origin.
      const preflight = await fetch(`${other.url}/v1/receipts`, { method: "OPTIONS", headers: preflightHeaders(APP_ORIGIN) });
      expect(preflight.status).to.equal(403);
      expect(preflight.headers.get("access-control-allow-origin")).to.equal(null);
      expect(preflight.headers.get("vary")).to.equal(null);
      expect((await fetch(`${other.url}/health`)).headers.get("vary")).to.equal(null);
      expect((await fetch(`${other.url}/metrics`, { headers: { authorization: `Bearer ${devToken}` } })).status).to.equal(200);
      expect((await fetch(`${other.url}/v1/logs/${log.logId}/index.json`, { headers: { authorization: `Bearer ${devToken}` } })).status).to.be.oneOf([200, 404]);
      const written = await fetch(`${other.url}/v1/receipts`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${devToken}` }, body: JSON.stringify(await good(1)) });
      expect(written.status).to.equal(201);
      // The first service's token is not valid here (another store).
      expect((await fetch(`${other.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status).to.equal(401);
    } finally {
      await other.stop();
    }
  });

  it("refuses to listen beyond loopback without a token in the store, and --insecure-dev beyond loopback", async () => {
    const fresh = join(tempDir(), "public.sqlite");
    const common = ["--rpc", node.url, "--receipt-logs", log.contract, "--log", log.logId, "--store", fresh, "--port", "0"];
    const env = { SHOWWORK_ANCHORER_KEY: log.privateKey };
    const wildcard = await showwork(["serve", ...common, "--host", "0.0.0.0"], env);
    expect(wildcard.code).to.equal(1);
    expect(wildcard.stderr).to.include("--allowed-host");
    const noToken = await showwork(["serve", ...common, "--host", "0.0.0.0", "--allowed-host", "service.example"], env);
    expect(noToken.code).to.equal(1);
    expect(noToken.stderr).to.include("no access token");
    const insecure = await showwork(["serve", ...common, "--host", "0.0.0.0", "--allowed-host", "service.example", "--insecure-dev"], env);
    expect(insecure.code).to.equal(1);
    expect(insecure.stderr).to.include("--insecure-dev is for loopback addresses only");
  });

  describe("ingestion checks (signatures against the log's authorised nodes, issuedAt not in the future)", () => {
    const now = (): number => Math.max(grantedAt, Math.floor(Date.now() / 1000));
    const refusedWith = async (receipts: ReceiptJson[], status: number, code: string, field: string, receiptIndex = 0): Promise<ErrorBody & { error: { window?: unknown } }> => {
      const before = await total();
      const response = await post(JSON.stringify(receipts), auth());
      const json = (await response.json()) as ErrorBody & { error: { field?: string; receiptIndex?: number; window?: unknown } };
      expect(response.status, JSON.stringify(json)).to.equal(status);
      expect(json.error.code).to.equal(code);
      expect(json.error.field).to.equal(field);
      expect(json.error.receiptIndex).to.equal(receiptIndex);
      expect(await total(), "nothing stored").to.equal(before);
      for (const r of receipts) expect((await fetch(`${server.url}/v1/receipts/${r.receiptId}`)).status, "never stored").to.equal(404);
      return json;
    };

    it("refuses an unsigned receipt (422 signature-missing), even among signed ones", async () => {
      await refusedWith([...(await good(2)), ...(await receiptsBy(servingNode, 1, { issuedAt: now(), sign: false }))], 422, "signature-missing", "signature", 2);
    });

    it("refuses a receipt signed by another key than its servingNode (422 signature-invalid)", async () => {
      const impostor = privateKeyToAccount(generatePrivateKey());
      const receipt = parseReceipt(makeReceipt({ servingNode: servingNode.address, issuedAt: now() }));
      // The impostor signs the receipt's digest with its own key and claims the authorised node as servingNode.
      const signedByImpostor = await signReceipt(impostor, { ...receipt, servingNode: impostor.address });
      const forged = toReceiptJson({ ...receipt, signature: signedByImpostor.signature });
      const json = await refusedWith([forged], 422, "signature-invalid", "signature");
      expect(json.error.details?.join(" ")).to.match(/signed by 0x[0-9a-fA-F]{40}, not by the receipt's servingNode/);
    });

    it("refuses a validly signed receipt by a node the log never authorised (403 signer-not-authorised), and accepts it once the admin grants it", async () => {
      const stranger = privateKeyToAccount(generatePrivateKey());
      const json = await refusedWith(await receiptsBy(stranger, 1, { issuedAt: now() }), 403, "signer-not-authorised", "servingNode");
      expect(json.error.message).to.include(stranger.address).and.include(log.logId);
      expect(json.error.details?.join(" ")).to.include("never granted");
      const admin = await connectRpc(node.url, log.privateKey);
      const grant = await grantServiceSigner(admin.publicClient, admin.walletClient, log.contract, log.logId, stranger.address);
      const strangerGrantedAt = Number((await admin.publicClient.getBlock({ blockNumber: grant.blockNumber })).timestamp);
      await admin.close();
      // Receipts issued before the grant stay unauthorised; after it, the service re-reads the history (refresh on an unknown signer).
      let status = 0;
      for (const deadline = Date.now() + 15_000; status !== 201 && Date.now() < deadline; ) {
        const response = await post(JSON.stringify(await receiptsBy(stranger, 1, { issuedAt: Math.max(strangerGrantedAt, Math.floor(Date.now() / 1000)) })), auth());
        status = response.status;
        if (status !== 201) {
          expect(status).to.equal(403);
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
      expect(status, "accepted after the grant").to.equal(201);
      await refusedWith(await receiptsBy(stranger, 1, { issuedAt: strangerGrantedAt - 5 }), 403, "signer-not-authorised", "servingNode");
    });

    it("after a revocation: refuses receipts issued from then on, still accepts those issued before (history)", async () => {
      const node2 = privateKeyToAccount(generatePrivateKey());
      const admin = await connectRpc(node.url, log.privateKey);
      const grant = await grantServiceSigner(admin.publicClient, admin.walletClient, log.contract, log.logId, node2.address);
      const g = Number((await admin.publicClient.getBlock({ blockNumber: grant.blockNumber })).timestamp);
      // Accepted while authorised (the service caches node2's open period).
      expect((await post(JSON.stringify(await receiptsBy(node2, 1, { issuedAt: g })), auth())).status).to.equal(201);
      const hash = await admin.walletClient.writeContract({ address: log.contract, abi: receiptLogsAbi, functionName: "revokeSigner", args: [log.logId, node2.address], account: admin.walletClient.account, chain: admin.walletClient.chain });
      const revoked = await admin.publicClient.waitForTransactionReceipt({ hash });
      const r = Number((await admin.publicClient.getBlock({ blockNumber: revoked.blockNumber })).timestamp);
      await admin.close();
      expect(r).to.be.greaterThan(g);
      // The service sees the SignerRevoked event at its next poll (every 2 s at most) and drops its cached period.
      let status = 0;
      for (const deadline = Date.now() + 15_000; status !== 403 && Date.now() < deadline; ) {
        const response = await post(JSON.stringify(await receiptsBy(node2, 1, { issuedAt: Math.max(r, Math.floor(Date.now() / 1000)) })), auth());
        status = response.status;
        if (status !== 403) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(status, "refused after the revocation").to.equal(403);
      const before = await receiptsBy(node2, 1, { issuedAt: g });
      expect((await post(JSON.stringify(before), auth())).status, "issued while authorised: still valid").to.equal(201);
    });

    it("after a compromise report (issue #22 item 3): refuses the key's receipts whatever issuedAt says (403 signer-compromised), and counts them", async () => {
      const node3 = privateKeyToAccount(generatePrivateKey());
      const admin = await connectRpc(node.url, log.privateKey);
      const grant = await grantServiceSigner(admin.publicClient, admin.walletClient, log.contract, log.logId, node3.address);
      const g = Number((await admin.publicClient.getBlock({ blockNumber: grant.blockNumber })).timestamp);
      expect((await post(JSON.stringify(await receiptsBy(node3, 1, { issuedAt: g })), auth())).status).to.equal(201);
      const size = await admin.publicClient.readContract({ address: log.contract, abi: receiptLogsAbi, functionName: "logSize", args: [log.logId] });
      const hash = await admin.walletClient.writeContract({ address: log.contract, abi: receiptLogsAbi, functionName: "reportSignerCompromise", args: [log.logId, node3.address, BigInt(g), size], account: admin.walletClient.account, chain: admin.walletClient.chain });
      await admin.publicClient.waitForTransactionReceipt({ hash });
      await admin.close();
      // The thief's receipt is dated while the node was authorised: only the compromise report refuses it
      // (the service sees the SignerCompromised event at its next poll, every 2 s at most).
      let status = 0;
      for (const deadline = Date.now() + 15_000; status !== 403 && Date.now() < deadline; ) {
        status = (await post(JSON.stringify(await receiptsBy(node3, 1, { issuedAt: g })), auth())).status;
        if (status !== 403) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(status, "refused after the report").to.equal(403);
      const json = await refusedWith(await receiptsBy(node3, 1, { issuedAt: g }), 403, "signer-compromised", "servingNode");
      expect(json.error.message).to.include("reported compromised since").and.include(node3.address);
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).to.match(/showwork_record_refused_total\{reason="signer-compromised"\} [1-9]/);
    });

    it("refuses an issuedAt too far in the future (422 issued-at-in-future, naming the field and the skew); a late one is no refusal", async () => {
      const json = await refusedWith(await receiptsBy(servingNode, 1, { issuedAt: Math.floor(Date.now() / 1000) + 600 }), 422, "issued-at-in-future", "issuedAt");
      expect(json.error.window).to.deep.include({ futureSeconds: 60 });
      expect(json.error.message).to.match(/issuedAt \d+ .* is (59\d|60\d) s in the future/);
      // Issued at the node's grant, however long ago that is now: accepted (late is not lost; test/service/lateReceipts.test.ts).
      expect((await post(JSON.stringify(await receiptsBy(servingNode, 1, { issuedAt: grantedAt })), auth())).status).to.equal(201);
    });
  });
});

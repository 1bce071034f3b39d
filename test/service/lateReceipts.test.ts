/**
 * Late is not lost (issue #21): the service records a receipt whatever its age — an outage of
 * days before it reached the service — anchors it, and shows its lateness (status, metrics); a
 * receipt dated too far in the future is refused (kept by the client, see test/capture/delivery);
 * a receipt the service already holds is a duplicate whatever its state (recorded … final) and
 * whatever a check would say today — in-process (`record()`) and over HTTP.
 */
import { join } from "node:path";

import { expect } from "chai";
import { keccak256, stringToBytes, zeroHash } from "viem";
import { generatePrivateKey } from "viem/accounts";

import { buildReceipt, privateKeyToReceiptSigner, signReceipt, toReceiptJson, type Receipt } from "../../sdk/receipt/index.js";
import { AnchoringService } from "../../sdk/service/AnchoringService.js";
import { RecordRejectedError, ServiceConfigError } from "../../sdk/service/errors.js";
import { createServiceApp } from "../../sdk/service/http/app.js";
import { generateAccessToken } from "../../sdk/service/http/tokens.js";
import { SqliteReceiptStore } from "../../sdk/service/store/sqlite.js";
import { inProcessChain, type InProcessChain } from "./helpers/inProcess.js";
import { openTestService, removeTempDirs, roundsUntil, tempDir } from "./helpers/service.js";

const signer = privateKeyToReceiptSigner(generatePrivateKey());
let sequence = 0n;
async function receiptAt(issuedAt: number, sign = true): Promise<Receipt> {
  const { receipt } = buildReceipt({
    model: { name: "acme/chat", weightsDigest: keccak256(stringToBytes("w")) },
    promptTemplate: { digest: zeroHash, version: 0 },
    retrievalIndexDigest: zeroHash,
    memoryDigest: zeroHash,
    input: `q${sequence}`,
    output: `a${sequence}`,
    sampling: {},
    servingNode: signer.address,
    sequence: sequence++,
    issuedAt,
  });
  return sign ? signReceipt(signer, receipt) : receipt;
}
const now = (): number => Math.floor(Date.now() / 1000);
const DAYS = 86_400;
const TOKEN = generateAccessToken().token;

describe("service: late is not lost, duplicates whatever the state", function () {
  this.timeout(120_000);
  let chain: InProcessChain;

  before(async () => {
    chain = await inProcessChain();
  });
  after(async () => {
    await chain.close();
    removeTempDirs();
  });

  it("records, anchors and shows the lateness of a receipt issued three days ago (default checks: no limit in the past)", async () => {
    const { service } = await openTestService(chain, { ingestion: { signatures: "valid" } });
    try {
      expect(service.ingestion.issuedAtWindow).to.deep.equal({ futureSeconds: 60 });
      const late = await receiptAt(now() - 3 * DAYS);
      const [ack] = await service.record([late]);
      expect(ack!.receiptId).to.equal(late.receiptId);
      const status = await service.status(late.receiptId);
      expect(status.recordedAfterSeconds).to.be.at.least(3 * DAYS);
      expect(status.issuedAt).to.equal(new Date(late.issuedAt * 1000).toISOString());
      const metrics = await service.metrics();
      expect(metrics.ingestion.late).to.equal(1);
      expect(metrics.ingestion.maxLatenessSeconds).to.be.at.least(3 * DAYS);
      service.flush();
      await roundsUntil(service, async () => (await service.status(late.receiptId)).state === "final");
      expect((await service.bundle(late.receiptId)).receipt.issuedAt).to.equal(late.issuedAt);
    } finally {
      await service.close();
    }
  });

  it("refuses a receipt dated beyond the future skew (issued-at-in-future, naming the skew), and a configured past limit", async () => {
    const { service } = await openTestService(chain, { ingestion: { signatures: "valid" } });
    try {
      const ahead = await receiptAt(now() + 600);
      const error = await service.record([await receiptAt(now()), ahead]).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(RecordRejectedError);
      expect((error as RecordRejectedError).reason).to.equal("issued-at-in-future");
      expect((error as RecordRejectedError).receiptIndex).to.equal(1);
      expect((error as RecordRejectedError).window).to.deep.include({ futureSeconds: 60 });
      expect((await service.metrics()).ingestion.refused).to.deep.equal({ "issued-at-in-future": 1 });
    } finally {
      await service.close();
    }
    const legacy = await openTestService(chain, { ingestion: { issuedAtWindow: { pastSeconds: 300, futureSeconds: 60 } as unknown as { futureSeconds: number } } }).catch((e: unknown) => e);
    expect(legacy).to.be.instanceOf(ServiceConfigError);
    expect((legacy as ServiceConfigError).shortMessage).to.match(/pastSeconds is gone: late receipts are accepted/);
  });

  it("answers 'duplicate, already stored' for receipts it holds in any state — recorded, anchored, final — over HTTP and in-process", async () => {
    const { service } = await openTestService(chain, { ingestion: { signatures: "valid" } });
    const app = createServiceApp(service, { door: { auth: { devToken: TOKEN }, allowedHosts: ["anchor.test"] } });
    const post = async (receipts: Receipt[]): Promise<{ status: number; body: { error?: { code: string; duplicates?: { receiptId: string; alreadyStored: boolean }[] } } }> => {
      const response = await app.fetch(
        new Request("http://anchor.test/v1/receipts", { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(receipts.map(toReceiptJson)) }),
      );
      return { status: response.status, body: (await response.json()) as never };
    };
    try {
      const recorded = await receiptAt(now() - 2 * DAYS);
      const finalOnes = [await receiptAt(now() - 3600), await receiptAt(now() - 7200), await receiptAt(now())];
      expect((await post(finalOnes)).status).to.equal(201);
      service.flush();
      await roundsUntil(service, async () => (await service.status(finalOnes[2]!.receiptId)).state === "final");
      expect((await post([recorded])).status).to.equal(201);
      for (const batch of [finalOnes, [recorded], [...finalOnes, recorded]]) {
        const again = await post(batch);
        expect(again.status).to.equal(409);
        expect(again.body.error!.code).to.equal("duplicate-receipt-id");
        expect(again.body.error!.duplicates!.map((d) => [d.receiptId, d.alreadyStored])).to.deep.equal(batch.map((r) => [r.receiptId, true]));
      }
      const inProcess = await service.record(finalOnes).catch((e: unknown) => e);
      expect((inProcess as RecordRejectedError).reason).to.equal("duplicate-receipt-id");
      expect((await service.metrics()).ingestion.duplicates).to.equal(3 * 2 + 1 + 4);
    } finally {
      await service.close();
    }
  });

  it("a held receipt is a duplicate even when a check would refuse it today (here: unsigned, checks now on)", async () => {
    const path = join(tempDir(), "store.sqlite");
    const unsigned = await receiptAt(now() - 10 * DAYS, false);
    const first = await AnchoringService.open({ store: SqliteReceiptStore.open({ path }), ingestion: { signatures: "off", issuedAtWindow: false } });
    await first.record([unsigned]);
    await first.close();
    const second = await AnchoringService.open({ store: SqliteReceiptStore.open({ path }), ingestion: { signatures: "valid" } });
    try {
      const error = (await second.record([unsigned]).catch((e: unknown) => e)) as RecordRejectedError;
      expect(error.reason).to.equal("duplicate-receipt-id");
      expect(error.duplicates).to.deep.equal([{ receiptId: unsigned.receiptId, receiptIndex: 0, alreadyStored: true }]);
      // Not held: the check speaks.
      const fresh = (await second.record([await receiptAt(now(), false)]).catch((e: unknown) => e)) as RecordRejectedError;
      expect(fresh.reason).to.equal("signature-missing");
    } finally {
      await second.close();
    }
  });
});

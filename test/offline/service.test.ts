/**
 * The anchoring service serves self-contained bundles: GET /v1/receipts/:id/bundle?proofs=1 is a v2 bundle with the
 * chain's proofs, which verifies offline against a checkpoint at its proof block (in-process chain).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import { toBundleJson, toBundleV2 } from "../../sdk/bundle/parseBundle.js";
import { publishChainProofs, type BatchChainProof } from "../../sdk/publish/chainProofs.js";
import { publishToDirectory } from "../../sdk/publish/publishDirectory.js";
import { openStore } from "../../sdk/service/store/open.js";

import { createServiceApp } from "../../sdk/service/http/app.js";
import { LOOPBACK_HOSTS } from "../../sdk/service/http/door.js";
import { verifyBundle } from "../../sdk/verify/verifyBundle.js";
import { inProcessChain, type InProcessChain } from "../service/helpers/inProcess.js";
import { makeReceipts } from "../service/helpers/receipts.js";
import { openTestService, removeTempDirs } from "../service/helpers/service.js";

describe("service: self-contained bundles (?proofs=1)", function () {
  let chain: InProcessChain;
  before(async () => {
    chain = await inProcessChain();
  });
  after(async () => {
    await chain.close();
    removeTempDirs();
  });

  it("serves v2 by default and v2 with chain proofs on ?proofs=1; the latter verifies offline against its proof block", async () => {
    const { service } = await openTestService(chain, { batching: { maxReceipts: 4, maxDelayMs: 20 } });
    try {
      service.start();
      const receipts = makeReceipts(4);
      await service.record(receipts);
      const deadline = Date.now() + 30_000;
      while ((await service.metrics()).receipts.final < receipts.length) {
        if (Date.now() > deadline) throw new Error("not final in time");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const app = createServiceApp(service, { door: { auth: "none", allowedHosts: LOOPBACK_HOSTS } });
      const id = receipts[2]!.receiptId;
      const plain = (await (await app.request(`/v1/receipts/${id}/bundle`)).json()) as { format: string; anchors: { chainProof?: unknown }[] };
      expect(plain.format).to.equal("showwork/bundle@2");
      expect(plain.anchors[0]!.chainProof).to.equal(undefined);
      const response = await app.request(`/v1/receipts/${id}/bundle?proofs=1`);
      expect(response.status).to.equal(200);
      const json = (await response.json()) as { anchors: { blockNumber: number; chainProof: { headers: string[] } }[] };
      const proof = json.anchors[0]!.chainProof;
      const number = json.anchors[0]!.blockNumber - 1 + proof.headers.length - 1;
      const block = await chain.clients.publicClient.getBlock({ blockNumber: BigInt(number) });
      const chainId = await chain.clients.publicClient.getChainId();
      const verdict = await verifyBundle(json, { offline: true, checkpoints: [{ chainId, number, hash: block.hash }], requireSignature: false });
      for (const id of ["chain", "contract", "batch-root", "transaction", "confirmations", "anchorer", "anchor-delay"]) {
        expect(verdict.checks.find((c) => c.id === id)?.status, id).to.equal("pass");
      }
      // The test receipts name no registered model and no authorised node: offline judges them as the online verifier does.
      const online = await verifyBundle(json, { client: chain.clients.publicClient as never, requireSignature: false });
      const failing = (v: typeof verdict) => v.checks.filter((c) => c.status === "fail").map((c) => `${c.id}:${c.code}`);
      expect(failing(verdict)).to.deep.equal(failing(online));
      expect(failing(verdict)).to.deep.equal(["model-version:no-active-version", "signer:unauthorised-signer"]);
    } finally {
      await service.close();
    }
  });

  it("publish writes one chain proof per batch; attached to any receipt's bundle of the batch, it verifies offline", async () => {
    const { service, path: storePath } = await openTestService(chain, { batching: { maxReceipts: 3, maxDelayMs: 20 } });
    try {
      service.start();
      const receipts = makeReceipts(6);
      await service.record(receipts);
      const deadline = Date.now() + 30_000;
      while ((await service.metrics()).receipts.final < receipts.length) {
        if (Date.now() > deadline) throw new Error("not final in time");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const out = await mkdtemp(path.join(tmpdir(), "showwork-publish-proofs-"));
      const store = await openStore(storePath, { readOnly: true });
      try {
        const published = await publishToDirectory({ store, out });
        const client = chain.clients.publicClient;
        const files = await publishChainProofs({ client, out, index: published.index, batches: published.written });
        expect(files.length).to.equal(published.written.length);
        for (const receipt of [receipts[1]!, receipts[4]!]) {
          const bundle = await service.bundle(receipt.receiptId);
          const batchProof = JSON.parse(await readFile(path.join(out, "v1", "logs", bundle.anchor.logId, "proofs", `${bundle.anchor.batchIndex}.json`), "utf8")) as BatchChainProof;
          expect(batchProof.format).to.equal("showwork/batch-chain-proof@1");
          const selfContained = toBundleJson(toBundleV2(bundle, { anchors: [{ ...bundle.anchor, chainProof: batchProof.chainProof }] }));
          const block = await client.getBlock({ blockNumber: BigInt(batchProof.proofBlock) });
          const verdict = await verifyBundle(selfContained, { offline: true, checkpoints: [{ chainId: batchProof.chainId, number: batchProof.proofBlock, hash: block.hash }], requireSignature: false });
          for (const id of ["chain", "contract", "batch-root", "transaction", "anchorer", "anchor-delay"]) expect(verdict.checks.find((c) => c.id === id)?.status, id).to.equal("pass");
          expect(verdict.checks.filter((c) => c.status === "error").map((c) => c.id)).to.deep.equal([]);
        }
      } finally {
        await store.close();
        await rm(out, { recursive: true, force: true });
      }
    } finally {
      await service.close();
    }
  });
});

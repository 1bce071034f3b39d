/**
 * record() on the trusted in-process path (issue #26): receipts built and signed in this process
 * are neither parsed nor recovered again, yet every check that is not about their shape or
 * their signature still runs (authorisation of the node on the log, duplicates), and a changed
 * copy of such a receipt gets the full checks.
 */
import { join } from "node:path";

import { expect } from "chai";
import type { Hex } from "viem";
import { generatePrivateKey } from "viem/accounts";

import { buildReceipt, privateKeyToReceiptSigner, toReceiptJson, type PrivateKeyReceiptSigner, type Receipt } from "../../sdk/receipt/index.js";
import { isSignedHere } from "../../sdk/receipt/validated.js";
import { AnchoringService } from "../../sdk/service/AnchoringService.js";
import { connectEmbedded, type ServiceClients } from "../../sdk/service/chain/connect.js";
import { setupServiceLog } from "../../sdk/service/chain/setupLog.js";
import { RecordRejectedError } from "../../sdk/service/errors.js";
import { SqliteReceiptStore } from "../../sdk/service/store/sqlite.js";
import { removeTempDirs, tempDir } from "./helpers/service.js";

const h = (byte: string): Hex => `0x${byte.repeat(32)}`;

function signedBy(signer: PrivateKeyReceiptSigner, issuedAt: number, sequence: number): Receipt {
  const { receipt } = buildReceipt({
    model: { name: "acme-chat", weightsDigest: h("ab") },
    promptTemplate: { digest: h("22"), version: 1 },
    retrievalIndexDigest: h("33"),
    memoryDigest: h("44"),
    input: `question ${sequence}`,
    output: `answer ${sequence}`,
    sampling: { temperature: 0.2 },
    servingNode: signer.address,
    sequence,
    issuedAt,
  });
  return signer.signReceiptSync(receipt);
}

async function refusal(promise: Promise<unknown>): Promise<RecordRejectedError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RecordRejectedError) return error;
    throw error;
  }
  throw new Error("expected a RecordRejectedError");
}

describe("record() on the trusted in-process path", function () {
  this.timeout(120_000);
  const granted = privateKeyToReceiptSigner(generatePrivateKey());
  const stranger = privateKeyToReceiptSigner(generatePrivateKey());
  let clients: ServiceClients;
  let service: AnchoringService;
  let store: SqliteReceiptStore;
  let issuedAt: number;

  before(async () => {
    clients = await connectEmbedded();
    const { contract, logId } = await setupServiceLog(clients.publicClient, clients.walletClient, { salt: "trusted path", signers: [granted.address] });
    issuedAt = Number((await clients.publicClient.getBlock()).timestamp) + 1;
    store = SqliteReceiptStore.open({ path: join(tempDir(), "store.sqlite") });
    service = await AnchoringService.open({
      store,
      chain: { ...clients, contract, logId },
      ingestion: { signatures: "authorised", issuedAtWindow: false },
    });
  });
  after(async () => {
    await service?.close();
    await clients?.close();
    removeTempDirs();
  });

  it("records receipts built and signed here by an authorised node, with the same stored body as their JSON", async () => {
    const receipts = [signedBy(granted, issuedAt, 1), signedBy(granted, issuedAt, 2)];
    expect(receipts.every(isSignedHere)).to.equal(true);
    const acks = await service.record(receipts);
    expect(acks.map((a) => a.receiptId)).to.deep.equal(receipts.map((r) => r.receiptId));
    const stored = await store.getReceipt(receipts[0]!.receiptId);
    expect(stored?.body).to.equal(JSON.stringify(toReceiptJson(receipts[0]!)));
  });

  it("still refuses a receipt signed here by a node the log never authorised (signer-not-authorised)", async () => {
    const error = await refusal(service.record([signedBy(stranger, issuedAt, 1)]));
    expect(error.reason).to.equal("signer-not-authorised");
  });

  it("still refuses a repeated id (duplicate-receipt-id), built here or not", async () => {
    const receipt = signedBy(granted, issuedAt, 3);
    await service.record([receipt]);
    expect((await refusal(service.record([receipt]))).reason).to.equal("duplicate-receipt-id");
    expect((await refusal(service.record([toReceiptJson(receipt)]))).reason).to.equal("duplicate-receipt-id");
  });

  it("checks a changed copy of a signed receipt in full: its signature no longer matches (signature-invalid)", async () => {
    const signed = signedBy(granted, issuedAt, 4);
    const changed = { ...signed, outputDigest: h("cd") };
    expect(isSignedHere(changed)).to.equal(false);
    const error = await refusal(service.record([changed]));
    expect(error.reason).to.equal("signature-invalid");
    // The original is untouched (frozen) and still recorded.
    await service.record([signed]);
  });
});

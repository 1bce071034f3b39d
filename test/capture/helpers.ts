/**
 * A capture rig for tests: an in-process chain with a log, the anchoring service on a temp
 * SQLite store, an evidence store, the deterministic model server, and a capturer.
 */
import { join } from "node:path";

import { expect } from "chai";
import { keccak256, stringToBytes, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { verifyBundleOffline, type ProofBundle } from "../../sdk/bundle/index.js";
import { createCapturer, serviceSink, TemplateRegistry, type CaptureEvent, type Capturer, type CapturerOptions, type ReceiptSink } from "../../sdk/capture/index.js";
import { createModelServer, type ModelServer } from "../../sdk/capture/testing/modelServer.js";
import { checkEvidence, SqliteEvidenceStore, type ReceiptEvidence } from "../../sdk/evidence/index.js";
import type { AnchoringService } from "../../sdk/service/AnchoringService.js";
import { inProcessChain, type InProcessChain } from "../service/helpers/inProcess.js";
import { expectBundleOnChain, openTestService, roundsUntil, tempDir } from "../service/helpers/service.js";

export const MODEL = "acme/chat";
export const WEIGHTS = { v1: keccak256(stringToBytes("acme/chat weights v1")), v2: keccak256(stringToBytes("acme/chat weights v2")) };

/** The fingerprint the model server reports for a version (sha256 of the version, as it computes it). */
export async function fingerprintOf(server: ModelServer, version: string): Promise<string> {
  const saved = server.models[MODEL]!.version;
  server.models[MODEL]!.version = version;
  const response = await server.fetch("http://model.local/v1/chat/completions", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "fingerprint?" }] }),
  });
  server.models[MODEL]!.version = saved;
  return ((await response.json()) as { system_fingerprint: string }).system_fingerprint;
}

export interface CaptureRig {
  readonly chain: InProcessChain;
  readonly service: AnchoringService;
  readonly evidence: SqliteEvidenceStore;
  readonly server: ModelServer;
  readonly capturer: Capturer;
  readonly events: CaptureEvent[];
  readonly templates: TemplateRegistry;
  close(): Promise<void>;
}

export async function captureRig(overrides: Partial<CapturerOptions> & { sink?: ReceiptSink } = {}): Promise<CaptureRig> {
  const chain = await inProcessChain();
  const { service } = await openTestService(chain);
  service.start();
  const evidence = SqliteEvidenceStore.open({ path: join(tempDir(), "evidence.sqlite"), encryptionKey: null });
  const server = createModelServer({ models: { [MODEL]: { version: "v1" } } });
  const fingerprints = { [await fingerprintOf(server, "v1")]: WEIGHTS.v1, [await fingerprintOf(server, "v2")]: WEIGHTS.v2 };
  server.requests.length = 0;
  const templates = TemplateRegistry.of([
    { id: "support-answer", version: 1, text: "You are a support agent. Answer: {{question}}" },
    { id: "support-answer", version: 2, text: "You are a careful support agent. Cite sources. Answer: {{question}}" },
  ]);
  const events: CaptureEvent[] = [];
  const capturer = createCapturer({
    signer: privateKeyToAccount(generatePrivateKey()),
    sink: serviceSink(service),
    evidence,
    models: { [MODEL]: { fingerprints } },
    templates,
    serviceUrl: "http://anchor.local",
    onEvent: (e) => events.push(e),
    ...overrides,
  });
  return {
    chain,
    service,
    evidence,
    server,
    capturer,
    events,
    templates,
    close: async () => {
      await capturer.close();
      await service.close();
      await evidence.close();
      await chain.close();
    },
  };
}

/**
 * Waits for the receipt to be anchored; checks its bundle (offline with the serving node's
 * signature, and against the chain) and that its evidence opens every commitment.
 * @returns the bundle and the evidence.
 */
export async function expectAnchoredWithEvidence(rig: CaptureRig, receiptId: Hex): Promise<{ bundle: ProofBundle; evidence: ReceiptEvidence }> {
  await rig.capturer.settled();
  rig.service.flush();
  await roundsUntil(rig.service, async () => ["anchored", "final"].includes((await rig.service.status(receiptId)).state));
  const bundle = await rig.service.bundle(receiptId);
  await verifyBundleOffline(bundle, { requireSignature: true });
  await expectBundleOnChain(bundle, rig.chain.clients.publicClient, { contract: rig.chain.contract, logId: rig.chain.logId });
  expect(bundle.receipt.servingNode).to.equal(rig.capturer.servingNode);
  const evidence = await rig.evidence.getEvidence(receiptId);
  expect(evidence, "evidence stored").to.not.equal(undefined);
  const check = checkEvidence(bundle.receipt, evidence!);
  expect(check.mismatches).to.deep.equal([]);
  return { bundle, evidence: evidence! };
}

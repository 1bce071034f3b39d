/**
 * The attacks of issue #12, each a test that must now fail verification with the right check
 * named (or "could not check", never VERIFIED): an attacker who controls a log, a bundle file or
 * an RPC endpoint (the endpoint attacks are in verifyBundle.http.test.ts: they need URLs).
 * Run against any chain the scenario runs on (in-process, and a `hardhat node` over HTTP).
 */
import { expect } from "chai";
import { getAddress, keccak256, stringToHex, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";

import { buildBundle } from "../../../sdk/bundle/buildBundle.js";
import { toBundleJson } from "../../../sdk/bundle/parseBundle.js";
import { BUNDLE_FORMAT_V1, type ProofBundleV1Json as ProofBundleJson } from "../../../sdk/bundle/types.js";
import { modelTimelineAbi, receiptLogsAbi } from "../../../sdk/contracts/abis.js";
import { buildReceipt } from "../../../sdk/receipt/buildReceipt.js";
import { signReceipt } from "../../../sdk/receipt/signReceipt.js";
import type { Receipt } from "../../../sdk/receipt/types.js";
import { ReceiptTree } from "../../../sdk/tree/ReceiptTree.js";
import { formatVerdict } from "../../../sdk/verify/formatVerdict.js";
import { checksWithStatus, type Verdict } from "../../../sdk/verify/verdict.js";
import type { VerifyBundleParameters } from "../../../sdk/verify/verifyBundle.js";
import { firstBatchAnchoredSince } from "../../../sdk/actions/public/firstBatchAnchoredSince.js";
import { deploy, MODEL_ID, MODEL_NAME, send, WEIGHTS_V1, WEIGHTS_V2, type Scenario, type Wallet } from "./scenario.js";
import { byId } from "./suite.js";

/** A receipt of the scenario's model, claiming `weightsDigest`, by `node` (signed by `signer`, if any). */
export async function receiptBy(params: { weightsDigest: Hex; node: Address; issuedAt: number; sequence: bigint; signer?: PrivateKeyAccount }): Promise<Receipt> {
  const { receipt } = buildReceipt({
    model: { name: MODEL_NAME, weightsDigest: params.weightsDigest },
    promptTemplate: { digest: keccak256(stringToHex("support template")), version: 3 },
    retrievalIndexDigest: keccak256(stringToHex("kb snapshot")),
    memoryDigest: keccak256(stringToHex(`attack memory ${params.sequence}`)),
    tools: [],
    input: `attack question ${params.sequence}`,
    output: `attack answer ${params.sequence}`,
    sampling: { temperature: 0 },
    servingNode: params.node,
    sequence: params.sequence,
    issuedAt: params.issuedAt,
  });
  if (!params.signer) return receipt;
  // A signer other than the named node signs anyway (signReceipt refuses that): sign the typed data directly.
  if (params.signer.address.toLowerCase() === params.node.toLowerCase()) return signReceipt(params.signer, receipt);
  const signed = await signReceipt(params.signer, { ...receipt, servingNode: params.signer.address });
  return { ...receipt, signature: signed.signature };
}

/** A log on `contract`, administered and anchored into by `owner`. */
export async function createLog(scenario: Scenario, owner: Wallet, contract: Address, maxAnchorDelay: number, label: string): Promise<Hex> {
  const logs = { address: contract, abi: receiptLogsAbi } as const;
  const salt = keccak256(stringToHex(`${label} ${Date.now()} ${Math.random()}`));
  await send(scenario.chain, owner, { ...logs, functionName: "createLog", args: [salt, maxAnchorDelay] });
  const logId = await scenario.chain.publicClient.readContract({ ...logs, functionName: "computeLogId", args: [owner.account.address, salt] });
  await send(scenario.chain, owner, { ...logs, functionName: "grantAnchorer", args: [logId, owner.account.address] });
  return logId;
}

/** Anchors `receipts` as one batch of `logId` and returns their bundles (JSON). */
export async function anchor(scenario: Scenario, owner: Wallet, contract: Address, logId: Hex, receipts: Receipt[], timeline?: Address): Promise<ProofBundleJson[]> {
  const logs = { address: contract, abi: receiptLogsAbi } as const;
  const tree = ReceiptTree.of(receipts);
  const index = await scenario.chain.publicClient.readContract({ ...logs, functionName: "logSize", args: [logId] });
  const tx = await send(scenario.chain, owner, { ...logs, functionName: "anchor", args: [logId, index, tree.root, BigInt(receipts.length)] });
  const at = { chainId: scenario.chainId, contract, logId, batchIndex: Number(index), txHash: tx.transactionHash, blockNumber: Number(tx.blockNumber) };
  return receipts.map((receipt) => toBundleJson(buildBundle({ tree, receipt, anchor: at, ...(timeline ? { timeline: { contract: timeline } } : {}) }), { format: BUNDLE_FORMAT_V1 }) as ProofBundleJson);
}

/** A timeline for `logId` on `timeline`, with v1 and v2 published; `steps` are applied in order. */
export async function timelineFor(scenario: Scenario, owner: Wallet, timeline: Address, logId: Hex, steps: readonly ("v1" | "v2" | { rollback: string })[]): Promise<void> {
  const models = { address: timeline, abi: modelTimelineAbi } as const;
  await send(scenario.chain, owner, { ...models, functionName: "registerModel", args: [logId, MODEL_ID, MODEL_NAME] });
  await send(scenario.chain, owner, { ...models, functionName: "publishVersion", args: [logId, MODEL_ID, WEIGHTS_V1, ""] });
  await send(scenario.chain, owner, { ...models, functionName: "publishVersion", args: [logId, MODEL_ID, WEIGHTS_V2, ""] });
  for (const step of steps) {
    if (typeof step === "object") await send(scenario.chain, owner, { ...models, functionName: "rollbackTo", args: [logId, MODEL_ID, WEIGHTS_V1, step.rollback] });
    else await send(scenario.chain, owner, { ...models, functionName: "deployVersion", args: [logId, MODEL_ID, step === "v1" ? WEIGHTS_V1 : WEIGHTS_V2] });
  }
}

const failed = (verdict: Verdict): string[] => checksWithStatus(verdict, "fail");

/** Registers the attack tests; `scenario()` is the suite's scenario, `verify` its verifier. */
export function attackSuite(scenario: () => Scenario, verify: (bundle: unknown, extra?: Partial<VerifyBundleParameters>) => Promise<Verdict>): void {
  describe("issue #22 item 3: a stolen serving-node key after its revocation", () => {
    it("a receipt dated before the revocation, anchored after the leak: VERIFIED until the compromise is reported, then FAILED (signer); earlier batches stay VERIFIED", async () => {
      const s = scenario();
      const admin = s.chain.admin;
      const logs = { address: s.receiptLogs, abi: receiptLogsAbi } as const;
      const logId = await createLog(s, admin, s.receiptLogs, 0, "compromise log");
      const timeline = await deploy(s.chain, "ModelTimeline", [s.receiptLogs], admin);
      await send(s.chain, admin, { ...logs, functionName: "bindTimeline", args: [logId, timeline] });
      await timelineFor(s, admin, timeline, logId, ["v2"]);
      const node = privateKeyToAccount(generatePrivateKey());
      await send(s.chain, admin, { ...logs, functionName: "grantSigner", args: [logId, node.address] });
      let sequence = 1n;

      const honest = await receiptBy({ weightsDigest: WEIGHTS_V2, node: node.address, issuedAt: await s.chainTime(), sequence: sequence++, signer: node });
      const [honestBundle] = await anchor(s, admin, s.receiptLogs, logId, [honest]); // batch 0, before the leak
      await s.increaseTime(100);
      const leakedAt = await s.chainTime();
      await s.increaseTime(100);
      const revocation = await send(s.chain, admin, { ...logs, functionName: "revokeSigner", args: [logId, node.address] });
      const revokedAt = Number((await s.chain.publicClient.getBlock({ blockNumber: revocation.blockNumber })).timestamp);
      // The thief (node key + token) signs a fresh receipt dated a second before the revocation; the service anchors it.
      const forged = await receiptBy({ weightsDigest: WEIGHTS_V2, node: node.address, issuedAt: revokedAt - 1, sequence, signer: node });
      const [forgedBundle] = await anchor(s, admin, s.receiptLogs, logId, [forged]); // batch 1, after the leak
      const before = await verify(forgedBundle);
      expect(before.status, "a plain retirement keeps earlier receipts valid").to.equal("verified");

      const { batchIndex } = await firstBatchAnchoredSince(s.chain.publicClient, { receiptLogs: s.receiptLogs, logId, since: leakedAt });
      expect(batchIndex).to.equal(1n);
      await send(s.chain, admin, { ...logs, functionName: "reportSignerCompromise", args: [logId, node.address, BigInt(leakedAt), batchIndex] });

      const after = await verify(forgedBundle);
      expect(after.status).to.equal("failed");
      expect(failed(after)).to.deep.equal(["signer"]);
      expect(byId(after, "signer").code).to.equal("signer-compromised");
      expect(byId(after, "signer").message).to.include("reported compromised since").and.include("batch #1");
      const earlier = await verify(honestBundle);
      expect(earlier.status, earlier.summary).to.equal("verified");
      expect(byId(earlier, "signer").message).to.include("reported compromised later");
    });
  });

  describe("issue #12 attacks: each fails with the right check named, never VERIFIED", () => {
    let sequence = 1000n;
    const next = (): bigint => ++sequence;

    describe("1. an attacker's own log on the genuine ReceiptLogs", () => {
      let attacker: Wallet;
      let logId: Hex;
      let key: PrivateKeyAccount;
      before(async () => {
        const s = scenario();
        attacker = s.chain.outsider;
        key = privateKeyToAccount(generatePrivateKey());
        logId = await createLog(s, attacker, s.receiptLogs, 0, "attacker log");
      });

      it("an unsigned receipt naming the genuine serving node: signature required, and the node is not authorised for this log", async () => {
        const s = scenario();
        const r = await receiptBy({ weightsDigest: WEIGHTS_V2, node: s.servingNode.address, issuedAt: await s.chainTime(), sequence: next() });
        const [bundle] = await anchor(s, attacker, s.receiptLogs, logId, [r]);
        const verdict = await verify(bundle);
        expect(verdict.status).to.equal("failed");
        expect(failed(verdict)).to.have.members(["signature", "signer"]);
        expect(byId(verdict, "signature").code).to.equal("unsigned");
        expect(byId(verdict, "signer").code).to.equal("unauthorised-signer");
        expect(byId(verdict, "model-version").code, "the attacker's log has no timeline").to.equal("no-timeline");
      });

      it("a receipt naming the genuine node but signed by another key", async () => {
        const s = scenario();
        const r = await receiptBy({ weightsDigest: WEIGHTS_V2, node: s.servingNode.address, issuedAt: await s.chainTime(), sequence: next(), signer: key });
        const [bundle] = await anchor(s, attacker, s.receiptLogs, logId, [r]);
        const verdict = await verify(bundle);
        expect(failed(verdict)).to.have.members(["signature", "signer"]);
        expect(byId(verdict, "signature").code).to.equal("wrong-signer");
      });

      it("a receipt signed by a key the log never authorised", async () => {
        const s = scenario();
        const r = await receiptBy({ weightsDigest: WEIGHTS_V2, node: key.address, issuedAt: await s.chainTime(), sequence: next(), signer: key });
        const [bundle] = await anchor(s, attacker, s.receiptLogs, logId, [r]);
        const verdict = await verify(bundle);
        expect(failed(verdict)).to.deep.equal(["signer"]);
        expect(verdict.status).to.equal("failed");
      });

      it("everything in order in the attacker's own log: the verdict names the attacker as operator and nothing pinned; a pin rejects it", async () => {
        const s = scenario();
        await send(s.chain, attacker, { address: s.receiptLogs, abi: receiptLogsAbi, functionName: "grantSigner", args: [logId, key.address] });
        const ownTimeline = await deploy(s.chain, "ModelTimeline", [s.receiptLogs], attacker);
        await send(s.chain, attacker, { address: s.receiptLogs, abi: receiptLogsAbi, functionName: "bindTimeline", args: [logId, ownTimeline] });
        await timelineFor(s, attacker, ownTimeline, logId, ["v1", "v2"]);
        const r = await receiptBy({ weightsDigest: WEIGHTS_V2, node: key.address, issuedAt: await s.chainTime(), sequence: next(), signer: key });
        const [bundle] = await anchor(s, attacker, s.receiptLogs, logId, [r]);
        const unpinned = await verify(bundle);
        expect(unpinned.status, unpinned.summary).to.equal("verified");
        expect(unpinned.summary).to.include("nothing pinned");
        const operator = getAddress(attacker.account.address);
        expect(unpinned.headline).to.include(`of operator ${operator}`).and.include(`node ${key.address}`);
        expect(unpinned.uncertain.join(" ")).to.include("nothing pinned").and.include(operator);
        expect(formatVerdict(unpinned)).to.include(operator);

        for (const trust of [{ logs: [s.logId] }, { operators: [s.chain.admin.account.address] }]) {
          const pinned = await verify(bundle, { trust });
          expect(pinned.status).to.equal("failed");
          expect(failed(pinned)).to.deep.equal(["pinned"]);
          expect(byId(pinned, "pinned").code).to.equal("not-pinned");
        }
        // The genuine log passes the same pins.
        const genuine = s.json(s.v1Batch.bundles[0]!);
        for (const trust of [{ logs: [s.logId] }, { operators: [s.chain.admin.account.address] }]) {
          const verdict = await verify(genuine, { trust });
          expect(verdict.status, verdict.summary).to.equal("verified");
          expect(byId(verdict, "pinned").status).to.equal("pass");
          expect(verdict.summary).not.to.include("nothing pinned");
        }
      });
    });

    describe("2. the bundle cannot choose the timeline", () => {
      it("a rolled-back version pointed at another timeline that claims it was active fails; deleting the timeline does not skip the check", async () => {
        const s = scenario();
        // Another (genuine) ModelTimeline in which the attacker's log says v2 is active: not the log's bound one.
        const attacker = s.chain.outsider;
        const other = await deploy(s.chain, "ModelTimeline", [s.receiptLogs], attacker);
        const stale = s.json(s.afterRollback.bundles[0]!);
        stale.timeline = { contract: other };
        const pointed = await verify(stale);
        expect(failed(pointed)).to.deep.equal(["model-version"]);
        expect(byId(pointed, "model-version").code).to.equal("timeline-mismatch");
        delete stale.timeline;
        const deleted = await verify(stale);
        expect(failed(deleted)).to.deep.equal(["model-version"]);
        expect(byId(deleted, "model-version").code).to.equal("version-mismatch");
        expect(deleted.status).to.equal("failed");
      });
    });

    describe("3. a contract that imitates ReceiptLogs", () => {
      it("is refused by its code, although it answers the whole interface and anchors like the real one", async () => {
        const s = scenario();
        const attacker = s.chain.outsider;
        const fake = await deploy(s.chain, "ReceiptLogsLookalike", [], attacker);
        const key = privateKeyToAccount(generatePrivateKey());
        const logId = await createLog(s, attacker, fake, 3600, "lookalike log");
        await send(s.chain, attacker, { address: fake, abi: receiptLogsAbi, functionName: "grantSigner", args: [logId, key.address] });
        const timeline = await deploy(s.chain, "ModelTimeline", [fake], attacker);
        await send(s.chain, attacker, { address: fake, abi: receiptLogsAbi, functionName: "bindTimeline", args: [logId, timeline] });
        await timelineFor(s, attacker, timeline, logId, ["v1", "v2"]);
        const r = await receiptBy({ weightsDigest: WEIGHTS_V2, node: key.address, issuedAt: await s.chainTime(), sequence: next(), signer: key });
        const [bundle] = await anchor(s, attacker, fake, logId, [r]);
        const verdict = await verify(bundle);
        expect(verdict.status).to.equal("failed");
        expect(failed(verdict)).to.deep.equal(["contract"]);
        expect(byId(verdict, "contract").code).to.equal("not-showwork-code");
        expect(byId(verdict, "contract").found).to.match(/^code hash 0x[0-9a-f]{64}/);
        expect(byId(verdict, "batch-root").status, "nothing is read from a look-alike").to.equal("skipped");
      });
    });

    describe("4. a backdated issuedAt cannot pick the moment the version is judged", () => {
      let logId: Hex;
      let v2At: number;
      const reason = "v2 misread amounts \u001b[2J\u001b[32mVERIFIED\u202e";
      before(async () => {
        const s = scenario();
        // The genuine operator's second log, without a declared maximum delay.
        logId = await createLog(s, s.chain.admin, s.receiptLogs, 0, "no delay promise");
        await send(s.chain, s.chain.admin, { address: s.receiptLogs, abi: receiptLogsAbi, functionName: "grantSigner", args: [logId, s.servingNode.address] });
        await send(s.chain, s.chain.admin, { address: s.receiptLogs, abi: receiptLogsAbi, functionName: "bindTimeline", args: [logId, s.timeline] });
        await timelineFor(s, s.chain.admin, s.timeline, logId, ["v1", "v2"]);
        v2At = await s.chainTime();
        await s.increaseTime(600);
        await send(s.chain, s.chain.admin, { address: s.timeline, abi: modelTimelineAbi, functionName: "rollbackTo", args: [logId, MODEL_ID, WEIGHTS_V1, reason] });
        await s.increaseTime(60);
      });

      it("a stale node's v2 receipt backdated into v2's window, anchored after the rollback: could not check, not VERIFIED", async () => {
        const s = scenario();
        const r = await receiptBy({ weightsDigest: WEIGHTS_V2, node: s.servingNode.address, issuedAt: v2At + 10, sequence: next(), signer: s.servingNode });
        const [bundle] = await anchor(s, s.chain.admin, s.receiptLogs, logId, [r]);
        const verdict = await verify(bundle);
        expect(verdict.status, verdict.summary).to.equal("pending");
        expect(verdict.reason).to.equal("could-not-check");
        const check = byId(verdict, "model-version");
        expect([check.status, check.code]).to.deep.equal(["error", "changed-before-anchoring"]);
        expect(check.message).to.include("rollback").and.include("declares no maximum anchoring delay");
        // The rollback reason carries terminal escapes and a bidi override: shown escaped, never raw.
        expect(check.message).to.include("\\u{1b}[2J").and.include("\\u{202e}");
        const text = formatVerdict(verdict);
        expect(text).not.to.include("\u001b");
        expect(text).not.to.include("\u202e");
        // The same receipt honestly dated after the rollback fails outright.
        const honest = await receiptBy({ weightsDigest: WEIGHTS_V2, node: s.servingNode.address, issuedAt: await s.chainTime(), sequence: next(), signer: s.servingNode });
        const [now] = await anchor(s, s.chain.admin, s.receiptLogs, logId, [honest]);
        expect(failed(await verify(now))).to.deep.equal(["model-version"]);
      });

      it("in a log that declares a maximum delay, a receipt backdated beyond it is shown late and cannot pick its version (could not check, never verified)", async () => {
        const s = scenario();
        // The scenario's log promises anchoring within an hour; v1 is active since the rollback.
        const within = await receiptBy({ weightsDigest: WEIGHTS_V1, node: s.servingNode.address, issuedAt: (await s.chainTime()) - 5, sequence: next(), signer: s.servingNode });
        const [ok] = await anchor(s, s.chain.anchorer, s.receiptLogs, s.logId, [within]);
        expect((await verify(ok)).status).to.equal("verified");
        const backdated = await receiptBy({ weightsDigest: WEIGHTS_V2, node: s.servingNode.address, issuedAt: s.v2Batch.receipts[0]!.issuedAt, sequence: next(), signer: s.servingNode });
        await s.increaseTime(3700);
        const [late] = await anchor(s, s.chain.anchorer, s.receiptLogs, s.logId, [backdated]);
        const verdict = await verify(late);
        // Late is shown, not a failure; but a late batch gives no delay bound, so the rollback in the
        // span makes the version undecidable: never VERIFIED (a stolen key is "revoked since T").
        expect(verdict.status).to.equal("pending");
        expect(verdict.reason).to.equal("could-not-check");
        expect(failed(verdict)).to.deep.equal([]);
        expect([byId(verdict, "anchor-delay").status, byId(verdict, "anchor-delay").code]).to.deep.equal(["pass", "late"]);
        expect([byId(verdict, "model-version").status, byId(verdict, "model-version").code]).to.deep.equal(["error", "changed-before-anchoring"]);
      });

      it("caps: more timeline entries in the span than the verifier reads is 'could not check'", async () => {
        const s = scenario();
        const r = await receiptBy({ weightsDigest: WEIGHTS_V2, node: s.servingNode.address, issuedAt: v2At + 20, sequence: next(), signer: s.servingNode });
        const [bundle] = await anchor(s, s.chain.admin, s.receiptLogs, logId, [r]);
        const verdict = await verify(bundle, { limits: { maxSpanActivations: 1 } });
        expect(byId(verdict, "model-version").code).to.equal("too-long");
        expect(verdict.status).to.equal("pending");
        const history = await verify(bundle, { limits: { maxDelayHistory: 0 } });
        expect(byId(history, "anchor-delay").code).to.equal("too-long");
        expect(history.status).to.equal("pending");
      });
    });
  });
}

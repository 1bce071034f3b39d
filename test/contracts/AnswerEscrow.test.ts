/**
 * AnswerEscrow end to end: a payer escrows a payment for an answer to its request, the operator's backend builds
 * receipts with the SDK, batches them into a ReceiptTree and anchors the root, and the payee is paid by proving
 * the receipt on-chain. After the deadline, an unanswered escrow goes back to the payer.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { getAddress, parseEther, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { ReceiptTree, commitmentDigest, modelIdFromName, signReceipt, type Receipt } from "../../sdk/index.js";
import { h, makeReceipts, receiptStruct } from "./fixtures.js";
import { expectCustomError } from "./helpers.js";

const { viem, networkHelpers } = await network.create();
const publicClient = await viem.getPublicClient();

/** The serving node: its key signs receipts, and the log authorises its address. */
const node = privateKeyToAccount("0x00000000000000000000000000000000000000000000000000000000000a11ce");
const MODEL = modelIdFromName("showwork-chat");

/** Signs with the serving node (the receipts' servingNode is the node's address). */
async function signed(receipt: Receipt): Promise<{ receipt: Receipt; signature: Hex }> {
  const withSignature = await signReceipt(node, receipt);
  return { receipt, signature: withSignature.signature! };
}

async function deploy() {
  const [operator, payer, payee] = await viem.getWalletClients();
  const logs = await viem.deployContract("ReceiptLogs", []);
  const escrow = await viem.deployContract("AnswerEscrow", [logs.address]);
  const timeline = await viem.deployContract("ModelTimeline", [logs.address]);
  await logs.write.createLog([h("answers"), 600]);
  const logId = await logs.read.computeLogId([operator!.account.address, h("answers")]);
  await logs.write.grantAnchorer([logId, operator!.account.address]);
  await logs.write.grantSigner([logId, node.address]);
  await logs.write.bindTimeline([logId, timeline.address]);
  await timeline.write.registerModel([logId, MODEL, "showwork-chat"]);
  await timeline.write.publishVersion([logId, MODEL, h("weights-v2"), ""]);
  await timeline.write.deployVersion([logId, MODEL, h("weights-v2")]);
  const asPayer = await viem.getContractAt("AnswerEscrow", escrow.address, { client: { wallet: payer! } });
  const asPayee = await viem.getContractAt("AnswerEscrow", escrow.address, { client: { wallet: payee! } });
  return { logs, escrow, logId, operator: operator!, payer: payer!, payee: payee!, asPayer, asPayee };
}

describe("AnswerEscrow (example consumer)", () => {
  it("pays the payee against an anchored receipt matching the terms, once", async () => {
    const { logs, escrow, logId, payee, asPayer, asPayee } = await networkHelpers.loadFixture(deploy);
    // The payer picks the request and its salt, so it knows the input digest the receipt must carry.
    const request = "Summarise contract #42 in one sentence.";
    const inputSalt = h("payer's salt");
    const inputDigest = commitmentDigest(request, inputSalt);
    const now = BigInt((await publicClient.getBlock()).timestamp);
    const terms = {
      logId,
      modelId: modelIdFromName("showwork-chat"),
      weightsDigest: h("weights-v2"),
      inputDigest,
      deadline: now + 3600n,
    };
    await asPayer.write.deposit([getAddress(payee.account.address), terms], { value: parseEther("1") });

    // The operator answers (among 63 other requests) and anchors the batch.
    const issuedAt = Number((await publicClient.getBlock()).timestamp); // the deposit's block: not before it
    const others = makeReceipts(63, { weights: "weights-v2", servingNode: node.address, issuedAt }, "traffic");
    const [answer] = makeReceipts(1, { weights: "weights-v2", input: request, servingNode: node.address, issuedAt }, "paid");
    // buildReceipt used a fixed test salt; re-derive the receipt with the payer's salt for the input.
    const paid = { ...answer!, inputDigest };
    const batch = [...others.slice(0, 40), paid, ...others.slice(40)];
    const tree = ReceiptTree.of(batch);
    await logs.write.anchor([logId, 0n, tree.root, BigInt(batch.length)]);

    const before = await publicClient.getBalance({ address: payee.account.address });
    const { signature } = await signed(paid);
    const hash = await asPayee.write.release([1n, receiptStruct(paid), signature, 0n, tree.getProof(paid.receiptId)]);
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    const after = await publicClient.getBalance({ address: payee.account.address });
    expect(after - before + receipt.gasUsed * receipt.effectiveGasPrice).to.equal(parseEther("1"));
    const [released] = await escrow.getEvents.Released({}, { blockHash: receipt.blockHash });
    expect(released!.args.receiptId).to.equal(paid.receiptId);
    expect((await escrow.read.escrowOf([1n])).status).to.equal(2); // Released
    await expectCustomError(asPayee.write.release([1n, receiptStruct(paid), signature, 0n, tree.getProof(paid.receiptId)]), "AnswerEscrowNotOpen", [1n, 2]);
    expect(await escrow.read.releasedBy([logId, paid.receiptId])).to.equal(1n);
  });

  it("refuses receipts of another model version or request, and unanchored ones; refunds after the deadline", async () => {
    const { logs, logId, payer, payee, asPayer, asPayee } = await networkHelpers.loadFixture(deploy);
    const inputDigest = commitmentDigest("request", h("salt"));
    const now = BigInt((await publicClient.getBlock()).timestamp);
    const terms = { logId, modelId: modelIdFromName("showwork-chat"), weightsDigest: h("weights-v2"), inputDigest, deadline: now + 600n };
    await asPayer.write.deposit([getAddress(payee.account.address), terms], { value: parseEther("0.5") });

    const opts = { servingNode: node.address, issuedAt: Number((await publicClient.getBlock()).timestamp) };
    const [v3] = makeReceipts(1, { weights: "weights-v3", ...opts }, "v3");
    const wrongVersion = { ...v3!, inputDigest };
    const [v2] = makeReceipts(1, { weights: "weights-v2", ...opts }, "v2");
    const tree = ReceiptTree.of([wrongVersion, v2!]);
    await logs.write.anchor([logId, 0n, tree.root, 2n]);
    await expectCustomError(
      asPayee.write.release([1n, receiptStruct(wrongVersion), (await signed(wrongVersion)).signature, 0n, tree.getProof(0)]),
      "AnswerEscrowWrongModelVersion",
      [1n, h("weights-v2"), h("weights-v3")],
    );
    await expectCustomError(asPayee.write.release([1n, receiptStruct(v2!), (await signed(v2!)).signature, 0n, tree.getProof(1)]), "AnswerEscrowWrongInput", [
      1n,
      inputDigest,
      v2!.inputDigest,
    ]);
    const notAnchored = { ...v2!, inputDigest };
    await expectCustomError(
      asPayee.write.release([1n, receiptStruct(notAnchored), (await signed(notAnchored)).signature, 0n, tree.getProof(1)]),
      "AnswerEscrowReceiptNotAnchored",
    );

    await expectCustomError(asPayer.write.refund([1n]), "AnswerEscrowDeadlineNotReached", [1n, now + 600n]);
    await networkHelpers.time.increaseTo(now + 601n);
    const before = await publicClient.getBalance({ address: payer.account.address });
    const hash = await asPayer.write.refund([1n]);
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    const after = await publicClient.getBalance({ address: payer.account.address });
    expect(after - before + receipt.gasUsed * receipt.effectiveGasPrice).to.equal(parseEther("0.5"));
  });
});

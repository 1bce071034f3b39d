/**
 * Gas figures of the contracts, measured on Hardhat's in-process chain (EDR, hardfork osaka, so EIP-7623's
 * calldata floor applies): anchor (1 batch), anchorMany of 10 logs, on-chain verification at depth 10 and 20,
 * a 16-leaf multiproof, a timeline lookup with 1,000 entries, serving-node signer grants/revocations, an
 * isSignerAt lookup in a 65-period history, the timeline binding, and AnswerEscrow's full release check.
 *
 *   npm run gas                          print the table
 *   npm run gas -- --json                print the figures as JSON
 *   UPDATE_GAS_SNAPSHOT=1 npm test       rewrite test/gas-snapshot.json (test/contracts/gasSnapshot.test.ts)
 *
 * Views are measured as transactions (what a contract or an EOA pays to call them) and by their execution gas
 * alone, read from the transaction's trace.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

import { network } from "hardhat";
import { type Hex, encodeFunctionData, hashStruct, hexToBytes, keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { RECEIPT_EIP712_TYPES } from "../sdk/receipt/eip712.js";

const RECEIPT_TYPES = RECEIPT_EIP712_TYPES;


/** One measured figure. */
export interface GasFigure {
  /** What was measured. */
  readonly label: string;
  /** The transaction's gasUsed (21,000 base, calldata and EIP-7623 floor included). */
  readonly allIn: number;
  /** Gas spent executing the contract code (from the trace), without the transaction's intrinsic cost. */
  readonly execution: number;
  /**
   * The same transaction priced without EIP-7623's calldata floor (Prague): 21,000 + EIP-2028 calldata cost
   * (4 per zero byte, 16 per other byte) + execution. Equal to `allIn` unless the floor binds, which happens for
   * calldata-heavy, execution-light transactions such as proof verification.
   */
  readonly withoutCalldataFloor: number;
  /** The budget for `allIn`, when it sets one. */
  readonly budget?: number;
}

export type GasReport = Record<string, GasFigure>;

const h = (label: string): Hex => keccak256(toHex(label));

/** Commutative keccak256 of a pair, as OpenZeppelin's Hashes.commutativeKeccak256. */
function hashPair(a: Hex, b: Hex): Hex {
  const [x, y] = BigInt(a) < BigInt(b) ? [a, b] : [b, a];
  return keccak256(`0x${x.slice(2)}${y.slice(2)}`);
}

/** EIP-7623 calldata tokens: 1 per zero byte, 4 per other byte. */
function calldataTokens(data: Hex): number {
  return [...hexToBytes(data)].reduce((sum, byte) => sum + (byte === 0 ? 1 : 4), 0);
}

interface StructLog {
  readonly depth: number;
  readonly gas: number;
  readonly gasCost: number;
}

/** Measures the whole set of figures on a fresh in-process chain. */
export async function measureGas(): Promise<GasReport> {
  const { viem } = await network.create();
  const publicClient = await viem.getPublicClient();
  const [admin, anchorer] = await viem.getWalletClients();
  if (admin === undefined || anchorer === undefined) throw new Error("need two accounts");
  const logs = await viem.deployContract("ReceiptLogs", []);
  const timeline = await viem.deployContract("ModelTimeline", [logs.address]);
  const asAnchorer = await viem.getContractAt("ReceiptLogs", logs.address, { client: { wallet: anchorer } });

  async function figure(label: string, hash: Hex, budget?: number): Promise<GasFigure> {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${label}: transaction reverted`);
    const trace = (await publicClient.request({
      method: "debug_traceTransaction" as never,
      params: [hash, { disableStorage: true, disableMemory: true, disableStack: true }] as never,
    })) as { structLogs: StructLog[] };
    const top = trace.structLogs.filter((l) => l.depth === 1);
    const first = top[0];
    const last = top[top.length - 1];
    if (first === undefined || last === undefined) throw new Error(`${label}: empty trace`);
    const execution = first.gas - (last.gas - last.gasCost);
    // Cross-check the trace against the receipt: gasUsed = 21,000 + max(4 x tokens + execution, 10 x tokens).
    const tokens = calldataTokens((await publicClient.getTransaction({ hash })).input);
    const beforeRefund = 21_000 + 4 * tokens + execution;
    const allIn = Number(receipt.gasUsed);
    // An SSTORE refund (EIP-3529: at most a fifth of the gas used) lowers gasUsed below the trace's sum, e.g. a
    // ReentrancyGuard that writes its slot back to the original value refunds 2,800.
    const refund = beforeRefund > allIn && beforeRefund - allIn <= Math.floor(beforeRefund / 5) ? beforeRefund - allIn : 0;
    const withoutCalldataFloor = beforeRefund - refund;
    if (allIn !== Math.max(withoutCalldataFloor, 21_000 + 10 * tokens)) {
      throw new Error(`${label}: gasUsed ${allIn} does not match the trace (execution ${execution}, ${tokens} tokens)`);
    }
    return { label, allIn, execution, withoutCalldataFloor, ...(budget === undefined ? {} : { budget }) };
  }

  /** Calls a view in a transaction (anyone can: views are not restricted to eth_call). */
  async function viewTx(data: Hex, to: Hex): Promise<Hex> {
    return admin!.sendTransaction({ to, data });
  }

  const ids: Hex[] = [];
  for (let i = 0; i < 11; i++) {
    await logs.write.createLog([h(`gas log ${i}`), 3600]);
    const id = await logs.read.computeLogId([admin.account.address, h(`gas log ${i}`)]);
    await logs.write.grantAnchorer([id, anchorer.account.address]);
    // One batch each, so the measured batches are steady-state (neither the first batch nor the first log).
    await asAnchorer.write.anchor([id, 0n, h(`warm ${i}`), 1n]);
    ids.push(id);
  }
  const report: GasReport = {};

  report.anchor = await figure(
    "anchor: 1 batch, one transaction",
    await asAnchorer.write.anchor([ids[0]!, 1n, h("batch root"), 1_000_000n]),
    60_000,
  );
  const manyOne = await figure(
    "anchorMany: 1 log",
    await asAnchorer.write.anchorMany([[{ logId: ids[0]!, expectedIndex: 2n, root: h("many 1"), leafCount: 500n }]]),
  );
  report.anchorMany1 = manyOne;
  const requests = ids.slice(1).map((logId, i) => ({ logId, expectedIndex: 1n, root: h(`many 10 ${i}`), leafCount: 500n }));
  const manyTen = await figure("anchorMany: 10 logs in one transaction", await asAnchorer.write.anchorMany([requests]));
  report.anchorMany10 = manyTen;
  report.anchorManyPerFurtherLog = {
    label: "anchorMany: each further log, (10 logs - 1 log) / 9",
    allIn: Math.round((manyTen.allIn - manyOne.allIn) / 9),
    execution: Math.round((manyTen.execution - manyOne.execution) / 9),
    withoutCalldataFloor: Math.round((manyTen.withoutCalldataFloor - manyOne.withoutCalldataFloor) / 9),
    budget: 35_000,
  };

  for (const depth of [10, 20]) {
    const leaf = keccak256(h(`leaf ${depth}`));
    const proof = Array.from({ length: depth }, (_, i) => h(`sibling ${depth} ${i}`));
    const root = proof.reduce((node, sibling) => hashPair(node, sibling), leaf);
    const index = BigInt(await logs.read.logSize([ids[5]!]));
    await asAnchorer.write.anchor([ids[5]!, index, root, BigInt(2 ** depth)]);
    if (!(await logs.read.verifyInclusion([ids[5]!, index, leaf, proof]))) throw new Error("proof does not verify");
    const data = encodeFunctionData({ abi: logs.abi, functionName: "verifyInclusion", args: [ids[5]!, index, leaf, proof] });
    report[`verifyDepth${depth}`] = await figure(
      `verifyInclusion, depth ${depth} (${depth === 20 ? "10^6" : "1,024"}-leaf batch), as a transaction`,
      await viewTx(data, logs.address),
      depth === 20 ? 40_000 : undefined,
    );
  }

  {
    // A 1,024-leaf tree in OpenZeppelin's heap layout; 16 leaves spread over it.
    const n = 1024;
    const nodes: Hex[] = new Array<Hex>(2 * n - 1);
    for (let i = 0; i < n; i++) nodes[2 * n - 2 - i] = keccak256(h(`multi leaf ${i}`));
    for (let k = n - 2; k >= 0; k--) nodes[k] = hashPair(nodes[2 * k + 1]!, nodes[2 * k + 2]!);
    const positions = Array.from({ length: 16 }, (_, j) => 2 * n - 2 - j * 64).sort((a, b) => b - a);
    const queue = [...positions];
    const proof: Hex[] = [];
    const proofFlags: boolean[] = [];
    while (queue[0]! > 0) {
      const j = queue.shift()!;
      const s = j % 2 === 1 ? j + 1 : j - 1;
      if (queue[0] === s) {
        proofFlags.push(true);
        queue.shift();
      } else {
        proofFlags.push(false);
        proof.push(nodes[s]!);
      }
      queue.push((j - 1) >> 1);
    }
    const leaves = positions.map((p) => nodes[p]!);
    const index = BigInt(await logs.read.logSize([ids[6]!]));
    await asAnchorer.write.anchor([ids[6]!, index, nodes[0]!, BigInt(n)]);
    if (!(await logs.read.verifyMultiProof([ids[6]!, index, proof, proofFlags, leaves]))) throw new Error("multiproof");
    const data = encodeFunctionData({
      abi: logs.abi,
      functionName: "verifyMultiProof",
      args: [ids[6]!, index, proof, proofFlags, leaves],
    });
    report.multiProof16 = await figure("verifyMultiProof, 16 leaves of a 1,024-leaf batch, as a transaction", await viewTx(data, logs.address));
  }

  {
    const model = h("gas model");
    await timeline.write.registerModel([ids[0]!, model, ""]);
    await timeline.write.publishVersion([ids[0]!, model, h("weights v1"), "ipfs://v1"]);
    let middle = 0n;
    for (let i = 0; i < 1000; i++) {
      // After a deactivation, v1 (live before) comes back only as a rollback.
      const hash =
        i === 0
          ? await timeline.write.deployVersion([ids[0]!, model, h("weights v1")])
          : i % 2 === 0
            ? await timeline.write.rollbackTo([ids[0]!, model, h("weights v1"), "on"])
            : await timeline.write.deactivateModel([ids[0]!, model, "off"]);
      if (i === 500) {
        const receipt = await publicClient.waitForTransactionReceipt({ hash });
        middle = (await publicClient.getBlock({ blockNumber: receipt.blockNumber })).timestamp;
      }
    }
    if ((await timeline.read.modelInfo([ids[0]!, model])).activationCount !== 1000n) throw new Error("timeline size");
    const data = encodeFunctionData({ abi: timeline.abi, functionName: "activeVersionAt", args: [ids[0]!, model, middle] });
    report.timelineLookup1000 = await figure("activeVersionAt, timeline of 1,000 entries, as a transaction", await viewTx(data, timeline.address));
  }

  // Serving-node signers, the timeline binding, and the escrow's full on-chain check (issue #12).
  {
    const logId = ids[1]!;
    const signer = privateKeyToAccount(keccak256(toHex("gas serving node")));
    report.grantSigner = await figure("grantSigner: first grant of a serving node", await logs.write.grantSigner([logId, signer.address]));
    report.revokeSigner = await figure("revokeSigner", await logs.write.revokeSigner([logId, signer.address]));
    report.grantSignerAgain = await figure("grantSigner: a new period after a revocation", await logs.write.grantSigner([logId, signer.address]));
    for (let i = 0; i < 63; i++) {
      await logs.write.revokeSigner([logId, signer.address]);
      await logs.write.grantSigner([logId, signer.address]);
    }
    if ((await logs.read.signerHistoryLength([logId, signer.address])) !== 65n) throw new Error("signer history size");
    const at = (await publicClient.getBlock()).timestamp - 30n;
    report.isSignerAt65 = await figure(
      "isSignerAt, history of 65 periods, as a transaction",
      await viewTx(encodeFunctionData({ abi: logs.abi, functionName: "isSignerAt", args: [logId, signer.address, at] }), logs.address),
    );
    // Compromise report (issue #22): one fresh slot per reported key; anchoring is unchanged.
    const leaked = privateKeyToAccount(keccak256(toHex("gas leaked node")));
    await logs.write.grantSigner([logId, leaked.address]);
    const size = BigInt(await logs.read.logSize([logId]));
    const since = (await publicClient.getBlock()).timestamp - 60n;
    report.reportSignerCompromise = await figure(
      "reportSignerCompromise (also revokes the open period)",
      await logs.write.reportSignerCompromise([logId, leaked.address, since, size]),
    );
    report.isReceiptSignerValid = await figure(
      "isReceiptSignerValid, history of 65 periods, as a transaction",
      await viewTx(encodeFunctionData({ abi: logs.abi, functionName: "isReceiptSignerValid", args: [logId, signer.address, at, 0n] }), logs.address),
    );
    const bound = await viem.deployContract("ModelTimeline", [logs.address]);
    report.bindTimeline = await figure("bindTimeline (with the ModelTimeline code check)", await logs.write.bindTimeline([logId, bound.address]));

    const escrow = await viem.deployContract("AnswerEscrow", [logs.address]);
    const model = h("escrow model");
    const weights = h("escrow weights");
    await bound.write.registerModel([logId, model, ""]);
    await bound.write.publishVersion([logId, model, weights, ""]);
    await bound.write.deployVersion([logId, model, weights]);
    const now = (await publicClient.getBlock()).timestamp;
    const terms = { logId, modelId: model, weightsDigest: weights, inputDigest: h("escrow input"), deadline: now + 3600n };
    await escrow.write.deposit([anchorer.account.address, terms], { value: 1n });
    const receipt = {
      receiptId: h("escrow receipt"),
      modelId: model,
      weightsDigest: weights,
      promptTemplateDigest: h("template"),
      promptTemplateVersion: 1,
      retrievalIndexDigest: h("index"),
      memoryDigest: h("memory"),
      toolsDigest: h("tools"),
      inputDigest: terms.inputDigest,
      outputDigest: h("output"),
      samplingDigest: h("sampling"),
      servingNode: signer.address,
      issuedAt: (await publicClient.getBlock()).timestamp, // the deposit's block
      sequence: 1n,
    };
    const signature = await signer.signTypedData({
      domain: { name: "showwork", version: "1" },
      types: RECEIPT_TYPES,
      primaryType: "Receipt",
      message: receipt,
    });
    const leaf = keccak256(hashStruct({ data: receipt, primaryType: "Receipt", types: RECEIPT_TYPES })); // leaf = keccak256(hashStruct)
    const proof = Array.from({ length: 10 }, (_, i) => h(`escrow sibling ${i}`));
    const root = proof.reduce((node, sibling) => hashPair(node, sibling), leaf);
    const index = BigInt(await logs.read.logSize([logId]));
    await asAnchorer.write.anchor([logId, index, root, 1024n]);
    const asPayee = await viem.getContractAt("AnswerEscrow", escrow.address, { client: { wallet: anchorer } });
    report.escrowRelease = await figure(
      "AnswerEscrow.release: signature, signer valid for its batch, timeline code, version over the span, depth-10 proof",
      await asPayee.write.release([1n, receipt, signature, index, proof]),
    );
  }
  return report;
}

const n = (x: number): string => x.toLocaleString("en-US");

/** The report as a Markdown table. */
export function formatGasTable(report: GasReport): string {
  const rows = Object.values(report).map((f) => {
    const budget =
      f.budget === undefined
        ? ""
        : `${n(f.budget)}: ${f.allIn <= f.budget ? "met" : "over"}` +
          (f.withoutCalldataFloor !== f.allIn ? ` (${f.withoutCalldataFloor <= f.budget ? "met" : "over"} without the floor)` : "");
    return `| ${f.label} | ${n(f.allIn)} | ${n(f.withoutCalldataFloor)} | ${n(f.execution)} | ${budget} |`;
  });
  return [
    "| operation | all-in (gasUsed) | all-in without EIP-7623 floor | execution only | budget (all-in) |",
    "| --- | ---: | ---: | ---: | --- |",
    ...rows,
  ].join("\n");
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const report = await measureGas();
  console.log(process.argv.includes("--json") ? JSON.stringify(report, null, 2) : formatGasTable(report));
}

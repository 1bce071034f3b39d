/**
 * Setting up a project's chain, idempotently: everything VERIFIED needs — ReceiptLogs and a
 * ModelTimeline deployed, a log created by the operator, the anchoring account and the serving
 * node granted, the timeline bound, the manifest's models registered with their versions
 * published and deployed — and nothing that is already there. `showwork dev` runs it on its local
 * chain; `showwork init --rpc` plans it first (what it would send and spend), then runs it.
 *
 * @module
 */
import {
  concatHex,
  encodeAbiParameters,
  encodeFunctionData,
  getAddress,
  keccak256,
  toHex,
  type Address,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
  type WalletClient,
} from "viem";
import type { PrivateKeyAccount } from "viem/accounts";

import { modelTimelineAbi, receiptLogsAbi } from "../contracts/abis.js";
import { ShowworkError } from "../errors.js";
import { modelIdFromName } from "../receipt/modelId.js";
import { modelTimelineBytecode, receiptLogsBytecode } from "../service/chain/setupLog.js";

/** The log salt projects use by default: one log per operator and project name. */
export function logSalt(name: string): Hex {
  return keccak256(toHex(`showwork log ${name}`));
}

/** The version digest `showwork dev --model NAME` declares for a model without one (its "v1"). */
export function devModelDigest(name: string): Hex {
  return keccak256(toHex(`showwork dev model ${name} v1`));
}

/** What the set-up needs to reach. */
export interface SetupTarget {
  /** Already deployed contracts to reuse (checked: code present, timeline governed by the ReceiptLogs). */
  readonly receiptLogs?: Address | undefined;
  readonly modelTimeline?: Address | undefined;
  /** The log's salt (the log id is computeLogId(operator, salt)). */
  readonly salt: Hex;
  readonly anchorer: Address;
  readonly node: Address;
  /** Models to register, each with the version to have active. */
  readonly models: readonly { readonly name: string; readonly weightsDigest: Hex }[];
}

/** One transaction of the set-up. */
export interface SetupStep {
  readonly kind: "deploy-receipt-logs" | "deploy-model-timeline" | "create-log" | "grant-anchorer" | "grant-signer" | "bind-timeline" | "register-model" | "publish-version" | "deploy-version";
  /** What it does, for people. */
  readonly what: string;
  /** Gas this kind of step takes at most (for the spending estimate). */
  readonly gas: bigint;
}

/** Gas per kind of step, at most (measured on the production build, rounded up with a margin). */
export const STEP_GAS: Readonly<Record<SetupStep["kind"], bigint>> = {
  "deploy-receipt-logs": 4_500_000n,
  "deploy-model-timeline": 4_500_000n,
  "create-log": 150_000n,
  "grant-anchorer": 80_000n,
  "grant-signer": 150_000n,
  "bind-timeline": 80_000n,
  "register-model": 150_000n,
  "publish-version": 200_000n,
  "deploy-version": 200_000n,
};

/** The state found and the steps still to do. */
export interface SetupPlan {
  readonly operator: Address;
  readonly receiptLogs: Address | undefined;
  readonly modelTimeline: Address | undefined;
  readonly logId: Hex | undefined;
  readonly steps: readonly SetupStep[];
  /** Sum of the steps' gas bounds. */
  readonly gas: bigint;
}

/** The set-up cannot be done as asked (a contract that is not ours, a log bound to another timeline, ...). */
export class SetupError extends ShowworkError {
  override name = "SetupError";
}

const step = (kind: SetupStep["kind"], what: string): SetupStep => ({ kind, what, gas: STEP_GAS[kind] });

async function hasCode(client: PublicClient, address: Address): Promise<boolean> {
  const code = await client.getCode({ address });
  return code !== undefined && code !== "0x";
}

/**
 * Reads the chain and lists what is missing (no transaction is sent).
 * @throws {SetupError} when the existing state contradicts the target (e.g. the log is bound to another timeline).
 */
export async function planSetup(client: PublicClient, operator: Address, target: SetupTarget): Promise<SetupPlan> {
  const steps: SetupStep[] = [];
  const receiptLogs = target.receiptLogs;
  if (receiptLogs !== undefined && !(await hasCode(client, receiptLogs))) {
    throw new SetupError(`No contract at ReceiptLogs ${receiptLogs} on this chain.`, {
      metaMessages: ["Do: fix chains[0].receiptLogs in .showwork/config.json (or remove it to deploy one)."],
    });
  }
  if (receiptLogs === undefined) steps.push(step("deploy-receipt-logs", "deploy ReceiptLogs"));
  let modelTimeline = target.modelTimeline;
  if (modelTimeline !== undefined) {
    if (!(await hasCode(client, modelTimeline))) {
      throw new SetupError(`No contract at ModelTimeline ${modelTimeline} on this chain.`, { metaMessages: ["Do: fix chains[0].modelTimeline (or remove it to deploy one)."] });
    }
    const governs = await client.readContract({ address: modelTimeline, abi: modelTimelineAbi, functionName: "receiptLogs" });
    if (receiptLogs === undefined || getAddress(governs) !== getAddress(receiptLogs)) {
      throw new SetupError(`The ModelTimeline ${modelTimeline} belongs to ReceiptLogs ${governs}, not to ${receiptLogs ?? "the one to deploy"}.`, {
        metaMessages: ["Do: use the pair from one deployment (the deployments record), or remove modelTimeline to deploy one."],
      });
    }
  } else {
    steps.push(step("deploy-model-timeline", "deploy ModelTimeline (governed by the ReceiptLogs)"));
  }
  const logId = receiptLogs === undefined ? undefined : await client.readContract({ address: receiptLogs, abi: receiptLogsAbi, functionName: "computeLogId", args: [operator, target.salt] });
  const exists = receiptLogs !== undefined && logId !== undefined && (await client.readContract({ address: receiptLogs, abi: receiptLogsAbi, functionName: "logExists", args: [logId] }));
  const fresh = !exists;
  if (fresh) steps.push(step("create-log", "create the log (the operator administers it)"));
  const read = async <T>(fn: () => Promise<T>, otherwise: T): Promise<T> => (fresh || receiptLogs === undefined ? otherwise : fn());
  if (!(await read(() => client.readContract({ address: receiptLogs!, abi: receiptLogsAbi, functionName: "isAnchorer", args: [logId!, target.anchorer] }), false))) {
    steps.push(step("grant-anchorer", `grant the anchoring account ${target.anchorer}`));
  }
  if (!(await read(() => client.readContract({ address: receiptLogs!, abi: receiptLogsAbi, functionName: "isSigner", args: [logId!, target.node] }), false))) {
    steps.push(step("grant-signer", `authorise the serving node ${target.node}`));
  }
  const bound = await read(() => client.readContract({ address: receiptLogs!, abi: receiptLogsAbi, functionName: "logTimeline", args: [logId!] }), "0x0000000000000000000000000000000000000000" as Address);
  if (BigInt(bound) === 0n) {
    steps.push(step("bind-timeline", "bind the log to the ModelTimeline"));
  } else if (modelTimeline !== undefined && getAddress(bound) !== getAddress(modelTimeline)) {
    throw new SetupError(`The log ${logId} is bound to the timeline ${bound}, not to ${modelTimeline} (a log's timeline is bound once).`, {
      metaMessages: [`Do: set chains[0].modelTimeline to ${bound}.`],
    });
  } else {
    modelTimeline = getAddress(bound);
  }
  for (const model of target.models) {
    const modelId = modelIdFromName(model.name);
    const known = modelTimeline !== undefined && !fresh;
    const info = known ? await client.readContract({ address: modelTimeline!, abi: modelTimelineAbi, functionName: "modelInfo", args: [logId!, modelId] }) : undefined;
    if (!info?.registered) steps.push(step("register-model", `register the model "${model.name}"`));
    const version = info?.registered
      ? await client.readContract({ address: modelTimeline!, abi: modelTimelineAbi, functionName: "versionInfo", args: [logId!, modelId, model.weightsDigest] })
      : undefined;
    if (version === undefined || version.version === 0) steps.push(step("publish-version", `publish "${model.name}" version ${model.weightsDigest.slice(0, 10)}…`));
    const active = info?.registered ? await client.readContract({ address: modelTimeline!, abi: modelTimelineAbi, functionName: "activeVersion", args: [logId!, modelId] }) : undefined;
    if (active === undefined || active.toLowerCase() !== model.weightsDigest.toLowerCase()) {
      steps.push(step("deploy-version", `deploy "${model.name}" version ${model.weightsDigest.slice(0, 10)}… (make it the active one)`));
    }
  }
  return { operator, receiptLogs, modelTimeline, logId: exists ? logId : undefined, steps, gas: steps.reduce((sum, s) => sum + s.gas, 0n) };
}

/** The outcome of {@link runSetup}. */
export interface SetupResult {
  readonly receiptLogs: Address;
  readonly modelTimeline: Address;
  readonly logId: Hex;
  /** Transactions sent (none when everything was there). */
  readonly transactions: readonly { readonly what: string; readonly hash: Hex; readonly gasUsed: bigint; readonly blockNumber: bigint }[];
  /** The first block of the set-up (where event scans can start), when contracts were deployed now. */
  readonly deploymentBlock: bigint | undefined;
}

/**
 * Sends the missing steps, in order, signed by the operator, each waited for (`confirmations`).
 * Run {@link planSetup} first when the caller must show or confirm the plan; this re-plans itself.
 */
export async function runSetup(
  client: PublicClient,
  wallet: WalletClient & { account: PrivateKeyAccount },
  target: SetupTarget,
  options: { readonly confirmations?: number; readonly onStep?: (what: string, hash: Hex) => void } = {},
): Promise<SetupResult> {
  const operator = wallet.account.address;
  const plan = await planSetup(client, operator, target);
  const transactions: { what: string; hash: Hex; gasUsed: bigint; blockNumber: bigint }[] = [];
  let deploymentBlock: bigint | undefined;
  const send = async (what: string, tx: { to?: Address; data: Hex }): Promise<TransactionReceipt> => {
    const hash = await wallet.sendTransaction({ account: wallet.account, chain: wallet.chain ?? null, ...(tx.to === undefined ? {} : { to: tx.to }), data: tx.data });
    options.onStep?.(what, hash);
    const receipt = await client.waitForTransactionReceipt({ hash, confirmations: options.confirmations ?? 1, pollingInterval: 100 });
    if (receipt.status !== "success") throw new SetupError(`${what}: the transaction reverted (tx ${hash}, block ${receipt.blockNumber}).`);
    transactions.push({ what, hash, gasUsed: receipt.gasUsed, blockNumber: receipt.blockNumber });
    return receipt;
  };
  const has = (kind: SetupStep["kind"], what?: string): boolean => plan.steps.some((s) => s.kind === kind && (what === undefined || s.what.includes(what)));

  let receiptLogs = plan.receiptLogs;
  if (receiptLogs === undefined) {
    const receipt = await send("deploy ReceiptLogs", { data: await receiptLogsBytecode() });
    receiptLogs = getAddress(receipt.contractAddress!);
    deploymentBlock = receipt.blockNumber;
  }
  let modelTimeline = plan.modelTimeline;
  if (modelTimeline === undefined) {
    const data = concatHex([await modelTimelineBytecode(), encodeAbiParameters([{ type: "address" }], [receiptLogs])]);
    const receipt = await send("deploy ModelTimeline", { data });
    modelTimeline = getAddress(receipt.contractAddress!);
    deploymentBlock ??= receipt.blockNumber;
  }
  const logs = (functionName: string, args: readonly unknown[]): { to: Address; data: Hex } => ({
    to: receiptLogs!,
    data: encodeFunctionData({ abi: receiptLogsAbi, functionName, args } as Parameters<typeof encodeFunctionData>[0]),
  });
  const timeline = (functionName: string, args: readonly unknown[]): { to: Address; data: Hex } => ({
    to: modelTimeline!,
    data: encodeFunctionData({ abi: modelTimelineAbi, functionName, args } as Parameters<typeof encodeFunctionData>[0]),
  });
  if (has("create-log")) await send("create the log", logs("createLog", [target.salt, 0]));
  const logId = await client.readContract({ address: receiptLogs, abi: receiptLogsAbi, functionName: "computeLogId", args: [operator, target.salt] });
  if (has("grant-anchorer")) await send(`grant the anchoring account ${target.anchorer}`, logs("grantAnchorer", [logId, target.anchorer]));
  if (has("grant-signer")) await send(`authorise the serving node ${target.node}`, logs("grantSigner", [logId, target.node]));
  if (has("bind-timeline")) await send("bind the log to the ModelTimeline", logs("bindTimeline", [logId, modelTimeline]));
  for (const model of target.models) {
    const modelId = modelIdFromName(model.name);
    if (has("register-model", `"${model.name}"`)) await send(`register the model "${model.name}"`, timeline("registerModel", [logId, modelId, model.name]));
    if (has("publish-version", `"${model.name}"`)) await send(`publish "${model.name}" version ${model.weightsDigest}`, timeline("publishVersion", [logId, modelId, model.weightsDigest, ""]));
    if (has("deploy-version", `"${model.name}"`)) await send(`deploy "${model.name}" version ${model.weightsDigest}`, timeline("deployVersion", [logId, modelId, model.weightsDigest]));
  }
  return { receiptLogs, modelTimeline, logId, transactions, deploymentBlock };
}

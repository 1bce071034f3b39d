/**
 * Deployment rehearsal: everything a testnet deployment does, against real
 * `hardhat node` processes on 127.0.0.1 (no testnet is reachable here).
 *
 * 1. A copy of the project without deployment state (cache/deploy-rehearsal/);
 *    a `hardhat node` (chain 31337); a fresh, funded deployer key.
 * 2. The command a user runs for a testnet, `npm run deploy -- --network
 *    custom`, with the RPC URL and key from configuration variables
 *    (environment), exactly as `--network sepolia` takes SEPOLIA_RPC_URL and
 *    DEPLOYER_PRIVATE_KEY.
 * 3. An operator anchors a batch; a third party verifies a bundle using only
 *    the deployments record, the bundle and the RPC URL.
 * 4. Redeploying sends nothing and changes nothing.
 * 5. A second node with another chain id (a public-chain stand-in) where a
 *    third party already deployed ReceiptLogs: another deployer sends only the
 *    two missing contracts and gets the same addresses, recorded in the
 *    committed record.
 * 6. Source verification against a fake Etherscan on 127.0.0.1 (and
 *    unreachable Blockscout/Sourcify endpoints).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { expect } from "chai";
import { configVariable } from "hardhat/config";
import { createHardhatRuntimeEnvironment } from "hardhat/hre";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { EthereumProvider } from "hardhat/types/providers";
import {
  createPublicClient,
  createWalletClient,
  encodeAbiParameters,
  getContractAddress,
  http,
  keccak256,
  parseAbi,
  parseEventLogs,
  toHex,
  zeroHash,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import config from "../../hardhat.config.js";
import { buildBundle, parseBundle, ReceiptTree, toBundleJson, verifyBundleOffline } from "../../sdk/index.js";
import { buildReceipt } from "../../sdk/receipt/index.js";
import { receiptLogsAbi } from "../../sdk/contracts/abis.js";
import { CONTRACT_NAMES, getDeployment, type ChainDeployment } from "../../sdk/deployments/index.js";
import { readDeploymentsFile } from "../../sdk/deployments/readDeploymentsFile.js";
import { CREATE2_SALT, CREATEX_ADDRESS, guardedSalt } from "../../scripts/deploy/create2.js";
import { ensureCreateX } from "../../scripts/deploy/createx.js";
import { verifySources } from "../../scripts/deploy/verify-sources.js";
import { startFakeExplorer, type FakeExplorer } from "./fake-explorer.js";
import { childEnv, copyProject, freePort, removeDeploymentState, run, startHardhatNode, type LocalNode } from "./local-node.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** A chain id that is neither a development chain nor a known network: a testnet stand-in. */
const SECOND_CHAIN_ID = 999001;

async function fund(node: LocalNode, address: Address): Promise<void> {
  const client = createPublicClient({ transport: http(node.url) });
  await client.request({ method: "hardhat_setBalance" as never, params: [address, toHex(10n ** 19n)] as never });
}

/** `npm run deploy -- --network custom`, pointed at `node`, signing with `privateKey`. */
async function deploy(cwd: string, node: LocalNode, privateKey: Hex, env: Record<string, string> = {}): Promise<string> {
  const result = await run(
    "npm",
    ["run", "deploy", "--", "--network", "custom"],
    cwd,
    childEnv({ CUSTOM_RPC_URL: node.url, DEPLOYER_PRIVATE_KEY: privateKey, HARDHAT_IGNITION_CONFIRM_DEPLOYMENT: "1", ...env }),
  );
  expect(result.code, `npm run deploy failed:\n${result.output}`).to.equal(0);
  return result.output;
}

describe("deployment rehearsal against `hardhat node` on 127.0.0.1", function () {
  this.timeout(900_000);

  let project: string;
  const nodes: LocalNode[] = [];
  let node: LocalNode;
  let client: PublicClient;
  const deployerKey = generatePrivateKey();
  let second: LocalNode;
  const localRecord = (): string => path.join(project, "deployments", "local.json");
  const committedRecord = (): string => path.join(project, "deployments", "deployments.json");

  before(async () => {
    project = await copyProject(root);
    node = await startHardhatNode(project);
    nodes.push(node);
    client = createPublicClient({ transport: http(node.url) });
  });

  after(async () => {
    for (const n of nodes) await n.stop();
    if (project !== undefined) await removeDeploymentState(project);
  });

  it("deploys with the user's command and records chain 31337 in the local record only", async () => {
    await fund(node, privateKeyToAccount(deployerKey).address);
    const committedBefore = await readFile(path.join(project, "deployments", "deployments.json"), "utf8");

    const output = await deploy(project, node, deployerKey);
    expect(output).to.contain("Recorded chain 31337 in deployments/local.json");
    expect(output).to.contain("Source verification skipped: chain 31337 is a local development chain");

    const deployment = getDeployment(31337, { record: readDeploymentsFile(localRecord()) });
    for (const name of CONTRACT_NAMES) {
      const c = deployment.contracts[name];
      // The address follows from the recorded factory, salt and init code hash alone.
      expect(
        getContractAddress({
          opcode: "CREATE2",
          from: deployment.create2.factory,
          salt: guardedSalt(deployment.create2.salt),
          bytecodeHash: c.initCodeHash,
        }),
      ).to.equal(c.address);
      expect(await client.getCode({ address: c.address }), `${name} has no code`).to.not.equal(undefined);
      const receipt = await client.getTransactionReceipt({ hash: c.txHash });
      expect(Number(receipt.blockNumber)).to.equal(c.blockNumber);
      expect(receipt.to?.toLowerCase()).to.equal(deployment.create2.factory.toLowerCase());
    }
    expect(deployment.contracts.ModelTimeline.constructorArgs).to.deep.equal([deployment.contracts.ReceiptLogs.address]);
    expect(deployment.compiler.buildProfile).to.equal("production");
    // The rehearsal never touches the committed testnet record.
    expect(await readFile(path.join(project, "deployments", "deployments.json"), "utf8")).to.equal(committedBefore);
  });

  it("anchors a batch, and a third party verifies a bundle with only the record, the bundle and the RPC URL", async () => {
    // --- the operator: create a log, anchor one batch of receipts.
    const operatorKey = generatePrivateKey();
    const operator = privateKeyToAccount(operatorKey);
    await fund(node, operator.address);
    const operatorRecord = getDeployment(31337, { record: readDeploymentsFile(localRecord()) });
    const logs = operatorRecord.contracts.ReceiptLogs.address;
    const wallet = createWalletClient({ account: operator, transport: http(node.url) });
    const chain = { id: 31337, name: "rehearsal", nativeCurrency: { name: "ETH", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [node.url] } } } as const;
    const send = async (functionName: "createLog" | "grantAnchorer" | "anchor", args: readonly unknown[]): Promise<Hex> => {
      const hash = await wallet.writeContract({ chain, address: logs, abi: receiptLogsAbi, functionName, args } as never);
      const receipt = await client.waitForTransactionReceipt({ hash });
      expect(receipt.status).to.equal("success");
      return hash;
    };
    const logSalt = keccak256(toHex("rehearsal-log"));
    await send("createLog", [logSalt, 3600]);
    const logId = await client.readContract({ address: logs, abi: receiptLogsAbi, functionName: "computeLogId", args: [operator.address, logSalt] });
    await send("grantAnchorer", [logId, operator.address]);

    const receipts = Array.from({ length: 5 }, (_, i) =>
      buildReceipt({
        model: { name: "rehearsal-model", weightsDigest: keccak256(toHex("weights-v1")) },
        promptTemplate: { digest: keccak256(toHex("template")), version: 1 },
        retrievalIndexDigest: zeroHash,
        memoryDigest: zeroHash,
        input: `question ${i}`,
        output: `answer ${i}`,
        sampling: { temperature: 0, seed: i },
        servingNode: operator.address,
        sequence: i,
      }).receipt,
    );
    const tree = ReceiptTree.of(receipts);
    const anchorHash = await send("anchor", [logId, 0n, tree.root, BigInt(receipts.length)]);
    const anchorReceipt = await client.getTransactionReceipt({ hash: anchorHash });
    const bundleJson = JSON.stringify(
      toBundleJson(
        buildBundle({
          tree,
          receipt: receipts[3]!,
          anchor: { chainId: 31337, contract: logs, logId, batchIndex: 0, txHash: anchorHash, blockNumber: Number(anchorReceipt.blockNumber) },
          timeline: { contract: operatorRecord.contracts.ModelTimeline.address },
        }),
      ),
    );

    // --- the third party: the bundle (JSON), the deployments record, an RPC URL. Nothing else.
    const bundle = parseBundle(JSON.parse(bundleJson));
    const deployment: ChainDeployment = getDeployment(bundle.anchor.chainId, { record: readDeploymentsFile(localRecord()) });
    const rpc = createPublicClient({ transport: http(node.url) });
    expect(await rpc.getChainId()).to.equal(bundle.anchor.chainId);
    expect(bundle.anchor.contract).to.equal(deployment.contracts.ReceiptLogs.address);
    expect(bundle.timeline?.contract).to.equal(deployment.contracts.ModelTimeline.address);
    const root = await verifyBundleOffline(bundle);
    const anchoredRoot = await rpc.readContract({
      address: deployment.contracts.ReceiptLogs.address,
      abi: receiptLogsAbi,
      functionName: "batchRoot",
      args: [bundle.anchor.logId, BigInt(bundle.anchor.batchIndex)],
    });
    expect(anchoredRoot).to.equal(root);
    const included = await rpc.readContract({
      address: deployment.contracts.ReceiptLogs.address,
      abi: receiptLogsAbi,
      functionName: "verifyInclusion",
      args: [bundle.anchor.logId, BigInt(bundle.anchor.batchIndex), bundle.leaf, bundle.proof],
    });
    expect(included).to.equal(true);
    // The anchoring event is found by scanning from the recorded deployment block.
    const events = parseEventLogs({
      abi: receiptLogsAbi,
      eventName: "BatchAnchored",
      logs: await rpc.getLogs({ address: deployment.contracts.ReceiptLogs.address, fromBlock: BigInt(deployment.deploymentBlock) }),
    });
    const anchored = events.find((e) => e.args.logId === bundle.anchor.logId && e.args.index === BigInt(bundle.anchor.batchIndex));
    expect(anchored?.args.root).to.equal(root);
    expect(anchored?.transactionHash).to.equal(bundle.anchor.txHash);

    // A tampered proof fails both offline and on-chain.
    const flipped = [...bundle.proof];
    flipped[0] = `0x${(BigInt(flipped[0]!) ^ 1n).toString(16).padStart(64, "0")}` as Hex;
    let offlineError: unknown;
    try {
      await verifyBundleOffline({ ...bundle, proof: flipped });
    } catch (error) {
      offlineError = error;
    }
    expect(offlineError, "a tampered proof must not verify offline").to.be.instanceOf(Error);
    expect(
      await rpc.readContract({
        address: deployment.contracts.ReceiptLogs.address,
        abi: receiptLogsAbi,
        functionName: "verifyInclusion",
        args: [bundle.anchor.logId, BigInt(bundle.anchor.batchIndex), bundle.leaf, flipped],
      }),
    ).to.equal(false);
  });

  it("redeploying is idempotent: same addresses, no transaction, identical record", async () => {
    const before = await readFile(localRecord(), "utf8");
    const deployer = privateKeyToAccount(deployerKey).address;
    const blockBefore = await client.getBlockNumber();
    const nonceBefore = await client.getTransactionCount({ address: deployer });

    const output = await deploy(project, node, deployerKey);
    expect(output).to.contain("Nothing to deploy");

    expect(await client.getBlockNumber()).to.equal(blockBefore);
    expect(await client.getTransactionCount({ address: deployer })).to.equal(nonceBefore);
    expect(await readFile(localRecord(), "utf8")).to.equal(before);
  });

  it("a second chain (id 999001) where a third party already deployed ReceiptLogs: only the rest is sent, same addresses", async () => {
    second = await startHardhatNode(project, { chainId: SECOND_CHAIN_ID });
    nodes.push(second);
    const secondClient = createPublicClient({ transport: http(second.url) });

    // A third party puts the canonical ReceiptLogs there first, straight through CreateX.
    const thirdParty = privateKeyToAccount(generatePrivateKey());
    await fund(second, thirdParty.address);
    const asProvider = { request: (args: { method: string; params?: unknown }) => secondClient.request(args as never) } as unknown as EthereumProvider;
    expect(await ensureCreateX(secondClient, asProvider)).to.equal("installed");
    const artifact = JSON.parse(
      await readFile(path.join(project, "artifacts", "contracts", "ReceiptLogs.sol", "ReceiptLogs.json"), "utf8"),
    ) as { bytecode: Hex };
    const thirdPartyTx = await createWalletClient({ account: thirdParty, transport: http(second.url) }).writeContract({
      chain: null,
      address: CREATEX_ADDRESS,
      abi: parseAbi(["function deployCreate2(bytes32 salt, bytes initCode) payable returns (address)"]),
      functionName: "deployCreate2",
      args: [CREATE2_SALT, artifact.bytecode],
    });
    expect((await secondClient.waitForTransactionReceipt({ hash: thirdPartyTx })).status).to.equal("success");

    const otherKey = generatePrivateKey();
    await fund(second, privateKeyToAccount(otherKey).address);
    // Not a development chain: like a testnet, it goes to deployments/deployments.json (of the copy). Explorer
    // verification is skipped here because the child's config knows no explorer for this chain id (hardhat-verify
    // would look it up online); the next test verifies in-process against a fake explorer.
    const output = await deploy(project, second, otherKey, { SHOWWORK_SKIP_VERIFY: "1" });
    expect(output).to.contain(`Recorded chain ${SECOND_CHAIN_ID} in deployments/deployments.json`);
    expect(output).to.contain("Found ReceiptLogs's creation transaction from the factory's events");
    expect(output).to.not.contain("Deploying ReceiptLogs");
    expect(output).to.contain("Deploying ModelTimeline");
    expect(output).to.contain("Deploying AnswerEscrow");
    expect(await secondClient.getTransactionCount({ address: privateKeyToAccount(otherKey).address })).to.equal(2);
    expect(output).to.contain("Source verification skipped (SHOWWORK_SKIP_VERIFY=1)");

    const first = getDeployment(31337, { record: readDeploymentsFile(localRecord()) });
    const other = getDeployment(SECOND_CHAIN_ID, { record: readDeploymentsFile(committedRecord()) });
    expect(() => getDeployment(SECOND_CHAIN_ID, { record: readDeploymentsFile(localRecord()) })).to.throw(/No showwork deployment/);
    for (const name of CONTRACT_NAMES) {
      expect(other.contracts[name].address, name).to.equal(first.contracts[name].address);
      expect(other.contracts[name].initCodeHash, name).to.equal(first.contracts[name].initCodeHash);
    }
    expect(other.contracts.ReceiptLogs.txHash).to.equal(thirdPartyTx);
    expect(await secondClient.getChainId()).to.equal(SECOND_CHAIN_ID);
    expect(await secondClient.getCode({ address: other.contracts.ReceiptLogs.address })).to.equal(
      await client.getCode({ address: first.contracts.ReceiptLogs.address }),
    );
  });

  it("verifies the sources on the chain's explorers: submits to Etherscan, skips unreachable ones, reports rejections", async () => {
    const deployment = getDeployment(SECOND_CHAIN_ID, { record: readDeploymentsFile(committedRecord()) });
    const unreachable = `http://127.0.0.1:${await freePort()}`; // nothing listens there
    const explorers: FakeExplorer[] = [];
    const hreFor = async (explorer: FakeExplorer | undefined): Promise<HardhatRuntimeEnvironment> =>
      createHardhatRuntimeEnvironment(
        {
          ...config,
          // Without the keystore plugin a missing API key reads as unset instead of asking for a password.
          plugins: (config.plugins ?? []).filter((p) => p.id !== "hardhat-keystore"),
          chainDescriptors: {
            [SECOND_CHAIN_ID]: {
              name: "Rehearsal testnet",
              blockExplorers: {
                etherscan: { name: "Fake Etherscan", url: "http://127.0.0.1", apiUrl: explorer?.apiUrl ?? unreachable },
                blockscout: { name: "Blockscout", url: unreachable, apiUrl: `${unreachable}/api` },
              },
            },
          },
          networks: { ...config.networks, rehearsalTestnet: { type: "http", url: second.url } },
          verify: {
            etherscan: { apiKey: explorer === undefined ? configVariable("SHOWWORK_REHEARSAL_UNSET_KEY") : "rehearsal-key" },
            sourcify: { apiUrl: unreachable },
          },
        },
        { network: "rehearsalTestnet", buildProfile: "production" },
        project,
      );
    const quietly = async <T>(action: () => Promise<T>): Promise<T> => {
      const log = console.log;
      console.log = () => {};
      try {
        return await action();
      } finally {
        console.log = log;
      }
    };
    try {
      const explorer = await startFakeExplorer();
      explorers.push(explorer);
      const outcomes = await quietly(async () => verifySources(await hreFor(explorer), deployment));
      const byProvider = Object.fromEntries(outcomes.map((o) => [o.provider, o]));
      expect(byProvider.etherscan, JSON.stringify(outcomes)).to.deep.include({ status: "verified", message: "ReceiptLogs, ModelTimeline, AnswerEscrow" });
      expect(byProvider.blockscout?.status).to.equal("skipped");
      expect(byProvider.blockscout?.message).to.match(/^explorer not reachable/);
      expect(byProvider.sourcify?.status).to.equal("skipped");
      expect(byProvider.sourcify?.message).to.match(/^explorer not reachable/);

      // Hardhat 3 compiles project sources under the input source name "project/<path>".
      expect(explorer.submissions.map((s) => s.contractname)).to.deep.equal(
        CONTRACT_NAMES.map((n) => `project/${deployment.contracts[n].sourceName}:${n}`),
      );
      for (const s of explorer.submissions) {
        expect(s.apikey).to.equal("rehearsal-key");
        expect(s.chainid).to.equal(String(SECOND_CHAIN_ID));
        expect(s.codeformat).to.equal("solidity-standard-json-input");
        expect(`${s.compilerversion.replace(/^v/, "")}`).to.equal(deployment.compiler.solcVersion);
        const input = JSON.parse(s.sourceCode) as { settings: { optimizer: unknown; evmVersion: string } };
        expect(input.settings.optimizer).to.deep.equal(deployment.compiler.settings.optimizer);
        expect(input.settings.evmVersion).to.equal(deployment.compiler.settings.evmVersion);
      }
      const receiptLogsArg = encodeAbiParameters([{ type: "address" }], [deployment.contracts.ReceiptLogs.address]).slice(2);
      expect(explorer.submissions.map((s) => s.constructorArguments)).to.deep.equal(["", receiptLogsArg, receiptLogsArg]);

      // An explorer that rejects the sources: a failure, not a skip.
      const rejecting = await startFakeExplorer();
      explorers.push(rejecting);
      rejecting.verdict = "fail";
      const rejected = await quietly(async () => verifySources(await hreFor(rejecting), deployment));
      expect(rejected.find((o) => o.provider === "etherscan")?.status).to.equal("failed");

      // No API key: Etherscan is skipped with what to do.
      const keyless = await quietly(async () => verifySources(await hreFor(undefined), deployment));
      expect(keyless.find((o) => o.provider === "etherscan")).to.deep.include({ status: "skipped" });
      expect(keyless.find((o) => o.provider === "etherscan")?.message).to.contain("keystore set ETHERSCAN_API_KEY");
    } finally {
      for (const e of explorers) await e.close();
    }
  });

});

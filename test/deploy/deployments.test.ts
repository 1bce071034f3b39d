import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { expect } from "chai";
import { network } from "hardhat";
import { getContractAddress, keccak256, parseAbi, parseEventLogs, type Hex } from "viem";

import { CREATE2_SALT, CREATEX_ADDRESS, guardedSalt, predictCreate2Address } from "../../scripts/deploy/create2.js";
import { ensureCreateX } from "../../scripts/deploy/createx.js";
import {
  COMMITTED_RECORD_PATH,
  DEVELOPMENT_CHAIN_IDS,
  LOCAL_RECORD_PATH,
  recordPathFor,
  withDeployment,
} from "../../scripts/deploy/record-file.js";
import { ShowworkError } from "../../sdk/errors.js";
import {
  committedDeployments,
  DeploymentNotFoundError,
  emptyDeploymentsRecord,
  getDeployment,
  InvalidChainIdError,
  InvalidDeploymentsRecordError,
  listDeployments,
  parseDeploymentsRecord,
  type ChainDeployment,
} from "../../sdk/deployments/index.js";
import { readDeploymentsFile } from "../../sdk/deployments/readDeploymentsFile.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const FIXTURE = path.join(here, "fixtures", "deployments-v1.json");

/** A fresh, mutable copy of the frozen v1 fixture. */
function fixtureJson(): { chains: Record<string, Record<string, unknown> & { contracts: Record<string, Record<string, unknown>> }> } & Record<string, unknown> {
  return JSON.parse(readFileSync(FIXTURE, "utf8"));
}

function expectInvalid(json: unknown, fieldPath: string): void {
  let caught: unknown;
  try {
    parseDeploymentsRecord(json);
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected the record to be rejected at ${fieldPath}`).to.be.instanceOf(InvalidDeploymentsRecordError);
  expect(caught).to.be.instanceOf(ShowworkError);
  expect((caught as InvalidDeploymentsRecordError).path).to.equal(fieldPath);
}

describe("deployments record (sdk/deployments)", () => {
  it("reloads the frozen v1 fixture and finds contracts by chain id alone", () => {
    const record = readDeploymentsFile(FIXTURE);
    const sepolia = getDeployment(11155111, { record });
    expect(sepolia.chainName).to.equal("Sepolia");
    expect(sepolia.contracts.ReceiptLogs.address).to.equal("0x4000000000000000000000000000000000000004");
    expect(sepolia.contracts.ModelTimeline.constructorArgs).to.deep.equal([sepolia.contracts.ReceiptLogs.address]);
    expect(sepolia.deploymentBlock).to.equal(7000);
    expect(sepolia.previous).to.have.length(1);
    expect(sepolia.previous[0]!.contracts.ReceiptLogs.address).to.equal("0x1000000000000000000000000000000000000001");
    expect(getDeployment(84532n, { record }).network).to.equal("baseSepolia");
    expect(listDeployments({ record }).map((d) => d.chainId)).to.deep.equal([84532, 11155111]);
    // Parsing is stable: what we read is what we would write.
    expect(parseDeploymentsRecord(JSON.parse(JSON.stringify(record)))).to.deep.equal(record);
  });

  it("says which chains it knows when asked for an unknown one", () => {
    const record = readDeploymentsFile(FIXTURE);
    let caught: unknown;
    try {
      getDeployment(10, { record });
    } catch (error) {
      caught = error;
    }
    expect(caught).to.be.instanceOf(DeploymentNotFoundError);
    expect(caught).to.be.instanceOf(ShowworkError);
    expect((caught as DeploymentNotFoundError).chainId).to.equal(10);
    expect((caught as Error).message).to.contain("No showwork deployment is recorded for chain 10");
    expect((caught as Error).message).to.contain("84532, 11155111");
    expect(() => getDeployment(0, { record })).to.throw(InvalidChainIdError);
    expect(() => getDeployment(1.5, { record })).to.throw(InvalidChainIdError);
    expect(() => getDeployment(2n ** 64n, { record })).to.throw(InvalidChainIdError);
  });

  it("rejects malformed records and names the offending field", () => {
    expectInvalid({ ...fixtureJson(), format: "showwork/deployments@2" }, "format");
    expectInvalid({ format: "showwork/deployments@1" }, "chains");
    let j = fixtureJson();
    j.chains["84532"]!.chainId = 1;
    expectInvalid(j, "chains.84532.chainId");
    j = fixtureJson();
    j.chains["84532"]!.contracts.ReceiptLogs!.address = "0x1234";
    expectInvalid(j, "chains.84532.contracts.ReceiptLogs.address");
    j = fixtureJson();
    delete j.chains["84532"]!.contracts.AnswerEscrow;
    expectInvalid(j, "chains.84532.contracts.AnswerEscrow");
    j = fixtureJson();
    j.chains["84532"]!.contracts.Extra = j.chains["84532"]!.contracts.ReceiptLogs!;
    expectInvalid(j, "chains.84532.contracts.Extra");
    j = fixtureJson();
    j.chains["84532"]!.contracts.ModelTimeline!.txHash = "0xabc";
    expectInvalid(j, "chains.84532.contracts.ModelTimeline.txHash");
    j = fixtureJson();
    j.chains["84532"]!.deploymentBlock = 501;
    expectInvalid(j, "chains.84532.deploymentBlock");
    j = fixtureJson();
    j.chains["0x1"] = j.chains["84532"]!;
    expectInvalid(j, "chains.0x1");
  });

  it("the committed record parses and holds no development chain", () => {
    const committed = committedDeployments();
    const text = readFileSync(path.join(root, COMMITTED_RECORD_PATH), "utf8");
    expect(parseDeploymentsRecord(JSON.parse(text))).to.deep.equal(committed);
    for (const chainId of DEVELOPMENT_CHAIN_IDS) {
      expect(committed.chains[String(chainId)], `chain ${chainId} must stay out of ${COMMITTED_RECORD_PATH}`).to.equal(undefined);
    }
    for (const d of listDeployments()) {
      expect(d.create2.salt).to.equal(CREATE2_SALT);
      expect(d.create2.factory).to.equal(CREATEX_ADDRESS);
      expect(d.compiler.buildProfile).to.equal("production");
    }
  });

  it("keeps superseded deployments when a chain gets new addresses", () => {
    const record = readDeploymentsFile(FIXTURE);
    const current = getDeployment(84532, { record });
    const same = withDeployment(record, { ...current, deploymentBlock: current.deploymentBlock });
    expect(same.chains["84532"]!.previous).to.deep.equal([]);
    const moved: Omit<ChainDeployment, "previous"> = {
      ...current,
      contracts: {
        ...current.contracts,
        ReceiptLogs: { ...current.contracts.ReceiptLogs, address: "0x7000000000000000000000000000000000000007" },
      },
    };
    const next = withDeployment(record, moved);
    expect(next.chains["84532"]!.contracts.ReceiptLogs.address).to.equal("0x7000000000000000000000000000000000000007");
    expect(next.chains["84532"]!.previous.map((p) => p.contracts.ReceiptLogs.address)).to.deep.equal([
      current.contracts.ReceiptLogs.address,
    ]);
    // Going back to the old addresses does not duplicate them in `previous`.
    const back = withDeployment(next, current);
    expect(back.chains["84532"]!.previous.map((p) => p.contracts.ReceiptLogs.address)).to.deep.equal([
      "0x7000000000000000000000000000000000000007",
    ]);
    expect(withDeployment(emptyDeploymentsRecord(), current).chains["84532"]!.previous).to.deep.equal([]);
  });

  it("writes development chains to the local (git-ignored) record, others to the committed one", () => {
    const saved = process.env.SHOWWORK_DEPLOYMENTS_FILE;
    delete process.env.SHOWWORK_DEPLOYMENTS_FILE;
    try {
      expect(recordPathFor("/r", 31337)).to.equal(path.resolve("/r", LOCAL_RECORD_PATH));
      expect(recordPathFor("/r", 1337)).to.equal(path.resolve("/r", LOCAL_RECORD_PATH));
      expect(recordPathFor("/r", 11155111)).to.equal(path.resolve("/r", COMMITTED_RECORD_PATH));
      process.env.SHOWWORK_DEPLOYMENTS_FILE = "elsewhere/record.json";
      expect(recordPathFor("/r", 11155111)).to.equal(path.resolve("/r", "elsewhere/record.json"));
    } finally {
      if (saved === undefined) delete process.env.SHOWWORK_DEPLOYMENTS_FILE;
      else process.env.SHOWWORK_DEPLOYMENTS_FILE = saved;
    }
    const ignored = readFileSync(path.join(root, ".gitignore"), "utf8").split("\n");
    expect(ignored).to.include(LOCAL_RECORD_PATH);
  });
});

describe("CREATE2 through CreateX (scripts/deploy/create2.ts)", () => {
  it("uses a salt CreateX hashes without sender or chain id", () => {
    expect(guardedSalt(CREATE2_SALT)).to.equal(keccak256(CREATE2_SALT));
    expect(() => guardedSalt(`0x${"00".repeat(20)}${"11".repeat(12)}`)).to.throw(/20 zero bytes/);
    expect(() => guardedSalt("0x1234")).to.throw(/32 bytes/);
  });

  it("predicts the address the real CreateX deploys to (factory installed from its presigned transaction)", async () => {
    const { viem, provider } = await network.create();
    const publicClient = await viem.getPublicClient();
    const [wallet] = await viem.getWalletClients();
    expect(await ensureCreateX(publicClient, provider)).to.equal("installed");
    expect(await ensureCreateX(publicClient, provider)).to.equal("present");

    // A minimal contract: CODECOPY the 1 byte after the 12-byte init code and RETURN it as the runtime.
    const initCode: Hex = "0x6001600c60003960016000f3fe";
    const createX = parseAbi([
      "function deployCreate2(bytes32 salt, bytes initCode) payable returns (address)",
      "event ContractCreation(address indexed newContract, bytes32 indexed salt)",
    ]);
    const hash = await wallet!.writeContract({
      address: CREATEX_ADDRESS,
      abi: createX,
      functionName: "deployCreate2",
      args: [CREATE2_SALT, initCode],
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    const [created] = parseEventLogs({ abi: createX, logs: receipt.logs, eventName: "ContractCreation" });
    expect(created!.args.newContract).to.equal(predictCreate2Address(initCode));
    expect(created!.args.salt).to.equal(guardedSalt(CREATE2_SALT));
    // The same address from the init code hash alone (what the record stores).
    expect(
      getContractAddress({ opcode: "CREATE2", from: CREATEX_ADDRESS, salt: guardedSalt(CREATE2_SALT), bytecodeHash: keccak256(initCode) }),
    ).to.equal(created!.args.newContract);
  });
});

/**
 * The project config (sdk/config): finding it from the working directory upwards or SHOWWORK_CONFIG,
 * the secrets file (0600, ignored by git), environment overrides (and the deprecated names), and
 * errors that name the file and the field.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import { CONFIG_FORMAT, ConfigError, findConfigFile, loadConfig, parseConfig, writeConfig, type ShowworkConfig } from "../../sdk/config/index.js";

const KEY_A = `0x${"11".repeat(32)}` as const;
const KEY_B = `0x${"22".repeat(32)}` as const;
const ADDRESS = `0x${"ab".repeat(20)}` as const;
const LOG = `0x${"cd".repeat(32)}` as const;

const CONFIG: ShowworkConfig = {
  format: CONFIG_FORMAT,
  operator: ADDRESS,
  chains: [{ name: "local", chainId: 31337, rpc: ["http://127.0.0.1:18545"], receiptLogs: ADDRESS, modelTimeline: ADDRESS, logId: LOG, confirmations: 1 }],
  service: { url: "http://127.0.0.1:8787", store: ".showwork/store.sqlite" },
  evidence: { store: ".showwork/evidence.sqlite" },
  capture: { queue: ".showwork/queue.sqlite", models: { "gpt-test": { weightsDigest: `0x${"ee".repeat(32)}` } } },
};

function captureStderr<T>(fn: () => T): { result: T; stderr: string } {
  const write = process.stderr.write.bind(process.stderr);
  let stderr = "";
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  }) as typeof process.stderr.write;
  try {
    return { result: fn(), stderr };
  } finally {
    process.stderr.write = write;
  }
}

function expectConfigError(fn: () => unknown, ...parts: string[]): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    for (const part of parts) expect((error as Error).message).to.include(part);
    return error as ConfigError;
  }
  expect.fail("expected a ConfigError");
}

describe("project config (sdk/config)", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "showwork-config-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("writes config.json, secrets.json (0600) and a .gitignore that covers the secrets", () => {
    const written = writeConfig(dir, CONFIG, { operatorKey: KEY_A, nodeKey: KEY_B, serviceToken: "tok" });
    expect(statSync(written.secretsFile).mode & 0o777).to.equal(0o600);
    expect(readFileSync(written.gitignore, "utf8").split("\n")).to.include("secrets.json");
    expect(JSON.parse(readFileSync(written.file, "utf8"))).to.deep.equal(CONFIG);
    // Merging keeps the secrets already there.
    writeConfig(dir, CONFIG, { anchorerKey: KEY_B });
    const secrets = JSON.parse(readFileSync(written.secretsFile, "utf8")) as Record<string, string>;
    expect(secrets).to.deep.equal({ operatorKey: KEY_A, nodeKey: KEY_B, serviceToken: "tok", anchorerKey: KEY_B });
    expect(readFileSync(written.gitignore, "utf8").match(/secrets\.json/g)).to.have.length(1);
  });

  it("is found from a subfolder, and resolves its paths against the project root", () => {
    writeConfig(dir, CONFIG, { nodeKey: KEY_B });
    const sub = join(dir, "src", "deep");
    mkdirSync(sub, { recursive: true });
    const config = loadConfig({ cwd: sub, env: {} });
    expect(config.file).to.equal(join(dir, ".showwork", "config.json"));
    expect(config.root).to.equal(dir);
    expect(config.store).to.equal(join(dir, ".showwork", "store.sqlite"));
    expect(config.queue).to.equal(join(dir, ".showwork", "queue.sqlite"));
    expect(config.evidenceStore).to.equal(join(dir, ".showwork", "evidence.sqlite"));
    expect(config.rpc).to.deep.equal(["http://127.0.0.1:18545"]);
    expect(config.logId).to.equal(LOG);
    expect(config.secrets.nodeKey).to.equal(KEY_B);
    expect(config.models).to.deep.equal(CONFIG.capture!.models);
    expect(config.sources.logId).to.deep.include({ kind: "file", field: "chains[0].logId" });
  });

  it("SHOWWORK_CONFIG (a file or its folder) wins over the search; a missing target is an error naming it", () => {
    writeConfig(dir, CONFIG);
    const elsewhere = mkdtempSync(join(tmpdir(), "showwork-config-cwd-"));
    try {
      expect(findConfigFile({ cwd: elsewhere, env: {} })).to.equal(undefined);
      expect(findConfigFile({ cwd: elsewhere, env: { SHOWWORK_CONFIG: join(dir, ".showwork", "config.json") } })).to.equal(join(dir, ".showwork", "config.json"));
      expect(findConfigFile({ cwd: elsewhere, env: { SHOWWORK_CONFIG: dir } })).to.equal(join(dir, ".showwork", "config.json"));
      expectConfigError(() => findConfigFile({ cwd: elsewhere, env: { SHOWWORK_CONFIG: join(dir, "nope.json") } }), "SHOWWORK_CONFIG", "nope.json", "does not exist");
      expectConfigError(() => loadConfig({ cwd: elsewhere, env: {}, required: true }), "No showwork config found", "npx showwork dev");
      expect(loadConfig({ cwd: elsewhere, env: {} }).file).to.equal(undefined);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it("environment variables override the files", () => {
    writeConfig(dir, CONFIG, { nodeKey: KEY_B });
    const other = `0x${"99".repeat(20)}`;
    const config = loadConfig({
      cwd: dir,
      env: {
        SHOWWORK_NODE_KEY: KEY_A,
        SHOWWORK_RPC_URL: "http://127.0.0.1:1,http://127.0.0.1:2",
        SHOWWORK_RECEIPT_LOGS: other,
        SHOWWORK_LOG_ID: `0x${"0F".repeat(32)}`,
        SHOWWORK_SERVICE_URL: "http://127.0.0.1:9/",
        SHOWWORK_STORE: "postgres://u@127.0.0.1:5/db",
      },
    });
    expect(config.secrets.nodeKey).to.equal(KEY_A);
    expect(config.sources.nodeKey).to.deep.equal({ kind: "env", name: "SHOWWORK_NODE_KEY" });
    expect(config.rpc).to.deep.equal(["http://127.0.0.1:1", "http://127.0.0.1:2"]);
    expect(config.chains[0]!.rpc).to.deep.equal(["http://127.0.0.1:1", "http://127.0.0.1:2"]);
    expect(config.receiptLogs).to.equal(other);
    expect(config.logId).to.equal(`0x${"0f".repeat(32)}`);
    expect(config.serviceUrl).to.equal("http://127.0.0.1:9");
    expect(config.store).to.equal("postgres://u@127.0.0.1:5/db");
  });

  it("accepts the deprecated names with a one-line warning", () => {
    const other = `0x${"77".repeat(20)}`;
    const { result, stderr } = captureStderr(() => loadConfig({ cwd: dir, env: { SHOWWORK_CONTRACT: other, SHOWWORK_TOKEN: "old-token" } }));
    expect(result.receiptLogs).to.equal(other);
    expect(result.secrets.serviceToken).to.equal("old-token");
    expect(stderr).to.match(/SHOWWORK_CONTRACT is deprecated; use SHOWWORK_RECEIPT_LOGS/);
    expect(stderr).to.match(/SHOWWORK_TOKEN is deprecated; use SHOWWORK_SERVICE_TOKEN/);
  });

  it("errors name the file and the field", () => {
    const file = join(dir, "config.json");
    expectConfigError(() => parseConfig("{", file), file, "not valid JSON");
    expectConfigError(() => parseConfig(JSON.stringify({ ...CONFIG, format: "x" }), file), file, '"format"', CONFIG_FORMAT);
    expectConfigError(() => parseConfig(JSON.stringify({ ...CONFIG, chains: [{ ...CONFIG.chains[0], rpc: ["127.0.0.1:8545"] }] }), file), '"chains[0].rpc[0]"', "http(s)://");
    expectConfigError(() => parseConfig(JSON.stringify({ ...CONFIG, chains: [{ ...CONFIG.chains[0], logId: "0x12" }] }), file), '"chains[0].logId"', '"0x12"');
    expectConfigError(() => parseConfig(JSON.stringify({ ...CONFIG, operator: "me" }), file), '"operator"', "address");
    expectConfigError(() => parseConfig(JSON.stringify({ ...CONFIG, capture: { models: { m: {} } } }), file), '"capture.models.m"', "weightsDigest");
    const error = expectConfigError(() => parseConfig(JSON.stringify({ ...CONFIG, chains: [{ ...CONFIG.chains[0], chainId: 0 }] }), file), '"chains[0].chainId"');
    expect(error.file).to.equal(file);
    expect(error.field).to.equal("chains[0].chainId");
  });

  it("refuses a secrets file others can read, a malformed key, and never prints a secret", () => {
    const written = writeConfig(dir, CONFIG, { nodeKey: KEY_B });
    chmodSync(written.secretsFile, 0o644);
    expectConfigError(() => loadConfig({ cwd: dir, env: {} }), written.secretsFile, "chmod 600");
    chmodSync(written.secretsFile, 0o600);
    writeFileSync(written.secretsFile, JSON.stringify({ nodeKey: "0xsecretsecret" }), { mode: 0o600 });
    const error = expectConfigError(() => loadConfig({ cwd: dir, env: {} }), '"nodeKey"', "is not a private key", written.secretsFile);
    expect(error.message).not.to.include("secretsecret");
    writeFileSync(written.secretsFile, '{"nodeKey": 0xsecretsecret}', { mode: 0o600 });
    expect(expectConfigError(() => loadConfig({ cwd: dir, env: {} }), "not valid JSON").message).not.to.include("secretsecret");
    writeFileSync(written.secretsFile, "{}", { mode: 0o600 });
    expectConfigError(() => loadConfig({ cwd: dir, env: { SHOWWORK_OPERATOR_KEY: "nope" } }), "SHOWWORK_OPERATOR_KEY is not a private key");
    expectConfigError(() => loadConfig({ cwd: dir, env: { SHOWWORK_RPC_URL: "127.0.0.1:8545" } }), "SHOWWORK_RPC_URL", "has no scheme", "http://");
  });
});

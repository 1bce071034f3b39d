/**
 * The storage layout the chain proofs rely on (sdk/chainproof/layout.ts, docs/bundle.md "Storage layout"), checked
 * against the compiler's own `storageLayout` output for the exact compiler input Hardhat built (its build-info).
 */
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

import { expect } from "chai";

import { LOG_MEMBERS, MODEL_MEMBERS, MODEL_TIMELINE_SLOTS, RECEIPT_LOGS_SLOTS, VERSION_MEMBERS } from "../../sdk/chainproof/layout.js";

const require = createRequire(import.meta.url);
const root = path.resolve(import.meta.dirname, "../..");

interface Entry { label: string; slot: string; offset: number; type: string }
interface Layout { storage: Entry[]; types: Record<string, { label: string; members?: Entry[] }> }

function compilerLayouts(): Record<string, Layout> {
  const dir = path.join(root, "artifacts/build-info");
  const current = readFileSync(path.join(root, "contracts/ReceiptLogs.sol"), "utf8");
  const file = readdirSync(dir)
    .filter((f) => f.endsWith(".json") && !f.endsWith(".output.json"))
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), "utf8")) as { input: { sources: Record<string, { content: string }>; settings: Record<string, unknown> } })
    .find((b) => b.input.sources["project/contracts/ReceiptLogs.sol"]?.content === current);
  if (!file) throw new Error("no build-info for the current contracts: run `npx hardhat build` first");
  const input = {
    ...file.input,
    settings: {
      ...file.input.settings,
      optimizer: { enabled: false },
      viaIR: false,
      outputSelection: {
        "project/contracts/ReceiptLogs.sol": { ReceiptLogs: ["storageLayout"] },
        "project/contracts/ModelTimeline.sol": { ModelTimeline: ["storageLayout"] },
      },
    },
  };
  const solc = require("solc") as { compile(input: string): string };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as { contracts: Record<string, Record<string, { storageLayout: Layout }>>; errors?: { severity: string; formattedMessage: string }[] };
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));
  return {
    ReceiptLogs: output.contracts["project/contracts/ReceiptLogs.sol"]!.ReceiptLogs!.storageLayout,
    ModelTimeline: output.contracts["project/contracts/ModelTimeline.sol"]!.ModelTimeline!.storageLayout,
  };
}

const slots = (layout: Layout) => Object.fromEntries(layout.storage.map((e) => [e.label, BigInt(e.slot)]));
function members(layout: Layout, struct: string): Record<string, [bigint, number]> {
  const type = Object.values(layout.types).find((t) => t.label === `struct ${struct}`);
  if (!type?.members) throw new Error(`no struct ${struct} in the layout`);
  return Object.fromEntries(type.members.map((m) => [m.label, [BigInt(m.slot), m.offset]]));
}

describe("storage layout of the proofs = the compiler's storageLayout", function () {
  this.timeout(180_000);
  let layouts: Record<string, Layout>;
  before(() => {
    layouts = compilerLayouts();
  });

  it("ReceiptLogs: state variables and struct members (slot, byte offset)", () => {
    const l = layouts.ReceiptLogs!;
    expect(slots(l)).to.deep.equal({ _logs: RECEIPT_LOGS_SLOTS.logs, _signers: RECEIPT_LOGS_SLOTS.signers, _timelines: RECEIPT_LOGS_SLOTS.timelines, _compromises: RECEIPT_LOGS_SLOTS.compromises });
    const log = members(l, "ReceiptLogs.Log");
    expect(log).to.deep.equal({
      head: [LOG_MEMBERS.head, 0],
      admin: [LOG_MEMBERS.adminAndMaxDelay, 0],
      maxAnchorDelay: [LOG_MEMBERS.adminAndMaxDelay, 20], // bits 160..191 (facts.ts)
      pendingAdmin: [LOG_MEMBERS.pendingAdmin, 0],
      anchorers: [LOG_MEMBERS.anchorers, 0],
      roots: [LOG_MEMBERS.roots, 0],
      delayHistory: [LOG_MEMBERS.delayHistory, 0],
    });
    expect(members(l, "IReceiptLogs.SignerPeriod")).to.deep.equal({ grantedAt: [0n, 0], revokedAt: [0n, 8] }); // bits 0..63, 64..127
    expect(members(l, "IReceiptLogs.MaxAnchorDelayChange")).to.deep.equal({ since: [0n, 0], maxAnchorDelay: [0n, 8] }); // bits 0..63, 64..95
    expect(members(l, "IReceiptLogs.SignerCompromise")).to.deep.equal({ since: [0n, 0], fromBatch: [0n, 8], reportedAt: [0n, 16] }); // bits 0, 64, 128
  });

  it("ModelTimeline: state variables and struct members (slot, byte offset)", () => {
    const l = layouts.ModelTimeline!;
    const s = slots(l);
    expect([s._models, s._modelIds, s._publishers]).to.deep.equal([MODEL_TIMELINE_SLOTS.models, MODEL_TIMELINE_SLOTS.modelIds, MODEL_TIMELINE_SLOTS.publishers]);
    expect(members(l, "ModelTimeline.Model")).to.deep.equal({
      registeredAt: [MODEL_MEMBERS.packed, 0],
      versionCount: [MODEL_MEMBERS.packed, 8],
      activeVersion: [MODEL_MEMBERS.packed, 12],
      highestActivated: [MODEL_MEMBERS.packed, 16],
      name: [MODEL_MEMBERS.name, 0],
      versions: [MODEL_MEMBERS.versions, 0],
      versionOf: [MODEL_MEMBERS.versionOf, 0],
      timeline: [MODEL_MEMBERS.timeline, 0],
      reasons: [MODEL_MEMBERS.reasons, 0],
    });
    expect(members(l, "ModelTimeline.Version").weightsDigest).to.deep.equal([VERSION_MEMBERS.weightsDigest, 0]);
    expect(members(l, "ModelTimeline.Activation")).to.deep.equal({ activatedAt: [0n, 0], version: [0n, 8], kind: [0n, 12] }); // bits 0, 64, 96
  });
});

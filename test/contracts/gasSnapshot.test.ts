/**
 * Gas snapshot: recomputes the figures of scripts/gas-report.ts and fails when one grows by more than 2% over
 * test/gas-snapshot.json, or breaks the budgets. After an intended change, refresh the snapshot with
 *
 *   UPDATE_GAS_SNAPSHOT=1 npm test
 *
 * and commit test/gas-snapshot.json and docs/contracts.md (its "Gas" table is rewritten from the snapshot) with the change.
 */
import { expect } from "chai";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { type GasReport, formatGasTable, measureGas } from "../../scripts/gas-report.js";

const SNAPSHOT = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "gas-snapshot.json");
const README = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "docs", "contracts.md");

/** The README's "Gas" table: from its header line to the first blank line. */
function readmeTable(readme: string): { start: number; end: number } {
  const start = readme.indexOf("| operation | all-in (gasUsed)");
  if (start === -1) throw new Error("docs/contracts.md has no gas table (section \"Gas\")");
  const end = readme.indexOf("\n\n", start);
  return { start, end: end === -1 ? readme.length : end };
}
const TOLERANCE = 1.02;
const HOW_TO_UPDATE =
  "if the change is intended, run `UPDATE_GAS_SNAPSHOT=1 npm test` and commit test/gas-snapshot.json and docs/contracts.md";

describe("gas snapshot (test/gas-snapshot.json)", function () {
  this.timeout(300_000);
  let report: GasReport;

  before(async () => {
    report = await measureGas();
    if (process.env.UPDATE_GAS_SNAPSHOT === "1") {
      await writeFile(SNAPSHOT, `${JSON.stringify(report, null, 2)}\n`);
      const readme = await readFile(README, "utf8");
      const { start, end } = readmeTable(readme);
      await writeFile(README, readme.slice(0, start) + formatGasTable(report) + readme.slice(end));
      console.log(`      updated ${path.relative(process.cwd(), SNAPSHOT)}:\n${formatGasTable(report)}`);
    }
  });

  it("no figure grows by more than 2%", async () => {
    const snapshot = JSON.parse(await readFile(SNAPSHOT, "utf8")) as GasReport;
    expect(Object.keys(report).sort(), `the set of measured figures changed: ${HOW_TO_UPDATE}`).to.deep.equal(
      Object.keys(snapshot).sort(),
    );
    const grown: string[] = [];
    for (const [key, figure] of Object.entries(report)) {
      const before = snapshot[key]!;
      for (const field of ["allIn", "execution"] as const) {
        if (figure[field] > before[field] * TOLERANCE) {
          grown.push(`${figure.label}, ${field}: ${before[field]} -> ${figure[field]} (+${(((figure[field] - before[field]) / before[field]) * 100).toFixed(1)}%)`);
        }
      }
    }
    expect(grown.length === 0, `gas grew by more than 2% (${HOW_TO_UPDATE}):\n${grown.join("\n")}`).to.equal(true);
  });

  it("is the table in the README's Gas section", async () => {
    const snapshot = JSON.parse(await readFile(SNAPSHOT, "utf8")) as GasReport;
    const readme = await readFile(README, "utf8");
    const { start, end } = readmeTable(readme);
    expect(readme.slice(start, end), `docs/contracts.md gas table differs from the snapshot: ${HOW_TO_UPDATE}`).to.equal(
      formatGasTable(snapshot),
    );
  });

  it("meets the anchoring budgets: 60,000 for a one-batch transaction, 35,000 per further log in anchorMany", () => {
    expect(report.anchor!.allIn).to.be.at.most(60_000);
    expect(report.anchorManyPerFurtherLog!.allIn).to.be.at.most(35_000);
  });

  it("verifies a depth-20 proof within 40,000 gas all-in, at EIP-2028 calldata prices (see README: EIP-7623 floor)", () => {
    // Under Prague/Osaka the transaction pays at least 21,000 + 10 gas per calldata token, about 50,000 for the
    // 640 bytes of a depth-20 proof, whatever the contract does; the budget is met at the pre-floor price.
    expect(report.verifyDepth20!.withoutCalldataFloor).to.be.at.most(40_000);
  });
});

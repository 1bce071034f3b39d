import { expect } from "chai";

import { killAll } from "../helpers/processes.js";
import { removeTempDirs } from "../helpers/service.js";
import { runCrashHarness } from "./crashHarness.js";

describe("crash safety: showwork serve killed with SIGKILL, restarted (real processes)", function () {
  this.timeout(300_000);
  after(async () => {
    await killAll();
    removeTempDirs();
  });

  it("after 20 kills: every acknowledged receipt anchored exactly once, every bundle verifies, no batch index used twice", async () => {
    const report = await runCrashHarness({ kills: 20 });
    expect(report.violations).to.deep.equal([]);
    expect(report.kills).to.equal(20);
    expect(report.acknowledged).to.be.greaterThan(0);
    expect(report.bundlesVerified).to.equal(report.acknowledged);
    expect(report.stored).to.be.at.least(report.acknowledged);
    expect(Object.keys(report.killsBy).some((by) => by.startsWith("failpoint")), "some kills at crash points").to.equal(true);
    expect(Object.keys(report.killsBy).some((by) => by.startsWith("outside")), "some kills from outside").to.equal(true);
  });

  it("with two chains: kills also between the two chains' transactions; both logs hold every batch exactly once, every bundle carries both anchors", async () => {
    const report = await runCrashHarness({ kills: 12, chains: 2 });
    expect(report.violations).to.deep.equal([]);
    expect(report.acknowledged).to.be.greaterThan(0);
    expect(report.bundlesVerified).to.equal(report.acknowledged);
  });

  it("with two chains, the second holding head commitments: kills also between the chains' transactions; no batch committed twice, every entry the primary's head, every bundle's commitment leads to its entry", async () => {
    const report = await runCrashHarness({ kills: 12, chains: 2, commit: "head" });
    expect(report.violations).to.deep.equal([]);
    expect(report.acknowledged).to.be.greaterThan(0);
    expect(report.bundlesVerified).to.equal(report.acknowledged);
  });
});

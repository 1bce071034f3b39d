/**
 * The capture soak, short (issue #21): the real `openai` client with `withReceipts` in an app
 * process and a plain-HTTP client through `showwork proxy`, against the mock upstream, into
 * `showwork serve` on a `hardhat node` — with a wrong token then fixed, upstream errors, a timeout
 * and a broken stream, the app SIGKILLed mid-stream and restarted, the service SIGKILLed and
 * restarted, anchored receipts sent again, and one receipt meant to be refused. Counts, not times:
 * every answer received has exactly one final receipt; none for the answer never completed; no
 * receipt refused but the intended one; the app's run during the outage exits with receipts queued, says so on
 * stderr, and its next start delivers them. The long run: scripts/capture-soak.ts (docs/capture.md).
 */
import { expect } from "chai";

import { removeTempDirs } from "../service/helpers/service.js";
import { runSoak } from "./support/soak.js";

/** The soak's counts, the same whichever capturer the app uses. */
async function soakWith(appCapturer: "thread" | "worker"): Promise<void> {
  const report = await runSoak({ appAnswers: 8, proxyAnswers: 4, outageMs: 1_500, appExitsDuringOutage: true, appCapturer });
  expect(report.faults).to.deep.equal({
    "wrong-token": 1,
    "upstream-500": 1,
    "upstream-timeout": 1,
    "upstream-abort": 1,
    "app-sigkill-mid-stream": 1,
    "service-sigkill": 1,
    "duplicate-resend": 1,
  });
  // 4 + 1 partial through the proxy before the fix, 8 later; the app: its first run up to the killed stream, then its second run.
  expect(report.answers, JSON.stringify(report)).to.be.greaterThan(20);
  expect(report.partialAnswers).to.equal(1);
  expect(report.noAnswer).to.equal(2);
  expect(report.lost, "answers received without a final receipt").to.equal(0);
  expect(report.extra, "receipts stored beyond the answers received").to.equal(0);
  expect(report.storeTotal).to.equal(report.answers);
  expect(report.receiptsForUnreceived, "a receipt for the stream killed mid-way").to.equal(0);
  expect(report.unintendedRejected).to.equal(0);
  expect(report.intendedRejected).to.equal(1);
  expect(report.duplicatesResent).to.equal(10); // 5 over HTTP (409 alreadyStored), 5 through a sink
  expect(report.queuedAtRestart).to.be.greaterThan(0);
  expect(report.loud).to.deep.equal({ tokenRefused: true, unreachable: true, resumed: true });
  // The app's run during the outage exited with receipts queued: it said so on stderr, and its next start delivered them (counted above).
  expect(report.appRestartsToDeliver).to.equal(1);
  expect(report.appExitSaid, "the app said at exit what it left queued").to.equal(true);
}

describe("capture: soak of the whole path, with faults", function () {
  this.timeout(600_000);
  after(() => removeTempDirs());

  it("every answer received has exactly one final receipt, no receipt for an answer never received, nothing refused but the intended one", async () => {
    await soakWith("thread");
  });

  it("the same with the app capturing on a worker thread (createWorkerCapturer), SIGKILLed mid-stream and restarted", async () => {
    await soakWith("worker");
  });
});

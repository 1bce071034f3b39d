import { expect } from "chai";

import { checkBatchingPolicy, nextBatchCut } from "../../sdk/service/batching.js";
import { ServiceConfigError } from "../../sdk/service/errors.js";
import { RECEIPT_STATES, hasProof } from "../../sdk/service/states.js";

describe("batching policy", () => {
  const policy = { maxReceipts: 100, maxDelayMs: 1_000 };

  it("closes a full batch of exactly maxReceipts, the rest by age, everything on flush", () => {
    expect(nextBatchCut({ count: 0, firstSeq: 1, oldestRecordedAt: undefined }, 0, policy, true)).to.equal(undefined);
    expect(nextBatchCut({ count: 250, firstSeq: 11, oldestRecordedAt: 5_000 }, 5_001, policy)).to.deep.equal({ firstSeq: 11, lastSeq: 110, why: "full" });
    expect(nextBatchCut({ count: 99, firstSeq: 11, oldestRecordedAt: 5_000 }, 5_999, policy)).to.equal(undefined);
    expect(nextBatchCut({ count: 99, firstSeq: 11, oldestRecordedAt: 5_000 }, 6_000, policy)).to.deep.equal({ firstSeq: 11, lastSeq: 109, why: "delay" });
    expect(nextBatchCut({ count: 3, firstSeq: 11, oldestRecordedAt: 5_000 }, 5_000, policy, true)).to.deep.equal({ firstSeq: 11, lastSeq: 13, why: "flush" });
  });

  it("rejects a policy that cannot close batches", () => {
    expect(() => checkBatchingPolicy({ maxReceipts: 0, maxDelayMs: 1 })).to.throw(ServiceConfigError);
    expect(() => checkBatchingPolicy({ maxReceipts: 1.5, maxDelayMs: 1 })).to.throw(ServiceConfigError);
    expect(() => checkBatchingPolicy({ maxReceipts: 1, maxDelayMs: -1 })).to.throw(ServiceConfigError);
  });

  it("has a proof from anchored on", () => {
    expect(RECEIPT_STATES.map(hasProof)).to.deep.equal([false, false, false, true, true]);
  });
});

import { expect } from "chai";

import { checkBatchingPolicy, nextBatchCut } from "../../sdk/service/batching.js";
import { ServiceConfigError } from "../../sdk/service/errors.js";
import { BATCH_STATES, canTransition, hasProof } from "../../sdk/service/states.js";

describe("batching policy and states", () => {
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

  it("allows exactly the forward transitions and the two ways back (void, reorg)", () => {
    const allowed = BATCH_STATES.flatMap((from) => BATCH_STATES.filter((to) => canTransition(from, to)).map((to) => `${from}→${to}`));
    expect(allowed).to.deep.equal(["batched→submitted", "submitted→batched", "submitted→anchored", "anchored→submitted", "anchored→final"]);
    expect(["recorded", "batched", "submitted", "anchored", "final"].map((s) => hasProof(s as never))).to.deep.equal([false, false, false, true, true]);
  });
});

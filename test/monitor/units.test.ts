/**
 * The monitor's pieces that must agree with others: the head computation with the contract's
 * `computeHead`, the strictest declared delay,
 * and the active version with `ModelTimeline.activeVersionAt`'s rule.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { keccak256, stringToHex, type Hex } from "viem";

import { activeVersionAt, authorisedAt, computeHead, strictestDelay } from "../../sdk/monitor/chain.js";
import type { ModelTimelineView } from "../../sdk/timeline/types.js";

describe("monitor units", () => {
  it("computeHead equals ReceiptLogs.computeHead", async () => {
    const { viem } = await network.create();
    const logs = await viem.deployContract("ReceiptLogs");
    for (let i = 0; i < 5; i++) {
      const previous = keccak256(stringToHex(`prev ${i}`));
      const root = keccak256(stringToHex(`root ${i}`));
      const args = [previous, BigInt(i * 1000), root, BigInt(7 + i), BigInt(1_790_000_000 + i), BigInt(12 + i)] as const;
      expect(computeHead(previous, i * 1000, root, 7 + i, 1_790_000_000 + i, 12 + i)).to.equal((await logs.read.computeHead(args)).toLowerCase());
    }
  });

  it("applies the strictest declared delay in force between a receipt's time and its anchoring", () => {
    const history = [{ since: 100, maxAnchorDelay: 3600 }, { since: 200, maxAnchorDelay: 60 }, { since: 300, maxAnchorDelay: 0 }];
    expect(strictestDelay(history, 150, 190)).to.equal(3600);
    expect(strictestDelay(history, 150, 250)).to.equal(60); // lowered meanwhile: the stricter value counts
    expect(strictestDelay(history, 310, 400)).to.equal(undefined); // no maximum declared then
    expect(strictestDelay(history, 50, 90)).to.equal(3600); // before creation: the first entry
  });

  it("authorises a signer exactly within its periods, and picks the active version like activeVersionAt", () => {
    const periods = [{ grantedAt: 100, revokedAt: 200 }, { grantedAt: 300, revokedAt: 0 }];
    expect([99, 100, 199, 200, 299, 300, 10_000].map((t) => authorisedAt(periods, t))).to.deep.equal([false, true, true, false, false, true, true]);
    const v1 = `0x${"01".repeat(32)}` as Hex;
    const v2 = `0x${"02".repeat(32)}` as Hex;
    const zero = `0x${"00".repeat(32)}` as Hex;
    const view = { activations: [{ activatedAt: 100, version: v1 }, { activatedAt: 200, version: v2 }, { activatedAt: 300, version: v1 }, { activatedAt: 400, version: zero }] } as unknown as ModelTimelineView;
    expect([99, 100, 199, 200, 300, 399, 400].map((t) => activeVersionAt(view, t))).to.deep.equal([zero, v1, v1, v2, v1, v1, zero]);
  });
});

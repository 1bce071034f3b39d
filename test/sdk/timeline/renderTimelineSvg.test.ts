/**
 * The timeline picture's labels (issue #20): every band labelled, no two labels overlapping, all
 * inside the picture, the rollback's reason and time shown, for crowded timelines (many
 * deployments seconds apart, a receipt and its anchoring a second apart, narrow pictures) and for
 * random ones (fast-check). Boxes come from each label group's `data-box`; the web verifier's
 * end-to-end test measures the same labels as Chromium draws them (test/verify/web.e2e.test.ts).
 */
import { expect } from "chai";
import fc from "fast-check";
import { zeroHash, type Hex } from "viem";

import { boxesOverlap, fitText, placeInLanes, textWidth, wrapText } from "../../../sdk/timeline/labelLayout.js";
import { renderTimelineSvg, type RenderTimelineSvgParameters, type TimelineMarker } from "../../../sdk/timeline/renderTimelineSvg.js";
import type { TimelineActivation } from "../../../sdk/timeline/types.js";
import { labelsOf, svgSize, type Label } from "./labels.js";

/** Asserts the layout facts: no overlap, inside the picture, one label per band drawn. */
function expectReadable(svg: string, context: string): Label[] {
  const labels = labelsOf(svg);
  const { width, height } = svgSize(svg);
  for (const [i, a] of labels.entries()) {
    expect(a.box.x, `${context}: ${a.kind} ${a.text} starts left of the picture`).to.be.at.least(0);
    expect(a.box.x + a.box.width, `${context}: ${a.kind} ${a.text} ends right of the picture (${width})`).to.be.at.most(width);
    expect(a.box.y + a.box.height, `${context}: ${a.kind} ${a.text} below the picture`).to.be.at.most(height);
    for (const b of labels.slice(i + 1)) {
      expect(boxesOverlap(a.box, b.box), `${context}: "${a.text}" overlaps "${b.text}"`).to.equal(false);
    }
  }
  const bands = [...svg.matchAll(/data-activation="(\d+)"/g)].map((m) => m[1]);
  const labelled = labels.filter((l) => l.kind === "activation").map((l) => l.for);
  expect(labelled, `${context}: a label per band`).to.deep.equal(bands);
  return labels;
}

const digest = (i: number): Hex => `0x${(i + 1).toString(16).padStart(64, "0")}` as Hex;

function deployments(times: readonly number[]): TimelineActivation[] {
  return times.map((t, i) => ({ index: i, kind: "deployment", versionNumber: i + 1, version: digest(i), activatedAt: t, reason: "", label: `v${i + 1}` }));
}

const T0 = 1_795_000_000;

describe("timeline picture: labels", () => {
  it("labels every band and keeps labels apart when twelve deployments land seconds apart", () => {
    const activations = deployments(Array.from({ length: 12 }, (_, i) => T0 + i * 2));
    const markers: TimelineMarker[] = [
      { at: T0 + 13, label: "receipt", kind: "receipt" },
      { at: T0 + 14, label: "anchored", kind: "anchor" },
    ];
    for (const width of [760, 480, 340]) {
      const svg = renderTimelineSvg({ activations, markers, highlight: digest(6), title: "acme-chat: 12 activations", width });
      const labels = expectReadable(svg, `width ${width}`);
      expect(labels.filter((l) => l.kind === "activation").map((l) => l.text.split(" | ")[0])).to.deep.equal(activations.map((a) => `v${a.versionNumber} deployed`));
      expect(labels.filter((l) => l.kind === "marker").map((l) => l.text)).to.deep.equal(["receipt 11:06:53Z", "anchored 11:06:54Z"]);
    }
  });

  it("a deployment, a rollback a minute later and a receipt in between: each labelled with its time; the rollback's reason and time listed", () => {
    const activations: TimelineActivation[] = [
      ...deployments([T0, T0 + 3_600]),
      { index: 2, kind: "rollback", versionNumber: 1, version: digest(0), activatedAt: T0 + 3_660, reason: "refund policy answers were wrong", label: "v1" },
    ];
    const svg = renderTimelineSvg({
      activations,
      markers: [
        { at: T0 + 3_630, label: "receipt", kind: "receipt" },
        { at: T0 + 3_640, label: "anchored", kind: "anchor" },
      ],
      highlight: digest(1),
      title: "acme-chat: 3 activations",
    });
    const labels = expectReadable(svg, "rollback");
    expect(labels.find((l) => l.kind === "activation" && l.for === "2")!.text).to.equal("rollback to v1 | 12:07:40Z");
    const events = labels.filter((l) => l.kind === "event").map((l) => l.text);
    expect(events).to.deep.equal(["2026-11-18 12:07:40Z rolled back to v1 | reason: “refund policy answers were wrong”"]);
    expect(labels.filter((l) => l.kind === "legend").map((l) => l.text)).to.deep.equal([`v1 ${digest(0)}`, `v2 ${digest(1)}  ← claimed by the receipt`]);
  });

  it("shortens digests and wraps long reasons to fit a phone-wide picture (the full text also in the band's tooltip)", () => {
    const reason = "the new weights answered refund questions with the old policy; rolled back after 212 complaints in one hour";
    const activations: TimelineActivation[] = [
      ...deployments([T0, T0 + 100]),
      { index: 2, kind: "rollback", versionNumber: 1, version: digest(0), activatedAt: T0 + 200, reason, label: "v1" },
      { index: 3, kind: "deactivation", versionNumber: 0, version: zeroHash, activatedAt: T0 + 300, reason: "retired", label: "none" },
    ];
    const svg = renderTimelineSvg({ activations, highlight: digest(1), title: "a model with a rather long name: 4 activations", width: 340 });
    const labels = expectReadable(svg, "phone");
    expect(labels.find((l) => l.kind === "legend" && l.text.startsWith("v2"))!.text).to.equal("v2 0x000000…0002  ← claimed by the receipt");
    const events = labels.filter((l) => l.kind === "event");
    // Wrapped over several lines, nothing lost.
    expect(events[0]!.text.split(" | ").length).to.be.greaterThan(2);
    expect(events[0]!.text.replaceAll(" | ", " ")).to.equal(`2026-11-18 11:10:00Z rolled back to v1 reason: “${reason}”`);
    expect(events[1]!.text).to.equal("2026-11-18 11:11:40Z deactivated | reason: “retired”");
    expect(svg).to.include(`<title>#2 rollback of v1 (${digest(0)}) at 2026-11-18 11:10:00Z — reason: ${reason}</title>`);
  });

  it("escapes markup, controls and bidi overrides in chain-supplied text", () => {
    const svg = renderTimelineSvg({
      activations: [...deployments([T0]), { index: 1, kind: "rollback", versionNumber: 1, version: digest(0), activatedAt: T0 + 60, reason: "<b>bad</b> \u202eevil\u001b[2J", label: "v1" }],
      title: "acme <chat>",
    });
    expect(svg).to.include("acme &lt;chat&gt;").and.include("&lt;b&gt;bad&lt;/b&gt; \\u{202e}evil\\u{1b}[2J");
    expect(svg).not.to.include("\u202e").and.not.include("\u001b").and.not.include("<b>");
  });

  it("never overlaps, for random timelines, markers and widths", () => {
    const activation = fc.record({
      gap: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 200_000 })),
      kind: fc.constantFrom("deployment", "deployment", "rollback", "deactivation"),
      version: fc.integer({ min: 0, max: 12 }),
      reason: fc.string({ maxLength: 120 }),
    });
    fc.assert(
      fc.property(
        fc.array(activation, { maxLength: 20 }),
        fc.array(fc.record({ offset: fc.integer({ min: -500, max: 400_000 }), kind: fc.constantFrom("receipt" as const, "anchor" as const) }), { maxLength: 4 }),
        fc.integer({ min: 280, max: 1200 }),
        fc.option(fc.string({ maxLength: 90 }), { nil: undefined }),
        (entries, marks, width, title) => {
          let t = T0;
          const activations: TimelineActivation[] = entries.map((e, index) => {
            t += e.gap;
            const off = e.kind === "deactivation";
            return { index, kind: e.kind as TimelineActivation["kind"], versionNumber: off ? 0 : e.version + 1, version: off ? zeroHash : digest(e.version), activatedAt: t, reason: e.reason, label: off ? "none" : `v${e.version + 1}` };
          });
          const markers: TimelineMarker[] = marks.map((m) => ({ at: T0 + m.offset, label: m.kind === "receipt" ? "receipt" : "anchored", kind: m.kind }));
          const params: RenderTimelineSvgParameters = { activations, markers, width, ...(title === undefined ? {} : { title }), highlight: digest(3) };
          expectReadable(renderTimelineSvg(params), JSON.stringify({ n: activations.length, markers: markers.length, width }));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("timeline picture: layout helpers", () => {
  it("places labels in the first lane where they keep their distance, inside the bounds", () => {
    const items = [0, 10, 20, 300, 305].map((at) => ({ at, width: 60, anchor: "start" as const }));
    const placed = placeInLanes(items, { left: 0, right: 320 });
    expect(placed.map((p) => p.lane)).to.deep.equal([0, 1, 2, 0, 1]);
    expect(placed[3]!.x).to.equal(240); // flipped to end at its anchor near the right edge
    for (const p of placed) expect(p.x).to.be.within(0, 260);
  });

  it("estimates text widths and cuts text to fit", () => {
    expect(textWidth("v12 deployment", 11, { bold: true })).to.be.greaterThan(textWidth("v12 deployment", 11));
    const cut = fitText("rolled back because the answers were wrong", 120, 11);
    expect(cut.endsWith("…")).to.equal(true);
    expect(textWidth(cut, 11)).to.be.at.most(120);
    expect(fitText("short", 120, 11)).to.equal("short");
    const wrapped = wrapText("one two three four five six seven eight nine ten eleven twelve", 80, 11, 3);
    expect(wrapped).to.have.lengthOf(3);
    for (const line of wrapped) expect(textWidth(line, 11)).to.be.at.most(80);
    expect(wrapped[2]!.endsWith("…")).to.equal(true);
    expect(wrapText("short", 80, 11, 3)).to.deep.equal(["short"]);
  });
});

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import fc from "fast-check";
import { keccak256 } from "viem";

import { keccak256Into, keccak256Of32Into, keccak256PairInto, keccakBackend } from "../../../sdk/hash/keccak.js";
import { jsKeccak256Into, jsKeccak256Of32Into, jsKeccak256PairInto } from "../../../sdk/hash/keccakJs.js";
import { newWasm } from "../../../sdk/hash/wasmInstance.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
/** The reference: viem's keccak256 (@noble/hashes). */
const keccak_256 = (b: Uint8Array) => keccak256(b, "bytes");

describe("sdk/hash: keccak256 back ends", () => {
  it("uses WebAssembly here", () => {
    expect(keccakBackend()).to.equal("wasm");
  });

  it("WebAssembly and JS agree with viem's keccak256 (@noble/hashes) on every length 0..700 (block boundaries included)", () => {
    const out = new Uint8Array(32);
    const data = Uint8Array.from({ length: 700 }, (_, i) => (i * 131 + 7) & 255);
    for (let len = 0; len <= 700; len++) {
      const expected = hex(keccak_256(data.subarray(0, len)));
      keccak256Into(data, 0, len, out, 0);
      expect(hex(out), `wasm, length ${len}`).to.equal(expected);
      jsKeccak256Into(data, 0, len, out, 0);
      expect(hex(out), `js, length ${len}`).to.equal(expected);
    }
  });

  it("the 32- and 64-byte entry points, at any offsets, in place", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 100, maxLength: 100 }), fc.nat({ max: 36 }), fc.nat({ max: 36 }), (buf, a, b) => {
        const expect32 = hex(keccak_256(buf.subarray(a, a + 32)));
        const expect64 = hex(keccak_256(Uint8Array.from([...buf.subarray(a, a + 32), ...buf.subarray(b, b + 32)])));
        for (const [of32, pair] of [[keccak256Of32Into, keccak256PairInto], [jsKeccak256Of32Into, jsKeccak256PairInto]] as const) {
          const out = new Uint8Array(40);
          of32(buf, a, out, 8);
          expect(hex(out.subarray(8))).to.equal(expect32);
          pair(buf, a, buf, b, out, 0);
          expect(hex(out.subarray(0, 32))).to.equal(expect64);
          const copy = buf.slice();
          of32(copy, a, copy, a);
          expect(hex(copy.subarray(a, a + 32))).to.equal(expect32);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("batch entry points: keccakMany and processProof", () => {
    const wasm = newWasm()!;
    const base = 200_000;
    wasm.ensure(base + 10 * 480 + 10 * 32);
    const mem = wasm.bytes;
    for (let i = 0; i < 4800; i++) mem[base + i] = (i * 17) & 255;
    wasm.exports.keccakMany(base, 480, 10, base + 4800);
    for (let i = 0; i < 10; i++) {
      expect(hex(mem.subarray(base + 4800 + 32 * i, base + 4832 + 32 * i))).to.equal(hex(keccak_256(mem.subarray(base + 480 * i, base + 480 * (i + 1)))));
    }
  });

  it("the generated files are what scripts/gen-keccak.ts produces", function () {
    this.timeout(120_000);
    const dir = mkdtempSync(join(tmpdir(), "showwork-keccak-"));
    execFileSync(process.execPath, ["--import", "tsx", "scripts/gen-keccak.ts", dir], { stdio: "pipe" });
    for (const file of ["keccakPermutation.ts", "keccakWasm.generated.ts"]) {
      expect(readFileSync(join(dir, file), "utf8"), file).to.equal(readFileSync(new URL(`../../../sdk/hash/${file}`, import.meta.url), "utf8"));
    }
  });
});

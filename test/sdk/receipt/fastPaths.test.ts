/**
 * The fast paths of sdk/receipt (digest, checksums, tools digest, commitments, signing and
 * recovery on both secp256k1 back ends) against the slow references: viem and @noble/hashes
 * (through viem), on random inputs.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import fc from "fast-check";
import {
  bytesToHex,
  encodeAbiParameters,
  getAddress,
  hashDomain,
  hashTypedData,
  hexToBytes,
  isAddress,
  keccak256,
  recoverPublicKey,
  recoverTypedDataAddress,
  stringToHex,
  type Hex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

import {
  checkAddress,
  checkReceiptSignature,
  commitmentDigest,
  computeToolsDigest,
  EMPTY_TOOLS_DIGEST,
  InvalidReceiptError,
  InvalidSignatureError,
  modelIdFromName,
  privateKeyToReceiptSigner,
  RECEIPT_DOMAIN_SEPARATOR,
  RECEIPT_EIP712_DOMAIN,
  randomSalt,
  receiptSigningDigest,
  receiptTypedData,
  recoverReceiptSigner,
  recoverReceiptSignerSync,
  secp256k1Backend,
  signReceipt,
  toChecksumAddress,
  verifyReceiptSignature,
  type Receipt,
  type ToolCall,
} from "../../../sdk/index.js";
import { keccak256Utf8 } from "../../../sdk/hash/keccak.js";
import {
  loadLibsecp256k1Backend,
  loadNativeBackend,
  nobleBackend,
  signatureBackend,
  type Secp256k1Backend,
} from "../../../sdk/receipt/secp256k1.js";
import { hex32, receiptArb } from "../helpers.js";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const privateKey = fc
  .bigInt({ min: 1n, max: N - 1n })
  .map((k) => `0x${k.toString(16).padStart(64, "0")}` as Hex);

/** A receipt servingNode'd by the key's address. */
const keyAndReceipt = fc.tuple(privateKey, receiptArb).map(([key, receipt]) => {
  const address = privateKeyToAccount(key).address;
  return { key, receipt: { ...receipt, servingNode: address } as Receipt };
});

const viemTools = (tools: readonly ToolCall[]): Hex =>
  keccak256(
    encodeAbiParameters(
      [{ type: "tuple[]", components: [{ name: "nameHash", type: "bytes32" }, { name: "inputDigest", type: "bytes32" }, { name: "outputDigest", type: "bytes32" }] }],
      [tools.map((t) => ({ nameHash: keccak256(stringToHex(t.name)), inputDigest: t.inputDigest, outputDigest: t.outputDigest }))],
    ),
  );

/** What viem says about a receipt's signature: the recovered address, or "throws". */
async function viemRecover(receipt: Receipt): Promise<string> {
  try {
    return await recoverTypedDataAddress({ ...receiptTypedData(receipt), signature: receipt.signature! });
  } catch {
    return "throws";
  }
}

/** What the fast path says: the recovered address, or "throws" (malformed). */
function fastRecover(receipt: Receipt): string {
  try {
    return recoverReceiptSignerSync(receipt);
  } catch (error) {
    expect(error).to.be.instanceOf(InvalidSignatureError);
    expect((error as InvalidSignatureError).reason).to.equal("malformed");
    return "throws";
  }
}

describe("receipt fast paths agree with the references", () => {
  it("the domain separator constant is viem's hashDomain of the receipt domain", () => {
    expect(
      hashDomain({ domain: RECEIPT_EIP712_DOMAIN, types: { EIP712Domain: [{ name: "name", type: "string" }, { name: "version", type: "string" }] } }),
    ).to.equal(RECEIPT_DOMAIN_SEPARATOR);
  });

  it("receiptSigningDigest equals viem's hashTypedData on random receipts", () => {
    fc.assert(
      fc.property(receiptArb, (receipt) => {
        expect(receiptSigningDigest(receipt)).to.equal(hashTypedData(receiptTypedData(receipt)));
      }),
      { numRuns: 300 },
    );
  });

  it("toChecksumAddress equals viem's getAddress; checkAddress tells bad checksums like isAddress(strict) where the case is mixed", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }), (bytes, upper) => {
        const lower = bytesToHex(bytes);
        expect(toChecksumAddress(lower)).to.equal(getAddress(lower));
        expect(toChecksumAddress(lower.toUpperCase().replace("0X", "0x"))).to.equal(getAddress(lower));
        const mixed = `0x${[...lower.slice(2)].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join("")}`;
        const checked = checkAddress(mixed);
        const body = mixed.slice(2);
        const caseless = body === body.toLowerCase() || body === body.toUpperCase(); // no checksum to check (as parseReceipt always did)
        if (caseless || isAddress(mixed, { strict: true })) expect(checked).to.equal(getAddress(lower));
        else expect(checked).to.equal("bad-checksum");
      }),
      { numRuns: 500 },
    );
    for (const bad of ["0x12", `0x${"g".repeat(40)}`, `1x${"0".repeat(40)}`, `0x${"0".repeat(39)}\u0161`]) {
      expect(toChecksumAddress(bad), bad).to.equal(undefined);
      expect(checkAddress(bad), bad).to.equal("invalid");
    }
  });

  it("computeToolsDigest equals viem's encodeAbiParameters + keccak256, for any names (unicode, lone surrogates)", () => {
    expect(computeToolsDigest([])).to.equal(viemTools([])).and.to.equal(EMPTY_TOOLS_DIGEST);
    const tool = fc.record({ name: fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: "binary", maxLength: 40 })), inputDigest: hex32, outputDigest: hex32 });
    fc.assert(
      fc.property(fc.array(tool, { maxLength: 12 }), fc.boolean(), (tools, upper) => {
        const given = upper ? tools.map((t) => ({ ...t, inputDigest: t.inputDigest.toUpperCase().replace("0X", "0x") as Hex })) : tools;
        expect(computeToolsDigest(given)).to.equal(viemTools(tools));
      }),
      { numRuns: 300 },
    );
    expect(() => computeToolsDigest([{ name: "x", inputDigest: "0x12", outputDigest: keccak256("0x") }])).to.throw(InvalidReceiptError, /tools\[0\]\.inputDigest/);
  });

  it("modelIdFromName, keccak256Utf8 and commitmentDigest equal viem's keccak256 of the same bytes", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: "binary", maxLength: 300 })), hex32, fc.uint8Array({ maxLength: 400 }), (text, salt, bytes) => {
        expect(modelIdFromName(text)).to.equal(keccak256(stringToHex(text)));
        expect(keccak256Utf8(text)).to.equal(keccak256(stringToHex(text)));
        expect(commitmentDigest(text, salt)).to.equal(keccak256(new Uint8Array([...hexToBytes(salt), ...new TextEncoder().encode(text)])));
        expect(commitmentDigest(bytes, salt)).to.equal(keccak256(new Uint8Array([...hexToBytes(salt), ...bytes])));
      }),
      { numRuns: 300 },
    );
    expect(keccak256Utf8("x".repeat(200_000))).to.equal(keccak256(stringToHex("x".repeat(200_000))));
  });

  it("randomSalt gives distinct 32-byte lowercase hex salts across pool refills", () => {
    const salts = Array.from({ length: 1000 }, () => randomSalt());
    expect(new Set(salts).size).to.equal(1000);
    for (const salt of salts) expect(salt).to.match(/^0x[0-9a-f]{64}$/);
  });
});

describe("secp256k1 back ends agree with viem (RFC 6979, low-S)", () => {
  const native = loadNativeBackend();
  const libsecp = loadLibsecp256k1Backend();
  it("the native prebuild (secp256k1 package) loads under Node and is the default; WebAssembly loads too", () => {
    expect(native, "secp256k1's prebuilds/linux-x64 N-API binary").to.not.equal(undefined);
    expect(libsecp, "tiny-secp256k1's wasm").to.not.equal(undefined);
    expect(secp256k1Backend().name).to.equal("native");
    expect(signatureBackend()).to.include({ name: "native" });
    expect(signatureBackend().unavailable).to.deep.equal([]);
  });

  it("SHOWWORK_SECP256K1 forces a back end, reported by signatureBackend()", async () => {
    const { spawnSync } = await import("node:child_process");
    const script = `import { signatureBackend } from "./sdk/receipt/secp256k1.ts"; console.log(JSON.stringify(signatureBackend()));`;
    const run = (value: string) => {
      const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
        env: { ...process.env, SHOWWORK_SECP256K1: value },
        encoding: "utf8",
      });
      expect(child.status, child.stderr).to.equal(0);
      return JSON.parse(child.stdout) as { name: string; forcedBy?: string };
    };
    expect(run("wasm")).to.include({ name: "libsecp256k1", forcedBy: "SHOWWORK_SECP256K1=wasm" });
    expect(run("noble")).to.include({ name: "noble" });
    expect(run("")).to.include({ name: "native" });
  });

  it("every back end gives the same bytes on the same vectors: RFC 6979 nonce (r), low s, recovery id, recovered key", async () => {
    const viemAccounts = await import("viem/accounts");
    const backends = [native!, libsecp!, nobleBackend];
    const HALF_N = N >> 1n;
    // Fixed edge vectors (smallest and largest keys, all-zero and all-ones digests) plus random ones.
    const vectors: Array<[Hex, Hex]> = [
      [`0x${"0".repeat(63)}1`, `0x${"0".repeat(64)}`],
      [`0x${(N - 1n).toString(16)}`, `0x${"f".repeat(64)}`],
      [`0x${"0".repeat(63)}2`, `0x${"ab".repeat(32)}`],
      // Digests >= n: RFC 6979 takes the message mod n (the native prebuild does not: handed on).
      [`0x${"0".repeat(63)}3`, `0x${N.toString(16)}`],
      [`0x${"0".repeat(63)}3`, `0x${(N + 1n).toString(16)}`],
      [`0x${"0".repeat(63)}3`, `0x${(N - 1n).toString(16)}`],
      ...fc.sample(fc.tuple(privateKey, hex32), 40),
    ];
    const seenRecoveryIds = new Set<number>();
    for (const [key, digest] of vectors) {
      const expected = await viemAccounts.sign({ hash: digest, privateKey: key, to: "hex" });
      const outputs = backends.map((backend) => {
        const sig = new Uint8Array(65);
        sig[64] = backend.sign(hexToBytes(digest), hexToBytes(key), sig, 0);
        const publicKey = new Uint8Array(64);
        expect(backend.recover(hexToBytes(digest), sig, 0, sig[64]!, publicKey, 0), backend.name).to.equal(true);
        return { sig: bytesToHex(sig), publicKey: bytesToHex(publicKey), derived: bytesToHex(backend.publicKey(hexToBytes(key))!) };
      });
      for (const o of outputs.slice(1)) expect(o).to.deep.equal(outputs[0]);
      const recoveryId = hexToBytes(outputs[0]!.sig)[64]!;
      seenRecoveryIds.add(recoveryId);
      expect(`${outputs[0]!.sig.slice(0, 130)}${(27 + recoveryId).toString(16)}`).to.equal(expected);
      expect(BigInt(`0x${outputs[0]!.sig.slice(66, 130)}`) <= HALF_N, "low s").to.equal(true);
      expect(outputs[0]!.publicKey).to.equal(outputs[0]!.derived);
    }
    expect([...seenRecoveryIds].sort()).to.deep.equal([0, 1]);
  });

  it("every back end recovers the same key from a high-s signature and fails on the same bad ones", () => {
    const backends = [native!, libsecp!, nobleBackend];
    for (const [key, digest] of fc.sample(fc.tuple(privateKey, hex32), 20)) {
      const sig = new Uint8Array(65);
      const recoveryId = native!.sign(hexToBytes(digest), hexToBytes(key), sig, 0);
      // (r, n - s) with the other recovery id recovers the same key.
      const s = BigInt(bytesToHex(sig.subarray(32, 64)));
      sig.set(hexToBytes(`0x${(N - s).toString(16).padStart(64, "0")}`), 32);
      const keys = backends.map((backend) => {
        const out = new Uint8Array(64);
        return backend.recover(hexToBytes(digest), sig, 0, recoveryId ^ 1, out, 0) ? bytesToHex(out) : "none";
      });
      expect(new Set(keys).size).to.equal(1);
      expect(keys[0]).to.equal(bytesToHex(native!.publicKey(hexToBytes(key))!));
      // Small r values, some of them x coordinates with no point on the curve: the same verdict everywhere.
      for (const r of [1, 2, 3, 5, 6, 7]) {
        sig.set(hexToBytes(`0x${r.toString(16).padStart(64, "0")}`), 0);
        const found = backends.map((b) => {
          const out = new Uint8Array(64);
          return b.recover(hexToBytes(digest), sig, 0, 0, out, 0) ? bytesToHex(out) : "none";
        });
        expect(new Set(found).size, `r = ${r}`).to.equal(1);
      }
      // A recovery id outside 0/1 is refused, never passed to the addon (it would abort the process).
      expect(native!.recover(hexToBytes(digest), sig, 0, 2, new Uint8Array(64), 0)).to.equal(false);
    }
  });

  for (const backend of [native, libsecp, nobleBackend] as Secp256k1Backend[]) {
    describe(backend?.name ?? "a back end (missing)", () => {
      it("signs byte for byte as viem's sign, recovers viem's public key, derives the same public key", async () => {
        const viemAccounts = await import("viem/accounts");
        await fc.assert(
          fc.asyncProperty(privateKey, hex32, async (key, digest) => {
            const expected = await viemAccounts.sign({ hash: digest, privateKey: key, to: "hex" });
            const out = new Uint8Array(65);
            const recoveryId = backend.sign(hexToBytes(digest), hexToBytes(key), out, 0);
            out[64] = 27 + recoveryId;
            expect(bytesToHex(out)).to.equal(expected);
            const publicKey = new Uint8Array(64);
            expect(backend.recover(hexToBytes(digest), out, 0, recoveryId, publicKey, 0)).to.equal(true);
            const viemKey = await recoverPublicKey({ hash: digest, signature: expected });
            expect(`0x04${bytesToHex(publicKey).slice(2)}`).to.equal(viemKey);
            expect(`0x04${bytesToHex(backend.publicKey(hexToBytes(key))!).slice(2)}`).to.equal(viemKey);
          }),
          { numRuns: backend.name === "noble" ? 25 : 60 },
        );
      });

      it("fails to recover exactly where viem throws (r off the curve)", async () => {
        await fc.assert(
          fc.asyncProperty(hex32, fc.bigInt({ min: 1n, max: N - 1n }), fc.bigInt({ min: 1n, max: N - 1n }), fc.nat({ max: 1 }), async (digest, r, s, bit) => {
            const sig = hexToBytes(`0x${r.toString(16).padStart(64, "0")}${s.toString(16).padStart(64, "0")}${bit ? "1c" : "1b"}`);
            const out = new Uint8Array(64);
            const ok = backend.recover(hexToBytes(digest), sig, 0, bit, out, 0);
            let viemKey: string | undefined;
            try {
              viemKey = await recoverPublicKey({ hash: digest, signature: bytesToHex(sig) });
            } catch {
              viemKey = undefined;
            }
            expect(ok).to.equal(viemKey !== undefined);
            if (ok) expect(`0x04${bytesToHex(out).slice(2)}`).to.equal(viemKey);
          }),
          { numRuns: backend.name === "noble" ? 20 : 60 },
        );
      });
    });
  }
});

describe("receipt signatures on the fast path", () => {
  it("privateKeyToReceiptSigner signs byte for byte as viem's signTypedData; signReceipt accepts it", async () => {
    await fc.assert(
      fc.asyncProperty(keyAndReceipt, async ({ key, receipt }) => {
        const account = privateKeyToAccount(key);
        const viaViem = await signReceipt(account, receipt);
        const signer = privateKeyToReceiptSigner(key);
        expect(signer.address).to.equal(account.address);
        expect(signer.signReceiptSync(receipt)).to.deep.equal(viaViem);
        expect(await signReceipt(signer, receipt)).to.deep.equal(viaViem);
        expect(checkReceiptSignature(viaViem)).to.deep.equal({ valid: true, signer: account.address });
        expect(await verifyReceiptSignature(viaViem)).to.equal(true);
        expect(await recoverReceiptSigner(viaViem)).to.equal(account.address);
      }),
      { numRuns: 40 },
    );
  });

  it("a signer refuses a receipt of another serving node, and bad keys without echoing them", () => {
    const key = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
    const signer = privateKeyToReceiptSigner(key);
    const receipt = fc.sample(receiptArb, 1)[0]!;
    expect(() => signer.signReceiptSync(receipt)).to.throw(InvalidSignatureError, /not signed by its serving node/);
    for (const bad of ["0x00", `0x${"0".repeat(64)}`, `0x${N.toString(16)}`, `0x${"zz".repeat(32)}`]) {
      let message = "";
      try {
        privateKeyToReceiptSigner(bad as Hex);
      } catch (error) {
        expect(error).to.be.instanceOf(InvalidReceiptError);
        message = (error as Error).message;
      }
      expect(message).to.match(/privateKey/);
      if (bad.length > 10) expect(message).to.not.include(bad.slice(2));
    }
  });

  it("recovery agrees with viem's recoverTypedDataAddress on mutated signatures (v, r, s, high s, bit flips, ranges)", async () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant("v" as const), v: fc.nat({ max: 255 }) }),
      fc.record({ kind: fc.constant("flip" as const), bit: fc.nat({ max: 519 }) }),
      fc.record({ kind: fc.constant("high-s" as const) }),
      fc.record({ kind: fc.constant("r" as const), r: fc.constantFrom(0n, N, N + 1n, (1n << 256n) - 1n, 1n) }),
      fc.record({ kind: fc.constant("s" as const), s: fc.constantFrom(0n, N, N - 1n, (1n << 256n) - 1n, 1n) }),
      fc.record({ kind: fc.constant("field" as const), field: fc.constantFrom("sequence", "issuedAt", "receiptId") }),
    );
    await fc.assert(
      fc.asyncProperty(keyAndReceipt, mutation, async ({ key, receipt }, m) => {
        const signed = privateKeyToReceiptSigner(key).signReceiptSync(receipt);
        const sig = hexToBytes(signed.signature!);
        let mutated: Receipt;
        const word = (x: bigint) => hexToBytes(`0x${(x % (1n << 256n)).toString(16).padStart(64, "0")}`);
        if (m.kind === "v") sig[64] = m.v;
        if (m.kind === "flip") sig[m.bit >> 3]! ^= 1 << (m.bit & 7);
        if (m.kind === "high-s") {
          const s = BigInt(bytesToHex(sig.subarray(32, 64)));
          sig.set(word(N - s), 32);
          sig[64] = sig[64] === 27 ? 28 : 27; // the malleable twin: same signer for viem
        }
        if (m.kind === "r") sig.set(word(m.r), 0);
        if (m.kind === "s") sig.set(word(m.s), 32);
        if (m.kind === "field") {
          mutated = { ...signed, [m.field]: m.field === "sequence" ? signed.sequence + 1n : m.field === "issuedAt" ? (signed.issuedAt === 0 ? 1 : signed.issuedAt - 1) /* stays a safe integer */ : keccak256(signed.receiptId) };
        } else {
          mutated = { ...signed, signature: bytesToHex(sig) };
        }
        const expected = await viemRecover(mutated);
        expect(fastRecover(mutated)).to.equal(expected);
        const check = checkReceiptSignature(mutated);
        expect(check.valid).to.equal(expected.toLowerCase() === receipt.servingNode.toLowerCase());
        expect(await verifyReceiptSignature(mutated)).to.equal(check.valid);
        if (!check.valid) {
          expect(check.reason).to.equal(expected === "throws" ? "malformed" : "wrong-signer");
          expect(check.detail).to.be.a("string").and.not.equal("");
        }
      }),
      { numRuns: 200 },
    );
  });

  it("says what is wrong with a signature, and never throws from checkReceiptSignature for a bad one", () => {
    const key = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
    const signer = privateKeyToReceiptSigner(key);
    const receipt = { ...fc.sample(receiptArb, 1)[0]!, servingNode: signer.address };
    const signed = signer.signReceiptSync(receipt);
    const { signature: _omit, ...unsigned } = signed;
    void _omit;
    expect(checkReceiptSignature(unsigned)).to.deep.include({ valid: false, reason: "missing" });
    expect(checkReceiptSignature({ ...signed, signature: "0x1234" })).to.deep.include({ valid: false, reason: "malformed" });
    const v5 = checkReceiptSignature({ ...signed, signature: `${signed.signature!.slice(0, 130)}05` as Hex });
    expect(v5).to.deep.include({ valid: false, reason: "malformed" });
    expect(v5.valid ? "" : v5.detail).to.match(/v byte is 0x05/);
    const zeroR = checkReceiptSignature({ ...signed, signature: `0x${"00".repeat(32)}${signed.signature!.slice(66)}` as Hex });
    expect(zeroR.valid ? "" : zeroR.detail).to.match(/r is not in \[1, n\)/);
    const badField = checkReceiptSignature({ ...signed, issuedAt: -1 });
    expect(badField).to.deep.include({ valid: false, reason: "malformed" });
    expect(badField.valid ? "" : badField.detail).to.match(/issuedAt/);
    expect(() => recoverReceiptSignerSync({ ...signed, signature: "0x1234" })).to.throw(InvalidSignatureError, /malformed/);
  });
});

describe("createSignatureCheckPool (worker threads)", () => {
  for (const backend of ["native", "libsecp256k1"] as const)
  it(`gives exactly checkReceiptSignature's verdicts, in order, for valid, mutated, unsigned and malformed receipts (${backend} workers)`, async () => {
    const { createSignatureCheckPool } = await import("../../../sdk/receipt/signatureCheckPool.js");
    const pool = createSignatureCheckPool({ threads: 2, inlineBelow: 1, backend });
    try {
      expect(pool.threads).to.equal(2);
      const keys = fc.sample(privateKey, 3);
      const signers = keys.map((k) => privateKeyToReceiptSigner(k));
      const base = fc.sample(receiptArb, 300);
      const receipts: Receipt[] = base.map((r, i) => {
        const signer = signers[i % 3]!;
        const signed = signer.signReceiptSync({ ...r, servingNode: signer.address });
        const sig = signed.signature!;
        switch (i % 10) {
          case 0:
            return { ...signed, sequence: signed.sequence ^ 1n }; // wrong signer
          case 1:
            return { ...signed, signature: `${sig.slice(0, 130)}${i % 20 === 1 ? "05" : "00"}` as Hex };
          case 2:
            return { ...signed, signature: `0x${"00".repeat(32)}${sig.slice(66)}` as Hex };
          case 3: {
            const { signature: _s, ...unsigned } = signed;
            void _s;
            return unsigned;
          }
          case 4:
            return { ...signed, signature: "0x1234" as Hex };
          case 5:
            return { ...signed, issuedAt: -5 };
          case 6:
            return { ...signed, signature: `0x${"11".repeat(32)}${sig.slice(66)}` as Hex }; // r maybe off the curve
          default:
            return signed;
        }
      });
      const expected = receipts.map((r) => checkReceiptSignature(r));
      expect(await pool.check(receipts)).to.deep.equal(expected);
      expect(expected.filter((c) => c.valid).length).to.be.greaterThan(90);
      expect(await pool.check([])).to.deep.equal([]);
    } finally {
      await pool.close();
    }
  });

  it("idle workers of the signature and tree pools do not keep a process alive; the pools start under V8 flags (--expose-gc, --cpu-prof)", async () => {
    const { spawnSync } = await import("node:child_process");
    const script = [
      `import { sharedSignatureCheckPool } from "./sdk/receipt/signatureCheckPool.ts";`,
      `import { buildReceiptTreeParallel } from "./sdk/tree/buildTreeParallel.ts";`,
      `import { syntheticReceipts } from "./test/sdk/helpers.ts";`,
      `import { privateKeyToReceiptSigner } from "./sdk/receipt/index.ts";`,
      `import { createSignatureCheckPool } from "./sdk/receipt/signatureCheckPool.ts";`,
      `const pool = sharedSignatureCheckPool();`,
      `const tree = await buildReceiptTreeParallel(syntheticReceipts(3000), { threads: 2 });`,
      `const signer = privateKeyToReceiptSigner("0x${"3".repeat(64)}");`,
      `const signed = syntheticReceipts(40).map((r) => signer.signReceiptSync({ ...r, servingNode: signer.address }));`,
      `const own = createSignatureCheckPool({ threads: 2, inlineBelow: 1 });`,
      `const checks = await own.check(signed);`,
      `await own.close();`,
      `console.log(pool.threads > 0, tree.size, checks.filter((c) => c.valid).length);`,
    ].join("\n");
    // Without unref'd idle workers this child never exits (killed after 60 s: status null). The parent's
    // --expose-gc and --cpu-prof are not valid Worker flags: given to a Worker explicitly, they made it throw.
    const profiles = mkdtempSync(path.join(tmpdir(), "showwork-cpuprof-"));
    try {
      const flags = ["--expose-gc", "--cpu-prof", `--cpu-prof-dir=${profiles}`, "--import", "tsx", "--input-type=module", "-e", script];
      const child = spawnSync(process.execPath, flags, { encoding: "utf8", timeout: 60_000 });
      expect([child.status, child.stdout.trim()], child.stderr).to.deep.equal([0, "true 3000 40"]);
    } finally {
      rmSync(profiles, { recursive: true, force: true });
    }
  });

  it("with threads: 0 checks on the calling thread, with the same verdicts", async () => {
    const { createSignatureCheckPool } = await import("../../../sdk/receipt/signatureCheckPool.js");
    const pool = createSignatureCheckPool({ threads: 0 });
    const signer = privateKeyToReceiptSigner(fc.sample(privateKey, 1)[0]!);
    const receipts = fc.sample(receiptArb, 80).map((r) => signer.signReceiptSync({ ...r, servingNode: signer.address }));
    expect(await pool.check(receipts)).to.deep.equal(receipts.map((r) => checkReceiptSignature(r)));
    await pool.close();
    expect(() => createSignatureCheckPool({ threads: -1 })).to.throw(InvalidReceiptError, /threads/);
  });
});

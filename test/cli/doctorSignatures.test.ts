/**
 * `showwork doctor` reports the secp256k1 back end receipt signatures use in this process (issue #26):
 * the native prebuild by default here, the one SHOWWORK_SECP256K1 forces (with what forced it), and a
 * warning with the fix when SHOWWORK_SECP256K1 names no back end. The CLI as a child process.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";

import { signatureBackend } from "../../sdk/receipt/index.js";
import { showwork } from "../service/helpers/processes.js";
import { removeTempDirs, tempDir } from "../service/helpers/service.js";

interface Finding {
  check: string;
  ok: boolean;
  warn?: boolean;
  message: string;
  fix?: string;
}

/** A config with no chain: the set-up cannot be checked (exit 2), the capture and signature lines still come. */
function emptyConfig(): string {
  const file = join(tempDir(), "config.json");
  writeFileSync(file, JSON.stringify({ format: "showwork/config@1", chains: [] }));
  return file;
}

async function signaturesFinding(env: NodeJS.ProcessEnv): Promise<{ finding: Finding | undefined; stdout: string; code: number }> {
  const run = await showwork(["doctor", "--json", "--queue", join(tempDir(), "none.sqlite")], { SHOWWORK_CONFIG: emptyConfig(), ...env });
  expect(run.stdout, run.stderr).to.match(/^\{/);
  const findings = (JSON.parse(run.stdout) as { findings: Finding[] }).findings;
  return { finding: findings.find((f) => f.check === "signatures"), stdout: run.stdout, code: run.code };
}

describe("showwork doctor: the signature back end", function () {
  this.timeout(120_000);
  after(() => removeTempDirs());

  it("reports the back end chosen here: native by default, the forced one with what forced it", async () => {
    // The test process chooses the same way the CLI does (the prebuild loads on this machine).
    expect(signatureBackend().name).to.equal("native");
    const chosen = await signaturesFinding({ SHOWWORK_SECP256K1: "" });
    expect(chosen.finding, chosen.stdout).to.deep.equal({ check: "signatures", ok: true, message: "receipt signatures: native back end, libsecp256k1, native N-API prebuild (secp256k1 package)" });
    expect(chosen.code).to.equal(2); // no chain: could not check the set-up

    const wasm = await signaturesFinding({ SHOWWORK_SECP256K1: "wasm" });
    expect(wasm.finding, wasm.stdout).to.deep.equal({
      check: "signatures",
      ok: true,
      message: "receipt signatures: libsecp256k1 back end, libsecp256k1 compiled to WebAssembly (tiny-secp256k1 package) (forced by SHOWWORK_SECP256K1=wasm)",
    });
    const noble = await signaturesFinding({ SHOWWORK_SECP256K1: "noble" });
    expect(noble.finding?.message, noble.stdout).to.equal("receipt signatures: noble back end, @noble/curves (pure JavaScript) (forced by SHOWWORK_SECP256K1=noble)");
  });

  it("warns, with the fix, when SHOWWORK_SECP256K1 names no back end (it is ignored)", async () => {
    const { finding, stdout } = await signaturesFinding({ SHOWWORK_SECP256K1: "fastest" });
    expect(finding, stdout).to.deep.equal({
      check: "signatures",
      ok: false,
      warn: true,
      message: 'receipt signatures: native back end, libsecp256k1, native N-API prebuild (secp256k1 package); SHOWWORK_SECP256K1="fastest" names no back end and is ignored',
      fix: "set SHOWWORK_SECP256K1 to native, wasm or noble, or unset it",
    });
    const human = await showwork(["doctor", "--queue", join(tempDir(), "none.sqlite")], { SHOWWORK_CONFIG: emptyConfig(), SHOWWORK_SECP256K1: "fastest" });
    expect(human.stdout).to.include('⚠ receipt signatures: native back end').and.include("\n  Do: set SHOWWORK_SECP256K1 to native, wasm or noble, or unset it\n");
  });
});

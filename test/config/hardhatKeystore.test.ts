/**
 * sdk/config/hardhatKeystore.ts against keystores written by the real `npx hardhat keystore set` (the
 * repository's Hardhat and keystore plugin): the value comes back; a file changed after Hardhat wrote it,
 * a wrong password, a missing entry, an unknown format and a missing keystore are each refused, naming
 * what is wrong; where Hardhat's global config folder is on each platform.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import { ConfigError } from "../../sdk/config/errors.js";
import { hardhatConfigDir, hardhatKeystoreFile, readKeystoreSecret } from "../../sdk/config/hardhatKeystore.js";
import { hardhatKeystoreSet } from "../support/hardhatKeystore.js";

const PASSWORD = "a long enough password";
const KEY = `0x${"5a".repeat(32)}`;
const DEV_KEY = `0x${"6b".repeat(32)}`;

async function refusal(work: Promise<unknown>): Promise<ConfigError> {
  try {
    await work;
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("the Hardhat keystore reader (files written by `hardhat keystore set`)", function () {
  this.timeout(120_000);
  let home: string;
  let env: NodeJS.ProcessEnv;
  let file: string;
  let original: string;

  before(async () => {
    home = mkdtempSync(path.join(tmpdir(), "showwork-hh-keystore-"));
    env = { XDG_CONFIG_HOME: home };
    await hardhatKeystoreSet({ xdgConfigHome: home, entry: "OPERATOR", value: KEY, password: PASSWORD });
    await hardhatKeystoreSet({ xdgConfigHome: home, entry: "OTHER", value: DEV_KEY, dev: true });
    file = hardhatKeystoreFile({ env });
    original = readFileSync(file, "utf8");
  });
  afterEach(() => writeFileSync(file, original));
  after(() => rmSync(home, { recursive: true, force: true }));

  it("reads an entry with the password from SHOWWORK_KEYSTORE_PASSWORD or asked for, and the development keystore with none", async () => {
    expect(file).to.equal(path.join(home, "hardhat-nodejs", "keystore.json"));
    expect(await readKeystoreSecret({ entry: "OPERATOR", env: { ...env, SHOWWORK_KEYSTORE_PASSWORD: PASSWORD } })).to.deep.equal({ value: KEY, source: "the Hardhat keystore entry OPERATOR" });
    const prompts: string[] = [];
    const asked = await readKeystoreSecret({ entry: "OPERATOR", env, askPassword: async (prompt) => (prompts.push(prompt), PASSWORD) });
    expect(asked.value).to.equal(KEY);
    expect(prompts).to.deep.equal([`Password of the Hardhat keystore (${file}) for "OPERATOR": `]);
    expect((await readKeystoreSecret({ entry: "OTHER", dev: true, env })).value).to.equal(DEV_KEY);
  });

  it("refuses a wrong password, a missing entry (listing the entries) and a missing keystore", async () => {
    const wrong = await refusal(readKeystoreSecret({ entry: "OPERATOR", env: { ...env, SHOWWORK_KEYSTORE_PASSWORD: "not it at all" } }));
    expect(wrong.shortMessage).to.equal(`Could not read "OPERATOR" from the Hardhat keystore: wrong password (SHOWWORK_KEYSTORE_PASSWORD) for ${file}.`);
    const missing = await refusal(readKeystoreSecret({ entry: "NOPE", env: { ...env, SHOWWORK_KEYSTORE_PASSWORD: PASSWORD } }));
    expect(missing.shortMessage).to.equal('Could not read "NOPE" from the Hardhat keystore: it has no entry "NOPE".');
    expect(missing.metaMessages).to.include("Found:    the entries OPERATOR");
    const nowhere = await refusal(readKeystoreSecret({ entry: "OPERATOR", env: { XDG_CONFIG_HOME: path.join(home, "empty") } }));
    expect(nowhere.shortMessage).to.include("there is no");
    expect(nowhere.metaMessages?.[0]).to.include("npx hardhat keystore set OPERATOR");
  });

  it("refuses a file changed after Hardhat wrote it (an entry added or swapped: the HMAC does not match), before opening any secret", async () => {
    const keystore = JSON.parse(original) as { secrets: Record<string, unknown> };
    // An attacker copies the operator's encrypted entry under another name: same data key, so it would decrypt.
    keystore.secrets.INJECTED = keystore.secrets.OPERATOR;
    writeFileSync(file, JSON.stringify(keystore));
    const changed = await refusal(readKeystoreSecret({ entry: "INJECTED", env: { ...env, SHOWWORK_KEYSTORE_PASSWORD: PASSWORD } }));
    expect(changed.shortMessage).to.equal(`Could not read "INJECTED" from the Hardhat keystore: ${file} has been changed since Hardhat wrote it (its HMAC does not match).`);
  });

  it("refuses a file that is not a keystore this version reads, saying what it found", async () => {
    writeFileSync(file, JSON.stringify({ ...JSON.parse(original), version: "hardhat-v4-keystore-9" }));
    const other = await refusal(readKeystoreSecret({ entry: "OPERATOR", env: { ...env, SHOWWORK_KEYSTORE_PASSWORD: PASSWORD } }));
    expect(other.shortMessage).to.include("is not a keystore this version reads");
    expect(other.metaMessages).to.include('Found:    "version": "hardhat-v4-keystore-9"');
    writeFileSync(file, "{ not json");
    expect((await refusal(readKeystoreSecret({ entry: "OPERATOR", env }))).shortMessage).to.include("is not JSON");
  });

  it("finds Hardhat's global config folder as Hardhat does on Linux, macOS and Windows", () => {
    expect(hardhatConfigDir({ XDG_CONFIG_HOME: "/x" }, "linux")).to.equal("/x/hardhat-nodejs");
    expect(hardhatConfigDir({}, "linux")).to.equal(path.join(homedir(), ".config", "hardhat-nodejs"));
    expect(hardhatConfigDir({}, "darwin")).to.equal(path.join(homedir(), "Library", "Preferences", "hardhat-nodejs"));
    expect(hardhatConfigDir({ APPDATA: "/appdata" }, "win32")).to.equal(path.join("/appdata", "hardhat-nodejs", "Config"));
  });
});

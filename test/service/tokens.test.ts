/**
 * The access token stores (SQLite and a real PostgreSQL 15): one contract, run against both.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";

import { AccessTokenError, hashAccessToken, openAccessTokenStore, type AccessTokenStore } from "../../sdk/service/http/tokens.js";
import { freshDatabase } from "../support/postgres.js";
import { removeTempDirs, tempDir } from "./helpers/service.js";

const kinds: { name: string; location: () => Promise<string> }[] = [
  { name: "SQLite", location: async () => join(tempDir(), "store.sqlite") },
  { name: "PostgreSQL", location: () => freshDatabase("tokens") },
];

for (const kind of kinds) {
  describe(`access tokens (${kind.name})`, function () {
    this.timeout(60_000);
    let location: string;
    let tokens: AccessTokenStore;

    beforeEach(async () => {
      location = await kind.location();
      tokens = await openAccessTokenStore(location);
    });
    afterEach(async () => tokens.close());
    after(() => removeTempDirs());

    it("issues a 256-bit token once, finds it by its hash, never stores or lists it", async () => {
      const issued = await tokens.issue("backend-1");
      expect(issued.token).to.match(/^swt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
      expect(issued.token.startsWith(`swt_${issued.id}_`)).to.equal(true);
      expect(Buffer.from(issued.token.slice(`swt_${issued.id}_`.length), "base64url").length).to.equal(32); // the secret may contain "_"
      expect(await tokens.lookup(issued.token)).to.deep.equal({ id: issued.id, name: "backend-1", createdAt: issued.createdAt, revokedAt: undefined });
      expect(await tokens.lookup(`${issued.token.slice(0, -1)}${issued.token.endsWith("x") ? "y" : "x"}`)).to.equal(undefined);
      expect(await tokens.lookup("not a token")).to.equal(undefined);
      expect(JSON.stringify(await tokens.list())).to.not.include(issued.token);
      expect(hashAccessToken(issued.token)).to.match(/^[0-9a-f]{64}$/);
      if (kind.name === "SQLite") {
        await tokens.close();
        const bytes = Buffer.concat([readFileSync(location), ...(() => { try { return [readFileSync(`${location}-wal`)]; } catch { return []; } })()]);
        expect(bytes.includes(Buffer.from(issued.token))).to.equal(false);
        expect(bytes.includes(Buffer.from(hashAccessToken(issued.token)))).to.equal(true);
        tokens = await openAccessTokenStore(location);
      }
    });

    it("revokes by id or by active name; a revoked token is known as revoked; names are unique among active tokens", async () => {
      const a = await tokens.issue("a");
      const b = await tokens.issue("b");
      try {
        await tokens.issue("a");
        expect.fail("a second active token named a");
      } catch (error) {
        expect(error).to.be.instanceOf(AccessTokenError);
        expect((error as Error).message).to.include("already named");
      }
      expect(await tokens.activeCount()).to.equal(2);
      const revoked = await tokens.revoke(a.id);
      expect(revoked.revokedAt).to.be.a("number");
      expect((await tokens.lookup(a.token))?.revokedAt).to.equal(revoked.revokedAt);
      expect((await tokens.revoke("b")).id).to.equal(b.id);
      expect(await tokens.activeCount()).to.equal(0);
      const again = await tokens.issue("a"); // the name is free once its token is revoked
      expect(again.id).to.not.equal(a.id);
      try {
        await tokens.revoke("nobody");
        expect.fail("revoked an unknown token");
      } catch (error) {
        expect(error).to.be.instanceOf(AccessTokenError);
      }
      const byId = new Map((await tokens.list()).map((t) => [t.id, t.revokedAt === undefined]));
      expect([...byId.entries()].sort()).to.deep.equal([[a.id, false], [b.id, false], [again.id, true]].sort());
    });

    it("rejects a bad name", async () => {
      for (const name of ["", "x".repeat(65), "with space", "new\nline"]) {
        try {
          await tokens.issue(name);
          expect.fail(`issued ${JSON.stringify(name)}`);
        } catch (error) {
          expect(error).to.be.instanceOf(AccessTokenError);
        }
      }
    });
  });
}

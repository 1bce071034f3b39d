/**
 * A real PostgreSQL server for the tests: a private throwaway cluster (PostgreSQL 15, Debian's
 * binaries under /usr/lib/postgresql/15/bin) on a free loopback port, started once per test
 * process on first use and stopped (`pg_ctl -m immediate stop`) when the process exits.
 * Each test file asks for its own fresh database with {@link freshDatabase}.
 *
 * PostgreSQL refuses to run as root: as root the cluster runs as the `postgres` user
 * (`runuser -u postgres`), otherwise as the current user. Never port 5432.
 *
 * `SHOWWORK_TEST_POSTGRES_URL=postgres://user@127.0.0.1:PORT/postgres` uses a server you
 * run yourself instead (databases are created on it, never dropped).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";

import pg from "pg";

export const PG_BIN = process.env.SHOWWORK_PG_BIN ?? "/usr/lib/postgresql/15/bin";

interface Cluster {
  /** Admin URL (database `postgres`). */
  readonly adminUrl: string;
  readonly port: number;
}

let cluster: Promise<Cluster> | undefined;
let databases = 0;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

const asRoot = userInfo().uid === 0;

/** Runs a PostgreSQL binary as the cluster's user. */
function pgRun(binary: string, args: string[]): string {
  const path = join(PG_BIN, binary);
  const [command, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", path, ...args]] : [path, args];
  return execFileSync(command, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

async function startCluster(): Promise<Cluster> {
  const external = process.env.SHOWWORK_TEST_POSTGRES_URL;
  if (external !== undefined && external !== "") {
    const url = new URL(external);
    return { adminUrl: external, port: Number(url.port) };
  }
  if (!existsSync(join(PG_BIN, "initdb"))) {
    throw new Error(
      `PostgreSQL's server binaries are not at ${PG_BIN} (no initdb). ` +
        "Install them (Debian: apt-get install -y postgresql; .ci/run does it as root), " +
        "or set SHOWWORK_PG_BIN to their folder, or SHOWWORK_TEST_POSTGRES_URL to a server of yours.",
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "showwork-pg-"));
  if (asRoot) {
    const ids = execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim();
    const gid = execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim();
    chownSync(dir, Number(ids), Number(gid));
  }
  const data = join(dir, "data");
  pgRun("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale", "C"]);
  const port = await freePort();
  pgRun("pg_ctl", [
    "-D",
    data,
    "-o",
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200`,
    "-l",
    join(dir, "log"),
    "-w",
    "start",
  ]);
  process.once("exit", () => {
    // Synchronous: 'exit' handlers cannot wait.
    const path = join(PG_BIN, "pg_ctl");
    const args = ["-D", data, "-m", "immediate", "stop"];
    if (asRoot) spawnSync("runuser", ["-u", "postgres", "--", path, ...args], { stdio: "ignore" });
    else spawnSync(path, args, { stdio: "ignore" });
    rmSync(dir, { recursive: true, force: true });
  });
  return { adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`, port };
}

/** The shared cluster (started on first call). */
export function postgresCluster(): Promise<Cluster> {
  cluster ??= startCluster();
  return cluster;
}

/** Creates a fresh, empty database on the shared cluster and returns its URL. */
export async function freshDatabase(prefix = "t"): Promise<string> {
  const { adminUrl } = await postgresCluster();
  const name = `${prefix.replace(/[^a-z0-9_]/gi, "_").toLowerCase()}_${process.pid}_${++databases}_${Date.now() % 1_000_000}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

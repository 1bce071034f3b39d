/**
 * Ingestion over HTTP with several `showwork serve` instances (`npm run bench -- instances`):
 * SQLite (one instance: one writer per file) against PostgreSQL with 1, 2 and 3 instances on one
 * database, each instance a real process anchoring into a `hardhat node` on 127.0.0.1. A load
 * generator keeps 4 requests of 200 receipts in flight, spread over the instances, for a fixed time,
 * and counts the receipts acknowledged (201: durably stored). Then the failover time: SIGKILL the
 * anchoring instance (lease 2 s) and time until another one reports the role in /health.
 *
 * Prints one line per configuration. `--quick`: 3 s per configuration.
 */
import { join } from "node:path";

import { setupTestLog } from "../test/service/helpers/chain.js";
import { exited, killAll, startHardhatNode } from "../test/service/helpers/processes.js";
import { makeReceipts } from "../test/service/helpers/receipts.js";
import { removeTempDirs, tempDir } from "../test/service/helpers/service.js";
import { roleOf, startService } from "../test/service/reliability/crashHarness.js";
import { freshDatabase } from "../test/support/postgres.js";

const quick = process.argv.includes("--quick");
const SECONDS = quick ? 3 : 8;
const PER_REQUEST = 200;
const IN_FLIGHT = 4;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function load(urls: string[], seconds: number): Promise<{ receipts: number; requests: number; p50: number; p99: number }> {
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
        const response = await fetch(`${urls[i % urls.length]}/v1/receipts`, { method: "POST", headers: { "content-type": "application/json" }, body });
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
  for (const config of configs) {
    const store = await config.store();
    const services = [];
    for (let i = 0; i < config.instances; i++) services.push(await startService(node, log, store, "", ["--max-batch", "5000", "--max-delay", "500"]));
    const result = await load(
      services.map((s) => s.url!),
      SECONDS,
    );
    console.log(
      `  ${config.name.padEnd(26)} ${Math.round(result.receipts / SECONDS).toLocaleString("en-US").padStart(8)} receipts/s  ` +
        `(request p50 ${result.p50.toFixed(0)} ms, p99 ${result.p99.toFixed(0)} ms, ${result.requests} requests)`,
    );
    for (const s of services) {
      s.child.kill("SIGTERM");
      await exited(s.child);
    }
  }

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

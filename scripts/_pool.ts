import fc from "fast-check";
import { privateKeyToReceiptSigner, checkReceiptSignature } from "../sdk/index.js";
import { createSignatureCheckPool } from "../sdk/receipt/signatureCheckPool.js";
const { receiptArb } = await import("../test/sdk/helpers.js");
const signer = privateKeyToReceiptSigner("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const rs = fc.sample(receiptArb, 1000).map((r) => signer.signReceiptSync({ ...r, servingNode: signer.address }));
let t = performance.now(); let c = process.cpuUsage();
for (const r of rs) checkReceiptSignature(r);
let u = process.cpuUsage(c); console.log("inline", ((performance.now() - t) * 1000 / rs.length).toFixed(0), "µs wall", ((u.user + u.system) / rs.length).toFixed(0), "µs cpu");
for (const threads of [1, 2]) {
  const pool = createSignatureCheckPool({ threads });
  await pool.check(rs.slice(0, 100));
  t = performance.now(); c = process.cpuUsage();
  await pool.check(rs);
  u = process.cpuUsage(c); console.log("pool", threads, ((performance.now() - t) * 1000 / rs.length).toFixed(0), "µs wall", ((u.user + u.system) / rs.length).toFixed(0), "µs cpu (all threads)");
  await pool.close();
}

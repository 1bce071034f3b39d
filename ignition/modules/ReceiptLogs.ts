import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * ReceiptLogs: the append-only logs of anchored batch roots. No constructor arguments.
 * `npm run deploy` deploys it with `--strategy create2` (see scripts/deploy/create2.ts).
 */
export default buildModule("ReceiptLogs", (m) => {
  const receiptLogs = m.contract("ReceiptLogs", []);
  return { receiptLogs };
});

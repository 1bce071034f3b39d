import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import ReceiptLogsModule from "./ReceiptLogs.js";

/** ModelTimeline: per-log model versions and activations; admin rights come from ReceiptLogs. */
export default buildModule("ModelTimeline", (m) => {
  const { receiptLogs } = m.useModule(ReceiptLogsModule);
  const modelTimeline = m.contract("ModelTimeline", [receiptLogs]);
  return { receiptLogs, modelTimeline };
});

import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * ModelTimeline: per-log model versions and activations; admin rights come from ReceiptLogs.
 * Parameter `receiptLogs`: the ReceiptLogs address (`npm run deploy` passes the CREATE2 one).
 */
export default buildModule("ModelTimeline", (m) => {
  const modelTimeline = m.contract("ModelTimeline", [m.getParameter<string>("receiptLogs")]);
  return { modelTimeline };
});

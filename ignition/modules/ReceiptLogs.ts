import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/** ReceiptLogs: the append-only logs of anchored batch roots. No constructor arguments. */
export default buildModule("ReceiptLogs", (m) => {
  const receiptLogs = m.contract("ReceiptLogs", []);
  return { receiptLogs };
});

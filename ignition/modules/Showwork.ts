import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * All three contracts in one module, for a plain Ignition run on a fresh chain:
 *
 *   npx hardhat ignition deploy ignition/modules/Showwork.ts --strategy create2 --network NAME
 *
 * gives the same addresses as `npm run deploy`, which deploys the per-contract modules
 * (ReceiptLogs.ts, ModelTimeline.ts, AnswerEscrow.ts) one by one so that a contract already
 * at its address is never sent again, and records the result.
 */
export default buildModule("Showwork", (m) => {
  const receiptLogs = m.contract("ReceiptLogs", []);
  const modelTimeline = m.contract("ModelTimeline", [receiptLogs]);
  const answerEscrow = m.contract("AnswerEscrow", [receiptLogs]);
  return { receiptLogs, modelTimeline, answerEscrow };
});

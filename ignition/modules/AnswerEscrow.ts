import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import ReceiptLogsModule from "./ReceiptLogs.js";

/** AnswerEscrow: the example consumer that pays only for answers whose receipt is anchored. */
export default buildModule("AnswerEscrow", (m) => {
  const { receiptLogs } = m.useModule(ReceiptLogsModule);
  const answerEscrow = m.contract("AnswerEscrow", [receiptLogs]);
  return { receiptLogs, answerEscrow };
});

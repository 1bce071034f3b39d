import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * AnswerEscrow: the example consumer that pays only for answers whose receipt is anchored.
 * Parameter `receiptLogs`: the ReceiptLogs address (`npm run deploy` passes the CREATE2 one).
 */
export default buildModule("AnswerEscrow", (m) => {
  const answerEscrow = m.contract("AnswerEscrow", [m.getParameter<string>("receiptLogs")]);
  return { answerEscrow };
});

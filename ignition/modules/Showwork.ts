import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import AnswerEscrowModule from "./AnswerEscrow.js";
import ModelTimelineModule from "./ModelTimeline.js";

/**
 * Everything a chain needs: ReceiptLogs, ModelTimeline and AnswerEscrow.
 * `npm run deploy -- --network NAME` deploys this module with
 * `--strategy create2` (see scripts/deploy/create2.ts).
 */
export default buildModule("Showwork", (m) => {
  const { receiptLogs, modelTimeline } = m.useModule(ModelTimelineModule);
  const { answerEscrow } = m.useModule(AnswerEscrowModule);
  return { receiptLogs, modelTimeline, answerEscrow };
});

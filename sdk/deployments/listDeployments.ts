import { committedDeployments } from "./committed.js";
import type { ChainDeployment, DeploymentsRecord } from "./record.js";

export interface ListDeploymentsParameters {
  /** The record to list; defaults to the committed `deployments/deployments.json`. */
  record?: DeploymentsRecord;
}

/**
 * Every chain with a recorded showwork deployment, by ascending chain id.
 *
 * @example
 * for (const d of listDeployments()) console.log(d.chainId, d.chainName, d.contracts.ReceiptLogs.address);
 */
export function listDeployments(parameters: ListDeploymentsParameters = {}): ChainDeployment[] {
  const record = parameters.record ?? committedDeployments();
  return Object.values(record.chains).sort((a, b) => a.chainId - b.chainId);
}

import { committedDeployments, COMMITTED_RECORD_SOURCE } from "./committed.js";
import { DeploymentNotFoundError, InvalidChainIdError } from "./errors.js";
import type { ChainDeployment, DeploymentsRecord } from "./record.js";

export interface GetDeploymentParameters {
  /** The record to look in; defaults to the committed `deployments/deployments.json`. */
  record?: DeploymentsRecord;
}

export type GetDeploymentReturnType = ChainDeployment;

export type GetDeploymentErrorType = DeploymentNotFoundError | InvalidChainIdError;

/**
 * The showwork contracts on a chain, from the deployments record.
 *
 * @param chainId - the chain's EIP-155 id (number or bigint).
 * @throws {DeploymentNotFoundError} when the record has no deployment for `chainId` (it lists the chains it has).
 * @throws {InvalidChainIdError} when `chainId` is not a positive integer.
 * @example
 * const { contracts, deploymentBlock } = getDeployment(11155111);
 * const receiptLogs = contracts.ReceiptLogs.address;
 */
export function getDeployment(chainId: number | bigint, parameters: GetDeploymentParameters = {}): GetDeploymentReturnType {
  const id = typeof chainId === "bigint" ? Number(chainId) : chainId;
  if (!Number.isSafeInteger(id) || id <= 0 || (typeof chainId === "bigint" && BigInt(id) !== chainId)) {
    throw new InvalidChainIdError(chainId);
  }
  const record = parameters.record ?? committedDeployments();
  const deployment = record.chains[String(id)];
  if (deployment === undefined) {
    throw new DeploymentNotFoundError({
      chainId: id,
      knownChainIds: Object.values(record.chains).map((c) => c.chainId).sort((a, b) => a - b),
      source: parameters.record === undefined ? COMMITTED_RECORD_SOURCE : "the record passed in",
    });
  }
  return deployment;
}

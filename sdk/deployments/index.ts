/**
 * Where the showwork contracts are, per chain: the deployments record.
 *
 * Browser-safe. The Node-only file reader is a separate module:
 * `import { readDeploymentsFile } from "./sdk/deployments/readDeploymentsFile.js"`.
 *
 * @module
 */
export { COMMITTED_RECORD_SOURCE, committedDeployments } from "./committed.js";
export { DeploymentNotFoundError, InvalidChainIdError, InvalidDeploymentsRecordError } from "./errors.js";
export {
  getDeployment,
  type GetDeploymentErrorType,
  type GetDeploymentParameters,
  type GetDeploymentReturnType,
} from "./getDeployment.js";
export { listDeployments, type ListDeploymentsParameters } from "./listDeployments.js";
export {
  CONTRACT_NAMES,
  DEPLOYMENTS_FORMAT,
  emptyDeploymentsRecord,
  parseDeploymentsRecord,
  type ChainDeployment,
  type CompilerRecord,
  type ContractDeployment,
  type ContractName,
  type DeploymentRecord,
  type DeploymentsRecord,
  type ExplorerRecord,
} from "./record.js";

/**
 * Errors of the deployments record reader.
 *
 * @module
 */
import { ShowworkError } from "../errors.js";
import { show } from "../text/display.js";


/** No showwork deployment is recorded for the chain asked for. */
export class DeploymentNotFoundError extends ShowworkError {
  override name = "DeploymentNotFoundError";
  readonly chainId: number;

  constructor({ chainId, knownChainIds, source }: { chainId: number; knownChainIds: number[]; source: string }) {
    super(`No showwork deployment is recorded for chain ${chainId}.`, {
      metaMessages: [
        `Looked in: ${source}`,
        `Chains recorded there: ${knownChainIds.length > 0 ? knownChainIds.join(", ") : "(none)"}`,
        "Deploy with `npm run deploy -- --network NAME` (it writes the record), or pass the record that",
        "holds this chain: getDeployment(chainId, { record: readDeploymentsFile(path) }).",
      ],
    });
    this.chainId = chainId;
  }
}

/** A deployments record does not have the expected shape. */
export class InvalidDeploymentsRecordError extends ShowworkError {
  override name = "InvalidDeploymentsRecordError";
  /** Dotted path of the offending field, e.g. `chains.11155111.contracts.ReceiptLogs.address`. */
  readonly path: string;

  constructor({ source, path, expected, found }: { source: string; path: string; expected: string; found: unknown }) {
    super(`Invalid ${source}: ${path}.`, {
      metaMessages: [`Expected: ${expected}`, `Found: ${show(found)}`],
    });
    this.path = path;
  }
}

/** A chain id that is not a positive integer. */
export class InvalidChainIdError extends ShowworkError {
  override name = "InvalidChainIdError";

  constructor(chainId: unknown) {
    super("Invalid chain id.", { metaMessages: ["Expected: a positive integer (number or bigint)", `Found: ${show(chainId)}`] });
  }
}

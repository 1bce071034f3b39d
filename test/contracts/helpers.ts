import { expect } from "chai";
import { BaseError, ContractFunctionRevertedError } from "viem";

/**
 * Awaits `action` and asserts it reverted with the custom error `errorName` (and, when given, exactly `args`).
 * Works on viem write/simulate/read errors: the revert is found by walking the error's causes.
 */
export async function expectCustomError(
  action: Promise<unknown>,
  errorName: string,
  args?: readonly unknown[],
): Promise<void> {
  let caught: unknown;
  try {
    await action;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected a revert with ${errorName}, but the call succeeded`).to.not.equal(undefined);
  expect(caught).to.be.instanceOf(BaseError);
  const reverted = (caught as BaseError).walk((e) => e instanceof ContractFunctionRevertedError);
  expect(reverted, `expected ${errorName}, got: ${(caught as Error).message}`).to.be.instanceOf(
    ContractFunctionRevertedError,
  );
  const data = (reverted as ContractFunctionRevertedError).data;
  expect(data?.errorName, `revert data: ${(reverted as Error).message}`).to.equal(errorName);
  if (args !== undefined) expect(data?.args ?? []).to.deep.equal(args);
}

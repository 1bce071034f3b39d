/**
 * Deterministic deployment through the CreateX factory (Hardhat Ignition's
 * `create2` strategy). The address of a contract is
 *
 *   address = keccak256(0xff ‖ CREATEX_ADDRESS ‖ guardedSalt ‖ keccak256(initCode))[12:]
 *
 * where `initCode` is the creation bytecode followed by the ABI-encoded
 * constructor arguments and `guardedSalt` is what CreateX's `_guard` makes of
 * the salt we pass. Our salt starts with 20 bytes that are neither zero nor a
 * sender address ("showwork.deploy.v1" in ASCII, zero-padded), so CreateX takes
 * its "random salt" branch: guardedSalt = keccak256(abi.encode(salt)), with no
 * sender and no chain id mixed in. Hence:
 *
 * - same salt + same compiled bytecode ⇒ the same address on every chain, and
 *   whoever sends the transaction (the deployer key does not matter);
 * - anyone can deploy the canonical addresses on a new chain that has CreateX,
 *   which is safe because the contracts take no privileged deployer: a
 *   front-runner can only deploy the very same code there.
 *
 * The compiled bytecode must be identical, so deployments always build with
 * the `production` profile (Ignition's default for `ignition deploy`), the
 * pinned `solc`, and the locked dependency versions.
 */
import { encodeAbiParameters, getContractAddress, keccak256, type Address, type Hex } from "viem";

/** CreateX v1 factory, at the same address on every chain it is deployed to. */
export const CREATEX_ADDRESS: Address = "0xba5Ed099633D3B313e4D5F7bdc1305d3c28ba5Ed";

/** keccak256 of CreateX's runtime bytecode (what Ignition checks before using it). */
export const CREATEX_CODE_HASH: Hex = "0xbd8a7ea8cfca7b4e5f5041d7d4b17bc317c5ce42cfbc42066a00cf26b43eb53f";

/** The one salt of every showwork deployment: "showwork.deploy.v1", zero-padded to 32 bytes. */
export const CREATE2_SALT: Hex = "0x73686f77776f726b2e6465706c6f792e76310000000000000000000000000000";

/**
 * CreateX's `_guard` for a salt whose first 20 bytes are neither zero nor the
 * sender (the only kind this project uses): keccak256(abi.encode(salt)).
 * Other salt kinds (permissioned, cross-chain protected) are refused, since
 * they would make addresses depend on the deployer or the chain.
 */
export function guardedSalt(salt: Hex): Hex {
  if (!/^0x[0-9a-fA-F]{64}$/.test(salt)) {
    throw new TypeError(`salt must be 32 bytes of hex, got ${salt}`);
  }
  const senderBytes = salt.slice(2, 42);
  if (/^0+$/.test(senderBytes)) {
    throw new TypeError("salt must not start with 20 zero bytes (CreateX would mix in the chain id or revert)");
  }
  return keccak256(encodeAbiParameters([{ type: "bytes32" }], [salt]));
}

/** The address CreateX's `deployCreate2(salt, initCode)` deploys `initCode` to. */
export function predictCreate2Address(initCode: Hex, salt: Hex = CREATE2_SALT): Address {
  return getContractAddress({
    opcode: "CREATE2",
    from: CREATEX_ADDRESS,
    salt: guardedSalt(salt),
    bytecode: initCode,
  });
}

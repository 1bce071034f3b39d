/**
 * `showwork bundle upgrade IN.json --rpc URL [-o OUT.json] [--proof-block N] [--trust-out FILE]`: turns a bundle
 * (v1, or v2 without chain proofs) into a self-contained v2 bundle while its chain is reachable: the headers from
 * the anchoring block to the proof block and the storage proofs the verifier needs. `--trust-out` also writes a
 * trust file whose checkpoint is the proof block (pin it, or check its hash against sources you trust).
 *
 * @module
 */
import { readFile, writeFile } from "node:fs/promises";

import { Command, Option } from "commander";
import { createPublicClient, http, keccak256 } from "viem";

import { parseBundle, toBundleJson, toBundleV2 } from "../../bundle/parseBundle.js";
import { proveAnchor } from "../../chainproof/prove.js";
import { makeTrustFile } from "../../chainproof/trustFile.js";
import { ChainProofError, verifyChainProof } from "../../chainproof/verifyChainProof.js";
import { checkpointFromEndpoints } from "../../verify/checkpoints.js";
import { nonNegativeInteger, rpcUrlsArgument } from "../commandOptions.js";

interface UpgradeOptions {
  rpc?: string[];
  out?: string;
  proofBlock?: number;
  trustOut?: string;
}

export function bundleCommand(): Command {
  const command = new Command("bundle").description("work on proof bundles: upgrade (make one self-contained, bundle v2 with chain proofs)");
  command
    .command("upgrade")
    .description("add the chain's own proofs (block headers, storage proofs) to a bundle, so it verifies offline against a checkpoint")
    .argument("<bundle>", "the proof bundle JSON file (v1 or v2)")
    .addOption(new Option("--rpc <url>", "JSON-RPC endpoint of the bundle's chain (it must serve eth_getProof at the blocks involved); repeat it to have the proof block's hash agreed by every endpoint given").env("SHOWWORK_RPC_URL").argParser(rpcUrlsArgument))
    .addOption(new Option("-o, --out <file>", "where to write the v2 bundle ('-': stdout; default: overwrite the input)"))
    .addOption(new Option("--proof-block <n>", "the block to prove the state at (default: the latest)").argParser(nonNegativeInteger))
    .addOption(new Option("--trust-out <file>", "also write a trust file whose checkpoint is the proof block"))
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
    .action(async (file: string, options: UpgradeOptions) => {
      try {
        const rpc = options.rpc?.[0];
        if (!rpc) throw new Error("which chain? Pass --rpc URL (an endpoint of the bundle's chain)");
        const bundle = parseBundle(JSON.parse(await readFile(file, "utf8")) as unknown);
        const client = createPublicClient({ transport: http(rpc) });
        const proofBlock = options.proofBlock ?? Number(await client.getBlockNumber({ cacheTime: 0 }));
        const chainId = await client.getChainId();
        const anchors = await Promise.all(
          bundle.anchors.map(async (anchor, i) => (anchor.chainId === chainId ? { ...anchor, chainProof: await proveAnchor(client, bundle, { anchorIndex: i, proofBlock }) } : anchor)),
        );
        // The proof is checked before it is written: against its proof block's hash, as all given endpoints agree on it
        // (one endpoint: its own header), so an endpoint's wrong proof node, storage value or header is refused here.
        const hash = options.rpc!.length > 1 ? (await checkpointFromEndpoints(options.rpc!, chainId, proofBlock)).hash : undefined;
        for (const anchor of anchors) {
          if (anchor.chainProof === undefined || anchor.chainId !== chainId) continue;
          const headers = anchor.chainProof.headers;
          const checkpoint = { chainId, number: proofBlock, hash: hash ?? keccak256(headers[headers.length - 1]!) };
          try {
            await verifyChainProof(anchor.chainProof, checkpoint, chainId);
          } catch (error) {
            if (!(error instanceof ChainProofError)) throw error;
            throw new Error(`the chain proof the endpoint served does not check (${error.failure}): ${error.message}; nothing written`, { cause: error });
          }
        }
        const upgraded = toBundleV2(bundle, { anchors });
        const text = `${JSON.stringify(toBundleJson(upgraded), null, 2)}\n`;
        const out = options.out ?? file;
        if (out === "-") process.stdout.write(text);
        else await writeFile(out, text);
        if (options.trustOut) {
          const trust = await makeTrustFile({ client, blockNumber: proofBlock, logs: [bundle.anchor.logId], contracts: { receiptLogs: bundle.anchor.contract } });
          await writeFile(options.trustOut, `${JSON.stringify(trust, null, 2)}\n`);
        }
        process.stderr.write(
          `showwork bundle upgrade: ${out === "-" ? "stdout" : out}: v2, chain proof of ${anchors.filter((a) => a.chainProof).length} anchor(s) on chain ${chainId} at block ${proofBlock} (${text.length} bytes)${options.trustOut ? `; checkpoint written to ${options.trustOut}` : ""}\n`,
        );
      } catch (error) {
        process.stderr.write(`showwork bundle upgrade: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}\n`);
        process.exitCode = 2;
      }
    });
  return command;
}

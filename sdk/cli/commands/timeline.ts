/**
 * `showwork timeline MODEL --rpc URL --log-id ID [--contract ADDRESS]`: a model's activations
 * (deployments, rollbacks, deactivations) in a log, read from the ModelTimeline contract (by
 * default the one the deployments record lists for the endpoint's chain).
 *
 * @module
 */
import { writeFile } from "node:fs/promises";

import { Command, Option } from "commander";
import { BaseError, createPublicClient, http, zeroHash, type Address, type Hex } from "viem";

import { modelTimelineAbi } from "../../contracts/abis.js";
import { getDeployment } from "../../deployments/getDeployment.js";
import { ShowworkError } from "../../errors.js";
import { readModelTimeline } from "../../timeline/readModelTimeline.js";
import { renderTimelineSvg } from "../../timeline/renderTimelineSvg.js";
import type { ModelTimelineView } from "../../timeline/types.js";
import { isoTime } from "../../verify/check.js";
import { describeRpcFailure, isRpcUnavailable } from "../../verify/rpcFailure.js";
import { addressArgument, bytes32Argument, modelArgument, nonNegativeInteger, rpcUrlArgument, timeArgument } from "../commandOptions.js";

interface TimelineOptions {
  rpc: string;
  logId: Hex;
  contract?: Address;
  at?: number;
  json?: boolean;
  svg?: string;
  timeout: number;
}

/** The timeline as lines of text: one line per activation. */
export function formatTimeline(view: ModelTimelineView, model: { name: string | undefined; modelId: Hex }): string {
  const title = `${view.name || model.name || "model"} (${view.modelId}) in log ${view.logId}`;
  if (!view.registered) return `${title}: not registered in this timeline (${view.contract})`;
  const lines = [`${title}: ${view.activations.length} activation${view.activations.length === 1 ? "" : "s"} (timeline ${view.contract})`];
  for (const a of view.activations) {
    const version = a.kind === "deactivation" ? "—" : `${a.label ?? ""} ${a.version}`;
    lines.push(
      `#${String(a.index).padEnd(3)} ${isoTime(a.activatedAt)}  ${a.kind.padEnd(12)} ${version}${a.metadataURI ? `  ${a.metadataURI}` : ""}${a.reason ? `  reason: ${JSON.stringify(a.reason)}` : ""}`,
    );
  }
  const last = view.activations[view.activations.length - 1];
  lines.push(last === undefined ? "never activated" : last.kind === "deactivation" ? "active now: none (deactivated)" : `active now: ${last.label} (${last.version})`);
  return lines.join("\n");
}

/** `showwork timeline`. */
export function timelineCommand(): Command {
  return new Command("timeline")
    .description("print a model's activations (deployments and rollbacks) in a log, from the chain")
    .argument("<model>", "the model's name (or its id, 0x + 64 hex digits)")
    .addOption(new Option("--rpc <url>", "JSON-RPC endpoint of the chain").env("SHOWWORK_RPC_URL").argParser(rpcUrlArgument).makeOptionMandatory())
    .addOption(new Option("--log-id <id>", "the log (0x + 64 hex digits)").env("SHOWWORK_LOG_ID").argParser(bytes32Argument).makeOptionMandatory())
    .addOption(
      new Option("--contract <address>", "the ModelTimeline contract (default: the one the deployments record lists for the chain)")
        .env("SHOWWORK_MODEL_TIMELINE")
        .argParser(addressArgument),
    )
    .addOption(new Option("--at <time>", "also say which version was active at this time (unix seconds or ISO-8601)").argParser(timeArgument))
    .addOption(new Option("--svg <file>", "also draw the timeline as an SVG picture"))
    .addOption(new Option("--json", "print the timeline as JSON"))
    .addOption(new Option("--timeout <ms>", "per-request RPC timeout, ms").argParser(nonNegativeInteger).default(10_000))
    .action(async (modelText: string, options: TimelineOptions) => {
      const model = modelArgument(modelText);
      const client = createPublicClient({ transport: http(options.rpc, { batch: { wait: 0 }, timeout: options.timeout, retryCount: 1 }) });
      let contract: Address;
      let view: ModelTimelineView;
      let activeAt: Hex | undefined;
      try {
        // Without --contract: the ModelTimeline of the showwork deployment recorded for this chain.
        contract = options.contract ?? getDeployment(await client.getChainId()).contracts.ModelTimeline.address;
        view = await readModelTimeline(client, { contract, logId: options.logId, modelId: model.modelId });
        if (options.at !== undefined) {
          activeAt = await client.readContract({
            address: contract,
            abi: modelTimelineAbi,
            functionName: "activeVersionAt",
            args: [options.logId, model.modelId, BigInt(options.at)],
          });
        }
      } catch (error) {
        if (error instanceof ShowworkError || !(error instanceof BaseError)) throw error;
        process.stderr.write(
          `showwork timeline: could not read the timeline: ${isRpcUnavailable(error) ? describeRpcFailure(error) : error.shortMessage}\n`,
        );
        process.exitCode = 2;
        return;
      }
      if (options.svg) {
        await writeFile(
          options.svg,
          renderTimelineSvg({
            activations: view.activations,
            title: `${view.name || modelText}: ${view.activations.length} activation${view.activations.length === 1 ? "" : "s"} (times UTC)`,
            ...(options.at === undefined ? {} : { markers: [{ at: options.at, label: "at", kind: "receipt" as const }] }),
          }),
        );
      }
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ ...view, ...(options.at === undefined ? {} : { at: options.at, activeAt: activeAt ?? zeroHash }) }, null, 2)}\n`);
        return;
      }
      let text = formatTimeline(view, model);
      if (options.at !== undefined) {
        const entry = activeAt && activeAt !== zeroHash ? view.activations.findLast((a) => a.version === activeAt && a.activatedAt <= options.at!) : undefined;
        text += `\nactive at ${isoTime(options.at)}: ${activeAt === undefined || activeAt === zeroHash ? "none" : `${entry?.label ?? ""} (${activeAt})`}`;
      }
      process.stdout.write(`${text}\n${options.svg ? `wrote ${options.svg}\n` : ""}`);
    });
}

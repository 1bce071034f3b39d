/**
 * `showwork model register | publish | deploy | rollback | deactivate | grant-publisher | show`:
 * the operator records its model versions, deployments and rollbacks (with the reason) on-chain in
 * the log's `ModelTimeline`, through the viem actions of sdk/actions/. Writes wait for the
 * transaction to be mined and print what happened with its hash. See docs/package.md.
 *
 * @module
 */
import { Command, Option } from "commander";
import type { Address, Hex } from "viem";

import type { ModelVersion, ReadModelReturnType } from "../../actions/public/readModel.js";
import { isoTime } from "../../verify/check.js";
import { hostedMetadataUri } from "../../verify/checks/modelVersion.js";
import { addressArgument, bytes32Argument, modelArgument, nonNegativeInteger } from "../commandOptions.js";
import { addLogIdOption, addOperatorOptions, openOperatorContext, OperatorCommandError, requireContract, type LogOptions, type OperatorContext } from "../operator/context.js";
import { printResult, runOperatorCommand, transactionFacts, transactionLine } from "../operator/output.js";

type Holder = { context?: OperatorContext };
type Model = ReturnType<typeof modelArgument>;

const errorContext = (holder: Holder, write: boolean) => () => ({
  chainId: holder.context?.chainId,
  account: holder.context?.wallet?.account.address,
  contract: holder.context?.modelTimeline,
  write,
});

const modelLabel = (model: Model, read?: ReadModelReturnType): string => `${read?.name || model.name || "model"} (${model.modelId})`;

/** The model as the chain has it; an error when it is not registered. */
async function requireModel(context: OperatorContext, logId: Hex, model: Model): Promise<ReadModelReturnType> {
  const modelTimeline = requireContract(context, "modelTimeline");
  const read = await context.publicClient.readModel({ logId, modelId: model.modelId });
  if (!read.registered) {
    throw new OperatorCommandError(`The model ${modelLabel(model)} is not registered in log ${logId} (ModelTimeline ${modelTimeline}, chain ${context.chainId}).`, {
      metaMessages: ["Do: `showwork model register NAME --log-id ...` first, or check the name (its id is keccak256 of the exact name)."],
    });
  }
  return read;
}

/** The version named by --weights or --version. */
function pickVersion(read: ReadModelReturnType, options: { weights?: Hex; version?: number }, flagHint: string): ModelVersion {
  if ((options.weights === undefined) === (options.version === undefined)) {
    throw new OperatorCommandError(`Which version? Pass exactly one of --weights DIGEST and --version N (${flagHint}).`, {
      metaMessages: [`Published: ${read.versions.map((v) => `v${v.version} ${v.weightsDigest}`).join(", ") || "none"}`],
    });
  }
  const found = read.versions.find((v) => (options.version === undefined ? v.weightsDigest.toLowerCase() === options.weights!.toLowerCase() : v.version === options.version));
  if (found === undefined) {
    throw new OperatorCommandError(`No published version ${options.version === undefined ? `with weights digest ${options.weights}` : `v${options.version}`} for ${read.name}.`, {
      metaMessages: [`Published: ${read.versions.map((v) => `v${v.version} ${v.weightsDigest}`).join(", ") || "none"}`, "Do: `showwork model publish` it first."],
    });
  }
  return found;
}

function withModel(name: string, description: string): Command {
  return new Command(name).description(description).argument("<model>", "the model's name (or its id, 0x + 64 hex digits)");
}

function registerCommand(): Command {
  const holder: Holder = {};
  const command = withModel("register", "register a model in the log's timeline (log admin or timeline publisher)");
  addLogIdOption(addOperatorOptions(command, { writes: true })).action(async (modelText: string, options: LogOptions) => {
    await runOperatorCommand("model register", options.json, errorContext(holder, true), async () => {
      const model = modelArgument(modelText);
      if (model.name === undefined) throw new OperatorCommandError("model register needs the model's name (its id is derived from it), not an id.");
      const context = (holder.context = await openOperatorContext(options, { writes: true }));
      const modelTimeline = requireContract(context, "modelTimeline");
      const done = await context.wallet!.actions.registerModel({ logId: options.logId, name: model.name, wait: true, confirmations: options.confirmations });
      printResult(
        options.json,
        { command: "model register", chainId: context.chainId, modelTimeline, logId: options.logId, name: model.name, modelId: done.modelId, ...transactionFacts(done.receipt) },
        [`registered model ${model.name} (${done.modelId}) in log ${options.logId} (ModelTimeline ${modelTimeline})`, transactionLine(done.receipt)],
      );
    });
  });
  return command;
}

function publishCommand(): Command {
  const holder: Holder = {};
  const command = withModel("publish", "publish a version of the model (its weights digest); it is not live until deployed")
    .addOption(new Option("--weights <digest>", "the version's weights digest (0x + 64 hex digits)").argParser(bytes32Argument).makeOptionMandatory())
    .addOption(new Option("--metadata-uri <uri>", "where the version is described (model card, release notes)").default(""))
    .addOption(
      new Option("--hosted <provider:fingerprint>", "a hosted model's provider version (the system_fingerprint its answers carry; capture prints the command): marks it hosted, so receipts claiming it verify although it was published after them").conflicts("metadataUri"),
    );
  addLogIdOption(addOperatorOptions(command, { writes: true })).action(async (modelText: string, options: LogOptions & { weights: Hex; metadataUri: string; hosted?: string }) => {
    await runOperatorCommand("model publish", options.json, errorContext(holder, true), async () => {
      if (options.hosted !== undefined) {
        const at = options.hosted.indexOf(":");
        if (at <= 0 || at === options.hosted.length - 1) throw new OperatorCommandError(`--hosted expects PROVIDER:FINGERPRINT, e.g. openai:fp_44709d6fcb (found ${JSON.stringify(options.hosted)}).`);
        options.metadataUri = hostedMetadataUri(options.hosted.slice(0, at), options.hosted.slice(at + 1));
      }
      const model = modelArgument(modelText);
      const context = (holder.context = await openOperatorContext(options, { writes: true }));
      const read = await requireModel(context, options.logId, model);
      const done = await context.wallet!.actions.publishVersion({
        logId: options.logId,
        modelId: model.modelId,
        weightsDigest: options.weights,
        metadataURI: options.metadataUri,
        wait: true,
        confirmations: options.confirmations,
      });
      printResult(
        options.json,
        { command: "model publish", chainId: context.chainId, logId: options.logId, modelId: model.modelId, name: read.name, version: done.version, weightsDigest: options.weights, metadataURI: options.metadataUri, ...transactionFacts(done.receipt) },
        [`published ${read.name} v${done.version} (weights ${options.weights})${options.metadataUri ? ` ${options.metadataUri}` : ""}; not live until \`showwork model deploy\``, transactionLine(done.receipt)],
      );
    });
  });
  return command;
}

function activationCommand(kind: "deploy" | "rollback"): Command {
  const holder: Holder = {};
  const deploy = kind === "deploy";
  const command = withModel(kind, deploy ? "record on-chain that a newer published version went live now" : "record on-chain that an earlier version went live again now, and why")
    .addOption(new Option("--weights <digest>", "the version by its weights digest").argParser(bytes32Argument))
    .addOption(new Option("--version <n>", "the version by its number (v1 = 1)").argParser(nonNegativeInteger));
  if (!deploy) command.addOption(new Option("--reason <text>", "why (recorded on-chain, shown by verifiers and audits)").makeOptionMandatory());
  addLogIdOption(addOperatorOptions(command, { writes: true })).action(async (modelText: string, options: LogOptions & { weights?: Hex; version?: number; reason?: string }) => {
    await runOperatorCommand(`model ${kind}`, options.json, errorContext(holder, true), async () => {
      const model = modelArgument(modelText);
      if (!deploy && options.reason!.trim() === "") throw new OperatorCommandError("--reason must say why (it is recorded on-chain): found an empty text.");
      const context = (holder.context = await openOperatorContext(options, { writes: true }));
      const read = await requireModel(context, options.logId, model);
      const target = pickVersion(read, options, deploy ? "the version to deploy" : "the version to roll back to");
      const params = { logId: options.logId, modelId: model.modelId, weightsDigest: target.weightsDigest, wait: true, confirmations: options.confirmations } as const;
      const done = deploy ? await context.wallet!.actions.deployVersion(params) : await context.wallet!.actions.rollbackTo({ ...params, reason: options.reason! });
      const from = done.previousVersion === 0 ? "none" : `v${done.previousVersion}`;
      printResult(
        options.json,
        {
          command: `model ${kind}`,
          chainId: context.chainId,
          logId: options.logId,
          modelId: model.modelId,
          name: read.name,
          version: done.version,
          weightsDigest: target.weightsDigest,
          previousVersion: done.previousVersion,
          activationIndex: done.activationIndex,
          ...(deploy ? {} : { reason: options.reason }),
          ...transactionFacts(done.receipt),
        },
        [
          deploy
            ? `deployed ${read.name} v${done.version} (was ${from}): timeline entry #${done.activationIndex}`
            : `rolled ${read.name} back to v${done.version} (was ${from}), reason ${JSON.stringify(options.reason)}: timeline entry #${done.activationIndex}`,
          transactionLine(done.receipt),
        ],
      );
    });
  });
  return command;
}

function deactivateCommand(): Command {
  const holder: Holder = {};
  const command = withModel("deactivate", "record on-chain that no version of the model is live from now on, and why").addOption(
    new Option("--reason <text>", "why (recorded on-chain)").makeOptionMandatory(),
  );
  addLogIdOption(addOperatorOptions(command, { writes: true })).action(async (modelText: string, options: LogOptions & { reason: string }) => {
    await runOperatorCommand("model deactivate", options.json, errorContext(holder, true), async () => {
      const model = modelArgument(modelText);
      if (options.reason.trim() === "") throw new OperatorCommandError("--reason must say why (it is recorded on-chain): found an empty text.");
      const context = (holder.context = await openOperatorContext(options, { writes: true }));
      const read = await requireModel(context, options.logId, model);
      const done = await context.wallet!.actions.deactivateModel({ logId: options.logId, modelId: model.modelId, reason: options.reason, wait: true, confirmations: options.confirmations });
      printResult(
        options.json,
        { command: "model deactivate", chainId: context.chainId, logId: options.logId, modelId: model.modelId, name: read.name, previousVersion: done.previousVersion, activationIndex: done.activationIndex, reason: options.reason, ...transactionFacts(done.receipt) },
        [`deactivated ${read.name} (was v${done.previousVersion}), reason ${JSON.stringify(options.reason)}: timeline entry #${done.activationIndex}`, transactionLine(done.receipt)],
      );
    });
  });
  return command;
}

function grantPublisherCommand(): Command {
  const holder: Holder = {};
  const command = new Command("grant-publisher")
    .description("authorise an account to register models and publish, deploy and roll back versions in the log (log admin)")
    .argument("<account>", "the publisher's address", addressArgument);
  addLogIdOption(addOperatorOptions(command, { writes: true })).action(async (account: Address, options: LogOptions) => {
    await runOperatorCommand("model grant-publisher", options.json, errorContext(holder, true), async () => {
      const context = (holder.context = await openOperatorContext(options, { writes: true }));
      requireContract(context, "modelTimeline");
      const done = await context.wallet!.actions.grantTimelinePublisher({ logId: options.logId, publisher: account, wait: true, confirmations: options.confirmations });
      printResult(
        options.json,
        { command: "model grant-publisher", chainId: context.chainId, logId: options.logId, publisher: account, changed: done.changed, ...transactionFacts(done.receipt) },
        [done.changed ? `granted timeline publisher ${account} in log ${options.logId}` : `${account} was already a timeline publisher of log ${options.logId}: nothing changed`, transactionLine(done.receipt)],
      );
    });
  });
  return command;
}

function showCommand(): Command {
  const holder: Holder = {};
  const command = withModel("show", "print a model's published versions, the live one and its timeline (deployments, rollbacks with reasons)");
  addLogIdOption(addOperatorOptions(command, { writes: false })).action(async (modelText: string, options: LogOptions) => {
    await runOperatorCommand("model show", options.json, errorContext(holder, false), async () => {
      const model = modelArgument(modelText);
      const context = (holder.context = await openOperatorContext(options, { writes: false }));
      const read = await requireModel(context, options.logId, model);
      const timeline = await context.publicClient.readModelTimeline({ logId: options.logId, modelId: model.modelId });
      printResult(options.json, { command: "model show", chainId: context.chainId, ...read, activations: timeline.activations }, [
        `${modelLabel(model, read)} in log ${options.logId} (ModelTimeline ${read.modelTimeline}, chain ${context.chainId})`,
        `registered ${isoTime(read.registeredAt)}; live now: ${read.active ? `v${read.active.version} (${read.active.weightsDigest})` : "none"}`,
        `versions (${read.versions.length}):`,
        ...read.versions.map((v) => `  v${v.version}  ${v.weightsDigest}  published ${isoTime(v.publishedAt)}${v.metadataURI ? `  ${v.metadataURI}` : ""}`),
        `timeline (${timeline.activations.length}):`,
        ...timeline.activations.map(
          (a) => `  #${a.index}  ${isoTime(a.activatedAt)}  ${a.kind.padEnd(12)} ${a.kind === "deactivation" ? "—" : `v${a.versionNumber}`}${a.reason ? `  reason: ${JSON.stringify(a.reason)}` : ""}`,
        ),
      ]);
    });
  });
  return command;
}

/** `showwork model`. */
export function modelCommand(): Command {
  return new Command("model")
    .description("record model versions on-chain: register, publish, deploy, rollback --reason, deactivate --reason, grant-publisher, show")
    .addCommand(registerCommand())
    .addCommand(publishCommand())
    .addCommand(activationCommand("deploy"))
    .addCommand(activationCommand("rollback"))
    .addCommand(deactivateCommand())
    .addCommand(grantPublisherCommand())
    .addCommand(showCommand());
}

import type { ShowworkWalletClient } from "../internal/sendWrite.js";
import { createLog, type CreateLogParameters, type CreateLogReturnType } from "../wallet/createLog.js";
import { grantAnchorer, type GrantAnchorerParameters, type GrantAnchorerReturnType } from "../wallet/grantAnchorer.js";
import { revokeAnchorer, type RevokeAnchorerParameters, type RevokeAnchorerReturnType } from "../wallet/revokeAnchorer.js";
import { grantSigner, type GrantSignerParameters, type GrantSignerReturnType } from "../wallet/grantSigner.js";
import { revokeSigner, type RevokeSignerParameters, type RevokeSignerReturnType } from "../wallet/revokeSigner.js";
import { reportSignerCompromise, type ReportSignerCompromiseParameters, type ReportSignerCompromiseReturnType } from "../wallet/reportSignerCompromise.js";
import { bindTimeline, type BindTimelineParameters, type BindTimelineReturnType } from "../wallet/bindTimeline.js";
import { setMaxAnchorDelay, type SetMaxAnchorDelayParameters, type SetMaxAnchorDelayReturnType } from "../wallet/setMaxAnchorDelay.js";
import { anchor, type AnchorParameters, type AnchorReturnType } from "../wallet/anchor.js";
import { registerModel, type RegisterModelParameters, type RegisterModelReturnType } from "../wallet/registerModel.js";
import { publishVersion, type PublishVersionParameters, type PublishVersionReturnType } from "../wallet/publishVersion.js";
import { deployVersion, type DeployVersionParameters, type DeployVersionReturnType } from "../wallet/deployVersion.js";
import { rollbackTo, type RollbackToParameters, type RollbackToReturnType } from "../wallet/rollbackTo.js";
import { deactivateModel, type DeactivateModelParameters, type DeactivateModelReturnType } from "../wallet/deactivateModel.js";
import { grantTimelinePublisher, type GrantTimelinePublisherParameters, type GrantTimelinePublisherReturnType } from "../wallet/grantTimelinePublisher.js";
import { revokeTimelinePublisher, type RevokeTimelinePublisherParameters, type RevokeTimelinePublisherReturnType } from "../wallet/revokeTimelinePublisher.js";
import type { ShowworkActionsConfig } from "./publicActions.js";

/** The operator's write actions a wallet client gains from {@link showworkWalletActions}. */
export type ShowworkWalletActions = {
  /** {@link createLog}: create a log (the sender becomes its admin). */
  createLog<wait extends boolean = false>(params: CreateLogParameters<wait>): Promise<CreateLogReturnType<wait>>;
  /** {@link grantAnchorer}: authorise an anchorer. */
  grantAnchorer<wait extends boolean = false>(params: GrantAnchorerParameters<wait>): Promise<GrantAnchorerReturnType<wait>>;
  /** {@link revokeAnchorer}: withdraw an anchorer. */
  revokeAnchorer<wait extends boolean = false>(params: RevokeAnchorerParameters<wait>): Promise<RevokeAnchorerReturnType<wait>>;
  /** {@link grantSigner}: authorise a serving node to sign the log's receipts. */
  grantSigner<wait extends boolean = false>(params: GrantSignerParameters<wait>): Promise<GrantSignerReturnType<wait>>;
  /** {@link revokeSigner}: withdraw a serving node's authorisation. */
  revokeSigner<wait extends boolean = false>(params: RevokeSignerParameters<wait>): Promise<RevokeSignerReturnType<wait>>;
  /** {@link reportSignerCompromise}: report a serving node's key compromised since a time (revokes it too). */
  reportSignerCompromise<wait extends boolean = false>(params: ReportSignerCompromiseParameters<wait>): Promise<ReportSignerCompromiseReturnType<wait>>;
  /** {@link bindTimeline}: bind the log to its ModelTimeline, once. */
  bindTimeline<wait extends boolean = false>(params: BindTimelineParameters<wait>): Promise<BindTimelineReturnType<wait>>;
  /** {@link setMaxAnchorDelay}: change the log's anchoring promise. */
  setMaxAnchorDelay<wait extends boolean = false>(params: SetMaxAnchorDelayParameters<wait>): Promise<SetMaxAnchorDelayReturnType<wait>>;
  /** {@link anchor}: anchor one batch root. */
  anchor<wait extends boolean = false>(params: AnchorParameters<wait>): Promise<AnchorReturnType<wait>>;
  /** {@link registerModel}: register a model. */
  registerModel<wait extends boolean = false>(params: RegisterModelParameters<wait>): Promise<RegisterModelReturnType<wait>>;
  /** {@link publishVersion}: publish a version. */
  publishVersion<wait extends boolean = false>(params: PublishVersionParameters<wait>): Promise<PublishVersionReturnType<wait>>;
  /** {@link deployVersion}: record that a newer version went live. */
  deployVersion<wait extends boolean = false>(params: DeployVersionParameters<wait>): Promise<DeployVersionReturnType<wait>>;
  /** {@link rollbackTo}: record a rollback, with its reason. */
  rollbackTo<wait extends boolean = false>(params: RollbackToParameters<wait>): Promise<RollbackToReturnType<wait>>;
  /** {@link deactivateModel}: record that no version is live. */
  deactivateModel<wait extends boolean = false>(params: DeactivateModelParameters<wait>): Promise<DeactivateModelReturnType<wait>>;
  /** {@link grantTimelinePublisher}: authorise a writer of the log's timeline. */
  grantTimelinePublisher<wait extends boolean = false>(params: GrantTimelinePublisherParameters<wait>): Promise<GrantTimelinePublisherReturnType<wait>>;
  /** {@link revokeTimelinePublisher}: withdraw a timeline writer. */
  revokeTimelinePublisher<wait extends boolean = false>(params: RevokeTimelinePublisherParameters<wait>): Promise<RevokeTimelinePublisherReturnType<wait>>;
};

/**
 * A viem decorator: the operator's showwork writes as methods of a wallet client, with the contracts
 * filled in. Each returns the transaction hash; with `wait: true` it waits for the receipt and decodes
 * the contract's event (e.g. the new log id, the version number, the timeline entry).
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { modelIdFromName, showworkWalletActions } from "showwork";
 *
 * const wallet = createWalletClient({ account: privateKeyToAccount(key), transport: http(rpcUrl) })
 *   .extend(showworkWalletActions({ contracts: { receiptLogs, modelTimeline } }));
 * const { logId } = await wallet.createLog({ maxAnchorDelay: 3600, wait: true });
 * const { modelId } = await wallet.registerModel({ logId, name: "acme/chat", wait: true });
 * await wallet.publishVersion({ logId, modelId, weightsDigest, wait: true });
 * await wallet.deployVersion({ logId, modelId, weightsDigest, wait: true });
 */
export function showworkWalletActions(config: ShowworkActionsConfig): (client: ShowworkWalletClient) => ShowworkWalletActions {
  const { receiptLogs, modelTimeline } = config.contracts;
  return (client) => ({
    createLog: (params) => createLog(client, { ...params, receiptLogs: params.receiptLogs ?? receiptLogs }),
    grantAnchorer: (params) => grantAnchorer(client, { ...params, receiptLogs: params.receiptLogs ?? receiptLogs }),
    revokeAnchorer: (params) => revokeAnchorer(client, { ...params, receiptLogs: params.receiptLogs ?? receiptLogs }),
    grantSigner: (params) => grantSigner(client, { ...params, receiptLogs: params.receiptLogs ?? receiptLogs }),
    revokeSigner: (params) => revokeSigner(client, { ...params, receiptLogs: params.receiptLogs ?? receiptLogs }),
    reportSignerCompromise: (params) => reportSignerCompromise(client, { ...params, receiptLogs: params.receiptLogs ?? receiptLogs }),
    bindTimeline: (params) => bindTimeline(client, { ...params, receiptLogs: params.receiptLogs ?? receiptLogs, timeline: params.timeline ?? modelTimeline }),
    setMaxAnchorDelay: (params) => setMaxAnchorDelay(client, { ...params, receiptLogs: params.receiptLogs ?? receiptLogs }),
    anchor: (params) => anchor(client, { ...params, receiptLogs: params.receiptLogs ?? receiptLogs }),
    registerModel: (params) => registerModel(client, { ...params, modelTimeline: params.modelTimeline ?? modelTimeline }),
    publishVersion: (params) => publishVersion(client, { ...params, modelTimeline: params.modelTimeline ?? modelTimeline }),
    deployVersion: (params) => deployVersion(client, { ...params, modelTimeline: params.modelTimeline ?? modelTimeline }),
    rollbackTo: (params) => rollbackTo(client, { ...params, modelTimeline: params.modelTimeline ?? modelTimeline }),
    deactivateModel: (params) => deactivateModel(client, { ...params, modelTimeline: params.modelTimeline ?? modelTimeline }),
    grantTimelinePublisher: (params) => grantTimelinePublisher(client, { ...params, modelTimeline: params.modelTimeline ?? modelTimeline }),
    revokeTimelinePublisher: (params) => revokeTimelinePublisher(client, { ...params, modelTimeline: params.modelTimeline ?? modelTimeline }),
  });
}

/**
 * showwork's viem actions: free functions `(client, parameters)`, one per file, and the decorators
 * that make them client methods (`client.extend(showworkPublicActions({ contracts }))`).
 *
 * - `public/`: reads (verify a bundle, a log's state and anchorers, a model, its timeline).
 * - `wallet/`: the operator's writes (logs, anchorers, anchoring, models, versions, rollbacks).
 *
 * Browser-safe (viem only). Importable as `showwork/actions`; the decorators also from `showwork`.
 *
 * @module
 */
export { EventNotFoundError, MissingAccountError, MissingContractError, TransactionRevertedError } from "./errors.js";
export type { ShowworkContracts, WriteOptions, Written } from "./types.js";
export type { ShowworkReadClient } from "./internal/asPublicClient.js";
export type { ShowworkWalletClient } from "./internal/sendWrite.js";

export { showworkPublicActions, type ShowworkActionsConfig, type ShowworkPublicActions } from "./decorators/publicActions.js";
export { showworkWalletActions, type ShowworkWalletActions } from "./decorators/walletActions.js";

export { readLog, type ReadLogParameters, type ReadLogReturnType } from "./public/readLog.js";
export { readLogAnchorers, type ReadLogAnchorersParameters, type ReadLogAnchorersReturnType } from "./public/readLogAnchorers.js";
export { BatchCutOffError, firstBatchAnchoredSince, type FirstBatchAnchoredSinceParameters, type FirstBatchAnchoredSinceReturnType } from "./public/firstBatchAnchoredSince.js";
export { readModel, type ModelVersion, type ReadModelParameters, type ReadModelReturnType } from "./public/readModel.js";
export { readModelTimeline, type ReadModelTimelineParameters, type ReadModelTimelineReturnType } from "./public/readModelTimeline.js";
export { verifyBundle, type VerifyBundleParameters, type VerifyBundleReturnType } from "./public/verifyBundle.js";

export { anchor, type AnchorParameters, type AnchorReturnType } from "./wallet/anchor.js";
export { bindTimeline, type BindTimelineParameters, type BindTimelineReturnType } from "./wallet/bindTimeline.js";
export { grantSigner, type GrantSignerParameters, type GrantSignerReturnType } from "./wallet/grantSigner.js";
export { revokeSigner, type RevokeSignerParameters, type RevokeSignerReturnType } from "./wallet/revokeSigner.js";
export { reportSignerCompromise, type ReportSignerCompromiseParameters, type ReportSignerCompromiseReturnType } from "./wallet/reportSignerCompromise.js";
export { createLog, type CreateLogParameters, type CreateLogReturnType } from "./wallet/createLog.js";
export { deactivateModel, type DeactivateModelParameters, type DeactivateModelReturnType } from "./wallet/deactivateModel.js";
export { deployVersion, type ActivationEvent, type DeployVersionParameters, type DeployVersionReturnType } from "./wallet/deployVersion.js";
export { grantAnchorer, type GrantAnchorerParameters, type GrantAnchorerReturnType } from "./wallet/grantAnchorer.js";
export { grantTimelinePublisher, type GrantTimelinePublisherParameters, type GrantTimelinePublisherReturnType } from "./wallet/grantTimelinePublisher.js";
export { publishVersion, type PublishVersionParameters, type PublishVersionReturnType } from "./wallet/publishVersion.js";
export { registerModel, type RegisterModelParameters, type RegisterModelReturnType } from "./wallet/registerModel.js";
export { revokeAnchorer, type RevokeAnchorerParameters, type RevokeAnchorerReturnType } from "./wallet/revokeAnchorer.js";
export { revokeTimelinePublisher, type RevokeTimelinePublisherParameters, type RevokeTimelinePublisherReturnType } from "./wallet/revokeTimelinePublisher.js";
export { rollbackTo, type RollbackToParameters, type RollbackToReturnType } from "./wallet/rollbackTo.js";
export { setMaxAnchorDelay, type SetMaxAnchorDelayParameters, type SetMaxAnchorDelayReturnType } from "./wallet/setMaxAnchorDelay.js";

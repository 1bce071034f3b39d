/** Publishing a log's anchored batches (HTTP and folder layout, index, `showwork publish`). @module */
export {
  batchHeaders,
  batchPath,
  INDEX_HEADERS,
  indexPath,
  logPath,
  PUBLISHED_INDEX_FORMAT,
  type PublishedBatch,
  type PublishedIndex,
} from "./layout.js";
export { batchFileChunks, batchFileHead, batchFileText } from "./batchFile.js";
export { indexOf, NothingPublishedError, StorePublication } from "./storePublication.js";
export {
  publishToDirectory,
  PublishConflictError,
  type PublishToDirectoryParameters,
  type PublishToDirectoryReturnType,
} from "./publishDirectory.js";

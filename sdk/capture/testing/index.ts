/**
 * Test doubles for capture (Node only): a deterministic OpenAI-compatible model server and a small
 * OpenAI-compatible chat model for the Vercel AI SDK. See docs/capture.md.
 *
 * @module
 */
export { createModelServer, defaultResponder, systemFingerprint, type MockFault, type MockModel, type MockReply, type MockRequest, type MockToolCall, type ModelServer, type ModelServerOptions } from "./modelServer.js";
export { openAICompatibleChatModel } from "./chatModel.js";

/**
 * LangChain.js (Node): `ShowworkCallbackHandler` gives every chat model / LLM run of a chain, agent or
 * graph a signed receipt on a showwork capturer — tools from the messages, retriever results as the
 * retrieval snapshot, chat history as memory. Peer dependency: `@langchain/core`. See docs/capture.md
 * "LangChain".
 *
 * @module
 */
export { openAIMessageOf, ShowworkCallbackHandler, type CallbackHandlerStats, type ShowworkCallbackHandlerOptions } from "./ShowworkCallbackHandler.js";

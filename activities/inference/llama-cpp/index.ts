/**
 * Local GGUF models in the inference pool (kind `llama-cpp`). Wiring:
 *
 *   import { llamaCppBackendFactory, LLAMA_CPP_KIND } from './llama-cpp';
 *   createPool(config, { backends: { [LLAMA_CPP_KIND]: llamaCppBackendFactory } });
 *
 * node-llama-cpp is optional: `node scripts/optional-deps.js llama`.
 * See docs/inference-llama.md.
 */
export { LLAMA_CPP_KIND, LlamaCppBackend, llamaCppBackendFactory, llamaCppEndpointQuantization } from './backend';
export { LlamaCppUnavailableError } from './errors';
export { GgufError, readGgufHeader, type GgufHeader, type GgufTensorInfo } from './gguf';
export { liveHostCount } from './host-client';
export { DEFAULT_CONTEXT_SIZE, LlamaCppConfigError, llamaCppSettings, type LlamaCppSettings } from './options';
export { findNodeLlamaCpp, INSTALL_HINT, LlamaCppNotInstalledError, NODE_LLAMA_CPP_VERSION, optionalPrefix } from './package';
export { classOf, quantizationMatches, quantizationOf, type GgufQuantization } from './quantization';

/**
 * The inference pool's public surface. Activities (activities/llm.ts) use:
 *
 *   const config = loadInferenceConfig({ simUrl });
 *   const pool = createPool(config);
 *   try { const res = await pool.chat(req, { pool, affinityKey, quantization, signal, onProgress }); }
 *   catch (e) { throw toTemporalFailure(e); }
 */
export type { Backend, BackendCallOptions, BackendContext, BackendFactory, Health, HealthState } from './backend';
export {
  BUILTIN_KINDS,
  defaultSimConfig,
  InferenceConfigError,
  loadInferenceConfig,
  parseInferenceConfig,
  type Diagnostic,
  type EndpointConfig,
  type InferenceConfig,
  type LoadInferenceConfigOptions,
  type PoolConfig,
  type Strategy,
} from './config';
export { DIALECTS, type Dialect } from './dialects';
export type { EndpointStatus } from './endpoint-state';
export {
  AllEndpointsFailedError,
  AuthError,
  BackendBugError,
  BadRequestError,
  ContextOverflowError,
  EngineError,
  InferenceCancelledError,
  InferenceError,
  NoEndpointError,
  NoHealthyEndpointError,
  QuotaExceededError,
  RateLimitedError,
  StreamDroppedError,
  toTemporalFailure,
  type InferenceReason,
} from './errors';
export { OpenAICompatibleBackend } from './openai-backend';
export { createPool, UnknownBackendKindError, type CreatePoolOptions, type InferencePool, type PoolStatus } from './pool';
export { canonicalJson, RecordingPool, ReplayMissError, ReplayPool, requestKey } from './record-replay';
export { redact } from './secrets';
export { schemaErrorsOf } from './structured';
export { BackendModuleError } from './user-backends';
export type * from './types';

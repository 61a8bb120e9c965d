export type { AppDeps, CairnApp } from './app.js';
export { createApp } from './app.js';
export { DEFAULT_FULL_TILE_CACHE_BYTES, FullTileCache } from './full-tiles.js';
export { STATUS } from './errors.js';
export {
  CLUSTER_ENTRIES_PATH,
  CLUSTER_MAC_HEADER,
  FORWARD_BATCH_CHARS,
  MAX_FORWARDED_BODY_BYTES,
  MAX_FORWARDED_ENTRIES,
  decodeForwardedBatch,
  decodeForwardedReplies,
  encodeForwardedEntry,
  encodeForwardedReplies,
  forwardedBatch,
  type ClusterHooks,
  type ClusterView,
  type ForwardedApi,
  type ForwardedEntry,
} from './cluster.js';
export { ADMIN_RELAY_PATH, RELAY_WINDOW_MS, decodeAdminRelay, encodeAdminRelay, type RelayedAdmin, type RelayStamp } from './admin-relay.js';
export type { WitnessAppDeps } from './witness-app.js';
export { WITNESS_MAX_BODY_BYTES, createWitnessApp } from './witness-app.js';
export type { Access, AccessPolicy, Role, TokenRecord } from './auth.js';
export { authenticate, requiredAccess, tokenSha256Hex } from './auth.js';
export type { RateLimitOptions } from './rate-limit.js';
export type { CorsOptions } from './cors.js';
export { TokenBuckets } from './rate-limit.js';
export { clientErrorHandler } from './client-errors.js';
// Other HTTPS surfaces (the admission webhook, src/kube) are served by the same dispatcher,
// error table and metrics writer.
export { dispatcher, type Dispatcher } from './dispatch.js';
export { requestId, type Served, type ServedListener } from './served.js';
export { get, post, type Route, type RequestParts } from './route.js';
export { jsonReply, typedReply, type Reply } from './reply.js';
export { errorReply } from './errors.js';
export { formatMetrics, metricsListener, type Family, type Sample } from './routes/metrics.js';
export { Metrics, counterFrom, gaugeFrom, type BuildInfo } from './metrics.js';
export { AdminGate, OTP_HEADER, isAdminPath, type AdminAudit, type AdminRecord } from './admin.js';
export type { AdminOperations } from './routes/admin.js';
export { OneTimeCodes, OTP_LOCKOUT, base32Decode, base32Encode, hotp, totp, totpStep, TOTP_DIGITS, TOTP_STEP_SECONDS, type SharedOtpState } from './totp.js';

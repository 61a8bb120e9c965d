/**
 * The one table mapping error codes to HTTP statuses, and the error body.
 * Bodies are Rekor-shaped `{code: <HTTP status>, message}` plus `error`, the
 * stable Cairn code, and `details` where the code carries some.
 */
import { LogError, type ErrorCode } from '../errors.js';
import type { Reply } from './reply.js';

export const STATUS: Readonly<Record<ErrorCode, number>> = {
  BAD_REQUEST: 400,
  SCHEMA_INVALID: 422,
  ENTRY_INVALID: 400,
  SIGNATURE_INVALID: 400,
  UNSUPPORTED_KIND: 422,
  ALGORITHM_NOT_ALLOWED: 400,
  TOO_LARGE: 413,
  TOO_MANY: 422,
  DUPLICATE: 409,
  NOT_FOUND: 404,
  SIZE_CONFLICT: 409,
  PROOF_REJECTED: 422,
  SIZE_OUT_OF_RANGE: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  OTP_REQUIRED: 401,
  OTP_INVALID: 401,
  OTP_REUSED: 401,
  OTP_LOCKED: 429,
  RELOAD_REFUSED: 422,
  POOL_FULL: 503,
  STORE_FAILED: 503,
  READ_ONLY: 503,
  BUSY: 409,
  UNSUPPORTED: 409,
  SHUTTING_DOWN: 503,
  NOT_SEQUENCER: 503,
  UPSTREAM_FAILED: 502,
  LOG_UNREACHABLE: 502,
  LOG_REJECTED: 502,
  LOG_RESPONSE_INVALID: 502,
  REFERENCE_INVALID: 400,
  // A registry's answer is never the fault of Cairn's HTTP client: all upstream failures.
  REGISTRY_UNAUTHORIZED: 502,
  REGISTRY_DENIED: 502,
  REGISTRY_NOT_FOUND: 502,
  REGISTRY_UNREACHABLE: 502,
  REGISTRY_PROTOCOL: 502,
  REGISTRY_DIGEST_MISMATCH: 502,
  INCONSISTENT: 500,
  CORRUPT: 500,
  PROOF_INVALID: 400,
  NOTE_INVALID: 400,
  ARTIFACT_INVALID: 400,
  CONFIG_INVALID: 500,
  KEY_INVALID: 400,
  KEY_UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** Seconds a client should wait before retrying a 503 of this code. */
const RETRY_AFTER: Partial<Record<ErrorCode, number>> = { POOL_FULL: 1, STORE_FAILED: 1, SHUTTING_DOWN: 5, NOT_SEQUENCER: 1 };

/** The JSON error response for `err`: `{code, message, error, details?}`, Retry-After on retryable 503s. */
export function errorReply(err: LogError): Reply {
  const status = STATUS[err.code];
  const retry = RETRY_AFTER[err.code];
  const body: Record<string, unknown> = { code: status, message: err.message, error: err.code };
  if (err.details !== undefined) body['details'] = err.details;
  return {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...(retry === undefined ? {} : { 'Retry-After': String(retry) }) },
    body: JSON.stringify(body),
    code: err.code,
  };
}

/** What a handler throws, as a LogError: anything else is INTERNAL (500), with the original as its cause (logged, never sent). */
export function toLogError(err: unknown): LogError {
  return err instanceof LogError ? err : new LogError('INTERNAL', 'internal error', { cause: err });
}

/**
 * Rekor v2's answers (rekor-tiles internal/server: gRPC status codes through
 * grpc-gateway's HTTP mapping): HTTP status and `google.rpc.Code` by error
 * code, where they differ from the table above. Every invalid request is 400
 * INVALID_ARGUMENT; a duplicate 409 ALREADY_EXISTS; a log that takes no
 * writes 405 UNIMPLEMENTED ("frozen"); pushback 503 UNAVAILABLE.
 */
const REKOR_V2: Partial<Record<ErrorCode, { readonly status: number; readonly grpc: number }>> = {
  BAD_REQUEST: { status: 400, grpc: 3 },
  SCHEMA_INVALID: { status: 400, grpc: 3 },
  ENTRY_INVALID: { status: 400, grpc: 3 },
  SIGNATURE_INVALID: { status: 400, grpc: 3 },
  UNSUPPORTED_KIND: { status: 400, grpc: 3 },
  ALGORITHM_NOT_ALLOWED: { status: 400, grpc: 3 },
  TOO_LARGE: { status: 413, grpc: 3 },
  DUPLICATE: { status: 409, grpc: 6 },
  READ_ONLY: { status: 405, grpc: 12 },
  POOL_FULL: { status: 503, grpc: 14 },
  STORE_FAILED: { status: 503, grpc: 14 },
  SHUTTING_DOWN: { status: 503, grpc: 14 },
  NOT_SEQUENCER: { status: 503, grpc: 14 },
};

/**
 * The JSON error response of Rekor v2 for `err`: grpc-gateway's
 * `{code: <google.rpc.Code>, message, details: []}`, Retry-After on
 * retryable 503s, and `x-log-index` naming the existing entry of a duplicate.
 * The reply's `code` is Cairn's (src/errors.ts), as {@link errorReply}'s: the
 * body's gRPC code does not tell NOT_SEQUENCER from POOL_FULL.
 */
export function rekorV2ErrorReply(err: LogError): Reply {
  const status = REKOR_V2[err.code]?.status ?? STATUS[err.code];
  const grpc = REKOR_V2[err.code]?.grpc ?? (status >= 500 ? 13 : 3);
  const retry = RETRY_AFTER[err.code];
  const existing = err.details?.['existingIndex'];
  return {
    status,
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      ...(retry === undefined ? {} : { 'Retry-After': String(retry) }),
      ...(err.code === 'DUPLICATE' && typeof existing === 'number' ? { 'x-log-index': String(existing) } : {}),
    },
    body: JSON.stringify({ code: grpc, message: err.message, details: [] }),
    code: err.code,
  };
}

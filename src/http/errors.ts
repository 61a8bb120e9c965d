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
  SHUTTING_DOWN: 503,
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
const RETRY_AFTER: Partial<Record<ErrorCode, number>> = { POOL_FULL: 1, STORE_FAILED: 1, SHUTTING_DOWN: 5 };

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
  };
}

/** What a handler throws, as a LogError: anything else is INTERNAL (500), with the original as its cause (logged, never sent). */
export function toLogError(err: unknown): LogError {
  return err instanceof LogError ? err : new LogError('INTERNAL', 'internal error', { cause: err });
}

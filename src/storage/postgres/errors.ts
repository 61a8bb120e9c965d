/**
 * Mapping from PostgreSQL and node-postgres failures to {@link LogError}s.
 * Everything the PostgreSQL store rejects with is a LogError; the original
 * error stays as `cause`, its SQLSTATE in `details.sqlState`.
 */

import { describeError, isLogError, LogError, type ErrorCode } from '../../errors.js';

/** The SQLSTATE of a server error (`23505`, `57P01`…), if `err` is one. */
export function sqlState(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * SQLSTATEs after which the same call may succeed later: the connection or
 * the server failed (class 08, 57P01–57P05 shutdowns and session timeouts,
 * 25P03 idle-in-transaction timeout), resources ran out (class 53: disk full,
 * out of memory, too many connections), I/O failed (class 58), a timeout
 * cancelled the statement (57014), or a lock was not granted (40001, 40P01,
 * 55P03). The transaction was rolled back by the server.
 */
const RETRYABLE = /^(08...|53...|58...|57P0[1-5]|57014|25P03|40001|40P01|55P03)$/;

/**
 * True when `err` means the server could not be reached or refused work for
 * now: a retryable SQLSTATE, or a failure with no SQLSTATE at all (connection
 * refused or reset, connect timeout, a connection ended mid-query: the
 * errors node-postgres and the socket raise).
 */
export function isUnavailable(err: unknown): boolean {
  if (isLogError(err)) return false;
  const state = sqlState(err);
  return state === undefined || RETRYABLE.test(state);
}

/** True for errors meaning stored data is damaged (XX001 data_corrupted, XX002 index_corrupted). */
export function isCorruption(err: unknown): boolean {
  const state = sqlState(err);
  return state === 'XX001' || state === 'XX002';
}

/**
 * Wrap `err` as a LogError reading "couldn't <what>: <cause>". A LogError
 * passes through unchanged; corruption becomes CORRUPT; an integrity
 * violation (class 23) INCONSISTENT; an unreachable or overloaded server
 * STORE_FAILED (a 503: retry later); anything else `fallback`.
 */
export function toLogError(what: string, err: unknown, fallback: ErrorCode): LogError {
  if (isLogError(err)) return err;
  const state = sqlState(err);
  const code: ErrorCode = isCorruption(err)
    ? 'CORRUPT'
    : state?.startsWith('23') === true
      ? 'INCONSISTENT'
      : isUnavailable(err)
        ? 'STORE_FAILED'
        : fallback;
  return new LogError(code, `couldn't ${what}: ${describeError(err)}`, {
    cause: err,
    ...(state === undefined ? {} : { details: { sqlState: state } }),
  });
}

/**
 * Mapping from SQLite failures to {@link LogError}s. Everything the SQLite
 * store throws is a LogError; the original SqliteError stays as `cause`.
 */

import { describeError, isLogError, LogError, type ErrorCode } from '../../errors.js';

/** The SQLite extended result code of a thrown value (`SQLITE_FULL`, `SQLITE_CONSTRAINT_UNIQUE`…), if it has one. */
export function sqliteCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/** True for errors meaning the file itself is damaged or is not a database. */
export function isCorruption(err: unknown): boolean {
  const code = sqliteCode(err);
  return code !== undefined && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

/**
 * Wrap `err` as a LogError reading "couldn't <what>: <cause>". A LogError
 * passes through unchanged; corruption becomes CORRUPT; anything else gets
 * `fallback` (STORE_FAILED for writes, which the sequencer treats as "this
 * batch failed, nothing written").
 */
export function toLogError(what: string, err: unknown, fallback: ErrorCode): LogError {
  if (isLogError(err)) return err;
  const code = isCorruption(err) ? 'CORRUPT' : fallback;
  const sqlite = sqliteCode(err);
  return new LogError(code, `couldn't ${what}: ${describeError(err)}`, {
    cause: err,
    ...(sqlite === undefined ? {} : { details: { sqliteCode: sqlite } }),
  });
}

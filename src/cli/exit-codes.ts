/**
 * The one table of `cairn` exit statuses, and the mapping from errors to them.
 *
 * | status | meaning |
 * | --- | --- |
 * | 0 | done (`--help`, `--version`, a command that finished); image commands: signed and attached, or at least one signature verified fully; policy check: every image would be admitted (warn-mode verdicts printed); servers (`serve`, `witness`, `admit`): stopped by SIGTERM/SIGINT once drained |
 * | 1 | image commands: not verified (each signature's reason printed), or the registry or the log refused or answered wrongly; policy check: an image would be refused (an unreachable registry or log refuses too: the webhook fails closed); servers: the drain failed or overran the grace period; `check`, `restore`, `migrate`: the copy (or `migrate`'s source) does not prove out (damaged, a root or signature that does not match; the message says what and where); `healthcheck`: the server answered but is not healthy |
 * | 2 | bad usage or configuration: unknown command or flag, a setting out of range, missing or malformed argument, unreadable key or file, an invalid policy file; `serve`, `vkey`, `witness`: also any failure to start (a damaged data dir, a key that does not match the log, a port in use); `restore`: a target data dir that is not empty; `backup`: a target file that exists; `migrate`: a target database or schema that holds another log (or another log's unfinished copy) or is not Cairn's |
 * | 3 | the registry, the log or the key's token could not be reached or used (connection, timeout, 5xx/429 after retries, PKCS#11 module failure); not used by policy check; `healthcheck`: the server did not answer; `migrate`: PostgreSQL could not be reached |
 * | 4 | no log: a command that reads a log (`vkey`, `backup`, `check`, `migrate`) was pointed at a data dir without one; nothing is created (only `serve` creates a log) |
 * | 5 | the data dir is in use: another `cairn serve` holds its lock file (`<data-dir>/cairn.lock`); `migrate`: copied and proved up to a served data dir's snapshots, not finished (or another migrate copies into the target) |
 *
 * Servers exit only on a signal or a failure: at start-up, bad flags, an
 * unusable policy or TLS files exit 2 (5 for a data dir in use).
 */
import { isLogError, type ErrorCode } from '../errors.js';

export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, UNREACHABLE: 3, NO_LOG: 4, LOCKED: 5 } as const;
export type ExitStatus = (typeof EXIT)[keyof typeof EXIT];

/** Error codes that are not the fault of signatures, registries or logs but of how the command was called. */
const USAGE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['BAD_REQUEST', 'CONFIG_INVALID', 'REFERENCE_INVALID', 'KEY_INVALID']);
/** Error codes meaning "no answer": retrying later may work. */
const UNREACHABLE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['LOG_UNREACHABLE', 'REGISTRY_UNREACHABLE', 'KEY_UNAVAILABLE']);

/** A usage error: bad flags or arguments (exit 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** An error that ends the command with a given status (NO_LOG, LOCKED), its message said as is. */
export class ExitError extends Error {
  override readonly name = 'ExitError';
  constructor(
    readonly status: ExitStatus,
    message: string,
  ) {
    super(message);
  }
}

/** The exit status for a thrown error. */
export function exitStatusOf(err: unknown): ExitStatus {
  if (err instanceof ExitError) return err.status;
  if (err instanceof UsageError) return EXIT.USAGE;
  if (isLogError(err)) {
    if (UNREACHABLE_CODES.has(err.code)) return EXIT.UNREACHABLE;
    if (USAGE_CODES.has(err.code)) return EXIT.USAGE;
  }
  if (err instanceof TypeError && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true) return EXIT.USAGE;
  return EXIT.FAILED;
}

/** The exit status of an error that escapes a command to main: its own status, else 2 (failed to start, see the table). */
export function mainExitStatus(err: unknown): ExitStatus {
  return err instanceof ExitError ? err.status : EXIT.USAGE;
}

/**
 * The one table of exit statuses of the image-signing commands (`cairn sign`,
 * `attest`, `verify`, `verify-attestation`) and of `cairn policy check`, and
 * the mapping from error codes to them.
 *
 * | status | meaning |
 * | --- | --- |
 * | 0 | done: signed and attached; or at least one signature verified fully; policy check: every image would be admitted (warn-mode verdicts printed) |
 * | 1 | not verified (each signature's reason printed), or the registry or the log refused or answered wrongly; policy check: an image would be refused (a registry or log that cannot be reached refuses too, as the webhook fails closed) |
 * | 2 | bad usage: unknown flag, missing or malformed argument, unreadable key or file; policy check: also an invalid policy file or a manifest that is not YAML |
 * | 3 | the registry, the log or the key's token could not be reached or used (connection, timeout, 5xx/429 after retries, PKCS#11 module failure); not used by policy check |
 *
 * `cairn admit` is a server: bad flags, an unusable policy or TLS files exit 2 at start-up;
 * SIGTERM exits 0 once drained (1 when the drain fails or overruns), as `cairn serve`.
 */
import { isLogError, type ErrorCode } from '../errors.js';

export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, UNREACHABLE: 3 } as const;
export type ExitStatus = (typeof EXIT)[keyof typeof EXIT];

/** Error codes that are not the fault of signatures, registries or logs but of how the command was called. */
const USAGE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['BAD_REQUEST', 'CONFIG_INVALID', 'REFERENCE_INVALID', 'KEY_INVALID']);
/** Error codes meaning "no answer": retrying later may work. */
const UNREACHABLE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['LOG_UNREACHABLE', 'REGISTRY_UNREACHABLE', 'KEY_UNAVAILABLE']);

/** A usage error: bad flags or arguments (exit 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The exit status for a thrown error. */
export function exitStatusOf(err: unknown): ExitStatus {
  if (err instanceof UsageError) return EXIT.USAGE;
  if (isLogError(err)) {
    if (UNREACHABLE_CODES.has(err.code)) return EXIT.UNREACHABLE;
    if (USAGE_CODES.has(err.code)) return EXIT.USAGE;
  }
  if (err instanceof TypeError && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true) return EXIT.USAGE;
  return EXIT.FAILED;
}

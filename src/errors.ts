/**
 * Error catalog shared by every layer. Domain code throws {@link LogError}
 * with a stable {@link ErrorCode}; only `src/http/errors.ts` knows how a code
 * maps to an HTTP status. Messages read "couldn't X: cause".
 */

/** Every error code Cairn produces. Tests assert on these, never on messages. */
export type ErrorCode =
  // request / entry problems (client's fault)
  | 'BAD_REQUEST' // malformed request: wrong types, bad hex/base64, bad query parameters
  | 'SCHEMA_INVALID' // request failed schema validation
  | 'ENTRY_INVALID' // entry is well-formed JSON but not a valid entry of its kind
  | 'SIGNATURE_INVALID' // the entry's signature does not verify
  | 'UNSUPPORTED_KIND' // unknown entry kind or version
  | 'ALGORITHM_NOT_ALLOWED' // key/hash pairing not allowed
  | 'TOO_LARGE' // request body or entry too large
  | 'TOO_MANY' // search/retrieve request asks for too much
  | 'DUPLICATE' // an equal entry is already in the log (details carry the existing index)
  | 'NOT_FOUND' // no such entry, tile, checkpoint
  | 'SIZE_CONFLICT' // tlog-witness: the request's old size is not the latest size the witness cosigned (details.size)
  | 'PROOF_REJECTED' // tlog-witness: the consistency proof (or the checkpoint it proves) does not verify against the witness's state
  | 'SIZE_OUT_OF_RANGE' // a tree size beyond the published size, or first > last
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  // admin operations' second factor (src/http/admin.ts): the one-time code in X-Cairn-OTP
  | 'OTP_REQUIRED' // no one-time code was given
  | 'OTP_INVALID' // the code is not the token's current one (±1 step)
  | 'OTP_REUSED' // the code was valid but is already spent
  | 'OTP_LOCKED' // too many wrong codes for this token in a row: codes are refused for a while
  | 'RELOAD_REFUSED' // a reload of a file (tokens) was refused; what was in force stays in force
  // service state (server side, retryable)
  | 'POOL_FULL' // the sequencer's pool is full; retry later
  | 'STORE_FAILED' // a batch failed to commit (nothing of it was written), or the store cannot be reached now
  | 'READ_ONLY' // the log refuses writes (failed self-check, fatal error, frozen)
  | 'BUSY' // another admin operation on the log (a rotation, a freeze) is in progress
  | 'UNSUPPORTED' // the operation is not supported on this log's store (a rotation or freeze on a store that keeps one tree)
  | 'SHUTTING_DOWN'
  | 'NOT_SEQUENCER' // several nodes on one database: this node lost the sequencer lease, or the node holding it could not be reached; retry
  | 'UPSTREAM_FAILED' // a remote service (a witness, a monitored log) was unreachable or answered unexpectedly
  // a client of a transparency log (src/client)
  | 'LOG_UNREACHABLE' // no usable answer from the log (network, timeout, 5xx/429 after retries)
  | 'LOG_REJECTED' // the log refused a request (4xx), with its message
  | 'LOG_RESPONSE_INVALID' // the log's answer is not what its API promises (shape, size, an entry for another ID)
  // OCI registries (src/oci): what a registry said or failed to say
  | 'REFERENCE_INVALID' // an image reference that is not [host[:port]/]repo[:tag][@sha256:<hex>]
  | 'REGISTRY_UNAUTHORIZED' // 401: credentials missing or rejected (registry or its token service)
  | 'REGISTRY_DENIED' // 403: authenticated but not allowed
  | 'REGISTRY_NOT_FOUND' // 404: manifest, blob or repository unknown (details.registryCode)
  | 'REGISTRY_UNREACHABLE' // connection refused, DNS, TLS failure, timeout, or 429/5xx after every retry
  | 'REGISTRY_PROTOCOL' // an answer outside the distribution spec: bad status, header, JSON or size
  | 'REGISTRY_DIGEST_MISMATCH' // content whose sha256 or size is not the one asked for
  // integrity (fatal)
  | 'INCONSISTENT' // an operation would break append-only consistency
  | 'CORRUPT' // stored data fails verification
  // pure-core verification results
  | 'PROOF_INVALID'
  | 'NOTE_INVALID'
  | 'ARTIFACT_INVALID' // a signature artifact (payload, envelope, bundle, signature manifest) is malformed
  | 'CONFIG_INVALID'
  // signing keys (src/keys)
  | 'KEY_INVALID' // a signing key reference or key is unusable as given: bad file, wrong passphrase or PIN, bad PKCS#11 URI, missing or unloadable module, no such token/object, unsupported algorithm
  | 'KEY_UNAVAILABLE' // the key source failed: PKCS#11 support (pkcs11js) not installed, module or token error, signing failed, key closed
  | 'INTERNAL';

/** Base error. `details` carries structured, JSON-safe context (e.g. `existingIndex`). */
export class LogError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: C, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LogError';
    this.code = code;
    this.details = options?.details;
  }
}

/** True when `err` is a LogError, optionally with the given code. */
export function isLogError<C extends ErrorCode>(err: unknown, code?: C): err is LogError<C> {
  return err instanceof LogError && (code === undefined || err.code === code);
}

/** A readable one-line description of any thrown value, for "couldn't X: cause" messages. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

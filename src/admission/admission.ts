/**
 * Admission: the request body of `POST /api/v1/log/entries` (rekor-v1.md §1,
 * createLogEntry) in, a PreparedEntry out. All of a submission's CPU work
 * happens here, before the sequencer (docs/ARCHITECTURE.md "The write path"):
 * JSON parsing under the API's one rule set, the createLogEntry schema, and
 * prepareEntry (validation, signature verification, canonicalisation,
 * hashing).
 *
 * Two implementations give identical results, since both run admitSubmission:
 * - inlineAdmission: on the calling thread (tests, single-core machines);
 * - the worker pool's (src/workers): the body's bytes go to a worker thread
 *   and only bytes cross, so the event loop neither parses nor verifies.
 */
import type { EntryLimits, PreparedEntry } from '../entry/index.js';
import { loadApiSpec, parseJsonBody, type ApiSpec } from '../api/index.js';
import { prepareEntry, prepareRekorV2Request } from '../entry/index.js';
import { LogError } from '../errors.js';

/**
 * Which API a request body belongs to: Rekor v1's `createLogEntry`
 * (`POST /api/v1/log/entries`, checked against openapi.yaml) or Rekor v2's
 * `CreateEntryRequest` (`POST /api/v2/log/entries`, protobuf JSON, checked
 * field by field by prepareRekorV2Request).
 */
export type RequestForm = 'rekor-v1' | 'rekor-v2';

/**
 * Where submissions are admitted. Concurrent calls are allowed and
 * independent; results MUST NOT depend on where admission runs.
 */
export interface Admission {
  /**
   * Parse `raw` as a JSON request body (api/json-body.ts), check it against
   * createLogEntry's schema and prepare it. Rejects with BAD_REQUEST (not
   * JSON), SCHEMA_INVALID (names the field), what prepareEntry throws
   * (UNSUPPORTED_KIND, ENTRY_INVALID, SIGNATURE_INVALID, TOO_LARGE…), or
   * SHUTTING_DOWN once closed. Never rejects with anything but a LogError.
   * `form` (default `rekor-v1`) says which API's request `raw` is.
   */
  admit(raw: Uint8Array, limits: EntryLimits, form?: RequestForm): Promise<PreparedEntry>;
  /** Stop admitting (pending and later calls reject with SHUTTING_DOWN). Idempotent. */
  close(): Promise<void>;
}

/** Parse, check against the createLogEntry schema, and prepare: the whole admission of one request body. Throws LogErrors only. */
export function admitSubmission(api: ApiSpec, raw: Uint8Array, limits: EntryLimits, form: RequestForm = 'rekor-v1'): PreparedEntry {
  if (form === 'rekor-v2') return prepareRekorV2Request(parseJsonBody(raw), limits);
  const { body } = api.checkRequest('createLogEntry', { body: parseJsonBody(raw) });
  return prepareEntry(body, limits);
}

/** Admission on the calling thread, against the openapi.yaml at `openapiPath` (default: the one loadApiSpec finds). */
export function inlineAdmission(opts: { readonly openapiPath?: string } = {}): Admission {
  let closed = false;
  return {
    admit(raw, limits, form) {
      try {
        if (closed) throw new LogError('SHUTTING_DOWN', 'the server is shutting down');
        return Promise.resolve(admitSubmission(loadApiSpec(opts.openapiPath), raw, limits, form));
      } catch (err) {
        return Promise.reject(err);
      }
    },
    close() {
      closed = true;
      return Promise.resolve();
    },
  };
}

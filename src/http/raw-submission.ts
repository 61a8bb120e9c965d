/**
 * A submission straight from the bytes of its request body: JSON parsing
 * with the rules of the express JSON parser the other routes use (so a body
 * is judged the same whichever path it took), the createLogEntry schema, and
 * prepareEntry. Pure CPU work, run in the admission pool's workers so the
 * event loop never parses or validates a submission (admission.ts).
 *
 * The JSON rules (body-parser's `json({ strict: true })`, which express.json is):
 * - an empty body is `{}` (then fails the schema with a named field);
 * - a UTF-8 byte order mark at the start is dropped;
 * - the first non-whitespace character must be `{` or `[` (RFC 8259 §2
 *   whitespace), else 400 BAD_REQUEST;
 * - anything JSON.parse refuses is 400 BAD_REQUEST "request body is not valid JSON: …".
 */
import { prepareEntry, type EntryLimits, type PreparedEntry } from '../entry/index.js';
import { LogError } from '../errors.js';
import type { ApiSpec } from './openapi.js';

/** Parse a request body as express.json (strict) would; throws BAD_REQUEST on malformed JSON. */
export function parseJsonBody(raw: Uint8Array): unknown {
  if (raw.byteLength === 0) return {};
  let text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const first = /^[ \t\n\r]*(.)/s.exec(text)?.[1];
  if (first !== '{' && first !== '[') {
    throw new LogError('BAD_REQUEST', `request body is not valid JSON: expected an object or an array, got ${first === undefined ? 'only whitespace' : JSON.stringify(first)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new LogError('BAD_REQUEST', `request body is not valid JSON: ${(err as Error).message}`);
  }
}

/** Parse, check against the createLogEntry schema, and prepare: the whole admission of a POST /api/v1/log/entries body. */
export function admitRawSubmission(api: ApiSpec, raw: Uint8Array, limits: EntryLimits): PreparedEntry {
  const { body } = api.checkRequest('createLogEntry', { body: parseJsonBody(raw) });
  return prepareEntry(body, limits);
}

/**
 * The one rule set for JSON request bodies (RFC 8259), the rules of
 * body-parser's `json({ strict: true })`, which clients of Rekor's API were
 * written against:
 * - an empty body is `{}` (then fails its schema with a named field);
 * - a UTF-8 byte order mark at the start is dropped;
 * - the first non-whitespace character must be `{` or `[` (RFC 8259 §2
 *   whitespace), else BAD_REQUEST;
 * - anything JSON.parse refuses is BAD_REQUEST "request body is not valid JSON: …".
 * Pure; the input is attacker-controlled and never throws anything but a LogError.
 */
import { LogError } from '../errors.js';

/** Parse a request body's bytes as JSON under the rules above; throws BAD_REQUEST on malformed JSON. */
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

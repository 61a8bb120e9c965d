/**
 * RFC 8785 JSON Canonicalization Scheme (JCS). Canonical bodies, and the SET
 * payload, are these bytes, so the output must match Go's
 * cyberphone/jsoncanonicalizer byte for byte:
 * - object keys sorted by UTF-16 code units (§3.2.3), which is exactly what
 *   `Array.prototype.sort()` without a comparator does;
 * - numbers in ECMAScript `Number.prototype.toString` form (§3.2.2.3), which
 *   `JSON.stringify` produces for finite numbers (and "0" for -0);
 * - strings escaped as `JSON.stringify` does (§3.2.2.2): `\b \t \n \f \r`,
 *   other controls as lowercase `\u00xx`, `"` and `\`; everything else literal.
 */
import { LogError } from '../errors.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const MAX_DEPTH = 64;

/**
 * RFC 8785 canonical JSON text of `value`, which MUST be I-JSON data: plain
 * objects, arrays, strings without unpaired surrogates, finite numbers,
 * booleans and null. Anything else (undefined, NaN, bigint, class instances,
 * nesting deeper than 64) throws `LogError('ENTRY_INVALID')`.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, out, 0);
  return out.join('');
}

function write(value: unknown, out: string[], depth: number): void {
  if (depth > MAX_DEPTH) throw fail(`nesting deeper than ${MAX_DEPTH}`);
  switch (typeof value) {
    case 'string':
      if (LONE_SURROGATE.test(value)) throw fail('a string contains an unpaired UTF-16 surrogate');
      out.push(JSON.stringify(value));
      return;
    case 'number':
      if (!Number.isFinite(value)) throw fail(`${value} is not a JSON number`);
      out.push(JSON.stringify(value));
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'object':
      if (value === null) out.push('null');
      else if (Array.isArray(value)) writeArray(value, out, depth);
      else writeObject(value, out, depth);
      return;
    default:
      throw fail(`a ${typeof value} is not JSON data`);
  }
}

function writeArray(items: readonly unknown[], out: string[], depth: number): void {
  out.push('[');
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out.push(',');
    write(items[i], out, depth + 1);
  }
  out.push(']');
}

function writeObject(obj: object, out: string[], depth: number): void {
  const proto: unknown = Object.getPrototypeOf(obj);
  if (proto !== Object.prototype && proto !== null) throw fail('only plain objects are JSON data');
  const record = obj as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  out.push('{');
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (i > 0) out.push(',');
    write(key, out, depth + 1);
    out.push(':');
    write(record[key], out, depth + 1);
  }
  out.push('}');
}

function fail(reason: string): LogError<'ENTRY_INVALID'> {
  return new LogError('ENTRY_INVALID', `couldn't canonicalize JSON: ${reason}`);
}

/**
 * Defensive accessors for attacker-controlled request JSON. Every accessor
 * names the field it reads, so errors say exactly what was wrong, and reads
 * only own properties (a field called `toString` or `__proto__` is data, never
 * something inherited). All failures are `LogError('ENTRY_INVALID')`.
 */
import { LogError } from '../errors.js';

/** A JSON value as it appears in a canonical body. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A plain JSON object read from a request. */
export type JsonObject = Record<string, unknown>;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** An ENTRY_INVALID error naming `field`. */
export function invalid(field: string, reason: string): LogError<'ENTRY_INVALID'> {
  return new LogError('ENTRY_INVALID', `${field}: ${reason}`);
}

/** True when `value` is a non-null, non-array object. */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value` as an object, or ENTRY_INVALID naming `field`. */
export function asObject(value: unknown, field: string): JsonObject {
  if (!isObject(value)) throw invalid(field, `expected an object, got ${describeType(value)}`);
  return value;
}

/** The own property `key` of `obj`, or undefined. */
export function prop(obj: JsonObject, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

/** A required object field. */
export function reqObject(obj: JsonObject, key: string, path: string): JsonObject {
  const value = prop(obj, key);
  if (value === undefined) throw invalid(path, 'missing');
  return asObject(value, path);
}

/** A required, well-formed (no lone surrogates) string field; `nonEmpty` rejects "". */
export function reqString(obj: JsonObject, key: string, path: string, nonEmpty = true): string {
  const value = prop(obj, key);
  if (value === undefined) throw invalid(path, 'missing');
  return asString(value, path, nonEmpty);
}

/** An optional string field: undefined when absent (null counts as absent, as in Go). */
export function optString(obj: JsonObject, key: string, path: string): string | undefined {
  const value = prop(obj, key);
  if (value === undefined || value === null) return undefined;
  return asString(value, path, false);
}

/** `value` as a well-formed string. */
export function asString(value: unknown, path: string, nonEmpty = true): string {
  if (typeof value !== 'string') throw invalid(path, `expected a string, got ${describeType(value)}`);
  if (nonEmpty && value.length === 0) throw invalid(path, 'must not be empty');
  if (LONE_SURROGATE.test(value)) throw invalid(path, 'contains an unpaired UTF-16 surrogate');
  return value;
}

/** A required array field with between 1 and `max` items. */
export function reqArray(obj: JsonObject, key: string, path: string, max: number): unknown[] {
  const value = prop(obj, key);
  if (value === undefined) throw invalid(path, 'missing');
  if (!Array.isArray(value)) throw invalid(path, `expected an array, got ${describeType(value)}`);
  if (value.length === 0) throw invalid(path, 'must not be empty');
  if (value.length > max) {
    throw new LogError('TOO_LARGE', `${path}: ${value.length} items, at most ${max} allowed`);
  }
  return value;
}

/** `text` JSON-quoted and cut to `max` characters, for quoting attacker-controlled values in messages. */
export function quote(text: string, max = 64): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

/** A short, safe description of a value's JSON type for error messages. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

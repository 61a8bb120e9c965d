/**
 * Defensive reading of attacker-controlled JSON (signature blobs, bundles,
 * manifests, log responses): every failure is LogError('ARTIFACT_INVALID')
 * naming the field, never a SyntaxError or TypeError. Own properties only.
 */
import { LogError } from '../errors.js';

export type JsonRecord = Record<string, unknown>;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HEX = /^[0-9a-f]*$/;

/** ARTIFACT_INVALID naming `field`. */
export function bad(field: string, why: string): LogError<'ARTIFACT_INVALID'> {
  return new LogError('ARTIFACT_INVALID', `${field}: ${why}`);
}

/** Parse UTF-8 JSON text or bytes. */
export function parseJson(input: string | Uint8Array, field: string): unknown {
  let text: string;
  try {
    text = typeof input === 'string' ? input : utf8.decode(input);
  } catch {
    throw bad(field, 'not valid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw bad(field, 'not valid JSON');
  }
}

export function isRecord(v: unknown): v is JsonRecord {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asRecord(v: unknown, field: string): JsonRecord {
  if (!isRecord(v)) throw bad(field, 'expected an object');
  return v;
}

/** Own property `key`, or undefined. */
export function get(obj: JsonRecord, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

export function reqRecord(obj: JsonRecord, key: string, field: string): JsonRecord {
  return asRecord(get(obj, key), field);
}

export function optRecord(obj: JsonRecord, key: string, field: string): JsonRecord | undefined {
  const v = get(obj, key);
  return v === undefined || v === null ? undefined : asRecord(v, field);
}

export function reqStr(obj: JsonRecord, key: string, field: string): string {
  const v = get(obj, key);
  if (typeof v !== 'string') throw bad(field, v === undefined ? 'missing' : 'expected a string');
  return v;
}

export function optStr(obj: JsonRecord, key: string, field: string): string | undefined {
  const v = get(obj, key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw bad(field, 'expected a string');
  return v;
}

export function reqArr(obj: JsonRecord, key: string, field: string, max: number): unknown[] {
  const v = get(obj, key);
  if (!Array.isArray(v)) throw bad(field, v === undefined ? 'missing' : 'expected an array');
  if (v.length > max) throw bad(field, `more than ${max} items`);
  return v;
}

/** An array field that protojson omits when empty. */
export function optArr(obj: JsonRecord, key: string, field: string, max: number): unknown[] {
  return get(obj, key) === undefined ? [] : reqArr(obj, key, field, max);
}

/** A non-negative safe integer given as a JSON number. */
export function reqUint(obj: JsonRecord, key: string, field: string): number {
  const v = get(obj, key);
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw bad(field, 'expected a non-negative integer');
  return v;
}

/** A protojson int64: a decimal string (or, leniently, a number); absent means 0. */
export function int64(obj: JsonRecord, key: string, field: string): number {
  const v = get(obj, key);
  if (v === undefined) return 0;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^(0|[1-9][0-9]{0,15})$/.test(v) && Number.isSafeInteger(Number(v))) return Number(v);
  throw bad(field, 'expected a non-negative int64');
}

/** Canonical standard padded base64 (decoding then re-encoding gives the same text). */
export function b64(text: string, field: string): Uint8Array {
  if (!STD_BASE64.test(text)) throw bad(field, 'not standard base64');
  const out = new Uint8Array(Buffer.from(text, 'base64'));
  if (toB64(out) !== text) throw bad(field, 'not canonical base64');
  return out;
}

/** Lowercase hex of exactly `bytes` bytes (any length when undefined). */
export function hex(text: string, field: string, bytes?: number): Uint8Array {
  if (!HEX.test(text) || text.length % 2 !== 0) throw bad(field, 'not lowercase hex');
  if (bytes !== undefined && text.length !== bytes * 2) throw bad(field, `expected ${bytes * 2} hex digits`);
  return new Uint8Array(Buffer.from(text, 'hex'));
}

export function toB64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function utf8Bytes(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'utf8'));
}

/** Decode UTF-8 strictly. */
export function utf8Text(bytes: Uint8Array, field: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw bad(field, 'not valid UTF-8');
  }
}

/**
 * Admission of a proposed entry: dispatch on kind and apiVersion, let the
 * kind validate, verify and canonicalise, then hash. Pure apart from the key
 * cache (see keys.ts): no I/O, no clock, no randomness.
 */
import { describeError, LogError } from '../errors.js';
import { canonicalJson } from './canonical.js';
import { leafHashOf } from './digest.js';
import { asObject, quote, reqObject, reqString, type Json } from './fields.js';
import { dsseV001 } from './kinds/dsse.js';
import { hashedrekordV001 } from './kinds/hashedrekord.js';
import { intotoV002 } from './kinds/intoto.js';
import { normaliseSearchKeys } from './search-keys.js';
import { DEFAULT_ENTRY_LIMITS, type EntryLimits, type KindContext, type KindHandler, type PreparedEntry } from './types.js';

const HANDLERS: readonly KindHandler[] = [hashedrekordV001, dsseV001, intotoV002];

/** Kinds and versions Cairn accepts. */
export const SUPPORTED_KINDS: readonly { readonly kind: string; readonly apiVersion: string }[] = Object.freeze(
  HANDLERS.map((h) => Object.freeze({ kind: h.kind, apiVersion: h.apiVersion })),
);

/**
 * Validate, verify signatures, canonicalise. `proposed` is attacker-controlled
 * (typically straight from JSON.parse). Throws LogError with code
 * UNSUPPORTED_KIND | ENTRY_INVALID | SIGNATURE_INVALID | ALGORITHM_NOT_ALLOWED
 * | TOO_LARGE and a message naming the field and the reason; never anything
 * else (an unexpected internal failure surfaces as LogError('INTERNAL')).
 * Limits are clamped to their hard maxima (65,535 bytes, chains of 10).
 * Deterministic: the same entry, however its JSON was laid out, gives the
 * same body and leaf hash.
 */
export function prepareEntry(proposed: unknown, limits?: Partial<EntryLimits>): PreparedEntry {
  try {
    return prepare(proposed, resolveLimits(limits));
  } catch (err) {
    if (err instanceof LogError) throw err;
    throw new LogError('INTERNAL', `couldn't prepare entry: ${describeError(err)}`, { cause: err });
  }
}

function prepare(proposed: unknown, limits: EntryLimits): PreparedEntry {
  const entry = asObject(proposed, 'entry');
  const kind = reqString(entry, 'kind', 'kind');
  const apiVersion = reqString(entry, 'apiVersion', 'apiVersion');
  const handler = findHandler(kind, apiVersion);
  const spec = reqObject(entry, 'spec', 'spec');
  const ctx: KindContext = { limits, encodeBody: (s) => encodeBody(handler, s, limits.maxBodyBytes) };
  const { body, searchKeys } = handler.prepare(spec, ctx);
  return {
    kind: `${handler.kind}/${handler.apiVersion}`,
    body,
    leafHash: leafHashOf(body),
    searchKeys: normaliseSearchKeys(searchKeys),
  };
}

function findHandler(kind: string, apiVersion: string): KindHandler {
  const handler = HANDLERS.find((h) => h.kind === kind && h.apiVersion === apiVersion);
  if (handler !== undefined) return handler;
  const supported = SUPPORTED_KINDS.map((k) => `${k.kind} ${k.apiVersion}`).join(', ');
  const known = HANDLERS.some((h) => h.kind === kind);
  const what = known ? `${quote(kind)} version ${quote(apiVersion)}` : `kind ${quote(kind)}`;
  throw new LogError('UNSUPPORTED_KIND', `${what} is not supported; supported: ${supported}`);
}

function encodeBody(handler: KindHandler, spec: Json, maxBodyBytes: number): Uint8Array {
  const text = canonicalJson({ apiVersion: handler.apiVersion, kind: handler.kind, spec });
  const body = new Uint8Array(Buffer.from(text, 'utf8'));
  if (body.length > maxBodyBytes) {
    throw new LogError('TOO_LARGE', `canonical body is ${body.length} bytes; at most ${maxBodyBytes} allowed`);
  }
  return body;
}

function resolveLimits(limits: Partial<EntryLimits> | undefined): EntryLimits {
  return {
    maxBodyBytes: clamp(limits?.maxBodyBytes, DEFAULT_ENTRY_LIMITS.maxBodyBytes),
    maxChainLength: clamp(limits?.maxChainLength, DEFAULT_ENTRY_LIMITS.maxChainLength),
  };
}

/** An integer in [1, max]; undefined or non-numeric gives `max`. */
function clamp(value: number | undefined, max: number): number {
  if (value === undefined || !Number.isFinite(value)) return max;
  return Math.min(max, Math.max(1, Math.floor(value)));
}

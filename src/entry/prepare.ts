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
import { dsseV002 } from './kinds/dsse-v002.js';
import { hashedrekordV001 } from './kinds/hashedrekord.js';
import { hashedrekordV002 } from './kinds/hashedrekord-v002.js';
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

/**
 * The request fields of Rekor v2's `CreateEntryRequest` (rekor-tiles
 * api/proto/rekor/v2/rekor_service.proto, protobuf JSON names) and the kind
 * each one creates.
 */
const V2_REQUESTS: Readonly<Record<string, KindHandler>> = { hashedRekordRequestV002: hashedrekordV002, dsseRequestV002: dsseV002 };

/**
 * Rekor v2's admission: a `CreateEntryRequest` (attacker-controlled, parsed
 * JSON) holding exactly one of `hashedRekordRequestV002` and
 * `dsseRequestV002`, validated, verified and canonicalised by its kind
 * (kinds/hashedrekord-v002.ts, kinds/dsse-v002.ts). The canonical body is
 * the protobuf JSON of rekor-tiles' `Entry` (`{apiVersion: "0.0.2", kind,
 * spec: {hashedRekordV002 | dsseV002: …}}`) in RFC 8785 form, as rekor-tiles
 * stores it. Throws as prepareEntry does.
 */
export function prepareRekorV2Request(request: unknown, limits?: Partial<EntryLimits>): PreparedEntry {
  try {
    const resolved = resolveLimits(limits);
    const obj = asObject(request, 'request');
    const keys = Object.keys(obj);
    const field = keys.length === 1 ? keys[0]! : undefined;
    const handler = field === undefined ? undefined : V2_REQUESTS[field];
    if (field === undefined || handler === undefined || !Object.prototype.hasOwnProperty.call(V2_REQUESTS, field)) {
      throw new LogError('UNSUPPORTED_KIND', `the request must hold exactly one of ${Object.keys(V2_REQUESTS).join(', ')}; got ${keys.length === 0 ? 'none' : keys.slice(0, 4).map((k) => quote(k)).join(', ')}`);
    }
    const spec = reqObject(obj, field, field);
    const ctx: KindContext = { limits: resolved, encodeBody: (s) => encodeBody(handler, s, resolved.maxBodyBytes) };
    const { body } = handler.prepare(spec, ctx);
    return { kind: `${handler.kind}/${handler.apiVersion}`, body, leafHash: leafHashOf(body), searchKeys: [] };
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

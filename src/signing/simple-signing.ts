/**
 * The simple-signing payload (oci-signatures.md §3): what a legacy `.sig`
 * layer carries and what its signature covers.
 *
 * Writing follows cosign byte for byte: no whitespace, keys in the order
 * cosign's Go structs marshal them, `optional` null unless annotations were
 * given. Reading is containers/image's strict parse, done only AFTER the
 * signature verified: exactly `critical` and `optional`; `critical` holds
 * exactly `identity{docker-reference}`, `image{docker-manifest-digest}` and
 * `type` (which must be cosign's); `optional` is absent, null or an object.
 */
import { bad, isRecord, parseJson, get, type JsonRecord } from './json.js';
import { COSIGN_SIGNATURE_TYPE } from './media-types.js';
import { isSha256Digest, type Sha256Digest } from './digest.js';

/** The claims of a simple-signing payload. */
export interface SimpleSigningClaims {
  /** `critical.identity.docker-reference`: cosign writes the repository without tag. */
  readonly dockerReference: string;
  /** `critical.image.docker-manifest-digest`. */
  readonly manifestDigest: Sha256Digest;
  /** `optional`: null, or string-valued annotations (`cosign sign -a k=v`, `cairn sign --annotation`). */
  readonly optional: Readonly<Record<string, unknown>> | null;
}

/**
 * The payload bytes cosign writes for `manifestDigest` under
 * `dockerReference`:
 * `{"critical":{"identity":{"docker-reference":R},"image":{"docker-manifest-digest":D},"type":"cosign container image signature"},"optional":null}`.
 * `optional` is written as an object (keys sorted, as Go marshals a map)
 * only when `annotations` has entries. Throws ARTIFACT_INVALID for a digest
 * that is not `sha256:<64 hex>` or an empty reference.
 */
export function simpleSigningPayload(
  dockerReference: string,
  manifestDigest: string,
  annotations?: Readonly<Record<string, string>>,
): Uint8Array {
  if (!isSha256Digest(manifestDigest)) throw bad('manifestDigest', 'expected sha256:<64 lowercase hex>');
  if (dockerReference === '') throw bad('dockerReference', 'must not be empty');
  const keys = Object.keys(annotations ?? {}).sort();
  const optional =
    keys.length === 0 ? 'null' : `{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(annotations?.[k])}`).join(',')}}`;
  const text =
    `{"critical":{"identity":{"docker-reference":${JSON.stringify(dockerReference)}},` +
    `"image":{"docker-manifest-digest":${JSON.stringify(manifestDigest)}},` +
    `"type":${JSON.stringify(COSIGN_SIGNATURE_TYPE)}},"optional":${optional}}`;
  return new TextEncoder().encode(text);
}

/**
 * Strict parse of a VERIFIED payload (containers/image rules, §3 "Parsing").
 * Throws ARTIFACT_INVALID naming what is wrong: not JSON, unknown or missing
 * keys outside `optional`, a `type` other than cosign's, a malformed digest,
 * a non-string reference, or an `optional` that is neither null nor an object.
 */
export function parseSimpleSigningPayload(payload: Uint8Array): SimpleSigningClaims {
  const top = exactKeys(parseJson(payload, 'payload'), 'payload', ['critical', 'optional'], ['critical']);
  const critical = exactKeys(get(top, 'critical'), 'payload.critical', ['identity', 'image', 'type']);
  const type = get(critical, 'type');
  if (type !== COSIGN_SIGNATURE_TYPE) throw bad('payload.critical.type', `must be ${JSON.stringify(COSIGN_SIGNATURE_TYPE)}`);
  const identity = exactKeys(get(critical, 'identity'), 'payload.critical.identity', ['docker-reference']);
  const image = exactKeys(get(critical, 'image'), 'payload.critical.image', ['docker-manifest-digest']);
  const ref = get(identity, 'docker-reference');
  if (typeof ref !== 'string' || ref === '') throw bad('payload.critical.identity.docker-reference', 'expected a non-empty string');
  const digest = get(image, 'docker-manifest-digest');
  if (!isSha256Digest(digest)) throw bad('payload.critical.image.docker-manifest-digest', 'expected sha256:<64 lowercase hex>');
  const optional = get(top, 'optional') ?? null;
  if (optional !== null && !isRecord(optional)) throw bad('payload.optional', 'expected null or an object');
  return { dockerReference: ref, manifestDigest: digest, optional };
}

/** `value` as an object with no keys outside `keys` and every key of `required` (default: all of `keys`). */
function exactKeys(value: unknown, field: string, keys: readonly string[], required: readonly string[] = keys): JsonRecord {
  if (!isRecord(value)) throw bad(field, 'expected an object');
  const have = Object.keys(value);
  for (const k of have) if (!keys.includes(k)) throw bad(field, `unknown key ${JSON.stringify(k.slice(0, 64))}`);
  for (const k of required) if (!have.includes(k)) throw bad(field, `missing key ${JSON.stringify(k)}`);
  return value;
}

/**
 * The `Verifier` of Rekor v2 requests (rekor-tiles api/proto/rekor/v2/verifier.proto,
 * protobuf JSON): `{publicKey: {rawBytes}}` or `{x509Certificate: {rawBytes}}`
 * (DER, standard or URL-safe base64, padding optional, as protojson reads
 * bytes) and `keyDetails`, a sigstore `PublicKeyDetails` name
 * (protobuf-specs sigstore_common.proto) that must describe the key.
 *
 * A DER SubjectPublicKeyInfo sent as `x509Certificate.rawBytes` (what
 * sigstore-js sends for a keyed signer) is taken for the public key it is
 * and stored as `publicKey`: the canonical body says what the verifier is.
 *
 * Parsed verifiers are memoised like v1 keys (keys.ts): by the exact request
 * text, in a bounded LRU; the result depends on that text alone.
 */
import { LogError } from '../../errors.js';
import type { HashAlgorithm } from '../digest.js';
import { decodeBase64Dsse, encodeBase64 } from '../encoding.js';
import { asObject, invalid, prop, reqObject, reqString, type Json, type JsonObject } from '../fields.js';
import { LruCache } from '../lru.js';
import { parseSpki, type PublicKeyInfo } from '../spki.js';
import { parseCertificate } from '../x509.js';

/** How a key may sign under one `PublicKeyDetails` value. */
interface KeyDetailsRule {
  readonly family: PublicKeyInfo['family'];
  readonly curve?: PublicKeyInfo['curve'];
  readonly rsaBits?: number;
  /** The hash of the signed digest (hashedrekord) and of the stored data. */
  readonly hash: HashAlgorithm;
  /** Ed25519ph: signs a SHA-512 digest; pure Ed25519 signs messages only. */
  readonly prehashed: boolean;
}

/** The `PublicKeyDetails` Cairn accepts in v2 requests (rekor-tiles' default algorithm registry, plus RSA-4096 and P-521). */
export const KEY_DETAILS: Readonly<Record<string, KeyDetailsRule>> = Object.freeze({
  PKIX_ECDSA_P256_SHA_256: { family: 'ecdsa', curve: 'P-256', hash: 'sha256', prehashed: true },
  PKIX_ECDSA_P384_SHA_384: { family: 'ecdsa', curve: 'P-384', hash: 'sha384', prehashed: true },
  PKIX_ECDSA_P521_SHA_512: { family: 'ecdsa', curve: 'P-521', hash: 'sha512', prehashed: true },
  PKIX_RSA_PKCS1V15_2048_SHA256: { family: 'rsa', rsaBits: 2048, hash: 'sha256', prehashed: true },
  PKIX_RSA_PKCS1V15_3072_SHA256: { family: 'rsa', rsaBits: 3072, hash: 'sha256', prehashed: true },
  PKIX_RSA_PKCS1V15_4096_SHA256: { family: 'rsa', rsaBits: 4096, hash: 'sha256', prehashed: true },
  PKIX_ED25519: { family: 'ed25519', hash: 'sha512', prehashed: false },
  PKIX_ED25519_PH: { family: 'ed25519', hash: 'sha512', prehashed: true },
});

/** protobuf `HashAlgorithm` names of the digests the stored `HashOutput`s carry. */
export const HASH_OUTPUT_NAME: Readonly<Record<HashAlgorithm, string>> = { sha256: 'SHA2_256', sha384: 'SHA2_384', sha512: 'SHA2_512' };

export interface VerifierV002 {
  readonly key: PublicKeyInfo;
  readonly keyDetails: string;
  readonly rule: KeyDetailsRule;
  /** The verifier as the canonical body stores it (protobuf JSON). */
  readonly stored: Json;
}

const cache = new LruCache<string, VerifierV002>(1000);

/** Parse the Verifier object at `field` (attacker-controlled). Throws ENTRY_INVALID or ALGORITHM_NOT_ALLOWED naming `field`. */
export function parseVerifierV002(value: unknown, field: string): VerifierV002 {
  const obj = asObject(value, field);
  onlyFields(obj, field, ['publicKey', 'x509Certificate', 'keyDetails']);
  const keyDetails = reqString(obj, 'keyDetails', `${field}.keyDetails`);
  const publicKey = prop(obj, 'publicKey');
  const certificate = prop(obj, 'x509Certificate');
  if ((publicKey === undefined) === (certificate === undefined)) {
    throw invalid(field, 'must hold exactly one of publicKey and x509Certificate');
  }
  const which = publicKey !== undefined ? 'publicKey' : 'x509Certificate';
  const holder = reqObject(obj, which, `${field}.${which}`);
  onlyFields(holder, `${field}.${which}`, ['rawBytes']);
  const rawText = reqString(holder, 'rawBytes', `${field}.${which}.rawBytes`);
  const cacheKey = `${which}\n${keyDetails}\n${rawText}`;
  const hit = cache.get(cacheKey);
  if (hit !== undefined) return hit;
  const der = decodeBase64Dsse(rawText, `${field}.${which}.rawBytes`);
  const parsed = which === 'publicKey' ? { key: spki(der, `${field}.publicKey.rawBytes`), isCert: false } : certificateOrKey(der, `${field}.x509Certificate.rawBytes`);
  const rule = KEY_DETAILS[keyDetails];
  if (rule === undefined) {
    throw new LogError('ALGORITHM_NOT_ALLOWED', `${field}.keyDetails: ${JSON.stringify(keyDetails.slice(0, 64))} is not one of ${Object.keys(KEY_DETAILS).join(', ')}`);
  }
  checkRule(parsed.key, rule, keyDetails, field);
  const rawBytes = encodeBase64(der);
  const stored: Json = parsed.isCert ? { keyDetails, x509Certificate: { rawBytes } } : { keyDetails, publicKey: { rawBytes } };
  const result: VerifierV002 = Object.freeze({
    key: parsed.key,
    keyDetails,
    rule,
    stored,
  });
  cache.set(cacheKey, result);
  return result;
}

/** ENTRY_INVALID for any own field of `obj` not in `known` (protobuf JSON parsing refuses unknown fields). */
export function onlyFields(obj: JsonObject, field: string, known: readonly string[]): void {
  for (const k of Object.keys(obj)) {
    if (!known.includes(k)) throw invalid(`${field}.${k.slice(0, 64)}`, `unknown field; expected ${known.join(', ')}`);
  }
}

function spki(der: Uint8Array, field: string): PublicKeyInfo {
  try {
    return parseSpki(der);
  } catch (err) {
    if (err instanceof LogError) throw new LogError(err.code, `${field}: ${err.message}`, { cause: err });
    throw err;
  }
}

/** A certificate's key, or the key of a bare SPKI sent where a certificate belongs. */
function certificateOrKey(der: Uint8Array, field: string): { key: PublicKeyInfo; isCert: boolean } {
  let cert: ReturnType<typeof parseCertificate> | undefined;
  let certError: unknown;
  try {
    cert = parseCertificate(der);
  } catch (err) {
    certError = err;
  }
  if (cert !== undefined) return { key: spki(cert.spkiDer, field), isCert: true };
  try {
    return { key: parseSpki(der), isCert: false };
  } catch {
    if (certError instanceof LogError) throw new LogError(certError.code, `${field}: neither a certificate nor a public key: ${certError.message}`, { cause: certError });
    throw certError;
  }
}

function checkRule(key: PublicKeyInfo, rule: KeyDetailsRule, name: string, field: string): void {
  const fits =
    key.family === rule.family &&
    (rule.curve === undefined || key.curve === rule.curve) &&
    (rule.rsaBits === undefined || key.rsaBits === rule.rsaBits);
  if (!fits) {
    const what = key.family === 'ecdsa' ? `ECDSA ${key.curve ?? ''}` : key.family === 'rsa' ? `RSA-${key.rsaBits ?? 0}` : 'Ed25519';
    throw new LogError('ALGORITHM_NOT_ALLOWED', `${field}.keyDetails: ${name} does not describe the given ${what} key`);
  }
}

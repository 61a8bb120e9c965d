/**
 * The DER glue between PKCS#11 and the formats: a token's EC public key
 * attributes → SubjectPublicKeyInfo, and its raw `r ‖ s` ECDSA signatures →
 * the ASN.1 DER signatures every cosign-format verifier expects.
 */
import { LogError } from '../errors.js';

/** DER of OBJECT IDENTIFIER 1.2.840.10045.2.1 id-ecPublicKey (RFC 5480 §2.1.1). */
const ID_EC_PUBLIC_KEY = Uint8Array.from([0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]);
/** DER of the namedCurve OIDs Cairn signs with (RFC 5480 §2.1.1.1): secp256r1, secp384r1. */
export const CURVE_P256 = Uint8Array.from([0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]);
export const CURVE_P384 = Uint8Array.from([0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22]);

/** A DER TLV with a definite length (X.690 §8.1.3). */
export function derTlv(tag: number, content: Uint8Array): Uint8Array {
  const n = content.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : undefined;
  if (len === undefined) throw new LogError('KEY_INVALID', `a DER value of ${n} bytes is too long`);
  return concat([Uint8Array.from([tag, ...len]), content]);
}

/** A DER INTEGER holding the unsigned big-endian `magnitude` (X.690 §8.3: minimal, non-negative). */
function derUnsignedInteger(magnitude: Uint8Array): Uint8Array {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const trimmed = magnitude.subarray(i);
  const pad = (trimmed[0] ?? 0) & 0x80 ? Uint8Array.of(0) : new Uint8Array(0);
  return derTlv(0x02, concat([pad, trimmed.length === 0 ? Uint8Array.of(0) : trimmed]));
}

/**
 * PKCS#11 ECDSA signatures are `r ‖ s`, each the curve's byte length
 * (PKCS#11 v2.40 §2.3.1); this returns `SEQUENCE { r INTEGER, s INTEGER }`
 * (RFC 3279 §2.2.3). Odd lengths throw KEY_UNAVAILABLE (a broken token).
 */
export function rawEcdsaToDer(raw: Uint8Array): Uint8Array {
  if (raw.length === 0 || raw.length % 2 !== 0) throw new LogError('KEY_UNAVAILABLE', `the token returned a ${raw.length}-byte ECDSA signature; expected r ‖ s of equal lengths`);
  const half = raw.length / 2;
  return derTlv(0x30, concat([derUnsignedInteger(raw.subarray(0, half)), derUnsignedInteger(raw.subarray(half))]));
}

/**
 * SubjectPublicKeyInfo (RFC 5480 §2) of a token's EC public key: `ecParams`
 * is CKA_EC_PARAMS (the DER namedCurve OID: P-256 or P-384, else
 * KEY_INVALID), `ecPoint` CKA_EC_POINT, which PKCS#11 v2.40 §2.3.3 defines as
 * a DER OCTET STRING around the point (some modules give the bare point; both
 * are accepted). Only uncompressed points (SEC 1 §2.3.3) are taken.
 */
export function ecSpki(ecParams: Uint8Array, ecPoint: Uint8Array): Uint8Array {
  const pointLength = sameBytes(ecParams, CURVE_P256) ? 65 : sameBytes(ecParams, CURVE_P384) ? 97 : undefined;
  if (pointLength === undefined) throw new LogError('KEY_INVALID', 'the token key is on a curve other than P-256 or P-384');
  const header = pointLength < 0x80 ? [0x04, pointLength] : [0x04, 0x81, pointLength];
  let point = ecPoint;
  if (ecPoint.length === header.length + pointLength && header.every((b, i) => ecPoint[i] === b)) point = ecPoint.subarray(header.length);
  if (point.length !== pointLength || point[0] !== 0x04) {
    throw new LogError('KEY_INVALID', 'the token holds a compressed or malformed EC point; expected an uncompressed point');
  }
  const algorithm = derTlv(0x30, concat([ID_EC_PUBLIC_KEY, ecParams]));
  const bitString = derTlv(0x03, concat([Uint8Array.of(0), point]));
  return derTlv(0x30, concat([algorithm, bitString]));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** CKA_EC_PARAMS values naming Ed25519 (PKCS#11 v3.0 §2.3.10): PrintableString "edwards25519", or OID 1.3.101.112 (RFC 8410 §3). */
const ED25519_PARAMS = [Uint8Array.from([0x13, 0x0c, ...new TextEncoder().encode('edwards25519')]), Uint8Array.from([0x06, 0x03, 0x2b, 0x65, 0x70])];

/**
 * SubjectPublicKeyInfo (RFC 8410 §4) of a token's Ed25519 public key:
 * CKA_EC_PARAMS must name Ed25519 (else KEY_INVALID), CKA_EC_POINT is the
 * 32-byte key, in a DER OCTET STRING or bare.
 */
export function ed25519Spki(ecParams: Uint8Array, ecPoint: Uint8Array): Uint8Array {
  if (!ED25519_PARAMS.some((p) => sameBytes(p, ecParams))) throw new LogError('KEY_INVALID', 'the token key is an Edwards-curve key on a curve other than Ed25519');
  const point = ecPoint.length === 34 && ecPoint[0] === 0x04 && ecPoint[1] === 0x20 ? ecPoint.subarray(2) : ecPoint;
  if (point.length !== 32) throw new LogError('KEY_INVALID', `the token's Ed25519 public key is ${point.length} bytes; expected 32`);
  const algorithm = derTlv(0x30, Uint8Array.from([0x06, 0x03, 0x2b, 0x65, 0x70]));
  return derTlv(0x30, concat([algorithm, derTlv(0x03, concat([Uint8Array.of(0), point]))]));
}

/** The bytes of `parts`, one after another. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * SubjectPublicKeyInfo parsing with the key-type allow-list. Accepted, as Go's
 * `x509.ParsePKIXPublicKey` and Rekor's verifiers would, and no more:
 * RSA (rsaEncryption with NULL parameters, 2048/3072/4096-bit modulus,
 * exponent 2..2^31-1), ECDSA on P-256/P-384/P-521 (named curve, uncompressed
 * point) and Ed25519. Other key types are ALGORITHM_NOT_ALLOWED; malformed
 * encodings are ENTRY_INVALID. Accepted DER is canonical (strict DER, no
 * trailing data), so re-encoding it as PEM gives Go's canonical form.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { LogError } from '../errors.js';
import { quote } from './fields.js';
import { childrenOf, expectTag, readBitString, readOid, readUnsignedInteger, readWhole, TAG } from './der.js';
import { CURVES, type CurveName } from './verify/curves.js';

/** The signing-key families Cairn accepts. */
export type KeyFamily = 'rsa' | 'ecdsa' | 'ed25519';

/** A parsed, allowed public key. Immutable; safe to cache. */
export interface PublicKeyInfo {
  readonly family: KeyFamily;
  /** node:crypto key object (native verification). */
  readonly keyObject: KeyObject;
  /** The SPKI DER as received (canonical by construction). */
  readonly spkiDer: Uint8Array;
  /** RSA: modulus size in bits. */
  readonly rsaBits?: number;
  /** ECDSA: curve and the uncompressed point `04 ‖ x ‖ y`. */
  readonly curve?: CurveName;
  readonly ecPoint?: Uint8Array;
  /** Ed25519: the 32-byte public key. */
  readonly ed25519?: Uint8Array;
}

const OID_RSA = '1.2.840.113549.1.1.1';
const OID_EC = '1.2.840.10045.2.1';
const OID_ED25519 = '1.3.101.112';
const CURVE_OIDS: Readonly<Record<string, CurveName>> = {
  '1.2.840.10045.3.1.7': 'P-256',
  '1.3.132.0.34': 'P-384',
  '1.3.132.0.35': 'P-521',
};
const NAMED_OIDS: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.10': 'RSASSA-PSS',
  '1.3.101.113': 'Ed448',
  '1.3.101.110': 'X25519',
  '1.3.101.111': 'X448',
  '1.2.840.10040.4.1': 'DSA',
};
const RSA_SIZES = new Set([2048, 3072, 4096]);

/** Parse and check an SPKI. Throws ENTRY_INVALID / ALGORITHM_NOT_ALLOWED (message without field prefix). */
export function parseSpki(der: Uint8Array): PublicKeyInfo {
  const top = readWhole(der, TAG.SEQUENCE);
  const [algNode, keyNode, extra] = childrenOf(der, top);
  if (extra !== undefined) throw new LogError('ENTRY_INVALID', 'malformed DER: extra fields in SubjectPublicKeyInfo');
  const alg = expectTag(algNode, TAG.SEQUENCE, 'algorithm');
  const [oidNode, params, extraParam] = childrenOf(der, alg);
  if (extraParam !== undefined) throw new LogError('ENTRY_INVALID', 'malformed DER: extra fields in algorithm');
  const oid = readOid(der, expectTag(oidNode, TAG.OID, 'algorithm OID'));
  const key = readBitString(der, expectTag(keyNode, TAG.BIT_STRING, 'subjectPublicKey'));
  switch (oid) {
    case OID_RSA:
      if (params === undefined || params.tag !== TAG.NULL || params.end !== params.contentStart) {
        throw new LogError('ENTRY_INVALID', 'RSA key without NULL parameters');
      }
      return rsaKey(der, key);
    case OID_EC: {
      const curveOid = readOid(der, expectTag(params, TAG.OID, 'named curve (explicit curve parameters are not allowed)'));
      const curve = CURVE_OIDS[curveOid];
      if (curve === undefined) throw new LogError('ALGORITHM_NOT_ALLOWED', `elliptic curve ${quote(curveOid)} is not allowed`);
      return ecKey(der, key, curve);
    }
    case OID_ED25519:
      if (params !== undefined) throw new LogError('ENTRY_INVALID', 'Ed25519 key with parameters');
      if (key.length !== 32) throw new LogError('ENTRY_INVALID', 'Ed25519 key is not 32 bytes');
      return { family: 'ed25519', keyObject: nativeKey(der), spkiDer: der, ed25519: key };
    default:
      throw new LogError('ALGORITHM_NOT_ALLOWED', `key type ${NAMED_OIDS[oid] ?? quote(oid)} is not allowed`);
  }
}

function rsaKey(der: Uint8Array, key: Uint8Array): PublicKeyInfo {
  const seq = readWhole(key, TAG.SEQUENCE);
  const [nNode, eNode, extra] = childrenOf(key, seq);
  if (extra !== undefined) throw new LogError('ENTRY_INVALID', 'malformed DER: extra fields in RSA key');
  const n = readUnsignedInteger(key, expectTag(nNode, TAG.INTEGER, 'modulus'));
  const e = readUnsignedInteger(key, expectTag(eNode, TAG.INTEGER, 'exponent'));
  const bits = n.toString(2).length;
  if (!RSA_SIZES.has(bits)) throw new LogError('ALGORITHM_NOT_ALLOWED', `RSA-${bits} is not allowed (2048, 3072 or 4096)`);
  if (e < 2n || e > 0x7fffffffn) throw new LogError('ENTRY_INVALID', 'RSA public exponent out of range');
  return { family: 'rsa', keyObject: nativeKey(der), spkiDer: der, rsaBits: bits };
}

function ecKey(der: Uint8Array, point: Uint8Array, curve: CurveName): PublicKeyInfo {
  const len = CURVES[curve].bytes;
  if (point[0] !== 0x04) throw new LogError('ENTRY_INVALID', 'only uncompressed EC points are allowed');
  if (point.length !== 1 + 2 * len) throw new LogError('ENTRY_INVALID', `EC point has the wrong length for ${curve}`);
  return { family: 'ecdsa', keyObject: nativeKey(der), spkiDer: der, curve, ecPoint: point };
}

/** node:crypto parse; also checks EC points lie on the curve. */
function nativeKey(der: Uint8Array): KeyObject {
  try {
    return createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
  } catch (err) {
    throw new LogError('ENTRY_INVALID', `invalid public key: ${(err as Error).message}`, { cause: err });
  }
}

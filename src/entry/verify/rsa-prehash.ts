/**
 * RSA PKCS#1 v1.5 verification over a supplied digest (RFC 8017 §8.2.2).
 * `crypto.verify` would hash its input again, so this recovers the encoded
 * message with `publicDecrypt` (OpenSSL checks the type-1 padding
 * `00 01 FF…FF 00`) and compares the recovered DigestInfo with the expected
 * one byte for byte, as Go's `rsa.VerifyPKCS1v15` does.
 */
import { constants, publicDecrypt, type KeyObject } from 'node:crypto';
import type { HashAlgorithm } from '../digest.js';

// DER DigestInfo prefixes (RFC 8017 §9.2 note 1), parameters NULL.
const DIGEST_INFO: Readonly<Record<HashAlgorithm, Buffer>> = {
  sha256: Buffer.from('3031300d060960864801650304020105000420', 'hex'),
  sha384: Buffer.from('3041300d060960864801650304020205000430', 'hex'),
  sha512: Buffer.from('3051300d060960864801650304020305000440', 'hex'),
};

/** True iff `sig` is a PKCS#1 v1.5 signature by `key` (`modulusBits` bits) over `digest` with `alg`. */
export function verifyRsaPrehashed(key: KeyObject, modulusBits: number, alg: HashAlgorithm, digest: Uint8Array, sig: Uint8Array): boolean {
  if (sig.length !== Math.ceil(modulusBits / 8)) return false;
  let recovered: Buffer;
  try {
    recovered = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, sig);
  } catch {
    return false;
  }
  const expected = Buffer.concat([DIGEST_INFO[alg], digest]);
  return recovered.equals(expected);
}

/**
 * Ed25519ph verification (RFC 8032 §5.1.7 with PH = SHA-512, empty context),
 * as Rekor loads Ed25519 keys for hashedrekord. node:crypto has no ph mode and
 * @noble/ed25519 3 exports no `ed25519ph`, so this follows Go's
 * `ed25519.VerifyWithOptions` on @noble/ed25519's point arithmetic:
 *   k = SHA-512(dom2(1, "") ‖ R ‖ A ‖ PH(M)) mod L;  accept iff
 *   S < L and encode([S]B − [k]A) = R  (cofactorless, byte comparison).
 * Pure JS: about a millisecond per verification.
 */
import { createHash } from 'node:crypto';
import { Point } from '@noble/ed25519';
import { bytesToBigInt } from './bigint.js';

/** RFC 8032 dom2 prefix for phflag = 1 and an empty context. */
const DOM2_PH = Buffer.concat([Buffer.from('SigEd25519 no Ed25519 collisions', 'ascii'), Buffer.of(1, 0)]);
const L = (1n << 252n) + 27742317777372353535851937790883648493n;

/** True iff `sig` (64 bytes) is an Ed25519ph signature by `publicKey` (32 bytes) on the SHA-512 digest `prehash`. */
export function verifyEd25519ph(publicKey: Uint8Array, prehash: Uint8Array, sig: Uint8Array): boolean {
  if (publicKey.length !== 32 || prehash.length !== 64 || sig.length !== 64) return false;
  if (((sig[63] as number) & 0xe0) !== 0) return false;
  const s = littleEndian(sig.subarray(32));
  if (s >= L) return false;
  let a: Point;
  try {
    a = Point.fromBytes(publicKey, true); // Go accepts non-canonical encodings of valid points
  } catch {
    return false;
  }
  const h = createHash('sha512').update(DOM2_PH).update(sig.subarray(0, 32)).update(publicKey).update(prehash).digest();
  const k = littleEndian(h) % L;
  const r = Point.BASE.multiplyUnsafe(s).add(a.negate().multiplyUnsafe(k));
  return Buffer.from(r.toBytes()).equals(Buffer.from(sig.subarray(0, 32)));
}

function littleEndian(bytes: Uint8Array): bigint {
  return bytesToBigInt(Uint8Array.from(bytes).reverse());
}

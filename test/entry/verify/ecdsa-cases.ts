/**
 * Generated ECDSA verification cases for the differential tests (native
 * verifier vs JS verifier): valid signatures made by node:crypto over random
 * messages, raw-digest signatures over odd digest lengths (empty, shorter or
 * longer than the order, so bits2int truncation is exercised on every
 * curve), and one forgery per valid signature, each with the result ECDSA
 * must give.
 *
 * Keys come from createECDH, not generateKeyPairSync: on Node 20.20.2 a loop
 * of generateKeyPairSync + JWK export hangs (a futex wait in the KeyGenJob
 * destructor run by a GC inside ExportJWK).
 */
import { createECDH, createHash, createPrivateKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { CURVES, type CurveName } from '../../../src/entry/verify/curves.js';
import type { EcdsaSignature } from '../../../src/entry/verify/ecdsa-sig.js';
import { modPow } from '../../support/entry/signers.js';

export interface EcdsaCase {
  readonly what: string;
  readonly curve: CurveName;
  readonly point: Buffer;
  readonly digest: Buffer;
  readonly sig: EcdsaSignature;
  /** What ECDSA verification must answer. */
  readonly expected: boolean;
}

interface TestKey {
  readonly d: bigint;
  readonly point: Buffer;
  readonly privateKey: KeyObject;
}

const JWK_CRV: Record<CurveName, string> = { 'P-256': 'P-256', 'P-384': 'P-384', 'P-521': 'P-521' };
/** Digest lengths (bytes) of the raw-digest cases: empty, around each order size, beyond SHA-512. */
const RAW_LENGTHS = [0, 1, 20, 31, 32, 33, 47, 48, 49, 64, 65, 66, 67, 80];
const HASHES = ['sha256', 'sha384', 'sha512'] as const;
const FORGERIES = ['digest bit flipped', 'r + 1', 'r − 1', 's + 1', 's − 1', 'n − s', 'another key'] as const;

/**
 * `2 × count` cases on `curve` from `keys` fresh keys: case 2i is valid, case
 * 2i + 1 a forgery of it (the kinds cycle through FORGERIES; n − s is valid).
 */
export function ecdsaCases(curve: CurveName, count: number, keys = 8): EcdsaCase[] {
  const pool = Array.from({ length: keys }, () => testKey(curve));
  const out: EcdsaCase[] = [];
  for (let i = 0; i < count; i++) {
    const key = pool[i % keys] as TestKey;
    const valid = i % 4 < 3 ? nodeSigned(curve, key, HASHES[i % 4] as (typeof HASHES)[number]) : rawSigned(curve, key, i);
    out.push(valid);
    out.push(forge(valid, FORGERIES[i % FORGERIES.length] as (typeof FORGERIES)[number], pool[(i + 1) % keys] as TestKey, i));
  }
  return out;
}

function testKey(curve: CurveName): TestKey {
  const ecdh = createECDH(CURVES[curve].nodeName);
  const point = ecdh.generateKeys();
  const bytes = CURVES[curve].bytes;
  const b64 = (b: Buffer): string => b.toString('base64url');
  const jwk = { kty: 'EC', crv: JWK_CRV[curve], x: b64(point.subarray(1, 1 + bytes)), y: b64(point.subarray(1 + bytes)), d: b64(ecdh.getPrivateKey()) };
  return { d: toBigInt(ecdh.getPrivateKey()), point, privateKey: createPrivateKey({ key: jwk, format: 'jwk' }) };
}

/** node:crypto signs a random message; the case carries the message's digest. */
function nodeSigned(curve: CurveName, key: TestKey, hash: (typeof HASHES)[number]): EcdsaCase {
  const message = randomBytes(1 + (randomBytes(1)[0] as number));
  const p1363 = sign(hash, message, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  const bytes = CURVES[curve].bytes;
  const sig = { r: toBigInt(p1363.subarray(0, bytes)), s: toBigInt(p1363.subarray(bytes)) };
  return { what: `valid, node ${hash}`, curve, point: key.point, digest: createHash(hash).update(message).digest(), sig, expected: true };
}

/** A signature over a random digest of an odd length, made here (SEC 1 §4.1.3) since node cannot. */
function rawSigned(curve: CurveName, key: TestKey, i: number): EcdsaCase {
  const len = RAW_LENGTHS[Math.floor(i / 4) % RAW_LENGTHS.length] as number;
  const digest = Math.floor(i / 4) % 5 === 4 ? Buffer.alloc(len) : randomBytes(len); // some all-zero: e = 0
  const { n, bytes, nodeName } = CURVES[curve];
  const e = bits2int(digest, CURVES[curve].nBits);
  for (;;) {
    const k = toBigInt(randomBytes(bytes + 8)) % (n - 1n) + 1n;
    const ecdh = createECDH(nodeName);
    ecdh.setPrivateKey(Buffer.from(k.toString(16).padStart(2 * bytes, '0'), 'hex'));
    const r = toBigInt(ecdh.getPublicKey().subarray(1, 1 + bytes)) % n;
    const s = (modPow(k, n - 2n, n) * ((e + r * key.d) % n)) % n;
    if (r !== 0n && s !== 0n) return { what: `valid, raw ${len}-byte digest`, curve, point: key.point, digest, sig: { r, s }, expected: true };
  }
}

function forge(c: EcdsaCase, kind: (typeof FORGERIES)[number], other: TestKey, i: number): EcdsaCase {
  const { n, nBits } = CURVES[c.curve];
  const { r, s } = c.sig;
  const what = `${c.what}, ${kind}`;
  switch (kind) {
    case 'digest bit flipped': {
      if (c.digest.length === 0) return { ...c, what: `${what} (empty: r + 1)`, sig: { r: r + 1n, s }, expected: false };
      const bit = (i * 7919) % (c.digest.length * 8); // from the left
      const digest = Buffer.from(c.digest);
      digest[bit >> 3] = (digest[bit >> 3] as number) ^ (0x80 >> (bit & 7));
      // bits2int keeps the leftmost nBits bits: flipping a later bit leaves the signature valid.
      return { ...c, what: `${what} (bit ${bit})`, digest, expected: bit >= nBits };
    }
    case 'r + 1':
      return { ...c, what, sig: { r: r + 1n, s }, expected: false };
    case 'r − 1':
      return { ...c, what, sig: { r: r - 1n, s }, expected: false };
    case 's + 1':
      return { ...c, what, sig: { r, s: s + 1n }, expected: false };
    case 's − 1':
      return { ...c, what, sig: { r, s: s - 1n }, expected: false };
    case 'n − s':
      return { ...c, what, sig: { r, s: n - s }, expected: true }; // ECDSA is malleable
    case 'another key':
      return { ...c, what, point: other.point, expected: false };
  }
}

/** SEC 1 §2.3.8 bits2int, written independently of src/. */
function bits2int(digest: Uint8Array, nBits: number): bigint {
  const excess = digest.length * 8 - nBits;
  const e = toBigInt(digest);
  return excess > 0 ? e >> BigInt(excess) : e;
}

function toBigInt(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt('0x' + Buffer.from(b).toString('hex'));
}

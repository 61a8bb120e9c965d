/**
 * Test signers for every key type entries accept, signing real data with
 * node:crypto, plus test-only Ed25519ph and raw-digest ECDSA signers (node has
 * neither) used to reach cases node cannot produce.
 */
import { createECDH, createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { Point } from '@noble/ed25519';

export type SignerName = 'p256' | 'p384' | 'p521' | 'rsa2048' | 'rsa3072' | 'rsa4096' | 'ed25519';
export type Hash = 'sha256' | 'sha384' | 'sha512';

export interface TestSigner {
  readonly name: SignerName;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** SPKI PEM text. */
  readonly pem: string;
  /** The hash hashedrekord pairs with this key type. */
  readonly hash: Hash;
}

const cache = new Map<SignerName, TestSigner>();

/** A (per-process cached) key pair of the given type. */
export function signer(name: SignerName): TestSigner {
  const hit = cache.get(name);
  if (hit !== undefined) return hit;
  const s = freshSigner(name);
  cache.set(name, s);
  return s;
}

/** A new key pair of the given type (not cached). */
export function freshSigner(name: SignerName): TestSigner {
  const pair =
    name === 'ed25519'
      ? generateKeyPairSync('ed25519')
      : name.startsWith('rsa')
        ? generateKeyPairSync('rsa', { modulusLength: Number(name.slice(3)) })
        : generateKeyPairSync('ec', { namedCurve: { p256: 'P-256', p384: 'P-384', p521: 'P-521' }[name as 'p256'] });
  const hash: Hash = name === 'p384' ? 'sha384' : name === 'p521' || name === 'ed25519' ? 'sha512' : 'sha256';
  const pem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { name, privateKey: pair.privateKey, publicKey: pair.publicKey, pem, hash };
}

/**
 * Sign `data` as a hashedrekord client would: the signature is over the data
 * (node hashes it), and the entry carries the digest. Ed25519 uses Ed25519ph.
 */
export function signForHashedrekord(s: TestSigner, data: Uint8Array, hash: Hash = s.hash, p1363 = false): { digest: Buffer; sig: Buffer } {
  const digest = createHash(hash).update(data).digest();
  if (s.name === 'ed25519') return { digest, sig: signEd25519ph(s.privateKey, digest) };
  const sig = sign(hash, data, p1363 ? { key: s.privateKey, dsaEncoding: 'ieee-p1363' } : s.privateKey);
  return { digest, sig };
}

/** Base64 of the SPKI PEM (what entries carry). */
export function pemBase64(pem: string): string {
  return Buffer.from(pem, 'utf8').toString('base64');
}

// --- Ed25519ph (RFC 8032 §5.1.6 with PH = SHA-512, empty context) -----------------------

const L = (1n << 252n) + 27742317777372353535851937790883648493n;
const DOM2_PH = Buffer.concat([Buffer.from('SigEd25519 no Ed25519 collisions', 'ascii'), Buffer.of(1, 0)]);
const le = (b: Uint8Array): bigint => BigInt('0x' + (Buffer.from(b).reverse().toString('hex') || '0'));
const le32 = (x: bigint): Buffer => Buffer.from(x.toString(16).padStart(64, '0'), 'hex').reverse();

/** Ed25519ph signature by the Ed25519 `privateKey` over the SHA-512 digest `prehash`. */
export function signEd25519ph(privateKey: KeyObject, prehash: Uint8Array): Buffer {
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d as string, 'base64url');
  return signEd25519phSeed(seed, prehash);
}

/** Ed25519ph from a 32-byte seed (RFC 8032 test vectors). */
export function signEd25519phSeed(seed: Uint8Array, prehash: Uint8Array): Buffer {
  const h = createHash('sha512').update(seed).digest();
  const head = Buffer.from(h.subarray(0, 32));
  head[0] = (head[0] as number) & 248;
  head[31] = ((head[31] as number) & 127) | 64;
  const scalar = le(head) % L;
  const a = Point.BASE.multiply(scalar).toBytes();
  const r = le(createHash('sha512').update(DOM2_PH).update(h.subarray(32)).update(prehash).digest()) % L;
  const rBytes = Point.BASE.multiply(r).toBytes();
  const k = le(createHash('sha512').update(DOM2_PH).update(rBytes).update(a).update(prehash).digest()) % L;
  return Buffer.concat([Buffer.from(rBytes), le32((r + k * scalar) % L)]);
}

// --- Raw-digest ECDSA (SEC 1 §4.1.3) for edge cases ------------------------------------

/** Curve constants for the test signer (independent copy of the src table). */
export const TEST_CURVES = {
  p256: { node: 'prime256v1', bytes: 32, n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n },
} as const;

/** ECDSA P-256 signature (r, s) by secret scalar `d` over the integer `e`, with nonce `k`. */
export function signEcdsaRaw(d: bigint, e: bigint, k: bigint): { r: bigint; s: bigint } {
  const { node, bytes, n } = TEST_CURVES.p256;
  const ecdh = createECDH(node);
  ecdh.setPrivateKey(Buffer.from(k.toString(16).padStart(bytes * 2, '0'), 'hex'));
  const R = ecdh.getPublicKey();
  const r = BigInt('0x' + R.subarray(1, 1 + bytes).toString('hex')) % n;
  const s = (modPow(k, n - 2n, n) * ((e + r * d) % n)) % n;
  return { r, s };
}

export function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let result = 1n;
  let base = b % m;
  for (let x = e; x > 0n; x >>= 1n) {
    if (x & 1n) result = (result * base) % m;
    base = (base * base) % m;
  }
  return result;
}

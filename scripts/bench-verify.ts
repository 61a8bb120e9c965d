/**
 * Prehashed ECDSA verification benchmark: µs per signature for the native
 * addon (verifyEcdsaPrehashed as the submit path calls it), the JS fallback
 * (verifyEcdsaPrehashedJs) and, for comparison, node's own
 * `crypto.verify(hash, message, key, sig)` (which hashes the message itself
 * and gets an already parsed KeyObject), all in one run over the same
 * signatures. By default every signature has its own key, as in keyless
 * signing, so no key cache can help; `--keys K` signs with K keys in turn, as
 * signers whose keys live in a KMS or HSM do, so the native addon's key cache
 * hits. Also reports the native call's fixed cost: the binding with s = 0
 * gets the key and context (built, or from the cache) and is rejected before
 * any scalar multiplication.
 *
 * Usage: node dist/scripts/bench-verify.js [--count N] [--rounds N] [--curve P-256|P-384|P-521] [--keys K]
 */
import { createECDH, createHash, type ECDH, createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { cpus } from 'node:os';
import { bigIntToBytes, bytesToBigInt } from '../src/entry/verify/bigint.js';
import { CURVES, type CurveName } from '../src/entry/verify/curves.js';
import { verifyEcdsaPrehashed, verifyEcdsaPrehashedJs } from '../src/entry/verify/ecdsa-prehash.js';
import type { EcdsaSignature } from '../src/entry/verify/ecdsa-sig.js';
import { nativeEcdsaBinding, prehashedEcdsaFallbackReason, prehashedEcdsaImplementation } from '../src/entry/verify/native.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? def) : def;
}
const COUNT = Number(arg('--count', '20000'));
const ROUNDS = Number(arg('--rounds', '3'));
const CURVE = arg('--curve', 'P-256') as CurveName;
/** Keys signing in turn; 0: one per signature. */
const KEYS = Number(arg('--keys', '0'));
if (!(CURVE in CURVES)) throw new Error(`unknown curve ${CURVE}`);
const HASH = { 'P-256': 'sha256', 'P-384': 'sha384', 'P-521': 'sha512' }[CURVE];

interface Sample {
  readonly point: Buffer;
  readonly publicKey: KeyObject;
  readonly message: Buffer;
  readonly digest: Buffer;
  readonly der: Buffer;
  readonly sig: EcdsaSignature;
  readonly rsZeroS: Buffer;
}

function samples(): Sample[] {
  const { nodeName, bytes } = CURVES[CURVE];
  const b64 = (b: Buffer): string => b.toString('base64url');
  const newKey = (): ECDH => {
    // createECDH keys: a loop of generateKeyPairSync + JWK export can hang on Node 20.20.2.
    const ecdh = createECDH(nodeName);
    ecdh.generateKeys();
    return ecdh;
  };
  const keys = Array.from({ length: KEYS }, newKey);
  return Array.from({ length: COUNT }, (_, i) => {
    const ecdh = keys[i % KEYS] ?? newKey();
    const point = ecdh.getPublicKey();
    const jwk = { kty: 'EC', crv: CURVE, x: b64(point.subarray(1, 1 + bytes)), y: b64(point.subarray(1 + bytes)) };
    const privateKey = createPrivateKey({ key: { ...jwk, d: b64(ecdh.getPrivateKey()) }, format: 'jwk' });
    const message = randomBytes(100);
    const p1363 = sign(HASH, message, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    const r = bytesToBigInt(p1363.subarray(0, bytes));
    const s = bytesToBigInt(p1363.subarray(bytes));
    return {
      point,
      publicKey: createPublicKey({ key: jwk, format: 'jwk' }),
      message,
      digest: createHash(HASH).update(message).digest(),
      der: sign(HASH, message, privateKey),
      sig: { r, s },
      rsZeroS: Buffer.concat([bigIntToBytes(r, bytes), Buffer.alloc(bytes)]),
    };
  });
}

/** µs per call of `fn` over all samples; throws unless it returns `expected` for every one. */
function time(all: Sample[], expected: boolean, fn: (x: Sample) => boolean): number {
  const t0 = process.hrtime.bigint();
  let agree = 0;
  for (const x of all) if (fn(x) === expected) agree++;
  const us = Number(process.hrtime.bigint() - t0) / 1e3 / all.length;
  if (agree !== all.length) throw new Error(`${all.length - agree} unexpected results`);
  return us;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

const binding = nativeEcdsaBinding();
const runs: Array<[string, boolean, (x: Sample) => boolean]> = [
  ['node crypto.verify (hashes the message; KeyObject parsed beforehand)', true, (x) => verify(HASH, x.message, x.publicKey, x.der)],
  ['JS fallback verifyEcdsaPrehashedJs', true, (x) => verifyEcdsaPrehashedJs(CURVE, x.point, x.digest, x.sig)],
];
if (binding !== undefined) {
  runs.push(['native verifyEcdsaPrehashed', true, (x) => verifyEcdsaPrehashed(CURVE, x.point, x.digest, x.sig)]);
  runs.push(['native fixed cost (binding, s = 0: key + context, no scalar mults)', false, (x) => binding.verify(CURVE, x.point, x.digest, x.rsZeroS)]);
}

process.stdout.write(`${CURVE}/${HASH}, ${COUNT} signatures (${KEYS > 0 ? `${KEYS} keys in turn` : 'one key each'}), ${ROUNDS} rounds, median shown; node ${process.version}, ` +
  `OpenSSL ${process.versions.openssl}, ${cpus().length}× ${cpus()[0]?.model ?? '?'}\n`);
process.stdout.write(`active implementation: ${prehashedEcdsaImplementation()}${binding === undefined ? ` (${prehashedEcdsaFallbackReason()})` : ''}\n`);
const all = samples();
const warm = all.slice(0, Math.min(500, all.length));
for (const [, expected, fn] of runs) time(warm, expected, fn);
const results = runs.map(() => [] as number[]);
for (let round = 0; round < ROUNDS; round++) runs.forEach(([, expected, fn], i) => results[i]?.push(time(all, expected, fn)));
runs.forEach(([name], i) => {
  const us = median(results[i] ?? []);
  process.stdout.write(`${us.toFixed(1).padStart(8)} µs/sig  ${(1e6 / us).toFixed(0).padStart(6)}/s  ${name}\n`);
});

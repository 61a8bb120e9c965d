/**
 * Throughput of prepareEntry on one core (report only, no assertions; not a
 * mocha test). Run: npx tsc -p tsconfig.json && node dist/test/entry/prepare.bench.js
 * Each figure is the median of 5 one-second runs; native crypto.verify P-256
 * is measured in the same process as the reference point.
 */
import { createHash, sign, verify } from 'node:crypto';
import { prepareEntry } from '../../src/entry/index.js';
import { clearKeyCache } from '../../src/entry/keys.js';
import { dsseEntry, envelope, hashedrekordEntry, intotoEntry } from '../support/entry/entries.js';
import { signer } from '../support/entry/signers.js';

function rate(fn: () => void): number {
  for (let i = 0; i < 200; i++) fn();
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    let n = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0;
    while (elapsed < 1) {
      for (let i = 0; i < 50; i++) fn();
      n += 50;
      elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    }
    runs.push(n / elapsed);
  }
  runs.sort((a, b) => a - b);
  return Math.round(runs[2] as number);
}

const p256 = signer('p256');
const data = Buffer.from('benchmark artifact');
const nativeSig = sign('sha256', data, p256.privateKey);
const rows: [string, () => void][] = [
  ['reference: crypto.verify ECDSA P-256 (over data)', () => void verify('sha256', data, p256.publicKey, nativeSig)],
  ['hashedrekord P-256, warm key cache', ((e) => () => void prepareEntry(e))(hashedrekordEntry({ signer: p256 }))],
  [
    'hashedrekord P-256, cold key cache',
    ((e) => () => {
      clearKeyCache();
      prepareEntry(e);
    })(hashedrekordEntry({ signer: p256 })),
  ],
  ['hashedrekord P-384, warm', ((e) => () => void prepareEntry(e))(hashedrekordEntry({ signer: signer('p384') }))],
  ['hashedrekord RSA-2048, warm', ((e) => () => void prepareEntry(e))(hashedrekordEntry({ signer: signer('rsa2048') }))],
  ['hashedrekord Ed25519ph, warm', ((e) => () => void prepareEntry(e))(hashedrekordEntry({ signer: signer('ed25519') }))],
  ['dsse P-256, warm', ((e) => () => void prepareEntry(e))(dsseEntry(envelope([p256]), [p256.pem]))],
  ['intoto P-256, warm', ((e) => () => void prepareEntry(e))(intotoEntry(p256))],
];

console.log(`node ${process.version}, one core; digest check: ${createHash('sha256').update(data).digest('hex').slice(0, 8)}`);
for (const [name, fn] of rows) console.log(`${String(rate(fn)).padStart(7)} /s  ${name}`);

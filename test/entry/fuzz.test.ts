/**
 * Property-style robustness: valid entries of every kind, mutated many ways
 * (fields removed or replaced by numbers, arrays, null, objects, huge or
 * malformed strings, nested garbage), must only ever produce a PreparedEntry or
 * a LogError with one of prepareEntry's documented codes. Deterministic: a
 * seeded PRNG picks the mutations.
 */
import { prng } from '../support/prng.js';
import assert from 'node:assert/strict';
import { prepareEntry } from '../../src/entry/index.js';
import { LogError, type ErrorCode } from '../../src/errors.js';
import { dsseEntry, envelope, hashedrekordEntry, intotoEntry } from '../support/entry/entries.js';
import { signer } from '../support/entry/signers.js';
import { buildChain, certsPem } from '../support/entry/x509.js';

const ALLOWED: ReadonlySet<ErrorCode> = new Set(['UNSUPPORTED_KIND', 'ENTRY_INVALID', 'SIGNATURE_INVALID', 'ALGORITHM_NOT_ALLOWED', 'TOO_LARGE']);


const deep = (depth: number): unknown => JSON.parse('['.repeat(depth) + ']'.repeat(depth));
const DEEP = deep(1000);

const GARBAGE: unknown[] = [
  DEEP,
  '['.repeat(100_000),
  null,
  0,
  -1,
  1e308,
  true,
  '',
  ' ',
  '\ud800',
  'A'.repeat(70_000),
  '====',
  'LS0tLS1CRUdJTiBQVUJMSUMgS0VZLS0tLS0K',
  '-----BEGIN PUBLIC KEY-----',
  [],
  [null],
  [[[[]]]],
  {},
  { content: 1 },
  { __proto__: null, toString: 'x' },
  { constructor: { prototype: 1 } },
  'sha256',
  'ab'.repeat(32),
  '{"payloadType":1}',
];

type Path = (string | number)[];

function paths(value: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

function mutate(root: unknown, path: Path, rnd: () => number): unknown {
  if (path.length === 0) return GARBAGE[Math.floor(rnd() * GARBAGE.length)];
  if (root === null || typeof root !== 'object') return root;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object') return copy; // an earlier mutation removed this branch
    node = next as Record<string | number, unknown>;
  }
  const last = path[path.length - 1] as string | number;
  const r = rnd();
  if (r < 0.15) delete node[last];
  else if (r < 0.25 && typeof node[last] === 'string') node[last] = (node[last] as string).slice(0, Math.floor(rnd() * (node[last] as string).length));
  else if (r < 0.35 && typeof node[last] === 'string') {
    const s = node[last] as string;
    const i = Math.floor(rnd() * s.length);
    node[last] = s.slice(0, i) + String.fromCharCode(32 + Math.floor(rnd() * 95)) + s.slice(i + 1);
  } else node[last] = structuredClone(GARBAGE[Math.floor(rnd() * GARBAGE.length)]);
  return copy;
}

function check(candidate: unknown): 'ok' | ErrorCode {
  try {
    const p = prepareEntry(candidate);
    assert.equal(p.leafHash.length, 32);
    return 'ok';
  } catch (err) {
    if (!(err instanceof LogError)) assert.fail(`non-LogError thrown: ${String(err)}`);
    assert.ok(ALLOWED.has(err.code), `unexpected code ${err.code}: ${err.message}`);
    return err.code;
  }
}

describe('prepareEntry under mutation', () => {
  const s = signer('p256');
  const chainEntry = hashedrekordEntry({ signer: s, keyPem: certsPem(buildChain(2, s, { emails: ['a@b.c'] })) });
  const dsse = dsseEntry(envelope([s, signer('ed25519')]), [s.pem, signer('ed25519').pem]);
  // The envelope is JSON text inside JSON: mutate its parsed form too.
  const envObj = JSON.parse((dsse['spec'] as { proposedContent: { envelope: string } }).proposedContent.envelope) as unknown;
  const seeds: [string, unknown][] = [
    ['hashedrekord', hashedrekordEntry({ signer: s })],
    ['hashedrekord with a chain', chainEntry],
    ['dsse', dsse],
    ['intoto', intotoEntry(s)],
  ];

  for (const [name, valid] of seeds) {
    describe(`when a valid ${name} entry is mutated`, () => {
      it('only ever yields an entry or a LogError with a documented code', () => {
        assert.equal(check(valid), 'ok');
        const rnd = prng(name.length * 7919);
        const all = paths(valid);
        const seen = new Map<string, number>();
        for (let i = 0; i < 400; i++) {
          const path = all[Math.floor(rnd() * all.length)] as Path;
          let candidate = mutate(valid, path, rnd);
          if (rnd() < 0.3) candidate = mutate(candidate, all[Math.floor(rnd() * all.length)] as Path, rnd);
          const outcome = check(candidate);
          seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
        }
        assert.ok((seen.get("ENTRY_INVALID") ?? 0) > 0, `outcomes: ${JSON.stringify([...seen])}`);
      });
    });
  }

  describe('when the DSSE envelope text itself is mutated', () => {
    it('only ever yields an entry or a documented LogError', () => {
      const rnd = prng(42);
      const all = paths(envObj);
      for (let i = 0; i < 300; i++) {
        const env = mutate(envObj, all[Math.floor(rnd() * all.length)] as Path, rnd);
        const e = structuredClone(dsse);
        (e['spec'] as { proposedContent: { envelope: string } }).proposedContent.envelope = JSON.stringify(env) ?? 'null';
        check(e);
      }
    });
  });

  describe('when a field holds very deeply nested arrays', () => {
    it('rejects them with a documented code (no stack overflow)', () => {
      const nested = deep(200_000);
      const e = intotoEntry(s) as { spec: { content: { envelope: Record<string, unknown> } } };
      for (const key of ['payload', 'payloadType', 'signatures']) {
        const copy = structuredClone(e);
        copy.spec.content.envelope[key] = nested;
        check(copy);
      }
      const sigs = structuredClone(e);
      sigs.spec.content.envelope['signatures'] = [{ sig: nested, publicKey: nested }];
      check(sigs);
      check({ kind: 'dsse', apiVersion: '0.0.1', spec: { proposedContent: { envelope: '['.repeat(200_000), verifiers: [s.pem] } } });
    });
  });

  describe('when whole requests are random JSON', () => {
    it('only ever yields documented LogErrors', () => {
      const rnd = prng(7);
      for (let i = 0; i < 200; i++) {
        const kind = ['hashedrekord', 'dsse', 'intoto', 'rekord', ''][Math.floor(rnd() * 5)];
        const apiVersion = ['0.0.1', '0.0.2', 1][Math.floor(rnd() * 3)];
        const spec = GARBAGE[Math.floor(rnd() * GARBAGE.length)];
        check({ kind, apiVersion, spec: rnd() < 0.5 ? spec : { signature: spec, data: spec, content: spec, proposedContent: spec } });
      }
    });
  });
});

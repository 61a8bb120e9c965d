import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { DEFAULT_ENTRY_LIMITS, decodeBody, entryUuid, leafHashOf, prepareEntry, SUPPORTED_KINDS } from '../../src/entry/index.js';
import { LogError } from '../../src/errors.js';
import { assertCode } from '../support/entry/assert-code.js';
import { dsseEntry, envelope, hashedrekordEntry, intotoEntry } from '../support/entry/entries.js';
import { signer } from '../support/entry/signers.js';
import { buildChain, certsPem } from '../support/entry/x509.js';

describe('prepareEntry', () => {
  describe('when the kind is unknown', () => {
    it('throws UNSUPPORTED_KIND naming the kind and the supported ones', () => {
      const err = assertCode(() => prepareEntry({ kind: 'rekord', apiVersion: '0.0.1', spec: {} }), 'UNSUPPORTED_KIND', '"rekord"');
      for (const k of ['hashedrekord 0.0.1', 'dsse 0.0.1', 'intoto 0.0.2']) assert.ok(err.message.includes(k), err.message);
    });
  });

  describe('when the version of a known kind is unknown', () => {
    it('throws UNSUPPORTED_KIND naming the version', () => {
      assertCode(() => prepareEntry({ ...intotoEntry(), apiVersion: '0.0.1' }), 'UNSUPPORTED_KIND', '"0.0.1"');
      assertCode(() => prepareEntry({ ...hashedrekordEntry({ signer: signer('p256') }), apiVersion: '0.0.2' }), 'UNSUPPORTED_KIND');
    });
  });

  describe('when the envelope of the request is wrong', () => {
    const cases: [string, unknown][] = [
      ['null', null],
      ['an array', []],
      ['a string', 'hashedrekord'],
      ['no kind', { apiVersion: '0.0.1', spec: {} }],
      ['a numeric kind', { kind: 1, apiVersion: '0.0.1', spec: {} }],
      ['no apiVersion', { kind: 'hashedrekord', spec: {} }],
      ['a spec that is an array', { kind: 'hashedrekord', apiVersion: '0.0.1', spec: [] }],
      ['no spec', { kind: 'hashedrekord', apiVersion: '0.0.1' }],
    ];
    for (const [what, value] of cases) {
      it(`throws ENTRY_INVALID for ${what}`, () => assertCode(() => prepareEntry(value), 'ENTRY_INVALID'));
    }
  });

  describe('when the canonical body exceeds maxBodyBytes', () => {
    it('throws TOO_LARGE before verifying', () => {
      const e = hashedrekordEntry({ signer: signer('p256') });
      const size = prepareEntry(e).body.length;
      assert.equal(prepareEntry(e, { maxBodyBytes: size }).body.length, size);
      assertCode(() => prepareEntry(e, { maxBodyBytes: size - 1 }), 'TOO_LARGE');
    });

    it('throws TOO_LARGE for a 10-certificate RSA-4096 chain under a 4 KiB limit', () => {
      const s = signer('rsa4096');
      const e = hashedrekordEntry({ signer: s, keyPem: certsPem(buildChain(10, s)) });
      assertCode(() => prepareEntry(e, { maxBodyBytes: 4096 }), 'TOO_LARGE');
    });

    it('never allows more than 65,535 bytes, whatever the limit says', () => {
      const s = signer('p256');
      const e = hashedrekordEntry({ signer: s });
      const sig = 'A'.repeat(70_000);
      (e['spec'] as { signature: { content: string } }).signature.content = sig;
      assertCode(() => prepareEntry(e, { maxBodyBytes: 1_000_000 }), 'TOO_LARGE');
      assert.equal(DEFAULT_ENTRY_LIMITS.maxBodyBytes, 65535);
    });
  });

  describe('when the same proposed entry is prepared twice', () => {
    it('gives byte-identical bodies, leaf hashes and keys for every kind', () => {
      const s = signer('p256');
      for (const e of [hashedrekordEntry({ signer: s }), dsseEntry(envelope([s]), [s.pem]), intotoEntry(s)]) {
        const a = prepareEntry(e);
        const b = prepareEntry(structuredClone(e));
        assert.deepEqual(a.body, b.body);
        assert.deepEqual(a.leafHash, b.leafHash);
        assert.deepEqual(a.searchKeys, b.searchKeys);
      }
    });
  });

  describe('when the request carries unknown fields', () => {
    it('drops them: the body is the same', () => {
      const e = intotoEntry();
      const extra = structuredClone(e) as Record<string, unknown>;
      extra['extra'] = { anything: [1, 2] };
      (extra['spec'] as Record<string, unknown>)['note'] = 'ignored';
      assert.deepEqual(prepareEntry(extra).body, prepareEntry(e).body);
    });
  });

  describe('when an unexpected internal error happens', () => {
    it('still throws a LogError (INTERNAL), never anything else', () => {
      const hostile = new Proxy(
        {},
        {
          getPrototypeOf: () => Object.prototype,
          ownKeys: () => {
            throw new TypeError('boom');
          },
          getOwnPropertyDescriptor: () => {
            throw new TypeError('boom');
          },
        },
      );
      try {
        prepareEntry(hostile);
        assert.fail('expected a throw');
      } catch (err) {
        assert.ok(err instanceof LogError);
        assert.equal(err.code, 'INTERNAL');
      }
    });
  });
});

describe('SUPPORTED_KINDS', () => {
  it('lists hashedrekord 0.0.1, dsse 0.0.1 and intoto 0.0.2', () => {
    assert.deepEqual(SUPPORTED_KINDS, [
      { kind: 'hashedrekord', apiVersion: '0.0.1' },
      { kind: 'dsse', apiVersion: '0.0.1' },
      { kind: 'intoto', apiVersion: '0.0.2' },
    ]);
  });
});

describe('entryUuid', () => {
  describe('when given a leaf hash', () => {
    it('is its 64-character lowercase hex', () => {
      const leaf = leafHashOf(Buffer.from('{}'));
      const expected = createHash('sha256').update(Buffer.from([0, 0x7b, 0x7d])).digest('hex');
      assert.equal(entryUuid(leaf), expected);
    });
  });

  describe('when the hash is not 32 bytes', () => {
    it('throws INTERNAL', () => assertCode(() => entryUuid(new Uint8Array(31)), 'INTERNAL'));
  });
});

describe('decodeBody', () => {
  describe('when the body is a canonical body', () => {
    it('returns the object', () => {
      const p = prepareEntry(intotoEntry());
      assert.equal(decodeBody(p.body)['kind'], 'intoto');
    });
  });

  describe('when the stored bytes are not a JSON object', () => {
    it('throws CORRUPT', () => {
      assertCode(() => decodeBody(Buffer.from('[1]')), 'CORRUPT');
      assertCode(() => decodeBody(Buffer.from([0xff, 0xfe])), 'CORRUPT');
    });
  });
});

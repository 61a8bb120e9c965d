import assert from 'node:assert/strict';
import { MAX_STATEMENT_KEYS, statementDigestKeys } from '../../src/entry/statement.js';

const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

describe('statementDigestKeys', () => {
  describe('when the payload is an in-toto statement with SLSA v0.2 materials', () => {
    it('returns subject and material digests as alg:value', () => {
      const keys = statementDigestKeys(
        json({
          subject: [{ name: 'a', digest: { sha256: 'AA', sha512: 'bb' } }, { name: 'b' }],
          predicate: { materials: [{ uri: 'git', digest: { sha1: 'cc' } }] },
        }),
      );
      assert.deepEqual(keys, ['sha256:AA', 'sha512:bb', 'sha1:cc']);
    });
  });

  describe('when the payload is not a statement', () => {
    it('returns no keys', () => {
      for (const p of [Buffer.from('not json'), Buffer.from([0xff]), json([1]), json({ subject: 'x' }), json({ subject: [{ digest: { 'bad alg': 'x', ok: 'has space' } }] })]) {
        assert.deepEqual(statementDigestKeys(p), []);
      }
    });
  });

  describe('when there are very many subjects', () => {
    it('stops at MAX_STATEMENT_KEYS', () => {
      const subject = Array.from({ length: MAX_STATEMENT_KEYS + 10 }, (_, i) => ({ digest: { sha256: i.toString(16) } }));
      assert.equal(statementDigestKeys(json({ subject })).length, MAX_STATEMENT_KEYS);
    });
  });
});

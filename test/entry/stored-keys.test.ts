/**
 * searchKeysOfBody recomputes, from a stored canonical body, the search keys
 * the log wrote at admission (less the in-toto statement digests, whose
 * payload bodies do not keep).
 */
import assert from 'node:assert/strict';
import { prepareEntry, publicKeySearchKey, searchKeysOfBody } from '../../src/entry/index.js';
import { isLogError } from '../../src/errors.js';
import { dsseEntry, ecKey, hashedRekord, intotoEntry } from '../support/http.js';

describe('searchKeysOfBody', () => {
  const key = ecKey();
  it('gives exactly the admission keys of a hashedrekord body', () => {
    const p = prepareEntry(hashedRekord(key, 'artifact'));
    assert.deepEqual(searchKeysOfBody(p.body), p.searchKeys);
    assert.ok(p.searchKeys.includes(publicKeySearchKey(key.pem)));
  });

  it('gives the admission keys of dsse and intoto bodies, except statement digests', () => {
    for (const proposed of [dsseEntry(key, '{"not":"a statement"}', 'text/plain'), intotoEntry(key, '{"b":2}', 'text/plain')]) {
      const p = prepareEntry(proposed);
      assert.deepEqual([...searchKeysOfBody(p.body)].sort(), [...p.searchKeys].sort());
    }
    const statement = JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'x', digest: { sha256: 'ab'.repeat(32) } }], predicateType: 'p' });
    const p = prepareEntry(dsseEntry(key, statement));
    const fromBody = searchKeysOfBody(p.body);
    assert.ok(p.searchKeys.includes(`sha256:${'ab'.repeat(32)}`));
    assert.ok(!fromBody.includes(`sha256:${'ab'.repeat(32)}`));
    assert.deepEqual(fromBody.filter((k) => !p.searchKeys.includes(k)), []);
  });

  it('gives no keys for an unknown kind, and CORRUPT for a body that is not JSON', () => {
    assert.deepEqual(searchKeysOfBody(Buffer.from('{"kind":"rekord","apiVersion":"0.0.1","spec":{}}')), []);
    assert.throws(() => searchKeysOfBody(Buffer.from('raw')), (e) => isLogError(e, 'CORRUPT'));
  });
});

import assert from 'node:assert/strict';
import { clearKeyCache, KEY_CACHE_SIZE, parseVerifier } from '../../src/entry/keys.js';
import { LruCache } from '../../src/entry/lru.js';
import { assertCode } from '../support/entry/assert-code.js';
import { pemBase64, signer } from '../support/entry/signers.js';

describe('parseVerifier', () => {
  describe('when the same key text is parsed twice', () => {
    it('returns the cached, frozen result', () => {
      clearKeyCache();
      const text = pemBase64(signer('p256').pem);
      const a = parseVerifier(text, 'k', 10);
      assert.equal(parseVerifier(text, 'k', 10), a);
      assert.ok(Object.isFrozen(a));
      assert.equal(a.chainLength, 0);
      assert.equal(a.key.family, 'ecdsa');
    });
  });

  describe('when a key fails to parse', () => {
    it('names the field and does not cache the failure', () => {
      assertCode(() => parseVerifier('AAAA', 'spec.x', 10), 'ENTRY_INVALID', 'spec.x');
      assertCode(() => parseVerifier('AAAA', 'spec.y', 10), 'ENTRY_INVALID', 'spec.y');
    });
  });

  describe('when more keys are seen than the cache holds', () => {
    it('keeps the cache bounded', () => {
      assert.equal(KEY_CACHE_SIZE, 1000);
    });
  });
});

describe('LruCache', () => {
  describe('when full', () => {
    it('evicts the least recently used entry', () => {
      const c = new LruCache<string, number>(2);
      c.set('a', 1);
      c.set('b', 2);
      assert.equal(c.get('a'), 1);
      c.set('c', 3);
      assert.equal(c.get('b'), undefined);
      assert.equal(c.get('a'), 1);
      assert.equal(c.get('c'), 3);
      assert.equal(c.size, 2);
    });
  });
});

import assert from 'node:assert/strict';
import { normaliseSearchKeys } from '../../src/entry/search-keys.js';

describe('normaliseSearchKeys', () => {
  describe('when keys repeat, differ in case or are blank', () => {
    it('lowercases, trims, drops blanks and keeps first-seen order', () => {
      assert.deepEqual(normaliseSearchKeys(['SHA256:AB', ' a@B.c ', 'sha256:ab', '', '  ', 'x']), ['sha256:ab', 'a@b.c', 'x']);
    });
  });
});

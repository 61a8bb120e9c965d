import assert from 'node:assert/strict';

import { floorLog2, pow2 } from '../../src/merkle/pow2.js';

describe('pow2 and floorLog2', () => {
  describe('around every power of two up to 2^53', () => {
    it('are exact', () => {
      for (let l = 0; l <= 53; l++) {
        assert.equal(pow2(l), 2 ** l);
        assert.equal(floorLog2(2 ** l), l);
        if (l > 1) assert.equal(floorLog2(2 ** l - 1), l - 1, `2^${l} − 1`);
        if (l < 53) assert.equal(floorLog2(2 ** l + 1), l === 0 ? 1 : l, `2^${l} + 1`);
      }
      assert.equal(floorLog2(Number.MAX_SAFE_INTEGER), 52);
    });
  });
});

import assert from 'node:assert/strict';

import { formatTileIndex, formatTilePath, parseTileIndex, parseTilePath } from '../../src/merkle/index.js';
import { throwsCode } from '../support/merkle.js';

describe('formatTileIndex', () => {
  describe('when given a valid index', () => {
    const table: [number, string][] = [
      [0, '000'],
      [5, '005'],
      [999, '999'],
      [1000, 'x001/000'],
      [1234, 'x001/234'],
      [273, '273'],
      [1_234_067, 'x001/x234/067'],
      [1_000_000, 'x001/x000/000'],
      [Number.MAX_SAFE_INTEGER, 'x009/x007/x199/x254/x740/991'],
    ];
    for (const [index, text] of table) {
      it(`formats ${index} as ${text} and parses it back`, () => {
        assert.equal(formatTileIndex(index), text);
        assert.equal(parseTileIndex(text), index);
      });
    }
  });

  describe('when given a negative, fractional or unsafe index', () => {
    it('throws BAD_REQUEST', () => {
      for (const bad of [-1, 1.5, Number.NaN, 2 ** 53]) throwsCode(() => formatTileIndex(bad), 'BAD_REQUEST');
    });
  });
});

describe('formatTilePath', () => {
  describe('when formatting hash tiles and entry bundles', () => {
    const table: [Parameters<typeof formatTilePath>, string][] = [
      [[0, 0], 'tile/0/000'],
      [[0, 0, 256], 'tile/0/000'],
      [[0, 273, 112], 'tile/0/273.p/112'],
      [[1, 1, 17], 'tile/1/001.p/17'],
      [[2, 0, 1], 'tile/2/000.p/1'],
      [[0, 1_234_067, 5], 'tile/0/x001/x234/067.p/5'],
      [[63, 1000, 255], 'tile/63/x001/000.p/255'],
      [['entries', 0, 15], 'tile/entries/000.p/15'],
      [['entries', 1000], 'tile/entries/x001/000'],
    ];
    for (const [args, text] of table) {
      it(`writes ${text}`, () => {
        assert.equal(formatTilePath(...args), text);
      });
    }
  });

  describe('when the level or width is out of range', () => {
    it('throws BAD_REQUEST', () => {
      throwsCode(() => formatTilePath(64, 0), 'BAD_REQUEST');
      throwsCode(() => formatTilePath(-1, 0), 'BAD_REQUEST');
      throwsCode(() => formatTilePath(0, 0, 0), 'BAD_REQUEST');
      throwsCode(() => formatTilePath(0, 0, 257), 'BAD_REQUEST');
      throwsCode(() => formatTilePath(0, 0, 1.5), 'BAD_REQUEST');
    });
  });
});

describe('parseTilePath', () => {
  describe('when the path is well formed', () => {
    const table: [string, ReturnType<typeof parseTilePath>][] = [
      ['tile/0/000', { level: 0, index: 0, width: 256 }],
      ['tile/0/273.p/112', { level: 0, index: 273, width: 112 }],
      ['tile/1/001.p/17', { level: 1, index: 1, width: 17 }],
      ['tile/0/x001/x234/067.p/5', { level: 0, index: 1_234_067, width: 5 }],
      ['tile/63/x001/000.p/255', { level: 63, index: 1000, width: 255 }],
      ['tile/10/999.p/1', { level: 10, index: 999, width: 1 }],
      ['tile/entries/000.p/15', { level: 'entries', index: 0, width: 15 }],
      ['tile/entries/x009/x007/x199/x254/x740/991', { level: 'entries', index: Number.MAX_SAFE_INTEGER, width: 256 }],
    ];
    for (const [path, want] of table) {
      it(`parses ${path}`, () => {
        const got = parseTilePath(path);
        assert.deepEqual(got, want);
        assert.equal(formatTilePath(got.level, got.index, got.width), path);
      });
    }
  });

  describe('when the path is malformed', () => {
    const bad = [
      '',
      'tile',
      'tile/',
      '/tile/0/000',
      'tile/0/000/',
      'tile//000',
      'tile/0//000',
      'tile/00/000', // leading zero in level
      'tile/01/000',
      'tile/64/000', // level > 63
      'tile/100/000',
      'tile/-1/000',
      'tile/0/0', // not 3 digits
      'tile/0/0000',
      'tile/0/1000',
      'tile/0/x000/001', // leading zero group
      'tile/0/x000/x001/000',
      'tile/0/001/000', // missing x
      'tile/0/x001', // last group with x
      'tile/0/x1/000',
      'tile/0/x001/x002/x003/x004/x005/x006/007', // 7 groups
      'tile/0/x009/x007/x199/x254/x740/992', // 2^53
      'tile/0/x999/x999/x999/x999/x999/999',
      'tile/0/000.p/0', // width 0
      'tile/0/000.p/00',
      'tile/0/000.p/05', // leading zero in width
      'tile/0/000.p/256', // width ≥ 256
      'tile/0/000.p/1000',
      'tile/0/000.p/',
      'tile/0/000.p',
      'tile/0/000.q/5',
      'tile/0/../000',
      'tile/../000',
      'tile/0/000/..',
      'tile/entry/000',
      'tile/ENTRIES/000',
      'tile/0/０００', // full-width digits
      'tile/0/000 ',
      ' tile/0/000',
      'tile/0/000\n',
      'tile/0/000.p/5/',
      'tile/1e1/000',
      'tile/0/x001/000'.repeat(10),
    ];
    for (const path of bad) {
      it(`rejects ${JSON.stringify(path)} with BAD_REQUEST`, () => {
        throwsCode(() => parseTilePath(path), 'BAD_REQUEST');
      });
    }
  });
});

describe('parseTileIndex', () => {
  describe('when the index is malformed', () => {
    it('throws BAD_REQUEST', () => {
      for (const bad of ['', '/', '00', '0000', 'x000/000', 'x001', '001/', '/001', 'x001//000', '1.5', '-01', 'abc']) {
        throwsCode(() => parseTileIndex(bad), 'BAD_REQUEST');
      }
    });
  });
});

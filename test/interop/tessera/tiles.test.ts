/**
 * Byte-for-byte agreement with a real tlog-tiles producer: Tessera's
 * testdata log (tlog-standards §8), from test/fixtures/tessera-log.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  RightEdge,
  c2spTileBytes,
  consistencyProof,
  formatTilePath,
  inclusionProof,
  leafHash,
  tileNodeReader,
  verifyConsistency,
  verifyInclusion,
} from '../../../src/merkle/index.js';
import { TileStore, hex } from '../../support/merkle.js';
import { TESSERA_DIR } from '../../support/fixtures.js';

const DIR = TESSERA_DIR;
const ENTRIES = 'one two three four five six seven eit nain ten ileven twelf threeten fourten fivten'.split(' ');

function checkpointRoot(size: number): string {
  const lines = readFileSync(join(DIR, `checkpoint.${size}`), 'utf8').split('\n');
  assert.equal(lines[1], String(size), `checkpoint.${size} line 2`);
  return Buffer.from(lines[2] ?? '', 'base64').toString('hex');
}

describe('Tessera test vectors', () => {
  const leaves = ENTRIES.map((e) => leafHash(new TextEncoder().encode(e)));

  describe('when appending the 15 entries one at a time', () => {
    it('gives the checkpoint root at every size 0..15 and the C2SP level-0 tile bytes', () => {
      const edge = RightEdge.empty();
      assert.equal(hex(edge.root()), checkpointRoot(0));
      for (let size = 1; size <= 15; size++) {
        const { root, tiles } = edge.append(leaves.slice(size - 1, size));
        assert.equal(hex(root), checkpointRoot(size), `root at ${size}`);
        assert.equal(tiles.length, 1);
        const tile = tiles[0]!;
        const path = formatTilePath(tile.level, tile.index, tile.width);
        assert.equal(path, `tile/0/000.p/${size}`);
        const want = readFileSync(join(DIR, path));
        assert.equal(hex(c2spTileBytes(tile)), want.toString('hex'), path);
      }
    });
  });

  describe('when appending all 15 entries in one batch', () => {
    it('gives the size-15 root, and every narrower tile is a prefix of the width-15 tile', () => {
      const { root, tiles } = RightEdge.empty().append(leaves);
      assert.equal(hex(root), checkpointRoot(15));
      for (let w = 1; w <= 15; w++) {
        assert.equal(hex(c2spTileBytes(tiles[0]!, w)), readFileSync(join(DIR, `tile/0/000.p/${w}`)).toString('hex'));
      }
    });
  });

  describe('when proving against the published checkpoints', () => {
    it('produces inclusion and consistency proofs that verify against their roots', () => {
      const store = new TileStore();
      store.put(RightEdge.empty().append(leaves).tiles);
      for (let size = 1; size <= 15; size++) {
        const read = tileNodeReader(size, store.get);
        const root = Buffer.from(checkpointRoot(size), 'hex');
        for (let i = 0; i < size; i++) verifyInclusion(i, size, leaves[i]!, inclusionProof(i, size, read), root);
        for (let old = 0; old <= size; old++) {
          const oldRoot = Buffer.from(checkpointRoot(old), 'hex');
          verifyConsistency(old, size, oldRoot, root, consistencyProof(old, size, read));
        }
      }
    });
  });
});

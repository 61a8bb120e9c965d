/**
 * Long catch-ups: the memory a rebuild holds stays bounded as the log grows,
 * an interrupted rebuild resumes from its saved point (and refuses tiles
 * that no longer give the saved root), progress is reported per interval,
 * and `--start latest` begins at the current checkpoint.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseVerifierKey } from '../../src/client/index.js';
import { runMonitor } from '../../src/cli/monitor.js';
import { loadMonitorConfig } from '../../src/config/index.js';
import { isLogError } from '../../src/errors.js';
import { EMPTY_ROOT, TILE_WIDTH, tileLayoutBytes, type Tile } from '../../src/merkle/index.js';
import { ProgressMeter, TreeRebuild, edgeTiles, leafTiles, monitorStep, type CatchUpProgress, type KnownCheckpoint, type RebuildPoint } from '../../src/monitor/index.js';
import { syntheticTree, type SyntheticTree } from '../support/synthetic-tree.js';

const EMPTY: KnownCheckpoint = { size: 0, root: EMPTY_ROOT, note: '' };

function edgeMap(tree: SyntheticTree, refs: readonly { level: number; index: number; width: number }[]): Map<string, Tile> {
  return new Map(refs.map((r) => [`${r.level}/${r.index}`, tree.tile(r.level, r.index, r.width)]));
}

function target(tree: SyntheticTree): KnownCheckpoint {
  return { size: tree.size, root: tree.root, note: tree.note };
}

describe('monitor catch-up', function () {
  this.timeout(120_000);

  describe('TreeRebuild memory', () => {
    it('holds at most one partial tile per level however large the log grows', () => {
      // Tile levels below 2^32 leaves: 4. Each holds at most one tile's layout.
      const bound = 4 * tileLayoutBytes(TILE_WIDTH);
      const most: number[] = [];
      for (const size of [1_000, 70_000, 140_000]) {
        const tree = syntheticTree(size);
        const r = TreeRebuild.start(EMPTY, target(tree), new Map());
        let max = 0;
        for (const ref of leafTiles(0, size)) {
          r.appendTile(tree.tile(0, ref.index, ref.width));
          max = Math.max(max, r.heldBytes());
        }
        r.finish();
        assert.ok(max <= bound, `size ${size}: ${max} bytes held, bound ${bound}`);
        most.push(max);
      }
      // 140 times more leaves, at most 3 times the bytes (one more partial tile per level).
      assert.ok(most[2]! <= 3 * most[0]!, `held ${most.join(', ')} bytes`);
    });

    it('monitorStep holds the edge and one window of tiles, never the tiles it verified', async () => {
      const tree = syntheticTree(100_000);
      const reports: CatchUpProgress[] = [];
      const fetched = new Map<string, number>();
      const out = await monitorStep(EMPTY, {
        client: tree.client((l, i) => fetched.set(`${l}/${i}`, (fetched.get(`${l}/${i}`) ?? 0) + 1)),
        trust: { noteKey: parseVerifierKey(tree.vkey) }, minWitnesses: 0, origin: undefined, concurrency: 4,
        onProgress: (p) => void reports.push(p),
      });
      assert.equal(out.status, 'advanced');
      assert.equal(reports.length, Math.ceil(leafTiles(0, tree.size).length / 4));
      const bound = 4 * tileLayoutBytes(TILE_WIDTH) + 4 * tileLayoutBytes(TILE_WIDTH);
      for (const p of reports) assert.ok(p.heldBytes <= bound, `${p.heldBytes} bytes held at leaf ${p.point.next}`);
      assert.equal(reports.at(-1)!.point.next, tree.size);
      const edge = `0/${Math.floor(tree.size / TILE_WIDTH)}`;
      assert.equal(fetched.get(edge), 2, 'the right edge\'s partial tile: for the edge, then for its leaves');
      assert.ok([...fetched].every(([k, n]) => k === edge || n === 1), 'every other tile fetched once');
    });
  });

  describe('TreeRebuild.resume', () => {
    it('finishes from a saved point with the same root as an uninterrupted rebuild', () => {
      const tree = syntheticTree(10_000);
      const refs = leafTiles(0, tree.size);
      const first = TreeRebuild.start(EMPTY, target(tree), new Map());
      for (const ref of refs.slice(0, 17)) first.appendTile(tree.tile(0, ref.index, ref.width));
      const point: RebuildPoint = first.point();
      assert.equal(point.next, 17 * TILE_WIDTH);
      const resumed = TreeRebuild.resume(EMPTY, target(tree), point, edgeMap(tree, edgeTiles(point.next, tree.size)));
      for (const ref of leafTiles(point.next, tree.size)) resumed.appendTile(tree.tile(0, ref.index, ref.width));
      resumed.finish();
    });

    it('refuses tiles that no longer give the saved root: INCONSISTENT with both roots', () => {
      const tree = syntheticTree(5_000);
      const r = TreeRebuild.start(EMPTY, target(tree), new Map());
      for (const ref of leafTiles(0, tree.size).slice(0, 3)) r.appendTile(tree.tile(0, ref.index, ref.width));
      const point = r.point();
      const wrong = { next: point.next, root: new Uint8Array(point.root).fill(7) };
      try {
        TreeRebuild.resume(EMPTY, target(tree), wrong, edgeMap(tree, edgeTiles(point.next, tree.size)));
        assert.fail('expected INCONSISTENT');
      } catch (err) {
        assert.ok(isLogError(err, 'INCONSISTENT'), String(err));
        assert.match(err.message, /no longer give the root of the first 768 leaves/);
      }
    });
  });

  describe('ProgressMeter', () => {
    it('reports once per interval with the rate and the ETA', () => {
      const m = new ProgressMeter(1_000, 0, 2_000);
      assert.equal(m.update(5_000, 101_000, 16, 1_999), undefined, 'not before the interval');
      const r = m.update(21_000, 101_000, 80, 2_000)!;
      assert.equal(r.rate, 10_000);
      assert.equal(r.etaSeconds, 8);
      assert.match(r.line, /21000 of 101000 entries verified \(20\.8%\), 80 tiles in this run, 10000 entries\/s, ETA 8s/);
      assert.equal(m.update(22_000, 101_000, 84, 3_000), undefined, 'the interval counts from the last report');
      assert.ok(m.update(41_000, 101_000, 160, 4_000));
    });
  });

  describe('cairn monitor over a synthetic tree', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'cairn-catch-up-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('saves its point as it goes and, stopped by a signal, resumes there', async () => {
      const tree = syntheticTree(20_000);
      const state = join(dir, 'state.json');
      const argv = ['--log-url', 'http://127.0.0.1:1', '--vkey', tree.vkey, '--state-file', state, '--once', '--progress-interval-ms', '1000'];
      let clock = 0;
      const stop = new AbortController();
      const lines: string[] = [];
      let fetched = 0;
      const code = await runMonitor(loadMonitorConfig({ argv, env: {} }), {
        event: () => assert.fail('nothing is verified before the stop'),
        problem: (p) => assert.fail(p),
        progress: (p) => lines.push(p),
        now: () => clock,
        signal: stop.signal,
        client: tree.client((level, index) => {
          if (level !== 0 || index >= Math.floor(tree.size / TILE_WIDTH)) return; // the right edge's partial tile is fetched first
          fetched++;
          clock += 100;
          if (fetched === 40) stop.abort();
        }),
      });
      assert.equal(code, 0);
      assert.ok(lines.length >= 2 && lines.length < 10, `a line per second of the clock, not per tile: ${lines.length}`);
      assert.match(lines.at(-1)!, /^stopped: catch-up to size 20000: 10240 of 20000 entries verified/);
      const saved = JSON.parse(readFileSync(state, 'utf8'));
      assert.equal(saved.size, 0);
      assert.equal(saved.catchUp.next, 40 * TILE_WIDTH);
      assert.equal(saved.catchUp.note, tree.note);

      const events: Record<string, unknown>[] = [];
      const level0: number[] = [];
      const again = await runMonitor(loadMonitorConfig({ argv, env: {} }), {
        event: (e) => events.push(e),
        problem: (p) => assert.fail(p),
        progress: () => {},
        client: tree.client((level, index) => level === 0 && level0.push(index)),
      });
      assert.equal(again, 0);
      assert.deepEqual(events.map((e) => [e['event'], e['treeSize'], e['from'], e['resumedAt']]), [['verified', 20_000, 0, 10_240]]);
      assert.equal(Math.min(...level0), 40, 'no verified tile fetched again');
      const done = JSON.parse(readFileSync(state, 'utf8'));
      assert.equal(done.size, 20_000);
      assert.equal(done.catchUp, undefined);
    });

    it('with --start latest begins at the current checkpoint without reading its leaves', async () => {
      const tree = syntheticTree(70_000);
      const state = join(dir, 'latest.json');
      const events: Record<string, unknown>[] = [];
      const level0: number[] = [];
      const code = await runMonitor(loadMonitorConfig({ argv: ['--log-url', 'http://127.0.0.1:1', '--vkey', tree.vkey, '--state-file', state, '--start', 'latest'], env: {} }), {
        event: (e) => events.push(e),
        problem: (p) => assert.fail(p),
        client: tree.client((level, index) => level === 0 && level0.push(index)),
      });
      assert.equal(code, 0);
      assert.deepEqual(events.map((e) => [e['event'], e['treeSize'], e['from']]), [['verified', 70_000, 70_000]]);
      assert.deepEqual(level0, [Math.floor(70_000 / TILE_WIDTH)], 'only the right-edge tile');
      assert.equal(JSON.parse(readFileSync(state, 'utf8')).size, 70_000);
    });
  });
});

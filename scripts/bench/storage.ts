/**
 * `npm run bench -- --only storage`: the store under the log, without HTTP,
 * signing or the sequencer. The same batches of 256 entries (~700-byte
 * bodies, a search key each, the tiles a real right edge changes) are
 * committed one after the other to
 *  - SQLite on a file, as the log runs it: appendBatch then sync() (the WAL's
 *    fdatasync) per batch;
 *  - PostgreSQL on this machine (Debian's server started here, as the tests
 *    do: fsync on), appendBatch durable on return (synchronous_commit = on);
 * in alternating rounds, so both meet the same background load. Then random
 * proof reads (an entry and its leaf group: `entryAndLeafGroup`, as the log
 * reads them) on each, through the asynchronous contract (SQLite through
 * toAsyncStore), from one reader and from 16 at once; and random full
 * level-0 tiles from 16 readers.
 * Skipped with a message when PostgreSQL is not installed.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LEAF_GROUPS_PER_TILE, RightEdge, TILE_WIDTH } from '../../src/merkle/index.js';
import { openPostgresStore, openSqliteStore, toAsyncStore, type AsyncLogStore, type Batch } from '../../src/storage/index.js';
import { postgresBinDir, startPostgres } from '../../test/support/postgres.js';
import { msPercentiles } from './workload.js';

type Figures = Record<string, number | string>;
const BATCH = 256;
/** Concurrent readers in the second read round (the store's pool has 10 connections). */
const READERS = 16;
const round = (x: number, d = 1): number => Number(x.toFixed(d));
/** Read rounds per engine and concurrency, alternated so that every engine meets the same background load. */
const READ_ROUNDS = 3;

/** The next batch of BATCH entries on a log of `edge.size`, grown on `edge`. */
export function nextBatch(edge: RightEdge, seed: string): Batch {
  const from = edge.size;
  const entries = Array.from({ length: BATCH }, (_, i) => {
    const body = Buffer.from(JSON.stringify({ apiVersion: '0.0.1', kind: 'hashedrekord', spec: { seed, index: from + i, pad: 'x'.repeat(600) } }));
    return {
      index: from + i,
      leafHash: createHash('sha256').update(Buffer.from([0])).update(body).digest(),
      body,
      kind: 'hashedrekord/0.0.1',
      integratedTime: 1_700_000_000,
      set: createHash('sha512').update(body).digest(),
    };
  });
  const grown = edge.append(entries.map((e) => e.leafHash));
  const note = `bench.example/log\n${grown.size}\n${Buffer.from(grown.root).toString('base64')}\n\n— bench.example/log ${'A'.repeat(96)}\n`;
  return {
    entries,
    searchKeys: entries.map((e) => ({ key: `sha256:${e.leafHash.toString('hex')}`, index: e.index })),
    tiles: grown.tiles,
    checkpoint: { size: grown.size, root: grown.root, time: 1_700_000_000_000 + grown.size, note },
  };
}

interface Side {
  readonly name: string;
  readonly store: AsyncLogStore;
  readonly edge: RightEdge;
  readonly ms: number[];
}

/** Commit `count` batches to `side`, one after the other, each durable before the next; their times in `side.ms`. */
async function commitRound(side: Side, count: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const batch = nextBatch(side.edge, side.name);
    const b0 = performance.now();
    await side.store.appendBatch(batch.entries[0]!.index, batch);
    await side.store.sync?.();
    side.ms.push(performance.now() - b0);
  }
  return (performance.now() - t0) / 1000;
}

/**
 * Proof reads of random full-tile entries: `entryAndLeafGroup` as the log
 * reads them, or with `separate` as two concurrent reads (entryByIndex +
 * leafGroup).
 */
function proofRead(store: AsyncLogStore, size: number, separate: boolean): (x: number) => Promise<void> {
  const full = Math.floor(size / TILE_WIDTH) * TILE_WIDTH;
  return async (x) => {
    const index = x % full;
    const g = Math.floor(index / (TILE_WIDTH / LEAF_GROUPS_PER_TILE));
    const { entry, leafGroup: group } =
      store.entryAndLeafGroup !== undefined && !separate
        ? await store.entryAndLeafGroup(index, g)
        : await Promise.all([store.entryByIndex(index), store.leafGroup?.(g)]).then(([entry, leafGroup]) => ({ entry, leafGroup }));
    if (entry === undefined || group === undefined) throw new Error(`entry ${index} or its leaf group missing`);
  };
}

/** Reads of random full level-0 tiles (as `GET tile/0/N`). */
function tileRead(store: AsyncLogStore, size: number): (x: number) => Promise<void> {
  const tiles = Math.floor(size / TILE_WIDTH);
  return async (x) => {
    const t = await store.tile(0, x % tiles);
    if (t?.width !== TILE_WIDTH) throw new Error(`tile 0/${x % tiles} missing`);
  };
}

/**
 * `read` of random numbers for `secs` from `concurrency` readers at once (as
 * a server's concurrent requests): the count of reads, each read's latency in `ms`.
 */
async function readRound(read: (x: number) => Promise<void>, secs: number, concurrency: number, ms: number[]): Promise<number> {
  const before = ms.length;
  const t0 = performance.now();
  const reader = async (seed: number): Promise<void> => {
    let x = seed;
    while (performance.now() - t0 < secs * 1000) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      const r0 = performance.now();
      await read(x);
      ms.push(performance.now() - r0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, i) => reader(12345 + i)));
  return ms.length - before;
}

/** READ_ROUNDS alternating rounds of each of `reads`; reads/s, p50 and p99 into `figures` as `${name}${what}…C${concurrency}`. */
async function readRounds(figures: Figures, what: string, reads: Array<[string, (x: number) => Promise<void>]>, secs: number, concurrency: number): Promise<void> {
  const counts = reads.map(() => 0);
  const ms = reads.map((): number[] => []);
  for (let r = 0; r < READ_ROUNDS; r++) {
    for (const [i, [, read]] of reads.entries()) counts[i]! += await readRound(read, secs, concurrency, ms[i]!);
  }
  for (const [i, [name]] of reads.entries()) {
    const { p50, p99 } = msPercentiles(ms[i]!);
    figures[`${name}${what}PerSecC${concurrency}`] = round(counts[i]! / (READ_ROUNDS * secs), 0);
    figures[`${name}${what.replace(/s$/, '')}P50MsC${concurrency}`] = p50;
    figures[`${name}${what.replace(/s$/, '')}P99MsC${concurrency}`] = p99;
  }
  for (const [name] of reads.slice(1)) {
    figures[`${name}OverSqlite${what}C${concurrency}`] = round(Number(figures[`${name}${what}PerSecC${concurrency}`]) / Number(figures[`sqlite${what}PerSecC${concurrency}`]), 3);
  }
}

export async function storageBench(quick: boolean, log: (s: string) => void): Promise<Figures> {
  if (postgresBinDir() === undefined) {
    log('storage: PostgreSQL is not installed (apt-get install postgresql): skipped');
    return { skipped: 'postgresql not installed' };
  }
  const rounds = 4;
  const perRound = quick ? 10 : 40;
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-storage-'));
  const server = await startPostgres();
  const sqlite = openSqliteStore({ path: join(dir, 'log.db') });
  const postgres = await openPostgresStore({ url: await server.createDatabase() });
  try {
    const sides: Side[] = [
      { name: 'sqlite', store: toAsyncStore(sqlite), edge: RightEdge.empty(), ms: [] },
      { name: 'postgres', store: postgres, edge: RightEdge.empty(), ms: [] },
    ];
    const secs = [0, 0];
    for (let r = 0; r < rounds; r++) {
      for (const [i, side] of sides.entries()) {
        secs[i]! += await commitRound(side, perRound);
        log(`storage: round ${r + 1}/${rounds} ${side.name}: ${side.edge.size} entries`);
      }
    }
    const figures: Figures = { batchEntries: BATCH, batches: rounds * perRound };
    for (const [i, side] of sides.entries()) {
      const { p50, p99 } = msPercentiles(side.ms);
      figures[`${side.name}EntriesPerSec`] = round((rounds * perRound * BATCH) / secs[i]!, 0);
      figures[`${side.name}BatchP50Ms`] = p50;
      figures[`${side.name}BatchP99Ms`] = p99;
      figures[`${side.name}BytesPerEntry`] = round((await side.store.sizeOnDisk()) / side.edge.size, 0);
    }
    figures['postgresOverSqliteCommit'] = round(Number(figures['postgresEntriesPerSec']) / Number(figures['sqliteEntriesPerSec']), 3);
    const size = sides[0]!.edge.size;
    // Proof reads: SQLite, PostgreSQL as the log reads (one statement), PostgreSQL as two concurrent reads (before
    // entryAndLeafGroup). Then full level-0 tiles.
    const secsPerRound = quick ? 1.5 : 4;
    for (const concurrency of [1, READERS]) {
      await readRounds(figures, 'Reads', [
        ['sqlite', proofRead(sides[0]!.store, size, false)],
        ['postgres', proofRead(postgres, size, false)],
        ['postgresTwoReads', proofRead(postgres, size, true)],
      ], secsPerRound, concurrency);
    }
    await readRounds(figures, 'TileReads', [['sqlite', tileRead(sides[0]!.store, size)], ['postgres', tileRead(postgres, size)]], secsPerRound, READERS);
    return figures;
  } finally {
    sqlite.close();
    await postgres.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

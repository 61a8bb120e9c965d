/**
 * Storage throughput, run by hand (not part of the suite):
 *
 *   npx tsc -p tsconfig.json && node dist/test/storage/measure.js [batches=10] [batchSize=10000] [tiles=4000]
 *
 * Writes `batches` batches of `batchSize` entries (32-byte random leaf hashes,
 * 100-byte bodies, 64-byte SETs) to fresh file-backed databases in a temp dir,
 * and compares SqliteStore.appendBatch with a raw better-sqlite3 INSERT loop
 * of the same rows, same schema and pragmas (WAL, synchronous=FULL). Then
 * compares tile reads from the rowid `tiles` table with a WITHOUT ROWID copy
 * holding `tiles` full-width rows (4,000 tiles ≈ 1M entries).
 */

import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openDatabase, openSqliteStore, type Batch, type Database, type StoredEntry, type TileRow } from '../../src/storage/index.js';

const batches = Number(process.argv[2] ?? 10);
const batchSize = Number(process.argv[3] ?? 10_000);
const tileCount = Number(process.argv[4] ?? 4000);
const total = batches * batchSize;
const dir = mkdtempSync(join(tmpdir(), 'cairn-measure-'));

const entries: StoredEntry[] = Array.from({ length: total }, (_, index) => ({
  index,
  leafHash: randomBytes(32),
  body: randomBytes(100),
  kind: 'raw',
  integratedTime: 1_700_000_000 + Math.floor(index / batchSize),
  set: randomBytes(64),
}));

/** The level-0 and level-1 tiles a batch ending at `end` changes (hashes as the merkle layer would lay them out). */
function tilesFor(start: number, end: number): TileRow[] {
  const rows: TileRow[] = [];
  for (let t = Math.floor(start / 256); t * 256 < end; t++) {
    const width = Math.min(256, end - t * 256);
    const level0 = Buffer.concat(entries.slice(t * 256, t * 256 + width).map((e) => e.leafHash));
    rows.push({ level: 0, index: t, width, hashes: Buffer.concat([level0, Buffer.alloc((width - 1) * 32, width)]) });
  }
  const full = Math.floor(end / 256);
  for (let t = Math.floor(Math.floor(start / 256) / 256); t * 256 < full; t++) {
    const width = Math.min(256, full - t * 256);
    const level0 = Buffer.concat(Array.from({ length: width }, (_, j) => createHash('sha256').update(`${t}/${j}`).digest()));
    rows.push({ level: 1, index: t, width, hashes: Buffer.concat([level0, Buffer.alloc((width - 1) * 32, width)]) });
  }
  return rows;
}

function makeBatch(b: number, full: boolean): Batch {
  const start = b * batchSize;
  const end = start + batchSize;
  const es = entries.slice(start, end);
  return {
    entries: es,
    searchKeys: full ? es.map((e) => ({ key: `sha256:${createHash('sha256').update(e.body).digest('hex')}`, index: e.index })) : [],
    tiles: full ? tilesFor(start, end) : [],
    checkpoint: { size: end, root: randomBytes(32), time: 1_700_000_000_000 + b, note: `log\n${end}\nroot\n\n— log sig\n` },
  };
}

/** Entries per second for `run`, which writes every entry once. */
function rate(run: () => void): number {
  const t0 = performance.now();
  run();
  return total / ((performance.now() - t0) / 1000);
}

function measureStore(name: string, full: boolean, cacheSizeKiB?: number): number {
  const all = Array.from({ length: batches }, (_, b) => makeBatch(b, full));
  const store = openSqliteStore({ path: join(dir, `${name}.db`), ...(cacheSizeKiB === undefined ? {} : { cacheSizeKiB }) });
  const r = rate(() => all.forEach((batch, b) => store.appendBatch(b * batchSize, batch)));
  if (full) measureReads(store, all);
  store.close();
  return r;
}

function measureReads(store: ReturnType<typeof openSqliteStore>, all: Batch[]): void {
  const absent = Array.from({ length: total }, () => randomBytes(32));
  const present = rate(() => entries.forEach((e) => store.indexOfLeafHash(e.leafHash)));
  const missing = rate(() => absent.forEach((h) => store.indexOfLeafHash(h)));
  const tiles = all.flatMap((b) => b.tiles);
  const t0 = performance.now();
  for (let i = 0; i < 100_000; i++) {
    const t = tiles[(i * 7919) % tiles.length]!;
    store.tile(t.level, t.index);
  }
  const tileUs = ((performance.now() - t0) * 1000) / 100_000;
  console.log(`  dedup lookups (indexOfLeafHash): ${fmt(present)}/s present, ${fmt(missing)}/s absent; tile reads: ${tileUs.toFixed(1)} µs each`);
}

const INSERT = 'INSERT INTO entries (idx, leaf_hash, body, kind, integrated_time, set_sig) VALUES (?, ?, ?, ?, ?, ?)';

/** Raw INSERT loop into `db`, `txCount` transactions over all rows. */
function rawInserts(db: Database, txCount: number, sql = INSERT, extra?: string): number {
  const insert = db.prepare(sql);
  const side = extra === undefined ? undefined : db.prepare(extra);
  const per = total / txCount;
  const tx = db.transaction((from: number) => {
    for (let i = from; i < from + per; i++) {
      const e = entries[i]!;
      insert.run(e.index, e.leafHash, e.body, e.kind, e.integratedTime, e.set);
      side?.run(e.leafHash, e.index);
    }
  });
  return rate(() => {
    for (let t = 0; t < txCount; t++) tx(t * per);
  });
}

function measureRaw(name: string, txCount: number): number {
  const db = openDatabase(join(dir, `${name}.db`));
  const r = rawInserts(db, txCount);
  db.close();
  return r;
}

/** Raw INSERT loop of everything a full batch writes: entries, search keys, tiles (INSERT OR REPLACE), checkpoint. */
function measureRawFull(): number {
  const all = Array.from({ length: batches }, (_, b) => makeBatch(b, true));
  const db = openDatabase(join(dir, 'raw-full.db'));
  const insert = db.prepare(INSERT);
  const key = db.prepare('INSERT INTO search_keys (key, idx) VALUES (?, ?)');
  const tileRow = db.prepare('INSERT OR REPLACE INTO tiles (level, idx, width, hashes) VALUES (?, ?, ?, ?)');
  const cp = db.prepare('INSERT INTO checkpoints (size, root, time_ms, note) VALUES (?, ?, ?, ?)');
  const tx = db.transaction((b: Batch) => {
    for (const e of b.entries) insert.run(e.index, e.leafHash, e.body, e.kind, e.integratedTime, e.set);
    for (const k of b.searchKeys) key.run(k.key, k.index);
    for (const t of b.tiles) tileRow.run(t.level, t.index, t.width, t.hashes);
    cp.run(b.checkpoint.size, b.checkpoint.root, b.checkpoint.time, b.checkpoint.note);
  });
  const r = rate(() => all.forEach((b) => tx(b)));
  db.close();
  return r;
}

/** The alternative dedup layout: no UNIQUE on entries, a WITHOUT ROWID (leaf_hash → idx) table instead. */
function measureAltSchema(): number {
  const db = openDatabase(join(dir, 'alt.db'));
  db.exec(`CREATE TABLE alt_entries (idx INTEGER PRIMARY KEY, leaf_hash BLOB NOT NULL, body BLOB NOT NULL, kind TEXT NOT NULL,
             integrated_time INTEGER NOT NULL, set_sig BLOB NOT NULL) STRICT;
           CREATE TABLE alt_leaves (leaf_hash BLOB PRIMARY KEY, idx INTEGER NOT NULL) STRICT, WITHOUT ROWID;`);
  const r = rawInserts(db, batches, INSERT.replace('entries', 'alt_entries'), 'INSERT INTO alt_leaves (leaf_hash, idx) VALUES (?, ?)');
  db.close();
  return r;
}

/** µs per random tile read, rowid `tiles` vs a WITHOUT ROWID table, `tileCount` full tiles each. */
function measureTileLayouts(): [number, number] {
  const db = openDatabase(join(dir, 'tiles.db'));
  db.exec(`CREATE TABLE tiles_wr (level INTEGER NOT NULL, idx INTEGER NOT NULL, width INTEGER NOT NULL, hashes BLOB NOT NULL,
             PRIMARY KEY (level, idx)) STRICT, WITHOUT ROWID;`);
  const hashes = Buffer.alloc(511 * 32, 0xab);
  const result = ['tiles', 'tiles_wr'].map((table) => {
    const insert = db.prepare(`INSERT INTO ${table} (level, idx, width, hashes) VALUES (0, ?, 256, ?)`);
    db.transaction(() => {
      for (let i = 0; i < tileCount; i++) insert.run(i, hashes);
    })();
    const read = db.prepare(`SELECT level, idx, width, hashes FROM ${table} WHERE level = 0 AND idx = ?`);
    const t0 = performance.now();
    for (let i = 0; i < 100_000; i++) read.get((i * 7919) % tileCount);
    return ((performance.now() - t0) * 1000) / 100_000;
  });
  db.close();
  return result as [number, number];
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

try {
  console.log(`${batches} batches × ${batchSize} entries, file-backed (WAL, synchronous=FULL), dir ${dir}`);
  const raw = measureRaw('raw', batches);
  const rawOne = measureRaw('raw-one-tx', 1);
  const lean = measureStore('store-lean', false);
  const leanSmallCache = measureStore('store-lean-2mb', false, 2000);
  const alt = measureAltSchema();
  const rawFull = measureRawFull();
  const full = measureStore('store-full', true);
  console.log(`  raw INSERT loop, ${batches} transactions: ${fmt(raw)} entries/s`);
  console.log(`  raw INSERT loop, 1 transaction:           ${fmt(rawOne)} entries/s`);
  console.log(`  appendBatch, entries + checkpoint:        ${fmt(lean)} entries/s (${(lean / raw).toFixed(2)} × raw)`);
  console.log(`  same, cache_size 2 MiB (SQLite default):  ${fmt(leanSmallCache)} entries/s (${(leanSmallCache / raw).toFixed(2)} × raw)`);
  console.log(`  raw, dedup in a WITHOUT ROWID side table: ${fmt(alt)} entries/s (${(alt / raw).toFixed(2)} × raw UNIQUE index)`);
  console.log(`  raw INSERT loop of the same full batches:  ${fmt(rawFull)} entries/s`);
  console.log(`  appendBatch + 1 search key/entry + tiles: ${fmt(full)} entries/s (${(full / rawFull).toFixed(2)} × raw full)`);
  const [rowid, withoutRowid] = measureTileLayouts();
  console.log(`  tile read, ${tileCount} full tiles: ${rowid.toFixed(1)} µs rowid table, ${withoutRowid.toFixed(1)} µs WITHOUT ROWID`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

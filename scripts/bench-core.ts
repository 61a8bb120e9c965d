/**
 * Core benchmark: in-process appends through the real sequencer and
 * SQLite store (no HTTP, no signature checks, no SETs), and inclusion proofs at
 * the final size, each printed beside a baseline measured in the same run:
 *
 * - appends vs raw batched SQLite inserts of the same rows (same schema, same
 *   batch size, WAL + synchronous=FULL, one transaction per batch);
 * - inclusion proofs vs random primary-key SELECTs of entry rows.
 *
 * Usage: node dist/scripts/bench-core.js [--entries N] [--batch N] [--proofs N] [--json FILE]
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../src/clock.js';
import { LogService, makeIdentity, type Submission } from '../src/log/index.js';
import { leafHash, verifyInclusion } from '../src/merkle/index.js';
import { openSqliteStore, toAsyncStore } from '../src/storage/index.js';
import { generateKeyPairSync } from 'node:crypto';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const N = arg('--entries', 1_000_000);
const BATCH = arg('--batch', 4096);
const PROOFS = arg('--proofs', 100_000);
const jsonIdx = process.argv.indexOf('--json');
const jsonFile = jsonIdx >= 0 ? process.argv[jsonIdx + 1] : undefined;

function makeRows(n: number): Submission[] {
  const salt = randomBytes(8).toString('hex');
  const rows: Submission[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const body = Buffer.from(`{"apiVersion":"0.0.1","kind":"bench","spec":{"i":${i},"salt":"${salt}","pad":"${'x'.repeat(60)}"}}`);
    rows[i] = { kind: 'raw', body, leafHash: leafHash(body), searchKeys: [] };
  }
  return rows;
}

/** Baseline: the same rows into the same table shape with plain prepared INSERTs, one transaction per batch. */
function rawSqlite(dir: string, rows: readonly Submission[]): number {
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE entries (idx INTEGER PRIMARY KEY, leaf_hash BLOB NOT NULL UNIQUE, body BLOB NOT NULL,
           kind TEXT NOT NULL, integrated_time INTEGER NOT NULL, set_sig BLOB NOT NULL) STRICT`);
  const ins = db.prepare('INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?)');
  const empty = Buffer.alloc(0);
  const tx = db.transaction((start: number, end: number) => {
    for (let i = start; i < end; i++) {
      const r = rows[i]!;
      ins.run(i, r.leafHash, r.body, r.kind, 1_700_000_000, empty);
    }
  });
  const t0 = performance.now();
  for (let s = 0; s < rows.length; s += BATCH) tx(s, Math.min(rows.length, s + BATCH));
  const secs = (performance.now() - t0) / 1000;
  db.close();
  return rows.length / secs;
}

async function cairnAppends(dir: string, rows: readonly Submission[]) {
  const store = openSqliteStore({ path: join(dir, 'cairn.db') });
  const identity = makeIdentity(generateKeyPairSync('ed25519').privateKey, '1234567', 'http://bench.local');
  const log = await LogService.open(toAsyncStore(store), identity, systemClock(), {
    batchMaxSize: BATCH,
    batchMaxAgeMs: 0,
    poolMaxSize: BATCH * 4,
    signEntryTimestamps: false,
    tileCacheSize: 8192,
  });
  const t0 = performance.now();
  const window = BATCH * 2;
  for (let s = 0; s < rows.length; s += window) {
    const end = Math.min(rows.length, s + window);
    const waits: Promise<unknown>[] = [];
    for (let i = s; i < end; i++) waits.push(log.submit(rows[i]!));
    await Promise.all(waits);
  }
  const secs = (performance.now() - t0) / 1000;
  return { store, log, perSec: rows.length / secs };
}

async function proofs(log: LogService, store: ReturnType<typeof openSqliteStore>, size: number, rows: readonly Submission[]) {
  const cp = log.reader.latest();
  // Correctness spot check before timing.
  for (let k = 0; k < 100; k++) {
    const i = Math.floor(Math.random() * size);
    verifyInclusion(i, size, rows[i]!.leafHash, await log.reader.inclusionProof(i, size), cp.root);
  }
  const idx = Array.from({ length: PROOFS }, () => Math.floor(Math.random() * size));
  let t0 = performance.now();
  let n = 0;
  for (const i of idx) n += (await log.reader.inclusionProof(i, size)).length;
  const proofSecs = (performance.now() - t0) / 1000;
  t0 = performance.now();
  for (const i of idx) if (store.entryByIndex(i) === undefined) throw new Error('missing');
  const readSecs = (performance.now() - t0) / 1000;
  return { proofsPerSec: PROOFS / proofSecs, avgHashes: n / PROOFS, selectsPerSec: PROOFS / readSecs };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-'));
  try {
    process.stdout.write(`cairn core benchmark: ${N} entries, batch ${BATCH}, ${PROOFS} proofs; ${cpus().length} cpus, ${cpus()[0]?.model ?? '?'}, node ${process.version}\n`);
    const rows = makeRows(N);
    const baseline = rawSqlite(dir, rows);
    const { store, log, perSec } = await cairnAppends(dir, rows);
    const p = await proofs(log, store, N, rows);
    const result = {
      entries: N,
      batch: BATCH,
      appendsPerSec: Math.round(perSec),
      rawSqliteInsertsPerSec: Math.round(baseline),
      appendRatio: Number((perSec / baseline).toFixed(3)),
      proofsPerSecAtSize: Math.round(p.proofsPerSec),
      proofAvgHashes: Number(p.avgHashes.toFixed(1)),
      rawSelectsPerSec: Math.round(p.selectsPerSec),
      proofRatio: Number((p.proofsPerSec / p.selectsPerSec).toFixed(3)),
      bytesOnDiskPerEntry: Math.round(store.sizeOnDisk() / N),
    };
    const rowsOut: Array<[string, string, string, string]> = [
      ['scenario', 'cairn', 'baseline', 'ratio'],
      [`append ${N} entries (entries/s)`, String(result.appendsPerSec), `${result.rawSqliteInsertsPerSec} (raw SQLite inserts)`, String(result.appendRatio)],
      [`inclusion proof at ${N} (proofs/s)`, String(result.proofsPerSecAtSize), `${result.rawSelectsPerSec} (raw row SELECTs)`, String(result.proofRatio)],
    ];
    for (const r of rowsOut) process.stdout.write(`${r[0].padEnd(38)} ${r[1].padStart(10)}   ${r[2].padEnd(34)} ${r[3]}\n`);
    process.stdout.write(`bytes on disk per entry: ${result.bytesOnDiskPerEntry}\n`);
    if (jsonFile !== undefined) writeFileSync(jsonFile, `${JSON.stringify(result, null, 2)}\n`);
    await log.close();
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${String(err)}\n`);
  process.exit(1);
});

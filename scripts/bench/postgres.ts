/**
 * `npm run bench -- --only postgres`: `cairn serve` on PostgreSQL
 * (--database-url, one node, a server on this machine started as the tests
 * start theirs) beside `cairn serve` on SQLite, in the same run:
 *
 * - submit: 64 connections POSTing unique signed hashedrekord entries, the
 *   two servers taking turns (SQLite, PostgreSQL, SQLite, PostgreSQL) so that
 *   both meet the same background load; target PostgreSQL ≥ 0.5× SQLite.
 * - read: a log of `size` entries grown in each store through the core
 *   append path, then random GET entries?logIndex=N (with proof) and random
 *   full tiles, again in alternating rounds; target ≥ 0.8× SQLite.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLogFromConfig } from '../../src/cli/open-log.js';
import { loadConfig } from '../../src/config/index.js';
import { postgresBinDir, startPostgres } from '../../test/support/postgres.js';
import { growTo } from './grow.js';
import { loadgen, startCairn, type Child, type LoadResult } from './procs.js';

export interface PostgresBenchOptions {
  readonly submitSecs: number;
  readonly readSize: number;
  readonly readSecs: number;
  readonly log: (line: string) => void;
}

const round = (x: number, d = 1): number => Number(x.toFixed(d));

/** Alternating rounds of `run` on each side; the sums per side. */
async function alternate(sides: readonly Child[], rounds: number, run: (c: Child) => Promise<LoadResult>): Promise<Array<{ ok: number; secs: number; p99Ms: number; errors: number }>> {
  const sums = sides.map(() => ({ ok: 0, secs: 0, p99Ms: 0, errors: 0 }));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < sides.length; i++) {
      const res = await run(sides[i]!);
      const s = sums[i]!;
      s.ok += res.ok;
      s.secs += res.seconds;
      s.errors += res.errors;
      s.p99Ms = Math.max(s.p99Ms, res.p99Ms);
    }
  }
  return sums;
}

export async function postgresBench(o: PostgresBenchOptions): Promise<Record<string, number | string>> {
  if (postgresBinDir() === undefined) {
    o.log('postgres: PostgreSQL is not installed (apt-get install postgresql): skipped');
    return { skipped: 'postgresql not installed' };
  }
  const server = await startPostgres();
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-pg-'));
  const figures: Record<string, number | string> = {};
  try {
    // Submit: two fresh logs, one per store, the same key type and settings.
    const rounds = 2;
    const secs = o.submitSecs / rounds;
    const entries = String(Math.ceil(secs * 9000));
    const sqlite = await startCairn(join(dir, 'submit-sqlite'));
    const pg = await startCairn(join(dir, 'submit-pg'), ['--database-url', await server.createDatabase()]);
    try {
      const [s, p] = await alternate([sqlite, pg], rounds, (c) => loadgen(['submit', c.url, String(secs), '64', entries]));
      figures['submitSqlitePerSec'] = round(s!.ok / s!.secs);
      figures['submitPostgresPerSec'] = round(p!.ok / p!.secs);
      figures['submitRatio'] = round(p!.ok / p!.secs / (s!.ok / s!.secs), 3);
      figures['submitSqliteP99Ms'] = round(s!.p99Ms, 2);
      figures['submitPostgresP99Ms'] = round(p!.p99Ms, 2);
      figures['submitErrors'] = s!.errors + p!.errors;
    } finally {
      await sqlite.stop();
      await pg.stop();
    }

    // Read: the same number of entries in each store, grown in-process, then served.
    const readUrl = await server.createDatabase();
    const grown: Array<{ data: string; args: string[] }> = [];
    for (const side of ['sqlite', 'pg'] as const) {
      const data = join(dir, `read-${side}`);
      const overrides = { dataDir: data, publicUrl: 'http://127.0.0.1', batchMaxSize: 8192, poolMaxSize: 65_536, ...(side === 'pg' ? { databaseUrl: readUrl } : {}) };
      const opened = await openLogFromConfig(loadConfig({ overrides }), undefined, { signEntryTimestamps: false });
      const t0 = performance.now();
      // Fewer submissions at once on PostgreSQL: each one's dedup lookup waits for one of the pool's 10 connections.
      await growTo(opened.log, o.readSize, side === 'pg' ? 2_048 : 32_768);
      o.log(`  postgres: grew the ${side} log to ${o.readSize} in ${round((performance.now() - t0) / 1000)} s`);
      await opened.log.close();
      await opened.store.close();
      grown.push({ data, args: side === 'pg' ? ['--database-url', readUrl] : [] });
    }
    const readers = [await startCairn(grown[0]!.data, grown[0]!.args), await startCairn(grown[1]!.data, grown[1]!.args)];
    try {
      const size = String(o.readSize);
      const [se, pe] = await alternate(readers, 2, (c) => loadgen(['read', c.url, String(o.readSecs / 2), '64', size, 'entries']));
      const [st, pt] = await alternate(readers, 2, (c) => loadgen(['read', c.url, String(o.readSecs / 2), '64', size, 'tiles']));
      figures['readSize'] = o.readSize;
      figures['readEntriesSqlitePerSec'] = round(se!.ok / se!.secs);
      figures['readEntriesPostgresPerSec'] = round(pe!.ok / pe!.secs);
      figures['readEntriesRatio'] = round(pe!.ok / pe!.secs / (se!.ok / se!.secs), 3);
      figures['readTilesSqlitePerSec'] = round(st!.ok / st!.secs);
      figures['readTilesPostgresPerSec'] = round(pt!.ok / pt!.secs);
      figures['readTilesRatio'] = round(pt!.ok / pt!.secs / (st!.ok / st!.secs), 3);
      figures['readErrors'] = se!.errors + pe!.errors + st!.errors + pt!.errors;
    } finally {
      for (const r of readers) await r.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.stop();
  }
  return figures;
}

/**
 * `npm run bench -- --only cluster`: submissions through two `cairn serve`
 * nodes on one PostgreSQL database (clients split evenly over both: one
 * sequences, the other admits and forwards) against one node on its own
 * PostgreSQL database, and one node on SQLite, all on this machine, in
 * alternating rounds so that each meets the same background load. 64
 * connections in every case (32 per node with two). The PostgreSQL server is
 * Debian's, started here with production durability (test/support/postgres.ts).
 * Skipped with a message when PostgreSQL is not installed.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postgresBinDir, startPostgres } from '../../test/support/postgres.js';
import { loadgen, startCairn, type Child, type LoadResult } from './procs.js';

type Figures = Record<string, number | string>;
const CONNECTIONS = 64;
const ROUNDS = 2;
const round = (x: number, d = 1): number => Number(x.toFixed(d));

/** One closed-loop round over `nodes`, the connections split evenly; entries/s summed. */
async function submitOver(nodes: readonly Child[], secs: number): Promise<{ perSec: number; ok: number; errors: number; p99Ms: number }> {
  const per = Math.floor(CONNECTIONS / nodes.length);
  const entries = String(Math.ceil((secs * 9000) / nodes.length));
  const results: LoadResult[] = await Promise.all(nodes.map((n) => loadgen(['submit', n.url, String(secs), String(per), entries])));
  return {
    perSec: results.reduce((s, r) => s + r.perSec, 0),
    ok: results.reduce((s, r) => s + r.ok, 0),
    errors: results.reduce((s, r) => s + r.errors, 0),
    p99Ms: Math.max(...results.map((r) => r.p99Ms)),
  };
}

/** Resolves once one of `nodes` says on /healthz that it sequences. */
async function sequencing(nodes: readonly Child[]): Promise<void> {
  for (let i = 0; i < 600; i++) {
    for (const n of nodes) {
      const h = (await (await fetch(`${n.url}/healthz`)).json()) as { cluster?: { role?: string } };
      if (h.cluster?.role === 'sequencer') return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no node became the sequencer');
}

export async function clusterBench(quick: boolean, log: (s: string) => void): Promise<Figures> {
  if (postgresBinDir() === undefined) {
    log('  cluster: skipped (PostgreSQL is not installed)');
    return { skipped: 'PostgreSQL is not installed' };
  }
  const secs = quick ? 5 : 10;
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-cluster-'));
  const keyFile = join(dir, 'log-key.pem');
  writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const pg = await startPostgres();
  const children: Child[] = [];
  const start = async (name: string, extra: string[]): Promise<Child> => {
    const c = await startCairn(join(dir, name), ['--key-file', keyFile, ...extra]);
    children.push(c);
    return c;
  };
  try {
    const sqlite = await start('sqlite', []);
    const one = await start('one', ['--database-url', await pg.createDatabase()]);
    const twoDb = await pg.createDatabase();
    const two = [await start('two-a', ['--database-url', twoDb]), await start('two-b', ['--database-url', twoDb])];
    await sequencing([one]);
    await sequencing(two);
    const sides = { sqlite: [] as Array<Awaited<ReturnType<typeof submitOver>>>, one: [] as Array<Awaited<ReturnType<typeof submitOver>>>, two: [] as Array<Awaited<ReturnType<typeof submitOver>>> };
    for (let r = 0; r < ROUNDS; r++) {
      sides.sqlite.push(await submitOver([sqlite], secs));
      sides.one.push(await submitOver([one], secs));
      sides.two.push(await submitOver(two, secs));
      log(`  cluster round ${r + 1}: sqlite ${round(sides.sqlite[r]!.perSec)}/s, one node ${round(sides.one[r]!.perSec)}/s, two nodes ${round(sides.two[r]!.perSec)}/s`);
    }
    const mean = (xs: Array<{ perSec: number }>): number => xs.reduce((s, x) => s + x.perSec, 0) / xs.length;
    const [s, o, t] = [mean(sides.sqlite), mean(sides.one), mean(sides.two)];
    return {
      rounds: ROUNDS,
      sqliteOneNodePerSec: round(s),
      pgOneNodePerSec: round(o),
      pgTwoNodesPerSec: round(t),
      pgOneNodeToSqlite: round(o / s, 3),
      pgTwoNodesToOneNode: round(t / o, 3),
      pgOneNodeP99Ms: round(Math.max(...sides.one.map((x) => x.p99Ms)), 2),
      pgTwoNodesP99Ms: round(Math.max(...sides.two.map((x) => x.p99Ms)), 2),
      errors: [...sides.sqlite, ...sides.one, ...sides.two].reduce((n, x) => n + x.errors, 0),
    };
  } finally {
    for (const c of children) await c.stop();
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

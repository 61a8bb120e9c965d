/**
 * `npm run bench -- --only cluster`: submissions through two `cairn serve`
 * nodes on one PostgreSQL database (clients split evenly over both: one
 * sequences, the other admits and forwards) against one node on its own
 * PostgreSQL database, and one node on SQLite, all on this machine, in
 * alternating rounds so that each meets the same background load. 64
 * connections in every case (32 per node with two); then the two PostgreSQL
 * sides again with 256 connections. At 64 the nodes are latency-bound (their
 * event loops idle half the time: each connection waits for its batch), so
 * the follower's extra hop shows as fewer entries/s; at 256 the machine's
 * cores are the limit, and the figure says whether spreading the admission
 * work over two nodes costs or gains throughput. The PostgreSQL server is
 * Debian's, started here with production durability (test/support/postgres.ts).
 * Beside entries/s, the CPU per accepted entry of the Cairn nodes (every
 * thread, both nodes together for two) and of the PostgreSQL server (the
 * postmaster and its children), from /proc: on one machine the nodes share
 * its cores, so this says where a side's time went.
 * Skipped with a message when PostgreSQL is not installed.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postgresBinDir, startPostgres } from '../../test/support/postgres.js';
import { processTree } from '../../test/support/proc-tree.js';
import { loadgen, startCairn, type Child, type LoadResult } from './procs.js';

type Figures = Record<string, number | string>;
const CONNECTIONS = 64;
const SATURATING_CONNECTIONS = 256;
const ROUNDS = 2;
const round = (x: number, d = 1): number => Number(x.toFixed(d));

/** CPU seconds (user + system, every thread) used so far by each process of `pids` that is still running (Linux /proc, ticks of 1/100 s). */
function cpuSeconds(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const rest = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = rest.slice(rest.lastIndexOf(')') + 2).split(' ');
      total += (Number(f[11]) + Number(f[12])) / 100;
    } catch {
      // exited
    }
  }
  return total;
}

interface Round {
  perSec: number;
  ok: number;
  errors: number;
  p99Ms: number;
  /** CPU seconds of the Cairn nodes and of the PostgreSQL server during the round. */
  nodesCpu: number;
  dbCpu: number;
}

/** One closed-loop round over `nodes`, the connections split evenly; entries/s summed, and the CPU the nodes and the database used. */
async function submitOver(nodes: readonly Child[], secs: number, dbPid: number | undefined, connections = CONNECTIONS): Promise<Round> {
  const per = Math.floor(connections / nodes.length);
  const entries = String(Math.ceil((secs * 9000) / nodes.length));
  const nodePids = nodes.map((n) => n.proc.pid ?? -1);
  // Backends come and go (a node's pool closes idle connections): the database's CPU is that of the processes there at
  // the end, less what those of them there at the start had used (one that exited meanwhile is missed).
  const dbStart = new Map((dbPid === undefined ? [] : processTree(dbPid)).map((p) => [p, cpuSeconds([p])]));
  const n0 = cpuSeconds(nodePids);
  const results: LoadResult[] = await Promise.all(nodes.map((n) => loadgen(['submit', n.url, String(secs), String(per), entries])));
  return {
    perSec: results.reduce((s, r) => s + r.perSec, 0),
    ok: results.reduce((s, r) => s + r.ok, 0),
    errors: results.reduce((s, r) => s + r.errors, 0),
    p99Ms: Math.max(...results.map((r) => r.p99Ms)),
    nodesCpu: cpuSeconds(nodePids) - n0,
    dbCpu: dbPid === undefined ? 0 : processTree(dbPid).reduce((sum, p) => sum + cpuSeconds([p]) - (dbStart.get(p) ?? 0), 0),
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
    const sides = { sqlite: [] as Round[], one: [] as Round[], two: [] as Round[], oneSat: [] as Round[], twoSat: [] as Round[] };
    for (let r = 0; r < ROUNDS; r++) {
      sides.sqlite.push(await submitOver([sqlite], secs, undefined));
      sides.one.push(await submitOver([one], secs, pg.pid));
      sides.two.push(await submitOver(two, secs, pg.pid));
      log(`  cluster round ${r + 1}: sqlite ${round(sides.sqlite[r]!.perSec)}/s, one node ${round(sides.one[r]!.perSec)}/s, two nodes ${round(sides.two[r]!.perSec)}/s`);
    }
    for (let r = 0; r < ROUNDS; r++) {
      sides.oneSat.push(await submitOver([one], secs, pg.pid, SATURATING_CONNECTIONS));
      sides.twoSat.push(await submitOver(two, secs, pg.pid, SATURATING_CONNECTIONS));
      log(`  cluster round ${r + 1}, ${SATURATING_CONNECTIONS} connections: one node ${round(sides.oneSat[r]!.perSec)}/s, two nodes ${round(sides.twoSat[r]!.perSec)}/s`);
    }
    const mean = (xs: Array<{ perSec: number }>): number => xs.reduce((s, x) => s + x.perSec, 0) / xs.length;
    const [s, o, t, oSat, tSat] = [mean(sides.sqlite), mean(sides.one), mean(sides.two), mean(sides.oneSat), mean(sides.twoSat)];
    // CPU per accepted entry, µs: where a side's time went (both nodes together for two; the database apart).
    const us = (xs: Round[], k: 'nodesCpu' | 'dbCpu'): number => round((xs.reduce((n, x) => n + x[k], 0) * 1e6) / xs.reduce((n, x) => n + x.ok, 0));
    return {
      rounds: ROUNDS,
      sqliteOneNodePerSec: round(s),
      pgOneNodePerSec: round(o),
      pgTwoNodesPerSec: round(t),
      pgOneNodeToSqlite: round(o / s, 3),
      pgTwoNodesToOneNode: round(t / o, 3),
      pgOneNodeP99Ms: round(Math.max(...sides.one.map((x) => x.p99Ms)), 2),
      pgTwoNodesP99Ms: round(Math.max(...sides.two.map((x) => x.p99Ms)), 2),
      sqliteCpuUsPerEntry: us(sides.sqlite, 'nodesCpu'),
      pgOneNodeCpuUsPerEntry: us(sides.one, 'nodesCpu'),
      pgOneNodeDbCpuUsPerEntry: us(sides.one, 'dbCpu'),
      pgTwoNodesCpuUsPerEntry: us(sides.two, 'nodesCpu'),
      pgTwoNodesDbCpuUsPerEntry: us(sides.two, 'dbCpu'),
      saturatingConnections: SATURATING_CONNECTIONS,
      pgOneNodeSaturatedPerSec: round(oSat),
      pgTwoNodesSaturatedPerSec: round(tSat),
      pgTwoNodesToOneNodeSaturated: round(tSat / oSat, 3),
      pgOneNodeSaturatedCpuUsPerEntry: us(sides.oneSat, 'nodesCpu'),
      pgTwoNodesSaturatedCpuUsPerEntry: us(sides.twoSat, 'nodesCpu'),
      pgOneNodeSaturatedDbCpuUsPerEntry: us(sides.oneSat, 'dbCpu'),
      pgTwoNodesSaturatedDbCpuUsPerEntry: us(sides.twoSat, 'dbCpu'),
      errors: Object.values(sides).flat().reduce((n, x) => n + x.errors, 0),
    };
  } finally {
    for (const c of children) await c.stop();
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

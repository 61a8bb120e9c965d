/**
 * A/B of random full level-0 tile reads (`loadgen read … tiles`) on
 * PostgreSQL and SQLite: one log grown once in each store, then each build of
 * `cairn serve` (a dist directory's src/cli/main.js) serving its own copy of
 * both (a PostgreSQL database made from the grown one as a template, a copy
 * of the SQLite data directory), in alternating rounds (build by build, store
 * by store, the order reversed every other round) so that every side meets
 * the same background load. Also times `store.tile` alone in each store.
 *
 *   node dist/scripts/bench/tiles-ab.js <size> <rounds> <secs> <main.js>[@<serve arg>,…]… [--profile DIR] [--mode entries] [--connections N]
 *
 * e.g. `dist/src/cli/main.js@--tile-cache-mb,0` serves with those arguments added.
 *
 * Prints per side: requests/s, server CPU per request (µs, from /proc; the
 * PostgreSQL server's beside it), the worst round's p99 latency, and
 * PostgreSQL / SQLite of the same build; `--profile DIR` runs the servers
 * under `node --cpu-prof` (profiles written to DIR when they stop);
 * `--mode entries` reads random entries with their inclusion proofs
 * (`loadgen read … entries`) instead of tiles; `--connections N` loads
 * with N client connections instead of 64.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openLogFromConfig } from '../../src/cli/open-log.js';
import { loadConfig } from '../../src/config/index.js';
import type { AsyncLogStore } from '../../src/storage/index.js';
import { startPostgres } from '../../test/support/postgres.js';
import { growTo } from './grow.js';
import { cpuTotal, loadgen, startBuild, threadCpuSeconds, type BuildServer } from './procs.js';

/** CPU seconds of the PostgreSQL server: the postmaster `pid` and every process it started (Linux /proc). */
async function postgresCpuSeconds(pid: number): Promise<number> {
  const { readFile, readdir } = await import('node:fs/promises');
  let secs = 0;
  for (const p of await readdir('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = await readFile(`/proc/${p}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(p) === pid || Number(rest[1]) === pid) secs += (Number(rest[11]) + Number(rest[12])) / 100;
    } catch {
      // the process exited
    }
  }
  return secs;
}

/** µs per store.tile of a random full level-0 tile, `inFlight` at once, for `ms`. */
async function timeStoreTiles(store: AsyncLogStore, fullTiles: number, inFlight: number, ms: number): Promise<number> {
  let n = 0;
  const end = performance.now() + ms;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < end) {
        await store.tile(0, Math.floor(Math.random() * fullTiles));
        n++;
      }
    }),
  );
  return ((performance.now() - t0) * 1000) / n;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const p = args.indexOf('--profile');
  const profileDir = p < 0 ? undefined : resolve(args.splice(p, 2)[1] as string);
  const profFlags = profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`];
  const m = args.indexOf('--mode');
  const mode = m < 0 ? 'tiles' : (args.splice(m, 2)[1] as string);
  if (mode !== 'tiles' && mode !== 'entries') throw new Error(`--mode ${mode}: tiles or entries`);
  const c = args.indexOf('--connections');
  const connections = c < 0 ? '64' : (args.splice(c, 2)[1] as string);
  const [sizeArg, roundsArg, secsArg, ...mains] = args;
  const size = Number(sizeArg);
  const rounds = Number(roundsArg);
  const secs = Number(secsArg);
  const builds = mains.map((m) => {
    const [path, args] = m.split('@');
    return { mainJs: resolve(path as string), args: args === undefined ? [] : args.split(','), name: m };
  });
  const pgServer = await startPostgres();
  const dir = mkdtempSync(join(tmpdir(), 'cairn-tiles-ab-'));
  const log = (s: string): void => void process.stderr.write(`${s}\n`);
  try {
    const grownUrl = await pgServer.createDatabase();
    const grownDb = new URL(grownUrl).pathname.slice(1);
    for (const side of ['sqlite', 'pg'] as const) {
      const overrides = { dataDir: join(dir, side), publicUrl: 'http://127.0.0.1', batchMaxSize: 8192, poolMaxSize: 65_536, ...(side === 'pg' ? { databaseUrl: grownUrl } : {}) };
      const opened = await openLogFromConfig(loadConfig({ overrides }), undefined, { signEntryTimestamps: false });
      const t0 = performance.now();
      await growTo(opened.log, size, side === 'pg' ? 2_048 : 32_768);
      log(`grew ${side} to ${size} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      const full = Math.floor(size / 256);
      for (const inFlight of mode === 'tiles' ? [1, 16] : []) log(`store.tile ${side}, ${inFlight} in flight: ${(await timeStoreTiles(opened.store, full, inFlight, 2000)).toFixed(1)} µs/tile`);
      await opened.log.close();
      await opened.store.close();
    }
    const sides: Array<{ name: string; server: BuildServer }> = [];
    for (const [k, { mainJs, args: extra }] of builds.entries()) {
      cpSync(join(dir, 'sqlite'), join(dir, `sqlite-${k}`), { recursive: true });
      cpSync(join(dir, 'pg'), join(dir, `pg-${k}`), { recursive: true });
      await pgServer.query(`CREATE DATABASE copy_${k} TEMPLATE ${grownDb}`);
      sides.push({ name: `build${k}-sqlite`, server: await startBuild(mainJs, join(dir, `sqlite-${k}`), extra, profFlags) });
      sides.push({ name: `build${k}-pg`, server: await startBuild(mainJs, join(dir, `pg-${k}`), ['--database-url', pgServer.url(`copy_${k}`), ...extra], profFlags) });
    }
    const sums = new Map(sides.map((s) => [s.name, { ok: 0, secs: 0, cpu: 0, pgCpu: 0, errors: 0, p99Ms: 0 }]));
    const loads: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? sides : [...sides].reverse();
      for (const s of order) {
        const cpu0 = await threadCpuSeconds(s.server.pid);
        const pg0 = await postgresCpuSeconds(pgServer.pid);
        const res = await loadgen(['read', s.server.url, String(secs), connections, String(size), mode]);
        const cpu1 = await threadCpuSeconds(s.server.pid);
        const pg1 = await postgresCpuSeconds(pgServer.pid);
        const sum = sums.get(s.name)!;
        sum.ok += res.ok;
        sum.secs += res.seconds;
        sum.errors += res.errors;
        sum.p99Ms = Math.max(sum.p99Ms, res.p99Ms);
        sum.pgCpu += pg1 - pg0;
        sum.cpu += cpuTotal(cpu1) - cpuTotal(cpu0);
        loads.push(loadavg()[0] as number);
      }
    }
    for (const s of sides) await s.server.stop();
    const rate = (name: string): number => sums.get(name)!.ok / sums.get(name)!.secs;
    for (const s of sides) {
      const sum = sums.get(s.name)!;
      log(`${s.name}: ${rate(s.name).toFixed(1)} ${mode}/s, ${((sum.cpu * 1e6) / Math.max(1, sum.ok)).toFixed(0)} µs server CPU per request (+ ${((sum.pgCpu * 1e6) / Math.max(1, sum.ok)).toFixed(0)} µs PostgreSQL's), p99 ${sum.p99Ms.toFixed(1)} ms (worst round), ${sum.errors} errors`);
    }
    for (const k of builds.keys()) log(`build${k} (${builds[k]!.name}): PostgreSQL / SQLite ${(rate(`build${k}-pg`) / rate(`build${k}-sqlite`)).toFixed(3)}`);
    log(`load average (1 min) over the rounds: ${Math.min(...loads).toFixed(2)}-${Math.max(...loads).toFixed(2)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await pgServer.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`tiles-ab failed: ${String(err)}\n`);
  process.exit(1);
});

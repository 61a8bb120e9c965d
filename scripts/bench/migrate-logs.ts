/**
 * `cairn migrate` of a data dir holding all three logs (the Rekor v1 log, the
 * Rekor v2 tree and the admin log, each of `<entries>` entries, opened as
 * `cairn serve` opens them: test/support/data-dir-logs.ts) into PostgreSQL on
 * this machine (Debian's server, started as the tests do: fsync on), the real
 * CLI as a child process; beside it, in the same run, the v1 log alone (the
 * other two set aside), for what the other logs add.
 *
 *   node dist/scripts/bench/migrate-logs.js <entries> [rounds]
 *
 * Prints, per round, the wall time of each run and each log's copy and proof
 * times from the summary, and the load average.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { growDataDirLogs } from '../../test/support/data-dir-logs.js';
import { startPostgres } from '../../test/support/postgres.js';
import { MAIN_JS } from '../../test/support/server-process.js';

interface Summary {
  logs: { file: string; size: number; ms: { copy: number; prove: number } }[];
}

function migrate(data: string, url: string): Promise<{ ms: number; summary: Summary }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [MAIN_JS, 'migrate', '--from', data, '--to', url, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  return new Promise((resolve, reject) =>
    child.once('close', (code) => (code === 0 ? resolve({ ms: performance.now() - t0, summary: JSON.parse(stdout) as Summary }) : reject(new Error(`cairn migrate exited ${code}: ${stderr}`)))),
  );
}

const sec = (ms: number): string => (ms / 1000).toFixed(2);

async function main(): Promise<void> {
  const entries = Number(process.argv[2] ?? 20_000);
  const rounds = Number(process.argv[3] ?? 2);
  if (!Number.isSafeInteger(entries) || entries < 1 || !Number.isSafeInteger(rounds) || rounds < 1) throw new Error('usage: migrate-logs.js <entries> [rounds]');
  const pg = await startPostgres();
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-migrate-logs-'));
  try {
    const data = join(dir, 'data');
    const aside = join(dir, 'aside');
    mkdirSync(aside);
    const t0 = performance.now();
    const sizes = await growDataDirLogs(data, 'http://log.example.test', { v1: entries, v2: entries, admin: entries }, 'bench');
    console.log(`grown: v1 ${sizes.v1}, v2 ${sizes.v2}, admin ${sizes.admin} entries (${sec(performance.now() - t0)} s)`);
    const extras = readdirSync(data).filter((f) => f.startsWith('rekor-v2.db') || f.startsWith('admin-log.db'));
    for (let round = 0; round < rounds; round++) {
      // Alternate the order so both runs meet the same background load.
      for (const all of round % 2 === 0 ? [true, false] : [false, true]) {
        if (!all) for (const f of extras) renameSync(join(data, f), join(aside, f));
        try {
          const { ms, summary } = await migrate(data, await pg.createDatabase());
          const logs = summary.logs.map((l) => `${l.file} ${l.size}: copy ${sec(l.ms.copy)} s, proof ${sec(l.ms.prove)} s`).join('; ');
          console.log(`round ${round + 1}, ${all ? 'all three logs' : 'v1 log alone '}: ${sec(ms)} s (${logs}); load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
        } finally {
          if (!all) for (const f of extras) renameSync(join(aside, f), join(data, f));
        }
      }
    }
  } finally {
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

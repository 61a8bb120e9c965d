/**
 * `npm run bench -- --only migrate`: `cairn migrate` of a data dir into
 * PostgreSQL on this machine (Debian's server started here, as the tests do:
 * fsync on), the real CLI as a child process, for logs of 100,000 entries
 * (and 1,000,000 in a full run) grown through the log service: ~700-byte
 * bodies, two search keys and a SET each, a checkpoint per batch of 8,192.
 * Beside it, in the same run and on the same data dir, `cairn backup` (SQLite
 * copying the same rows itself, VACUUM INTO) as the baseline: the ratio holds
 * on a noisy machine. Skipped with a message when PostgreSQL is not installed.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openLogFromConfig } from '../../src/cli/open-log.js';
import { loadConfig } from '../../src/config/index.js';
import type { LogService, Submission } from '../../src/log/index.js';
import { leafHash } from '../../src/merkle/index.js';
import { MAIN_JS } from '../../test/support/server-process.js';
import { postgresBinDir, startPostgres } from '../../test/support/postgres.js';

type Figures = Record<string, number | string>;
const round = (x: number, d = 1): number => Number(x.toFixed(d));

function submission(i: number, salt: string): Submission {
  const digest = createHash('sha256').update(`${salt} artifact ${i}`).digest('hex');
  const body = Buffer.from(JSON.stringify({ apiVersion: '0.0.1', kind: 'hashedrekord', spec: { data: { hash: { algorithm: 'sha256', value: digest } }, signature: { content: 'x'.repeat(96), publicKey: { content: 'y'.repeat(480) } } } }));
  return { kind: 'raw', body, leafHash: leafHash(body), searchKeys: [`sha256:${digest}`, `email:signer${i % 1000}@example.com`] };
}

async function grow(log: LogService, target: number, salt: string, onProgress: (size: number) => void): Promise<void> {
  for (let size = log.reader.latest().size; size < target; ) {
    const end = Math.min(target, size + 16_384);
    const waits: Promise<unknown>[] = [];
    for (let i = size; i < end; i++) waits.push(log.submit(submission(i, salt)));
    await Promise.all(waits);
    size = end;
    onProgress(size);
  }
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [MAIN_JS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - t0 })));
}

export async function migrateBench(quick: boolean, log: (s: string) => void): Promise<Figures> {
  if (postgresBinDir() === undefined) {
    log('  migrate: skipped (PostgreSQL is not installed: apt-get install postgresql)');
    return { skipped: 'postgresql not installed' };
  }
  const sizes = quick ? [100_000] : [100_000, 1_000_000];
  const figures: Figures = {};
  const pg = await startPostgres();
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-migrate-'));
  try {
    const data = join(dir, 'data');
    const config = loadConfig({ overrides: { dataDir: data, publicUrl: 'http://127.0.0.1', batchMaxSize: 8192, poolMaxSize: 65_536 } });
    const t0 = performance.now();
    for (const size of sizes) {
      const opened = await openLogFromConfig(config);
      await grow(opened.log, size, 'bench', (s) => {
        if (s % 200_000 === 0) log(`  migrate: grown to ${s} entries (${round((performance.now() - t0) / 1000)} s)`);
      });
      await opened.log.close();
      opened.store.close();
      const backup = await run(['backup', '--data-dir', data, '--to', join(dir, `backup-${size}.db`)]);
      if (backup.code !== 0) throw new Error(`cairn backup failed: ${backup.stderr}`);
      const url = await pg.createDatabase();
      const migrated = await run(['migrate', '--from', data, '--to', url, '--json']);
      if (migrated.code !== 0) throw new Error(`cairn migrate failed (${migrated.code}): ${migrated.stderr}`);
      const s = JSON.parse(migrated.stdout) as { size: number; searchKeys: number; checkpoints: number; ms: { copy: number; prove: number; total: number } };
      const k = size >= 1_000_000 ? `${size / 1_000_000}M` : `${size / 1000}k`;
      figures[`${k} migrate s`] = round(migrated.ms / 1000);
      figures[`${k} copy s`] = round(s.ms.copy / 1000);
      figures[`${k} proof s`] = round(s.ms.prove / 1000);
      figures[`${k} entries/s`] = Math.round(s.size / (migrated.ms / 1000));
      figures[`${k} search keys`] = s.searchKeys;
      figures[`${k} backup s (baseline)`] = round(backup.ms / 1000);
      figures[`${k} migrate/backup`] = round(migrated.ms / backup.ms, 2);
      log(`  migrate: ${k}: ${round(migrated.ms / 1000)} s (copy ${round(s.ms.copy / 1000)} s, proof ${round(s.ms.prove / 1000)} s); backup ${round(backup.ms / 1000)} s`);
    }
  } finally {
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

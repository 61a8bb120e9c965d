/**
 * The asynchronous log destination (src/cli/log-destination.ts): lines in
 * order, urgent lines out at once, flush, the bound on what waits in memory, no lines lost at exit,
 * and an event loop that keeps turning while nobody reads stderr. The last
 * two on real child processes and pipes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asyncLogDestination } from '../../src/cli/log-destination.js';

const MODULE = new URL('../../src/cli/log-destination.js', import.meta.url).href;

/** Run `code` (an ES module body; `asyncLogDestination` is imported) in a child node; resolves with its exit and output once `until` says so. */
function child(code: string, opts: { readStderr: boolean; until?: (stdout: string) => boolean }): Promise<{ code: number | null; stdout: string; stderr: string; kill(): void }> {
  const p = spawn(process.execPath, ['--input-type=module', '-e', `import { asyncLogDestination } from ${JSON.stringify(MODULE)};\n${code}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  if (opts.readStderr) p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  return new Promise((resolve) => {
    const done = (c: number | null): void => resolve({ code: c, stdout, stderr, kill: () => p.kill('SIGKILL') });
    if (opts.until !== undefined) {
      const until = opts.until;
      p.stdout.on('data', () => {
        if (until(stdout)) done(null);
      });
    }
    p.once('close', (c) => done(c));
  });
}

describe('asyncLogDestination', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-logdest-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('when lines are written', () => {
    it('writes them in order, and flush resolves once all are written', async () => {
      const path = join(dir, 'log');
      const fd = openSync(path, 'w');
      try {
        const dest = asyncLogDestination(fd);
        const lines = Array.from({ length: 2_000 }, (_, i) => `{"n":${i}}\n`);
        for (const [i, l] of lines.entries()) {
          dest.write(l);
          if (i % 500 === 0) await new Promise((r) => setImmediate(r)); // some in flight, some queued
        }
        await dest.flush();
        assert.equal(readFileSync(path, 'utf8'), lines.join(''));
        assert.equal(dest.dropped, 0);
      } finally {
        closeSync(fd);
      }
    });
  });

  describe('when a line comes the urgent way', () => {
    it('is written before the call returns when nothing waits, else after the queued lines, in order', async () => {
      const path = join(dir, 'log');
      const fd = openSync(path, 'w');
      try {
        const dest = asyncLogDestination(fd);
        dest.urgent.write('serving\n');
        assert.equal(readFileSync(path, 'utf8'), 'serving\n');
        dest.write('request 1\n');
        dest.write('request 2\n');
        dest.urgent.write('stopping\n');
        dest.write('request 3\n');
        await dest.flush();
        assert.equal(readFileSync(path, 'utf8'), 'serving\nrequest 1\nrequest 2\nstopping\nrequest 3\n');
      } finally {
        closeSync(fd);
      }
    });
  });

  describe('when more than the bound waits in memory', () => {
    it('drops the lines beyond it, counts them, and says so in a warn line after the lines it kept', async () => {
      const path = join(dir, 'log');
      const fd = openSync(path, 'w');
      try {
        const dest = asyncLogDestination(fd, 100);
        const line = `${'x'.repeat(28)}\n`; // 29 characters: three fit in 100
        for (let i = 0; i < 10; i++) dest.write(line); // one turn: nothing written yet
        assert.equal(dest.dropped, 7);
        await dest.flush();
        dest.write('after\n');
        await dest.flush();
        const out = readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');
        assert.deepEqual(out.slice(0, 3), [line.trim(), line.trim(), line.trim()]);
        const warn = JSON.parse(out[3]!) as Record<string, unknown>;
        assert.equal(warn['level'], 40);
        assert.equal(warn['dropped'], 7);
        assert.equal(warn['pid'], process.pid);
        assert.match(String(warn['msg']), /dropped/);
        assert.equal(out[4], 'after');
      } finally {
        closeSync(fd);
      }
    });
  });

  describe('when the process exits right after logging', () => {
    it('writes every line queued before the exit', async () => {
      const r = await child('const d = asyncLogDestination(2); for (let i = 0; i < 5000; i++) d.write(`{"n":${i}}\\n`); process.exit(0);', { readStderr: true });
      assert.equal(r.code, 0);
      const lines = r.stderr.split('\n').filter((l) => l !== '');
      assert.equal(lines.length, 5000);
      assert.deepEqual(lines.map((l) => (JSON.parse(l) as { n: number }).n), Array.from({ length: 5000 }, (_, i) => i));
    });
  });

  describe('when nobody reads stderr', () => {
    it('never blocks the event loop: lines queue up to the bound and the process keeps running', async function () {
      this.timeout(20_000);
      // 8 MB of lines, far beyond a pipe's capacity (64 KiB): a synchronous write would block on the first full pipe.
      const code = `
        const d = asyncLogDestination(2, 1024 * 1024);
        const line = 'y'.repeat(1023) + '\\n';
        let turns = 0;
        const tick = () => {
          for (let i = 0; i < 1024; i++) d.write(line);
          if (++turns === 8) process.stdout.write('alive ' + d.dropped + '\\n');
          else setImmediate(tick);
        };
        tick();
        setInterval(() => undefined, 1000);`;
      const r = await child(code, { readStderr: false, until: (out) => out.includes('alive') });
      r.kill();
      const dropped = Number(/alive (\d+)/.exec(r.stdout)?.[1]);
      assert.ok(dropped > 0, `lines beyond the bound were dropped (${r.stdout.trim()})`);
    });
  });
});

/**
 * One `cairn serve` per data dir: a second one is refused (exit 5) naming
 * the holder; a server killed with SIGKILL does not block the next start;
 * a clean stop removes the lock file.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../../src/cli/exit-codes.js';
import { LOCK_FILE } from '../../src/cli/data-dir-lock.js';
import { describeRun, runCairn } from '../support/cairn-cli.js';
import { startServer } from '../support/server-process.js';

describe('the data dir lock of cairn serve', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a second server on the same data dir, and lets a new one start after the first is SIGKILLed', async () => {
    const first = await startServer(['--data-dir', dir, '--startup-check', 'fast']);
    try {
      const lock = join(dir, LOCK_FILE);
      assert.equal(readFileSync(lock, 'utf8').split('\n')[0], String(first.child.pid));
      const second = await runCairn(['serve', '--port', '0', '--data-dir', dir]);
      assert.equal(second.status, EXIT.LOCKED, describeRun(second));
      assert.match(second.stderr, new RegExp(`in use by another cairn serve \\(pid ${first.child.pid}, lock file .*cairn\\.lock\\)`));
      assert.equal(readFileSync(lock, 'utf8').split('\n')[0], String(first.child.pid), 'the refused server left the lock alone');
    } finally {
      assert.equal((await first.stop('SIGKILL')).signal, 'SIGKILL');
    }
    assert.ok(existsSync(join(dir, LOCK_FILE)), 'a killed server leaves its lock file behind');

    const next = await startServer(['--data-dir', dir, '--startup-check', 'fast']);
    assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8').split('\n')[0], String(next.child.pid), 'the stale lock was taken over');
    // An answered request: the server is up past its start (its signal handlers are installed).
    const ready = await fetch(`${next.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { ready: true, treeSize: 0 });
    const stopped = await next.stop('SIGTERM');
    assert.equal(stopped.code, 0, `${JSON.stringify(stopped)}\n${next.logs.join('\n')}`);
    assert.equal(existsSync(join(dir, LOCK_FILE)), false, 'a clean stop removes the lock file');
  });

  it('stops cleanly (exit 0, lock removed) on a SIGTERM sent the moment it says serving', async () => {
    for (let i = 0; i < 3; i++) {
      const server = await startServer(['--data-dir', dir, '--startup-check', 'fast']);
      const stopped = await server.stop('SIGTERM');
      assert.equal(stopped.code, 0, `${JSON.stringify(stopped)}\n${server.logs.join('\n')}`);
      assert.equal(existsSync(join(dir, LOCK_FILE)), false, 'a clean stop removes the lock file');
    }
  });
});

/**
 * The Rekor v2 tree of a real `cairn serve` (src/cli/open-v2-log.ts): kept in
 * `rekor-v2.db` in the data dir across restarts (entries, dedup, checkpoint);
 * a start is refused when the file is not a database; when the tree the log
 * created is missing (a data dir restored from a backup of cairn.db alone),
 * the v1 log serves and no v2 tree does (a new one would fork it under the
 * same origin and keys).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../support/server-process.js';
import { ecKey, hashedRekordV2 } from '../support/http.js';

describe('cairn serve: the Rekor v2 tree (the real process)', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-v2-tree-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const post = (url: string, body: unknown): Promise<Response> =>
    fetch(`${url}/api/v2/log/entries`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

  it('keeps its entries, checkpoint and duplicates across a restart, in rekor-v2.db', async () => {
    const data = join(dir, 'data');
    const entry = hashedRekordV2(ecKey(), 'kept across restarts');
    const s1 = await startServer(['--data-dir', data, '--public-url', 'http://log.example.test']);
    let checkpoint: string;
    try {
      assert.equal((await post(s1.url, entry)).status, 201);
      checkpoint = await (await fetch(`${s1.url}/api/v2/checkpoint`)).text();
      assert.match(checkpoint, /^log\.example\.test\n1\n/);
    } finally {
      assert.equal((await s1.stop()).code, 0);
    }
    assert.ok(existsSync(join(data, 'rekor-v2.db')));
    const s2 = await startServer(['--data-dir', data, '--public-url', 'http://log.example.test']);
    try {
      assert.equal(await (await fetch(`${s2.url}/api/v2/checkpoint`)).text(), checkpoint);
      const dup = await post(s2.url, entry);
      assert.equal(dup.status, 409);
      assert.equal(dup.headers.get('x-log-index'), '0');
    } finally {
      await s2.stop();
    }
  });

  it('refuses to start (exit 2) when rekor-v2.db is not a database', async () => {
    const data = join(dir, 'data');
    const s1 = await startServer(['--data-dir', data, '--public-url', 'http://log.example.test']);
    await s1.stop();
    writeFileSync(join(data, 'rekor-v2.db'), Buffer.alloc(8192, 0x41));
    await assert.rejects(startServer(['--data-dir', data, '--public-url', 'http://log.example.test']), /exited before serving \(\{"code":2/);
  });

  it('serves the v1 log but no v2 tree when the v2 tree this log created is missing, and creates none', async () => {
    const data = join(dir, 'data');
    const s1 = await startServer(['--data-dir', data, '--public-url', 'http://log.example.test']);
    assert.equal((await post(s1.url, hashedRekordV2(ecKey(), 'then lost'))).status, 201);
    await s1.stop();
    for (const f of readdirSync(data).filter((n) => n.startsWith('rekor-v2.db'))) rmSync(join(data, f));
    const s2 = await startServer(['--data-dir', data, '--public-url', 'http://log.example.test']);
    try {
      assert.ok(s2.logs.some((l) => /Rekor v2 tree is not served/.test(l) && /is missing/.test(l)), s2.logs.join('\n'));
      assert.equal((await post(s2.url, hashedRekordV2(ecKey(), 'refused'))).status, 404);
      assert.equal((await fetch(`${s2.url}/api/v2/checkpoint`)).status, 404);
      assert.equal((await fetch(`${s2.url}/api/v1/log`)).status, 200);
      assert.equal(existsSync(join(data, 'rekor-v2.db')), false);
    } finally {
      await s2.stop();
    }
  });
});

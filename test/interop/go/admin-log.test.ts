/**
 * The admin audit log checked by Go's x/mod (sumdb/note, sumdb/tlog) on the
 * real server: its checkpoint verifies with the log's vkey, its tree is
 * recomputed from its tiles (past a full tile, so level-1 tiles too), its
 * entry bundles hash to the leaves, and a later checkpoint is consistent with
 * an earlier one.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCheckpoint } from '../../../src/note/index.js';
import { ADMIN_TOKEN, adminCall, adminCode, readAdminLog, startAdminServer } from '../../support/admin-server.js';
import { requireGoOrSkip, runGoTool } from '../../support/go.js';
import { getBytes } from '../../support/http-client.js';
import type { ServerProcess } from '../../support/server-process.js';

describe('the admin audit log, checked by Go x/mod', function () {
  this.timeout(120_000);
  let dir: string;
  let server: ServerProcess | undefined;
  before(async function () {
    await requireGoOrSkip(this);
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-admin-go-'));
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('verifies the checkpoint with the vkey and recomputes the tree from the tiles', async () => {
    server = await startAdminServer(dir);
    const url = server.url;
    const vkey = (await getBytes(url, '/api/v1/log/vkey')).toString('utf8').trim();
    const base = `${url}/api/v1/admin-log`;

    const refused = (n: number, tag: string) => Promise.all(Array.from({ length: n }, (_, i) => adminCall(url, '/api/v1/admin/tokens/reload', { requestId: `${tag}-${i}` })));
    assert.ok((await refused(40, 'a')).every((a) => a.status === 401));
    assert.equal((await adminCall(url, '/api/v1/admin/tokens/reload', { token: ADMIN_TOKEN, otp: adminCode() })).status, 200);
    const early = await readAdminLog(url);
    assert.equal(early.size, 42);
    const earlyRoot = Buffer.from(parseCheckpoint(early.note.split('\n\n')[0]! + '\n').root).toString('hex');
    for (let k = 0; k < 6; k++) assert.ok((await refused(40, `b${k}`)).every((a) => a.status === 401));
    const late = await readAdminLog(url);
    assert.equal(late.size, 282);

    const note = await runGoTool(['verify-note', vkey], late.note);
    assert.equal(note.code, 0, note.stderr);
    assert.match(note.stdout, /\/admin - [0-9]+\n282\n/);
    const tiles = await runGoTool(['verify-tiles', base, vkey, '--old-size', '42', '--old-root', earlyRoot]);
    assert.equal(tiles.code, 0, tiles.stderr);
    const summary = JSON.parse(tiles.stdout) as { ok: boolean; size: number; origin: string };
    assert.deepEqual([summary.ok, summary.size], [true, 282]);
    assert.match(summary.origin, /\/admin - [0-9]+$/);

    // The log's own checkpoint is not the admin log's: Go refuses the admin log's tiles for another tree.
    const wrongVkey = vkey.replace(/^[^+]+/, 'someone-else.example');
    assert.notEqual((await runGoTool(['verify-tiles', base, wrongVkey])).code, 0);
  });
});

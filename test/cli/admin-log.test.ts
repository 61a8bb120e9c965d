/**
 * The admin audit log on the real server (src/cli/admin-log.ts,
 * src/log/admin-log.ts, src/http/routes/admin-log.ts): every admin request,
 * refused or allowed, is an entry of a second log with its own origin and
 * checkpoints signed by the note key; an allowed operation's record is
 * durable before its answer (a SIGKILL right after the 200 loses nothing).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openNote, parseCheckpoint, parseVkey } from '../../src/note/index.js';
import { ADMIN_TOKEN, SUBMIT_TOKEN, adminCall, adminCode, errorCode, readAdminLog, startAdminServer } from '../support/admin-server.js';
import { getBytes } from '../support/http-client.js';
import type { ServerProcess } from '../support/server-process.js';

const RELOAD = '/api/v1/admin/tokens/reload';

describe('the admin audit log', function () {
  this.timeout(60_000);
  let dir: string;
  let server: ServerProcess | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-admin-log-'));
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('records every admin request, refused or allowed, in a log signed by the note key', async () => {
    server = await startAdminServer(dir);
    const url = server.url;
    const empty = await readAdminLog(url);
    assert.equal(empty.size, 0);

    assert.equal((await adminCall(url, RELOAD, { requestId: 'no-token' })).status, 401);
    assert.equal((await adminCall(url, RELOAD, { token: SUBMIT_TOKEN, otp: adminCode(), requestId: 'no-role' })).status, 403);
    assert.equal(errorCode(await adminCall(url, RELOAD, { token: ADMIN_TOKEN, requestId: 'no-code' })), 'OTP_REQUIRED');
    const good = adminCode();
    const wrong = String((Number(good) + 1) % 1_000_000).padStart(6, '0');
    assert.equal(errorCode(await adminCall(url, RELOAD, { token: ADMIN_TOKEN, otp: wrong, requestId: 'wrong-code' })), 'OTP_INVALID');
    assert.equal((await adminCall(url, RELOAD, { token: ADMIN_TOKEN, otp: good, requestId: 'allowed' })).status, 200);
    assert.equal(errorCode(await adminCall(url, RELOAD, { token: ADMIN_TOKEN, otp: good, requestId: 'reused' })), 'OTP_REUSED');
    assert.equal((await adminCall(url, '/api/v1/admin/no-such-operation', { token: ADMIN_TOKEN, otp: adminCode(30_000), requestId: 'unknown' })).status, 404);

    const { note, size, records } = await readAdminLog(url);
    assert.equal(size, records.length);
    assert.deepEqual(
      records.map((r) => [r['requestId'], r['event'], r['who'], r['operation'], r['status'], r['reason']]),
      [
        ['no-token', 'refused', null, `POST ${RELOAD}`, 401, 'UNAUTHENTICATED'],
        ['no-role', 'refused', 'ci', `POST ${RELOAD}`, 403, 'FORBIDDEN'],
        ['no-code', 'refused', 'ops', `POST ${RELOAD}`, 401, 'OTP_REQUIRED'],
        ['wrong-code', 'refused', 'ops', `POST ${RELOAD}`, 401, 'OTP_INVALID'],
        ['allowed', 'authorized', 'ops', `POST ${RELOAD}`, null, null],
        ['allowed', 'completed', 'ops', `POST ${RELOAD}`, 200, null],
        ['reused', 'refused', 'ops', `POST ${RELOAD}`, 401, 'OTP_REUSED'],
        ['unknown', 'authorized', 'ops', 'POST /api/v1/admin/no-such-operation', null, null],
        ['unknown', 'completed', 'ops', 'POST /api/v1/admin/no-such-operation', 404, 'NOT_FOUND'],
      ],
    );
    for (const r of records) {
      assert.equal(r['type'], 'cairn-admin-record/v1');
      assert.match(String(r['client']), /^127\.0\.0\.1$|^::ffff:127\.0\.0\.1$/);
      assert.ok(Math.abs(Number(r['time']) - Date.now()) < 60_000);
    }

    // Its checkpoint: its own origin, one signature line by the note key (the log's vkey).
    const vkey = (await getBytes(url, '/api/v1/log/vkey')).toString('utf8').trim();
    const text = openNote(note, [parseVkey(vkey)]).text;
    const cp = parseCheckpoint(text);
    const logOrigin = parseCheckpoint((await getBytes(url, '/checkpoint')).toString('utf8').split('\n\n')[0]! + '\n').origin;
    assert.match(cp.origin, /\/admin - [1-9][0-9]*$/);
    assert.equal(cp.origin.split('/admin - ')[0], logOrigin.split(' - ')[0]);
    assert.notEqual(cp.origin, logOrigin);
    assert.equal(note.split('\n\n')[1]!.trim().split('\n').length, 1);
    assert.equal((await getBytes(url, '/api/v1/admin-log')).toString('utf8'), note);
    // Reading it is not an admin operation.
    assert.equal((await readAdminLog(url)).size, size);
  });

  it('has the record of an operation on disk before its answer: a SIGKILL right after the 200 loses nothing', async () => {
    server = await startAdminServer(dir);
    const answers = await Promise.all([0, 1, 2].map((i) => adminCall(server!.url, '/api/v1/admin/nothing-here', { token: ADMIN_TOKEN, otp: i === 0 ? adminCode() : 'x', requestId: `op-${i}` })));
    const ok = await adminCall(server.url, RELOAD, { token: ADMIN_TOKEN, otp: adminCode(30_000), requestId: 'last-op' });
    server.child.kill('SIGKILL'); // no drain, no clean close: only what was durable survives
    await server.exited;
    assert.deepEqual(answers.map((a) => a.status).sort(), [401, 401, 404]);
    assert.equal(ok.status, 200);
    server = await startAdminServer(dir);
    const { records } = await readAdminLog(server.url);
    const byId = (id: string): unknown[] => records.filter((r) => r['requestId'] === id).map((r) => `${String(r['event'])} ${String(r['status'])}`);
    assert.deepEqual(byId('last-op'), ['authorized null', 'completed 200']);
    assert.deepEqual([...byId('op-0'), ...byId('op-1'), ...byId('op-2')].sort(), ['authorized null', 'completed 404', 'refused 401', 'refused 401']);
  });
});

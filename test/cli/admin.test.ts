/**
 * `cairn admin` (src/cli/admin.ts) against the real server: the token from
 * CAIRN_TOKEN, the code from --otp, refusals printed with their status and
 * code (exit 1), and `audit-log` verifying and printing the admin log (exit 1
 * when it does not verify with the given vkey).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { formatVkey, ed25519PublicKeyBytes } from '../../src/note/index.js';
import { ADMIN_TOKEN, SUBMIT_TOKEN, adminCode, startAdminServer } from '../support/admin-server.js';
import { describeRun, runCairn } from '../support/cairn-cli.js';
import { getBytes } from '../support/http-client.js';
import type { ServerProcess } from '../support/server-process.js';
import { testApp } from '../support/http.js';

describe('cairn admin', function () {
  this.timeout(90_000);
  let dir: string;
  let server: ServerProcess;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-admin-cli-'));
    server = await startAdminServer(dir);
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const admin = (args: string[], token?: string) => runCairn(['admin', ...args], token === undefined ? { CAIRN_TOKEN: '' } : { CAIRN_TOKEN: token });

  it('refuses bad usage with exit 2: no operation, an unknown one, no --url, no CAIRN_TOKEN, a malformed code', async () => {
    for (const [args, token, message] of [
      [[], ADMIN_TOKEN, /an operation is required/],
      [['reboot', '--url', server.url], ADMIN_TOKEN, /unknown operation "reboot"/],
      [['reload-tokens'], ADMIN_TOKEN, /--url URL/],
      [['reload-tokens', '--url', server.url], undefined, /CAIRN_TOKEN/],
      [['reload-tokens', '--url', server.url, '--otp', '12ab56'], ADMIN_TOKEN, /--otp must be/],
    ] as const) {
      const r = await admin([...args], token);
      assert.equal(r.status, 2, describeRun(r));
      assert.match(r.stderr, message);
    }
  });

  it('runs reload-tokens with the code, and prints refusals with their status and code (exit 1)', async () => {
    const noCode = await admin(['reload-tokens', '--url', server.url], ADMIN_TOKEN);
    assert.equal(noCode.status, 1, describeRun(noCode));
    assert.match(noCode.stderr, /401 OTP_REQUIRED: .*\(pass the current code with --otp CODE\)/);
    const noRole = await admin(['reload-tokens', '--url', server.url, '--otp', adminCode()], SUBMIT_TOKEN);
    assert.equal(noRole.status, 1, describeRun(noRole));
    assert.match(noRole.stderr, /403 FORBIDDEN/);
    const ok = await admin(['reload-tokens', '--url', server.url, '--otp', adminCode()], ADMIN_TOKEN);
    assert.equal(ok.status, 0, describeRun(ok));
    assert.deepEqual(JSON.parse(ok.stdout), { tokens: 2, admins: 1 });
  });

  it('rotate: says so clearly when the server does not offer it, else runs it', async () => {
    const offered = (await testApp()).app.routes.some((r) => r.method === 'POST' && r.path === '/api/v1/admin/rotate');
    const r = await admin(['rotate', '--url', server.url, '--otp', adminCode(30_000)], ADMIN_TOKEN);
    if (offered) {
      assert.doesNotMatch(r.stderr, /does not offer/);
    } else {
      assert.equal(r.status, 1, describeRun(r));
      assert.match(r.stderr, /^cairn admin rotate: the server refused: 404 NOT_FOUND: .*\(this server does not offer "rotate"\)$/m);
    }
  });

  it('audit-log verifies the admin log and prints its records; a wrong vkey fails it (exit 1)', async () => {
    const vkey = (await getBytes(server.url, '/api/v1/log/vkey')).toString('utf8').trim();
    const r = await admin(['audit-log', '--url', server.url, '--vkey', vkey]);
    assert.equal(r.status, 0, describeRun(r));
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0]!, /^admin log \S+\/admin - [0-9]+: [0-9]+ records, root [0-9a-f]{64}, verified$/);
    assert.ok(lines.some((l) => / refused 401 who=ops POST \/api\/v1\/admin\/tokens\/reload reason=OTP_REQUIRED /.test(l)), r.stdout);
    assert.ok(lines.some((l) => / completed 200 who=ops POST \/api\/v1\/admin\/tokens\/reload reason=- /.test(l)), r.stdout);

    const json = await admin(['audit-log', '--url', server.url, '--json']);
    assert.equal(json.status, 0, describeRun(json));
    const doc = JSON.parse(json.stdout) as { size: number; records: Array<Record<string, unknown>> };
    assert.equal(doc.records.length, doc.size);
    assert.ok(doc.size >= 5);

    const other = formatVkey(vkey.split('+')[0]!, 0x01, ed25519PublicKeyBytes(generateKeyPairSync('ed25519').publicKey));
    const bad = await admin(['audit-log', '--url', server.url, '--vkey', other]);
    assert.equal(bad.status, 1, describeRun(bad));
    assert.match(bad.stderr, /the admin log does not verify/);
  });

  it('exits 3 when the server cannot be reached', async () => {
    const r = await admin(['reload-tokens', '--url', 'http://127.0.0.1:9', '--otp', '123456'], ADMIN_TOKEN);
    assert.equal(r.status, 3, describeRun(r));
  });
});

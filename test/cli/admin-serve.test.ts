/**
 * Admin operations on the real server (src/cli/serve.ts, signals.ts,
 * totp-secret.ts): `cairn totp-secret` makes the secret, serve refuses a
 * secret file others may read, the tokens file reloads on
 * POST /api/v1/admin/tokens/reload and on SIGHUP (a refused file keeps the
 * tokens in force), and admin requests need the one-time code.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base32Decode, tokenSha256Hex, totp } from '../../src/http/index.js';
import { readAdminLog } from '../support/admin-server.js';
import { nextLogLine } from '../support/admission-world.js';
import { describeRun, runCairn } from '../support/cairn-cli.js';
import { httpRequest } from '../support/http-client.js';
import { startCommand, startServer, type ServerProcess } from '../support/server-process.js';
import { parseNote } from '../../src/note/index.js';
import { ecKey, hashedRekord } from '../support/http.js';

const ADMIN = 'cairn_admin-token-for-serve-tests';
const LATER = 'cairn_admin-token-added-later';
const entry = (name: string, token: string, roles: string[]): Record<string, unknown> => ({ name, sha256: tokenSha256Hex(token), roles });

describe('admin operations on cairn serve', function () {
  this.timeout(60_000);
  let dir: string;
  let server: ServerProcess | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-admin-serve-'));
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const tokensFile = (list: unknown): string => {
    const path = join(dir, 'tokens.json');
    writeFileSync(path, typeof list === 'string' ? list : JSON.stringify({ tokens: list }));
    chmodSync(path, 0o600);
    return path;
  };
  const makeSecret = async (): Promise<{ path: string; secret: Uint8Array; stdout: string }> => {
    const path = join(dir, 'admin-totp');
    const r = await runCairn(['totp-secret', '--out', path, '--label', 'ops@example']);
    assert.equal(r.status, 0, describeRun(r));
    return { path, secret: base32Decode(readFileSync(path, 'utf8')), stdout: r.stdout };
  };
  const admin = (token: string, otp?: string) =>
    httpRequest(server!.url, 'POST', '/api/v1/admin/tokens/reload', { headers: { authorization: `Bearer ${token}`, ...(otp === undefined ? {} : { 'x-cairn-otp': otp }) } });
  const errorOf = (a: { body: Buffer }): unknown => (JSON.parse(a.body.toString('utf8')) as { error?: unknown }).error;

  it('cairn totp-secret writes a 0600 base32 secret and prints its otpauth:// URI; it never overwrites', async () => {
    const { path, secret, stdout } = await makeSecret();
    assert.equal(secret.length, 20);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const uri = new URL(/otpauth:\/\/\S+/.exec(stdout)![0]);
    assert.equal(uri.host, 'totp');
    assert.equal(decodeURIComponent(uri.pathname), '/Cairn:ops@example');
    assert.deepEqual(Buffer.from(base32Decode(uri.searchParams.get('secret')!)), Buffer.from(secret));
    assert.deepEqual([uri.searchParams.get('algorithm'), uri.searchParams.get('digits'), uri.searchParams.get('period')], ['SHA1', '6', '30']);
    const again = await runCairn(['totp-secret', '--out', path]);
    assert.equal(again.status, 2, describeRun(again));
    const help = await runCairn(['totp-secret', '--help']);
    assert.equal(help.status, 0);
    assert.ok(help.stdout.split('\n').every((l) => l.length <= 80), help.stdout);
  });

  it('refuses to start with a secret file group or others may read, or without --tokens-file', async () => {
    const { path } = await makeSecret();
    chmodSync(path, 0o640);
    const tokens = tokensFile([entry('ops', ADMIN, ['admin'])]);
    const r = await runCairn(['serve', '--port', '0', '--data-dir', join(dir, 'data'), '--tokens-file', tokens, '--admin-totp-secret-file', path]);
    assert.equal(r.status, 2, describeRun(r));
    assert.match(r.stderr, /may be read or written by group or others .*chmod 600/);
    chmodSync(path, 0o600);
    const r2 = await runCairn(['serve', '--port', '0', '--data-dir', join(dir, 'data'), '--admin-totp-secret-file', path]);
    assert.equal(r2.status, 2, describeRun(r2));
    assert.match(r2.stderr, /--admin-totp-secret-file needs --tokens-file/);
  });

  it('reloads the tokens file on SIGHUP and on the admin route; a refused file keeps the tokens in force', async () => {
    const { path: secretFile, secret } = await makeSecret();
    const tokens = tokensFile([entry('ops', ADMIN, ['admin'])]);
    server = await startServer(['--data-dir', join(dir, 'data'), '--tokens-file', tokens, '--admin-totp-secret-file', secretFile]);
    const code = (skewMs = 0): string => totp(secret, Date.now() + skewMs);

    assert.equal(errorOf(await admin(ADMIN)), 'OTP_REQUIRED');
    assert.equal(errorOf(await admin(LATER, code())), 'UNAUTHENTICATED');

    // a new admin token, loaded by SIGHUP
    tokensFile([entry('ops', ADMIN, ['admin']), entry('later', LATER, ['admin'])]);
    let reloaded = nextLogLine(server, 'tokens reloaded');
    server.child.kill('SIGHUP');
    assert.equal((await reloaded)['tokens'], 2);
    const c = code();
    const ok = await admin(LATER, c);
    assert.equal(ok.status, 200, ok.body.toString());
    assert.deepEqual(JSON.parse(ok.body.toString()), { tokens: 2, admins: 2 });
    assert.equal(errorOf(await admin(LATER, c)), 'OTP_REUSED');

    // a broken file: SIGHUP and the route refuse it, the tokens in force stay
    tokensFile('{"tokens": [');
    const refused = nextLogLine(server, 'SIGHUP: the tokens file was refused; the tokens in force stay in force');
    server.child.kill('SIGHUP');
    await refused;
    const bad = await admin(ADMIN, code());
    assert.equal(bad.status, 422, bad.body.toString());
    assert.equal(errorOf(bad), 'RELOAD_REFUSED');
    assert.equal(errorOf(await admin(LATER, code(30_000))), 'RELOAD_REFUSED'); // LATER still in force

    // the server is still alive and serving after the signals
    tokensFile([entry('ops', ADMIN, ['admin'])]);
    reloaded = nextLogLine(server, 'tokens reloaded');
    server.child.kill('SIGHUP');
    await reloaded;
    assert.equal(errorOf(await admin(LATER, code(30_000))), 'UNAUTHENTICATED');
    // each SIGHUP is in the admin log, with its outcome
    const { records } = await readAdminLog(server.url);
    assert.deepEqual(
      records.filter((r) => r['client'] === 'signal').map((r) => [r['operation'], r['status'], r['reason'], r['who']]),
      [['SIGHUP tokens/reload', 200, null, null], ['SIGHUP tokens/reload', 422, 'RELOAD_REFUSED', null], ['SIGHUP tokens/reload', 200, null, null]],
    );
    const stopped = await server.stop();
    server = undefined;
    assert.equal(stopped.code, 0);
  });

  it('reloads the witnesses from the settings (the --config file) on POST /api/v1/admin/witnesses/reload', async () => {
    const tokens = tokensFile([entry('ops', ADMIN, ['admin'])]);
    const configFile = join(dir, 'cairn.json');
    const writeConfig = (witnesses: unknown): void => writeFileSync(configFile, JSON.stringify({ witnessBackoffMs: 20, witnessIntervalMs: 50, witnesses }));
    writeConfig([]);
    server = await startServer(['--data-dir', join(dir, 'data'), '--tokens-file', tokens, '--config', configFile]);
    const reload = () => httpRequest(server!.url, 'POST', '/api/v1/admin/witnesses/reload', { headers: { authorization: `Bearer ${ADMIN}` } });
    const info = (await (await fetch(`${server.url}/api/v1/log`)).json()) as { treeID: string };
    const vkey = (await (await fetch(`${server.url}/api/v1/log/vkey`)).text()).trim();
    const witness = await startCommand('witness', ['--data-dir', join(dir, 'w1'), '--name', 'w1.example', '--log', `localhost:3000 - ${info.treeID}=${vkey}`]);
    try {
      const wline = JSON.parse(witness.logs.find((l) => l.includes('"msg":"serving"'))!) as { vkey: string };
      writeConfig([{ url: witness.url, vkey: wline.vkey }]);
      const ok = await reload().catch((e: unknown) => { throw new Error(`${String(e)}\n${server!.logs.slice(-20).join("\n")}`); });
      assert.equal(ok.status, 200, ok.body.toString());
      assert.deepEqual(JSON.parse(ok.body.toString()), { witnesses: [{ name: 'w1.example', url: witness.url }] });

      // the new witness cosigns what the log publishes next
      const r = await fetch(`${server.url}/api/v1/log/entries`, { method: 'POST', headers: { 'Content-Type': 'application/json', authorization: `Bearer ${ADMIN}` }, body: JSON.stringify(hashedRekord(ecKey(), 'witnessed after a reload')) });
      assert.equal(r.status, 201);
      let names: string[] = [];
      for (let i = 0; i < 200 && !names.includes('w1.example'); i++) {
        names = parseNote(await (await fetch(`${server.url}/checkpoint`)).text()).signatures.map((x) => x.name);
        if (!names.includes('w1.example')) await new Promise((res) => setTimeout(res, 50));
      }
      assert.ok(names.includes('w1.example'), `cosigned after the reload: ${names.join(', ')}`);

      // refused settings keep the witnesses in force
      writeConfig([{ url: witness.url, vkey: 'not-a-vkey' }]);
      const bad = await reload();
      assert.equal(bad.status, 422, bad.body.toString());
      assert.equal(errorOf(bad), 'RELOAD_REFUSED');
      assert.match(await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text(), /cairn_witness_up\{witness="w1\.example"/);

      writeConfig([]);
      assert.deepEqual(JSON.parse((await reload()).body.toString()), { witnesses: [] });
      const { records } = await readAdminLog(server.url);
      assert.deepEqual(
        records.filter((x) => x['operation'] === 'POST /api/v1/admin/witnesses/reload' && x['event'] !== 'authorized').map((x) => [x['status'], x['reason']]),
        [[200, null], [422, 'RELOAD_REFUSED'], [200, null]],
      );
    } finally {
      await witness.stop();
    }
  });
});

/**
 * Tokens for private deployments (src/cli/tokens.ts): the tokens
 * file is checked strictly, `cairn token` prints a token and the line to add,
 * and the real server enforces a tokens file end to end.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newToken, readTokensFile } from '../../src/cli/tokens.js';
import { httpRequest } from '../support/http-client.js';
import { MAIN_JS, startServer } from '../support/server-process.js';
import { SignedEntryFactory } from '../support/signed-entries.js';

const HASH = 'ab'.repeat(32);

describe('tokens', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-tokens-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function file(content: unknown, mode = 0o600): string {
    const path = join(dir, 'tokens.json');
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    chmodSync(path, mode);
    return path;
  }

  describe('readTokensFile', () => {
    it('reads {"tokens": [...]} and a bare array, hashes as bytes, roles deduplicated', () => {
      const list = [{ name: 'ci', sha256: HASH, roles: ['submit', 'submit'] }, { name: 'ops@example', sha256: HASH.toUpperCase(), roles: ['admin'] }];
      for (const content of [{ tokens: list }, list]) {
        const tokens = readTokensFile(file(content));
        assert.deepEqual(tokens.map((t) => [t.name, Buffer.from(t.sha256).toString('hex'), t.roles]), [['ci', HASH, ['submit']], ['ops@example', HASH, ['admin']]]);
      }
      assert.deepEqual(readTokensFile(file({ tokens: [] })), []);
    });

    const bad: Array<[string, unknown, RegExp]> = [
      ['not JSON', '{"tokens": [', /is not JSON/],
      ['no list', { token: [] }, /must hold/],
      ['a token without a name', { tokens: [{ sha256: HASH, roles: ['submit'] }] }, /needs a "name"/],
      ['a name with spaces', { tokens: [{ name: 'a b', sha256: HASH, roles: ['submit'] }] }, /needs a "name"/],
      ['a name used twice', { tokens: [{ name: 'a', sha256: HASH, roles: ['submit'] }, { name: 'a', sha256: HASH, roles: ['admin'] }] }, /used twice/],
      ['a short hash', { tokens: [{ name: 'a', sha256: 'abc', roles: ['submit'] }] }, /64 hex digits/],
      ['the token itself instead of its hash', { tokens: [{ name: 'a', token: 'cairn_x', roles: ['submit'] }] }, /needs "sha256"/],
      ['an unknown role', { tokens: [{ name: 'a', sha256: HASH, roles: ['root'] }] }, /needs "roles"/],
      ['no roles', { tokens: [{ name: 'a', sha256: HASH, roles: [] }] }, /needs "roles"/],
    ];
    for (const [what, content, message] of bad) {
      it(`refuses ${what}, naming the file`, () => {
        const path = file(content);
        assert.throws(() => readTokensFile(path), (err: Error) => err.message.includes(path) && message.test(err.message));
      });
    }

    it('refuses a file that group or others may write (they could add a token)', () => {
      const path = file({ tokens: [] }, 0o666);
      assert.throws(() => readTokensFile(path), /writable by group or others/);
      chmodSync(path, 0o644);
      readTokensFile(path);
    });
  });

  describe('newToken', () => {
    it('makes cairn_ + 32 random bytes (base64url) and the entry holding its SHA-256', () => {
      const { token, entry } = newToken('ci', ['submit'], (n) => Buffer.alloc(n, 7));
      assert.equal(token, `cairn_${Buffer.alloc(32, 7).toString('base64url')}`);
      assert.deepEqual(entry, { name: 'ci', sha256: createHash('sha256').update(token).digest('hex'), roles: ['submit'] });
      assert.notEqual(newToken('a', ['admin']).token, newToken('a', ['admin']).token);
      assert.throws(() => newToken('bad name', ['submit']), /token name/);
      assert.throws(() => newToken('a', ['root' as 'admin']), /roles/);
    });
  });

  describe('cairn token and a server with --tokens-file', () => {
    it('prints a token and its line; the server then refuses writes without it and accepts them with it', async () => {
      const out = spawnSync(process.execPath, [MAIN_JS, 'token', '--name', 'ci', '--roles', 'submit'], { encoding: 'utf8' });
      assert.equal(out.status, 0, out.stderr);
      const token = /^(cairn_[A-Za-z0-9_-]{43})$/m.exec(out.stdout)?.[1];
      const line = out.stdout.trim().split('\n').pop()!;
      assert.ok(token, out.stdout);
      const entry = JSON.parse(line) as { name: string; sha256: string; roles: string[] };
      assert.equal(entry.sha256, createHash('sha256').update(token).digest('hex'));
      const tokensFile = file({ tokens: [entry] });

      const s = await startServer(['--data-dir', join(dir, 'data'), '--tokens-file', tokensFile]);
      try {
        const body = new SignedEntryFactory('tokens e2e').next().json;
        const refused = await httpRequest(s.url, 'POST', '/api/v1/log/entries', { body });
        assert.equal(refused.status, 401);
        assert.equal(refused.headers['www-authenticate'], 'Bearer realm="cairn"');
        const ok = await httpRequest(s.url, 'POST', '/api/v1/log/entries', { body, headers: { authorization: `Bearer ${token}` } });
        assert.equal(ok.status, 201);
        assert.equal((await httpRequest(s.url, 'GET', '/api/v1/log')).status, 200, 'reads stay open');
        assert.equal((await httpRequest(s.url, 'GET', '/metrics', { headers: { authorization: `Bearer ${token}` } })).status, 403);
      } finally {
        await s.stop();
      }
      assert.ok(!s.logs.join('\n').includes(token), 'the token is never logged');
    });

    it('refuses --read-auth without --tokens-file, and a bad tokens file, before opening the log', () => {
      const run = (...args: string[]) => spawnSync(process.execPath, [MAIN_JS, 'serve', '--port', '0', '--data-dir', join(dir, 'd'), ...args], { encoding: 'utf8', timeout: 15_000 });
      const a = run('--read-auth', 'true');
      assert.equal(a.status, 2);
      assert.match(a.stderr, /--read-auth needs --tokens-file/);
      const b = run('--tokens-file', file('nope'));
      assert.equal(b.status, 2);
      assert.match(b.stderr, /tokens file .* is not JSON/);
    });
  });
});

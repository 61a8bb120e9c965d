import assert from 'node:assert/strict';
import { createHash, createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNote } from '../../src/note/index.js';
import { requireGoOrSkip, runGoTool } from '../support/go.js';
import { startServer } from '../support/server-process.js';
import { spawnSync } from 'node:child_process';
import { MAIN_JS } from '../support/server-process.js';

describe('cairn serve (the real process)', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-serve-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('when started on an empty data dir', () => {
    it('creates 0600 keys (ECDSA P-256 log key, Ed25519 note key) and a tree, serves LogInfo and a checkpoint that Rekor clients and Go x/mod note verify, and keeps its identity across restarts', async function () {
      await requireGoOrSkip(this);
      const data = join(dir, 'data');
      const s1 = await startServer(['--data-dir', data, '--public-url', 'http://log.example.test']);
      try {
        assert.equal(statSync(join(data, 'log-key.pem')).mode % 0o1000, 0o600);
        assert.equal(statSync(join(data, 'note-key.pem')).mode % 0o1000, 0o600);
        const info = (await (await fetch(`${s1.url}/api/v1/log`)).json()) as Record<string, unknown>;
        assert.equal(info['treeSize'], 0);
        assert.match(String(info['treeID']), /^[1-9][0-9]*$/);
        // Rekor clients: key hint SHA-256(SPKI)[:4], name = host, verify with the served public key.
        const pem = await (await fetch(`${s1.url}/api/v1/log/publicKey`)).text();
        const pub = createPublicKey(pem);
        assert.equal(pub.asymmetricKeyDetails?.namedCurve, 'prime256v1', 'a new log gets an ECDSA P-256 key');
        const hint = createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest().readUInt32BE(0);
        const sth = parseNote(String(info['signedTreeHead']));
        const sig = sth.signatures.find((x) => x.keyId === hint && x.name === 'log.example.test');
        assert.ok(sig && cryptoVerify('sha256', Buffer.from(sth.text), { key: pub, dsaEncoding: 'der' }, sig.sig));
        assert.equal(sth.text, `log.example.test - ${String(info['treeID'])}\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n`);
        // C2SP clients: Go's x/mod note with the vkey.
        const vkey = (await (await fetch(`${s1.url}/api/v1/log/vkey`)).text()).trim();
        const cp = await (await fetch(`${s1.url}/checkpoint`)).text();
        const go = await runGoTool(['verify-note', vkey], cp);
        assert.equal(go.code, 0, go.stderr);
        assert.equal(go.stdout, sth.text);
        const stopped = await s1.stop();
        assert.equal(stopped.code, 0, 'SIGTERM drains and exits 0');

        const s2 = await startServer(['--data-dir', data, '--public-url', 'http://log.example.test']);
        try {
          const again = (await (await fetch(`${s2.url}/api/v1/log`)).json()) as Record<string, unknown>;
          assert.equal(again['treeID'], info['treeID']);
          assert.equal((await (await fetch(`${s2.url}/api/v1/log/vkey`)).text()).trim(), vkey);
        } finally {
          await s2.stop();
        }
      } finally {
        await s1.stop();
      }
    });
  });

  describe('when the configuration is wrong', () => {
    function run(args: string[]): { status: number | null; stderr: string } {
      const r = spawnSync(process.execPath, [MAIN_JS, 'serve', '--port', '0', ...args], { encoding: 'utf8', timeout: 20_000 });
      return { status: r.status, stderr: r.stderr };
    }

    it('stops with a message naming a bad setting', () => {
      const r = run(['--data-dir', join(dir, 'd'), '--batch-max-size', '-3']);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /--batch-max-size/);
    });

    it('refuses a key file others can read', () => {
      const key = join(dir, 'key.pem');
      assert.equal(spawnSync(process.execPath, [MAIN_JS, 'keygen', '--out', key]).status, 0);
      chmodSync(key, 0o644);
      const r = run(['--data-dir', join(dir, 'd'), '--key-file', key]);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /accessible by group or others/);
    });

    it('refuses an unwritable data dir with a clear message', function () {
      if (process.getuid?.() === 0) {
        // root ignores permission bits: use a path under a regular file instead.
        const file = join(dir, 'file');
        writeFileSync(file, 'x');
        const r = run(['--data-dir', join(file, 'data')]);
        assert.equal(r.status, 2);
        assert.match(r.stderr, /data dir .* is not a writable directory/);
        return;
      }
      const ro = join(dir, 'ro');
      spawnSync('mkdir', [ro]);
      chmodSync(ro, 0o500);
      const r = run(['--data-dir', join(ro, 'data')]);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /data dir/);
    });

    it('refuses to start with a different public URL host than the log was created with', async () => {
      const data = join(dir, 'data');
      const s = await startServer(['--data-dir', data, '--public-url', 'http://a.example']);
      await s.stop();
      const r = run(['--data-dir', data, '--public-url', 'http://b.example']);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /origin.*changed|changed.*origin/);
    });
  });
});

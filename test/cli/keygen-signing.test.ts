/**
 * `cairn keygen --signing` (src/cli/keygen-signing.ts) run as a process: key
 * files (modes, CAIRN_KEY_PASSWORD), keys generated in a SoftHSM2 token, exit
 * statuses, and the log-key `cairn keygen --out` unchanged beside it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSigningKey } from '../../src/keys/index.js';
import { opensslVerifies } from '../support/openssl.js';
import { requirePartOrSkip } from '../support/parts.js';
import { MAIN_JS } from '../support/server-process.js';
import { createSoftToken, softhsmAvailable, type SoftToken } from '../support/softhsm.js';

function cairn(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const base = { ...process.env };
  delete base['CAIRN_KEY_PASSWORD'];
  const r = spawnSync(process.execPath, [MAIN_JS, ...args], { env: { ...base, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('cairn keygen --signing', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-keygen-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('--out key.pem writes an unencrypted P-256 key (0600) and key.pub, and says it is not encrypted', async () => {
    const r = cairn(['keygen', '--signing', '--out', join(dir, 'key.pem')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /wrote .*key\.pem \(ECDSA P-256, mode 0600, NOT encrypted: set CAIRN_KEY_PASSWORD/);
    assert.match(r.stdout, /wrote .*key\.pub\n-----BEGIN PUBLIC KEY-----\n/);
    assert.equal(statSync(join(dir, 'key.pem')).mode % 0o1000, 0o600);
    const pub = readFileSync(join(dir, 'key.pub'), 'utf8');
    assert.ok(r.stdout.endsWith(pub));
    const key = await openSigningKey(join(dir, 'key.pem'));
    const data = Buffer.from('payload');
    assert.ok(opensslVerifies(dir, pub, data, await key.sign(data), 'sha256'));
    await key.close();
  });

  it('CAIRN_KEY_PASSWORD encrypts the key (PKCS#8); it opens with that passphrase only', async () => {
    const r = cairn(['keygen', '--signing', '--out', join(dir, 'key.pem')], { CAIRN_KEY_PASSWORD: 'pw-123' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /encrypted with CAIRN_KEY_PASSWORD/);
    assert.match(readFileSync(join(dir, 'key.pem'), 'utf8'), /BEGIN ENCRYPTED PRIVATE KEY/);
    assert.equal(createPrivateKey({ key: readFileSync(join(dir, 'key.pem')), passphrase: 'pw-123' }).asymmetricKeyType, 'ec');
    await assert.rejects(openSigningKey(join(dir, 'key.pem'), { passphrase: 'other' }), /wrong passphrase/);
  });

  it('exits 2 with a message for an existing file, a missing --out, an unknown flag', () => {
    writeFileSync(join(dir, 'key.pem'), 'precious');
    const exists = cairn(['keygen', '--signing', '--out', join(dir, 'key.pem')]);
    assert.equal(exists.status, 2);
    assert.match(exists.stderr, /key\.pem already exists; refusing to overwrite it/);
    assert.equal(readFileSync(join(dir, 'key.pem'), 'utf8'), 'precious');
    assert.deepEqual(readdirSync(dir), ['key.pem']);
    const noOut = cairn(['keygen', '--signing']);
    assert.equal(noOut.status, 2);
    assert.match(noOut.stderr, /--out is required\nusage: cairn keygen --signing/);
    const unknown = cairn(['keygen', '--signing', '--out', join(dir, 'k2.pem'), '--curve', 'p384']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /Unknown option '--curve'/);
    const badUri = cairn(['keygen', '--signing', '--pkcs11', 'pkcs11:object=a;bogus=1']);
    assert.equal(badUri.status, 2);
    assert.match(badUri.stderr, /unknown path attribute "bogus"/);
  });

  it('leaves the log key command beside it: keygen --out writes a log key, ECDSA P-256 unless --type ed25519', () => {
    const r = cairn(['keygen', '--out', join(dir, 'log-key.pem')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^wrote .*log-key\.pem \(mode 0600, ecdsa-p256\)\n-----BEGIN PUBLIC KEY-----/);
    const ec = createPrivateKey(readFileSync(join(dir, 'log-key.pem')));
    assert.equal(ec.asymmetricKeyType, 'ec');
    assert.equal(ec.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    const ed = cairn(['keygen', '--type', 'ed25519', '--out', join(dir, 'ed.pem')]);
    assert.equal(ed.status, 0, ed.stderr);
    assert.equal(createPrivateKey(readFileSync(join(dir, 'ed.pem'))).asymmetricKeyType, 'ed25519');
    const bad = cairn(['keygen', '--type', 'rsa', '--out', join(dir, 'rsa.pem')]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown --type "rsa"/);
  });

  describe('--pkcs11 URI (SoftHSM2)', () => {
    let token: SoftToken;
    before(function () {
      requirePartOrSkip(this, 'HSM', softhsmAvailable());
    });
    beforeEach(() => {
      token = createSoftToken('ci');
      token.use();
    });
    afterEach(() => token?.remove());

    it('generates the key in the token, prints and writes its public key; the URI then signs', async () => {
      const uri = token.uri('release');
      const r = cairn(['keygen', '--signing', '--pkcs11', uri, '--out', join(dir, 'release.pub')], token.env);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /generated an ECDSA P-256 key in the token .*sign with --key 'pkcs11:token=ci;object=release/);
      const pub = readFileSync(join(dir, 'release.pub'), 'utf8');
      assert.ok(r.stdout.endsWith(pub));
      assert.match(token.pkcs11Tool(['--list-objects', '--type', 'privkey']), /label:\s+release[\s\S]*never extractable/);
      const key = await openSigningKey(uri);
      const data = Buffer.from('payload');
      assert.ok(opensslVerifies(dir, pub, data, await key.sign(data), 'sha256'));
      await key.close();
    });

    it('exits 2 for a label in use, a wrong PIN, an existing --out (generating nothing)', () => {
      assert.equal(cairn(['keygen', '--signing', '--pkcs11', token.uri('release')], token.env).status, 0);
      const again = cairn(['keygen', '--signing', '--pkcs11', token.uri('release')], token.env);
      assert.equal(again.status, 2);
      assert.match(again.stderr, /already holds an object "release"/);
      const wrongPin = cairn(['keygen', '--signing', '--pkcs11', `pkcs11:token=ci;object=x?module-path=${token.modulePath}&pin-value=nope`], token.env);
      assert.equal(wrongPin.status, 2);
      assert.match(wrongPin.stderr, /wrong PIN/);
      assert.doesNotMatch(wrongPin.stderr, /nope/, 'the PIN is never printed');
      writeFileSync(join(dir, 'taken.pub'), 'x');
      const taken = cairn(['keygen', '--signing', '--pkcs11', token.uri('new'), '--out', join(dir, 'taken.pub')], token.env);
      assert.equal(taken.status, 2);
      assert.match(taken.stderr, /taken\.pub already exists; refusing to overwrite it \(nothing was generated\)/);
      assert.doesNotMatch(token.pkcs11Tool(['--list-objects']), /label:\s+new/);
    });
  });
});

/**
 * The log key file (src/cli/keyfile.ts): created 0600 and atomically
 * (a crash never leaves an empty or partial key), never overwritten, refused
 * when group or others can read or write it, never logged or served.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyFile, loadOrCreateKey, readKeyFile } from '../../src/cli/keyfile.js';
import { isLogError } from '../../src/errors.js';
import { httpRequest } from '../support/http-client.js';
import { MAIN_JS, startServer } from '../support/server-process.js';
import { SignedEntryFactory } from '../support/signed-entries.js';

describe('the log key file', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-key-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('when it is created', () => {
    it('writes an Ed25519 PKCS#8 key with mode 0600 and leaves no temporary file', () => {
      const path = join(dir, 'sub', 'log-key.pem');
      const key = generateKeyFile(path);
      assert.equal(statSync(path).mode % 0o1000, 0o600);
      assert.equal(createPrivateKey(readFileSync(path, 'utf8')).asymmetricKeyType, 'ed25519');
      assert.equal(key.asymmetricKeyType, 'ed25519');
      assert.deepEqual(readdirSync(join(dir, 'sub')), ['log-key.pem']);
    });

    it('never overwrites an existing file', () => {
      const path = join(dir, 'log-key.pem');
      writeFileSync(path, 'precious', { mode: 0o600 });
      assert.throws(() => generateKeyFile(path), (err: unknown) => isLogError(err, 'CONFIG_INVALID') && /couldn't create the log key file/.test(err.message));
      assert.equal(readFileSync(path, 'utf8'), 'precious');
      assert.deepEqual(readdirSync(dir), ['log-key.pem'], 'the temporary file is removed');
    });

    it('is not blocked by a temporary file a crash left behind', () => {
      writeFileSync(join(dir, '.log-key.pem.0123456789ab.tmp'), '-----BEGIN PRIV');
      const { created } = loadOrCreateKey(join(dir, 'log-key.pem'));
      assert.equal(created, true);
      readKeyFile(join(dir, 'log-key.pem'));
    });
  });

  describe('when it is read', () => {
    for (const mode of [0o640, 0o604, 0o644, 0o660, 0o602, 0o700 | 0o040]) {
      it(`refuses mode ${mode.toString(8)} (group or others have access)`, () => {
        const path = join(dir, 'k.pem');
        generateKeyFile(path);
        chmodSync(path, mode);
        assert.throws(() => readKeyFile(path), /accessible by group or others.*chmod 600/);
      });
    }

    it('accepts modes 0600 and 0400', () => {
      const path = join(dir, 'k.pem');
      generateKeyFile(path);
      readKeyFile(path);
      chmodSync(path, 0o400);
      readKeyFile(path);
    });

    it('refuses an empty or partial key with a message naming the file', () => {
      const path = join(dir, 'k.pem');
      writeFileSync(path, '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2Vw', { mode: 0o600 });
      assert.throws(() => readKeyFile(path), (err: unknown) => isLogError(err, 'CONFIG_INVALID') && err.message.includes(path));
    });
  });

  describe('when the server runs', () => {
    it('never logs or serves the private key', async () => {
      const data = join(dir, 'data');
      const s = await startServer(['--data-dir', data]);
      const bodies: string[] = [];
      try {
        const factory = new SignedEntryFactory('key secrecy');
        const created = await httpRequest(s.url, 'POST', '/api/v1/log/entries', { body: factory.next().json });
        assert.equal(created.status, 201);
        bodies.push(created.body.toString('latin1'));
        for (const path of ['/api/v1/log', '/api/v1/log/publicKey', '/api/v1/log/vkey', '/checkpoint', '/api/v1/log/checkpoints', '/api/v1/log/entries?logIndex=0', '/tile/0/000.p/1', '/tile/entries/000.p/1', '/metrics', '/healthz', '/openapi.yaml', '/nope']) {
          bodies.push((await httpRequest(s.url, 'GET', path)).body.toString('latin1'));
        }
      } finally {
        await s.stop();
      }
      const keyPem = readFileSync(join(data, 'log-key.pem'), 'utf8');
      const der = createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'der' });
      const seed = der.subarray(der.length - 32);
      const secrets = [keyPem.split('\n')[1]!, der.toString('base64'), seed.toString('base64'), seed.toString('hex'), seed.toString('base64url')];
      const seen = [...bodies, s.logs.join('\n')];
      for (const secret of secrets) for (const text of seen) assert.ok(!text.includes(secret), 'private key material in a response or log line');
      const keygen = spawnSync(process.execPath, [MAIN_JS, 'keygen', '--out', join(dir, 'other.pem')], { encoding: 'utf8' });
      assert.equal(keygen.status, 0);
      assert.doesNotMatch(keygen.stdout, /PRIVATE KEY/);
      assert.match(keygen.stdout, /PUBLIC KEY/);
    });
  });
});

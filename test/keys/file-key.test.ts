/**
 * Signing keys in files (src/keys/file-key.ts, generate-file.ts): generation
 * (P-256, modes, encrypted PKCS#8, never overwriting), opening every accepted
 * algorithm, refusals, and signatures checked by OpenSSL's CLI and node:crypto.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isLogError } from '../../src/errors.js';
import { generateSigningKeyFiles, openSigningKey, readPublicKey, type SigningKey } from '../../src/keys/index.js';
import { opensslVerifies } from '../support/openssl.js';

const hasCode = (code: string, re?: RegExp) => (err: unknown) => isLogError(err) && err.code === code && (re === undefined || re.test(err.message));

describe('keys: file keys', () => {
  let dir: string;
  const opened: SigningKey[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-keys-'));
  });
  afterEach(async () => {
    for (const k of opened.splice(0)) await k.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const open = async (path: string, passphrase?: string) => {
    const k = await openSigningKey(path, passphrase === undefined ? undefined : { passphrase });
    opened.push(k);
    return k;
  };

  describe('generateSigningKeyFiles', () => {
    it('writes a P-256 PKCS#8 key 0600 and its public key beside it (.pem → .pub)', async () => {
      const out = join(dir, 'sub', 'key.pem');
      const got = generateSigningKeyFiles(out);
      assert.deepEqual([got.privatePath, got.publicPath], [out, join(dir, 'sub', 'key.pub')]);
      assert.equal(statSync(out).mode % 0o1000, 0o600);
      assert.equal(statSync(got.publicPath).mode % 0o1000, 0o644);
      assert.match(readFileSync(out, 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);
      assert.equal(readFileSync(got.publicPath, 'utf8'), got.publicKeyPem);
      const priv = createPrivateKey(readFileSync(out));
      assert.equal(priv.asymmetricKeyDetails?.namedCurve, 'prime256v1');
      assert.deepEqual(readdirSync(join(dir, 'sub')).sort(), ['key.pem', 'key.pub'], 'no temporary files left');
      const key = await open(out);
      assert.equal(key.algorithm, 'ecdsa-p256-sha256');
      assert.equal(key.publicKeyPem, got.publicKeyPem);
    });

    it('appends .pub to names without .pem', () => {
      assert.equal(generateSigningKeyFiles(join(dir, 'cosign.key')).publicPath, join(dir, 'cosign.key.pub'));
    });

    it('encrypts the key as PKCS#8 with a passphrase; OpenSSL decrypts it with that passphrase only', () => {
      const out = join(dir, 'key.pem');
      generateSigningKeyFiles(out, { passphrase: 'correct horse' });
      assert.match(readFileSync(out, 'utf8'), /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
      const text = execFileSync('openssl', ['pkey', '-in', out, '-passin', 'pass:correct horse', '-pubout'], { encoding: 'utf8' });
      assert.equal(text, readFileSync(join(dir, 'key.pub'), 'utf8'));
      assert.throws(() => execFileSync('openssl', ['pkey', '-in', out, '-passin', 'pass:wrong', '-pubout'], { stdio: 'pipe' }));
    });

    it('refuses to overwrite either file and writes nothing then', () => {
      writeFileSync(join(dir, 'key.pub'), 'precious');
      assert.throws(() => generateSigningKeyFiles(join(dir, 'key.pem')), hasCode('KEY_INVALID', /key\.pub already exists/));
      assert.deepEqual(readdirSync(dir), ['key.pub']);
      assert.equal(readFileSync(join(dir, 'key.pub'), 'utf8'), 'precious');
      writeFileSync(join(dir, 'k2.pem'), 'precious too');
      assert.throws(() => generateSigningKeyFiles(join(dir, 'k2.pem')), hasCode('KEY_INVALID', /k2\.pem already exists/));
      assert.deepEqual(readdirSync(dir).sort(), ['k2.pem', 'key.pub']);
    });
  });

  describe('openSigningKey on an encrypted key', () => {
    beforeEach(() => generateSigningKeyFiles(join(dir, 'key.pem'), { passphrase: 's3cret' }));

    it('opens with the passphrase and signs', async () => {
      const key = await open(join(dir, 'key.pem'), 's3cret');
      const data = Buffer.from('payload');
      assert.ok(opensslVerifies(dir, key.publicKeyPem, data, await key.sign(data), 'sha256'));
    });

    it('says a passphrase is needed when none is given', async () => {
      await assert.rejects(open(join(dir, 'key.pem')), hasCode('KEY_INVALID', /encrypted and no passphrase was given.*CAIRN_KEY_PASSWORD/));
      await assert.rejects(open(join(dir, 'key.pem'), ''), hasCode('KEY_INVALID', /no passphrase/));
    });

    it('says the passphrase is wrong', async () => {
      await assert.rejects(open(join(dir, 'key.pem'), 'guess'), hasCode('KEY_INVALID', /wrong passphrase/));
    });
  });

  describe('signatures of every accepted algorithm', () => {
    const cases: Array<{ name: string; make: () => KeyObject; algorithm: string; digest: string | null }> = [
      { name: 'ECDSA P-256', make: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, algorithm: 'ecdsa-p256-sha256', digest: 'sha256' },
      { name: 'ECDSA P-384', make: () => generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey, algorithm: 'ecdsa-p384-sha384', digest: 'sha384' },
      { name: 'Ed25519', make: () => generateKeyPairSync('ed25519').privateKey, algorithm: 'ed25519', digest: null },
      { name: 'RSA 2048', make: () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, algorithm: 'rsa-pkcs1v15-sha256', digest: 'sha256' },
    ];
    for (const c of cases) {
      it(`${c.name}: OpenSSL and node:crypto verify the signature with the public key`, async () => {
        const path = join(dir, 'k.pem');
        writeFileSync(path, c.make().export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
        const key = await open(path);
        assert.equal(key.algorithm, c.algorithm);
        assert.equal(Buffer.from(key.publicKeySpki).toString('base64'), key.publicKeyPem.split('\n').slice(1, -2).join(''));
        const data = Buffer.from('{"critical":{"image":{"docker-manifest-digest":"sha256:00"}},"optional":null}');
        const sig = await key.sign(data);
        if (c.algorithm.startsWith('ecdsa')) assert.equal(sig[0], 0x30, 'ECDSA signatures are DER SEQUENCEs');
        assert.ok(opensslVerifies(dir, key.publicKeyPem, data, sig, c.digest), 'openssl verifies');
        assert.ok(!opensslVerifies(dir, key.publicKeyPem, Buffer.from('other'), sig, c.digest), 'openssl refuses it over other data');
        assert.ok(verify(c.digest, data, readPublicKey(key.publicKeyPem), sig), 'node verifies');
        assert.ok(!verify(c.digest, Buffer.from('other'), readPublicKey(key.publicKeyPem), sig), 'not over other data');
      });
    }

    it('accepts SEC1 "EC PRIVATE KEY" files as OpenSSL writes them', async () => {
      const path = join(dir, 'sec1.pem');
      execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', path]);
      assert.match(readFileSync(path, 'utf8'), /BEGIN EC PRIVATE KEY/);
      const key = await open(path);
      const data = Buffer.from('x');
      assert.ok(opensslVerifies(dir, key.publicKeyPem, data, await key.sign(data), 'sha256'));
    });
  });

  describe('refusals', () => {
    const write = (text: string | Buffer) => {
      const path = join(dir, 'bad.pem');
      writeFileSync(path, text);
      return path;
    };
    it('a missing file', async () => {
      await assert.rejects(open(join(dir, 'nope.pem')), hasCode('KEY_INVALID', /couldn't read the key file .*nope\.pem/));
    });
    it('a file that is not PEM', async () => {
      await assert.rejects(open(write('hello')), hasCode('KEY_INVALID', /not a PEM private key/));
    });
    it('a public key where a private key is needed', async () => {
      const pub = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' });
      await assert.rejects(open(write(pub)), hasCode('KEY_INVALID', /that is a public key/));
    });
    it("cosign's own encrypted format", async () => {
      await assert.rejects(open(write('-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n')), hasCode('KEY_INVALID', /cosign's own encrypted format/));
    });
    it('a P-521 key, a secp256k1 key, a 1024-bit RSA key', async () => {
      for (const [key, re] of [
        [generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey, /curve secp521r1/],
        [generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey, /curve secp256k1/],
        [generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey, /1024-bit RSA key/],
      ] as const) {
        await assert.rejects(open(write(key.export({ type: 'pkcs8', format: 'pem' }))), hasCode('KEY_INVALID', re));
      }
    });
    it('a damaged PEM body', async () => {
      await assert.rejects(open(write('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n')), hasCode('KEY_INVALID', /couldn't parse/));
    });
    it('signing after close', async () => {
      const { privatePath } = generateSigningKeyFiles(join(dir, 'key.pem'));
      const key = await openSigningKey(privatePath);
      await key.close();
      await assert.rejects(key.sign(Buffer.from('x')), hasCode('KEY_UNAVAILABLE', /closed/));
    });
  });

  describe('readPublicKey', () => {
    it('reads a PEM file or PEM text', () => {
      const { publicPath, publicKeyPem } = generateSigningKeyFiles(join(dir, 'key.pem'));
      const want = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
      assert.deepEqual(readPublicKey(publicPath).export({ type: 'spki', format: 'der' }), want);
      assert.deepEqual(readPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' }), want);
    });
    it('refuses a missing file, a private key, a certificate, garbage', () => {
      assert.throws(() => readPublicKey(join(dir, 'none.pub')), hasCode('KEY_INVALID', /couldn't read the public key file/));
      const { privatePath } = generateSigningKeyFiles(join(dir, 'key.pem'));
      assert.throws(() => readPublicKey(privatePath), hasCode('KEY_INVALID', /"PRIVATE KEY", not a "PUBLIC KEY"/));
      writeFileSync(join(dir, 'c.pem'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
      assert.throws(() => readPublicKey(join(dir, 'c.pem')), hasCode('KEY_INVALID', /"CERTIFICATE"/));
      assert.throws(() => readPublicKey('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'), hasCode('KEY_INVALID', /couldn't parse the public key/));
    });
  });
});

/**
 * `cairn sign` / `cairn verify` with registries that want credentials
 * (htpasswd Basic; Bearer tokens from a token service), credentials from the
 * environment or a docker config file, and with a signing key that lives in
 * a PKCS#11 token (SoftHSM2) and never leaves it. All real parts.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeRun, runCairn } from '../../support/cairn-cli.js';
import { requirePartOrSkip } from '../../support/parts.js';
import { hasRegistry } from '../../support/registry.js';
import { createSoftToken, softhsmAvailable, type SoftToken } from '../../support/softhsm.js';
import { startSigningWorld, type SigningWorld } from '../../support/image-signing.js';

for (const auth of ['htpasswd', 'token'] as const) {
  describe(`cairn sign and verify with a registry using ${auth === 'token' ? 'bearer token' : 'basic'} auth`, function () {
    this.timeout(120_000);
    let w: SigningWorld;

    before(async function () {
      requirePartOrSkip(this, 'REGISTRY', hasRegistry());
      w = await startSigningWorld({ auth });
    });
    after(async () => {
      await w?.stop();
    });

    it('signs and verifies with CAIRN_REGISTRY_USERNAME/_PASSWORD', async () => {
      const { ref } = await w.push('auth/app');
      const s = await w.run(['sign', ref, ...w.signFlags()]);
      assert.equal(s.status, 0, describeRun(s));
      const v = await w.run(['verify', ref, ...w.verifyFlags(), '--log-url', w.logUrl]);
      assert.equal(v.status, 0, describeRun(v));
    });

    it('reads credentials from a docker config file (DOCKER_CONFIG)', async () => {
      const { ref } = await w.push('auth/config');
      const dir = join(w.dir, `docker-${auth}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { [w.registry.host]: { auth: Buffer.from('alice:wonderland').toString('base64') } } }));
      const env = { DOCKER_CONFIG: dir, CAIRN_REGISTRY_USERNAME: '', CAIRN_REGISTRY_PASSWORD: '' };
      const s = await runCairn(['sign', ref, ...w.signFlags(), '--format', 'legacy'], env);
      assert.equal(s.status, 0, describeRun(s));
      const v = await runCairn(['verify', ref, ...w.verifyFlags()], env);
      assert.equal(v.status, 0, describeRun(v));
    });

    it('fails (exit 1) with wrong or missing credentials, saying so', async () => {
      const { ref } = await w.push('auth/denied');
      const wrong = await runCairn(['verify', ref, ...w.verifyFlags()], { CAIRN_REGISTRY_USERNAME: 'alice', CAIRN_REGISTRY_PASSWORD: 'nope', DOCKER_CONFIG: w.dir });
      assert.equal(wrong.status, 1, describeRun(wrong));
      assert.match(wrong.stderr, /cairn verify: .*(401|unauthori[sz]ed|credentials)/i);
    });
  });
}

describe('cairn sign with a key in a PKCS#11 token (SoftHSM2)', function () {
  this.timeout(120_000);
  let w: SigningWorld;
  let token: SoftToken;

  before(async function () {
    requirePartOrSkip(this, 'REGISTRY', hasRegistry());
    requirePartOrSkip(this, 'HSM', softhsmAvailable());
    w = await startSigningWorld();
    token = createSoftToken('ci');
  });
  after(async () => {
    await w?.stop();
    token?.remove();
  });

  it('signs with a key generated inside the token; verify accepts it with the exported public key', async () => {
    const pub = join(w.dir, 'hsm.pub');
    const uri = token.uri('release');
    const gen = await runCairn(['keygen', '--signing', '--pkcs11', uri, '--out', pub], token.env);
    assert.equal(gen.status, 0, describeRun(gen));
    const { ref } = await w.push('hsm/app');
    const s = await w.run(['sign', ref, '--key', uri, '--log-url', w.logUrl, '--insecure-registry'], token.env);
    assert.equal(s.status, 0, describeRun(s));
    const v = await w.run(['verify', ref, '--key', pub, '--log-key', w.logKeyFile, '--insecure-registry', '--log-url', w.logUrl]);
    assert.equal(v.status, 0, describeRun(v));
    assert.equal((v.stdout.match(/^VERIFIED /gm) ?? []).length, 2);
    const other = await w.run(['verify', ref, ...w.verifyFlags()]);
    assert.equal(other.status, 1, describeRun(other));
  });

  it('exits 2 for a token object that does not exist', async () => {
    const { ref } = await w.push('hsm/missing');
    const s = await w.run(['sign', ref, '--key', token.uri('no-such-key'), '--log-url', w.logUrl, '--insecure-registry'], token.env);
    assert.equal(s.status, 2, describeRun(s));
  });
});

import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isLogError } from '../../src/errors.js';
import { RegistryClient, environmentCredentials, parseImageReference, type CredentialSource } from '../../src/oci/index.js';
import { pushTestImage } from '../support/images.js';
import { requirePartOrSkip } from '../support/parts.js';
import { hasRegistry, startRegistry, type TestRegistry } from '../support/registry.js';

const noSleep = async (): Promise<void> => {};
const USERS = { alice: { password: 'wonderland', actions: ['pull', 'push'] }, reader: { password: 'books', actions: ['pull'] } };
const as = (username: string, password: string): CredentialSource => () => ({ username, password });

describe('registry authentication', () => {
  describe('with htpasswd Basic auth', () => {
    let reg: TestRegistry;
    before(async function () {
      requirePartOrSkip(this, 'REGISTRY', hasRegistry());
      reg = await startRegistry({ auth: 'htpasswd', users: USERS });
    });
    after(async () => reg?.stop());

    it('pushes and resolves with good credentials', async () => {
      const client = new RegistryClient({ insecure: true, sleep: noSleep, credentials: as('alice', 'wonderland') });
      try {
        const ref = parseImageReference(`${reg.host}/basic/app:v1`);
        const pushed = await pushTestImage(client, ref);
        assert.equal((await client.resolve(ref)).digest, pushed.digest);
      } finally {
        client.close();
      }
    });

    it('fails with REGISTRY_UNAUTHORIZED and says the credentials were rejected', async () => {
      const client = new RegistryClient({ insecure: true, sleep: noSleep, credentials: as('alice', 'wrong') });
      const err = await client.resolve(parseImageReference(`${reg.host}/basic/app:v1`)).catch((e: unknown) => e);
      client.close();
      assert.ok(isLogError(err, 'REGISTRY_UNAUTHORIZED'), String(err));
      assert.match(err.message, /rejected/);
    });

    it('fails with REGISTRY_UNAUTHORIZED and says none are configured when anonymous', async () => {
      const client = new RegistryClient({ insecure: true, sleep: noSleep });
      const err = await client.resolve(parseImageReference(`${reg.host}/basic/app:v1`)).catch((e: unknown) => e);
      client.close();
      assert.ok(isLogError(err, 'REGISTRY_UNAUTHORIZED'), String(err));
      assert.match(err.message, /none are configured/);
    });

    describe('when credentials come from the environment', () => {
      let dir: string;
      beforeEach(() => {
        dir = mkdtempSync(join(tmpdir(), 'cairn-docker-config-'));
      });
      afterEach(() => rmSync(dir, { recursive: true, force: true }));

      const resolveWith = async (env: Record<string, string | undefined>): Promise<unknown> => {
        const client = new RegistryClient({ insecure: true, sleep: noSleep, credentials: environmentCredentials(env) });
        try {
          await pushTestImage(client, parseImageReference(`${reg.host}/env/app:v1`));
          return (await client.resolve(parseImageReference(`${reg.host}/env/app:v1`))).digest;
        } catch (err) {
          return err;
        } finally {
          client.close();
        }
      };

      it('reads CAIRN_REGISTRY_USERNAME and CAIRN_REGISTRY_PASSWORD', async () => {
        assert.match(String(await resolveWith({ CAIRN_REGISTRY_USERNAME: 'alice', CAIRN_REGISTRY_PASSWORD: 'wonderland' })), /^sha256:/);
        assert.ok(isLogError(await resolveWith({ CAIRN_REGISTRY_USERNAME: 'alice', CAIRN_REGISTRY_PASSWORD: 'nope' }), 'REGISTRY_UNAUTHORIZED'));
      });

      it('reads "auths" of $DOCKER_CONFIG/config.json, by host:port or by URL', async () => {
        const auth = Buffer.from('alice:wonderland').toString('base64');
        for (const key of [reg.host, `http://${reg.host}/v2/`]) {
          writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { 'other.example': { auth: 'eDp5' }, [key]: { auth } } }));
          assert.match(String(await resolveWith({ DOCKER_CONFIG: dir })), /^sha256:/, key);
        }
        writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from('alice:bad').toString('base64') } } }));
        assert.ok(isLogError(await resolveWith({ DOCKER_CONFIG: dir }), 'REGISTRY_UNAUTHORIZED'));
      });

      it('reads ~/.docker/config.json when DOCKER_CONFIG is unset', async () => {
        const home = join(dir, 'home');
        const docker = join(home, '.docker');
        mkdirSync(docker, { recursive: true });
        writeFileSync(join(docker, 'config.json'), JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from('alice:wonderland').toString('base64') } } }));
        assert.match(String(await resolveWith({ HOME: home })), /^sha256:/);
      });

      it('runs a credential helper (credHelpers, then credsStore) as docker does', async () => {
        const bin = join(dir, 'bin');
        mkdirSync(bin);
        const helper = join(bin, 'docker-credential-cairntest');
        // Answers for our registry only, as docker-credential-helpers do; the server name arrives on stdin.
        writeFileSync(helper, `#!/bin/sh\nread server\nif [ "$1" = get ] && [ "$server" = "${reg.host}" ]; then echo '{"ServerURL":"'$server'","Username":"alice","Secret":"wonderland"}'; else echo "credentials not found in native keychain"; exit 1; fi\n`);
        chmodSync(helper, 0o755);
        const env = { DOCKER_CONFIG: dir, PATH: `${bin}:${process.env['PATH'] ?? ''}` };
        writeFileSync(join(dir, 'config.json'), JSON.stringify({ credHelpers: { [reg.host]: 'cairntest' } }));
        assert.match(String(await resolveWith(env)), /^sha256:/);
        writeFileSync(join(dir, 'config.json'), JSON.stringify({ credsStore: 'cairntest' }));
        assert.match(String(await resolveWith(env)), /^sha256:/);
        writeFileSync(join(dir, 'config.json'), JSON.stringify({ credsStore: 'missing-helper' }));
        const err = await resolveWith(env);
        assert.ok(isLogError(err, 'CONFIG_INVALID'), String(err));
        assert.match(String((err as Error).message), /docker-credential-missing-helper is not on PATH/);
      });

      it('refuses a malformed config.json with CONFIG_INVALID', async () => {
        writeFileSync(join(dir, 'config.json'), '{"auths":');
        assert.ok(isLogError(await resolveWith({ DOCKER_CONFIG: dir }), 'CONFIG_INVALID'));
      });
    });
  });

  describe('with token auth (a test token issuer signing registry JWTs)', () => {
    let reg: TestRegistry;
    before(async function () {
      requirePartOrSkip(this, 'REGISTRY', hasRegistry());
      reg = await startRegistry({ auth: 'token', users: USERS, anonymousActions: ['pull'] });
    });
    after(async () => reg?.stop());

    it('gets a pull,push token to push and reuses cached tokens per scope', async () => {
      const client = new RegistryClient({ insecure: true, sleep: noSleep, credentials: as('alice', 'wonderland') });
      try {
        const ref = parseImageReference(`${reg.host}/token/app:v1`);
        const before = reg.tokenIssuer?.requests.length ?? 0;
        const pushed = await pushTestImage(client, ref);
        assert.equal((await client.resolve(ref)).digest, pushed.digest);
        assert.equal((await client.resolve(ref)).digest, pushed.digest);
        const reqs = reg.tokenIssuer?.requests.slice(before) ?? [];
        assert.ok(reqs.every((r) => r.user === 'alice' && r.granted));
        assert.ok(reqs.some((r) => r.scopes.includes('repository:token/app:pull,push')), JSON.stringify(reqs));
        assert.ok(reqs.some((r) => r.scopes.includes('repository:token/app:pull')), JSON.stringify(reqs));
        assert.ok(reqs.length <= 3, `tokens are cached per scope, got ${reqs.length} requests: ${JSON.stringify(reqs)}`);
      } finally {
        client.close();
      }
    });

    it('pulls anonymously when the token service grants anonymous pull', async () => {
      const alice = new RegistryClient({ insecure: true, sleep: noSleep, credentials: as('alice', 'wonderland') });
      const anon = new RegistryClient({ insecure: true, sleep: noSleep });
      try {
        const ref = parseImageReference(`${reg.host}/token/public:v1`);
        const pushed = await pushTestImage(alice, ref);
        assert.equal((await anon.resolve(ref)).digest, pushed.digest);
        const err = await pushTestImage(anon, parseImageReference(`${reg.host}/token/public:v2`), { seed: 'anon' }).catch((e: unknown) => e);
        assert.ok(isLogError(err, 'REGISTRY_UNAUTHORIZED'), String(err));
      } finally {
        alice.close();
        anon.close();
      }
    });

    it('fails with REGISTRY_UNAUTHORIZED when the token service rejects the credentials', async () => {
      const client = new RegistryClient({ insecure: true, sleep: noSleep, credentials: as('alice', 'wrong') });
      const err = await client.resolve(parseImageReference(`${reg.host}/token/app:v1`)).catch((e: unknown) => e);
      client.close();
      assert.ok(isLogError(err, 'REGISTRY_UNAUTHORIZED'), String(err));
      assert.match(err.message, /credentials were rejected/);
    });

    it('fails with REGISTRY_UNAUTHORIZED when a pull-only user pushes', async () => {
      const client = new RegistryClient({ insecure: true, sleep: noSleep, credentials: as('reader', 'books') });
      const err = await pushTestImage(client, parseImageReference(`${reg.host}/token/app:v9`), { seed: 'reader' }).catch((e: unknown) => e);
      client.close();
      assert.ok(isLogError(err, 'REGISTRY_UNAUTHORIZED'), String(err));
    });

    it('fails with REGISTRY_UNREACHABLE when the token service is down (the CLI exits 3)', async () => {
      const issuer = await startRegistry({ auth: 'token', users: USERS });
      try {
        await issuer.tokenIssuer?.close();
        const client = new RegistryClient({ insecure: true, sleep: noSleep, credentials: as('alice', 'wonderland') });
        const err = await client.resolve(parseImageReference(`${issuer.host}/token/app:v1`)).catch((e: unknown) => e);
        client.close();
        assert.ok(isLogError(err, 'REGISTRY_UNREACHABLE'), String(err));
      } finally {
        await issuer.stop();
      }
    });

    it('exchanges an identity token (docker config "identitytoken") with the OAuth2 refresh-token grant', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'cairn-docker-config-'));
      try {
        writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { [reg.host]: { identitytoken: 'alice:wonderland' } } }));
        const client = new RegistryClient({ insecure: true, sleep: noSleep, credentials: environmentCredentials({ DOCKER_CONFIG: dir }) });
        const before = reg.tokenIssuer?.requests.length ?? 0;
        try {
          await pushTestImage(client, parseImageReference(`${reg.host}/token/oauth:v1`));
        } finally {
          client.close();
        }
        const reqs = reg.tokenIssuer?.requests.slice(before) ?? [];
        assert.ok(reqs.length > 0 && reqs.every((r) => r.method === 'POST' && r.user === 'alice'), JSON.stringify(reqs));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});

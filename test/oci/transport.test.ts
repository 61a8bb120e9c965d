import assert from 'node:assert/strict';
import { isLogError } from '../../src/errors.js';
import { RegistryClient, parseImageReference, type CredentialSource } from '../../src/oci/index.js';
import { startFaultProxy, type Fault, type FaultProxy } from '../support/fault-proxy.js';
import { pushTestImage } from '../support/images.js';
import { requirePartOrSkip } from '../support/parts.js';
import { hasRegistry, startRegistry, type TestRegistry } from '../support/registry.js';

const noSleep = async (): Promise<void> => {};

describe('registry transport', () => {
  describe('over TLS with a certificate from a private CA', () => {
    let reg: TestRegistry;
    before(async function () {
      requirePartOrSkip(this, 'REGISTRY', hasRegistry());
      reg = await startRegistry({ tls: true });
    });
    after(async () => reg?.stop());

    it('pushes and resolves when given the CA file', async () => {
      const client = new RegistryClient({ caFile: reg.caFile, sleep: noSleep });
      try {
        const ref = parseImageReference(`${reg.host}/tls/app:v1`);
        const pushed = await pushTestImage(client, ref);
        assert.equal((await client.resolve(ref)).digest, pushed.digest);
      } finally {
        client.close();
      }
    });

    it('fails with REGISTRY_UNREACHABLE without the CA file, and names --registry-ca', async () => {
      const client = new RegistryClient({ sleep: noSleep });
      const err = await client.resolve(parseImageReference(`${reg.host}/tls/app:v1`)).catch((e: unknown) => e);
      client.close();
      assert.ok(isLogError(err, 'REGISTRY_UNREACHABLE'), String(err));
      assert.match(err.message, /--registry-ca/);
    });

    it('refuses an unreadable CA file with CONFIG_INVALID', () => {
      assert.throws(() => new RegistryClient({ caFile: '/nonexistent/ca.pem' }), (e: unknown) => isLogError(e, 'CONFIG_INVALID'));
    });
  });

  describe('with faults injected in front of a real registry', () => {
    let reg: TestRegistry;
    let proxy: FaultProxy;
    before(async function () {
      requirePartOrSkip(this, 'REGISTRY', hasRegistry());
      reg = await startRegistry();
      proxy = await startFaultProxy(reg.host);
    });
    after(async () => {
      await proxy?.close();
      await reg?.stop();
    });
    afterEach(() => {
      proxy.fault = () => undefined;
    });

    /** A client whose sleeps are recorded, never taken. */
    function recordingClient(retries?: number, credentials?: CredentialSource): { client: RegistryClient; sleeps: number[] } {
      const sleeps: number[] = [];
      const client = new RegistryClient({ insecure: true, random: () => 0.5, sleep: async (ms) => void sleeps.push(ms), ...(retries === undefined ? {} : { retries }), ...(credentials === undefined ? {} : { credentials }) });
      return { client, sleeps };
    }

    /** Fails the first `n` requests matching `match` with `fault`. */
    function failFirst(n: number, match: RegExp, fault: Fault): void {
      let left = n;
      proxy.fault = (req) => (match.test(`${req.method} ${req.url}`) && left-- > 0 ? fault : undefined);
    }

    it('retries a 503 with jittered exponential backoff', async () => {
      const ref = parseImageReference(`${proxy.host}/retry/app:v1`);
      const { client, sleeps } = recordingClient();
      try {
        const pushed = await pushTestImage(client, ref);
        failFirst(2, /^HEAD \/v2\/retry\/app\/manifests\/v1$/, { kind: 'answer', status: 503 });
        assert.equal((await client.resolve(ref)).digest, pushed.digest);
        assert.deepEqual(sleeps, [125, 250]);
      } finally {
        client.close();
      }
    });

    it('honours Retry-After on a 429, up to a bound', async () => {
      const ref = parseImageReference(`${proxy.host}/retry/app:v1`);
      const { client, sleeps } = recordingClient();
      try {
        await pushTestImage(client, ref);
        failFirst(1, /manifests\/v1$/, { kind: 'answer', status: 429, headers: { 'Retry-After': '3' }, body: '{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}' });
        await client.resolve(ref);
        failFirst(1, /manifests\/v1$/, { kind: 'answer', status: 429, headers: { 'Retry-After': '3600' } });
        await client.resolve(ref);
        assert.deepEqual(sleeps, [3000, 10_000]);
      } finally {
        client.close();
      }
    });

    it('retries a connection reset', async () => {
      const ref = parseImageReference(`${proxy.host}/retry/app:v1`);
      const { client, sleeps } = recordingClient();
      try {
        const pushed = await pushTestImage(client, ref);
        failFirst(1, /manifests\/v1$/, { kind: 'reset' });
        assert.equal((await client.getManifest(ref, 'v1')).descriptor.digest, pushed.digest);
        assert.equal(sleeps.length, 1);
      } finally {
        client.close();
      }
    });

    it('gives up after the configured retries with REGISTRY_UNREACHABLE', async () => {
      const ref = parseImageReference(`${proxy.host}/retry/app:v1`);
      const { client, sleeps } = recordingClient(2);
      try {
        await pushTestImage(client, ref);
        const before = proxy.seen.length;
        failFirst(100, /manifests\/v1$/, { kind: 'answer', status: 503, body: '{"errors":[{"code":"UNAVAILABLE","message":"down for maintenance"}]}' });
        const err = await client.resolve(ref).catch((e: unknown) => e);
        assert.ok(isLogError(err, 'REGISTRY_UNREACHABLE'), String(err));
        assert.equal(proxy.seen.length - before, 3);
        assert.equal(sleeps.length, 2);
      } finally {
        client.close();
      }
    });

    it('gives up on a registry that stops answering after its timeout and the retries (REGISTRY_UNREACHABLE)', async () => {
      const ref = parseImageReference(`${proxy.host}/retry/app:v1`);
      const client = new RegistryClient({ insecure: true, sleep: noSleep, retries: 1, timeoutMs: 150 });
      try {
        const before = proxy.seen.length;
        proxy.fault = () => ({ kind: 'hang' });
        const err = await client.resolve(ref).catch((e: unknown) => e);
        assert.ok(isLogError(err, 'REGISTRY_UNREACHABLE'), String(err));
        assert.equal(err.details?.['reason'], 'ETIMEDOUT');
        assert.equal(proxy.seen.length - before, 2);
      } finally {
        client.close();
      }
    });

    it('refuses a manifest over 4 MiB without reading it all (REGISTRY_PROTOCOL)', async () => {
      const ref = parseImageReference(`${proxy.host}/big/app:v1`);
      const { client } = recordingClient();
      try {
        proxy.fault = () => ({ kind: 'answer', status: 200, headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' }, body: ' '.repeat(4 * 1024 * 1024 + 1) });
        await assert.rejects(client.getManifest(ref, 'v1'), (e: unknown) => isLogError(e, 'REGISTRY_PROTOCOL') && /larger than 4194304 bytes/.test(e.message));
      } finally {
        client.close();
      }
    });

    it('does not retry a 403, and reports REGISTRY_DENIED with the registry\'s message', async () => {
      const ref = parseImageReference(`${proxy.host}/retry/app:v1`);
      const { client, sleeps } = recordingClient();
      try {
        failFirst(100, /manifests\/v1$/, { kind: 'answer', status: 403, body: '{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}' });
        const err = await client.resolve(ref).catch((e: unknown) => e);
        assert.ok(isLogError(err, 'REGISTRY_DENIED'), String(err));
        assert.match(err.message, /DENIED: requested access/);
        assert.equal(sleeps.length, 0);
      } finally {
        client.close();
      }
    });

    it('detects a manifest or blob whose bytes are not those of the digest (REGISTRY_DIGEST_MISMATCH)', async () => {
      const ref = parseImageReference(`${proxy.host}/tamper/app:v1`);
      const { client } = recordingClient();
      try {
        const pushed = await pushTestImage(client, ref);
        const flip = (b: Buffer): Buffer => {
          const out = Buffer.from(b);
          out[out.length - 2] = (out[out.length - 2] ?? 0) ^ 1;
          return out;
        };
        proxy.fault = (req) => (req.method === 'GET' ? { kind: 'rewrite', body: flip } : undefined);
        for (const reference of [pushed.digest, 'v1']) {
          const err = await client.getManifest(ref, reference).catch((e: unknown) => e);
          assert.ok(isLogError(err, 'REGISTRY_DIGEST_MISMATCH'), `${reference}: ${String(err)}`);
        }
        proxy.fault = () => undefined;
        const manifest = JSON.parse(new TextDecoder().decode(pushed.bytes)) as { layers: Array<{ mediaType: string; digest: string; size: number }> };
        const layer = manifest.layers[0]!;
        proxy.fault = (req) => (req.method === 'GET' ? { kind: 'rewrite', body: flip } : undefined);
        await assert.rejects(client.getBlob(ref, layer), (e: unknown) => isLogError(e, 'REGISTRY_DIGEST_MISMATCH'));
      } finally {
        client.close();
      }
    });

    it('follows a blob redirect to another host without sending it the credentials', async () => {
      const basic = await startRegistry({ auth: 'htpasswd' });
      const front = await startFaultProxy(basic.host);
      const elsewhere = await startFaultProxy(reg.host);
      const { client } = recordingClient(0, () => ({ username: 'alice', password: 'wonderland' }));
      const anon = recordingClient().client;
      try {
        const pushed = await pushTestImage(client, parseImageReference(`${front.host}/redirect/app:v1`));
        await pushTestImage(anon, parseImageReference(`${reg.host}/redirect/app:v1`));
        const manifest = JSON.parse(new TextDecoder().decode(pushed.bytes)) as { layers: Array<{ mediaType: string; digest: string; size: number }> };
        const layer = manifest.layers[0]!;
        front.fault = (req) => (req.method === 'GET' && req.url.includes('/blobs/') ? { kind: 'answer', status: 307, headers: { Location: `http://${elsewhere.host}${req.url}` } } : undefined);
        const bytes = await client.getBlob(parseImageReference(`${front.host}/redirect/app`), layer);
        assert.equal(bytes.length, layer.size);
        const redirected = elsewhere.seen.filter((r) => r.url.includes('/blobs/'));
        assert.equal(redirected.length, 1);
        assert.equal(redirected[0]?.headers.authorization, undefined);
        assert.ok(front.seen.some((r) => r.url.includes('/blobs/') && r.headers.authorization?.startsWith('Basic ')));
      } finally {
        client.close();
        anon.close();
        await elsewhere.close();
        await front.close();
        await basic.stop();
      }
    });
  });
});

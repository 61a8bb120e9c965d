import assert from 'node:assert/strict';
import { isLogError } from '../../src/errors.js';
import {
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  OCI_INDEX,
  OCI_MANIFEST,
  RegistryClient,
  parseImageReference,
  sha256Digest,
} from '../../src/oci/index.js';
import { LINUX_AMD64, LINUX_ARM64, pushTestImage, type ImageFormat } from '../support/images.js';
import { requirePartOrSkip } from '../support/parts.js';
import { freePort, hasRegistry, startRegistry, type TestRegistry } from '../support/registry.js';

const noSleep = async (): Promise<void> => {};

describe('RegistryClient against docker-registry (anonymous)', () => {
  let reg: TestRegistry;
  let client: RegistryClient;

  before(async function () {
    requirePartOrSkip(this, 'REGISTRY', hasRegistry());
    reg = await startRegistry();
    client = new RegistryClient({ insecure: true, sleep: noSleep });
  });
  after(async () => {
    client?.close();
    await reg?.stop();
  });

  const cases: Array<{ format: ImageFormat; platforms: number; mediaType: string }> = [
    { format: 'oci', platforms: 1, mediaType: OCI_MANIFEST },
    { format: 'oci', platforms: 2, mediaType: OCI_INDEX },
    { format: 'docker', platforms: 1, mediaType: DOCKER_MANIFEST },
    { format: 'docker', platforms: 2, mediaType: DOCKER_MANIFEST_LIST },
  ];
  for (const c of cases) {
    describe(`when the image is ${c.mediaType}`, () => {
      it('resolves the tag and the digest to the sha256 of the exact manifest bytes, and fetches those bytes', async () => {
        const ref = parseImageReference(`${reg.host}/resolve/${c.format}${c.platforms}:v1`);
        const pushed = await pushTestImage(client, ref, { format: c.format, platforms: c.platforms === 1 ? [LINUX_AMD64] : [LINUX_AMD64, LINUX_ARM64] });
        assert.equal(pushed.mediaType, c.mediaType);
        assert.equal(pushed.digest, sha256Digest(pushed.bytes));
        const byTag = await client.resolve(ref);
        assert.deepEqual(byTag, { mediaType: c.mediaType, digest: pushed.digest, size: pushed.bytes.length });
        const byDigest = await client.resolve(parseImageReference(`${reg.host}/resolve/${c.format}${c.platforms}@${pushed.digest}`));
        assert.deepEqual(byDigest, byTag);
        for (const reference of ['v1', pushed.digest]) {
          const got = await client.getManifest(ref, reference);
          assert.deepEqual(Buffer.from(got.bytes), Buffer.from(pushed.bytes));
          assert.deepEqual(got.descriptor, byTag);
        }
        for (const child of pushed.manifests) {
          const got = await client.getManifest(ref, child.digest);
          assert.equal(got.descriptor.digest, child.digest);
          assert.equal(got.descriptor.mediaType, c.format === 'oci' ? OCI_MANIFEST : DOCKER_MANIFEST);
        }
      });
    });
  }

  describe('blobs', () => {
    it('pushes a blob once (a second push is skipped by HEAD) and fetches it back checked', async () => {
      const ref = parseImageReference(`${reg.host}/blobs/app`);
      const bytes = new TextEncoder().encode('some blob content\n');
      const seen: string[] = [];
      const talkative = new RegistryClient({ insecure: true, sleep: noSleep, onProgress: (m) => seen.push(m) });
      try {
        const desc = await talkative.putBlob(ref, bytes, 'text/plain');
        assert.deepEqual(desc, { mediaType: 'text/plain', digest: sha256Digest(bytes), size: bytes.length });
        assert.equal(seen.filter((m) => m.startsWith('pushing blob')).length, 1);
        await talkative.putBlob(ref, bytes, 'text/plain');
        assert.equal(seen.filter((m) => m.startsWith('pushing blob')).length, 1, 'second push skipped');
        assert.deepEqual(Buffer.from(await talkative.getBlob(ref, desc)), Buffer.from(bytes));
      } finally {
        talkative.close();
      }
    });

    it('refuses a blob whose size is not the descriptor\'s (REGISTRY_DIGEST_MISMATCH) or is over the limit', async () => {
      const ref = parseImageReference(`${reg.host}/blobs/app`);
      const bytes = new TextEncoder().encode('sized blob');
      const desc = await client.putBlob(ref, bytes);
      await assert.rejects(client.getBlob(ref, { ...desc, size: desc.size + 1 }), (e: unknown) => isLogError(e, 'REGISTRY_DIGEST_MISMATCH'));
      await assert.rejects(client.getBlob(ref, { ...desc, size: desc.size - 1 }), (e: unknown) => isLogError(e, 'REGISTRY_PROTOCOL'));
      await assert.rejects(client.getBlob(ref, desc, 4), (e: unknown) => isLogError(e, 'REGISTRY_PROTOCOL'));
    });

    it('answers REGISTRY_NOT_FOUND for an unknown blob, with the registry\'s code', async () => {
      const ref = parseImageReference(`${reg.host}/blobs/app`);
      const err = await client.getBlob(ref, { mediaType: 'x', digest: sha256Digest(new Uint8Array([1, 2, 3])), size: 3 }).catch((e: unknown) => e);
      assert.ok(isLogError(err, 'REGISTRY_NOT_FOUND'), String(err));
      assert.equal(err.details?.['registryCode'], 'BLOB_UNKNOWN');
    });
  });

  describe('manifests', () => {
    it('answers REGISTRY_NOT_FOUND for an unknown tag and an unknown repository', async () => {
      await pushTestImage(client, parseImageReference(`${reg.host}/known/app:v1`));
      for (const text of [`${reg.host}/known/app:nope`, `${reg.host}/unknown/app:v1`]) {
        const err = await client.resolve(parseImageReference(text)).catch((e: unknown) => e);
        assert.ok(isLogError(err, 'REGISTRY_NOT_FOUND'), `${text}: ${String(err)}`);
        const err2 = await client.getManifest(parseImageReference(text), 'v1x').catch((e: unknown) => e);
        assert.ok(isLogError(err2, 'REGISTRY_NOT_FOUND'), String(err2));
      }
    });

    it('refuses to push bytes under a digest that is not theirs, before sending', async () => {
      const ref = parseImageReference(`${reg.host}/known/app`);
      const bytes = new TextEncoder().encode('{"schemaVersion":2}');
      await assert.rejects(client.putManifest(ref, sha256Digest(new Uint8Array([0])), bytes, OCI_MANIFEST), (e: unknown) => isLogError(e, 'REGISTRY_DIGEST_MISMATCH'));
    });

    it('keeps a manifest\'s exact bytes (whitespace and key order) so its digest is stable', async () => {
      const ref = parseImageReference(`${reg.host}/exact/app`);
      const pushed = await pushTestImage(client, ref);
      const manifest = JSON.parse(new TextDecoder().decode(pushed.bytes)) as Record<string, unknown>;
      const odd = new TextEncoder().encode(`{\n  "mediaType": "${OCI_MANIFEST}",\n  "schemaVersion": 2,\n  "layers": ${JSON.stringify(manifest['layers'])},\n  "config": ${JSON.stringify(manifest['config'])}\n}\n`);
      await client.putManifest(ref, 'odd', odd, OCI_MANIFEST);
      const resolved = await client.resolve({ ...ref, tag: 'odd' });
      assert.equal(resolved.digest, sha256Digest(odd));
      assert.deepEqual(Buffer.from((await client.getManifest(ref, 'odd')).bytes), Buffer.from(odd));
    });
  });

  describe('when the registry is not there', () => {
    it('fails with REGISTRY_UNREACHABLE (connection refused), without retrying for long', async () => {
      const port = await freePort();
      let slept = 0;
      const c = new RegistryClient({ insecure: true, sleep: async (ms) => void (slept += ms) });
      const err = await c.resolve(parseImageReference(`127.0.0.1:${port}/app:v1`)).catch((e: unknown) => e);
      c.close();
      assert.ok(isLogError(err, 'REGISTRY_UNREACHABLE'), String(err));
      assert.match(err.message, /refused/);
      assert.equal(slept, 0);
    });

    it('fails with REGISTRY_UNREACHABLE when HTTPS meets a plain-HTTP registry, and says what to do', async () => {
      const c = new RegistryClient({ sleep: noSleep });
      const err = await c.resolve(parseImageReference(`${reg.host}/app:v1`)).catch((e: unknown) => e);
      c.close();
      assert.ok(isLogError(err, 'REGISTRY_UNREACHABLE'), String(err));
      assert.match(err.message, /--insecure-registry/);
    });
  });
});

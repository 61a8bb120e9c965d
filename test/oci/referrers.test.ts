import assert from 'node:assert/strict';
import { isLogError } from '../../src/errors.js';
import { OCI_INDEX, RegistryClient, fallbackTag, parseImageReference, type Descriptor, type ImageReference } from '../../src/oci/index.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { buildReferrerArtifact, pushTestImage } from '../support/images.js';
import { requirePartOrSkip } from '../support/parts.js';
import { startReferrersFront, type ReferrersFront } from '../support/referrers-front.js';
import { hasRegistry, startRegistry, type TestRegistry } from '../support/registry.js';

const noSleep = async (): Promise<void> => {};
const BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const SBOM = 'application/spdx+json';

describe('referrers', () => {
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

  async function image(host: string, name: string): Promise<{ ref: ImageReference; subject: Descriptor }> {
    const ref = parseImageReference(`${host}/${name}:v1`);
    const pushed = await pushTestImage(client, ref, { seed: name });
    return { ref, subject: { mediaType: pushed.mediaType, digest: pushed.digest, size: pushed.size } };
  }

  describe('on docker-registry 2.8 (no referrers API: the fallback tag)', () => {
    it('lists none for an image without referrers', async () => {
      const { ref, subject } = await image(reg.host, 'fallback/none');
      assert.deepEqual(await client.referrers(ref, subject.digest), []);
    });

    it('attaches two referrers to the sha256-<hex> index with artifactType and all annotations, once each', async () => {
      const { ref, subject } = await image(reg.host, 'fallback/two');
      const a = await buildReferrerArtifact(client, ref, subject, { artifactType: BUNDLE, content: 'bundle one', annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope', 'org.opencontainers.image.created': '2026-12-02T06:26:10Z' } });
      const b = await buildReferrerArtifact(client, ref, subject, { artifactType: SBOM, content: 'sbom', annotations: { note: 'second' } });
      const da = await client.attachReferrer(ref, a.bytes, a.mediaType);
      const db = await client.attachReferrer(ref, b.bytes, b.mediaType);
      await client.attachReferrer(ref, a.bytes, a.mediaType); // again: not listed twice
      assert.equal(da.digest, a.digest);
      assert.deepEqual(await client.referrers(ref, subject.digest), [
        { mediaType: a.mediaType, digest: a.digest, size: a.bytes.length, artifactType: BUNDLE, annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope', 'org.opencontainers.image.created': '2026-12-02T06:26:10Z' } },
        { mediaType: b.mediaType, digest: db.digest, size: b.bytes.length, artifactType: SBOM, annotations: { note: 'second' } },
      ]);
      assert.deepEqual((await client.referrers(ref, subject.digest, SBOM)).map((d) => d.digest), [db.digest]);
      // The tag holds an OCI index, as the distribution-spec's referrers tag schema says.
      const tag = fallbackTag(subject.digest);
      assert.equal(tag, `sha256-${subject.digest.slice(7)}`);
      const index = await client.getManifest(ref, tag);
      assert.equal(index.descriptor.mediaType, OCI_INDEX);
      assert.equal((JSON.parse(new TextDecoder().decode(index.bytes)) as { manifests: unknown[] }).manifests.length, 2);
      // The referrers themselves are stored by digest.
      assert.deepEqual(Buffer.from((await client.getManifest(ref, a.digest)).bytes), Buffer.from(a.bytes));
    });

    it('loses no entry when one client attaches many referrers at once', async () => {
      const { ref, subject } = await image(reg.host, 'fallback/concurrent');
      const artifacts = await Promise.all(Array.from({ length: 6 }, (_, i) => buildReferrerArtifact(client, ref, subject, { artifactType: BUNDLE, content: `bundle ${i}` })));
      await Promise.all(artifacts.map((a) => client.attachReferrer(ref, a.bytes, a.mediaType)));
      const listed = (await client.referrers(ref, subject.digest)).map((d) => d.digest).sort();
      assert.deepEqual(listed, artifacts.map((a) => a.digest).sort());
    });

    it('refuses a manifest without a subject', async () => {
      const { ref } = await image(reg.host, 'fallback/nosubject');
      const bytes = new TextEncoder().encode('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}');
      await assert.rejects(client.attachReferrer(ref, bytes, OCI_INDEX), (e: unknown) => isLogError(e, 'BAD_REQUEST'));
    });

    describe('when another writer replaces the index between our write and our check', () => {
      let proxy: FaultProxy;
      before(async () => {
        proxy = await startFaultProxy(reg.host);
      });
      after(async () => proxy?.close());

      it('adds its entry again and keeps the other writer\'s', async () => {
        const { subject } = await image(reg.host, 'fallback/race');
        const ref = parseImageReference(`${proxy.host}/fallback/race:v1`);
        const mine = await buildReferrerArtifact(client, ref, subject, { artifactType: BUNDLE, content: 'mine' });
        const theirs = await buildReferrerArtifact(client, ref, subject, { artifactType: SBOM, content: 'theirs' });
        await client.putManifest(ref, theirs.digest, theirs.bytes, theirs.mediaType);
        const theirIndex = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: theirs.mediaType, digest: theirs.digest, size: theirs.bytes.length, artifactType: SBOM }] };
        // Our first write of the tag is replaced by "their" index: what a racing writer's later PUT does.
        let raced = false;
        proxy.fault = (req) => {
          if (raced || req.method !== 'PUT' || !req.url.endsWith(`/manifests/${fallbackTag(subject.digest)}`)) return undefined;
          raced = true;
          return { kind: 'replace-request', body: Buffer.from(JSON.stringify(theirIndex)) };
        };
        const progress: string[] = [];
        const c = new RegistryClient({ insecure: true, sleep: noSleep, onProgress: (m) => progress.push(m) });
        try {
          await c.attachReferrer(ref, mine.bytes, mine.mediaType);
        } finally {
          c.close();
        }
        assert.ok(raced);
        assert.ok(progress.some((m) => m.includes('replaced by another writer')), progress.join('\n'));
        const listed = (await client.referrers(ref, subject.digest)).map((d) => d.digest).sort();
        assert.deepEqual(listed, [mine.digest, theirs.digest].sort());
      });
    });
  });

  describe('behind a referrers-API front (200 + OCI index, OCI-Subject)', () => {
    let front: ReferrersFront;
    before(async () => {
      front = await startReferrersFront(reg.host, { pageSize: 2 });
    });
    after(async () => front?.close());

    it('trusts OCI-Subject (no fallback tag), lists through the API across Link pages, and filters', async () => {
      const { subject } = await image(reg.host, 'api/app');
      const ref = parseImageReference(`${front.host}/api/app:v1`);
      const made = [];
      for (let i = 0; i < 5; i++) {
        const a = await buildReferrerArtifact(client, ref, subject, { artifactType: i % 2 === 0 ? BUNDLE : SBOM, content: `artifact ${i}`, annotations: { i: String(i) } });
        await client.attachReferrer(ref, a.bytes, a.mediaType);
        made.push(a);
      }
      await assert.rejects(client.getManifest(ref, fallbackTag(subject.digest)), (e: unknown) => isLogError(e, 'REGISTRY_NOT_FOUND'));
      const before = front.proxy.seen.length;
      const listed = await client.referrers(ref, subject.digest);
      assert.deepEqual(listed.map((d) => d.digest), made.map((a) => a.digest));
      assert.deepEqual(listed.map((d) => d.annotations?.['i']), ['0', '1', '2', '3', '4']);
      assert.equal(front.proxy.seen.slice(before).filter((r) => r.url.includes('/referrers/')).length, 3, 'three pages of two');
      const bundles = await client.referrers(ref, subject.digest, BUNDLE);
      assert.deepEqual(bundles.map((d) => d.digest), [made[0]!.digest, made[2]!.digest, made[4]!.digest]);
    });

    it('falls back to the tag when the API answers 200 without an OCI index content type', async () => {
      const { ref: direct, subject } = await image(reg.host, 'api/notindex');
      const a = await buildReferrerArtifact(client, direct, subject, { artifactType: BUNDLE, content: 'x' });
      await client.attachReferrer(direct, a.bytes, a.mediaType); // plain registry: fallback tag
      const proxy = await startFaultProxy(reg.host);
      try {
        proxy.fault = (req) => (req.url.includes('/referrers/') ? { kind: 'answer', status: 200, headers: { 'Content-Type': 'application/json' }, body: '{"manifests":[]}' } : undefined);
        const listed = await client.referrers(parseImageReference(`${proxy.host}/api/notindex`), subject.digest);
        assert.deepEqual(listed.map((d) => d.digest), [a.digest]);
      } finally {
        await proxy.close();
      }
    });
  });
});

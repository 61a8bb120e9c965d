/**
 * The referrers fallback tag as another implementation writes and reads it:
 * sigstore-js's @sigstore/oci 0.6.0 (used by npm and actions/attest) attaches
 * bundles to an image in docker-registry 2.8; the Cairn client must list
 * what it attached, and it must keep what Cairn attached.
 */
import assert from 'node:assert/strict';
import { attachArtifactToImage, getImageDigest } from '@sigstore/oci';
import { RegistryClient, parseImageReference, type Descriptor } from '../../../src/oci/index.js';
import { buildReferrerArtifact, pushTestImage } from '../../support/images.js';
import { requirePartOrSkip } from '../../support/parts.js';
import { hasRegistry, startRegistry, type TestRegistry } from '../../support/registry.js';

const BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

describe('referrers interop with @sigstore/oci 0.6.0 on docker-registry', () => {
  let reg: TestRegistry;
  let client: RegistryClient;
  before(async function () {
    requirePartOrSkip(this, 'REGISTRY', hasRegistry());
    reg = await startRegistry();
    client = new RegistryClient({ insecure: true, sleep: async () => {} });
  });
  after(async () => {
    client?.close();
    await reg?.stop();
  });

  async function image(name: string): Promise<Descriptor> {
    const pushed = await pushTestImage(client, parseImageReference(`${reg.host}/${name}:v1`), { seed: name });
    return { mediaType: pushed.mediaType, digest: pushed.digest, size: pushed.size };
  }

  it('agrees on the digest of a tag', async () => {
    const subject = await image('sigstore/digest');
    // credentials undefined: the registry has no auth (0.6.0 throws on a challenge-less 202 otherwise).
    const theirs = await getImageDigest({ imageName: `${reg.host}/sigstore/digest`, imageTag: 'v1', credentials: undefined as never });
    assert.equal(theirs, subject.digest);
  });

  it('lists a bundle @sigstore/oci attached, with its artifactType, annotations and exact bytes', async () => {
    const subject = await image('sigstore/theirs');
    const artifact = Buffer.from(JSON.stringify({ mediaType: BUNDLE, note: 'attached by @sigstore/oci' }));
    const desc = await attachArtifactToImage({
      imageName: `${reg.host}/sigstore/theirs`,
      imageDigest: subject.digest,
      artifact,
      mediaType: BUNDLE,
      annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': 'https://sigstore.dev/cosign/sign/v1' },
      credentials: undefined as never,
    });
    const ref = parseImageReference(`${reg.host}/sigstore/theirs`);
    const listed = await client.referrers(ref, subject.digest, BUNDLE);
    assert.equal(listed.length, 1);
    assert.equal(listed[0]?.digest, desc.digest);
    assert.equal(listed[0]?.artifactType, BUNDLE);
    assert.equal(listed[0]?.annotations?.['dev.sigstore.bundle.predicateType'], 'https://sigstore.dev/cosign/sign/v1');
    const manifest = await client.getManifest(ref, desc.digest);
    const parsed = JSON.parse(new TextDecoder().decode(manifest.bytes)) as { subject: { digest: string }; layers: Descriptor[] };
    assert.equal(parsed.subject.digest, subject.digest);
    const layer = parsed.layers[0];
    assert.ok(layer !== undefined);
    assert.deepEqual(Buffer.from(await client.getBlob(ref, layer)), artifact);
  });

  it('keeps both when Cairn attaches first and @sigstore/oci second, and the other way round', async () => {
    const subject = await image('sigstore/both');
    const ref = parseImageReference(`${reg.host}/sigstore/both`);
    const ours1 = await buildReferrerArtifact(client, ref, subject, { artifactType: BUNDLE, content: 'cairn one', annotations: { by: 'cairn' } });
    await client.attachReferrer(ref, ours1.bytes, ours1.mediaType);
    const theirs = await attachArtifactToImage({ imageName: `${reg.host}/sigstore/both`, imageDigest: subject.digest, artifact: Buffer.from('{"x":1}'), mediaType: BUNDLE, credentials: undefined as never });
    const ours2 = await buildReferrerArtifact(client, ref, subject, { artifactType: BUNDLE, content: 'cairn two', annotations: { by: 'cairn' } });
    await client.attachReferrer(ref, ours2.bytes, ours2.mediaType);
    const listed = await client.referrers(ref, subject.digest);
    assert.deepEqual(listed.map((d) => d.digest), [ours1.digest, theirs.digest, ours2.digest]);
    assert.equal(listed[0]?.annotations?.['by'], 'cairn');
  });
});

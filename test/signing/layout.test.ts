/**
 * Where signatures live in a registry: cosign's legacy `.sig`/`.att` manifests
 * (oci-signatures.md §2) and bundles as OCI 1.1 artifacts (§6).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { isLogError } from '../../src/errors.js';
import {
  ANNOTATION_BUNDLE,
  ANNOTATION_SIGNATURE,
  OCI_EMPTY_DIGEST,
  appendSignatureLayer,
  attestationTag,
  bundleArtifactManifest,
  legacyAttestationLayer,
  legacySignatureLayer,
  parseCosignBundleAnnotation,
  parseImageManifest,
  sha256Digest,
  signatureTag,
  simpleSigningPayload,
  type TlogEntry,
} from '../../src/signing/index.js';

const D = `sha256:${'cd'.repeat(32)}`;
const entry: TlogEntry = {
  body: new TextEncoder().encode('{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{}}'),
  integratedTime: 1_700_000_000,
  logIndex: 42,
  logId: 'ef'.repeat(32),
  signedEntryTimestamp: new Uint8Array([9, 9, 9]),
};

function layer(n: number) {
  return legacySignatureLayer({ payload: simpleSigningPayload('r.example/app', D), signature: new Uint8Array([n]), entry });
}

describe('legacy tags', () => {
  it('are sha256-<hex>.sig and .att', () => {
    assert.equal(signatureTag(D), `sha256-${'cd'.repeat(32)}.sig`);
    assert.equal(attestationTag(D), `sha256-${'cd'.repeat(32)}.att`);
    assert.throws(() => signatureTag('sha512:00'), (e: unknown) => isLogError(e, 'ARTIFACT_INVALID'));
  });
});

describe('legacySignatureLayer', () => {
  it('is the payload blob with the signature and the SET bundle annotations', () => {
    const l = layer(1);
    assert.equal(l.descriptor.mediaType, 'application/vnd.dev.cosign.simplesigning.v1+json');
    assert.equal(l.descriptor.digest, sha256Digest(l.bytes));
    assert.equal(l.descriptor.annotations?.[ANNOTATION_SIGNATURE], 'AQ==');
    const bundle = l.descriptor.annotations?.[ANNOTATION_BUNDLE] ?? '';
    assert.equal(
      bundle,
      `{"SignedEntryTimestamp":"CQkJ","Payload":{"body":"${Buffer.from(entry.body).toString('base64')}","integratedTime":1700000000,"logIndex":42,"logID":"${'ef'.repeat(32)}"}}`,
    );
    assert.deepEqual(parseCosignBundleAnnotation(bundle), entry);
  });

  it('the .att layer is the envelope with an empty signature annotation and the predicate type', () => {
    const env = { payloadType: 'application/vnd.in-toto+json', payload: new Uint8Array([123, 125]), signatures: [{ keyid: '', sig: new Uint8Array([1]) }] };
    const l = legacyAttestationLayer(env, 'https://slsa.dev/provenance/v1', entry);
    assert.equal(l.descriptor.mediaType, 'application/vnd.dsse.envelope.v1+json');
    assert.equal(l.descriptor.annotations?.[ANNOTATION_SIGNATURE], '');
    assert.equal(l.descriptor.annotations?.['predicateType'], 'https://slsa.dev/provenance/v1');
  });
});

describe('appendSignatureLayer', () => {
  it('starts a manifest, appends without replacing, and skips an identical duplicate', () => {
    const first = appendSignatureLayer(undefined, layer(1));
    assert.equal(first.appended, true);
    const m1 = parseImageManifest(first.manifest.bytes);
    assert.equal(m1.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.equal(m1.layers.length, 1);
    assert.equal(first.manifest.digest, sha256Digest(first.manifest.bytes));
    assert.equal(first.manifest.blobs.length, 2);

    const second = appendSignatureLayer(first.manifest.bytes, layer(2));
    const m2 = parseImageManifest(second.manifest.bytes);
    assert.deepEqual(m2.layers.map((l) => l.annotations?.[ANNOTATION_SIGNATURE]), ['AQ==', 'Ag==']);
    const config = JSON.parse(Buffer.from(second.manifest.blobs[0]!.bytes).toString()) as { rootfs: { diff_ids: string[] } };
    assert.deepEqual(config.rootfs.diff_ids, m2.layers.map((l) => l.digest));

    const again = appendSignatureLayer(second.manifest.bytes, layer(2));
    assert.equal(again.appended, false);
    assert.deepEqual(again.manifest.bytes, second.manifest.bytes);
    assert.equal(again.manifest.blobs.length, 0);
  });

  it('keeps layers written by others exactly, unknown fields included', () => {
    const foreign = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${'00'.repeat(32)}`, size: 2 },
      layers: [{ mediaType: 'x/y', digest: `sha256:${'11'.repeat(32)}`, size: 3, annotations: { a: 'b' }, urls: ['u'] }],
      annotations: { keep: 'me' },
    };
    const r = appendSignatureLayer(new TextEncoder().encode(JSON.stringify(foreign)), layer(3));
    const json = JSON.parse(Buffer.from(r.manifest.bytes).toString()) as typeof foreign;
    assert.deepEqual(json.layers[0], foreign.layers[0]);
    assert.deepEqual(json.annotations, { keep: 'me' });
  });

  it('refuses a manifest that is not an image manifest', () => {
    assert.throws(() => appendSignatureLayer(new TextEncoder().encode('{"schemaVersion":2}'), layer(1)), (e: unknown) => isLogError(e, 'ARTIFACT_INVALID'));
  });
});

describe('bundleArtifactManifest', () => {
  it('writes the OCI 1.1 artifact @sigstore/oci writes: empty config, one layer, subject, annotations', () => {
    const bundle = new TextEncoder().encode('{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}');
    const subject = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: D as `sha256:${string}`, size: 1234 };
    const m = bundleArtifactManifest({
      bundle,
      subject,
      created: '2026-12-02T06:26:10Z',
      content: 'dsse-envelope',
      predicateType: 'https://sigstore.dev/cosign/sign/v1',
    });
    const json = JSON.parse(Buffer.from(m.bytes).toString()) as Record<string, any>;
    assert.equal(json['artifactType'], 'application/vnd.dev.sigstore.bundle.v0.3+json');
    assert.deepEqual(json['config'], { mediaType: 'application/vnd.oci.empty.v1+json', digest: OCI_EMPTY_DIGEST, size: 2 });
    assert.equal(OCI_EMPTY_DIGEST, `sha256:${createHash('sha256').update('{}').digest('hex')}`);
    assert.deepEqual(json['layers'], [{ mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', digest: sha256Digest(bundle), size: bundle.length }]);
    assert.deepEqual(json['subject'], subject);
    assert.deepEqual(json['annotations'], {
      'org.opencontainers.image.created': '2026-12-02T06:26:10Z',
      'dev.sigstore.bundle.content': 'dsse-envelope',
      'dev.sigstore.bundle.predicateType': 'https://sigstore.dev/cosign/sign/v1',
    });
    assert.deepEqual(m.blobs.map((b) => b.descriptor.digest), [OCI_EMPTY_DIGEST, sha256Digest(bundle)]);
    assert.throws(() => bundleArtifactManifest({ bundle, subject, created: 'yesterday', content: 'dsse-envelope' }), (e: unknown) => isLogError(e, 'ARTIFACT_INVALID'));
  });
});

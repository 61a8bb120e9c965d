/**
 * `cairn sign` / `cairn verify-attestation` against sigstore-js, software
 * we did not write, with real parts (docker-registry, a `cairn serve` log):
 * - @sigstore/verify 3.1.1 verifies the bundles `cairn sign` and
 *   `cairn attest` attached to an image (trusted root holding Cairn's log
 *   key, the signer's key as a public-key verifier);
 * - `cairn verify-attestation` accepts an attestation that @sigstore/sign
 *   4.1.1 signed (logged in Cairn as a dsse entry) and @sigstore/oci 0.6.0
 *   attached to the image, and refuses it for another predicate type.
 */
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleFromJSON, bundleToJSON } from '@sigstore/bundle';
import { attachArtifactToImage } from '@sigstore/oci';
import { HashAlgorithm, PublicKeyDetails, type TrustedRoot } from '@sigstore/protobuf-specs';
import { DSSEBundleBuilder, RekorWitness, type Signer } from '@sigstore/sign';
import { Verifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';
import { parseImageReference } from '../../../src/oci/index.js';
import { publicKeyHint } from '../../../src/signing/index.js';
import { describeRun } from '../../support/cairn-cli.js';
import { requirePartOrSkip } from '../../support/parts.js';
import { hasRegistry } from '../../support/registry.js';
import { startSigningWorld, type SigningWorld } from '../../support/image-signing.js';

const SLSA = 'https://slsa.dev/provenance/v1';

describe('image signing interop with sigstore-js', function () {
  this.timeout(120_000);
  let w: SigningWorld;

  before(async function () {
    requirePartOrSkip(this, 'REGISTRY', hasRegistry());
    w = await startSigningWorld();
  });
  after(async () => {
    await w?.stop();
  });

  /** The signer's key under the hint its bundles carry, and Cairn as the one trusted log. */
  function verifier(): Verifier {
    const signerDer = createPublicKey(readFileSync(w.pubFile, 'utf8')).export({ type: 'spki', format: 'der' });
    const logDer = createPublicKey(readFileSync(w.logKeyFile, 'utf8')).export({ type: 'spki', format: 'der' });
    const root: TrustedRoot = {
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      tlogs: [
        {
          // The log's checkpoints are signed under the host of its --public-url (default localhost:3000).
          baseUrl: 'http://localhost:3000',
          hashAlgorithm: HashAlgorithm.SHA2_256,
          publicKey: { rawBytes: logDer, keyDetails: PublicKeyDetails.PKIX_ED25519, validFor: { start: new Date(0), end: undefined } },
          logId: { keyId: Buffer.from(createHashHex(logDer), 'hex') },
          checkpointKeyId: undefined,
          operator: '',
        },
      ],
      certificateAuthorities: [],
      ctlogs: [],
      timestampAuthorities: [],
    };
    const material = toTrustMaterial(root, {
      [publicKeyHint(new Uint8Array(signerDer))]: {
        rawBytes: signerDer,
        keyDetails: PublicKeyDetails.PKIX_ECDSA_P256_SHA_256,
        validFor: { start: new Date(0), end: undefined },
      },
    });
    return new Verifier(material, { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 });
  }

  async function attachedBundles(ref: string, digest: string): Promise<Buffer[]> {
    const image = parseImageReference(ref);
    const out: Buffer[] = [];
    for (const d of await w.client.referrers(image, digest)) {
      const m = JSON.parse(new TextDecoder().decode((await w.client.getManifest(image, d.digest)).bytes)) as { layers: never[] };
      out.push(Buffer.from(await w.client.getBlob(image, m.layers[0]!)));
    }
    return out;
  }

  it('@sigstore/verify verifies the bundle cairn sign attached, and the one it wrote to --bundle-out', async () => {
    const { ref, image } = await w.push('interop/signed');
    const out = join(w.dir, 'signed.sigstore.json');
    const r = await w.run(['sign', ref, ...w.signFlags(), '--format', 'bundle', '--bundle-out', out]);
    assert.equal(r.status, 0, describeRun(r));
    const [attached] = await attachedBundles(ref, image.digest);
    assert.ok(attached !== undefined);
    assert.deepEqual(attached, readFileSync(out));
    const bundle = bundleFromJSON(JSON.parse(attached.toString('utf8')));
    verifier().verify(toSignedEntity(bundle));
    const statement = JSON.parse(Buffer.from(bundle.content.$case === 'dsseEnvelope' ? bundle.content.dsseEnvelope.payload : Buffer.alloc(0)).toString('utf8')) as {
      subject: Array<{ digest: { sha256: string } }>;
      predicateType: string;
    };
    assert.equal(`sha256:${statement.subject[0]?.digest.sha256}`, image.digest);
    assert.equal(statement.predicateType, 'https://sigstore.dev/cosign/sign/v1');
  });

  it('@sigstore/verify verifies the bundle cairn attest attached; cairn verify-attestation accepts it', async () => {
    const { ref, image } = await w.push('interop/attested');
    const predicate = join(w.dir, 'provenance.json');
    writeFileSync(predicate, JSON.stringify({ buildDefinition: { buildType: 'https://example.com/ci' }, runDetails: {} }));
    const r = await w.run(['attest', ref, ...w.signFlags(), '--predicate', predicate, '--type', SLSA]);
    assert.equal(r.status, 0, describeRun(r));
    const bundles = await attachedBundles(ref, image.digest);
    assert.equal(bundles.length, 1);
    verifier().verify(toSignedEntity(bundleFromJSON(JSON.parse(bundles[0]!.toString('utf8')))));
    const v = await w.run(['verify-attestation', ref, ...w.verifyFlags(), '--type', SLSA, '--log-url', w.logUrl]);
    assert.equal(v.status, 0, describeRun(v));
    assert.match(v.stdout, /^VERIFIED legacy sha256-[0-9a-f]{64}\.att#0: /m);
    assert.match(v.stdout, /^VERIFIED bundle /m);
    const other = await w.run(['verify-attestation', ref, ...w.verifyFlags(), '--type', 'https://example.com/other', '--output', 'json']);
    assert.equal(other.status, 1, describeRun(other));
    assert.match(other.stdout, /PREDICATE_TYPE_MISMATCH/);
  });

  it('cairn verify-attestation accepts an attestation @sigstore/sign signed and @sigstore/oci attached', async () => {
    const { ref, image } = await w.push('interop/theirs');
    const key = createPrivateKey(readFileSync(w.keyFile, 'utf8'));
    const pem = readFileSync(w.pubFile, 'utf8');
    const signer: Signer = {
      sign: async (data) => ({ signature: sign('sha256', data, key), key: { $case: 'publicKey', publicKey: pem, hint: 'ci-key' } }),
    };
    const witness = new RekorWitness({ rekorBaseURL: w.logUrl, entryType: 'dsse', fetchOnConflict: false, retry: 0, timeout: 10_000 });
    const statement = {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'image', digest: { sha256: image.digest.slice('sha256:'.length) } }],
      predicateType: SLSA,
      predicate: { builder: { id: 'https://example.com/builder' } },
    };
    const bundle = await new DSSEBundleBuilder({ signer, witnesses: [witness] }).create({
      data: Buffer.from(JSON.stringify(statement)),
      type: 'application/vnd.in-toto+json',
    });
    const json = bundleToJSON(bundle);
    const imageRef = parseImageReference(ref);
    await attachArtifactToImage({
      imageName: `${imageRef.registry}/${imageRef.repository}`,
      imageDigest: image.digest,
      artifact: Buffer.from(JSON.stringify(json)),
      mediaType: json.mediaType,
      annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': SLSA },
      // docker-registry here has no auth; @sigstore/oci 0.6.0 throws on its challenge-less upload otherwise.
      credentials: undefined as never,
    });
    const v = await w.run(['verify-attestation', ref, ...w.verifyFlags(), '--type', SLSA, '--output', 'json']);
    assert.equal(v.status, 0, describeRun(v));
    const out = JSON.parse(v.stdout) as { attestations: Array<{ format: string; ok: boolean }> };
    assert.deepEqual(out.attestations.map((a) => [a.format, a.ok]), [['bundle', true]]);
    const online = await w.run(['verify-attestation', ref, ...w.verifyFlags(), '--type', SLSA, '--log-url', w.logUrl]);
    assert.equal(online.status, 0, describeRun(online));
    const wrongType = await w.run(['verify-attestation', ref, ...w.verifyFlags(), '--type', 'https://example.com/other']);
    assert.equal(wrongType.status, 1, describeRun(wrongType));
  });
});

function createHashHex(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex');
}

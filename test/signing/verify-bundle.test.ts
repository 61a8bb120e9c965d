/**
 * verifyBundle, verifyBundleManifest and verifyLegacyAttestation over
 * statements logged in a real Cairn: accepted as built, and each refusal
 * with its reason code.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import {
  COSIGN_SIGN_PREDICATE_TYPE,
  buildBundle,
  bundleArtifactManifest,
  bundleBytes,
  describe as describeBlob,
  inTotoStatement,
  legacyAttestationLayer,
  publicKeyHint,
  sha256Digest,
  verifyBundle,
  verifyBundleManifest,
  verifyLegacyAttestation,
  type DsseEnvelope,
  type TlogEntry,
  type Verdict,
} from '../../src/signing/index.js';
import { cosignCheckpoint, logStatement, startCairn, testSigner, testWitness, type CairnServer } from '../support/signing-log.js';
import { createTrust, type TrustPolicy } from '../../src/verifier/index.js';
import { logIdOfKey } from '../support/log-id.js';

const D = `sha256:${'4d'.repeat(32)}`;
type Json = Record<string, any>;

function refused<T>(v: Verdict<T>, reason: string): void {
  assert.equal(v.ok ? 'verified' : v.reason, reason, v.ok ? '' : v.message);
}

describe('verifyBundle against a real Cairn log', () => {
  let cairn: CairnServer;
  const signer = testSigner();
  let envelope: DsseEnvelope;
  let entry: TlogEntry;
  let bundle: Json;
  let policy: TrustPolicy;

  const bytesOf = (b: Json): Uint8Array => bundleBytes(b);
  const mutate = (f: (b: Json) => void): Uint8Array => {
    const b = structuredClone(bundle);
    f(b);
    return bytesOf(b);
  };
  const check = (bytes: Uint8Array, p: TrustPolicy = policy, predicateType: string | undefined = COSIGN_SIGN_PREDICATE_TYPE) =>
    verifyBundle({ bundle: bytes, imageDigest: D, ...(predicateType === undefined ? {} : { predicateType }) }, createTrust(p));

  before(async () => {
    cairn = await startCairn();
    ({ envelope, entry } = await logStatement(cairn.url, signer, inTotoStatement(D, COSIGN_SIGN_PREDICATE_TYPE, {})));
    bundle = buildBundle({ entry, content: { dsseEnvelope: envelope }, publicKeyHint: publicKeyHint(signer.spkiDer) });
    policy = { signerKeys: [signer.publicKey], logKeys: [cairn.identity.publicKey] };
  });
  after(async () => {
    await cairn?.close();
  });

  it('verifies: SET, proof, checkpoint, body, PAE signature, subject and predicate type', async () => {
    const v = await check(bytesOf(bundle), { ...policy, requireInclusionProof: true });
    assert.ok(v.ok, v.ok ? '' : v.message);
    assert.equal(v.value.statement.predicateType, COSIGN_SIGN_PREDICATE_TYPE);
    assert.equal(v.value.tlog?.set, true);
    assert.ok(v.value.tlog?.proofTreeSize !== undefined);
  });

  it('verifies with the proof alone, and with the SET alone in a v0.1 bundle', async () => {
    assert.ok((await check(mutate((b) => delete b['verificationMaterial'].tlogEntries[0].inclusionPromise))).ok);
    const v01 = mutate((b) => {
      b['mediaType'] = 'application/vnd.dev.sigstore.bundle+json;version=0.1';
      delete b['verificationMaterial'].tlogEntries[0].inclusionProof;
    });
    assert.ok((await check(v01)).ok);
  });

  it('accepts the older media type spellings', async () => {
    for (const v of ['0.2', '0.3']) {
      assert.ok((await check(mutate((b) => (b['mediaType'] = `application/vnd.dev.sigstore.bundle+json;version=${v}`)))).ok);
    }
  });

  describe('when something is wrong', () => {
    it('the wrong key: SIGNATURE_INVALID', async () => {
      refused(await check(bytesOf(bundle), { ...policy, signerKeys: [testSigner().publicKey] }), 'SIGNATURE_INVALID');
    });

    it('a tampered statement: BODY_MISMATCH (the log holds the original payload hash)', async () => {
      const other = Buffer.from(inTotoStatement(D, COSIGN_SIGN_PREDICATE_TYPE, { x: 1 })).toString('base64');
      refused(await check(mutate((b) => (b['dsseEnvelope'].payload = other))), 'BODY_MISMATCH');
    });

    it('a statement for another digest: DIGEST_MISMATCH', async () => {
      refused(await verifyBundle({ bundle: bytesOf(bundle), imageDigest: `sha256:${'00'.repeat(32)}` }, createTrust(policy)), 'DIGEST_MISMATCH');
    });

    it('another predicate type than required: PREDICATE_TYPE_MISMATCH', async () => {
      refused(await check(bytesOf(bundle), policy, 'https://slsa.dev/provenance/v1'), 'PREDICATE_TYPE_MISMATCH');
      assert.ok((await check(bytesOf(bundle), policy, undefined)).ok);
    });

    it('a flipped SET: SET_INVALID', async () => {
      refused(
        await check(mutate((b) => {
          const p = b['verificationMaterial'].tlogEntries[0].inclusionPromise;
          const set = Buffer.from(p.signedEntryTimestamp, 'base64');
          set[5] = (set[5] ?? 0) ^ 1;
          p.signedEntryTimestamp = set.toString('base64');
        })),
        'SET_INVALID',
      );
    });

    it('an entry from another log: UNKNOWN_LOG', async () => {
      const otherLog = generateKeyPairSync('ed25519').publicKey;
      refused(await check(bytesOf(bundle), { ...policy, logKeys: [otherLog] }), 'UNKNOWN_LOG');
      const relabelled = mutate((b) => (b['verificationMaterial'].tlogEntries[0].logId.keyId = Buffer.from(logIdOfKey(otherLog), 'hex').toString('base64')));
      refused(await check(relabelled, { ...policy, logKeys: [cairn.identity.publicKey, otherLog] }), 'SET_INVALID');
    });

    it('a body that does not match the signature: BODY_MISMATCH', async () => {
      const second = await logStatement(cairn.url, signer, inTotoStatement(D, COSIGN_SIGN_PREDICATE_TYPE, {}));
      const swapped = buildBundle({ entry: second.entry, content: { dsseEnvelope: envelope }, publicKeyHint: 'x' });
      refused(await check(bytesOf(swapped)), 'BODY_MISMATCH');
    });

    it('a bad checkpoint signature: CHECKPOINT_INVALID', async () => {
      refused(
        await check(mutate((b) => {
          const cp = b['verificationMaterial'].tlogEntries[0].inclusionProof.checkpoint;
          cp.envelope = cp.envelope.replace(/\n(\d+)\n/, (_m: string, n: string) => `\n${Number(n) + 1}\n`);
          delete b['verificationMaterial'].tlogEntries[0].inclusionPromise;
        })),
        'CHECKPOINT_INVALID',
      );
    });

    it('too few witnesses; enough once they cosign the checkpoint', async () => {
      const ws = [testWitness('w1.example'), testWitness('w2.example'), testWitness('w3.example')];
      const p = { ...policy, witnesses: { vkeys: ws.map((w) => w.vkey), min: 2 } };
      refused(await check(bytesOf(bundle), p), 'TOO_FEW_WITNESSES');
      const cosigned = (n: number) =>
        mutate((b) => {
          const cp = b['verificationMaterial'].tlogEntries[0].inclusionProof.checkpoint;
          cp.envelope = cosignCheckpoint(cp.envelope, ws.slice(0, n));
        });
      refused(await check(cosigned(1), p), 'TOO_FEW_WITNESSES');
      const v = await check(cosigned(3), p);
      assert.ok(v.ok && v.value.tlog?.witnesses === 3);
    });

    it('an unknown media type: BUNDLE_MEDIA_TYPE_UNSUPPORTED; a v0.3 bundle without proof: BUNDLE_INVALID', async () => {
      refused(await check(mutate((b) => (b['mediaType'] = 'application/vnd.dev.sigstore.bundle.v0.4+json'))), 'BUNDLE_MEDIA_TYPE_UNSUPPORTED');
      refused(await check(mutate((b) => delete b['verificationMaterial'].tlogEntries[0].inclusionProof)), 'BUNDLE_INVALID');
      refused(await check(new TextEncoder().encode('not json')), 'BUNDLE_INVALID');
    });

    it('a message signature or a certificate: *_UNSUPPORTED', async () => {
      const msg = mutate((b) => {
        delete b['dsseEnvelope'];
        b['messageSignature'] = { messageDigest: { algorithm: 'SHA2_256', digest: Buffer.alloc(32).toString('base64') }, signature: 'AQ==' };
      });
      refused(await check(msg), 'BUNDLE_CONTENT_UNSUPPORTED');
      refused(await check(mutate((b) => (b['verificationMaterial'] = { ...b['verificationMaterial'], publicKey: undefined, certificate: { rawBytes: 'AQ==' } }))), 'CERTIFICATE_UNSUPPORTED');
    });

    it('no log entry: TLOG_ENTRY_MISSING', async () => {
      refused(await check(mutate((b) => delete b['verificationMaterial'].tlogEntries)), 'TLOG_ENTRY_MISSING');
    });

    it('a blob that is not what its descriptor says: BLOB_DIGEST_MISMATCH', async () => {
      const bytes = bytesOf(bundle);
      const descriptor = describeBlob('application/vnd.dev.sigstore.bundle.v0.3+json', new Uint8Array([1]));
      refused(await verifyBundle({ bundle: bytes, descriptor, imageDigest: D }, createTrust(policy)), 'BLOB_DIGEST_MISMATCH');
    });
  });

  describe('verifyBundleManifest', () => {
    const subject = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: D as `sha256:${string}`, size: 500 };
    const made = () => bundleArtifactManifest({ bundle: bytesOf(bundle), subject, created: '2026-12-02T08:00:00Z', content: 'dsse-envelope' });

    it('accepts the artifact and names its bundle layer', async () => {
      const m = made();
      const v = verifyBundleManifest(m.bytes, m.digest, D);
      assert.ok(v.ok);
      assert.equal(v.value.layer.digest, sha256Digest(bytesOf(bundle)));
      assert.ok((await verifyBundle({ bundle: bytesOf(bundle), descriptor: v.value.layer, imageDigest: D, predicateType: COSIGN_SIGN_PREDICATE_TYPE }, createTrust(policy))).ok);
    });

    it('refuses another subject, other bytes, or not exactly one bundle layer', async () => {
      const m = made();
      refused(verifyBundleManifest(m.bytes, m.digest, `sha256:${'11'.repeat(32)}`), 'SUBJECT_MISMATCH');
      refused(verifyBundleManifest(m.bytes, `sha256:${'22'.repeat(32)}`, D), 'BLOB_DIGEST_MISMATCH');
      const json = JSON.parse(Buffer.from(m.bytes).toString()) as Json;
      json['layers'].push(json['layers'][0]);
      const two = new TextEncoder().encode(JSON.stringify(json));
      refused(verifyBundleManifest(two, sha256Digest(two), D), 'MANIFEST_INVALID');
    });
  });

  describe('verifyLegacyAttestation', () => {
    it('verifies the .att layer (envelope blob, SET annotation) and refuses another predicate type', async () => {
      const layer = legacyAttestationLayer(envelope, COSIGN_SIGN_PREDICATE_TYPE, entry);
      const input = { descriptor: layer.descriptor, blob: layer.bytes, imageDigest: D, repository: 'r/app' };
      const v = await verifyLegacyAttestation({ ...input, predicateType: COSIGN_SIGN_PREDICATE_TYPE }, createTrust(policy));
      assert.ok(v.ok, v.ok ? '' : v.message);
      refused(await verifyLegacyAttestation({ ...input, predicateType: 'https://x' }, createTrust(policy)), 'PREDICATE_TYPE_MISMATCH');
      refused(await verifyLegacyAttestation({ ...input, blob: new Uint8Array([1]) }, createTrust(policy)), 'BLOB_DIGEST_MISMATCH');
    });
  });
});

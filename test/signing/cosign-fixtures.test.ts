/**
 * Signatures cosign itself made, logged in the public-good Rekor (ECDSA
 * P-256 log key), from containers/image's test data: verified by
 * verifyLegacySignature with the signer's key and Rekor's key, and refused,
 * each with its reason, when anything about them is wrong.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import {
  ANNOTATION_BUNDLE,
  ANNOTATION_SIGNATURE,
  describe as describeBlob,
  verifyLegacySignature,
  type Descriptor,
  type LegacyLayerInput,
  type Verdict,
} from '../../src/signing/index.js';
import { loadRekorCosignFixture } from '../support/cosign-fixtures.js';
import { createTrust, type TrustPolicy } from '../../src/verifier/index.js';
import { logIdOfKey } from '../support/log-id.js';

const fx = loadRekorCosignFixture();
const policy: TrustPolicy = { signerKeys: [fx.signerKey], logKeys: [fx.rekorKey] };
const input: LegacyLayerInput = { descriptor: fx.descriptor, blob: fx.payload, imageDigest: fx.imageDigest, repository: fx.repository };

function refused<T>(v: Verdict<T>, reason: string): void {
  assert.equal(v.ok ? 'verified' : v.reason, reason, v.ok ? '' : v.message);
}

function withAnnotations(patch: Record<string, string>): Descriptor {
  return describeBlob(fx.descriptor.mediaType, fx.payload, { ...fx.annotations, ...patch });
}

describe('verifyLegacySignature with cosign-made data (containers/image fixtures)', () => {
  it('the fixture\'s rekor.pub is the public-good Rekor key (logID c0d23d6a…)', async () => {
    assert.equal(logIdOfKey(fx.rekorKey), 'c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d');
  });

  it('verifies: SET under Rekor\'s ECDSA key, logged body, signature, digest and repository', async () => {
    const v = await verifyLegacySignature(input, createTrust(policy));
    assert.ok(v.ok, v.ok ? '' : `${v.reason}: ${v.message}`);
    assert.equal(v.value.signerIndex, 0);
    assert.equal(v.value.claims.manifestDigest, fx.imageDigest);
    assert.deepEqual(v.value.tlog, {
      logId: 'c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d',
      logIndex: 8949589,
      integratedTime: 1670870899,
      set: true,
      witnesses: 0,
    });
  });

  it('matches the repository with a tag or digest, and Docker Hub spellings', async () => {
    assert.ok((await verifyLegacySignature({ ...input, repository: `${fx.repository}:latest` }, createTrust(policy))).ok);
  });

  describe('when something is wrong', () => {
    it('refuses another key (cosign2.pub): SIGNATURE_INVALID', async () => {
      refused(await verifyLegacySignature(input, createTrust({ ...policy, signerKeys: [fx.otherKey] })), 'SIGNATURE_INVALID');
    });

    it('refuses another image digest (the tag moved, or a modified manifest): DIGEST_MISMATCH', async () => {
      refused(await verifyLegacySignature({ ...input, imageDigest: `sha256:${'0'.repeat(64)}` }, createTrust(policy)), 'DIGEST_MISMATCH');
    });

    it('refuses another repository: REFERENCE_MISMATCH', async () => {
      refused(await verifyLegacySignature({ ...input, repository: '192.168.64.2:5000/other' }, createTrust(policy)), 'REFERENCE_MISMATCH');
    });

    it('refuses when the log key is not trusted (entry from another log): UNKNOWN_LOG', async () => {
      const cairnLike = generateKeyPairSync('ed25519').publicKey;
      refused(await verifyLegacySignature(input, createTrust({ ...policy, logKeys: [cairnLike] })), 'UNKNOWN_LOG');
    });

    it('refuses a flipped SET: SET_INVALID', async () => {
      const bundle = JSON.parse(fx.annotations[ANNOTATION_BUNDLE]!) as { SignedEntryTimestamp: string };
      const set = Buffer.from(bundle.SignedEntryTimestamp, 'base64');
      set[10] = (set[10] ?? 0) ^ 1;
      bundle.SignedEntryTimestamp = set.toString('base64');
      const descriptor = withAnnotations({ [ANNOTATION_BUNDLE]: JSON.stringify(bundle) });
      refused(await verifyLegacySignature({ ...input, descriptor }, createTrust(policy)), 'SET_INVALID');
    });

    it('refuses a changed integrated time (SET no longer covers it): SET_INVALID', async () => {
      const text = fx.annotations[ANNOTATION_BUNDLE]!.replace('1670870899', '1670870900');
      refused(await verifyLegacySignature({ ...input, descriptor: withAnnotations({ [ANNOTATION_BUNDLE]: text }) }, createTrust(policy)), 'SET_INVALID');
    });

    it('refuses a tampered payload (blob does not match its descriptor): BLOB_DIGEST_MISMATCH', async () => {
      const blob = new Uint8Array(fx.payload);
      blob[20] = (blob[20] ?? 0) ^ 1;
      refused(await verifyLegacySignature({ ...input, blob }, createTrust(policy)), 'BLOB_DIGEST_MISMATCH');
    });

    it('refuses a tampered payload with a matching descriptor: BODY_MISMATCH (the log has the original hash)', async () => {
      const blob = new TextEncoder().encode(Buffer.from(fx.payload).toString().replace('alpine', 'alpind'));
      const descriptor = describeBlob(fx.descriptor.mediaType, blob, fx.annotations);
      refused(await verifyLegacySignature({ ...input, blob, descriptor }, createTrust(policy)), 'BODY_MISMATCH');
    });

    it('refuses a signature other than the logged one: BODY_MISMATCH', async () => {
      const descriptor = withAnnotations({ [ANNOTATION_SIGNATURE]: Buffer.alloc(70, 1).toString('base64') });
      refused(await verifyLegacySignature({ ...input, descriptor }, createTrust(policy)), 'BODY_MISMATCH');
    });

    it('refuses a layer without a log entry when the log is required: TLOG_ENTRY_MISSING', async () => {
      const descriptor = describeBlob(fx.descriptor.mediaType, fx.payload, { [ANNOTATION_SIGNATURE]: fx.annotations[ANNOTATION_SIGNATURE]! });
      refused(await verifyLegacySignature({ ...input, descriptor }, createTrust(policy)), 'TLOG_ENTRY_MISSING');
      assert.ok((await verifyLegacySignature({ ...input, descriptor }, createTrust({ ...policy, requireTlog: false }))).ok);
    });

    it('refuses when an inclusion proof is required and there is none: INCLUSION_PROOF_MISSING', async () => {
      refused(await verifyLegacySignature(input, createTrust({ ...policy, requireInclusionProof: true })), 'INCLUSION_PROOF_MISSING');
    });

    it('refuses a layer without a signature: SIGNATURE_MISSING', async () => {
      const descriptor = describeBlob(fx.descriptor.mediaType, fx.payload, { [ANNOTATION_BUNDLE]: fx.annotations[ANNOTATION_BUNDLE]! });
      refused(await verifyLegacySignature({ ...input, descriptor }, createTrust(policy)), 'SIGNATURE_MISSING');
    });

    it('refuses an unreadable bundle annotation: TLOG_ENTRY_MALFORMED', async () => {
      refused(await verifyLegacySignature({ ...input, descriptor: withAnnotations({ [ANNOTATION_BUNDLE]: '{"Payload":' }) }, createTrust(policy)), 'TLOG_ENTRY_MALFORMED');
    });
  });
});

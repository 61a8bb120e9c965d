/**
 * Bundles crossed with the Sigstore JavaScript clients, over a real Cairn:
 * - bundles built by src/signing from Cairn's own log responses (a DSSE
 *   statement logged as dsse, a message signature logged as hashedrekord)
 *   verify with @sigstore/verify 3.1.1 (trusted root holding Cairn's Ed25519
 *   log key, the signer's key as a public-key verifier by hint);
 * - DSSE bundles made by @sigstore/sign 4.1.1 (DSSEBundleBuilder, a local-key
 *   Signer, Cairn as its Rekor witness, dsse and intoto entries) verify with
 *   verifyBundle.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { bundleFromJSON, bundleToJSON } from '@sigstore/bundle';
import { HashAlgorithm, PublicKeyDetails, type TrustedRoot } from '@sigstore/protobuf-specs';
import { DSSEBundleBuilder, RekorWitness, type Signer } from '@sigstore/sign';
import { Verifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';
import {
  COSIGN_SIGN_PREDICATE_TYPE,
  IN_TOTO_PAYLOAD_TYPE,
  buildBundle,
  bundleBytes,
  inTotoStatement,
  publicKeyHint,
  simpleSigningPayload,
  verifyBundle,
} from '../../../src/signing/index.js';
import { logMessageSignature, logStatement, startCairn, testSigner, type CairnServer } from '../../support/signing-log.js';
import { createTrust } from '../../../src/verifier/index.js';

const D = `sha256:${'3c'.repeat(32)}`;

describe('signing bundles × sigstore-js', () => {
  let cairn: CairnServer;
  const signer = testSigner();
  const hint = publicKeyHint(signer.spkiDer);

  before(async () => {
    cairn = await startCairn();
  });
  after(async () => {
    await cairn?.close();
  });

  function sigstoreVerifier(): Verifier {
    const root: TrustedRoot = {
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      tlogs: [
        {
          baseUrl: cairn.url,
          hashAlgorithm: HashAlgorithm.SHA2_256,
          publicKey: {
            rawBytes: cairn.identity.publicKey.export({ type: 'spki', format: 'der' }),
            keyDetails: PublicKeyDetails.PKIX_ED25519,
            validFor: { start: new Date(0), end: undefined },
          },
          logId: { keyId: Buffer.from(cairn.identity.logId, 'hex') },
          checkpointKeyId: undefined,
          operator: '',
        },
      ],
      certificateAuthorities: [],
      ctlogs: [],
      timestampAuthorities: [],
    };
    const keys = {
      [hint]: {
        rawBytes: Buffer.from(signer.spkiDer),
        keyDetails: PublicKeyDetails.PKIX_ECDSA_P256_SHA_256,
        validFor: { start: new Date(0), end: undefined },
      },
    };
    return new Verifier(toTrustMaterial(root, keys), { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 });
  }

  describe('when src/signing builds the bundle from Cairn\'s response', () => {
    it('a DSSE statement bundle (dsse 0.0.1, SET + proof + checkpoint) verifies with @sigstore/verify', async () => {
      const statement = inTotoStatement(D, COSIGN_SIGN_PREDICATE_TYPE, {});
      const { envelope, entry } = await logStatement(cairn.url, signer, statement);
      const json = JSON.parse(Buffer.from(bundleBytes(buildBundle({ entry, content: { dsseEnvelope: envelope }, publicKeyHint: hint }))).toString()) as unknown;
      const bundle = bundleFromJSON(json);
      sigstoreVerifier().verify(toSignedEntity(bundle));
      assert.deepEqual(bundleToJSON(bundle), json, 'our protojson is what @sigstore/bundle writes');
    });

    it('a message-signature bundle (hashedrekord 0.0.1) verifies with @sigstore/verify over the payload', async () => {
      const payload = simpleSigningPayload('127.0.0.1:5000/app', D);
      const { signature, entry } = await logMessageSignature(cairn.url, signer, payload);
      const sha256 = new Uint8Array(createHash('sha256').update(payload).digest());
      const bundle = bundleFromJSON(buildBundle({ entry, content: { messageSignature: { sha256, signature } }, publicKeyHint: hint }));
      sigstoreVerifier().verify(toSignedEntity(bundle, Buffer.from(payload)));
      assert.throws(() => sigstoreVerifier().verify(toSignedEntity(bundle, Buffer.from('other'))));
    });

    it('@sigstore/verify refuses our bundle when the statement is tampered with', async () => {
      const { envelope, entry } = await logStatement(cairn.url, signer, inTotoStatement(D, 'https://example.com/p', { n: 1 }));
      const tampered = { ...envelope, payload: inTotoStatement(D, 'https://example.com/p', { n: 2 }) };
      const bundle = bundleFromJSON(buildBundle({ entry, content: { dsseEnvelope: tampered }, publicKeyHint: hint }));
      assert.throws(() => sigstoreVerifier().verify(toSignedEntity(bundle)));
    });
  });

  describe('when @sigstore/sign makes the bundle with Cairn as its witness', () => {
    const sigstoreSigner: Signer = {
      sign: async (data) => ({
        signature: Buffer.from(signer.signMessage(data)),
        key: { $case: 'publicKey', publicKey: signer.publicKeyPem, hint },
      }),
    };

    for (const entryType of ['dsse', 'intoto'] as const) {
      it(`verifyBundle accepts its ${entryType} attestation for the image, and refuses it for another`, async () => {
        const witness = new RekorWitness({ rekorBaseURL: cairn.url, entryType, fetchOnConflict: false, retry: 0, timeout: 10_000 });
        const statement = inTotoStatement(D, 'https://slsa.dev/provenance/v1', { builder: entryType });
        const built = await new DSSEBundleBuilder({ signer: sigstoreSigner, witnesses: [witness] }).create({
          data: Buffer.from(statement),
          type: IN_TOTO_PAYLOAD_TYPE,
        });
        const bytes = new TextEncoder().encode(JSON.stringify(bundleToJSON(built)));
        const trust = createTrust({ signerKeys: [signer.publicKey], logKeys: [cairn.identity.publicKey], requireInclusionProof: true });
        const v = await verifyBundle({ bundle: bytes, imageDigest: D, predicateType: 'https://slsa.dev/provenance/v1' }, trust);
        assert.ok(v.ok, v.ok ? '' : `${v.reason}: ${v.message}`);
        assert.equal(v.value.bundleVersion, '0.3');
        assert.equal(v.value.tlog?.set, true);
        const other = await verifyBundle({ bundle: bytes, imageDigest: `sha256:${'00'.repeat(32)}` }, trust);
        assert.equal(other.ok ? 'verified' : other.reason, 'DIGEST_MISMATCH');
      });
    }
  });
});

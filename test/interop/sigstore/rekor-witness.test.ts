/**
 * Interop with the real Sigstore JavaScript clients: @sigstore/sign's
 * RekorWitness submits hashedrekord, dsse and intoto entries to a running
 * Cairn, and @sigstore/verify's Verifier checks the resulting bundles with a
 * trusted root holding Cairn's Ed25519 log key (logID = SHA-256 of its SPKI):
 * the SET alone, the inclusion proof + signed checkpoint alone, and both.
 *
 * Signing keys are ECDSA P-256 keys made here; the bundles carry a public-key
 * hint (no Fulcio certificate) and the verifier resolves the hint through
 * toTrustMaterial's key map: @sigstore/verify's public-key path.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { bundleFromJSON, bundleToJSON, type Bundle } from '@sigstore/bundle';
import { HashAlgorithm, PublicKeyDetails, type TrustedRoot } from '@sigstore/protobuf-specs';
import { DSSEBundleBuilder, MessageSignatureBundleBuilder, RekorWitness, type Signer } from '@sigstore/sign';
import { Verifier, toSignedEntity, toTrustMaterial, type TrustMaterial } from '@sigstore/verify';
import { startCairn, type CairnServer } from './cairn-server.js';

const KEY_HINT = 'cairn-interop-signer';

function flip(buf: Uint8Array, i: number): void {
  buf[i] = (buf[i] ?? 0) ^ 1;
}

describe('sigstore-js interop', () => {
  let cairn: CairnServer;
  const signing = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signingPem = signing.publicKey.export({ type: 'spki', format: 'pem' }).toString();

  before(async () => {
    cairn = await startCairn();
  });
  after(async () => {
    await cairn?.close();
  });

  const signer: Signer = {
    sign: async (data) => ({
      signature: sign('sha256', data, signing.privateKey),
      key: { $case: 'publicKey', publicKey: signingPem, hint: KEY_HINT },
    }),
  };

  /** A trusted root naming Cairn (base URL, Ed25519 log key, logID), plus the signer's key by hint. */
  function trust(logKeyDer?: Buffer): TrustMaterial {
    const root: TrustedRoot = {
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      tlogs: [
        {
          baseUrl: cairn.url,
          hashAlgorithm: HashAlgorithm.SHA2_256,
          publicKey: {
            rawBytes: logKeyDer ?? cairn.identity.publicKey.export({ type: 'spki', format: 'der' }),
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
    return toTrustMaterial(root, {
      [KEY_HINT]: {
        rawBytes: signing.publicKey.export({ type: 'spki', format: 'der' }),
        keyDetails: PublicKeyDetails.PKIX_ECDSA_P256_SHA_256,
        validFor: { start: new Date(0), end: undefined },
      },
    });
  }

  /** Verify as a client does; `timestamps` is 0 when the bundle has no SET (its only time source here). */
  function verifyBundle(bundle: Bundle, artifact?: Buffer, opts: { timestamps?: number; trust?: TrustMaterial } = {}): void {
    const verifier = new Verifier(opts.trust ?? trust(), { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: opts.timestamps ?? 1 });
    verifier.verify(toSignedEntity(bundle, artifact));
  }

  /** Round-trip through the bundle's JSON form, as a stored .sigstore.json file would be. */
  function reload(bundle: Bundle): Bundle {
    return bundleFromJSON(JSON.parse(JSON.stringify(bundleToJSON(bundle))));
  }

  function withoutProof(b: Bundle): Bundle {
    const c = reload(b);
    c.verificationMaterial.tlogEntries[0]!.inclusionProof = undefined;
    return c;
  }

  function withoutSet(b: Bundle): Bundle {
    const c = reload(b);
    c.verificationMaterial.tlogEntries[0]!.inclusionPromise = undefined;
    return c;
  }

  function witness(opts: { entryType?: 'dsse' | 'intoto'; fetchOnConflict?: boolean } = {}): RekorWitness {
    return new RekorWitness({ rekorBaseURL: cairn.url, entryType: opts.entryType, fetchOnConflict: opts.fetchOnConflict ?? false, retry: 0, timeout: 10_000 });
  }

  describe('when a message signature is witnessed (hashedrekord 0.0.1)', () => {
    const artifact = Buffer.from('release-1.2.3.tgz contents');
    let bundle: Bundle;

    before(async () => {
      bundle = reload(await new MessageSignatureBundleBuilder({ signer, witnesses: [witness()] }).create({ data: artifact }));
    });

    it('carries Cairn\'s entry: logID, kind, SET and inclusion proof with checkpoint', () => {
      const e = bundle.verificationMaterial.tlogEntries[0]!;
      assert.equal(Buffer.from(e.logId!.keyId).toString('hex'), cairn.identity.logId);
      assert.deepEqual(e.kindVersion, { kind: 'hashedrekord', version: '0.0.1' });
      assert.ok(e.inclusionPromise?.signedEntryTimestamp.length);
      assert.match(e.inclusionProof?.checkpoint?.envelope ?? '', new RegExp(`^127\\.0\\.0\\.1:\\d+ - ${cairn.identity.treeId}\\n`));
    });

    it('verifies with both the SET and the inclusion proof', () => {
      verifyBundle(bundle, artifact);
    });

    it('verifies with the SET alone', () => {
      verifyBundle(withoutProof(bundle), artifact);
    });

    it('verifies with the inclusion proof and signed checkpoint alone', () => {
      verifyBundle(withoutSet(bundle), artifact, { timestamps: 0 });
    });

    describe('when the bundle is tampered with', () => {
      it('fails for another artifact, a changed body, SET, proof, checkpoint or log key', () => {
        assert.throws(() => verifyBundle(bundle, Buffer.from('another artifact')), /signature verification failed/);

        const body = reload(bundle);
        const cb = Buffer.from(body.verificationMaterial.tlogEntries[0]!.canonicalizedBody);
        flip(cb, cb.length - 5);
        body.verificationMaterial.tlogEntries[0]!.canonicalizedBody = cb;
        assert.throws(() => verifyBundle(body, artifact), /inclusion promise/);

        const set = withoutProof(bundle);
        flip(set.verificationMaterial.tlogEntries[0]!.inclusionPromise!.signedEntryTimestamp, 3);
        assert.throws(() => verifyBundle(set, artifact), /inclusion promise/);

        const time = withoutProof(bundle);
        time.verificationMaterial.tlogEntries[0]!.integratedTime = String(Number(time.verificationMaterial.tlogEntries[0]!.integratedTime) + 1);
        assert.throws(() => verifyBundle(time, artifact), /inclusion promise/);

        const proof = withoutSet(bundle);
        const p = proof.verificationMaterial.tlogEntries[0]!.inclusionProof!;
        if (p.hashes.length > 0) flip(p.hashes[0]!, 0);
        else p.hashes.push(Buffer.alloc(32, 7));
        assert.throws(() => verifyBundle(proof, artifact, { timestamps: 0 }), /inclusion proof|hash count/);

        const note = withoutSet(bundle);
        const cp = note.verificationMaterial.tlogEntries[0]!.inclusionProof!.checkpoint!;
        cp.envelope = cp.envelope.replace(/\n(\d+)\n/, (_m, n: string) => `\n${Number(n) + 1}\n`);
        assert.throws(() => verifyBundle(note, artifact, { timestamps: 0 }), /checkpoint signature/);

        const otherLog = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' });
        assert.throws(() => verifyBundle(bundle, artifact, { trust: trust(otherLog) }), /inclusion promise/);
        assert.throws(() => verifyBundle(withoutProof(bundle), artifact, { trust: trust(otherLog) }), /inclusion promise/);
        assert.throws(() => verifyBundle(withoutSet(bundle), artifact, { timestamps: 0, trust: trust(otherLog) }), /checkpoint signature/);
      });
    });
  });

  describe('when a DSSE attestation is witnessed', () => {
    const statement = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [], predicateType: 'x', predicate: {} }));

    for (const entryType of ['dsse', 'intoto'] as const) {
      it(`verifies as a ${entryType} entry, with SET, proof, or both`, async () => {
        const payload = Buffer.concat([statement, Buffer.from(` ${entryType}`)]);
        const built = await new DSSEBundleBuilder({ signer, witnesses: [witness({ entryType })] }).create({
          data: payload,
          type: 'application/vnd.in-toto+json',
        });
        const bundle = reload(built);
        const e = bundle.verificationMaterial.tlogEntries[0]!;
        assert.equal(e.kindVersion?.kind, entryType);
        assert.equal(e.kindVersion?.version, entryType === 'dsse' ? '0.0.1' : '0.0.2');
        verifyBundle(bundle);
        verifyBundle(withoutProof(bundle));
        verifyBundle(withoutSet(bundle), undefined, { timestamps: 0 });
      });
    }
  });

  describe('when the same signature is submitted twice', () => {
    it('gets 409, and fetchOnConflict reads the existing entry through Location', async () => {
      const artifact = Buffer.from('resubmitted artifact');
      const first = await new MessageSignatureBundleBuilder({ signer, witnesses: [witness()] }).create({ data: artifact });
      const sizeBefore = cairn.log.status().size;

      await assert.rejects(witness().testify(first.content, signingPem), (err: { code?: string; cause?: { statusCode?: number; location?: string } }) => {
        assert.equal(err.code, 'TLOG_CREATE_ENTRY_ERROR');
        assert.equal(err.cause?.statusCode, 409);
        assert.match(err.cause?.location ?? '', /^\/api\/v1\/log\/entries\/[0-9a-f]{80}$/);
        return true;
      });

      const again = await witness({ fetchOnConflict: true }).testify(first.content, signingPem);
      const original = first.verificationMaterial.tlogEntries[0]!;
      const fetched = again.tlogEntries[0]!;
      assert.equal(fetched.logIndex, original.logIndex);
      assert.deepEqual(Buffer.from(fetched.canonicalizedBody), Buffer.from(original.canonicalizedBody));
      assert.equal(cairn.log.status().size, sizeBefore, 'nothing was added');

      // The fetched entry verifies like the original (its proof is against the then-latest checkpoint).
      const bundle = reload(first);
      bundle.verificationMaterial.tlogEntries = [fetched];
      verifyBundle(reload(bundle), artifact);
    });
  });
});

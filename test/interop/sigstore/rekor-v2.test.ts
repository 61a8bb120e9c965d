/**
 * Rekor v2 beside Rekor v1 on one real `cairn serve`: @sigstore/sign 4.1.1's
 * RekorWitness with `majorApiVersion: 2` submits hashedrekord (a message
 * signature) and dsse (a plain message and an in-toto statement) to
 * POST /api/v2/log/entries, a v1 RekorWitness submits to the same server,
 * and @sigstore/verify 3.1.1 accepts every bundle with the trusted root the
 * server publishes (GET /api/v1/log/trusted-root) and refuses tampered ones.
 *
 * The public URL (http://cairn.test) differs from the address the clients
 * post to, as behind a proxy: verification uses only what the trusted root
 * and the bundle say.
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleFromJSON, bundleToJSON, type Bundle } from '@sigstore/bundle';
import { PublicKeyDetails, SigningConfig, TrustedRoot } from '@sigstore/protobuf-specs';
import { DSSEBundleBuilder, MessageSignatureBundleBuilder, RekorWitness, type Signer } from '@sigstore/sign';
import { Verifier, toSignedEntity, toTrustMaterial, type TrustMaterial } from '@sigstore/verify';
import { usePostgres } from '../../support/postgres.js';
import { startServer, type ServerProcess } from '../../support/server-process.js';

const KEY_HINT = 'cairn-v2-signer';
const PUBLIC_URL = 'http://cairn.test';

function reload(bundle: Bundle): Bundle {
  return bundleFromJSON(JSON.parse(JSON.stringify(bundleToJSON(bundle))));
}

// On each store: SQLite files in the data dir, and PostgreSQL (--database-url, a real server: test/support/postgres.ts).
for (const store of ['sqlite', 'postgres'] as const) {
  describe(`Rekor v2 × sigstore-js, beside v1 on one server (${store})`, function () {
    this.timeout(120_000);
    const postgres = store === 'postgres' ? usePostgres() : undefined;
    let dir: string;
    let cairn: ServerProcess;
    let trust: TrustMaterial;
    const signing = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const signingPem = signing.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const signer: Signer = {
      sign: async (data) => ({ signature: sign('sha256', data, signing.privateKey), key: { $case: 'publicKey', publicKey: signingPem, hint: KEY_HINT } }),
    };

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'cairn-v2-'));
      const database = postgres === undefined ? [] : ['--database-url', await postgres().createDatabase()];
      cairn = await startServer(['--data-dir', dir, '--public-url', PUBLIC_URL, '--batch-max-age-ms', '5', ...database]);
      const root = TrustedRoot.fromJSON(await (await fetch(`${cairn.url}/api/v1/log/trusted-root`)).json());
      trust = toTrustMaterial(root, {
        [KEY_HINT]: {
          rawBytes: signing.publicKey.export({ type: 'spki', format: 'der' }),
          keyDetails: PublicKeyDetails.PKIX_ECDSA_P256_SHA_256,
          validFor: { start: new Date(0), end: undefined },
        },
      });
    });
    after(async () => {
      await cairn?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    const witness = (majorApiVersion: 1 | 2): RekorWitness =>
      new RekorWitness({ rekorBaseURL: cairn.url, majorApiVersion, fetchOnConflict: false, retry: 0, timeout: 20_000 });

    /** Verify as a client does; v2 entries carry no SET, so no timestamp comes from the log. */
    function verify(bundle: Bundle, artifact?: Buffer, timestamps = 0): void {
      new Verifier(trust, { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: timestamps }).verify(toSignedEntity(bundle, artifact));
    }

    describe('hashedrekord 0.0.2 (a message signature)', () => {
      const artifact = Buffer.from('release-2.0.0.tgz contents');
      let bundle: Bundle;

      before(async () => {
        bundle = reload(await new MessageSignatureBundleBuilder({ signer, witnesses: [witness(2)] }).create({ data: artifact }));
      });

      it('carries a v2 entry: kind 0.0.2, no SET, a proof against a checkpoint whose origin is the host', () => {
        const e = bundle.verificationMaterial.tlogEntries[0]!;
        assert.deepEqual(e.kindVersion, { kind: 'hashedrekord', version: '0.0.2' });
        assert.equal(e.integratedTime, '0');
        assert.equal(e.inclusionPromise, undefined);
        assert.match(e.inclusionProof?.checkpoint?.envelope ?? '', /^cairn\.test\n\d+\n/);
        const body = JSON.parse(Buffer.from(e.canonicalizedBody).toString()) as { spec: { hashedRekordV002: { data: unknown; signature: { verifier: unknown } } } };
        const spec = body.spec.hashedRekordV002;
        assert.deepEqual(spec.data, { algorithm: 'SHA2_256', digest: createHash('sha256').update(artifact).digest('base64') });
        assert.deepEqual(spec.signature.verifier, {
          keyDetails: 'PKIX_ECDSA_P256_SHA_256',
          publicKey: { rawBytes: signing.publicKey.export({ type: 'spki', format: 'der' }).toString('base64') },
        }, 'the SPKI sent as a certificate is stored as the public key it is');
      });

      it('verifies with the trusted root the server publishes', () => {
        verify(bundle, artifact);
      });

      it('fails for another artifact, a changed body, proof or checkpoint', () => {
        assert.throws(() => verify(bundle, Buffer.from('another artifact')));
        const body = reload(bundle);
        const cb = Buffer.from(body.verificationMaterial.tlogEntries[0]!.canonicalizedBody);
        cb[cb.length - 5] = (cb[cb.length - 5] ?? 0) ^ 1;
        body.verificationMaterial.tlogEntries[0]!.canonicalizedBody = cb;
        assert.throws(() => verify(body, artifact));
        const longer = reload(bundle);
        const proof = longer.verificationMaterial.tlogEntries[0]!.inclusionProof!;
        proof.hashes = [...proof.hashes, Buffer.alloc(32, 7)];
        assert.throws(() => verify(longer, artifact), /hash count/);
        const moved = reload(bundle);
        const p = moved.verificationMaterial.tlogEntries[0]!.inclusionProof!;
        p.logIndex = String(Number(p.logIndex) + 1);
        assert.throws(() => verify(moved, artifact));
        const cp = reload(bundle);
        const env = cp.verificationMaterial.tlogEntries[0]!.inclusionProof!.checkpoint!;
        env.envelope = env.envelope.replace(/^cairn\.test\n(\d+)\n/, (_m, n: string) => `cairn.test\n${Number(n) + 1}\n`);
        assert.throws(() => verify(cp, artifact), /checkpoint/);
      });

      it('answers a duplicate 409 naming the existing index, as rekor-tiles', async () => {
        const e = bundle.verificationMaterial.tlogEntries[0]!;
        const body = JSON.parse(Buffer.from(e.canonicalizedBody).toString()) as { spec: { hashedRekordV002: { data: { digest: string }; signature: { content: string; verifier: unknown } } } };
        const spec = body.spec.hashedRekordV002;
        const res = await fetch(`${cairn.url}/api/v2/log/entries`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ hashedRekordRequestV002: { digest: spec.data.digest, signature: { content: spec.signature.content, verifier: spec.signature.verifier } } }),
        });
        assert.equal(res.status, 409);
        assert.equal(res.headers.get('x-log-index'), e.logIndex);
        const err = (await res.json()) as { code: number; message: string };
        assert.equal(err.code, 6);
      });
    });

    for (const [what, type, data] of [
      ['a plain message', 'text/plain', Buffer.from('hello from a v2 client')],
      ['an in-toto statement', 'application/vnd.in-toto+json', Buffer.from(JSON.stringify({
        _type: 'https://in-toto.io/Statement/v1',
        subject: [{ name: 'app', digest: { sha256: 'ab'.repeat(32) } }],
        predicateType: 'https://slsa.dev/provenance/v1',
        predicate: { builder: { id: 'cairn-test' } },
      }))],
    ] as const) {
      it(`dsse 0.0.2 (${what}) verifies, and fails once the payload is changed`, async () => {
        const bundle = reload(await new DSSEBundleBuilder({ signer, witnesses: [witness(2)] }).create({ data, type }));
        const e = bundle.verificationMaterial.tlogEntries[0]!;
        assert.deepEqual(e.kindVersion, { kind: 'dsse', version: '0.0.2' });
        verify(bundle);
        const tampered = reload(bundle);
        assert.equal(tampered.content.$case, 'dsseEnvelope');
        if (tampered.content.$case === 'dsseEnvelope') tampered.content.dsseEnvelope.payload = Buffer.concat([data, Buffer.from(' ')]);
        assert.throws(() => verify(tampered));
      });
    }

    it('a v1 client on the same server is unaffected: its hashedrekord 0.0.1 bundle verifies, with its SET', async () => {
      const artifact = Buffer.from('a v1 artifact');
      const bundle = reload(await new MessageSignatureBundleBuilder({ signer, witnesses: [witness(1)] }).create({ data: artifact }));
      const e = bundle.verificationMaterial.tlogEntries[0]!;
      assert.deepEqual(e.kindVersion, { kind: 'hashedrekord', version: '0.0.1' });
      assert.match(e.inclusionProof?.checkpoint?.envelope ?? '', /^cairn\.test - \d+\n/);
      verify(bundle, artifact, 1);
    });

    it('the signing config names the v2 and v1 endpoints at the public URL (read with protobuf-specs)', async () => {
      const config = SigningConfig.fromJSON(await (await fetch(`${cairn.url}/api/v1/log/signing-config`)).json());
      assert.equal(config.mediaType, 'application/vnd.dev.sigstore.signingconfig.v0.2+json');
      assert.deepEqual(config.rekorTlogUrls.map((s) => [s.url, s.majorApiVersion]), [[PUBLIC_URL, 2], [PUBLIC_URL, 1]]);
      assert.ok(config.rekorTlogUrls.every((s) => s.validFor?.start instanceof Date && s.operator === 'cairn.test'));
    });

    it('the v2 tree is its own: /api/v2/checkpoint has origin "cairn.test", /checkpoint the v1 origin', async () => {
      const v2 = await (await fetch(`${cairn.url}/api/v2/checkpoint`)).text();
      const v1 = await (await fetch(`${cairn.url}/checkpoint`)).text();
      assert.match(v2, /^cairn\.test\n[1-9]\d*\n/);
      assert.match(v1, /^cairn\.test - \d+\n/);
    });
  });
}

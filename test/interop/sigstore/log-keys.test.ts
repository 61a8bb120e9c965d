/**
 * Log key types against other people's verifiers, through the real `cairn
 * serve` process: an ECDSA P-256 log key (the default a fresh data dir gets)
 * and an Ed25519 one, each as a key file and in a SoftHSM2 token (with the
 * note key in the token too).
 *
 * - sigstore-js: @sigstore/sign's RekorWitness submits, @sigstore/verify
 *   verifies the bundle with a trusted root built from what the log serves
 *   (publicKey, logID), by the SET and by the inclusion proof + checkpoint.
 * - Go's x/mod note verifies the checkpoint with the vkey (the note key's on
 *   an ECDSA log), and x/mod tlog recomputes the tree from the tiles.
 * - containers/image (podman, CRI-O, skopeo): its check of the Rekor SET of a
 *   cosign signature, reproduced with node:crypto: ECDSA (ASN.1 DER) over
 *   SHA-256 of the canonical JSON {body, integratedTime, logID, logIndex},
 *   with an ECDSA public key only (signature/internal/rekor_set.go).
 * - `cairn trust-root --url` (GET /api/v1/log/trusted-root): the trusted root
 *   sigstore-js is given as it is, and the key's validFor window it enforces.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleFromJSON, bundleToJSON, type Bundle } from '@sigstore/bundle';
import { HashAlgorithm, PublicKeyDetails, TrustedRoot as TrustedRootJson, type TrustedRoot } from '@sigstore/protobuf-specs';
import { MessageSignatureBundleBuilder, RekorWitness, type Signer } from '@sigstore/sign';
import { Verifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';
import { requireGoOrSkip, runGoTool } from '../../support/go.js';
import { requirePartOrSkip } from '../../support/parts.js';
import { freePort } from '../../support/registry.js';
import { MAIN_JS, startServer, type ServerProcess } from '../../support/server-process.js';
import { createSoftToken, softhsmAvailable, type SoftToken } from '../../support/softhsm.js';

const KEY_HINT = 'cairn-log-keys-signer';

interface Case {
  readonly name: string;
  readonly type: 'ecdsa-p256' | 'ed25519';
  readonly hsm: boolean;
}

const CASES: readonly Case[] = [
  { name: 'an ECDSA P-256 log key made on first start', type: 'ecdsa-p256', hsm: false },
  { name: 'an Ed25519 log key file', type: 'ed25519', hsm: false },
  { name: 'an ECDSA P-256 log key and the note key in SoftHSM2', type: 'ecdsa-p256', hsm: true },
  { name: 'an Ed25519 log key in SoftHSM2', type: 'ed25519', hsm: true },
];

const signing = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signingPem = signing.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const signer: Signer = {
  sign: async (data) => ({ signature: sign('sha256', data, signing.privateKey), key: { $case: 'publicKey', publicKey: signingPem, hint: KEY_HINT } }),
};

for (const c of CASES) {
  describe(`log keys: ${c.name}`, function () {
    this.timeout(60_000);
    let dir: string;
    let token: SoftToken | undefined;
    let server: ServerProcess | undefined;
    let url: string;
    let bundle: Bundle;
    const artifact = Buffer.from(`artifact signed against ${c.name}`);

    before(async function () {
      if (c.hsm) requirePartOrSkip(this, 'HSM', softhsmAvailable());
      dir = mkdtempSync(join(tmpdir(), 'cairn-log-keys-'));
      const args: string[] = ['--data-dir', join(dir, 'data')];
      let env: Record<string, string> = {};
      if (c.hsm) {
        token = createSoftToken();
        token.pkcs11Tool(['--keypairgen', '--key-type', c.type === 'ed25519' ? 'EC:edwards25519' : 'EC:prime256v1', '--label', 'log', '--id', '01']);
        args.push('--key-file', token.uri('log'));
        if (c.type === 'ecdsa-p256') {
          token.pkcs11Tool(['--keypairgen', '--key-type', 'EC:edwards25519', '--label', 'note', '--id', '02']);
          args.push('--note-key-file', token.uri('note'));
        }
        env = token.env;
      } else if (c.type === 'ed25519') {
        const made = spawnSync(process.execPath, [MAIN_JS, 'keygen', '--type', 'ed25519', '--out', join(dir, 'data', 'log-key.pem')], { encoding: 'utf8' });
        assert.equal(made.status, 0, made.stderr);
      }
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      server = await startServer([...args, '--port', String(port), '--public-url', url], env);
      const witness = new RekorWitness({ rekorBaseURL: url, fetchOnConflict: false, retry: 0, timeout: 10_000 });
      bundle = bundleFromJSON(JSON.parse(JSON.stringify(bundleToJSON(await new MessageSignatureBundleBuilder({ signer, witnesses: [witness] }).create({ data: artifact })))));
    });
    after(async () => {
      await server?.stop();
      token?.remove();
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    });

    const get = async (path: string): Promise<string> => {
      const r = await fetch(`${url}${path}`);
      assert.equal(r.status, 200, `GET ${path}`);
      return r.text();
    };

    it('serves the log key of its type, and its logID is SHA-256 of the DER SPKI', async () => {
      const pub = createPublicKey(await get('/api/v1/log/publicKey'));
      assert.equal(pub.asymmetricKeyType, c.type === 'ed25519' ? 'ed25519' : 'ec');
      const logId = createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('hex');
      assert.equal(Buffer.from(bundle.verificationMaterial.tlogEntries[0]!.logId!.keyId).toString('hex'), logId);
    });

    it('sigstore-js verifies the bundle by its SET, and by its inclusion proof and checkpoint', async () => {
      const der = createPublicKey(await get('/api/v1/log/publicKey')).export({ type: 'spki', format: 'der' });
      const root: TrustedRoot = {
        mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
        tlogs: [
          {
            baseUrl: url,
            hashAlgorithm: HashAlgorithm.SHA2_256,
            publicKey: { rawBytes: der, keyDetails: c.type === 'ed25519' ? PublicKeyDetails.PKIX_ED25519 : PublicKeyDetails.PKIX_ECDSA_P256_SHA_256, validFor: { start: new Date(0), end: undefined } },
            logId: { keyId: createHash('sha256').update(der).digest() },
            checkpointKeyId: undefined,
            operator: '',
          },
        ],
        certificateAuthorities: [],
        ctlogs: [],
        timestampAuthorities: [],
      };
      const keys = { [KEY_HINT]: { rawBytes: signing.publicKey.export({ type: 'spki', format: 'der' }), keyDetails: PublicKeyDetails.PKIX_ECDSA_P256_SHA_256, validFor: { start: new Date(0), end: undefined } } };
      const trust = toTrustMaterial(root, keys);
      const bySet = bundleFromJSON(bundleToJSON(bundle));
      bySet.verificationMaterial.tlogEntries[0]!.inclusionProof = undefined;
      new Verifier(trust, { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 }).verify(toSignedEntity(bySet, artifact));
      const byProof = bundleFromJSON(bundleToJSON(bundle));
      byProof.verificationMaterial.tlogEntries[0]!.inclusionPromise = undefined;
      new Verifier(trust, { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 0 }).verify(toSignedEntity(byProof, artifact));
      // A trusted root with another key of the same type refuses both.
      const other = (c.type === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' })).publicKey.export({ type: 'spki', format: 'der' });
      const wrong = toTrustMaterial({ ...root, tlogs: [{ ...root.tlogs[0]!, publicKey: { ...root.tlogs[0]!.publicKey!, rawBytes: other } }] }, keys);
      assert.throws(() => new Verifier(wrong, { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 }).verify(toSignedEntity(bySet, artifact)), /inclusion promise/);
      assert.throws(() => new Verifier(wrong, { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 0 }).verify(toSignedEntity(byProof, artifact)), /checkpoint signature/);
    });

    it('sigstore-js verifies the bundle with the trusted root `cairn trust-root --url` prints, and refuses an entry outside the key\'s window', async () => {
      const r = spawnSync(process.execPath, [MAIN_JS, 'trust-root', '--url', url], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const printed = JSON.parse(r.stdout) as Record<string, any>;
      assert.deepEqual(printed, JSON.parse(await get('/api/v1/log/trusted-root')));
      assert.equal(printed['tlogs'][0].publicKey.keyDetails, c.type === 'ed25519' ? 'PKIX_ED25519' : 'PKIX_ECDSA_P256_SHA_256');
      const keys = { [KEY_HINT]: { rawBytes: signing.publicKey.export({ type: 'spki', format: 'der' }), keyDetails: PublicKeyDetails.PKIX_ECDSA_P256_SHA_256, validFor: { start: new Date(0), end: undefined } } };
      const trust = toTrustMaterial(TrustedRootJson.fromJSON(printed), keys);
      new Verifier(trust, { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 }).verify(toSignedEntity(bundle, artifact));
      // A key valid only from after the entry was integrated does not vouch for it.
      const integrated = Number(bundle.verificationMaterial.tlogEntries[0]!.integratedTime);
      const later = structuredClone(printed);
      later['tlogs'][0].publicKey.validFor = { start: new Date((integrated + 60) * 1000).toISOString() };
      assert.throws(() => new Verifier(toTrustMaterial(TrustedRootJson.fromJSON(later), keys), { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 }).verify(toSignedEntity(bundle, artifact)), /inclusion promise/);
    });

    it("Go's x/mod note verifies the checkpoint with the vkey, and x/mod tlog the tree from the tiles", async function () {
      await requireGoOrSkip(this);
      const vkey = (await get('/api/v1/log/vkey')).trim();
      const checkpoint = await get('/checkpoint');
      const note = await runGoTool(['verify-note', vkey], checkpoint);
      assert.equal(note.code, 0, note.stderr);
      assert.match(note.stdout, /^127\.0\.0\.1:\d+ - \d+\n1\n/);
      const tiles = await runGoTool(['verify-tiles', url, vkey]);
      assert.equal(tiles.code, 0, tiles.stderr);
    });

    if (c.type === 'ecdsa-p256') {
      it("containers/image's Rekor SET check passes: ECDSA over SHA-256 of the canonical {body, integratedTime, logID, logIndex}", async () => {
        const publicKey = createPublicKey(await get('/api/v1/log/publicKey'));
        assert.equal(publicKey.asymmetricKeyType, 'ec', 'containers/image takes only *ecdsa.PublicKey');
        const e = bundle.verificationMaterial.tlogEntries[0]!;
        // Keys sorted as RFC 8785 (jsoncanonicalizer.Transform) sorts them; body as Go marshals []byte (standard base64).
        const payload = JSON.stringify({
          body: Buffer.from(e.canonicalizedBody).toString('base64'),
          integratedTime: Number(e.integratedTime),
          logID: Buffer.from(e.logId!.keyId).toString('hex'),
          logIndex: Number(e.logIndex),
        });
        const set = Buffer.from(e.inclusionPromise!.signedEntryTimestamp);
        assert.equal(set[0], 0x30, 'ASN.1 DER, as ecdsa.VerifyASN1 reads it');
        // ecdsa.VerifyASN1(publicKey, sha256(payload), set)
        assert.ok(verify('sha256', Buffer.from(payload), { key: publicKey, dsaEncoding: 'der' }, set));
        const tampered = payload.replace(/"logIndex":(\d+)/, (_m, n: string) => `"logIndex":${Number(n) + 1}`);
        assert.ok(!verify('sha256', Buffer.from(tampered), { key: publicKey, dsaEncoding: 'der' }, set));
      });
    }
  });
}

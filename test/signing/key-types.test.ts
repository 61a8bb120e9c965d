/**
 * Which signer key types work in which format, end to end through a real
 * Cairn log and the verifiers: ECDSA P-256 everywhere (the other tests);
 * RSA in both formats; P-384 legacy signatures (hashedrekord with sha384, as
 * Rekor pairs it); Ed25519 in bundles (DSSE logs pure Ed25519), while the
 * log refuses a pure Ed25519 legacy signature (hashedrekord wants
 * Ed25519ph over sha512).
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import {
  COSIGN_SIGN_PREDICATE_TYPE,
  IN_TOTO_PAYLOAD_TYPE,
  buildBundle,
  bundleBytes,
  dsseEntry,
  dssePae,
  hashedrekordEntry,
  hashedrekordHashAlgorithm,
  inTotoStatement,
  legacySignatureLayer,
  publicKeyHint,
  simpleSigningPayload,
  verifyBundle,
  verifyLegacySignature,
} from '../../src/signing/index.js';
import { startCairn, submitEntry, type CairnServer } from '../support/signing-log.js';
import { createTrust } from '../../src/verifier/index.js';

const REPO = '127.0.0.1:5000/keys/app';
const D = `sha256:${'8f'.repeat(32)}`;

interface KeyCase {
  readonly name: string;
  readonly pair: { publicKey: KeyObject; privateKey: KeyObject };
  /** node:crypto digest name the key signs with (null: Ed25519). */
  readonly hash: string | null;
}

const CASES: readonly KeyCase[] = [
  { name: 'RSA-2048 PKCS#1 v1.5', pair: generateKeyPairSync('rsa', { modulusLength: 2048 }), hash: 'sha256' },
  { name: 'ECDSA P-384', pair: generateKeyPairSync('ec', { namedCurve: 'P-384' }), hash: 'sha384' },
  { name: 'Ed25519', pair: generateKeyPairSync('ed25519'), hash: null },
];

describe('signer key types end to end', () => {
  let cairn: CairnServer;
  before(async () => {
    cairn = await startCairn();
  });
  after(async () => {
    await cairn?.close();
  });

  const pem = (k: KeyObject): string => k.export({ type: 'spki', format: 'pem' }).toString();
  const spki = (k: KeyObject): Uint8Array => new Uint8Array(k.export({ type: 'spki', format: 'der' }));
  const trustFor = (k: KeyObject) => createTrust({ signerKeys: [k], logKeys: [cairn.identity.publicKey] });

  for (const c of CASES) {
    const signWith = (msg: Uint8Array, hash: string | null = c.hash): Uint8Array => new Uint8Array(sign(hash, msg, c.pair.privateKey));

    it(`${c.name}: legacy signature ${c.name === 'Ed25519' ? 'is refused by the log' : 'logs and verifies'}`, async () => {
      const payload = simpleSigningPayload(REPO, D);
      const signature = signWith(payload);
      const proposed = hashedrekordEntry(payload, signature, pem(c.pair.publicKey), hashedrekordHashAlgorithm(spki(c.pair.publicKey)));
      if (c.name === 'Ed25519') {
        await assert.rejects(submitEntry(cairn.url, proposed), /400/);
        return;
      }
      const { entry } = await submitEntry(cairn.url, proposed);
      const layer = legacySignatureLayer({ payload, signature, entry });
      const v = await verifyLegacySignature({ descriptor: layer.descriptor, blob: layer.bytes, imageDigest: D, repository: REPO }, trustFor(c.pair.publicKey));
      assert.ok(v.ok, v.ok ? '' : `${v.reason}: ${v.message}`);
    });

    it(`${c.name}: bundle ${c.name === 'ECDSA P-384' ? 'needs the PAE signed with SHA-256, as the log verifies DSSE' : 'logs and verifies'}`, async () => {
      const statement = inTotoStatement(D, COSIGN_SIGN_PREDICATE_TYPE, {});
      const pae = dssePae(IN_TOTO_PAYLOAD_TYPE, statement);
      // Rekor's dsse kind (and Cairn's) checks ECDSA over SHA-256 whatever the curve.
      const sig = signWith(pae, c.hash === null ? null : 'sha256');
      const envelope = { payloadType: IN_TOTO_PAYLOAD_TYPE, payload: statement, signatures: [{ keyid: '', sig }] };
      const { entry } = await submitEntry(cairn.url, dsseEntry(envelope, [pem(c.pair.publicKey)]));
      const bundle = bundleBytes(buildBundle({ entry, content: { dsseEnvelope: envelope }, publicKeyHint: publicKeyHint(spki(c.pair.publicKey)) }));
      const v = await verifyBundle({ bundle, imageDigest: D, predicateType: COSIGN_SIGN_PREDICATE_TYPE }, trustFor(c.pair.publicKey));
      assert.ok(v.ok, v.ok ? '' : `${v.reason}: ${v.message}`);
      if (c.name === 'ECDSA P-384') {
        const sha384 = { ...envelope, signatures: [{ keyid: '', sig: signWith(pae, 'sha384') }] };
        await assert.rejects(submitEntry(cairn.url, dsseEntry(sha384, [pem(c.pair.publicKey)])), /400/);
      }
    });
  }
});

describe('log key types end to end', () => {
  let cairn: CairnServer;
  before(async () => {
    cairn = await startCairn('ecdsa-p256');
  });
  after(async () => {
    await cairn?.close();
  });

  it('an ECDSA P-256 log key: SETs and checkpoints verify with it, in legacy signatures and bundles; another log key is refused', async () => {
    const signer = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const spkiOf = (k: KeyObject): Uint8Array => new Uint8Array(k.export({ type: 'spki', format: 'der' }));
    const pemOf = (k: KeyObject): string => k.export({ type: 'spki', format: 'pem' }).toString();
    const payload = simpleSigningPayload(REPO, D);
    const signature = new Uint8Array(sign('sha256', payload, signer.privateKey));
    const { entry } = await submitEntry(cairn.url, hashedrekordEntry(payload, signature, pemOf(signer.publicKey), hashedrekordHashAlgorithm(spkiOf(signer.publicKey))));
    const layer = legacySignatureLayer({ payload, signature, entry });
    const legacy = { descriptor: layer.descriptor, blob: layer.bytes, imageDigest: D, repository: REPO };
    const statement = inTotoStatement(D, COSIGN_SIGN_PREDICATE_TYPE, {});
    const envelope = { payloadType: IN_TOTO_PAYLOAD_TYPE, payload: statement, signatures: [{ keyid: '', sig: new Uint8Array(sign('sha256', dssePae(IN_TOTO_PAYLOAD_TYPE, statement), signer.privateKey)) }] };
    const logged = await submitEntry(cairn.url, dsseEntry(envelope, [pemOf(signer.publicKey)]));
    const bundle = { bundle: bundleBytes(buildBundle({ entry: logged.entry, content: { dsseEnvelope: envelope }, publicKeyHint: publicKeyHint(spkiOf(signer.publicKey)) })), imageDigest: D, predicateType: COSIGN_SIGN_PREDICATE_TYPE };

    for (const requireInclusionProof of [false, true]) {
      const trust = createTrust({ signerKeys: [signer.publicKey], logKeys: [cairn.identity.publicKey], requireInclusionProof });
      if (!requireInclusionProof) {
        // cosign's legacy layer carries the SET, no inclusion proof.
        const l = await verifyLegacySignature(legacy, trust);
        assert.ok(l.ok, l.ok ? '' : `${l.reason}: ${l.message}`);
      }
      const b = await verifyBundle(bundle, trust);
      assert.ok(b.ok, b.ok ? '' : `${b.reason}: ${b.message}`);
    }
    const stranger = createTrust({ signerKeys: [signer.publicKey], logKeys: [generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey] });
    const refused = await verifyLegacySignature(legacy, stranger);
    assert.ok(!refused.ok);
  });
});

/**
 * Legacy `.sig` layers signed here and logged in a real Cairn (Ed25519 log
 * key): the SET from the submit response, then the entry fetched online with
 * a fresh inclusion proof against a signed checkpoint, cosigned by witnesses.
 * Every refusal asserts its reason code.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import {
  ANNOTATION_BUNDLE,
  ANNOTATION_SIGNATURE,
  tlogEntryUuid,
  legacySignatureLayer,
  parseCosignBundleAnnotation,
  simpleSigningPayload,
  verifyLegacySignature,
  type LegacyLayerInput,
  type TlogEntry,
  type Verdict,
} from '../../src/signing/index.js';
import {
  cosignCheckpoint,
  fetchEntry,
  logMessageSignature,
  startCairn,
  testSigner,
  testWitness,
  type CairnServer,
} from '../support/signing-log.js';
import { createTrust, type TrustPolicy } from '../../src/verifier/index.js';
import { logIdOfKey } from '../support/log-id.js';

const REPO = '127.0.0.1:5000/team/app';
const D = `sha256:${'5a'.repeat(32)}`;

function signatureOf(i: LegacyLayerInput): Uint8Array {
  return new Uint8Array(Buffer.from(i.descriptor.annotations?.[ANNOTATION_SIGNATURE] ?? '', 'base64'));
}

function setEntryOf(i: LegacyLayerInput): TlogEntry {
  return parseCosignBundleAnnotation(i.descriptor.annotations?.[ANNOTATION_BUNDLE] ?? '');
}

function uuidOf(e: TlogEntry): string {
  return tlogEntryUuid(e);
}

function refused<T>(v: Verdict<T>, reason: string): void {
  assert.equal(v.ok ? 'verified' : v.reason, reason, v.ok ? '' : v.message);
}

describe('verifyLegacySignature against a real Cairn log', () => {
  let cairn: CairnServer;
  const signer = testSigner();
  const witnesses = [testWitness('witness-a.example'), testWitness('witness-b.example')];
  let input: LegacyLayerInput;
  let online: TlogEntry;
  let policy: TrustPolicy;

  before(async () => {
    cairn = await startCairn();
    const payload = simpleSigningPayload(REPO, D);
    const { signature, entry, uuid } = await logMessageSignature(cairn.url, signer, payload);
    const layer = legacySignatureLayer({ payload, signature, entry });
    input = { descriptor: layer.descriptor, blob: layer.bytes, imageDigest: D, repository: REPO };
    online = await fetchEntry(cairn.url, uuid);
    policy = { signerKeys: [signer.publicKey], logKeys: [cairn.identity.publicKey] };
  });
  after(async () => {
    await cairn?.close();
  });

  it('verifies offline with the SET (Ed25519 log key)', async () => {
    const v = await verifyLegacySignature(input, createTrust(policy));
    assert.ok(v.ok, v.ok ? '' : v.message);
    assert.equal(v.value.tlog?.logId, cairn.identity.logId);
    assert.equal(v.value.tlog?.set, true);
    assert.equal(v.value.tlog?.proofTreeSize, undefined);
  });

  it('verifies online: the fetched proof against the log-signed checkpoint, as required', async () => {
    const v = await verifyLegacySignature({ ...input, online }, createTrust({ ...policy, requireInclusionProof: true }));
    assert.ok(v.ok, v.ok ? '' : v.message);
    assert.ok((v.value.tlog?.proofTreeSize ?? 0) >= 1);
  });

  it('counts witness cosignatures over distinct witness keys', async () => {
    const proof = online.inclusionProof!;
    const cosigned = { ...online, inclusionProof: { ...proof, checkpoint: cosignCheckpoint(proof.checkpoint, witnesses) } };
    const trust = createTrust({ ...policy, witnesses: { vkeys: witnesses.map((w) => w.vkey), min: 2 } });
    const v = await verifyLegacySignature({ ...input, online: cosigned }, trust);
    assert.ok(v.ok, v.ok ? '' : v.message);
    assert.equal(v.value.tlog?.witnesses, 2);
  });

  describe('when something is wrong', () => {
    it('too few witnesses: one of two cosigned, or a repeated line of the same witness', async () => {
      const proof = online.inclusionProof!;
      const trust = createTrust({ ...policy, witnesses: { vkeys: witnesses.map((w) => w.vkey), min: 2 } });
      const one = cosignCheckpoint(proof.checkpoint, [witnesses[0]!]);
      refused(await verifyLegacySignature({ ...input, online: { ...online, inclusionProof: { ...proof, checkpoint: one } } }, trust), 'TOO_FEW_WITNESSES');
      const twice = cosignCheckpoint(proof.checkpoint, [witnesses[0]!, witnesses[0]!]);
      refused(await verifyLegacySignature({ ...input, online: { ...online, inclusionProof: { ...proof, checkpoint: twice } } }, trust), 'TOO_FEW_WITNESSES');
      refused(await verifyLegacySignature(input, trust), 'TOO_FEW_WITNESSES');
      assert.throws(() => createTrust({ ...policy, witnesses: { vkeys: [witnesses[0]!.vkey, witnesses[0]!.vkey], min: 2 } }), /distinct/);
    });

    it('a bad checkpoint signature: CHECKPOINT_INVALID', async () => {
      const proof = online.inclusionProof!;
      const lines = proof.checkpoint.split('\n');
      const sigLine = lines.findIndex((l) => l.startsWith('\u2014 '));
      const parts = lines[sigLine]!.split(' ');
      const blob = Buffer.from(parts[2]!, 'base64');
      blob[blob.length - 1] = (blob[blob.length - 1] ?? 0) ^ 1;
      parts[2] = blob.toString('base64');
      lines[sigLine] = parts.join(' ');
      const bad = { ...online, inclusionProof: { ...proof, checkpoint: lines.join('\n') } };
      refused(await verifyLegacySignature({ ...input, online: bad }, createTrust(policy)), 'CHECKPOINT_INVALID');
    });

    it('a proof that does not lead to its root: INCLUSION_PROOF_INVALID', async () => {
      const proof = online.inclusionProof!;
      const bad = { ...online, inclusionProof: { ...proof, rootHash: new Uint8Array(32) } };
      refused(await verifyLegacySignature({ ...input, online: bad }, createTrust(policy)), 'INCLUSION_PROOF_INVALID');
    });

    it('a checkpoint signed by another key only: CHECKPOINT_INVALID', async () => {
      const proof = online.inclusionProof!;
      const text = proof.checkpoint.slice(0, proof.checkpoint.lastIndexOf('\n\n') + 1);
      const foreign = `${text}\n\u2014 other.example ${Buffer.alloc(68, 3).toString('base64')}\n`;
      refused(await verifyLegacySignature({ ...input, online: { ...online, inclusionProof: { ...proof, checkpoint: foreign } } }, createTrust(policy)), 'CHECKPOINT_INVALID');
    });

    it('a log-signed checkpoint of another tree size than the proof: CHECKPOINT_INVALID', async () => {
      await logMessageSignature(cairn.url, signer, simpleSigningPayload(REPO, `sha256:${'99'.repeat(32)}`));
      const later = (await fetchEntry(cairn.url, uuidOf(online))).inclusionProof!;
      const proof = online.inclusionProof!;
      assert.notEqual(later.treeSize, proof.treeSize);
      const mixed = { ...online, inclusionProof: { ...proof, checkpoint: later.checkpoint } };
      refused(await verifyLegacySignature({ ...input, online: mixed }, createTrust(policy)), 'CHECKPOINT_INVALID');
    });

    it('an online entry for another signature (its proof is for another leaf): INCLUSION_PROOF_INVALID', async () => {
      const second = await logMessageSignature(cairn.url, signer, simpleSigningPayload(REPO, `sha256:${'77'.repeat(32)}`));
      const otherOnline = await fetchEntry(cairn.url, second.uuid);
      refused(await verifyLegacySignature({ ...input, online: otherOnline }, createTrust(policy)), 'INCLUSION_PROOF_INVALID');
    });

    it('an untrusted log: UNKNOWN_LOG; an entry relabelled as another trusted log\'s: SET_INVALID', async () => {
      const stranger = generateKeyPairSync('ed25519').publicKey;
      refused(await verifyLegacySignature(input, createTrust({ ...policy, logKeys: [stranger] })), 'UNKNOWN_LOG');
      const relabelled = legacySignatureLayer({ payload: input.blob, signature: signatureOf(input), entry: { ...setEntryOf(input), logId: logIdOfKey(stranger) } });
      const trust = createTrust({ ...policy, logKeys: [cairn.identity.publicKey, stranger] });
      refused(await verifyLegacySignature({ ...input, descriptor: relabelled.descriptor }, trust), 'SET_INVALID');
    });

    it('the wrong key: SIGNATURE_INVALID', async () => {
      refused(await verifyLegacySignature(input, createTrust({ ...policy, signerKeys: [testSigner().publicKey] })), 'SIGNATURE_INVALID');
    });

    it('a payload for another digest: DIGEST_MISMATCH', async () => {
      refused(await verifyLegacySignature({ ...input, imageDigest: `sha256:${'00'.repeat(32)}` }, createTrust(policy)), 'DIGEST_MISMATCH');
    });

    it('a SET and body of another signature of the same payload: BODY_MISMATCH', async () => {
      const second = await logMessageSignature(cairn.url, signer, input.blob);
      const swapped = legacySignatureLayer({ payload: input.blob, signature: signatureOf(input), entry: second.entry });
      refused(await verifyLegacySignature({ ...input, descriptor: swapped.descriptor }, createTrust(policy)), 'BODY_MISMATCH');
    });
  });
});

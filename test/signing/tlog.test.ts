/**
 * verifyTlogEntry with a Rekor-style ECDSA P-256 log (the key type of the
 * public-good Rekor): SET as ASN.1 ECDSA over SHA-256 of the JCS payload,
 * checkpoint signature with the Rekor key hint (rekor-v1.md §4–§5). Plus
 * the reference normalization of docker references.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { leafHash, nodeHash } from '../../src/merkle/index.js';
import { formatCheckpoint, formatSignatureLine, rekorKeyHint } from '../../src/note/index.js';
import {
  createTrust,
  logIdOfKey,
  normalizeRepository,
  sameRepository,
  setPayload,
  verifyTlogEntry,
  type TlogEntry,
} from '../../src/signing/index.js';

describe('verifyTlogEntry with an ECDSA P-256 log key', () => {
  const log = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = new Uint8Array(log.publicKey.export({ type: 'spki', format: 'der' }));
  const bodies = [0, 1, 2].map((i) => new TextEncoder().encode(`{"entry":${i}}`));
  const leaves = bodies.map((b) => leafHash(b));
  // Tree of 3: root = H(H(l0,l1), l2); leaf 2's path is [H(l0,l1)].
  const left = nodeHash(leaves[0]!, leaves[1]!);
  const root = nodeHash(left, leaves[2]!);
  const text = formatCheckpoint({ origin: 'rekor.example - 42', size: 3, root });
  const sigLine = formatSignatureLine('rekor.example', rekorKeyHint(spki), new Uint8Array(sign('sha256', Buffer.from(text), log.privateKey)));
  const checkpoint = `${text}\n${sigLine}`;

  function entry(withSet: boolean): TlogEntry {
    const e: TlogEntry = {
      body: bodies[2]!,
      integratedTime: 1_700_000_000,
      logIndex: 2,
      logId: logIdOfKey(log.publicKey),
      inclusionProof: { logIndex: 2, treeSize: 3, rootHash: root, hashes: [left], checkpoint },
    };
    return withSet ? { ...e, signedEntryTimestamp: new Uint8Array(sign('sha256', setPayload(e), log.privateKey)) } : e;
  }

  it('verifies the SET and the proof against the ECDSA-signed checkpoint', () => {
    const v = verifyTlogEntry(entry(true), createTrust({ signerKeys: [], logKeys: [log.publicKey] }));
    assert.ok(v.ok);
    assert.deepEqual(v.value, { logId: logIdOfKey(log.publicKey), logIndex: 2, integratedTime: 1_700_000_000, set: true, proofTreeSize: 3, witnesses: 0 });
  });

  it('refuses a checkpoint signed by another ECDSA key under the same hint', () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const forged = `${text}\n${formatSignatureLine('rekor.example', rekorKeyHint(spki), new Uint8Array(sign('sha256', Buffer.from(text), other.privateKey)))}`;
    const e = entry(false);
    const v = verifyTlogEntry({ ...e, inclusionProof: { ...e.inclusionProof!, checkpoint: forged } }, createTrust({ signerKeys: [], logKeys: [log.publicKey] }));
    assert.equal(v.ok ? 'verified' : v.reason, 'CHECKPOINT_INVALID');
  });
});

describe('normalizeRepository', () => {
  it('drops tags and digests and spells Docker Hub one way', () => {
    assert.equal(normalizeRepository('registry.example:5000/team/app:v1'), 'registry.example:5000/team/app');
    assert.equal(normalizeRepository(`localhost/app@sha256:${'0'.repeat(64)}`), 'localhost/app');
    assert.equal(normalizeRepository('index.docker.io/library/alpine'), 'docker.io/library/alpine');
    assert.equal(normalizeRepository('alpine:3'), 'docker.io/library/alpine');
    assert.equal(normalizeRepository('user/app'), 'docker.io/user/app');
    assert.equal(normalizeRepository('Registry.Example/app'), 'registry.example/app');
  });

  it('matches repositories, not prefixes', () => {
    assert.ok(sameRepository('index.docker.io/library/alpine', 'alpine'));
    assert.ok(!sameRepository('r.example/app', 'r.example/app2'));
    assert.ok(!sameRepository('r.example/team/app', 'r.example/app'));
    assert.ok(!sameRepository('', 'r.example/app'));
  });
});

/**
 * The image verifier's trust (src/verifier/trust.ts): a Rekor-style ECDSA
 * P-256 log (the key type of the public-good Rekor) checked by the client
 * library: SET as ASN.1 ECDSA over SHA-256 of the JCS payload, checkpoint
 * signature with the Rekor key hint (rekor-v1.md §4–§5), each failure as
 * its refusal reason.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { leafHash, nodeHash } from '../../src/merkle/index.js';
import { formatCheckpoint, formatSignatureLine, rekorKeyHint } from '../../src/note/index.js';
import { setPayload } from '../../src/client/index.js';
import type { TlogEntry } from '../../src/signing/index.js';
import { createTrust } from '../../src/verifier/index.js';
import { logIdOfKey } from '../support/log-id.js';

describe('the trust\'s log evidence check with an ECDSA P-256 log key', () => {
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

  it('verifies the SET and the proof against the ECDSA-signed checkpoint', async () => {
    const v = await createTrust({ signerKeys: [], logKeys: [log.publicKey] }).tlog(entry(true));
    assert.ok(v.ok, v.ok ? '' : v.message);
    assert.deepEqual(v.value, { set: true, proofTreeSize: 3, witnesses: 0 });
  });

  it('refuses a checkpoint signed by another ECDSA key under the same hint, an untrusted log, a changed SET or proof', async () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const forged = `${text}\n${formatSignatureLine('rekor.example', rekorKeyHint(spki), new Uint8Array(sign('sha256', Buffer.from(text), other.privateKey)))}`;
    const e = entry(false);
    const trust = createTrust({ signerKeys: [], logKeys: [log.publicKey] });
    const reason = async (x: TlogEntry): Promise<string> => {
      const v = await trust.tlog(x);
      return v.ok ? 'verified' : v.reason;
    };
    assert.equal(await reason({ ...e, inclusionProof: { ...e.inclusionProof!, checkpoint: forged } }), 'CHECKPOINT_INVALID');
    assert.equal(await reason({ ...e, logId: logIdOfKey(other.publicKey) }), 'UNKNOWN_LOG');
    const set = entry(true).signedEntryTimestamp!;
    assert.equal(await reason({ ...e, signedEntryTimestamp: set.map((b, i) => (i === set.length - 1 ? b ^ 1 : b)) }), 'SET_INVALID');
    assert.equal(await reason({ ...e, inclusionProof: { ...e.inclusionProof!, hashes: [leaves[1]!] } }), 'INCLUSION_PROOF_INVALID');
    assert.equal((await createTrust({ signerKeys: [], logKeys: [] }).tlog(e)).ok, false);
  });
});

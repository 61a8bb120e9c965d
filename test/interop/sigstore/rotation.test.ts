/**
 * sigstore-js across a rotation: bundles made by @sigstore/sign against the
 * log before and after it rotates to a staged key (Ed25519, then ECDSA
 * P-256) both verify with @sigstore/verify given the one trusted root the log
 * serves (GET /api/v1/log/trusted-root: each key with its validFor window),
 * by SET and by inclusion proof and checkpoint; an entry whose SET the
 * retired key signed for a time after its window is refused, though the same
 * entry verifies when the window is left open (so the window, not a broken
 * signature, refuses it).
 */
import assert from 'node:assert/strict';
import { createServer, type RequestListener, type Server } from 'node:http';
import { generateKeyPairSync, sign } from 'node:crypto';
import { bundleFromJSON, bundleToJSON, type Bundle } from '@sigstore/bundle';
import { PublicKeyDetails, TrustedRoot as TrustedRootJson } from '@sigstore/protobuf-specs';
import { MessageSignatureBundleBuilder, RekorWitness, type Signer } from '@sigstore/sign';
import { Verifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';
import { ManualClock } from '../../../src/clock.js';
import { createApp } from '../../../src/http/index.js';
import { LogService, setPayload, signWithKey } from '../../../src/log/index.js';
import { openSqliteStore, toAsyncStore } from '../../../src/storage/index.js';
import { stagedKeys } from '../../support/shards.js';
import { FAST_OPTIONS, testEcdsaKey, testIdentity, testKey } from '../../support/test-log.js';

const KEY_HINT = 'cairn-rotation-signer';
const signing = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signingPem = signing.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const signer: Signer = {
  sign: async (data) => ({ signature: sign('sha256', data, signing.privateKey), key: { $case: 'publicKey', publicKey: signingPem, hint: KEY_HINT } }),
};
const keys = { [KEY_HINT]: { rawBytes: signing.publicKey.export({ type: 'spki', format: 'der' }), keyDetails: PublicKeyDetails.PKIX_ECDSA_P256_SHA_256, validFor: { start: new Date(0), end: undefined } } };
const BY_SET = { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 };
const BY_PROOF = { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 0 };

describe('sigstore-js across a rotation', function () {
  this.timeout(60_000);
  let server: Server;
  let url: string;
  let log: LogService;
  const clock = new ManualClock(1_800_000_000_000);
  const oldKey = testKey();
  const early = Buffer.from('artifact signed before the rotation');
  const late = Buffer.from('artifact signed after the rotation');
  let bundles: { early: Bundle; late: Bundle };
  let root: Record<string, any>;

  const submit = async (data: Buffer): Promise<Bundle> => {
    const witness = new RekorWitness({ rekorBaseURL: url, fetchOnConflict: false, retry: 0, timeout: 10_000 });
    return bundleFromJSON(JSON.parse(JSON.stringify(bundleToJSON(await new MessageSignatureBundleBuilder({ signer, witnesses: [witness] }).create({ data })))));
  };

  before(async () => {
    let handler: RequestListener = (_req, res) => void res.writeHead(503).end();
    server = createServer((req, res) => handler(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    url = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
    log = await LogService.open(toAsyncStore(openSqliteStore({ path: ':memory:' })), testIdentity('ed25519', url), clock, { ...FAST_OPTIONS, nextKeys: stagedKeys(testEcdsaKey(5), testKey(12)) });
    handler = createApp({ log, maxRequestBytes: 1 << 20 });
    clock.advance(10_000);
    const b = await submit(early);
    clock.advance(10_000);
    await log.rotate();
    clock.advance(10_000);
    bundles = { early: b, late: await submit(late) };
    root = (await (await fetch(`${url}/api/v1/log/trusted-root`)).json()) as Record<string, any>;
  });
  after(async () => {
    await new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
    await log.close();
  });

  it('serves both keys, each with its window: the retired one ends where the new one starts', () => {
    assert.equal(root['tlogs'].length, 2);
    const [old, now] = root['tlogs'];
    assert.equal(old.publicKey.keyDetails, 'PKIX_ED25519');
    assert.equal(now.publicKey.keyDetails, 'PKIX_ECDSA_P256_SHA_256');
    assert.equal(old.publicKey.validFor.end, new Date(1_800_000_020_000).toISOString(), 'the retired key ends at the rotation (to the second)');
    assert.equal(now.publicKey.validFor.start, old.publicKey.validFor.end, 'where the new key starts');
    assert.equal(now.publicKey.validFor.end, undefined);
    assert.notEqual(Buffer.from(bundles.early.verificationMaterial.tlogEntries[0]!.logId!.keyId).toString('base64'), Buffer.from(bundles.late.verificationMaterial.tlogEntries[0]!.logId!.keyId).toString('base64'));
  });

  it('verifies the bundles from before and after the rotation with that one trusted root, by SET and by inclusion proof', () => {
    const trust = toTrustMaterial(TrustedRootJson.fromJSON(root), keys);
    for (const [bundle, data] of [[bundles.early, early], [bundles.late, late]] as const) {
      const bySet = bundleFromJSON(bundleToJSON(bundle));
      bySet.verificationMaterial.tlogEntries[0]!.inclusionProof = undefined;
      new Verifier(trust, BY_SET).verify(toSignedEntity(bySet, data));
      const byProof = bundleFromJSON(bundleToJSON(bundle));
      byProof.verificationMaterial.tlogEntries[0]!.inclusionPromise = undefined;
      new Verifier(trust, BY_PROOF).verify(toSignedEntity(byProof, data));
    }
    const e = bundles.late.verificationMaterial.tlogEntries[0]!;
    assert.equal(Number(e.logIndex), 1, 'the global index');
    assert.equal(Number(e.inclusionProof!.logIndex), 0, 'the proof index in the new tree');
  });

  it("refuses an entry whose SET the retired key signed after its window, which verifies with the window left open", () => {
    const forged = bundleFromJSON(bundleToJSON(bundles.early));
    const e = forged.verificationMaterial.tlogEntries[0]!;
    e.inclusionProof = undefined;
    const lateTime = Math.floor(clock.now() / 1000) + 60; // after the rotation froze the old key's tree
    e.integratedTime = String(lateTime);
    const payload = setPayload(e.canonicalizedBody, lateTime, Buffer.from(e.logId!.keyId).toString('hex'), Number(e.logIndex));
    e.inclusionPromise = { signedEntryTimestamp: Buffer.from(signWithKey(oldKey, payload)) };
    assert.throws(() => new Verifier(toTrustMaterial(TrustedRootJson.fromJSON(root), keys), BY_SET).verify(toSignedEntity(forged, early)), /inclusion promise|no valid tlog|tlog/i);
    const open = structuredClone(root);
    delete open['tlogs'][0].publicKey.validFor.end;
    new Verifier(toTrustMaterial(TrustedRootJson.fromJSON(open), keys), BY_SET).verify(toSignedEntity(forged, early));
  });
});

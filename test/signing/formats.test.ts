/**
 * The payload and envelope formats, byte for byte against what cosign writes
 * (oci-signatures.md §3, §5, §6) and against prepareEntry, the log's own
 * admission of the proposed entries.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { prepareEntry } from '../../src/entry/index.js';
import { isLogError } from '../../src/errors.js';
import {
  COSIGN_SIGN_PREDICATE_TYPE,
  dsseEntry,
  dssePae,
  envelopeJson,
  envelopeProtoJson,
  hashedrekordEntry,
  hashedrekordHashAlgorithm,
  inTotoStatement,
  parseEnvelope,
  parseSimpleSigningPayload,
  parseStatement,
  simpleSigningPayload,
} from '../../src/signing/index.js';
import { cosignFixturePath } from '../support/cosign-fixtures.js';

const D = `sha256:${'ab'.repeat(32)}`;
const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

function assertArtifactInvalid(fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => isLogError(err, 'ARTIFACT_INVALID'));
}

describe('simpleSigningPayload', () => {
  it('writes exactly the bytes cosign wrote in the containers/image fixture', () => {
    const cosignMade = readFileSync(cosignFixturePath('rekor-payload'));
    const ref = '192.168.64.2:5000/test-repo-2100826901021538654/alpine';
    const digest = 'sha256:fa93b01658e3a5a1686dc3ae55f170d8de487006fb53a28efcd12ab0710a2e5f';
    assert.equal(text(simpleSigningPayload(ref, digest)), cosignMade.toString('utf8'));
  });

  it('writes annotations as a sorted optional object', () => {
    const p = text(simpleSigningPayload('r.example/app', D, { z: '1', a: 'x"y' }));
    assert.ok(p.endsWith(`"optional":{"a":"x\\"y","z":"1"}}`));
    assert.deepEqual(parseSimpleSigningPayload(bytes(p)).optional, { a: 'x"y', z: '1' });
  });

  it('refuses a malformed digest or an empty reference', () => {
    assertArtifactInvalid(() => simpleSigningPayload('r/app', 'sha256:abc'));
    assertArtifactInvalid(() => simpleSigningPayload('', D));
  });
});

describe('parseSimpleSigningPayload', () => {
  const good = JSON.parse(text(simpleSigningPayload('r.example/app', D))) as Record<string, any>;
  const variant = (f: (v: Record<string, any>) => void): Uint8Array => {
    const v = structuredClone(good);
    f(v);
    return bytes(JSON.stringify(v));
  };

  it('reads the claims', () => {
    assert.deepEqual(parseSimpleSigningPayload(bytes(JSON.stringify(good))), { dockerReference: 'r.example/app', manifestDigest: D, optional: null });
  });

  it('accepts a missing optional as null', () => {
    assert.equal(parseSimpleSigningPayload(variant((v) => delete v['optional'])).optional, null);
  });

  describe('when the payload is not exactly a cosign payload', () => {
    it('refuses a wrong type, unknown or missing keys, a bad digest, a non-object optional, non-JSON', () => {
      assertArtifactInvalid(() => parseSimpleSigningPayload(variant((v) => (v['critical'].type = 'atomic container signature'))));
      assertArtifactInvalid(() => parseSimpleSigningPayload(variant((v) => (v['extra'] = 1))));
      assertArtifactInvalid(() => parseSimpleSigningPayload(variant((v) => (v['critical'].extra = 1))));
      assertArtifactInvalid(() => parseSimpleSigningPayload(variant((v) => delete v['critical'].identity)));
      assertArtifactInvalid(() => parseSimpleSigningPayload(variant((v) => (v['critical'].image['Docker-manifest-digest'] = D))));
      assertArtifactInvalid(() => parseSimpleSigningPayload(variant((v) => (v['critical'].image['docker-manifest-digest'] = 'sha256:AB'))));
      assertArtifactInvalid(() => parseSimpleSigningPayload(variant((v) => (v['optional'] = 'x'))));
      assertArtifactInvalid(() => parseSimpleSigningPayload(bytes('{"critical":')));
      assertArtifactInvalid(() => parseSimpleSigningPayload(new Uint8Array([0xff, 0xfe])));
    });
  });
});

describe('inTotoStatement', () => {
  it('writes cosign v3 sign\'s statement: one digest-only subject, predicate {}', () => {
    const s = text(inTotoStatement(D, COSIGN_SIGN_PREDICATE_TYPE, {}));
    assert.equal(
      s,
      `{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"${'ab'.repeat(32)}"}}],` +
        `"predicateType":"https://sigstore.dev/cosign/sign/v1","predicate":{}}`,
    );
    assert.deepEqual(parseStatement(bytes(s)), {
      type: 'https://in-toto.io/Statement/v1',
      subjectSha256: ['ab'.repeat(32)],
      predicateType: COSIGN_SIGN_PREDICATE_TYPE,
      predicate: {},
    });
  });

  it('refuses statements without subjects or predicate type', () => {
    assertArtifactInvalid(() => parseStatement(bytes('{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"x"}')));
    assertArtifactInvalid(() => parseStatement(bytes('{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{}}]}')));
    assertArtifactInvalid(() => parseStatement(bytes('{"_type":"other","subject":[{"digest":{}}],"predicateType":"x"}')));
  });
});

describe('DSSE envelopes and proposed entries', () => {
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = key.publicKey.export({ type: 'spki', format: 'pem' }).toString();

  it('PAE is "DSSEv1 <len> <type> <len> <payload>"', () => {
    assert.equal(text(dssePae('t', bytes('hello'))), 'DSSEv1 1 t 5 hello');
  });

  it('writes both JSON spellings and reads them back', () => {
    const env = { payloadType: 'application/vnd.in-toto+json', payload: bytes('{}'), signatures: [{ keyid: '', sig: new Uint8Array([1, 2, 3]) }] };
    assert.equal(envelopeJson(env), '{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"keyid":"","sig":"AQID"}]}');
    assert.deepEqual(envelopeProtoJson(env), { payload: 'e30=', payloadType: 'application/vnd.in-toto+json', signatures: [{ sig: 'AQID' }] });
    assert.deepEqual(parseEnvelope(envelopeJson(env)), env);
    assert.deepEqual(parseEnvelope(envelopeProtoJson(env)), env);
    assertArtifactInvalid(() => parseEnvelope('{"payloadType":"x","payload":"e30","signatures":[{"sig":"AQID"}]}'));
    assertArtifactInvalid(() => parseEnvelope('{"payloadType":"x","payload":"e30=","signatures":[]}'));
  });

  it('names the hash a hashedrekord entry needs for each key type', () => {
    const spki = (k: KeyObject): Uint8Array => new Uint8Array(k.export({ type: 'spki', format: 'der' }));
    assert.equal(hashedrekordHashAlgorithm(spki(key.publicKey)), 'sha256');
    assert.equal(hashedrekordHashAlgorithm(spki(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey)), 'sha384');
    assert.equal(hashedrekordHashAlgorithm(spki(generateKeyPairSync('ed25519').publicKey)), 'sha512');
  });

  it('a P-384 signature logged with sha384 is admitted by the log', () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const payload = simpleSigningPayload('r.example/app', D);
    const pem384 = p384.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    assert.equal(prepareEntry(hashedrekordEntry(payload, sign('sha384', payload, p384.privateKey), pem384, 'sha384')).kind, 'hashedrekord/0.0.1');
  });

  it('hashedrekord and dsse proposals are admitted by the log', () => {
    const payload = simpleSigningPayload('r.example/app', D);
    const hr = prepareEntry(hashedrekordEntry(payload, sign('sha256', payload, key.privateKey), pem));
    assert.equal(hr.kind, 'hashedrekord/0.0.1');
    const statement = inTotoStatement(D, COSIGN_SIGN_PREDICATE_TYPE, {});
    const sig = sign('sha256', dssePae('application/vnd.in-toto+json', statement), key.privateKey);
    const env = { payloadType: 'application/vnd.in-toto+json', payload: statement, signatures: [{ keyid: '', sig }] };
    assert.equal(prepareEntry(dsseEntry(env, [pem])).kind, 'dsse/0.0.1');
  });
});

/**
 * Rekor v2 requests (prepareRekorV2Request): hashedrekord and dsse 0.0.2,
 * the verifier forms, keyDetails rules, the exact canonical bodies, and
 * refusals. Bodies are also read back with sigstore-js' own v2 types
 * (@sigstore/protobuf-specs rekor/v2 Entry.fromJSON), as @sigstore/verify reads them.
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { Entry } from '@sigstore/protobuf-specs/rekor/v2';
import { prepareRekorV2Request } from '../../src/entry/index.js';
import { assertCode } from '../support/entry/assert-code.js';
import { signer, signForHashedrekord, type SignerName } from '../support/entry/signers.js';
import { buildChain } from '../support/entry/x509.js';

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
const spki = (name: SignerName): Buffer => signer(name).publicKey.export({ type: 'spki', format: 'der' });
const DETAILS: Record<string, string> = {
  p256: 'PKIX_ECDSA_P256_SHA_256',
  p384: 'PKIX_ECDSA_P384_SHA_384',
  p521: 'PKIX_ECDSA_P521_SHA_512',
  rsa2048: 'PKIX_RSA_PKCS1V15_2048_SHA256',
  rsa3072: 'PKIX_RSA_PKCS1V15_3072_SHA256',
  rsa4096: 'PKIX_RSA_PKCS1V15_4096_SHA256',
  ed25519: 'PKIX_ED25519_PH',
};

function hashed(name: SignerName, data: string, verifier?: Record<string, unknown>): { request: Record<string, any>; digest: Buffer; sig: Buffer } {
  const { digest, sig } = signForHashedrekord(signer(name), Buffer.from(data));
  const v = verifier ?? { publicKey: { rawBytes: b64(spki(name)) }, keyDetails: DETAILS[name] };
  return { request: { hashedRekordRequestV002: { digest: b64(digest), signature: { content: b64(sig), verifier: v } } }, digest, sig };
}

function dsse(payload: string, sigs: SignerName[], verifiers: SignerName[], payloadType = 'application/vnd.in-toto+json'): Record<string, any> {
  const body = Buffer.from(payload);
  const pae = Buffer.concat([Buffer.from(`DSSEv1 ${payloadType.length} ${payloadType} ${body.length} `), body]);
  return {
    dsseRequestV002: {
      envelope: { payload: b64(body), payloadType, signatures: sigs.map((n) => ({ sig: b64(sign(n.startsWith('ed') ? null : 'sha256', pae, signer(n).privateKey)), keyid: '' })) },
      verifiers: verifiers.map((n) => ({ publicKey: { rawBytes: b64(spki(n)) }, keyDetails: n === 'ed25519' ? 'PKIX_ED25519' : DETAILS[n] })),
    },
  };
}

describe('prepareRekorV2Request', () => {
  describe('hashedRekordRequestV002', () => {
    for (const name of Object.keys(DETAILS) as SignerName[]) {
      it(`accepts ${name} (${DETAILS[name]}) and stores rekor-tiles' Entry`, () => {
        const { request, digest, sig } = hashed(name, `artifact ${name}`);
        const p = prepareRekorV2Request(request);
        assert.equal(p.kind, 'hashedrekord/0.0.2');
        const entry = Entry.fromJSON(JSON.parse(Buffer.from(p.body).toString()));
        assert.equal(entry.kind, 'hashedrekord');
        assert.equal(entry.apiVersion, '0.0.2');
        assert.equal(entry.spec?.spec?.$case, 'hashedRekordV002');
        if (entry.spec?.spec?.$case === 'hashedRekordV002') {
          assert.deepEqual(Buffer.from(entry.spec.spec.hashedRekordV002.data!.digest), digest);
          assert.deepEqual(Buffer.from(entry.spec.spec.hashedRekordV002.signature!.content), sig);
        }
      });
    }

    it('gives the exact RFC 8785 body, the same for any base64 form of the same bytes', () => {
      const { request, digest, sig } = hashed('p256', 'exact');
      const key = b64(spki('p256'));
      const expected =
        `{"apiVersion":"0.0.2","kind":"hashedrekord","spec":{"hashedRekordV002":{"data":{"algorithm":"SHA2_256","digest":"${b64(digest)}"},` +
        `"signature":{"content":"${b64(sig)}","verifier":{"keyDetails":"PKIX_ECDSA_P256_SHA_256","publicKey":{"rawBytes":"${key}"}}}}}}`;
      assert.equal(Buffer.from(prepareRekorV2Request(request).body).toString(), expected);
      const urlSafe = structuredClone(request);
      urlSafe.hashedRekordRequestV002.digest = digest.toString('base64url');
      urlSafe.hashedRekordRequestV002.signature.content = sig.toString('base64url');
      assert.equal(Buffer.from(prepareRekorV2Request(urlSafe).body).toString(), expected);
    });

    it('stores a public key sent as x509Certificate (as sigstore-js sends it) as the publicKey it is, a certificate as x509Certificate', () => {
      const asCert = hashed('p256', 'spki as cert', { x509Certificate: { rawBytes: b64(spki('p256')) }, keyDetails: 'PKIX_ECDSA_P256_SHA_256' });
      const asKey = hashed('p256', 'spki as cert', { publicKey: { rawBytes: b64(spki('p256')) }, keyDetails: 'PKIX_ECDSA_P256_SHA_256' });
      asKey.request.hashedRekordRequestV002.signature.content = asCert.request.hashedRekordRequestV002.signature.content;
      assert.deepEqual(prepareRekorV2Request(asCert.request).body, prepareRekorV2Request(asKey.request).body);
      const [leaf] = buildChain(1, signer('p256'));
      const withCert = hashed('p256', 'cert', { x509Certificate: { rawBytes: b64(leaf!) }, keyDetails: 'PKIX_ECDSA_P256_SHA_256' });
      const body = JSON.parse(Buffer.from(prepareRekorV2Request(withCert.request).body).toString());
      assert.deepEqual(body.spec.hashedRekordV002.signature.verifier, { keyDetails: 'PKIX_ECDSA_P256_SHA_256', x509Certificate: { rawBytes: b64(leaf!) } });
    });

    it('refuses keyDetails that do not describe the key, pure Ed25519, and unknown names (ALGORITHM_NOT_ALLOWED)', () => {
      const wrong = hashed('p256', 'x', { publicKey: { rawBytes: b64(spki('p256')) }, keyDetails: 'PKIX_ECDSA_P384_SHA_384' });
      assertCode(() => prepareRekorV2Request(wrong.request), 'ALGORITHM_NOT_ALLOWED', 'does not describe');
      const pure = hashed('ed25519', 'x', { publicKey: { rawBytes: b64(spki('ed25519')) }, keyDetails: 'PKIX_ED25519' });
      assertCode(() => prepareRekorV2Request(pure.request), 'ALGORITHM_NOT_ALLOWED', 'PKIX_ED25519_PH');
      for (const name of ['PKIX_ECDSA_P256_SHA_256 ', 'toString', '__proto__', 'PKIX_RSA_PSS_2048_SHA256']) {
        const r = hashed('p256', 'x', { publicKey: { rawBytes: b64(spki('p256')) }, keyDetails: name });
        assertCode(() => prepareRekorV2Request(r.request), 'ALGORITHM_NOT_ALLOWED');
      }
    });

    it('refuses a digest of the wrong length, a signature that does not verify, unknown fields and missing parts', () => {
      const short = hashed('p256', 'x');
      short.request.hashedRekordRequestV002.digest = b64(createHash('sha384').update('x').digest());
      assertCode(() => prepareRekorV2Request(short.request), 'ENTRY_INVALID', 'digest');
      const other = hashed('p256', 'x');
      other.request.hashedRekordRequestV002.digest = b64(createHash('sha256').update('y').digest());
      assertCode(() => prepareRekorV2Request(other.request), 'SIGNATURE_INVALID');
      const extra = hashed('p256', 'x');
      extra.request.hashedRekordRequestV002.signature.verifier.extra = 1;
      assertCode(() => prepareRekorV2Request(extra.request), 'ENTRY_INVALID', 'unknown field');
      const both = hashed('p256', 'x');
      both.request.hashedRekordRequestV002.signature.verifier.x509Certificate = { rawBytes: b64(spki('p256')) };
      assertCode(() => prepareRekorV2Request(both.request), 'ENTRY_INVALID', 'exactly one');
      const noVerifier = hashed('p256', 'x');
      delete noVerifier.request.hashedRekordRequestV002.signature.verifier;
      assertCode(() => prepareRekorV2Request(noVerifier.request), 'ENTRY_INVALID', 'missing');
      const garbage = hashed('p256', 'x', { x509Certificate: { rawBytes: b64(Buffer.from('not DER')) }, keyDetails: 'PKIX_ECDSA_P256_SHA_256' });
      assertCode(() => prepareRekorV2Request(garbage.request), 'ENTRY_INVALID', 'x509Certificate.rawBytes');
      const [weak] = buildChain(1, generateKeyPairSync('rsa', { modulusLength: 1024 }));
      const weakCert = hashed('p256', 'x', { x509Certificate: { rawBytes: b64(weak!) }, keyDetails: 'PKIX_RSA_PKCS1V15_2048_SHA256' });
      const err = assertCode(() => prepareRekorV2Request(weakCert.request), 'ALGORITHM_NOT_ALLOWED', 'x509Certificate.rawBytes');
      assert.ok(!err.message.includes('neither'), 'a certificate with a refused key is refused for its key');
    });
  });

  describe('dsseRequestV002', () => {
    it('stores the payload hash and each signature with its verifier, sorted by signature', () => {
      const request = dsse('{"_type":"https://in-toto.io/Statement/v1"}', ['p256', 'ed25519'], ['ed25519', 'p256']);
      const p = prepareRekorV2Request(request);
      assert.equal(p.kind, 'dsse/0.0.2');
      const body = JSON.parse(Buffer.from(p.body).toString());
      assert.deepEqual(Object.keys(body), ['apiVersion', 'kind', 'spec']);
      const spec = body.spec.dsseV002;
      assert.deepEqual(spec.payloadHash, { algorithm: 'SHA2_256', digest: createHash('sha256').update('{"_type":"https://in-toto.io/Statement/v1"}').digest('base64') });
      const contents = spec.signatures.map((s: { content: string }) => s.content);
      assert.deepEqual(contents, [...contents].sort());
      assert.equal(spec.signatures.length, 2);
      const entry = Entry.fromJSON(body);
      assert.equal(entry.spec?.spec?.$case, 'dsseV002');
    });

    it('refuses a signature no verifier verifies, a verifier that verifies none, Ed25519ph, and a changed payload', () => {
      assertCode(() => prepareRekorV2Request(dsse('{}', ['p256', 'p384'], ['p256'])), 'SIGNATURE_INVALID', 'no verifier');
      assertCode(() => prepareRekorV2Request(dsse('{}', ['p256'], ['p256', 'p384'])), 'SIGNATURE_INVALID', 'verifies none');
      const ph = dsse('{}', ['ed25519'], ['ed25519']);
      ph.dsseRequestV002.verifiers[0].keyDetails = 'PKIX_ED25519_PH';
      assertCode(() => prepareRekorV2Request(ph), 'ALGORITHM_NOT_ALLOWED');
      const changed = dsse('{}', ['p256'], ['p256']);
      changed.dsseRequestV002.envelope.payload = b64(Buffer.from('{ }'));
      assertCode(() => prepareRekorV2Request(changed), 'SIGNATURE_INVALID');
    });
  });

  it('refuses a request holding no kind, two kinds or an unknown one (UNSUPPORTED_KIND), and what is not an object', () => {
    const h = hashed('p256', 'x').request;
    const d = dsse('{}', ['p256'], ['p256']);
    for (const r of [{}, { ...h, ...d }, { hashedRekordRequestV0_0_2: h['hashedRekordRequestV002'] }, JSON.parse('{"__proto__":{}}'), { toString: {} }]) {
      assertCode(() => prepareRekorV2Request(r), 'UNSUPPORTED_KIND');
    }
    for (const r of [null, [], 'x', 1]) assertCode(() => prepareRekorV2Request(r), 'ENTRY_INVALID');
  });
});

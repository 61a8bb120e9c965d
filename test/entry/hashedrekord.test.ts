import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { decodeBody, prepareEntry } from '../../src/entry/index.js';
import { assertCode } from '../support/entry/assert-code.js';
import { bitString, oid, seq } from '../support/entry/der.js';
import { hashedrekordEntry } from '../support/entry/entries.js';
import { signer, type SignerName, type TestSigner } from '../support/entry/signers.js';
import { sigstoreCheckMessage } from '../support/entry/sigstore.js';

type Spec = { data: { hash: { algorithm: string; value: string } }; signature: { content: string; publicKey: { content: string } } };
const specOf = (e: Record<string, unknown>): Spec => e['spec'] as Spec;
const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');
const canonicalPem = (s: TestSigner): string => s.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const withKey = (e: Record<string, unknown>, pemText: string): Record<string, unknown> => {
  specOf(e).signature.publicKey.content = Buffer.from(pemText).toString('base64');
  return e;
};

describe('prepareEntry (hashedrekord 0.0.1)', () => {
  describe('when the key and digest algorithm are an allowed pairing', () => {
    const names: SignerName[] = ['p256', 'p384', 'p521', 'rsa2048', 'rsa3072', 'rsa4096', 'ed25519'];
    for (const name of names) {
      it(`accepts ${name} with ${signer(name).hash}, and @sigstore/verify accepts the body`, () => {
        const s = signer(name);
        const data = Buffer.from(`artifact signed by ${name}`);
        const entry = hashedrekordEntry({ signer: s, data });
        const prepared = prepareEntry(entry);
        assert.equal(prepared.kind, 'hashedrekord/0.0.1');
        const spec = specOf(entry);
        sigstoreCheckMessage(prepared, Buffer.from(spec.signature.content, 'base64'), Buffer.from(spec.data.hash.value, 'hex'), data);
      });
    }

    for (const name of ['p256', 'p384', 'p521'] as const) {
      it(`accepts ${name} signatures in IEEE-P1363 (r ‖ s) encoding`, () => {
        assert.equal(prepareEntry(hashedrekordEntry({ signer: signer(name), p1363: true })).kind, 'hashedrekord/0.0.1');
      });
    }
  });

  describe('when the entry is accepted', () => {
    const s = signer('p256');
    const entry = hashedrekordEntry({ signer: s });
    const prepared = prepareEntry(entry);
    const spec = specOf(entry);

    it('stores exactly the server-trusted fields, in RFC 8785 form', () => {
      const pemB64 = Buffer.from(canonicalPem(s)).toString('base64');
      const expected =
        `{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"sha256","value":"${spec.data.hash.value}"}},` +
        `"signature":{"content":"${spec.signature.content}","publicKey":{"content":"${pemB64}"}}}}`;
      assert.equal(Buffer.from(prepared.body).toString('utf8'), expected);
      assert.deepEqual(decodeBody(prepared.body), JSON.parse(expected));
    });

    it('has the leaf hash SHA-256(0x00 ‖ body)', () => {
      const expected = createHash('sha256').update(Buffer.of(0)).update(prepared.body).digest();
      assert.deepEqual(Buffer.from(prepared.leafHash), expected);
    });

    it('indexes the canonical key hash and the digest', () => {
      assert.deepEqual(prepared.searchKeys, [`sha256:${sha256(canonicalPem(s))}`, `sha256:${spec.data.hash.value}`]);
    });
  });

  describe('when the same entry arrives laid out differently', () => {
    const s = signer('p256');
    const base = hashedrekordEntry({ signer: s });
    const body = Buffer.from(prepareEntry(base).body).toString();
    const pemText = canonicalPem(s);

    it('gives the same body for CRLF, missing final newline, other line widths and surrounding whitespace', () => {
      const b64 = s.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
      const variants = [
        pemText.replace(/\n/g, '\r\n'),
        pemText.trimEnd(),
        `\n\n  ${pemText}\n\n`,
        `-----BEGIN PUBLIC KEY-----\n${b64.match(/.{1,76}/g)?.join('\n')}\n-----END PUBLIC KEY-----\n`,
      ];
      for (const v of variants) assert.equal(Buffer.from(prepareEntry(withKey(structuredClone(base), v)).body).toString(), body);
    });

    it('gives the same body for an uppercase digest, a line-broken signature and reordered, re-spaced JSON', () => {
      const upper = structuredClone(base);
      specOf(upper).data.hash.value = specOf(upper).data.hash.value.toUpperCase();
      const broken = structuredClone(base);
      const sigB64 = specOf(broken).signature.content;
      specOf(broken).signature.content = `${sigB64.slice(0, 20)}\n${sigB64.slice(20)}`;
      const reordered = JSON.parse(JSON.stringify({ spec: specOf(base), kind: 'hashedrekord', apiVersion: '0.0.1' }, null, 7));
      for (const v of [upper, broken, reordered]) assert.equal(Buffer.from(prepareEntry(v).body).toString(), body);
    });
  });

  describe('when the key and digest algorithm are not an allowed pairing', () => {
    const cases: [SignerName, 'sha256' | 'sha384' | 'sha512'][] = [
      ['p256', 'sha384'],
      ['p256', 'sha512'],
      ['p384', 'sha256'],
      ['p521', 'sha256'],
      ['rsa2048', 'sha512'],
      ['rsa3072', 'sha384'],
      ['ed25519', 'sha256'],
    ];
    for (const [name, hash] of cases) {
      it(`rejects ${name} with ${hash} as ALGORITHM_NOT_ALLOWED`, () => {
        assertCode(() => prepareEntry(hashedrekordEntry({ signer: signer(name), hash })), 'ALGORITHM_NOT_ALLOWED', 'spec.data.hash.algorithm');
      });
    }
  });

  describe('when the key type is not allowed', () => {
    const pems: [string, string][] = [
      ['RSA-1024', generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString()],
      ['secp256k1', generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString()],
      ['Ed448', generateKeyPairSync('ed448').publicKey.export({ type: 'spki', format: 'pem' }).toString()],
      ['X25519', generateKeyPairSync('x25519').publicKey.export({ type: 'spki', format: 'pem' }).toString()],
      ['RSA-PSS', generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString()],
    ];
    for (const [what, pemText] of pems) {
      it(`rejects ${what} as ALGORITHM_NOT_ALLOWED`, () => {
        assertCode(() => prepareEntry(withKey(hashedrekordEntry({ signer: signer('p256') }), pemText)), 'ALGORITHM_NOT_ALLOWED', 'spec.signature.publicKey.content');
      });
    }
  });

  describe('when the signature does not verify', () => {
    it('rejects a signature over other data, by another key, or truncated as SIGNATURE_INVALID', () => {
      for (const name of ['p256', 'rsa2048', 'ed25519'] as const) {
        const s = signer(name);
        const entry = hashedrekordEntry({ signer: s, data: Buffer.from('one') });
        const other = hashedrekordEntry({ signer: s, data: Buffer.from('two') });
        specOf(entry).signature.content = specOf(other).signature.content;
        assertCode(() => prepareEntry(entry), 'SIGNATURE_INVALID', 'spec.signature.content');
        const truncated = hashedrekordEntry({ signer: s });
        specOf(truncated).signature.content = Buffer.from(specOf(truncated).signature.content, 'base64').subarray(2).toString('base64');
        assertCode(() => prepareEntry(truncated), 'SIGNATURE_INVALID');
      }
      const wrongKey = withKey(hashedrekordEntry({ signer: signer('p256') }), canonicalPem(signer('p384')));
      specOf(wrongKey).data.hash.algorithm = 'sha384';
      specOf(wrongKey).data.hash.value = 'ab'.repeat(48);
      assertCode(() => prepareEntry(wrongKey), 'SIGNATURE_INVALID');
    });
  });

  describe('when the digest is malformed', () => {
    const cases: [string, (s: Spec) => void][] = [
      ['63 hex characters for sha256', (s) => (s.data.hash.value = s.data.hash.value.slice(1))],
      ['65 hex characters for sha256', (s) => (s.data.hash.value += '0')],
      ['a sha256-sized value for sha384', (s) => (s.data.hash.algorithm = 'sha384')],
      ['non-hex characters', (s) => (s.data.hash.value = 'zz' + s.data.hash.value.slice(2))],
      ['algorithm md5', (s) => (s.data.hash.algorithm = 'md5')],
      ['algorithm SHA256 (wrong case)', (s) => (s.data.hash.algorithm = 'SHA256')],
      ['an empty signature', (s) => (s.signature.content = '')],
    ];
    for (const [what, mutate] of cases) {
      it(`rejects ${what} as ENTRY_INVALID`, () => {
        const entry = hashedrekordEntry({ signer: signer('p256') });
        mutate(specOf(entry));
        assertCode(() => prepareEntry(entry), 'ENTRY_INVALID');
      });
    }
  });

  describe('when the key material is garbage', () => {
    const s = signer('p256');
    const der = s.publicKey.export({ type: 'spki', format: 'der' });
    const jwk = s.publicKey.export({ format: 'jwk' });
    const x = Buffer.from(jwk.x as string, 'base64url');
    const y = Buffer.from(jwk.y as string, 'base64url');
    const pemOf = (type: string, body: Buffer): string => `-----BEGIN ${type}-----\n${body.toString('base64')}\n-----END ${type}-----\n`;
    const compressed = seq(seq(oid('1.2.840.10045.2.1'), oid('1.2.840.10045.3.1.7')), bitString(Buffer.concat([Buffer.of(2 + ((y[31] as number) & 1)), x])));
    const cases: [string, string][] = [
      ['invalid base64', '!!!not base64!!!'],
      ['base64 of text that is not PEM', Buffer.from('hello world').toString('base64')],
      ['a PEM block with a bad body', Buffer.from('-----BEGIN PUBLIC KEY-----\n@@@@\n-----END PUBLIC KEY-----\n').toString('base64')],
      ['a PEM block whose END does not match', Buffer.from(pemOf('PUBLIC KEY', der).replace('END PUBLIC KEY', 'END CERTIFICATE')).toString('base64')],
      ['a PRIVATE KEY block', Buffer.from(pemOf('PRIVATE KEY', der)).toString('base64')],
      ['text before the block', Buffer.from(`junk\n${pemOf('PUBLIC KEY', der)}`).toString('base64')],
      ['an SPKI with trailing bytes', Buffer.from(pemOf('PUBLIC KEY', Buffer.concat([der, Buffer.of(0)]))).toString('base64')],
      ['an SPKI with a non-minimal length', Buffer.from(pemOf('PUBLIC KEY', Buffer.concat([Buffer.of(0x30, 0x81, der.length - 2), der.subarray(2)]))).toString('base64')],
      ['a compressed EC point', Buffer.from(pemOf('PUBLIC KEY', compressed)).toString('base64')],
      ['a point not on the curve', Buffer.from(pemOf('PUBLIC KEY', Buffer.concat([der.subarray(0, der.length - 1), Buffer.of((der[der.length - 1] as number) ^ 1)]))).toString('base64')],
      ['a PUBLIC KEY followed by a CERTIFICATE', Buffer.from(pemOf('PUBLIC KEY', der) + pemOf('CERTIFICATE', der)).toString('base64')],
      ['a CERTIFICATE block holding a key', Buffer.from(pemOf('CERTIFICATE', der)).toString('base64')],
    ];
    for (const [what, content] of cases) {
      it(`rejects ${what} as ENTRY_INVALID`, () => {
        const entry = hashedrekordEntry({ signer: s });
        specOf(entry).signature.publicKey.content = content;
        assertCode(() => prepareEntry(entry), 'ENTRY_INVALID', 'spec.signature.publicKey.content');
      });
    }

    it('rejects an ECDSA key with explicit curve parameters', () => {
      const explicit = Buffer.from(der);
      const entry = hashedrekordEntry({ signer: s });
      // Replace the named-curve OID by an (empty) explicit-parameters SEQUENCE.
      const named = oid('1.2.840.10045.3.1.7');
      const at = explicit.indexOf(named);
      const spki = seq(seq(oid('1.2.840.10045.2.1'), seq()), explicit.subarray(at + named.length));
      specOf(entry).signature.publicKey.content = Buffer.from(pemOf('PUBLIC KEY', spki)).toString('base64');
      assertCode(() => prepareEntry(entry), 'ENTRY_INVALID');
    });
  });

  describe('when an RSA signature uses PKCS#1 v1.5 over the digest directly', () => {
    it('accepts what Go rsa.SignPKCS1v15(SHA256, digest) produces (node signs the data)', () => {
      const s = signer('rsa2048');
      const data = Buffer.from('pkcs1');
      const entry = hashedrekordEntry({ signer: s, data });
      specOf(entry).signature.content = sign('sha256', data, s.privateKey).toString('base64');
      assert.equal(prepareEntry(entry).kind, 'hashedrekord/0.0.1');
    });
  });
});

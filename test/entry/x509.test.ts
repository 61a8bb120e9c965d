import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { prepareEntry } from '../../src/entry/index.js';
import { parseVerifier } from '../../src/entry/keys.js';
import { assertCode } from '../support/entry/assert-code.js';
import { hashedrekordEntry } from '../support/entry/entries.js';
import { signer } from '../support/entry/signers.js';
import { buildCertificate, buildChain, certsPem } from '../support/entry/x509.js';

const leafSigner = signer('p256');
const leaf = { privateKey: leafSigner.privateKey, publicKey: leafSigner.publicKey };
const entryWith = (pemText: string): Record<string, unknown> => hashedrekordEntry({ signer: leafSigner, keyPem: pemText });
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('certificates in hashedrekord entries', () => {
  describe('when the key is a single self-signed certificate with SANs', () => {
    const cert = buildCertificate({
      subject: 'leaf',
      issuer: 'leaf',
      subjectKey: leaf.publicKey,
      issuerKey: leaf.privateKey,
      emails: ['Signer@Example.COM'],
      uris: ['https://github.com/Org/Repo/.github/workflows/release.yml@refs/heads/main'],
    });
    const pemText = certsPem([cert]);

    it('accepts it and indexes the lowercased SAN email and URI', () => {
      const prepared = prepareEntry(entryWith(pemText));
      assert.deepEqual(prepared.searchKeys.slice(2), [
        'signer@example.com',
        'https://github.com/org/repo/.github/workflows/release.yml@refs/heads/main',
      ]);
      assert.equal(prepared.searchKeys[0], `sha256:${sha256(pemText)}`);
    });

    it('stores the certificate re-encoded as canonical PEM', () => {
      const crlf = certsPem([cert], '\r\n');
      const body = JSON.parse(Buffer.from(prepareEntry(entryWith(crlf)).body).toString()) as {
        spec: { signature: { publicKey: { content: string } } };
      };
      assert.equal(Buffer.from(body.spec.signature.publicKey.content, 'base64').toString(), pemText);
    });
  });

  for (const length of [2, 10]) {
    describe(`when the key is a chain of ${length}`, () => {
      const chain = buildChain(length, leaf, { emails: ['ci@example.com'] });

      it('accepts it, stores every certificate, and indexes the leaf SAN', () => {
        const pemText = certsPem(chain);
        const prepared = prepareEntry(entryWith(pemText));
        const stored = JSON.parse(Buffer.from(prepared.body).toString()) as { spec: { signature: { publicKey: { content: string } } } };
        assert.equal(Buffer.from(stored.spec.signature.publicKey.content, 'base64').toString(), pemText);
        assert.ok(prepared.searchKeys.includes('ci@example.com'));
        assert.equal(parseVerifier(Buffer.from(pemText).toString('base64'), 'k', 10).chainLength, length);
      });
    });
  }

  describe('when the chain is longer than allowed', () => {
    it('rejects 11 certificates as ENTRY_INVALID', () => {
      assertCode(() => prepareEntry(entryWith(certsPem(buildChain(11, leaf)))), 'ENTRY_INVALID', 'spec.signature.publicKey.content');
    });

    it('applies a lower maxChainLength, also to keys already in the cache', () => {
      const pemText = certsPem(buildChain(3, leaf));
      assert.equal(prepareEntry(entryWith(pemText)).kind, 'hashedrekord/0.0.1');
      assertCode(() => prepareEntry(entryWith(pemText), { maxChainLength: 2 }), 'ENTRY_INVALID');
    });
  });

  describe('when the chain is broken', () => {
    it('rejects certificates out of order as SIGNATURE_INVALID', () => {
      const [a, b, c] = buildChain(3, leaf) as [Buffer, Buffer, Buffer];
      assertCode(() => prepareEntry(entryWith(certsPem([a, c, b]))), 'SIGNATURE_INVALID');
    });

    it('rejects a link signed by a different key with the right names as SIGNATURE_INVALID', () => {
      const [a, b] = buildChain(2, leaf) as [Buffer, Buffer];
      const impostor = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const forged = buildCertificate({ subject: 'leaf', issuer: 'ca-1', subjectKey: leaf.publicKey, issuerKey: impostor.privateKey });
      assert.ok(a.length > 0);
      assertCode(() => prepareEntry(entryWith(certsPem([forged, b]))), 'SIGNATURE_INVALID');
    });

    it('rejects an intermediate that is not a CA as ENTRY_INVALID', () => {
      const root = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const mid = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const rootCert = buildCertificate({ subject: 'root', issuer: 'root', subjectKey: root.publicKey, issuerKey: root.privateKey, ca: true });
      const midCert = buildCertificate({ subject: 'mid', issuer: 'root', subjectKey: mid.publicKey, issuerKey: root.privateKey, ca: false });
      const leafCert = buildCertificate({ subject: 'leaf', issuer: 'mid', subjectKey: leaf.publicKey, issuerKey: mid.privateKey });
      assertCode(() => prepareEntry(entryWith(certsPem([leafCert, midCert, rootCert]))), 'ENTRY_INVALID');
    });

    it('rejects a link signed with SHA-1 as ALGORITHM_NOT_ALLOWED', () => {
      const root = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const rootCert = buildCertificate({ subject: 'root', issuer: 'root', subjectKey: root.publicKey, issuerKey: root.privateKey, ca: true });
      const leafCert = buildCertificate({
        subject: 'leaf',
        issuer: 'root',
        subjectKey: leaf.publicKey,
        issuerKey: root.privateKey,
        signatureOid: '1.2.840.10045.4.1',
      });
      assertCode(() => prepareEntry(entryWith(certsPem([leafCert, rootCert]))), 'ALGORITHM_NOT_ALLOWED');
    });
  });

  describe('when the chain has RSA and Ed25519 issuers', () => {
    it('verifies each link with its issuer key', () => {
      const rsa = signer('rsa2048');
      const ed = signer('ed25519');
      const root = buildCertificate({ subject: 'root', issuer: 'root', subjectKey: ed.publicKey, issuerKey: ed.privateKey, ca: true });
      const mid = buildCertificate({ subject: 'mid', issuer: 'root', subjectKey: rsa.publicKey, issuerKey: ed.privateKey, ca: true });
      const leafCert = buildCertificate({ subject: 'leaf', issuer: 'mid', subjectKey: leaf.publicKey, issuerKey: rsa.privateKey });
      assert.equal(prepareEntry(entryWith(certsPem([leafCert, mid, root]))).kind, 'hashedrekord/0.0.1');
    });
  });

  describe('when the certificate does not match the signature', () => {
    it('rejects it as SIGNATURE_INVALID (the leaf key signs)', () => {
      const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const cert = buildCertificate({ subject: 'x', issuer: 'x', subjectKey: other.publicKey, issuerKey: other.privateKey });
      assertCode(() => prepareEntry(entryWith(certsPem([cert]))), 'SIGNATURE_INVALID');
    });
  });

  describe('when the certificate DER is malformed', () => {
    it('rejects trailing bytes and truncation as ENTRY_INVALID', () => {
      const cert = buildCertificate({ subject: 'x', issuer: 'x', subjectKey: leaf.publicKey, issuerKey: leaf.privateKey });
      assertCode(() => prepareEntry(entryWith(certsPem([Buffer.concat([cert, Buffer.of(0)])]))), 'ENTRY_INVALID');
      assertCode(() => prepareEntry(entryWith(certsPem([cert.subarray(0, cert.length - 5)]))), 'ENTRY_INVALID');
    });
  });
});

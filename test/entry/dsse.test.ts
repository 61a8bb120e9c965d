import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { toProposedEntry } from '@sigstore/sign/dist/witness/tlog/entry.js';
import { decodeBody, prepareEntry } from '../../src/entry/index.js';
import { assertCode } from '../support/entry/assert-code.js';
import { dsseEntry, dsseSign, envelope, IN_TOTO, statement } from '../support/entry/entries.js';
import { signer, type SignerName } from '../support/entry/signers.js';
import { sigstoreCheckDsse } from '../support/entry/sigstore.js';
import { buildCertificate, certsPem } from '../support/entry/x509.js';

const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');
type Stored = { spec: { envelopeHash: { value: string }; payloadHash: { value: string }; signatures: { signature: string; verifier: string }[] } };
const stored = (body: Uint8Array): Stored => decodeBody(body) as unknown as Stored;
const spec = (e: Record<string, unknown>): { proposedContent: { envelope: string; verifiers: string[] } } & Record<string, unknown> =>
  e['spec'] as { proposedContent: { envelope: string; verifiers: string[] } } & Record<string, unknown>;

describe('prepareEntry (dsse 0.0.1)', () => {
  describe('when one signature verifies under its verifier', () => {
    const names: SignerName[] = ['p256', 'p384', 'p521', 'rsa2048', 'ed25519'];
    for (const name of names) {
      it(`accepts ${name} (SHA-256 / pure Ed25519 over the PAE), and @sigstore/verify accepts the body`, () => {
        const s = signer(name);
        const payload = statement(['1'.repeat(64)]);
        const env = envelope([s], payload);
        const prepared = prepareEntry(dsseEntry(env, [s.pem]));
        assert.equal(prepared.kind, 'dsse/0.0.1');
        const sig = Buffer.from((env['signatures'] as { sig: string }[])[0]?.sig ?? '', 'base64');
        sigstoreCheckDsse(prepared, IN_TOTO, payload, sig);
      });
    }
  });

  describe('when the entry is accepted', () => {
    const s = signer('p256');
    const payload = statement(['AB'.repeat(32), 'cd'.repeat(32)]);
    const entry = dsseEntry(envelope([s], payload), [s.pem]);
    const prepared = prepareEntry(entry);
    const envText = spec(entry).proposedContent.envelope;

    it('stores the hashes and the signature with its canonical verifier, dropping proposedContent', () => {
      const body = stored(prepared.body);
      assert.deepEqual(Object.keys(body.spec).sort(), ['envelopeHash', 'payloadHash', 'signatures']);
      assert.equal(body.spec.envelopeHash.value, sha256(envText));
      assert.equal(body.spec.payloadHash.value, sha256(payload));
      assert.equal(body.spec.signatures[0]?.signature, (JSON.parse(envText) as { signatures: { sig: string }[] }).signatures[0]?.sig);
      assert.equal(Buffer.from(body.spec.signatures[0]?.verifier ?? '', 'base64').toString(), s.pem);
    });

    it('indexes payload and envelope hashes, the key hash and the in-toto subjects', () => {
      assert.deepEqual(prepared.searchKeys, [
        `sha256:${sha256(payload)}`,
        `sha256:${sha256(envText)}`,
        `sha256:${sha256(s.pem)}`,
        `sha256:${'ab'.repeat(32)}`,
        `sha256:${'cd'.repeat(32)}`,
      ]);
    });

    it('gives the same body for reordered, re-spaced request JSON', () => {
      const again = JSON.parse(JSON.stringify({ spec: spec(entry), apiVersion: '0.0.1', kind: 'dsse' }, null, 2));
      assert.deepEqual(prepareEntry(again).body, prepared.body);
    });
  });

  describe('when the envelope has several signatures', () => {
    const a = signer('p256');
    const b = signer('ed25519');
    const c = signer('rsa2048');

    it('stores them sorted by signature text, each with the verifier that verified it', () => {
      const env = envelope([a, b, c]);
      const body = stored(prepareEntry(dsseEntry(env, [c.pem, a.pem, b.pem])).body);
      const sigs = body.spec.signatures.map((x) => x.signature);
      assert.deepEqual(sigs, [...sigs].sort());
      const bySig = new Map((env['signatures'] as { sig: string }[]).map((x, i) => [x.sig, [a, b, c][i]?.pem]));
      for (const x of body.spec.signatures) assert.equal(Buffer.from(x.verifier, 'base64').toString(), bySig.get(x.signature));
    });

    it('stores a repeated signature once', () => {
      const env = envelope([a]);
      (env['signatures'] as unknown[]).push(...(env['signatures'] as unknown[]));
      assert.equal(stored(prepareEntry(dsseEntry(env, [a.pem])).body).spec.signatures.length, 1);
    });
  });

  describe('when the envelope writes the signature in URL-safe base64 without padding', () => {
    it('accepts it and stores standard padded base64, as for the standard form', () => {
      const s = signer('p256');
      const env = envelope([s]);
      const std = (env['signatures'] as { sig: string }[])[0]?.sig ?? '';
      const urlSafe = { ...env, signatures: [{ sig: Buffer.from(std, 'base64').toString('base64url') }] };
      const body = stored(prepareEntry(dsseEntry(urlSafe, [s.pem])).body);
      assert.equal(body.spec.signatures[0]?.signature, std);
    });
  });

  describe('when a signature or a verifier is left over', () => {
    it('rejects a signature no verifier verifies as SIGNATURE_INVALID', () => {
      const env = envelope([signer('p256'), signer('p384')]);
      assertCode(() => prepareEntry(dsseEntry(env, [signer('p256').pem])), 'SIGNATURE_INVALID', 'envelope.signatures[1]');
    });

    it('rejects a verifier that verifies no signature as SIGNATURE_INVALID (as Rekor)', () => {
      const env = envelope([signer('p256')]);
      assertCode(() => prepareEntry(dsseEntry(env, [signer('p256').pem, signer('rsa2048').pem])), 'SIGNATURE_INVALID', 'verifiers[1]');
    });

    it('rejects a signature over a different payload type as SIGNATURE_INVALID', () => {
      const s = signer('p256');
      const payload = statement([]);
      const env = { payloadType: 'text/plain', payload: payload.toString('base64'), signatures: [{ sig: dsseSign(s, IN_TOTO, payload).toString('base64') }] };
      assertCode(() => prepareEntry(dsseEntry(env, [s.pem])), 'SIGNATURE_INVALID');
    });
  });

  describe('when the verifier is a certificate', () => {
    it('indexes its SAN email', () => {
      const s = signer('p256');
      const cert = buildCertificate({ subject: 'x', issuer: 'x', subjectKey: s.publicKey, issuerKey: s.privateKey, emails: ['Dev@Example.org'] });
      const prepared = prepareEntry(dsseEntry(envelope([s]), [certsPem([cert])]));
      assert.ok(prepared.searchKeys.includes('dev@example.org'));
    });
  });

  describe('when the request is malformed', () => {
    const s = signer('p256');
    const cases: [string, (e: Record<string, unknown>) => void][] = [
      ['server-computed fields next to proposedContent', (e) => (spec(e)['payloadHash'] = { algorithm: 'sha256', value: '00' })],
      ['an envelope that is not JSON', (e) => (spec(e).proposedContent.envelope = '{not json')],
      ['an envelope that is a JSON array', (e) => (spec(e).proposedContent.envelope = '[]')],
      ['an envelope without signatures', (e) => (spec(e).proposedContent.envelope = JSON.stringify({ ...envelope([s]), signatures: [] }))],
      ['a payload that is not base64', (e) => (spec(e).proposedContent.envelope = JSON.stringify({ ...envelope([s]), payload: '***' }))],
      ['no verifiers', (e) => (spec(e).proposedContent.verifiers = [])],
      ['a verifier that is not a string', (e) => (spec(e).proposedContent.verifiers = [42 as unknown as string])],
      ['no proposedContent', (e) => delete (spec(e) as Record<string, unknown>)['proposedContent']],
    ];
    for (const [what, mutate] of cases) {
      it(`rejects ${what} as ENTRY_INVALID`, () => {
        const e = dsseEntry(envelope([s]), [s.pem]);
        mutate(e);
        assertCode(() => prepareEntry(e), 'ENTRY_INVALID');
      });
    }

    it('rejects more than 16 signatures as TOO_LARGE', () => {
      const env = envelope(Array.from({ length: 17 }, () => s));
      assertCode(() => prepareEntry(dsseEntry(env, [s.pem])), 'TOO_LARGE');
    });
  });

  describe('when sigstore-js builds the request (toProposedEntry, entryType dsse)', () => {
    it('accepts it', () => {
      const s = signer('p256');
      const payload = statement(['ef'.repeat(32)]);
      const sig = dsseSign(s, IN_TOTO, payload);
      const proposed = toProposedEntry(
        { $case: 'dsseEnvelope', dsseEnvelope: { payload, payloadType: IN_TOTO, signatures: [{ keyid: '', sig }] } },
        s.pem,
        'dsse',
      );
      const prepared = prepareEntry(JSON.parse(JSON.stringify(proposed)));
      sigstoreCheckDsse(prepared, IN_TOTO, payload, sig);
    });
  });
});

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { toProposedEntry } from '@sigstore/sign/dist/witness/tlog/entry.js';
import { decodeBody, prepareEntry } from '../../src/entry/index.js';
import { assertCode } from '../support/entry/assert-code.js';
import { dsseSign, IN_TOTO, intotoEntry, statement } from '../support/entry/entries.js';
import { signer, type SignerName } from '../support/entry/signers.js';
import { sigstoreCheckDsse } from '../support/entry/sigstore.js';

const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');
type Sig = { keyid?: string; sig: string; publicKey: string };
type Content = { envelope: { payloadType: string; payload?: string; signatures: Sig[] }; hash: { algorithm: string; value: string }; payloadHash?: { algorithm: string; value: string } };
const content = (e: Record<string, unknown>): Content => (e['spec'] as { content: Content }).content;

/** The request sigstore-js sends for a DSSE bundle with entryType 'intoto'. */
function sigstoreRequest(name: SignerName, payload: Buffer, keyid = ''): { request: Record<string, unknown>; sig: Buffer } {
  const s = signer(name);
  const sig = dsseSign(s, IN_TOTO, payload);
  const proposed = toProposedEntry({ $case: 'dsseEnvelope', dsseEnvelope: { payload, payloadType: IN_TOTO, signatures: [{ keyid, sig }] } }, s.pem, 'intoto');
  return { request: JSON.parse(JSON.stringify(proposed)) as Record<string, unknown>, sig };
}

describe('prepareEntry (intoto 0.0.2)', () => {
  describe('when sigstore-js builds the request (toProposedEntry, entryType intoto)', () => {
    for (const name of ['p256', 'p384', 'rsa2048', 'ed25519'] as const) {
      it(`accepts ${name}, and @sigstore/verify accepts the body`, () => {
        const payload = statement(['12'.repeat(32)]);
        const { request, sig } = sigstoreRequest(name, payload);
        const prepared = prepareEntry(request);
        assert.equal(prepared.kind, 'intoto/0.0.2');
        sigstoreCheckDsse(prepared, IN_TOTO, payload, sig);
      });
    }
  });

  describe('when the entry is accepted', () => {
    const payload = statement(['34'.repeat(32)]);
    const { request } = sigstoreRequest('p256', payload, 'my-key');
    const prepared = prepareEntry(request);
    const body = decodeBody(prepared.body) as { spec: { content: Content } };
    const sent = content(request);

    it('drops the payload and keeps payloadType, keyid, the double-encoded sig and the hash', () => {
      const env = body.spec.content.envelope;
      assert.deepEqual(Object.keys(env).sort(), ['payloadType', 'signatures']);
      assert.equal(env.payloadType, IN_TOTO);
      assert.equal(env.signatures[0]?.keyid, 'my-key');
      assert.equal(env.signatures[0]?.sig, sent.envelope.signatures[0]?.sig);
      assert.equal(Buffer.from(env.signatures[0]?.publicKey ?? '', 'base64').toString(), signer('p256').pem);
      assert.deepEqual(body.spec.content.hash, sent.hash);
    });

    it('computes payloadHash itself', () => {
      assert.deepEqual(body.spec.content.payloadHash, { algorithm: 'sha256', value: sha256(payload) });
    });

    it('indexes the key hash, the payload hash and the statement subjects', () => {
      assert.deepEqual(prepared.searchKeys, [`sha256:${sha256(signer('p256').pem)}`, `sha256:${sha256(payload)}`, `sha256:${'34'.repeat(32)}`]);
    });
  });

  describe('when keyid is empty', () => {
    it('omits it, as Rekor does', () => {
      const e = intotoEntry();
      (content(e).envelope.signatures[0] as Sig).keyid = '';
      const body = decodeBody(prepareEntry(e).body) as { spec: { content: Content } };
      assert.equal('keyid' in (body.spec.content.envelope.signatures[0] as Sig), false);
    });
  });

  describe('when the client sends a wrong payloadHash, or none', () => {
    it('replaces it: the body is the same', () => {
      const e = intotoEntry();
      const ref = prepareEntry(e).body;
      const without = structuredClone(e);
      delete content(without).payloadHash;
      assert.deepEqual(prepareEntry(without).body, ref);
    });
  });

  describe('when the signature does not verify', () => {
    it('rejects a signature under another key as SIGNATURE_INVALID', () => {
      const e = intotoEntry(signer('p256'));
      (content(e).envelope.signatures[0] as Sig).publicKey = Buffer.from(signer('p384').pem).toString('base64');
      assertCode(() => prepareEntry(e), 'SIGNATURE_INVALID', 'signatures[0]');
    });

    it('rejects a payload changed after signing as SIGNATURE_INVALID', () => {
      const e = intotoEntry();
      content(e).envelope.payload = Buffer.from(statement(['ff'.repeat(32)]).toString('base64')).toString('base64');
      assertCode(() => prepareEntry(e), 'SIGNATURE_INVALID');
    });
  });

  describe('when the request is malformed', () => {
    const cases: [string, (c: Content) => void][] = [
      ['a payload that is single-encoded JSON', (c) => (c.envelope.payload = Buffer.from('{"a":1}').toString('base64'))],
      ['a missing payload', (c) => delete c.envelope.payload],
      ['an empty payloadType', (c) => (c.envelope.payloadType = '')],
      ['a sig that is not base64', (c) => ((c.envelope.signatures[0] as Sig).sig = '%%%')],
      ['a hash with another algorithm', (c) => (c.hash.algorithm = 'sha512')],
      ['a hash that is not 64 hex', (c) => (c.hash.value = 'abc')],
      ['a payloadHash that is not an object', (c) => (c.payloadHash = 'x' as unknown as Content['payloadHash'])],
      ['no signatures', (c) => (c.envelope.signatures = [])],
      ['a signature without publicKey', (c) => delete (c.envelope.signatures[0] as Partial<Sig>).publicKey],
    ];
    for (const [what, mutate] of cases) {
      it(`rejects ${what} as ENTRY_INVALID`, () => {
        const e = intotoEntry();
        mutate(content(e));
        assertCode(() => prepareEntry(e), 'ENTRY_INVALID');
      });
    }
  });
});

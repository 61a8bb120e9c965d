import assert from 'node:assert/strict';
import { decodePem, encodePem } from '../../src/entry/pem.js';
import { assertCode } from '../support/entry/assert-code.js';

describe('encodePem', () => {
  describe('when the DER needs two lines', () => {
    it('writes 64-column lines with LF endings, as Go pem.Encode', () => {
      const der = Buffer.alloc(90, 7); // 120 base64 characters: 64 + 56
      const b64 = der.toString('base64');
      assert.equal(encodePem('CERTIFICATE', der), `-----BEGIN CERTIFICATE-----\n${b64.slice(0, 64)}\n${b64.slice(64)}\n-----END CERTIFICATE-----\n`);
    });
  });
});

describe('decodePem', () => {
  const one = encodePem('PUBLIC KEY', Buffer.from('key'));

  describe('when given several blocks', () => {
    it('returns them in order, up to the limit', () => {
      const blocks = decodePem(one + encodePem('CERTIFICATE', Buffer.from('c')), 'f', 2);
      assert.deepEqual(blocks.map((b) => b.type), ['PUBLIC KEY', 'CERTIFICATE']);
      assertCode(() => decodePem(one + one + one, 'f', 2), 'ENTRY_INVALID', 'more than 2');
    });
  });

  describe('when the text is not clean PEM', () => {
    const cases: [string, string][] = [
      ['empty text', ''],
      ['only whitespace', ' \n '],
      ['trailing junk', `${one}junk`],
      ['headers', one.replace('\n', '\nProc-Type: 4,ENCRYPTED\n\n')],
      ['an empty body', '-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n'],
      ['bad padding', '-----BEGIN PUBLIC KEY-----\nAAA==\n-----END PUBLIC KEY-----\n'],
      ['a lowercase label', one.replace(/PUBLIC KEY/g, 'public key')],
    ];
    for (const [what, text] of cases) {
      it(`rejects ${what} as ENTRY_INVALID`, () => assertCode(() => decodePem(text, 'f', 10), 'ENTRY_INVALID', 'f'));
    }
  });
});

import assert from 'node:assert/strict';
import { decodeBase64Dsse, decodeBase64Std, decodeHex } from '../../src/entry/encoding.js';
import { assertCode } from '../support/entry/assert-code.js';

describe('decodeBase64Std', () => {
  describe('when the text is standard padded base64', () => {
    it('decodes it, skipping CR and LF as Go does', () => {
      assert.equal(decodeBase64Std('aGVs\r\nbG8=', 'f').toString(), 'hello');
    });
  });

  describe('when the text is anything else', () => {
    for (const bad of ['aGVsbG8', 'aGVsbG8==', 'aGV sbG8=', 'a-_b', 'aGVsbG8=x', '====']) {
      it(`rejects ${JSON.stringify(bad)}`, () => assertCode(() => decodeBase64Std(bad, 'f'), 'ENTRY_INVALID', 'f'));
    }
    it('rejects the empty string unless allowed', () => {
      assertCode(() => decodeBase64Std('', 'f'), 'ENTRY_INVALID');
      assert.equal(decodeBase64Std('', 'f', false).length, 0);
    });
  });
});

describe('decodeBase64Dsse', () => {
  describe('when the text is standard or URL-safe, padded or not', () => {
    it('decodes all four forms to the same bytes', () => {
      const bytes = Buffer.from([0xfb, 0xff, 0xbf, 0x01]);
      for (const text of ['+/+/AQ==', '+/+/AQ', '-_-_AQ==', '-_-_AQ']) assert.deepEqual(decodeBase64Dsse(text, 'f'), bytes);
    });
  });

  describe('when the alphabets are mixed or the padding is wrong', () => {
    it('rejects it', () => {
      assertCode(() => decodeBase64Dsse('+_+_AQ==', 'f'), 'ENTRY_INVALID');
      assertCode(() => decodeBase64Dsse('AQ=', 'f'), 'ENTRY_INVALID');
    });
  });
});

describe('decodeHex', () => {
  describe('when the length or characters are wrong', () => {
    it('rejects them, naming the field', () => {
      assert.deepEqual(decodeHex('0aFF', 2, 'f'), Buffer.from([10, 255]));
      assertCode(() => decodeHex('0a', 2, 'spec.h'), 'ENTRY_INVALID', 'spec.h');
      assertCode(() => decodeHex('0g00', 2, 'f'), 'ENTRY_INVALID');
    });
  });
});

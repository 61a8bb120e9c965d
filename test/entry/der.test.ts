import assert from 'node:assert/strict';
import { childrenOf, readNode, readOid, readUnsignedInteger, readWhole, TAG } from '../../src/entry/der.js';
import { assertCode } from '../support/entry/assert-code.js';
import { integer, oid, seq } from '../support/entry/der.js';

describe('readNode', () => {
  describe('when lengths are not strict DER', () => {
    const cases: [string, string][] = [
      ['indefinite length', '3080'],
      ['a long form for a short length', '308101ff'],
      ['a leading zero length byte', '30820001ff'],
      ['a length past the end', '3005ff'],
      ['a multi-byte tag', '1f0100'],
      ['a truncated header', '30'],
    ];
    for (const [what, hex] of cases) {
      it(`rejects ${what}`, () => assertCode(() => readNode(Buffer.from(hex, 'hex'), 0), 'ENTRY_INVALID', 'malformed DER'));
    }
  });

  describe('when reading a whole structure', () => {
    it('walks children and rejects trailing data', () => {
      const der = seq(integer(5), oid('1.2.840.10045.3.1.7'));
      const [i, o] = childrenOf(der, readWhole(der, TAG.SEQUENCE));
      assert.ok(i && o);
      assert.equal(readUnsignedInteger(der, i), 5n);
      assert.equal(readOid(der, o), '1.2.840.10045.3.1.7');
      assertCode(() => readWhole(Buffer.concat([der, Buffer.of(0)]), TAG.SEQUENCE), 'ENTRY_INVALID', 'trailing');
    });
  });

  describe('when an INTEGER is negative or padded', () => {
    it('rejects it', () => {
      assertCode(() => readUnsignedInteger(Buffer.from('020180', 'hex'), readNode(Buffer.from('020180', 'hex'), 0)), 'ENTRY_INVALID');
      assertCode(() => readUnsignedInteger(Buffer.from('02020001', 'hex'), readNode(Buffer.from('02020001', 'hex'), 0)), 'ENTRY_INVALID');
    });
  });
});

import assert from 'node:assert/strict';
import { canonicalJson } from '../../src/entry/index.js';
import { assertCode } from '../support/entry/assert-code.js';

describe('canonicalJson', () => {
  describe('when given the RFC 8785 §3.2.2 example', () => {
    it('produces the RFC output byte for byte', () => {
      const input = JSON.parse(
        '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
          ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
          ' "literals": [null, true, false]}',
      );
      assert.equal(
        canonicalJson(input),
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
          '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
      );
    });
  });

  describe('when keys need sorting (RFC 8785 §3.2.3)', () => {
    it('orders them by UTF-16 code units, not code points', () => {
      const input = {
        '\u20ac': 'Euro Sign',
        '\r': 'Carriage Return',
        '\ufb33': 'Hebrew Letter Dalet With Dagesh',
        '1': 'One',
        '\ud83d\ude00': 'Emoji: Grinning Face',
        '\u0080': 'Control',
        '\u00f6': 'Latin Small Letter O With Diaeresis',
      };
      // (Object.keys would put the integer-like key "1" first; the canonical text must not.)
      assert.equal(
        canonicalJson(input),
        '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
          '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
      );
    });

    it('sorts nested objects and keeps array order', () => {
      assert.equal(canonicalJson({ b: [3, 1, { z: 1, a: 2 }], a: {} }), '{"a":{},"b":[3,1,{"a":2,"z":1}]}');
    });
  });

  describe('when formatting numbers (RFC 8785 §3.2.2.3, ECMAScript Number::toString)', () => {
    const cases: [number, string][] = [
      [0, '0'],
      [-0, '0'],
      [1, '1'],
      [-1.5, '-1.5'],
      [5e-324, '5e-324'],
      [1.7976931348623157e308, '1.7976931348623157e+308'],
      [9007199254740991, '9007199254740991'],
      [1e21, '1e+21'],
      [1e20, '100000000000000000000'],
      [0.000001, '0.000001'],
      [1e-7, '1e-7'],
      [295147905179352830000, '295147905179352830000'],
      [4.5, '4.5'],
      [2e-3, '0.002'],
    ];
    for (const [value, text] of cases) {
      it(`writes ${text}`, () => assert.equal(canonicalJson(value), text));
    }
  });

  describe('when escaping strings (RFC 8785 §3.2.2.2)', () => {
    it('uses short escapes, lowercase \\u00xx for other controls, and leaves the rest literal', () => {
      assert.equal(canonicalJson('\b\t\n\f\r"\\'), '"\\b\\t\\n\\f\\r\\"\\\\"');
      assert.equal(canonicalJson('\u0000\u001f\u007f'), '"\\u0000\\u001f\u007f"');
      assert.equal(canonicalJson('/\u2028\u2029é😀'), '"/\u2028\u2029é😀"');
    });
  });

  describe('when given data that is not I-JSON', () => {
    const bad: [string, unknown][] = [
      ['NaN', NaN],
      ['Infinity', Infinity],
      ['undefined', undefined],
      ['a bigint', 1n],
      ['a function', () => 1],
      ['a lone high surrogate', '\ud800'],
      ['a lone low surrogate in a key', { '\udc00': 1 }],
      ['a class instance', new Date(0)],
      ['a Uint8Array', new Uint8Array(1)],
      ['undefined inside an object', { a: undefined }],
    ];
    for (const [what, value] of bad) {
      it(`throws ENTRY_INVALID for ${what}`, () => {
        assertCode(() => canonicalJson(value), 'ENTRY_INVALID');
      });
    }

    it('throws ENTRY_INVALID for nesting deeper than 64', () => {
      let deep: unknown = 1;
      for (let i = 0; i < 100; i++) deep = [deep];
      assertCode(() => canonicalJson(deep), 'ENTRY_INVALID');
    });
  });

  describe('when given null-prototype objects', () => {
    it('treats them as plain objects', () => {
      const o = Object.create(null) as Record<string, number>;
      o['b'] = 1;
      o['a'] = 2;
      assert.equal(canonicalJson(o), '{"a":2,"b":1}');
    });
  });
});

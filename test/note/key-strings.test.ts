import assert from 'node:assert/strict';
import {
  c2spKeyId,
  ed25519PublicKeyBytes,
  formatPrivateKeyString,
  formatVkey,
  isCosignatureVerifier,
  parsePrivateKeyString,
  parseVkey,
} from '../../src/note/index.js';
import { isLogError } from '../../src/errors.js';
import { assertNoteInvalid, fixedKey, TESSERA_SKEY, TESSERA_VKEY } from '../support/note.js';

describe('formatVkey', () => {
  describe('when given the Tessera key', () => {
    it('reproduces the published vkey', () => {
      const { privateKey } = parsePrivateKeyString(TESSERA_SKEY);
      assert.equal(formatVkey('example.com/log/testdata', 0x01, ed25519PublicKeyBytes(privateKey)), TESSERA_VKEY);
    });
  });

  describe('when the name is invalid', () => {
    it('throws', () => assertNoteInvalid(() => formatVkey('a b', 1, new Uint8Array(32))));
  });
});

describe('parseVkey', () => {
  describe('when the base64 part contains a plus', () => {
    it('splits on the first two only', () => {
      const v = parseVkey(TESSERA_VKEY);
      assert.equal(v.name, 'example.com/log/testdata');
      assert.equal(v.keyId, 0x33d7b496);
      assert.equal(isCosignatureVerifier(v), false);
    });
  });

  describe('when the key type is 0x04', () => {
    it('returns a cosignature verifier with the type-0x04 key ID', () => {
      const pub = ed25519PublicKeyBytes(fixedKey(5));
      const v = parseVkey(formatVkey('witness.example', 0x04, pub));
      assert.ok(isCosignatureVerifier(v));
      assert.equal(v.keyId, c2spKeyId('witness.example', 0x04, pub));
    });
  });

  describe('when the vkey is malformed', () => {
    const pub = ed25519PublicKeyBytes(fixedKey(5));
    const cases: [string, string][] = [
      ['a wrong key ID', TESSERA_VKEY.replace('+33d7b496+', '+33d7b497+')],
      ['a short key ID', TESSERA_VKEY.replace('+33d7b496+', '+3d7b496+')],
      ['a missing key', 'example.com/log/testdata+33d7b496'],
      ['a name only', 'example.com'],
      ['an empty name', TESSERA_VKEY.replace('example.com/log/testdata', '')],
      ['bad base64', 'example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkS'],
      ['an unsupported type (0x02)', formatVkey('n.example', 0x02, pub)],
      ['a 31-byte Ed25519 key', formatVkey('n.example', 0x01, pub.subarray(1))],
    ];
    for (const [what, vkey] of cases) {
      it(`rejects ${what}`, () => assertNoteInvalid(() => parseVkey(vkey)));
    }
  });
});

describe('parsePrivateKeyString', () => {
  describe('when given the Tessera private key', () => {
    it('yields the name, the key ID and a key matching the vkey', () => {
      const k = parsePrivateKeyString(TESSERA_SKEY);
      assert.equal(k.name, 'example.com/log/testdata');
      assert.equal(k.keyId, 0x33d7b496);
      assert.equal(formatVkey(k.name, 1, ed25519PublicKeyBytes(k.privateKey)), TESSERA_VKEY);
    });

    it('formats back to the same string', () => {
      const k = parsePrivateKeyString(TESSERA_SKEY);
      assert.equal(formatPrivateKeyString(k.name, k.privateKey), TESSERA_SKEY);
    });
  });

  describe('when the string is malformed', () => {
    const cases: [string, string][] = [
      ['a wrong key ID', TESSERA_SKEY.replace('+33d7b496+', '+33d7b495+')],
      ['a wrong prefix', TESSERA_SKEY.replace('PRIVATE+KEY', 'PUBLIC+KEY')],
      ['a vkey', TESSERA_VKEY],
      ['a truncated seed', TESSERA_SKEY.slice(0, -4)],
    ];
    for (const [what, skey] of cases) {
      it(`rejects ${what}`, () => assertNoteInvalid(() => parsePrivateKeyString(skey)));
    }

    it('never quotes the key material in the error', () => {
      const skey = TESSERA_SKEY.replace('+33d7b496+', '+33d7b495+');
      assert.throws(
        () => parsePrivateKeyString(skey),
        (err: unknown) => isLogError(err, 'NOTE_INVALID') && !err.message.includes('AeymY'),
      );
    });
  });
});

import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import {
  c2spKeyId,
  ed25519KeyFromSeed,
  ed25519NoteSigner,
  ed25519NoteVerifier,
  ed25519PublicKeyBytes,
  ed25519PublicKeyFromBytes,
  ed25519Seed,
  keyIdHex,
  logIdOf,
  rekorKeyHint,
  spkiDer,
} from '../../src/note/index.js';
import { assertNoteInvalid, fixedKey, fromHex } from '../support/note.js';

// Public key of c2sp.org/signed-note's example vkey (example.com/foo+530d903a+Aeky…).
const SPEC_PUBKEY = Buffer.from('AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k', 'base64').subarray(1);

describe('c2spKeyId', () => {
  describe('when given the signed-note spec example key', () => {
    it('returns 530d903a', () => {
      assert.equal(c2spKeyId('example.com/foo', 0x01, SPEC_PUBKEY), 0x530d903a);
    });
  });

  describe('when the type byte differs', () => {
    it('gives a different key ID for cosignature keys (0x04)', () => {
      assert.notEqual(c2spKeyId('example.com/foo', 0x04, SPEC_PUBKEY), 0x530d903a);
    });

    it('hashes name ‖ 0x0A ‖ type ‖ key', () => {
      const h = createHash('sha256').update('w.example\n').update(Buffer.from([0x04])).update(SPEC_PUBKEY).digest();
      assert.equal(c2spKeyId('w.example', 0x04, SPEC_PUBKEY), h.readUInt32BE(0));
    });
  });
});

describe('rekorKeyHint and logIdOf', () => {
  describe('when given an Ed25519 SPKI', () => {
    const der = spkiDer(fixedKey(3));

    it('uses the 44-byte RFC 8410 SPKI', () => {
      assert.equal(der.length, 44);
      assert.equal(Buffer.from(der.subarray(0, 12)).toString('hex'), '302a300506032b6570032100');
    });

    it('logID is 64 lowercase hex of SHA-256(SPKI)', () => {
      assert.equal(logIdOf(der), createHash('sha256').update(der).digest('hex'));
      assert.match(logIdOf(der), /^[0-9a-f]{64}$/);
    });

    it('key hint is the first 4 bytes of the logID', () => {
      assert.equal(keyIdHex(rekorKeyHint(der)), logIdOf(der).slice(0, 8));
    });
  });
});

describe('ed25519KeyFromSeed', () => {
  describe('when given the RFC 8032 §7.1 TEST 1 seed', () => {
    it('derives the published public key', () => {
      const key = ed25519KeyFromSeed(fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'));
      assert.equal(
        Buffer.from(ed25519PublicKeyBytes(key)).toString('hex'),
        'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
      );
    });
  });

  describe('when the seed is round-tripped', () => {
    it('ed25519Seed returns it', () => {
      const seed = new Uint8Array(32).map((_, i) => i);
      assert.deepEqual(ed25519Seed(ed25519KeyFromSeed(seed)), seed);
    });
  });

  describe('when the seed has the wrong length', () => {
    it('throws', () => assert.throws(() => ed25519KeyFromSeed(new Uint8Array(31)), RangeError));
  });
});

describe('ed25519PublicKeyBytes', () => {
  describe('when given a public or a private key', () => {
    it('returns the same 32 bytes, which rebuild the key', () => {
      const { publicKey, privateKey } = generateKeyPairSync('ed25519');
      const raw = ed25519PublicKeyBytes(publicKey);
      assert.equal(raw.length, 32);
      assert.deepEqual(ed25519PublicKeyBytes(privateKey), raw);
      assert.deepEqual(spkiDer(ed25519PublicKeyFromBytes(raw)), spkiDer(publicKey));
    });
  });

  describe('when given a non-Ed25519 key', () => {
    it('throws', () => {
      const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      assert.throws(() => ed25519PublicKeyBytes(publicKey), RangeError);
    });
  });
});

describe('ed25519NoteSigner and ed25519NoteVerifier', () => {
  const key = fixedKey(4);
  const msg = new TextEncoder().encode('text\n');

  describe("when the flavor is 'c2sp'", () => {
    it('uses the C2SP key ID and verifies its own signatures', () => {
      const s = ed25519NoteSigner('log.example', key, 'c2sp');
      const v = ed25519NoteVerifier('log.example', key, 'c2sp');
      assert.equal(s.keyId, c2spKeyId('log.example', 1, ed25519PublicKeyBytes(key)));
      assert.equal(v.keyId, s.keyId);
      assert.ok(v.verify(msg, s.sign(msg)));
    });
  });

  describe("when the flavor is 'rekor'", () => {
    it('uses the key hint and signs the same bytes the same way', () => {
      const s = ed25519NoteSigner('log.example', key, 'rekor');
      const c = ed25519NoteSigner('log.example', key, 'c2sp');
      assert.equal(s.keyId, rekorKeyHint(spkiDer(key)));
      assert.notEqual(s.keyId, c.keyId);
      assert.deepEqual(s.sign(msg), c.sign(msg));
    });
  });

  describe('when the verifier is built from raw public-key bytes', () => {
    it('matches the one built from the KeyObject', () => {
      const v = ed25519NoteVerifier('log.example', ed25519PublicKeyBytes(key), 'rekor');
      assert.equal(v.keyId, rekorKeyHint(spkiDer(key)));
      assert.ok(v.verify(msg, ed25519NoteSigner('log.example', key, 'rekor').sign(msg)));
    });
  });

  describe('when the signature is malformed', () => {
    it('returns false instead of throwing', () => {
      const v = ed25519NoteVerifier('log.example', key, 'c2sp');
      assert.equal(v.verify(msg, new Uint8Array(63)), false);
      assert.equal(v.verify(msg, new Uint8Array(64)), false);
    });
  });

  describe('when the key name is invalid', () => {
    it('throws NOTE_INVALID', () => assertNoteInvalid(() => ed25519NoteSigner('a+b', key, 'c2sp')));
  });
});

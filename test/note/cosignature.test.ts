import assert from 'node:assert/strict';
import {
  c2spKeyId,
  cosign,
  cosignatureMessage,
  cosignatureNoteSigner,
  ed25519CosignatureVerifier,
  ed25519Cosigner,
  ed25519NoteSigner,
  ed25519NoteVerifier,
  ed25519PublicKeyBytes,
  formatSignatureLine,
  formatVkey,
  isCosignatureVerifier,
  openNote,
  parseNote,
  parseSignatureLine,
  parseVkey,
  signNote,
  verifyCosignature,
  verifyEd25519,
} from '../../src/note/index.js';
import { assertNoteInvalid, fixedKey } from '../support/note.js';

const TEXT = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
const TS = 1679315147;
const witnessKey = fixedKey(8);
const cosigner = ed25519Cosigner('witness.example.com/w1', witnessKey);
const verifier = ed25519CosignatureVerifier('witness.example.com/w1', witnessKey);

describe('cosignatureMessage', () => {
  describe('when given a checkpoint text and a timestamp', () => {
    it('is the header, the time line and the text (tlog-cosignature "Signed message")', () => {
      assert.equal(
        Buffer.from(cosignatureMessage(TEXT, TS)).toString('utf8'),
        `cosignature/v1\ntime 1679315147\n${TEXT}`,
      );
    });
  });

  describe('when the input is invalid', () => {
    it('rejects a negative timestamp', () => assertNoteInvalid(() => cosignatureMessage(TEXT, -1)));
    it('rejects a fractional timestamp', () => assertNoteInvalid(() => cosignatureMessage(TEXT, 1.5)));
    it('rejects text without a final newline', () => assertNoteInvalid(() => cosignatureMessage('x', TS)));
  });
});

describe('cosign', () => {
  describe('when cosigning a checkpoint', () => {
    const line = cosign(cosigner, TEXT, TS);
    const sig = parseSignatureLine(line);

    it('uses the key ID with type 0x04', () => {
      const pub = ed25519PublicKeyBytes(witnessKey);
      assert.equal(sig.keyId, c2spKeyId('witness.example.com/w1', 0x04, pub));
      assert.notEqual(sig.keyId, c2spKeyId('witness.example.com/w1', 0x01, pub));
    });

    it('writes a 76-byte blob: key ID, big-endian u64 timestamp, 64-byte signature', () => {
      const blob = Buffer.from(line.slice(line.lastIndexOf(' ') + 1), 'base64');
      assert.equal(blob.length, 76);
      assert.equal(blob.readBigUInt64BE(4), BigInt(TS));
      assert.ok(verifyEd25519(witnessKey, cosignatureMessage(TEXT, TS), blob.subarray(12)));
    });

    it('round-trips through verifyCosignature', () => {
      assert.equal(verifyCosignature(verifier, TEXT, line), TS);
      assert.equal(verifyCosignature(verifier, TEXT, sig), TS);
    });
  });

  describe('when the cosignature does not match', () => {
    const line = cosign(cosigner, TEXT, TS);
    const sig = parseSignatureLine(line);

    it('rejects a changed timestamp', () => {
      const tampered = sig.sig.slice();
      tampered[7] = (tampered[7] ?? 0) ^ 1;
      assertNoteInvalid(() => verifyCosignature(verifier, TEXT, { ...sig, sig: tampered }));
    });

    it('rejects another checkpoint text', () => {
      assertNoteInvalid(() => verifyCosignature(verifier, TEXT.replace('20852163', '20852164'), line));
    });

    it('rejects another cosigner name', () => {
      const other = ed25519CosignatureVerifier('witness.example.com/w2', witnessKey);
      assertNoteInvalid(() => verifyCosignature(other, TEXT, line));
    });

    it('rejects a plain Ed25519 note signature under the cosigner key ID', () => {
      const plain = ed25519NoteSigner('witness.example.com/w1', witnessKey, 'c2sp').sign(new TextEncoder().encode(TEXT));
      assertNoteInvalid(() => verifyCosignature(verifier, TEXT, formatSignatureLine(cosigner.name, cosigner.keyId, plain)));
    });

    it('rejects a timestamp above 2^53-1', () => {
      const big = sig.sig.slice();
      big.fill(0xff, 0, 8);
      assert.equal(verifier.timestampOf(new TextEncoder().encode(TEXT), big), undefined);
    });
  });
});

describe('ed25519CosignatureVerifier', () => {
  describe('when used as a note verifier next to the log key', () => {
    it('lets openNote check the log signature and the cosignature together', () => {
      const logKey = fixedKey(9);
      const logSigner = ed25519NoteSigner('example.com/behind-the-sofa', logKey, 'c2sp');
      const logVerifier = ed25519NoteVerifier('example.com/behind-the-sofa', logKey, 'c2sp');
      const note = signNote(TEXT, [logSigner, cosignatureNoteSigner(cosigner, TS)]);
      assert.deepEqual(openNote(note, [logVerifier, verifier]).verifiedBy, [logVerifier, verifier]);
      const appended = signNote(TEXT, [logSigner]) + cosign(cosigner, TEXT, TS);
      assert.equal(appended, note);
    });
  });

  describe('when parsed from a type-0x04 vkey', () => {
    it('verifies the cosignature', () => {
      const v = parseVkey(formatVkey('witness.example.com/w1', 0x04, ed25519PublicKeyBytes(witnessKey)));
      assert.ok(isCosignatureVerifier(v));
      assert.equal(verifyCosignature(v, TEXT, cosign(cosigner, TEXT, TS)), TS);
    });
  });
});

describe('the tlog-cosignature spec example line', () => {
  describe('when decoded', () => {
    it('has key ID 8d66cf3f, timestamp 1679315147 and a 64-byte signature', () => {
      const line =
        '— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n';
      const sig = parseSignatureLine(line);
      assert.equal(sig.name, 'witness.example.com/w1');
      assert.equal(sig.keyId, 0x8d66cf3f);
      assert.equal(sig.sig.length, 72);
      assert.equal(Buffer.from(sig.sig).readBigUInt64BE(0), 1679315147n);
      assert.equal(parseNote(`${TEXT}\n${line}`).signatures.length, 1);
    });
  });
});

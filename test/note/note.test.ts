import assert from 'node:assert/strict';
import {
  ed25519NoteSigner,
  ed25519NoteVerifier,
  formatSignatureLine,
  MAX_NOTE_SIGNATURES,
  openNote,
  parseNote,
  parseSignatureLine,
  parseVkey,
  signNote,
  type NoteVerifier,
} from '../../src/note/index.js';
import { assertNoteInvalid, fixedKey } from '../support/note.js';

// c2sp.org/signed-note, "Example" (verified against Go's x/mod, tlog-standards §2).
const SPEC_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
const SPEC_NOTE =
  'This is an example message.\n\n' +
  '— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';

const key = fixedKey(1);
const signer = ed25519NoteSigner('example.com/a', key, 'c2sp');
const verifier = ed25519NoteVerifier('example.com/a', key, 'c2sp');
const otherKey = fixedKey(2);
const otherSigner = ed25519NoteSigner('example.com/b', otherKey, 'c2sp');
const otherVerifier = ed25519NoteVerifier('example.com/b', otherKey, 'c2sp');

describe('parseNote', () => {
  describe('when the note is the spec example', () => {
    it('splits text and signature, reading the key ID big-endian', () => {
      const note = parseNote(SPEC_NOTE);
      assert.equal(note.text, 'This is an example message.\n');
      assert.equal(note.signatures.length, 1);
      assert.equal(note.signatures[0]?.name, 'example.com/foo');
      assert.equal(note.signatures[0]?.keyId, 0x530d903a);
      assert.equal(note.signatures[0]?.sig.length, 64);
    });

    it('accepts the UTF-8 bytes as well as the string', () => {
      assert.deepEqual(parseNote(new TextEncoder().encode(SPEC_NOTE)), parseNote(SPEC_NOTE));
    });
  });

  describe('when the text contains blank lines', () => {
    it('splits at the last blank line', () => {
      const msg = signNote('a\n\nb\n', [signer]);
      assert.equal(parseNote(msg).text, 'a\n\nb\n');
    });
  });

  describe('when a signature line is repeated', () => {
    it('drops the duplicate', () => {
      const line = formatSignatureLine('x.example', 7, new Uint8Array([1, 2, 3]));
      const note = parseNote(`t\n\n${line}${line}`);
      assert.equal(note.signatures.length, 1);
    });
  });

  describe('when there are exactly the maximum number of signatures', () => {
    it('accepts them', () => {
      const lines = Array.from({ length: MAX_NOTE_SIGNATURES }, (_, i) => formatSignatureLine('n', i, new Uint8Array([1]))).join('');
      assert.equal(parseNote(`t\n\n${lines}`).signatures.length, MAX_NOTE_SIGNATURES);
    });
  });

  describe('when the note is malformed', () => {
    const good = formatSignatureLine('x.example', 7, new Uint8Array([1, 2, 3]));
    const cases: [string, string | Uint8Array][] = [
      ['no final newline', `t\n\n${good.slice(0, -1)}`],
      ['no blank line', `t\n${good}`],
      ['an empty signature block', 't\n\n'],
      ['a carriage return', `t\r\n\n${good}`],
      ['a tab', `t\tu\n\n${good}`],
      ['another control character', `t\u0001\n\n${good}`],
      ['a lone surrogate', `t\uD800\n\n${good}`],
      ['invalid UTF-8 bytes', new Uint8Array([0x74, 0xff, 0x0a, 0x0a, ...new TextEncoder().encode(good)])],
      ['a line with a hyphen instead of an em dash', `t\n\n- x.example AAAABwECAw==\n`],
      ['a line without a space after the name', `t\n\n— x.example\n`],
      ['an empty key name', `t\n\n—  AAAABwECAw==\n`],
      ['a key name with a plus', `t\n\n— x+y AAAABwECAw==\n`],
      ['bad base64', `t\n\n— x.example AAAA!wECAw==\n`],
      ['unpadded base64', `t\n\n— x.example AAAABwECAw\n`],
      ['non-canonical base64', `t\n\n— x.example AAAABwECAx==\n`],
      ['a blob shorter than 5 bytes', `t\n\n— x.example AAAABw==\n`],
      ['a line with trailing text', `t\n\n— x.example AAAABwECAw== extra\n`],
      ['text after the signatures', `t\n\n${good}trailing\n`],
    ];
    for (const [what, msg] of cases) {
      it(`rejects ${what}`, () => assertNoteInvalid(() => parseNote(msg)));
    }

    it('rejects more than the maximum number of signatures', () => {
      const lines = Array.from({ length: MAX_NOTE_SIGNATURES + 1 }, (_, i) => formatSignatureLine('n', i, new Uint8Array([1]))).join('');
      assertNoteInvalid(() => parseNote(`t\n\n${lines}`));
    });
  });
});

describe('parseSignatureLine', () => {
  describe('when given a line with or without its newline', () => {
    it('parses both the same way', () => {
      const line = formatSignatureLine('w.example', 0xdeadbeef, new Uint8Array([9, 9]));
      assert.deepEqual(parseSignatureLine(line), parseSignatureLine(line.slice(0, -1)));
      assert.equal(parseSignatureLine(line).keyId, 0xdeadbeef);
    });
  });

  describe('when given two lines', () => {
    it('throws', () => assertNoteInvalid(() => parseSignatureLine('— a AAAABwECAw==\n— b AAAABwECAw==\n')));
  });
});

describe('formatSignatureLine', () => {
  describe('when the inputs are valid', () => {
    it('writes em dash, name, base64(key ID ‖ sig) and a newline', () => {
      assert.equal(formatSignatureLine('n.example', 0x01020304, new Uint8Array([5])), '\u2014 n.example AQIDBAU=\n');
    });
  });

  describe('when the inputs are invalid', () => {
    it('rejects a key ID beyond uint32', () => assertNoteInvalid(() => formatSignatureLine('n', 2 ** 32, new Uint8Array([1]))));
    it('rejects a negative key ID', () => assertNoteInvalid(() => formatSignatureLine('n', -1, new Uint8Array([1]))));
    it('rejects a name with a space', () => assertNoteInvalid(() => formatSignatureLine('a b', 1, new Uint8Array([1]))));
    it('rejects a name with a no-break space', () => assertNoteInvalid(() => formatSignatureLine('a\u00A0b', 1, new Uint8Array([1]))));
    it('rejects an empty signature', () => assertNoteInvalid(() => formatSignatureLine('n', 1, new Uint8Array())));
  });
});

describe('signNote', () => {
  describe('when given several signers', () => {
    it('writes text, a blank line and one line per signer in order', () => {
      const msg = signNote('hello\n', [signer, otherSigner]);
      const note = parseNote(msg);
      assert.equal(note.text, 'hello\n');
      assert.deepEqual(
        note.signatures.map((s) => [s.name, s.keyId]),
        [
          ['example.com/a', signer.keyId],
          ['example.com/b', otherSigner.keyId],
        ],
      );
      assert.ok(msg.startsWith('hello\n\n\u2014 example.com/a '));
    });

    it('is deterministic (Ed25519)', () => {
      assert.equal(signNote('hello\n', [signer]), signNote('hello\n', [signer]));
    });
  });

  describe('when the text is not a valid note text', () => {
    it('rejects a missing final newline', () => assertNoteInvalid(() => signNote('hello', [signer])));
    it('rejects control characters', () => assertNoteInvalid(() => signNote('he\u0000llo\n', [signer])));
    it('rejects no signers', () => assertNoteInvalid(() => signNote('hello\n', [])));
  });
});

describe('openNote', () => {
  describe('when the spec example is opened with its vkey', () => {
    it('verifies it', () => {
      const v = parseVkey(SPEC_VKEY);
      const opened = openNote(SPEC_NOTE, [v]);
      assert.equal(opened.text, 'This is an example message.\n');
      assert.deepEqual(opened.verifiedBy, [v]);
    });
  });

  describe('when one known and one unknown key signed', () => {
    it('ignores the unknown signature', () => {
      const opened = openNote(signNote('t\n', [otherSigner, signer]), [verifier]);
      assert.deepEqual(opened.verifiedBy, [verifier]);
    });

    it('reports every verifier that verified, once', () => {
      const opened = openNote(signNote('t\n', [otherSigner, signer]), [verifier, otherVerifier, verifier]);
      assert.deepEqual(opened.verifiedBy, [otherVerifier, verifier]);
    });
  });

  describe('when the note is forged or unverifiable', () => {
    const msg = signNote('the text\n', [signer]);

    it('rejects tampered text', () => assertNoteInvalid(() => openNote(msg.replace('the text', 'the test'), [verifier])));

    it('rejects a tampered signature', () => {
      const line = parseNote(msg).signatures[0];
      assert.ok(line);
      const sig = line.sig.slice();
      sig[10] = (sig[10] ?? 0) ^ 1;
      assertNoteInvalid(() => openNote(`the text\n\n${formatSignatureLine(line.name, line.keyId, sig)}`, [verifier]));
    });

    it('rejects a signature by another key under the same name and key ID', () => {
      const impostor = { name: verifier.name, keyId: verifier.keyId, sign: ed25519NoteSigner('x', otherKey, 'c2sp').sign };
      assertNoteInvalid(() => openNote(signNote('the text\n', [impostor]), [verifier]));
    });

    it('rejects a note signed only by unknown keys', () => assertNoteInvalid(() => openNote(msg, [otherVerifier])));

    it('rejects a note when no verifiers are given', () => assertNoteInvalid(() => openNote(msg, [])));

    it('rejects a failing known signature even next to a valid one', () => {
      const bad = formatSignatureLine(otherVerifier.name, otherVerifier.keyId, new Uint8Array(64));
      assertNoteInvalid(() => openNote(`${msg}${bad}`, [verifier, otherVerifier]));
    });

    it('treats a verifier that throws as a failed signature', () => {
      const throwing: NoteVerifier = { name: verifier.name, keyId: verifier.keyId, verify: () => { throw new Error('boom'); } };
      assertNoteInvalid(() => openNote(msg, [throwing]));
    });

    it('rejects two different verifiers for one (name, key ID)', () => {
      const twin: NoteVerifier = { name: verifier.name, keyId: verifier.keyId, verify: () => true };
      assertNoteInvalid(() => openNote(msg, [verifier, twin]));
    });
  });
});

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  ed25519NoteSigner,
  ed25519NoteVerifier,
  formatCheckpoint,
  logIdOf,
  openCheckpoint,
  openNote,
  parseCheckpoint,
  parseNote,
  parsePrivateKeyString,
  parseVkey,
  signCheckpoint,
  signNote,
  spkiDer,
  keyIdHex,
  type Checkpoint,
} from '../../src/note/index.js';
import {
  assertNoteInvalid,
  fixedKey,
  TESSERA_MAX_SIZE,
  TESSERA_ORIGIN,
  TESSERA_SKEY,
  TESSERA_VKEY,
  tesseraCheckpoint,
} from '../support/note.js';

const EMPTY_ROOT = new Uint8Array(createHash('sha256').digest());
const ROOT = new Uint8Array(32).map((_, i) => i);

describe('formatCheckpoint', () => {
  describe('when given the tlog-checkpoint spec example', () => {
    it('writes origin, decimal size and base64 root, one per line', () => {
      const root = new Uint8Array(Buffer.from('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=', 'base64'));
      assert.equal(
        formatCheckpoint({ origin: 'example.com/behind-the-sofa', size: 20852163, root }),
        'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
      );
    });
  });

  describe('when there are extension lines', () => {
    it('appends them and parseCheckpoint keeps them', () => {
      const cp: Checkpoint = { origin: 'o.example', size: 0, root: EMPTY_ROOT, extensions: ['ext one', 'ext two'] };
      const text = formatCheckpoint(cp);
      assert.ok(text.endsWith('=\next one\next two\n'));
      assert.deepEqual(parseCheckpoint(text), cp);
    });
  });

  describe('when the checkpoint is invalid', () => {
    const cases: [string, Checkpoint][] = [
      ['an empty origin', { origin: '', size: 1, root: ROOT }],
      ['a two-line origin', { origin: 'a\nb', size: 1, root: ROOT }],
      ['a negative size', { origin: 'o', size: -1, root: ROOT }],
      ['a fractional size', { origin: 'o', size: 1.5, root: ROOT }],
      ['an unsafe size', { origin: 'o', size: 2 ** 53, root: ROOT }],
      ['a 31-byte root', { origin: 'o', size: 1, root: ROOT.subarray(1) }],
      ['an empty extension line', { origin: 'o', size: 1, root: ROOT, extensions: [''] }],
    ];
    for (const [what, cp] of cases) {
      it(`rejects ${what}`, () => assertNoteInvalid(() => formatCheckpoint(cp)));
    }
  });
});

describe('parseCheckpoint', () => {
  describe('when the text is a Rekor-style checkpoint', () => {
    it('round-trips, with spaces in the origin', () => {
      const cp = { origin: 'localhost:3000 - 1234567', size: 9007199254740991, root: ROOT };
      assert.deepEqual(parseCheckpoint(formatCheckpoint(cp)), cp);
    });
  });

  describe('when the text is malformed', () => {
    const root = Buffer.from(ROOT).toString('base64');
    const cases: [string, string][] = [
      ['no final newline', `o\n1\n${root}`],
      ['two lines', 'o\n1\n'],
      ['an empty origin', `\n1\n${root}\n`],
      ['leading zeroes', `o\n01\n${root}\n`],
      ['a plus sign', `o\n+1\n${root}\n`],
      ['a minus sign', `o\n-1\n${root}\n`],
      ['a hex size', `o\n0x1\n${root}\n`],
      ['a size beyond 2^53-1', `o\n9007199254740993\n${root}\n`],
      ['a 31-byte root', `o\n1\n${Buffer.from(ROOT.subarray(1)).toString('base64')}\n`],
      ['a hex root', `o\n1\n${Buffer.from(ROOT).toString('hex')}\n`],
      ['unpadded base64', `o\n1\n${root.replace(/=+$/, '')}\n`],
      ['an empty extension line', `o\n1\n${root}\n\n`],
      ['a control character', `o\u0007\n1\n${root}\n`],
    ];
    for (const [what, text] of cases) {
      it(`rejects ${what}`, () => assertNoteInvalid(() => parseCheckpoint(text)));
    }
  });
});

describe('signCheckpoint', () => {
  describe('when signing the Tessera test log with its private key', () => {
    const { name, privateKey } = parsePrivateKeyString(TESSERA_SKEY);
    const signer = ed25519NoteSigner(name, privateKey, 'c2sp');

    for (let size = 0; size <= TESSERA_MAX_SIZE; size++) {
      it(`reproduces checkpoint.${size} byte for byte`, () => {
        const file = tesseraCheckpoint(size);
        const rootLine = file.split('\n')[2] ?? '';
        const root = new Uint8Array(Buffer.from(rootLine, 'base64'));
        assert.equal(signCheckpoint({ origin: TESSERA_ORIGIN, size, root }, [signer]), file);
      });
    }
  });
});

describe('openCheckpoint', () => {
  describe('when opening every Tessera checkpoint with the vkey', () => {
    const v = parseVkey(TESSERA_VKEY);
    for (let size = 0; size <= TESSERA_MAX_SIZE; size++) {
      it(`verifies checkpoint.${size}`, () => {
        const opened = openCheckpoint(tesseraCheckpoint(size), [v]);
        assert.equal(opened.checkpoint.origin, TESSERA_ORIGIN);
        assert.equal(opened.checkpoint.size, size);
        assert.deepEqual(opened.verifiedBy, [v]);
      });
    }

    it('finds SHA-256("") at size 0', () => {
      assert.deepEqual(openCheckpoint(tesseraCheckpoint(0), [v]).checkpoint.root, EMPTY_ROOT);
    });
  });

  describe('when the note verifies but its text is no checkpoint', () => {
    it('throws', () => {
      const signer = ed25519NoteSigner('n.example', fixedKey(6), 'c2sp');
      const verifier = ed25519NoteVerifier('n.example', fixedKey(6), 'c2sp');
      assertNoteInvalid(() => openCheckpoint(signNote('hello\n', [signer]), [verifier]));
    });
  });

  describe('when a checkpoint carries a Rekor-flavor and a C2SP-flavor signature by one key', () => {
    const key = fixedKey(7);
    const name = 'localhost:3000';
    const cp = { origin: 'localhost:3000 - 1234567', size: 42, root: ROOT };
    const rekorSigner = ed25519NoteSigner(name, key, 'rekor');
    const c2spSigner = ed25519NoteSigner(name, key, 'c2sp');
    const rekorVerifier = ed25519NoteVerifier(name, key, 'rekor');
    const c2spVerifier = ed25519NoteVerifier(name, key, 'c2sp');
    const note = signCheckpoint(cp, [rekorSigner, c2spSigner]);

    it('has two lines under the same name with different key IDs', () => {
      const sigs = parseNote(note).signatures;
      assert.deepEqual(sigs.map((s) => s.name), [name, name]);
      assert.equal(keyIdHex(sigs[0]?.keyId ?? -1), logIdOf(spkiDer(key)).slice(0, 8));
      assert.equal(sigs[1]?.keyId, c2spVerifier.keyId);
    });

    it('verifies with the Rekor-flavor verifier alone', () => {
      assert.deepEqual(openCheckpoint(note, [rekorVerifier]).checkpoint, cp);
      assert.deepEqual(openNote(note, [rekorVerifier]).verifiedBy, [rekorVerifier]);
    });

    it('verifies with the C2SP-flavor verifier alone', () => {
      assert.deepEqual(openNote(note, [c2spVerifier]).verifiedBy, [c2spVerifier]);
    });

    it('verifies with both', () => {
      assert.deepEqual(openNote(note, [c2spVerifier, rekorVerifier]).verifiedBy, [rekorVerifier, c2spVerifier]);
    });
  });
});

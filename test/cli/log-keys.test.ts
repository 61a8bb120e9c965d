/**
 * Opening the log's keys from the settings (src/cli/log-keys.ts) and the log
 * that open-log.ts builds on them: files made on first start, types checked,
 * keys in a SoftHSM2 token signing through several sessions or the worker
 * pool's threads, and the store pinning the keys it was created with.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyFile } from '../../src/cli/keyfile.js';
import { openLogKeys, poolKeys, signerFor } from '../../src/cli/log-keys.js';
import { openLogFromConfig } from '../../src/cli/open-log.js';
import { loadConfig } from '../../src/config/index.js';
import { isLogError } from '../../src/errors.js';
import { openNote, parseVkey } from '../../src/note/index.js';
import { createWorkerPool } from '../../src/workers/index.js';
import { requirePartOrSkip } from '../support/parts.js';
import { createSoftToken, softhsmAvailable, type SoftToken } from '../support/softhsm.js';

describe('the log keys (--key-file, --note-key-file)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-log-keys-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('when the data dir is empty', () => {
    it('creates an ECDSA P-256 log key and an Ed25519 note key, both 0600, and opens the same ones again', async () => {
      const settings = { dataDir: dir, keyFile: join(dir, 'log-key.pem') };
      const keys = await openLogKeys(settings);
      assert.equal(keys.log.type, 'ecdsa-p256');
      assert.equal(keys.note?.type, 'ed25519');
      assert.ok(keys.log.created && keys.note.created);
      for (const f of ['log-key.pem', 'note-key.pem']) assert.equal(statSync(join(dir, f)).mode % 0o1000, 0o600);
      const again = await openLogKeys(settings);
      assert.ok(!again.log.created && !again.note!.created);
      assert.ok(again.log.publicKey.equals(keys.log.publicKey));
      assert.ok(again.note!.publicKey.equals(keys.note.publicKey));
    });
  });

  describe('when the keys do not fit', () => {
    it('refuses a note key beside an Ed25519 log key, and a note key that is not Ed25519', async () => {
      generateKeyFile(join(dir, 'ed.pem'), 'ed25519');
      generateKeyFile(join(dir, 'ec.pem'), 'ecdsa-p256');
      await assert.rejects(
        openLogKeys({ dataDir: dir, keyFile: join(dir, 'ed.pem'), noteKeyFile: join(dir, 'ec.pem') }),
        (e: unknown) => isLogError(e, 'CONFIG_INVALID') && /is Ed25519 and signs checkpoints for C2SP clients itself/.test(e.message),
      );
      await assert.rejects(
        openLogKeys({ dataDir: dir, keyFile: join(dir, 'ec.pem'), noteKeyFile: join(dir, 'ec.pem') }),
        (e: unknown) => isLogError(e, 'CONFIG_INVALID') && /note key file .* holds a ec \(prime256v1\) key; a note key must be Ed25519/.test(e.message),
      );
    });

    it('refuses to open a log whose note key was replaced (the store pins its vkey)', async () => {
      const config = loadConfig({ overrides: { dataDir: dir, publicUrl: 'http://log.example.test' } });
      const first = await openLogFromConfig(config);
      await first.log.close();
      first.store.close();
      unlinkSync(join(dir, 'note-key.pem'));
      await assert.rejects(openLogFromConfig(config), (e: unknown) => isLogError(e, 'CONFIG_INVALID') && /the note key \(C2SP verifier key\) changed/.test(e.message));
    });
  });

  describe('when the keys are in a SoftHSM2 token', () => {
    let token: SoftToken;
    before(function () {
      requirePartOrSkip(this, 'HSM', softhsmAvailable());
      token = createSoftToken();
      token.use();
      token.pkcs11Tool(['--keypairgen', '--key-type', 'EC:prime256v1', '--label', 'log', '--id', '01']);
      token.pkcs11Tool(['--keypairgen', '--key-type', 'EC:edwards25519', '--label', 'note', '--id', '02']);
    });
    after(() => token?.remove());

    it('signs SETs and both checkpoint lines in the token, through several sessions and through the worker threads', async () => {
      const keys = await openLogKeys({ dataDir: dir, keyFile: token.uri('log'), noteKeyFile: token.uri('note') }, { tokenSessions: 3 });
      const pool = createWorkerPool({ size: 2, signingKeys: poolKeys(keys) });
      try {
        assert.equal(keys.log.type, 'ecdsa-p256');
        assert.equal(keys.log.privateKey, undefined, 'the private key stays in the token');
        assert.doesNotMatch(keys.log.ref, /1234-user/, 'no PIN in what is logged');
        const payloads = Array.from({ length: 7 }, (_, i) => Buffer.from(`set ${i}`));
        const checkpoint = Buffer.from('example - 1\n7\nroot\n');
        for (const signer of [signerFor(keys), signerFor(keys, pool)]) {
          const { sets, checkpoint: lines } = await signer.sign(payloads, checkpoint);
          sets.forEach((s, i) => assert.ok(verify('sha256', payloads[i]!, { key: keys.log.publicKey, dsaEncoding: 'der' }, s), `SET ${i}`));
          assert.ok(verify(null, checkpoint, keys.note!.publicKey, lines[0]!), 'the C2SP line by the note key');
          assert.ok(verify('sha256', checkpoint, { key: keys.log.publicKey, dsaEncoding: 'der' }, lines[1]!), 'the Rekor line by the log key');
        }
      } finally {
        await pool.close();
        await keys.close();
      }
    });

    it('opens a log on the token keys: the first checkpoint is signed in the token and opens with the vkey', async () => {
      const config = loadConfig({ overrides: { dataDir: dir, publicUrl: 'http://log.example.test', keyFile: token.uri('log'), noteKeyFile: token.uri('note') } });
      const opened = await openLogFromConfig(config);
      try {
        assert.equal(opened.identity.privateKeys, undefined);
        const note = (await opened.store.latestCheckpoint())!.note;
        assert.equal(openNote(note, [parseVkey(opened.identity.vkey)]).text, `log.example.test - ${opened.identity.treeId}\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n`);
        assert.equal(openNote(note, [...opened.identity.checkpointVerifiers]).verifiedBy.length, 2);
      } finally {
        await opened.log.close();
        opened.store.close();
        await opened.keys.close();
      }
    });

    it('refuses a token key of the wrong type for its role', async () => {
      await assert.rejects(
        openLogKeys({ dataDir: dir, keyFile: token.uri('log'), noteKeyFile: token.uri('log') }),
        (e: unknown) => isLogError(e, 'CONFIG_INVALID') && /note key .* is a ecdsa-p256-sha256 key in its token; a note key must be ed25519/.test(e.message),
      );
    });
  });

  it('keygen files are PKCS#8 of the asked type', () => {
    generateKeyFile(join(dir, 'k.pem'), 'ecdsa-p256');
    assert.equal(createPrivateKey(readFileSync(join(dir, 'k.pem'))).asymmetricKeyDetails?.namedCurve, 'prime256v1');
  });
});

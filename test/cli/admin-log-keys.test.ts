/**
 * The admin audit log across a change of note key (src/cli/admin-log.ts):
 * after a rotation to a log key with another note key (Ed25519 → ECDSA with
 * its note key, or to another Ed25519 key), the audit log still opens (its
 * latest checkpoint verifies with the former key), and its next checkpoint
 * is signed by the new one. A changed origin is still refused.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/clock.js';
import { openAdminLog } from '../../src/cli/admin-log.js';
import { generateKeyFile } from '../../src/cli/keyfile.js';
import { openLogKeys } from '../../src/cli/log-keys.js';
import { makeIdentity, type AdminRecord } from '../../src/log/index.js';
import { openNote, parseVkey } from '../../src/note/index.js';

const record = (n: number): AdminRecord => ({ event: 'refused', time: 1_700_000_000_000 + n, who: null, client: '127.0.0.1', operation: 'POST /api/v1/admin/x', status: 401, reason: 'UNAUTHENTICATED', requestId: `r${n}` });

describe('the admin audit log across a change of note key', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-admin-keys-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function open(keyFile: string, publicUrl = 'https://log.example') {
    const keys = await openLogKeys({ dataDir: dir, keyFile });
    const identity = makeIdentity(keys.log.privateKey!, '12345', publicUrl, keys.note?.privateKey);
    return { identity, admin: await openAdminLog({ dataDir: dir }, identity, keys, new ManualClock()) };
  }

  it('opens after the note key changed, and signs the next checkpoint with the new key', async () => {
    generateKeyFile(join(dir, 'a.pem'), 'ed25519');
    generateKeyFile(join(dir, 'b.pem'), 'ecdsa-p256');
    generateKeyFile(join(dir, 'c.pem'), 'ed25519');
    const a = await open(join(dir, 'a.pem'));
    await a.admin.audit.record(record(1));
    await a.admin.close();

    const b = await open(join(dir, 'b.pem')); // ECDSA: its note key is <dir>/note-key.pem, created now
    assert.notEqual(b.identity.vkey, a.identity.vkey);
    assert.equal(b.admin.log.status().readOnly, undefined);
    openNote(b.admin.log.reader.latest().note, [parseVkey(a.identity.vkey)]); // still the former key's
    await b.admin.audit.record(record(2));
    const noteB = b.admin.log.reader.latest().note;
    openNote(noteB, [parseVkey(b.identity.vkey)]);
    assert.throws(() => openNote(noteB, [parseVkey(a.identity.vkey)]), /no signature by a known key/);
    await b.admin.close();

    const c = await open(join(dir, 'c.pem'));
    await c.admin.audit.record(record(3));
    assert.equal(c.admin.log.status().size, 3);
    await c.admin.close();
    const back = await open(join(dir, 'a.pem')); // every former key is remembered
    assert.equal(back.admin.log.status().readOnly, undefined);
    await back.admin.close();
  });

  it('refuses another origin (the public URL host changed)', async () => {
    generateKeyFile(join(dir, 'a.pem'), 'ed25519');
    await (await open(join(dir, 'a.pem'))).admin.close();
    await assert.rejects(open(join(dir, 'a.pem'), 'https://other.example'), /created with origin "log\.example\/admin - [0-9]+".*other\.example/);
  });
});

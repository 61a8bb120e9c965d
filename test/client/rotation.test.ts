/**
 * The client library across a rotation of the real `cairn serve` to a staged
 * key (--key-file ECDSA P-256, --next-key-file Ed25519): with the trusted
 * root the log serves (both keys, each with its window) entries before and
 * after the rotation verify, each against its own tree's checkpoint signed by
 * its own key, a frozen tree's only against the final checkpoint the log
 * lists; a retired key's SET dated after its window is refused (and the
 * same entry verifies with the window left open); a checkpoint seen before
 * the rotation is extended by the new tree's through the frozen tree's final
 * checkpoint, while another tree the log does not announce is a fork.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LogKey,
  RekorClient,
  VerifiedLog,
  nobleHasher,
  parseVerifierKey,
  setPayload,
  trustFromTrustedRoot,
  verifyEntry,
  type Checkpoint,
  type LogTrust,
  type RekorEntry,
} from '../../src/client/index.js';
import { isLogError } from '../../src/errors.js';
import { rejectsWith } from '../support/log-errors.js';
import { ecKey, hashedRekord } from '../support/http.js';
import { httpRequest } from '../support/http-client.js';
import { AUTH, LOAD_ADMIN_TOKEN, writeAdminTokens } from '../support/rotation-load.js';
import { startServer, type ServerProcess } from '../support/server-process.js';

describe('client verification across a rotation to a staged key (the real server)', function () {
  this.timeout(60_000);
  let dir: string;
  let server: ServerProcess;
  let oldPrivate: KeyObject;
  let oldKey: LogKey;
  let newKey: LogKey;
  let trust: LogTrust;
  let log: VerifiedLog;
  let seenBefore: Checkpoint;
  let seenBeforeNote: string;
  let frozenTreeId: string;
  const entries: RekorEntry[] = [];
  const signer = ecKey('P-256');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-client-rotation-'));
    const tokens = join(dir, 'tokens.json');
    writeAdminTokens(tokens);
    const old = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const next = generateKeyPairSync('ed25519');
    oldPrivate = old.privateKey;
    oldKey = LogKey.fromPem(old.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    newKey = LogKey.fromPem(next.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    writeFileSync(join(dir, 'key.pem'), old.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(join(dir, 'next-key.pem'), next.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    server = await startServer(['--data-dir', join(dir, 'data'), '--tokens-file', tokens, '--key-file', join(dir, 'key.pem'), '--next-key-file', join(dir, 'next-key.pem'), '--verify-workers', '1']);
    const client = new RekorClient(server.url, { token: LOAD_ADMIN_TOKEN, retries: 0 });
    const noteKey = parseVerifierKey((await httpRequest(server.url, 'GET', '/api/v1/log/vkey')).body.toString('utf8').trim());
    const single = new VerifiedLog(server.url, { logKey: oldKey, noteKey }, { retries: 0 });
    for (let i = 0; i < 3; i++) {
      await client.submit(hashedRekord(signer, `before the rotation ${i}`));
      if (i === 1) ({ checkpoint: seenBefore, note: seenBeforeNote } = await single.latestCheckpoint());
    }
    frozenTreeId = (await client.logInfo()).treeId;
    const r = await httpRequest(server.url, 'POST', '/api/v1/admin/rotate', { headers: AUTH, body: '{}' });
    assert.equal(r.status, 200, r.body.toString('utf8'));
    for (let i = 0; i < 2; i++) await client.submit(hashedRekord(signer, `after the rotation ${i}`));
    for (let i = 0; i < 5; i++) entries.push((await client.entryByIndex(i)) as RekorEntry);
    const root = JSON.parse((await httpRequest(server.url, 'GET', '/api/v1/log/trusted-root')).body.toString('utf8')) as unknown;
    trust = { ...trustFromTrustedRoot(root), noteKey };
    log = new VerifiedLog(server.url, trust, { retries: 0 });
  });
  after(async () => {
    await server?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('reads both keys from the trusted root, each with its window, the staged one active', () => {
    assert.deepEqual(trust.logKeys?.map((k) => k.key.logId), [oldKey.logId, newKey.logId]);
    assert.equal(trust.logKey.logId, newKey.logId);
    const [retired, active] = trust.logKeys ?? [];
    assert.ok(retired?.validFor?.end !== undefined && active?.validFor?.end === undefined);
    assert.ok((retired?.validFor?.end ?? 0) <= (active?.validFor?.start ?? 0) + 1, 'the retired window ends where the new one starts');
  });

  it('verifies entries before and after the rotation, each against its own tree signed by its own key', async () => {
    for (const [i, e] of entries.entries()) {
      const v = await log.verify(e);
      const key = i < 3 ? oldKey : newKey;
      assert.equal(e.logId, key.logId, `entry ${i} names its tree's key`);
      assert.equal(v.set, true);
      assert.equal(v.checkpoint.checkpoint.size, i < 3 ? 3 : 2, `entry ${i}'s proof is against its tree's checkpoint`);
      assert.ok(v.checkpoint.signedBy.some((s) => s.logId === key.logId), `entry ${i}'s checkpoint is signed by its tree's key`);
      assert.equal((await log.entryByUuid(e.uuid))?.entry.logIndex, i);
    }
    const latest = await log.latestCheckpoint();
    assert.deepEqual([latest.checkpoint.size, latest.signedBy.find((s) => s.logId !== undefined)?.logId], [2, newKey.logId]);
    const trees = await log.trees();
    assert.deepEqual(trees.map((t) => [t.treeId === frozenTreeId, t.frozen, t.checkpoint.checkpoint.size]), [[true, true, 3], [false, false, 2]]);
  });

  it('refuses, with only one of the keys pinned, the entries of the other tree', async () => {
    await rejectsWith(verifyEntry(entries[3] as RekorEntry, { logKey: oldKey }), 'LOG_RESPONSE_INVALID', /not the pinned/);
    await rejectsWith(verifyEntry(entries[0] as RekorEntry, { logKey: newKey }), 'LOG_RESPONSE_INVALID', /not the pinned/);
    await verifyEntry(entries[0] as RekorEntry, { logKey: oldKey });
  });

  it("refuses a frozen tree's entry proved against a checkpoint of that tree other than its final one", async () => {
    const [first, second] = entries as [RekorEntry, RekorEntry];
    const [a, b] = [nobleHasher.leafHash(first.body), nobleHasher.leafHash(second.body)];
    assert.equal(seenBefore.size, 2);
    const stale: RekorEntry = { ...first, inclusionProof: { logIndex: 0, treeSize: 2, rootHash: nobleHasher.nodeHash(a, b), hashes: [b], checkpoint: seenBeforeNote } };
    assert.equal((await verifyEntry(stale, trust)).checkpoint.checkpoint.size, 2, 'a genuine proof against a genuine (earlier) checkpoint of the frozen tree');
    await rejectsWith(log.verify(stale), 'LOG_RESPONSE_INVALID', /is frozen at size 3, but the proof is against size 2/);
  });

  it("refuses a SET the retired key signed for a time after its window, which verifies with the window left open", async () => {
    const retired = trust.logKeys?.[0];
    const end = retired?.validFor?.end as number;
    const e = entries[0] as RekorEntry;
    const moved = { ...e, integratedTime: end + 60 };
    const late: RekorEntry = { ...moved, signedEntryTimestamp: new Uint8Array(sign('sha256', setPayload(moved), oldPrivate)) };
    await rejectsWith(log.verify(late), 'LOG_RESPONSE_INVALID', /outside the window of log key/);
    const open: LogTrust = { ...trust, logKeys: trust.logKeys?.map((k) => (k === retired ? { key: k.key, validFor: { start: retired.validFor?.start ?? 0 } } : k)) };
    assert.equal((await verifyEntry(late, open)).set, true, 'the signature itself is good: the window refuses it');
    const atEnd = { ...e, integratedTime: end };
    const lastSecond: RekorEntry = { ...atEnd, signedEntryTimestamp: new Uint8Array(sign('sha256', setPayload(atEnd), oldPrivate)) };
    assert.equal((await verifyEntry(lastSecond, trust)).set, true, "the window's end is inside it");
  });

  it('takes a checkpoint of the new tree as extending one seen before the rotation, through the frozen final checkpoint', async () => {
    const latest = (await log.latestCheckpoint()).checkpoint;
    assert.notEqual(latest.origin, seenBefore.origin);
    const ext = await log.verifyExtends(seenBefore, latest);
    assert.ok(ext.rotated && ext.frozen.treeId === frozenTreeId && ext.frozen.checkpoint.checkpoint.size === 3);
    assert.deepEqual(await log.verifyExtends(latest, latest), { rotated: false });
  });

  it('calls a fork what the log does not announce: a seen tree it does not list as frozen, a move back to a frozen tree, another root', async () => {
    const latest = (await log.latestCheckpoint()).checkpoint;
    await rejectsWith(log.verifyExtends({ ...seenBefore, origin: 'elsewhere - 1' }, latest), 'INCONSISTENT', /no frozen tree/);
    await rejectsWith(log.verifyExtends(latest, seenBefore), 'INCONSISTENT', /no frozen tree/);
    const forged = { ...seenBefore, root: new Uint8Array(32).fill(7) };
    await assert.rejects(log.verifyExtends(forged, latest), (err: unknown) => isLogError(err, 'PROOF_INVALID') || isLogError(err, 'INCONSISTENT'));
  });
});

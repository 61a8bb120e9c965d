/**
 * The client library's verification (src/client: checkpoints, cosignatures,
 * SETs, inclusion and consistency proofs, tiles) against real Cairn logs
 * (ECDSA P-256 and Ed25519 keys) served through a fault proxy, so that the
 * answers a hostile log could give are real answers with one thing changed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import {
  LogKey,
  RekorClient,
  VerifiedLog,
  derToP1363,
  nobleHasher,
  parseVerifierKey,
  rootFromTiles,
  verifyCheckpoint,
  verifyEcdsaP256,
  type Cosignature,
  type LogTrust,
} from '../../src/client/index.js';
import { isLogError } from '../../src/errors.js';
import { rejectsWith } from '../support/log-errors.js';
import { leafHash, nodeHash, EMPTY_ROOT } from '../../src/merkle/index.js';
import { ed25519NoteSigner, ed25519PublicKeyBytes, formatVkey, parseVkey, signNote } from '../../src/note/index.js';
import { startFrontedLogs, type FrontedLogs } from '../support/fronted-logs.js';
import { ecKey, hashedRekord } from '../support/http.js';
import { cosignCheckpoint, testWitness } from '../support/signing-log.js';

/** Rewrites the JSON of every answer whose path starts with `prefix`. */
function rewriteJson(f: FrontedLogs, prefix: string, change: (v: Record<string, any>) => void): void {
  f.proxy.fault = (req) =>
    req.url.startsWith(prefix)
      ? {
          kind: 'rewrite',
          body: (b) => {
            const v = JSON.parse(b.toString('utf8')) as Record<string, any>;
            change(v);
            return Buffer.from(JSON.stringify(v));
          },
        }
      : undefined;
}

for (const keyType of ['ecdsa-p256', 'ed25519'] as const) {
  describe(`client verification against a real log (${keyType} log key)`, () => {
    let f: FrontedLogs;
    let trust: LogTrust;
    let log: VerifiedLog;
    const key = ecKey('P-256');
    const uuids: string[] = [];

    before(async () => {
      f = await startFrontedLogs(keyType);
      trust = { logKey: LogKey.fromPem(f.identity.publicKeyPem), noteKey: parseVerifierKey(f.identity.vkey) };
      log = new VerifiedLog(f.url, trust, { retries: 0 });
      const client = new RekorClient(f.url);
      for (let i = 0; i < 5; i++) uuids.push((await client.submit(hashedRekord(key, `entry ${keyType} ${i}`))).entry.uuid);
    });
    afterEach(() => {
      f.proxy.fault = () => undefined;
      f.serve(0);
    });
    after(async () => {
      await f?.close();
    });

    it('pins the key by its logID and verifies the latest checkpoint with the log key and the note key', async () => {
      assert.equal(trust.logKey.logId, f.identity.logId);
      assert.equal(trust.logKey.type, keyType);
      const cp = await log.latestCheckpoint();
      assert.equal(cp.checkpoint.size, 5);
      const signers = cp.signedBy.map((s) => s.signer);
      assert.ok(signers.includes('log key (Rekor line)'), signers.join());
      assert.ok(signers.includes(keyType === 'ed25519' ? 'log key (C2SP line)' : 'note key (C2SP line)'), signers.join());
      // Without the note key, the log key alone verifies.
      const alone = await verifyCheckpoint(cp.note, { logKey: trust.logKey });
      assert.ok(alone.signedBy.length >= 1);
    });

    it('verifies with the note key alone (a monitor\'s trust), and a witness whose key signs notes (type 0x01)', async () => {
      const cp = await log.latestCheckpoint();
      const noteOnly = await verifyCheckpoint(cp.note, { noteKey: parseVerifierKey(f.identity.vkey) });
      assert.deepEqual(noteOnly.signedBy.map((s) => s.signer), ['note key (C2SP line)']);
      const stranger = parseVerifierKey(formatVkey(f.identity.host, 0x01, ed25519PublicKeyBytes(generateKeyPairSync('ed25519').privateKey)));
      await rejectsWith(verifyCheckpoint(cp.note, { noteKey: stranger }), 'NOTE_INVALID', /no signature by the pinned note key/);
      const witnessKey = generateKeyPairSync('ed25519').privateKey;
      const line = signNote(cp.text, [ed25519NoteSigner('witness.example/plain', witnessKey, 'c2sp')]).slice(cp.text.length + 1);
      const witness = parseVerifierKey(formatVkey('witness.example/plain', 0x01, ed25519PublicKeyBytes(witnessKey)));
      const v = await verifyCheckpoint(`${cp.note}${line}`, { noteKey: parseVerifierKey(f.identity.vkey), witnesses: [witness] });
      const witnessLines = (c: readonly Cosignature[]): Cosignature[] => c.filter((x) => x.name.startsWith('witness.'));
      assert.deepEqual(witnessLines(v.cosignatures).map((c) => [c.name, c.state]), [['witness.example/plain', 'verified']]);
      const forged = await verifyCheckpoint(`${cp.note}${line.replace(/.{3}\n$/, 'AAA\n')}`, { noteKey: parseVerifierKey(f.identity.vkey), witnesses: [witness] });
      assert.deepEqual(witnessLines(forged.cosignatures).map((c) => c.state), ['failed']);
    });

    it('refuses a checkpoint with a changed root, a wrong pinned key, or a forged log line', async () => {
      const cp = await log.latestCheckpoint();
      const lines = cp.note.split('\n');
      const root = Buffer.from(lines[2] ?? '', 'base64');
      root[0] = (root[0] ?? 0) ^ 1;
      const changed = [lines[0], lines[1], root.toString('base64'), ...lines.slice(3)].join('\n');
      await rejectsWith(verifyCheckpoint(changed, trust), 'NOTE_INVALID', /does not verify/);
      const other = LogKey.fromPem(ecKey('P-256').pem);
      await rejectsWith(verifyCheckpoint(cp.note, { logKey: other }), 'NOTE_INVALID', /no signature by the pinned log key/);
      f.proxy.fault = (req) => (req.url === '/checkpoint' ? { kind: 'rewrite', body: () => Buffer.from(changed) } : undefined);
      await rejectsWith(log.latestCheckpoint(), 'NOTE_INVALID');
    });

    it('verifies an entry read by UUID and by index: SET, inclusion proof, checkpoint', async () => {
      const byUuid = await log.entryByUuid(uuids[2] as string);
      assert.ok(byUuid !== undefined);
      assert.equal(byUuid.set, true);
      assert.equal(byUuid.entry.logIndex, 2);
      assert.equal(byUuid.checkpoint.checkpoint.size, 5);
      const byIndex = await log.entryByIndex(4);
      assert.equal(byIndex?.entry.uuid, uuids[4]);
      assert.equal(await log.entryByIndex(99), undefined);
    });

    it('refuses a tampered audit path, SET, proof size, or an entry of another log', async () => {
      const path = `/api/v1/log/entries/${uuids[1]}`;
      const first = (v: Record<string, any>): Record<string, any> => v[Object.keys(v)[0] as string];
      rewriteJson(f, path, (v) => {
        const p = first(v)['verification']['inclusionProof'];
        p.hashes[0] = `${p.hashes[0].slice(0, 63)}${p.hashes[0][63] === '0' ? '1' : '0'}`;
      });
      await rejectsWith(log.entryByUuid(uuids[1] as string), 'PROOF_INVALID', /computed root/);
      rewriteJson(f, path, (v) => {
        const set = Buffer.from(first(v)['verification']['signedEntryTimestamp'], 'base64');
        set[set.length - 1] = (set[set.length - 1] ?? 0) ^ 1;
        first(v)['verification']['signedEntryTimestamp'] = set.toString('base64');
      });
      await rejectsWith(log.entryByUuid(uuids[1] as string), 'LOG_RESPONSE_INVALID', /signed entry timestamp/);
      rewriteJson(f, path, (v) => {
        first(v)['integratedTime'] += 1;
      });
      await rejectsWith(log.entryByUuid(uuids[1] as string), 'LOG_RESPONSE_INVALID', /signed entry timestamp/);
      rewriteJson(f, path, (v) => {
        first(v)['logID'] = '0'.repeat(64);
      });
      await rejectsWith(log.entryByUuid(uuids[1] as string), 'LOG_RESPONSE_INVALID', /names log 0000/);
    });

    it('checks witness cosignatures: verified when pinned, unpinned otherwise, failed when forged', async () => {
      const w1 = testWitness('witness.example/one');
      const w2 = testWitness('witness.example/two');
      const cp = await log.latestCheckpoint();
      const cosigned = cosignCheckpoint(cp.note, [w1, w2]);
      const v = await verifyCheckpoint(cosigned, { ...trust, witnesses: [parseVerifierKey(w1.vkey)] });
      assert.deepEqual(
        v.cosignatures.map((c) => [c.name, c.state, c.timestamp]),
        [
          ['witness.example/one', 'verified', 1_800_000_000],
          ['witness.example/two', 'unpinned', undefined],
        ],
      );
      // A line under w2's name and key ID whose signature is not w2's fails.
      const [dash, name, blob] = w2.cosignLine(cp.text).trimEnd().split(' ');
      const bytes = Buffer.from(blob ?? '', 'base64');
      bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
      const forged = await verifyCheckpoint(`${cp.note}${dash} ${name} ${bytes.toString('base64')}\n`, { ...trust, witnesses: [parseVerifierKey(w2.vkey)] });
      assert.equal(forged.cosignatures[0]?.state, 'failed');
      // Cosignatures the log serves (attached as a witness's) come back verified.
      await f.logs[0].attachCosignature(cp.checkpoint.size, parseVkey(w1.vkey), w1.cosignLine(cp.text));
      const served = await new VerifiedLog(f.url, { ...trust, witnesses: [parseVerifierKey(w1.vkey)] }).latestCheckpoint();
      assert.deepEqual(served.cosignatures.map((c) => c.state), ['verified']);
    });

    it('verifies that a newer checkpoint extends an older one, and reports a rewind or a fork', async () => {
      const older = (await log.latestCheckpoint()).checkpoint;
      const client = new RekorClient(f.url);
      for (let i = 0; i < 3; i++) await client.submit(hashedRekord(key, `later ${keyType} ${i}`));
      const newer = (await log.latestCheckpoint()).checkpoint;
      assert.equal(newer.size, older.size + 3);
      await log.verifyExtends(older, newer);
      await log.verifyExtends(older, older);
      await log.verifyExtends({ ...older, size: 0, root: EMPTY_ROOT }, newer);
      await rejectsWith(log.verifyExtends(newer, older), 'INCONSISTENT', /smaller/);
      // Log 1 has the same keys and another history.
      const other = new RekorClient(f.url);
      f.serve(1);
      for (let i = 0; i < newer.size + 2; i++) await other.submit(hashedRekord(key, `fork ${keyType} ${i}`));
      const forked = (await log.latestCheckpoint()).checkpoint;
      await rejectsWith(log.verifyExtends(newer, forked), 'PROOF_INVALID');
      await rejectsWith(log.verifyExtends({ ...forked, size: newer.size, root: forked.root }, newer), 'INCONSISTENT', /two different trees/);
      // A tampered consistency proof fails too.
      f.serve(0);
      rewriteJson(f, '/api/v1/log/proof', (v) => {
        v['hashes'][0] = 'ff'.repeat(32);
      });
      await rejectsWith(log.verifyExtends(older, newer), 'PROOF_INVALID');
    });

    it('verifies the checkpoint history page by page', async () => {
      const page = await log.checkpointHistory(0, 3);
      assert.equal(page.checkpoints.length, 3);
      assert.equal(page.next, (page.checkpoints[2]?.checkpoint.size ?? 0) + 1);
      assert.ok(page.checkpoints.every((c, i, all) => i === 0 || c.checkpoint.size > (all[i - 1]?.checkpoint.size ?? 0)));
    });

    it('finds entries by artifact digest and public key', async () => {
      const digest = createHash('sha256').update(`entry ${keyType} 3`).digest('hex');
      const ids = await log.search({ hash: `sha256:${digest}` });
      assert.deepEqual(ids.map((id) => id.slice(-64)), [uuids[3]]);
      const byKey = await log.search({ publicKey: { format: 'x509', content: Buffer.from(key.pem).toString('base64') } });
      assert.ok(byKey.length >= 5);
    });
  });
}

describe('client tiles: the root from the log\'s tiles', () => {
  let f: FrontedLogs;
  let log: VerifiedLog;
  before(async () => {
    f = await startFrontedLogs('ecdsa-p256');
    log = new VerifiedLog(f.url, { logKey: LogKey.fromPem(f.identity.publicKeyPem) }, { retries: 0 });
  });
  after(async () => {
    await f?.close();
  });

  it('equals every signed checkpoint root as the tree grows past a full tile, and fails on a changed tile', async () => {
    const key = ecKey('P-256');
    const client = new RekorClient(f.url);
    let total = 0;
    for (const batch of [1, 2, 61, 192, 45]) {
      await Promise.all(Array.from({ length: batch }, (_, i) => client.submit(hashedRekord(key, `tile ${total + i}`))));
      total += batch;
      const cp = await log.latestCheckpoint();
      assert.equal(cp.checkpoint.size, total);
      await log.verifyTiles(cp.checkpoint);
    }
    const cp = (await log.latestCheckpoint()).checkpoint;
    f.proxy.fault = (req) => (req.url.startsWith('/tile/0/001') ? { kind: 'rewrite', body: (b) => Buffer.concat([Buffer.alloc(32, 7), b.subarray(32)]) } : undefined);
    await rejectsWith(log.verifyTiles(cp), 'PROOF_INVALID', /tiles: they hash to/);
    f.proxy.fault = (req) => (req.url.startsWith('/tile/0/001') ? { kind: 'rewrite', body: (b) => b.subarray(32) } : undefined);
    await rejectsWith(log.verifyTiles(cp), 'PROOF_INVALID', /bytes, not/);
  });

  it('computes the empty root and single-leaf roots like the server hasher', async () => {
    assert.deepEqual(await rootFromTiles(0, async () => new Uint8Array(0)), new Uint8Array(EMPTY_ROOT));
    const leaf = leafHash(randomBytes(40));
    assert.deepEqual(await rootFromTiles(1, async () => leaf), new Uint8Array(leaf));
  });
});

describe('client cryptography against node:crypto', () => {
  it('hashes leaves and nodes as the server does', () => {
    for (let i = 0; i < 50; i++) {
      const data = randomBytes(i * 7);
      assert.deepEqual(nobleHasher.leafHash(data), new Uint8Array(leafHash(data)));
      const l = randomBytes(32);
      const r = randomBytes(32);
      assert.deepEqual(nobleHasher.nodeHash(l, r), new Uint8Array(nodeHash(l, r)));
    }
  });

  it('verifies ECDSA P-256 DER signatures made by node:crypto, and refuses changed ones', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
    for (let i = 0; i < 20; i++) {
      const msg = randomBytes(i * 13);
      const sig = new Uint8Array(sign('sha256', msg, privateKey));
      assert.equal(await verifyEcdsaP256(spki, msg, sig), true);
      const bad = sig.slice();
      bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 1;
      assert.equal(await verifyEcdsaP256(spki, msg, bad), false);
      assert.equal(await verifyEcdsaP256(spki, Buffer.concat([msg, Buffer.from('x')]), sig), false);
    }
  });

  it('converts only well-formed DER ECDSA signatures', () => {
    const der = (r: number[], s: number[]): Uint8Array => new Uint8Array([0x30, r.length + s.length + 4, 0x02, r.length, ...r, 0x02, s.length, ...s]);
    assert.deepEqual(derToP1363(der([1], [2]), 32)?.slice(30, 34), new Uint8Array([0, 1, 0, 0]));
    assert.equal(derToP1363(der([0x80], [1]), 32), undefined, 'negative');
    assert.equal(derToP1363(der([0, 1], [1]), 32), undefined, 'not minimal');
    assert.equal(derToP1363(der(new Array(34).fill(1), [1]), 32), undefined, 'too long');
    const ok = der([0, 0x80, ...new Array(31).fill(1)], [5]);
    assert.equal(derToP1363(ok, 32)?.[0], 0x80);
    assert.equal(derToP1363(new Uint8Array([...ok, 0]), 32), undefined, 'trailing bytes');
  });

  it('reads Ed25519 and P-256 PEM keys and refuses others', () => {
    const ed = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    assert.equal(LogKey.fromPem(ed).type, 'ed25519');
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    assert.throws(() => LogKey.fromPem(p384), (err: unknown) => isLogError(err, 'KEY_INVALID'));
    assert.throws(() => LogKey.fromPem('not a key'), (err: unknown) => isLogError(err, 'KEY_INVALID'));
  });
});

describe('cairn/client package export', () => {
  it('resolves to the client library from this package (ESM, with types)', () => {
    const root = new URL('../../../', import.meta.url).pathname;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', "const c = await import('cairn/client'); console.log(typeof c.VerifiedLog, typeof c.LogKey.fromPem)"], {
      encoding: 'utf8',
      cwd: root,
    });
    assert.equal(out.trim(), 'function function');
    assert.ok(existsSync(`${root}dist/src/client/index.d.ts`), 'npm run build writes the declarations');
  });
});

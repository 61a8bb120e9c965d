/**
 * The integrity audit over a real SQLite file: a clean pass reaches the
 * checkpoint root; an entry body or a tile hash changed in the file while
 * the log was stopped (out of the self-check's reach) is found, the log
 * turns read-only, and the mismatch says where with both hashes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IntegrityAudit, type AuditMismatch } from '../../src/log/index.js';
import { leafHash } from '../../src/merkle/index.js';
import { openDatabase, openSqliteStore, toAsyncStore } from '../../src/storage/index.js';
import { openTestLog, rawEntry, type TestLog } from '../support/test-log.js';

describe('IntegrityAudit', function () {
  this.timeout(60_000);
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-audit-'));
    path = join(dir, 'cairn.db');
    const t = await openTestLog(openSqliteStore({ path }), { batchMaxSize: 1000 });
    for (let k = 0; k < 3; k++) await Promise.all(Array.from({ length: 700 }, (_, i) => t.log.submit(rawEntry(`audited ${k} ${i}`))));
    await t.log.close();
    t.store.close();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The log reopened on the file, and an audit of it whose mismatches turn it read-only. */
  async function audited(): Promise<{ t: TestLog; audit: IntegrityAudit; found: AuditMismatch[] }> {
    const t = await openTestLog(openSqliteStore({ path }));
    const found: AuditMismatch[] = [];
    const audit = new IntegrityAudit({
      store: toAsyncStore(t.store),
      latest: () => t.log.reader.latest(),
      ratePerSecond: 1000,
      now: () => t.clock.now(),
      onMismatch: (reason, m) => {
        found.push(m);
        t.log.stopWriting(reason);
      },
    });
    return { t, audit, found };
  }

  async function runPass(audit: IntegrityAudit): Promise<void> {
    const passes = audit.status().passes;
    for (let guard = 0; guard < 100 && audit.status().passes === passes && audit.status().mismatch === undefined; guard++) await audit.step();
  }

  it('audits the new tree after a rotation, even one during a pass, at its global indices', async () => {
    const { t, audit, found } = await audited();
    const tree = (): { id: string; firstIndex: number } => ({ id: t.log.identity.treeId, firstIndex: t.log.reader.firstIndex });
    const rotating = new IntegrityAudit({ store: toAsyncStore(t.store), latest: () => t.log.reader.latest(), tree, ratePerSecond: 1000, now: () => t.clock.now(), onMismatch: (_reason, m) => void found.push(m) });
    assert.equal(await rotating.step(), 64, 'a pass of the first tree started');
    await t.log.rotate();
    await Promise.all(Array.from({ length: 300 }, (_, i) => t.log.submit(rawEntry(`after rotation ${i}`))));
    await runPass(rotating);
    assert.deepEqual(found, []);
    assert.equal(rotating.status().passes, 1);
    assert.equal(rotating.status().target, 300, 'the pass covered the new tree');
    void audit;
    await t.log.close();
  });

  it('completes a pass over an intact log up to the checkpoint root, 64 entries per step', async () => {
    const { t, audit, found } = await audited();
    assert.equal(t.log.status().size, 2100);
    assert.equal(await audit.step(), 64);
    assert.deepEqual([audit.status().position, audit.status().target], [64, 2100]);
    await runPass(audit);
    assert.deepEqual(found, []);
    assert.equal(audit.status().passes, 1);
    assert.equal(audit.status().entriesChecked, 2100);
    assert.equal(audit.status().position, 0, 'the next pass starts over');
    assert.equal(t.log.status().readOnly, undefined);
    await t.log.close();
    t.store.close();
  });

  it('finds an entry body changed in the file: read-only, with the index and both hashes', async () => {
    const db = openDatabase(path);
    const body = Buffer.from(db.prepare('SELECT body FROM entries WHERE idx = 300').pluck().get() as Buffer);
    const changed = Buffer.from(body);
    changed[3] = changed[3]! ^ 0x01;
    db.prepare('UPDATE entries SET body = ? WHERE idx = 300').run(changed);
    db.close();

    const { t, audit, found } = await audited();
    assert.equal(t.log.status().readOnly, undefined, 'the start-up self-check does not reach entry 300');
    await runPass(audit);
    assert.equal(found.length, 1);
    assert.deepEqual(found[0], {
      index: 300,
      what: "entry 300's body does not hash to its stored leaf hash",
      expected: Buffer.from(leafHash(body)).toString('hex'),
      found: Buffer.from(leafHash(changed)).toString('hex'),
    });
    assert.match(t.log.status().readOnly ?? '', /^integrity audit: entry 300's body does not hash to its stored leaf hash \(expected [0-9a-f]{64}, found [0-9a-f]{64}\)/);
    await assert.rejects(t.log.submit(rawEntry('after the damage')), /read-only|refus/i);
    assert.equal(await audit.step(), 0, 'stopped at the first mismatch');
    assert.equal(audit.status().position, 256, 'where it stopped');
    await t.log.close();
    t.store.close();
  });

  it('finds a leaf-group row changed in the file (a copy of a hash the rebuilt tile does not show)', async () => {
    const db = openDatabase(path);
    const row = Buffer.from(db.prepare('SELECT hashes FROM leaf_groups WHERE grp = 9').pluck().get() as Buffer);
    row[31 * 32] = row[31 * 32]! ^ 0x01; // hash 31: group 9's tree-level-5 sibling, shown in tile 0/0 from group 8's copy
    db.prepare('UPDATE leaf_groups SET hashes = ? WHERE grp = 9').run(row);
    db.close();

    const { t, audit, found } = await audited();
    await runPass(audit);
    assert.deepEqual(found, [{ tile: '0/0', what: "leaf group 9 of tile 0/0 does not match the tile's hashes" }]);
    await t.log.close();
    t.store.close();
  });

  it('finds a level-1 tile hash changed in the file', async () => {
    const db = openDatabase(path);
    const row = db.prepare('SELECT hashes FROM tiles WHERE level = 1 AND idx = 0').pluck().get() as Buffer | undefined;
    assert.ok(row !== undefined, 'the level-1 tile is a row');
    const changed = Buffer.from(row);
    changed[32 * 3] = changed[32 * 3]! ^ 0x80; // hash 3 of row 0: the root of tile 0/3
    db.prepare('UPDATE tiles SET hashes = ? WHERE level = 1 AND idx = 0').run(changed);
    db.close();

    const { t, audit, found } = await audited();
    await runPass(audit);
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.equal(found[0]!.tile, '1/0');
    assert.match(found[0]!.what, /tile 1\/0/);
    assert.notEqual(t.log.status().readOnly, undefined);
    await t.log.close();
    t.store.close();
  });
});

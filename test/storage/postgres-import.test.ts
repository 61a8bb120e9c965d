/**
 * The bulk-import contract of the PostgreSQL store (src/storage/postgres/import.ts)
 * on a real server: an import starts only on an empty database; a chunk is
 * one transaction from the stored head (compare-and-swap) to a checkpoint's
 * size, invisible until committed; the store refuses to open the database
 * until the import is finished, and then serves and extends the imported log
 * as one it had written itself; search keys, cosignatures and meta are
 * additive; a second importer is refused. A log of several trees: its
 * `shards` rows and each tree's tables recorded first, each tree's chunks
 * into its own tables, the head moved into the next tree only from the
 * previous one's final size, and the head frozen with the last row.
 */
import assert from 'node:assert/strict';
import { isLogError } from '../../src/errors.js';
import { EMPTY_ROOT, RightEdge, TILE_WIDTH, type Tile } from '../../src/merkle/index.js';
import { openPostgresImport, openPostgresStore, type CheckpointRow, type PostgresImport, type ShardRow, type StoredEntry } from '../../src/storage/index.js';
import { usePostgres } from '../support/postgres.js';
import { assertEntry, checkpoint, entry } from './fixtures.js';

/** Entries [from, to) and the tiles the right edge makes for them (full level-0 ones apart). */
function grow(edge: RightEdge, from: number, to: number): { entries: StoredEntry[]; full: Tile[]; tiles: Tile[]; root: Uint8Array } {
  const entries = Array.from({ length: to - from }, (_, i) => entry(from + i));
  const made = edge.append(entries.map((e) => e.leafHash)).tiles;
  const isFull = (t: Tile): boolean => t.level === 0 && t.width === TILE_WIDTH;
  return { entries, full: made.filter(isFull), tiles: made.filter((t) => !isFull(t)), root: edge.root() };
}

function cp(size: number, root: Uint8Array, salt = ''): CheckpointRow {
  return { ...checkpoint(size, salt), root };
}

const rejectsWith = (code: string, message: RegExp) => (e: unknown): boolean => {
  assert.ok(isLogError(e, code as never), String(e));
  assert.match(e.message, message);
  return true;
};

describe('PostgresImport', function () {
  this.timeout(60_000);
  const server = usePostgres();
  const open: PostgresImport[] = [];
  async function importInto(url: string, schema?: string): Promise<PostgresImport> {
    const i = await openPostgresImport({ url, ...(schema === undefined ? {} : { schema }) });
    open.push(i);
    return i;
  }
  afterEach(async () => {
    await Promise.all(open.splice(0).map((i) => i.close()));
  });

  it('imports chunk by chunk; the store refuses the database until finished, then serves and extends the log', async () => {
    const url = await server().createDatabase();
    const imp = await importInto(url);
    assert.deepEqual(await imp.status(), { state: 'empty' });
    await imp.begin('/data', [['origin', 'example.com/log - 42'], ['treeId', '42']], 1000);
    assert.deepEqual(await imp.status(), { state: 'importing', source: '/data', startedMs: 1000, tree: 0, size: 0, hasCheckpoint: false });
    await assert.rejects(openPostgresStore({ url }), rejectsWith('CONFIG_INVALID', /cairn migrate has not finished copying the log from \/data/));

    const edge = RightEdge.empty();
    const empty = edge.root();
    // Chunk 1: size 0 → 300 in two statements, a full level-0 tile among them.
    const c1 = await imp.chunk(0);
    const a = grow(edge, 0, 200);
    await c1.addEntries(a.entries, a.full);
    const b = grow(edge, 200, 300);
    await c1.addEntries(b.entries, b.full);
    assert.equal(await imp.reads.entryByIndex(0), undefined, 'nothing visible before the commit');
    await c1.commit({ size: 300, checkpoints: [cp(0, empty), cp(120, Buffer.alloc(32, 1)), cp(300, b.root)], tiles: [...b.tiles] });
    assert.deepEqual(await imp.status(), { state: 'importing', source: '/data', startedMs: 1000, tree: 0, size: 300, hasCheckpoint: true });

    // Chunk 2: 300 → 520; the partial tile 0/1 becomes full (its row replaced by leaf groups).
    const c2 = await imp.chunk(300);
    const c = grow(edge, 300, 520);
    await c2.addEntries(c.entries, c.full);
    await c2.commit({ size: 520, checkpoints: [cp(300, b.root), cp(520, c.root)], tiles: c.tiles });
    await imp.addSearchKeys([{ key: 'sha256:x', index: 3 }, { key: 'sha256:x', index: 519 }]);
    await imp.addSearchKeys([{ key: 'sha256:x', index: 3 }]);
    await imp.addCosignatures([{ size: 520, witness: 'w2', line: '— w2 b' }, { size: 520, witness: 'w1', line: '— w1 a' }]);
    await imp.addCosignatures([{ size: 520, witness: 'w2', line: '— w2 b' }]);
    await imp.addMeta([['origin', 'example.com/log - 42'], ['vkey', 'v']]);
    assert.deepEqual(await imp.counts(), { entries: 520, entryEnd: 520, searchKeys: 2, leafGroups: 32, tiles: 2, checkpoints: 4, cosignatures: 2 });
    await imp.finish(520);
    assert.deepEqual(await imp.status(), { state: 'log', tree: 0, size: 520 });

    const store = await openPostgresStore({ url });
    try {
      assert.deepEqual(Buffer.from((await store.latestCheckpoint())?.root ?? []), Buffer.from(c.root));
      assertEntry(await store.entryByIndex(257), entry(257));
      assert.deepEqual(await store.searchKey('sha256:x', 10), [3, 519]);
      assert.deepEqual((await store.cosignatures(520)).map((r) => r.witness), ['w2', 'w1'], 'in the order given');
      assert.equal((await store.tile(0, 1))?.width, TILE_WIDTH);
      assert.equal((await store.tile(0, 2))?.width, 520 - 512);
      assert.equal(await store.getMeta('vkey'), 'v');
      // The store extends the imported log as its own.
      const d = grow(edge, 520, 600);
      await store.appendBatch(520, { entries: d.entries, searchKeys: [], tiles: [...d.full, ...d.tiles], checkpoint: cp(600, d.root) });
      assert.equal((await store.latestCheckpoint())?.size, 600);
    } finally {
      await store.close();
    }
    await assert.rejects(imp.addSearchKeys([{ key: 'k', index: 1 }]), rejectsWith('INCONSISTENT', /no import is in progress/));
    await assert.rejects(imp.chunk(600), rejectsWith('INCONSISTENT', /no import is in progress/));
  });

  it('begins only on an empty database, and one importer at a time', async () => {
    const url = await server().createDatabase();
    const store = await openPostgresStore({ url });
    await store.setMeta('origin', 'x');
    await store.close();
    const imp = await importInto(url);
    assert.deepEqual(await imp.status(), { state: 'log', tree: 0, size: 0 });
    await assert.rejects(imp.begin('/data', [], 1), rejectsWith('CONFIG_INVALID', /is not empty \(it holds a log of size 0\)/));

    const fresh = await server().createDatabase();
    const first = await importInto(fresh);
    await assert.rejects(openPostgresImport({ url: fresh }), (e: unknown) => isLogError(e, 'CONFIG_INVALID') && (e.details as { busy?: boolean }).busy === true && /another cairn migrate/.test(e.message));
    await first.begin('/a', [], 1);
    await assert.rejects(first.begin('/b', [], 2), rejectsWith('CONFIG_INVALID', /not empty \(it holds an unfinished import from \/a\)/));
  });

  it('imports into a schema of its own (created), one importer per schema, beside an import into the URL\'s schema', async () => {
    const url = await server().createDatabase();
    const main = await importInto(url);
    const v2 = await importInto(url, 'cairn_rekor_v2');
    assert.match(v2.label, / \(schema cairn_rekor_v2\)$/);
    await assert.rejects(openPostgresImport({ url, schema: 'cairn_rekor_v2' }), (e: unknown) => isLogError(e, 'CONFIG_INVALID') && (e.details as { busy?: boolean }).busy === true && /another cairn migrate is copying into this schema/.test(e.message));
    await v2.begin('/v2', [['origin', 'v2']], 1);
    assert.deepEqual(await main.status(), { state: 'empty' }, 'the URL\'s schema untouched');
    assert.deepEqual(await v2.status(), { state: 'importing', source: '/v2', startedMs: 1, tree: 0, size: 0, hasCheckpoint: false });
    await assert.rejects(openPostgresStore({ url, schema: 'cairn_rekor_v2' }), rejectsWith('CONFIG_INVALID', /\(schema cairn_rekor_v2\): cairn migrate has not finished/));
  });

  it('refuses rows that do not fit, leaving the copy at its last committed chunk', async () => {
    const url = await server().createDatabase();
    const imp = await importInto(url);
    await imp.begin('/data', [['origin', 'o']], 1);
    const edge = RightEdge.empty();
    const a = grow(edge, 0, 10);
    const c1 = await imp.chunk(0);
    await c1.addEntries(a.entries, []);
    await c1.commit({ size: 10, checkpoints: [cp(10, a.root)], tiles: a.tiles });

    await assert.rejects(imp.chunk(5), rejectsWith('INCONSISTENT', /the copy has size 10, not 5/));
    const c2 = await imp.chunk(10);
    await assert.rejects(c2.addEntries([entry(11)], []), rejectsWith('INCONSISTENT', /index 11, not 10/));
    const c3 = await imp.chunk(10);
    await c3.addEntries([entry(10)], []);
    await assert.rejects(c3.commit({ size: 11, checkpoints: [cp(10, a.root)], tiles: [] }), rejectsWith('INCONSISTENT', /no checkpoint at that size/));
    const c4 = await imp.chunk(10);
    await c4.addEntries([entry(10)], []);
    await assert.rejects(c4.commit({ size: 11, checkpoints: [cp(10, Buffer.alloc(32, 9)), cp(11, Buffer.alloc(32))], tiles: [] }), rejectsWith('INCONSISTENT', /checkpoint at size 10 has another root/));
    const c5 = await imp.chunk(10);
    await assert.rejects(c5.addEntries([{ ...entry(3), index: 10 }], []), rejectsWith('INCONSISTENT', /couldn't import entries: duplicate key value .*leaf_hash/));
    assert.deepEqual((await imp.status()), { state: 'importing', source: '/data', startedMs: 1, tree: 0, size: 10, hasCheckpoint: true }, 'still at the last committed chunk');
    assert.equal((await imp.counts()).entries, 10);

    await assert.rejects(imp.addSearchKeys([{ key: 'k', index: 10 }]), rejectsWith('INCONSISTENT', /index 10 is not below the copy's size 10/));
    await assert.rejects(imp.addCosignatures([{ size: 7, witness: 'w', line: '— w x' }]), rejectsWith('INCONSISTENT', /1 of their checkpoints are not in the copy/));
    await assert.rejects(imp.addMeta([['origin', 'other']]), rejectsWith('INCONSISTENT', /meta origin: the copy holds another value/));
    assert.equal((await imp.counts()).searchKeys, 0);
  });

  it('a re-signed checkpoint at the head replaces the stored note and drops the old note’s cosignatures', async () => {
    const url = await server().createDatabase();
    const imp = await importInto(url);
    await imp.begin('/data', [], 1);
    const edge = RightEdge.empty();
    const a = grow(edge, 0, 5);
    const c1 = await imp.chunk(0);
    await c1.addEntries(a.entries, []);
    await c1.commit({ size: 5, checkpoints: [cp(5, a.root)], tiles: a.tiles });
    await imp.addCosignatures([{ size: 5, witness: 'w', line: '— w old' }]);
    const c2 = await imp.chunk(5);
    await c2.commit({ size: 5, checkpoints: [cp(5, a.root, 'resigned')], tiles: [] });
    assert.equal((await imp.reads.checkpointAt(5))?.note, cp(5, a.root, 'resigned').note);
    assert.deepEqual(await imp.reads.cosignatures(5), []);
  });

  it('imports a log of several trees: rows and tables first, each tree into its own tables, the head frozen with the last row', async () => {
    const url = await server().createDatabase();
    const imp = await importInto(url);
    await imp.begin('/data', [['origin', 'o']], 1);
    const row = (ordinal: number, firstIndex: number, frozenSize?: number): ShardRow => ({
      ordinal, treeId: `${ordinal + 40}`, firstIndex, publicKeyPem: `key ${ordinal}`, noteKeyPem: undefined, createdMs: 100 * ordinal, frozenSize, frozenMs: frozenSize === undefined ? undefined : 100 * ordinal + 50,
    });
    await imp.addShards([row(0, 0, 10), row(1, 10)]);
    await imp.addShards([row(0, 0, 10), row(1, 10)]);
    await assert.rejects(imp.addShards([row(0, 0, 10), { ...row(1, 10), treeId: '99' }]), rejectsWith('INCONSISTENT', /tree 1 \(41\) is not the source's/));
    const e0 = RightEdge.empty();
    const a = grow(e0, 0, 10);
    await assert.rejects(imp.chunk(0, 1), rejectsWith('INCONSISTENT', /is at size 0 of tree 0, not at size 0 of tree 1/), 'tree 1 only from tree 0\'s final size');
    const c0 = await imp.chunk(0);
    await c0.addEntries(a.entries, []);
    await c0.commit({ size: 10, checkpoints: [cp(0, EMPTY_ROOT), cp(10, a.root)], tiles: a.tiles });
    const e1 = RightEdge.empty();
    const entries = Array.from({ length: 5 }, (_, i) => entry(10 + i));
    const made = e1.append(entries.map((e) => e.leafHash));
    const c1 = await imp.chunk(0, 1);
    await assert.rejects(c1.addEntries([entry(0)], []), rejectsWith('INCONSISTENT', /index 0, not 10/), 'tree 1 starts at global index 10');
    const c2 = await imp.chunk(0, 1);
    await c2.addEntries(entries, []);
    await c2.commit({ size: 5, checkpoints: [cp(0, EMPTY_ROOT, 't1'), cp(5, e1.root(), 't1')], tiles: made.tiles });
    assert.deepEqual(await imp.status(), { state: 'importing', source: '/data', startedMs: 1, tree: 1, size: 5, hasCheckpoint: true });
    await imp.addCosignatures([{ size: 5, witness: 'w', line: '— w t1' }], 1);
    await assert.rejects(imp.addCosignatures([{ size: 5, witness: 'w', line: '— w t0' }]), rejectsWith('INCONSISTENT', /not in the copy's tree 0/));
    await imp.addSearchKeys([{ key: 'k', index: 14 }]);
    await assert.rejects(imp.addSearchKeys([{ key: 'k', index: 15 }]), rejectsWith('INCONSISTENT', /index 15 is not below the copy's size 15/));
    assert.deepEqual(await imp.counts(1), { entries: 15, entryEnd: 15, searchKeys: 1, leafGroups: 0, tiles: 1, checkpoints: 2, cosignatures: 1 });
    // The source froze its active tree since: the row follows, and the head with it.
    await imp.addShards([row(0, 0, 10), row(1, 10, 5)]);
    await assert.rejects(imp.finish(5), rejectsWith('INCONSISTENT', /no import at size 5 of tree 0/));
    await imp.finish(5, 1);
    assert.deepEqual(await imp.status(), { state: 'log', tree: 1, size: 5 });

    const store = await openPostgresStore({ url });
    try {
      assert.deepEqual((await store.shards()).map((r) => [r.ordinal, r.treeId, r.firstIndex, r.frozenSize]), [[0, '40', 0, 10], [1, '41', 10, 5]]);
      assert.equal((await store.latestCheckpoint())?.note, cp(5, e1.root(), 't1').note);
      assert.equal((await (await store.frozenTree(0)).checkpointAt(10))?.note, cp(10, a.root).note);
      assertEntry(await store.entryByIndex(12), entry(12));
      await assert.rejects(store.appendBatch(5, { entries: [entry(15)], searchKeys: [], tiles: [], checkpoint: cp(6, Buffer.alloc(32)) }), rejectsWith('INCONSISTENT', /the log is frozen/));
    } finally {
      await store.close();
    }
  });
});

/**
 * Rekor v1's sharded API after rotations (rekor-v1.md §1, §3, §7): LogInfo
 * lists the frozen trees in inactiveShards; logIndex is global, the proof's
 * logIndex the tree's; entry IDs carry the tree ID; lookups by global index,
 * UUID and entry ID reach the right tree; publicKey and proof take treeID;
 * each tree is served as a tlog-tiles log under /shard/<treeID>/.
 */
import assert from 'node:assert/strict';
import request from 'supertest';
import { verifyConsistency, verifyInclusion } from '../../src/merkle/index.js';
import { openNote } from '../../src/note/index.js';
import { ADMIN_TOKEN, adminAccess, ecKey, hashedRekord, testApp } from '../support/http.js';
import { stagedKeys } from '../support/shards.js';
import { openTestLog, testKey } from '../support/test-log.js';

const fromHex = (h: string): Buffer => Buffer.from(h, 'hex');

describe('the sharded Rekor API', () => {
  it('serves every tree after two rotations, each entry from its own tree with its global index', async () => {
    const t = await openTestLog(undefined, { nextKeys: stagedKeys(testKey(11)) });
    const { app } = await testApp({ access: adminAccess() }, t);
    const auth = `Bearer ${ADMIN_TOKEN}`;
    const key = ecKey();
    const created: Array<{ id: string; index: number; tree: string }> = [];
    const bodies: object[] = [];
    const submit = async (data: string): Promise<void> => {
      const body = hashedRekord(key, data);
      bodies.push(body);
      const res = await request(app).post('/api/v1/log/entries').set('Authorization', auth).send(body).expect(201);
      const id = res.headers['etag']!;
      created.push({ id, index: res.body[id].logIndex, tree: t.log.identity.treeId });
    };
    for (let i = 0; i < 3; i++) await submit(`first ${i}`);
    const first = t.log.identity;
    const r1 = await request(app).post('/api/v1/admin/rotate').set('Authorization', auth).send({}).expect(200);
    assert.equal(r1.body.frozen.treeID, first.treeId);
    assert.equal(r1.body.active.firstIndex, 3);
    for (let i = 0; i < 2; i++) await submit(`second ${i}`);
    const second = t.log.identity;
    assert.notEqual(second.logId, first.logId, 'the staged key signs the second tree');
    await request(app).post('/api/v1/admin/rotate').set('Authorization', auth).expect(200);
    await submit('third');
    const third = t.log.identity;
    assert.equal(third.logId, second.logId, 'no other key staged: the third tree keeps the second key');

    const info = (await request(app).get('/api/v1/log').expect(200)).body;
    assert.equal(info.treeID, third.treeId);
    assert.equal(info.treeSize, 1);
    assert.deepEqual(info.inactiveShards.map((s: { treeID: string; treeSize: number }) => [s.treeID, s.treeSize]), [[first.treeId, 3], [second.treeId, 2]]);
    openNote(info.inactiveShards[0].signedTreeHead, [...first.checkpointVerifiers]);

    const trees = new Map([[first.treeId, first], [second.treeId, second], [third.treeId, third]]);
    created.forEach((c, i) => assert.equal(c.index, i, 'logIndex is global and dense across trees'));
    for (const c of created) {
      const identity = trees.get(c.tree)!;
      assert.equal(c.id.slice(0, 16), identity.treeIdHex, 'the entry ID carries its tree ID');
      for (const url of [`/api/v1/log/entries?logIndex=${c.index}`, `/api/v1/log/entries/${c.id}`, `/api/v1/log/entries/${c.id.slice(16)}`]) {
        const body = (await request(app).get(url).expect(200)).body;
        const e = body[c.id];
        assert.ok(e, `${url} answers the entry under its entry ID`);
        assert.equal(e.logIndex, c.index);
        assert.equal(e.logID, identity.logId);
        const p = e.verification.inclusionProof;
        assert.equal(p.logIndex, c.index - (c.tree === first.treeId ? 0 : c.tree === second.treeId ? 3 : 5), 'the proof index is the tree-local one');
        verifyInclusion(p.logIndex, p.treeSize, fromHex(c.id.slice(16)), p.hashes.map(fromHex), fromHex(p.rootHash));
        openNote(p.checkpoint, [...identity.checkpointVerifiers]);
      }
    }
    const wrongTree = `${second.treeIdHex}${created[0]!.id.slice(16)}`;
    await request(app).get(`/api/v1/log/entries/${wrongTree}`).expect(404);
    const retrieved = (await request(app).post('/api/v1/log/entries/retrieve').set('Authorization', auth).send({ logIndexes: [0, 3, 5] }).expect(200)).body;
    assert.deepEqual(retrieved.map((e: object) => Object.keys(e)[0]), [created[0]!.id, created[3]!.id, created[5]!.id]);

    const dup = await request(app).post('/api/v1/log/entries').set('Authorization', auth).send(bodies[0]!).expect(409);
    assert.equal(dup.headers['location'], `/api/v1/log/entries/${created[0]!.id}`, 'a duplicate names the frozen tree holding it');

    assert.equal((await request(app).get(`/api/v1/log/publicKey?treeID=${first.treeId}`).expect(200)).text, first.publicKeyPem);
    assert.equal((await request(app).get('/api/v1/log/publicKey').expect(200)).text, third.publicKeyPem);
    await request(app).get('/api/v1/log/publicKey?treeID=77').expect(400);
    const proof = (await request(app).get(`/api/v1/log/proof?treeID=${first.treeId}&firstSize=1&lastSize=3`).expect(200)).body;
    const cp1 = t.store.frozenTree!(0).checkpointAt(1)!;
    verifyConsistency(1, 3, cp1.root, fromHex(proof.rootHash), proof.hashes.map(fromHex));
    await request(app).get(`/api/v1/log/proof?treeID=${first.treeId}&firstSize=1&lastSize=4`).expect(400);

    const frozenCp = (await request(app).get(`/shard/${first.treeId}/checkpoint`).expect(200)).text;
    assert.equal(frozenCp, info.inactiveShards[0].signedTreeHead);
    assert.equal((await request(app).get(`/shard/${third.treeId}/checkpoint`).expect(200)).text, (await request(app).get('/checkpoint')).text);
    const tile = await request(app).get(`/shard/${second.treeId}/tile/0/000.p/2`).buffer(true).expect(200);
    assert.deepEqual(Buffer.from(tile.body), Buffer.concat([fromHex(created[3]!.id.slice(16)), fromHex(created[4]!.id.slice(16))]));
    await request(app).get(`/shard/${second.treeId}/tile/0/000.p/3`).expect(404);
    await request(app).get('/shard/99/checkpoint').expect(404);

    const root = (await request(app).get('/api/v1/log/trusted-root').expect(200)).body;
    assert.deepEqual(root.tlogs.map((x: { logId: { keyId: string } }) => Buffer.from(x.logId.keyId, 'base64').toString('hex')), [first.logId, second.logId], 'one key per run of trees');
    assert.ok(root.tlogs[0].publicKey.validFor.end !== undefined && root.tlogs[1].publicKey.validFor.end === undefined);
  });
});

/**
 * Two and three real `cairn serve` nodes on one PostgreSQL database under
 * concurrent load, clients spread over every node: exactly one node
 * sequences; every entry acknowledged by any node is in the one dense,
 * gap-free log exactly once; every checkpoint any node served is consistent
 * with the final tree; every node serves the same log; Go's x/mod
 * recomputes the tree from the tiles (crash/verify.ts does all of it).
 * An entry one node answered 201 for is served at once by every node.
 */
import assert from 'node:assert/strict';
import { TestCluster } from '../support/cluster.js';
import { Ledger } from '../support/crash/ledger.js';
import { pollCheckpoints, runLoad } from '../support/crash/load.js';
import { verifyRestartedLog } from '../support/crash/verify.js';
import { getBytes, getJson, httpRequest, keepAliveAgent } from '../support/http-client.js';
import { prng } from '../support/prng.js';
import { SignedEntryFactory } from '../support/signed-entries.js';
import { usePostgres } from '../support/postgres.js';

/** Resolves once the node at `url` serves a tree of `size` (a follower adopts the sequencer's checkpoints within moments). */
async function followed(url: string, size: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if ((await getJson<{ treeSize: number }>(url, '/api/v1/log')).treeSize >= size) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${url} never served the tree of size ${size}`);
}

describe('several nodes on one PostgreSQL database', function () {
  this.timeout(180_000);
  const server = usePostgres();

  for (const nodes of [2, 3]) {
    describe(`when ${nodes} nodes take submissions at once`, () => {
      it('builds one dense log holding every acknowledged entry once, consistent with every checkpoint served, on every node', async () => {
        const cluster = await TestCluster.start({ databaseUrl: await server().createDatabase(), nodes, leaseTtlMs: 5_000 });
        try {
          const leader = await cluster.sequencer();
          assert.ok(leader !== undefined);
          const roles = await Promise.all(cluster.urls.map((_, i) => cluster.health(i)));
          assert.deepEqual(roles.map((r) => r?.role).sort(), [...Array(nodes - 1).fill('follower'), 'sequencer'].sort());
          const holder = roles[leader]!.nodeId;
          for (const r of roles) assert.equal(r?.holder, holder, 'every node names the sequencer');

          const url = cluster.urls[leader]!;
          const vkey = (await getBytes(url, '/api/v1/log/vkey')).toString('utf8').trim();
          const treeIdHex = BigInt((await getJson<{ treeID: string }>(url, '/api/v1/log')).treeID).toString(16).padStart(16, '0');
          const ledger = new Ledger(vkey, treeIdHex);
          const factory = new SignedEntryFactory(`${nodes} nodes`);
          const agent = keepAliveAgent(64);
          let stopped = false;
          let created = 0;
          const loads = cluster.liveUrls().map((u) =>
            runLoad({ url: u, agent, concurrency: 8, factory, ledger, epoch: 0, stopped: () => stopped, onCreated: () => void (++created >= 600 && (stopped = true)) }),
          );
          const polls = cluster.liveUrls().map((u) => pollCheckpoints(u, agent, ledger, 0, () => stopped, 20));
          const results = await Promise.all(loads);
          await Promise.all(polls);
          agent.destroy();
          for (const r of results) {
            assert.deepEqual(r.unexpected, []);
            assert.deepEqual(r.unanswered, []);
            assert.ok(r.created > 0, 'every node got entries acknowledged');
          }
          const v = await verifyRestartedLog({ url, agent: keepAliveAgent(4), vkey, treeIdHex, ledger, epoch: 0, rnd: prng(nodes), go: true });
          assert.deepEqual(v.losses, []);
          assert.deepEqual(v.inconsistencies, []);
          assert.deepEqual(ledger.problems, []);
          assert.equal(ledger.acks.size, results.reduce((n, r) => n + r.created, 0), 'one index per acknowledged entry');
          assert.deepEqual([...ledger.acks.keys()].sort((a, b) => a - b), Array.from({ length: ledger.acks.size }, (_, i) => i), 'dense from 0');
          assert.equal(v.treeSize, ledger.acks.size, 'nothing in the log that was not acknowledged');
          // Every node serves the same log once it followed the sequencer's latest checkpoint.
          for (const u of cluster.liveUrls()) {
            await followed(u, v.treeSize);
            const fv = await verifyRestartedLog({ url: u, agent: keepAliveAgent(2), vkey, treeIdHex, ledger, epoch: -1, rnd: prng(1), go: false });
            assert.deepEqual([...fv.losses, ...fv.inconsistencies], [], u);
          }
        } finally {
          await cluster.stop();
        }
      });
    });
  }

  it('serves an entry from every node as soon as any node answered 201 for it (by index, by UUID, with the proof)', async () => {
    const cluster = await TestCluster.start({ databaseUrl: await server().createDatabase(), nodes: 2, leaseTtlMs: 5_000 });
    try {
      const leader = await cluster.sequencer();
      assert.ok(leader !== undefined);
      const urls = cluster.urls.map((u) => u!);
      const factory = new SignedEntryFactory('read back');
      for (let i = 0; i < 20; i++) {
        const via = urls[i % 2]!;
        const other = urls[(i + 1) % 2]!;
        const created = await httpRequest(via, 'POST', '/api/v1/log/entries', { body: factory.next().json });
        assert.equal(created.status, 201, created.body.toString('utf8'));
        const [[uuid, entry]] = Object.entries(JSON.parse(created.body.toString('utf8')) as Record<string, { logIndex: number }>) as [[string, { logIndex: number }]];
        for (const u of [via, other]) {
          const byIndex = await httpRequest(u, 'GET', `/api/v1/log/entries?logIndex=${entry.logIndex}`);
          assert.equal(byIndex.status, 200, `round ${i}, ${u === urls[leader] ? 'sequencer' : 'follower'} by index: ${byIndex.body.toString('utf8')}`);
          const byUuid = await httpRequest(u, 'GET', `/api/v1/log/entries/${uuid}`);
          assert.equal(byUuid.status, 200, `round ${i} by UUID: ${byUuid.body.toString('utf8')}`);
        }
      }
    } finally {
      await cluster.stop();
    }
  });
});

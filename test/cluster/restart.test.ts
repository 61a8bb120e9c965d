/**
 * A lone real `cairn serve` node on PostgreSQL, SIGKILLed under writes and
 * started again (same host, same --node-url, as systemd or Kubernetes
 * would): it reclaims its previous process's lease, which is still live for
 * most of a long --lease-ttl-ms, and answers its first 201 well within that
 * TTL instead of answering writes 503 until the lease expires; every entry
 * acknowledged before the kill is still in the log, which stays consistent
 * with every checkpoint served (crash/verify.ts).
 */
import assert from 'node:assert/strict';
import { TestCluster } from '../support/cluster.js';
import { Ledger } from '../support/crash/ledger.js';
import { postgresLogProblems } from '../support/crash/postgres-log.js';
import { verifyRestartedLog } from '../support/crash/verify.js';
import { getBytes, getJson, httpRequest, keepAliveAgent } from '../support/http-client.js';
import { logRecord } from '../support/lines.js';
import { prng } from '../support/prng.js';
import { freePort } from '../support/registry.js';
import { SignedEntryFactory } from '../support/signed-entries.js';
import { usePostgres } from '../support/postgres.js';

describe('a lone node on PostgreSQL restarted after SIGKILL', function () {
  this.timeout(120_000);
  const server = usePostgres();

  it("reclaims its previous process's live lease and answers 201 well within the TTL, every acknowledged entry kept", async () => {
    const ttl = 30_000;
    const databaseUrl = await server().createDatabase();
    const port = await freePort();
    const nodeUrl = `http://127.0.0.1:${port}`;
    const cluster = await TestCluster.start({ databaseUrl, nodes: 1, leaseTtlMs: ttl, serverArgs: ['--port', String(port), '--node-url', nodeUrl] });
    const agent = keepAliveAgent(8);
    try {
      assert.equal(await cluster.sequencer(), 0);
      const url = cluster.urls[0]!;
      assert.equal(url, nodeUrl);
      const vkey = (await getBytes(url, '/api/v1/log/vkey')).toString('utf8').trim();
      const treeIdHex = BigInt((await getJson<{ treeID: string }>(url, '/api/v1/log')).treeID).toString(16).padStart(16, '0');
      const ledger = new Ledger(vkey, treeIdHex);
      const factory = new SignedEntryFactory('restart reclaim');
      const submit = async (epoch: number): Promise<number> => {
        const e = factory.next();
        const r = await httpRequest(url, 'POST', '/api/v1/log/entries', { agent, body: e.json, timeoutMs: 10_000 });
        if (r.status === 201) ledger.recordCreated(JSON.parse(r.body.toString('utf8')), epoch);
        return r.status;
      };
      for (let i = 0; i < 8; i++) {
        const statuses = await Promise.all(Array.from({ length: 8 }, () => submit(0)));
        assert.deepEqual(new Set(statuses), new Set([201]));
      }
      const before = (await cluster.health(0))!;
      ledger.recordCheckpoint((await getBytes(url, '/checkpoint', agent)).toString('utf8'), 0);

      await cluster.kill(0);
      agent.destroy();
      const restarted = performance.now();
      await cluster.startNode(0);
      const serving = performance.now() - restarted;
      let firstCreated: number | undefined;
      let refused = 0;
      while (firstCreated === undefined) {
        const status = await submit(1);
        if (status === 201) firstCreated = performance.now() - restarted;
        else {
          assert.equal(status, 503);
          refused++;
          assert.ok(performance.now() - restarted < ttl + 10_000, 'no 201 within the TTL');
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
      const figure = `first 201 ${Math.round(firstCreated)} ms after the restart began (serving after ${Math.round(serving)} ms, ${refused} writes refused 503 meanwhile; --lease-ttl-ms ${ttl})`;
      assert.ok(firstCreated < 5_000, figure);

      const after = (await cluster.health(0))!;
      assert.equal(after.role, 'sequencer');
      assert.equal(after.epoch, before.epoch + 1, 'the reclaim bumped the epoch');
      assert.notEqual(after.nodeId, before.nodeId);
      const reclaimed = cluster.procs[0]!.logs.map(logRecord).find((rec) => typeof rec?.['msg'] === 'string' && rec['msg'].startsWith('lease reclaimed'));
      assert.ok(reclaimed !== undefined, 'the reclaim is logged');
      assert.equal(reclaimed['previousHolder'], before.nodeId);

      for (let i = 0; i < 4; i++) assert.equal(await submit(1), 201);
      const v = await verifyRestartedLog({ url, agent: keepAliveAgent(4), vkey, treeIdHex, ledger, epoch: 1, rnd: prng(11), go: false });
      assert.deepEqual(v.losses, []);
      assert.deepEqual(v.inconsistencies, []);
      assert.deepEqual(ledger.problems, []);
      assert.deepEqual(await postgresLogProblems(databaseUrl), []);
      assert.equal(v.treeSize, ledger.acks.size, 'every acknowledged entry, each once');
      console.log(`      ${figure}`);
    } finally {
      agent.destroy();
      await cluster.stop();
    }
  });
});

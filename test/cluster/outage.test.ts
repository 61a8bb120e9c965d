/**
 * Two real `cairn serve` nodes on one PostgreSQL database under writes
 * through both, and the database server dies (SIGQUIT: PostgreSQL's
 * immediate shutdown) for longer than the sequencer lease lives:
 *
 * - both nodes answer writes 503 with Retry-After at once, not held until
 *   the database returns; /readyz says `database unreachable`, /healthz
 *   still answers; reads that need no database (the log's info, the latest
 *   checkpoint) are served, the rest answer 200 or 503, never 500;
 * - once the server is started again, writes resume on both nodes without
 *   restarting them, exactly one node sequences, and the log is dense,
 *   holds every acknowledged entry once and is consistent with every
 *   checkpoint served before, during and after (crash/verify.ts), with no
 *   half-written batch in the database (crash/postgres-log.ts).
 */
import assert from 'node:assert/strict';
import { TestCluster } from '../support/cluster.js';
import { Ledger } from '../support/crash/ledger.js';
import { postgresLogProblems } from '../support/crash/postgres-log.js';
import { verifyRestartedLog } from '../support/crash/verify.js';
import { getBytes, getJson, httpRequest, keepAliveAgent } from '../support/http-client.js';
import { prng } from '../support/prng.js';
import { SignedEntryFactory } from '../support/signed-entries.js';
import { usePostgres } from '../support/postgres.js';

interface Answer {
  readonly node: number;
  /** performance.now() when the request was sent. */
  readonly sent: number;
  readonly ms: number;
  readonly status: number;
  readonly retryAfter: string | undefined;
  readonly text: string;
}

/** Resolves once `cond()` holds (checked every 20 ms); rejects after `timeoutMs` naming `what`. */
async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!(await cond())) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('two nodes on one PostgreSQL database when the database server goes down', function () {
  this.timeout(120_000);
  const server = usePostgres();

  it('answers writes 503 at once on both nodes, keeps serving reads, and resumes writes with one sequencer once the database is back', async () => {
    const ttl = 1_500;
    const databaseUrl = await server().createDatabase();
    const cluster = await TestCluster.start({ databaseUrl, nodes: 2, leaseTtlMs: ttl });
    const agent = keepAliveAgent(16);
    let writing = true;
    let writers: Array<Promise<void>> = [];
    try {
      assert.ok((await cluster.sequencer()) !== undefined);
      const urls = cluster.urls.map((u) => u!);
      const vkey = (await getBytes(urls[0]!, '/api/v1/log/vkey')).toString('utf8').trim();
      const treeIdHex = BigInt((await getJson<{ treeID: string }>(urls[0]!, '/api/v1/log')).treeID).toString(16).padStart(16, '0');
      const ledger = new Ledger(vkey, treeIdHex);
      const factory = new SignedEntryFactory('database outage');
      const answers: Answer[] = [];
      const created = (node: number, after: number): number => answers.filter((a) => a.node === node && a.sent > after && a.status === 201).length;

      // Three writers per node, each posting new entries back to back; a 503 is retried with a new entry.
      writers = urls.flatMap((url, node) =>
        Array.from({ length: 3 }, async () => {
          while (writing) {
            const e = factory.next();
            const sent = performance.now();
            const r = await httpRequest(url, 'POST', '/api/v1/log/entries', { agent, body: e.json, timeoutMs: 30_000 });
            answers.push({ node, sent, ms: performance.now() - sent, status: r.status, retryAfter: r.headers['retry-after'] as string | undefined, text: r.body.toString('utf8') });
            if (r.status === 201) ledger.recordCreated(JSON.parse(r.body.toString('utf8')), 0);
            else if (r.status === 503) await new Promise((res) => setTimeout(res, 20));
          }
        }),
      );
      await until(() => created(0, 0) >= 10 && created(1, 0) >= 10, 'writes through both nodes');
      const before = await getBytes(urls[0]!, '/checkpoint');
      ledger.recordCheckpoint(before.toString('utf8'), 0);

      // The database server dies.
      await server().crash();
      const downAt = performance.now();
      // Both nodes see it: /readyz says so, /healthz still answers.
      for (const url of urls) {
        await until(async () => (await httpRequest(url, 'GET', '/readyz')).status === 503, `${url}/readyz to fail`, 10_000);
        const ready = await httpRequest(url, 'GET', '/readyz');
        assert.equal(JSON.parse(ready.body.toString('utf8')).reason, 'database unreachable');
        assert.equal((await httpRequest(url, 'GET', '/healthz')).status, 200);
      }
      // The lease lapses (no renewal reaches the database): no node sequences.
      await until(async () => (await Promise.all(urls.map((_, i) => cluster.health(i)))).every((h) => h !== undefined && h.role !== 'sequencer'), 'the sequencer to step down', 10_000);
      const settled = performance.now();
      await until(() => answers.filter((a) => a.sent > settled).length >= 20, '20 answers while the database is down', 10_000);
      const down = answers.filter((a) => a.sent > downAt + 500);
      assert.ok(down.some((a) => a.node === 0) && down.some((a) => a.node === 1), 'both nodes answered while the database was down');
      for (const a of down) {
        assert.equal(a.status, 503, `node ${a.node}: ${a.status} ${a.text}`);
        assert.ok(a.retryAfter !== undefined && Number(a.retryAfter) >= 1, `node ${a.node}: 503 with Retry-After (${a.retryAfter})`);
        assert.ok(a.ms < 2_000, `node ${a.node} answered at once, not held (${Math.round(a.ms)} ms)`);
      }
      // Reads: what needs no database is served; the rest is 200 or 503, never anything else.
      for (const url of urls) {
        assert.equal((await httpRequest(url, 'GET', '/api/v1/log')).status, 200);
        const cp = await httpRequest(url, 'GET', '/checkpoint');
        assert.equal(cp.status, 200);
        ledger.recordCheckpoint(cp.body.toString('utf8'), 0);
        for (const path of ['/api/v1/log/entries?logIndex=0', '/tile/0/000.p/1', `/api/v1/log/proof?firstSize=1&lastSize=2`]) {
          const r = await httpRequest(url, 'GET', path);
          assert.ok(r.status === 200 || r.status === 503, `${url}${path}: ${r.status} ${r.body.toString('utf8').slice(0, 200)}`);
        }
      }

      // The database comes back: writes resume on both nodes, which were never restarted.
      await server().restart();
      const upAt = performance.now();
      await until(() => created(0, upAt) >= 10 && created(1, upAt) >= 10, 'writes through both nodes after the database came back');
      for (const url of urls) await until(async () => (await httpRequest(url, 'GET', '/readyz')).status === 200, `${url}/readyz to pass again`, 10_000);
      const resumedMs = Math.min(...answers.filter((a) => a.sent > upAt && a.status === 201).map((a) => a.sent + a.ms)) - upAt;
      writing = false;
      await Promise.all(writers);
      console.log(`      outage: ${down.length} writes answered 503 while down (slowest ${Math.round(Math.max(...down.map((a) => a.ms)))} ms); first 201 ${Math.round(resumedMs)} ms after the database was back`);
      for (const a of answers) assert.ok(a.status === 201 || a.status === 503, `node ${a.node}: ${a.status} ${a.text}`);

      // Exactly one node sequences, and both name it.
      const roles = await Promise.all(urls.map((_, i) => cluster.health(i)));
      assert.deepEqual(roles.map((r) => r?.role).sort(), ['follower', 'sequencer']);
      const holder = roles.find((r) => r?.role === 'sequencer')!.nodeId;
      for (const r of roles) assert.equal(r?.holder, holder);
      // Dense, every acknowledged entry once, consistent with every checkpoint seen; nothing half-written.
      const leader = roles.findIndex((r) => r?.role === 'sequencer');
      const v = await verifyRestartedLog({ url: urls[leader]!, agent: keepAliveAgent(4), vkey, treeIdHex, ledger, epoch: 0, rnd: prng(7), go: false });
      assert.deepEqual(v.losses, []);
      assert.deepEqual(v.inconsistencies, []);
      assert.deepEqual(ledger.problems, []);
      assert.deepEqual(await postgresLogProblems(databaseUrl), []);
      assert.ok(v.treeSize >= ledger.acks.size);
    } finally {
      writing = false;
      await Promise.all(writers).catch(() => undefined);
      agent.destroy();
      await cluster.stop();
    }
  });
});

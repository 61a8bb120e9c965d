/**
 * Rotation and freeze of a log served by two real `cairn serve` nodes on one
 * PostgreSQL database, clients submitting to both nodes at once:
 *
 * - a rotation sent to the sequencing node (with a staged key) loses no
 *   acknowledged entry, keeps global indices dense, and every node comes to
 *   serve both trees (`inactiveShards`, entries with proofs, `/shard/<treeID>/`
 *   tiles that Go's x/mod verifies);
 * - the other node, taking over after the sequencing node is killed,
 *   sequences into the new tree with the staged key;
 * - a freeze sent to the node that does not sequence is relayed to the
 *   sequencing node, and holds on every node (/readyz `frozen`) and across
 *   restarts.
 */
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestCluster } from '../support/cluster.js';
import { goToolPath, runGoTool } from '../support/go.js';
import { getJson, httpRequest, keepAliveAgent } from '../support/http-client.js';
import { usePostgres } from '../support/postgres.js';
import { AUTH, checkAfterRotation, pollCheckpoints, submitUntil, writeAdminTokens, type Answer, type Seen } from '../support/rotation-load.js';
import { SignedEntryFactory } from '../support/signed-entries.js';

/** Clients per node. */
const CLIENTS = 6;

interface LogInfo {
  treeID: string;
  treeSize: number;
  inactiveShards?: Array<{ treeID: string; treeSize: number }>;
}

/** Resolves with the node's log info once `ok` holds for it (a node follows the database every 200 ms). */
async function until(url: string, ok: (info: LogInfo) => boolean): Promise<LogInfo> {
  let info: LogInfo | undefined;
  for (let i = 0; i < 500; i++) {
    info = await getJson<LogInfo>(url, '/api/v1/log');
    if (ok(info)) return info;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${url} never served the expected trees: ${JSON.stringify(info)}`);
}

/** Resolves with /readyz's body once its reason is `reason`. */
async function readyReason(url: string, reason: string): Promise<Record<string, unknown>> {
  let body: Record<string, unknown> = {};
  for (let i = 0; i < 500; i++) {
    const r = await httpRequest(url, 'GET', '/readyz');
    body = JSON.parse(r.body.toString('utf8')) as Record<string, unknown>;
    if (body['reason'] === reason) return body;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${url}/readyz never said ${reason}: ${JSON.stringify(body)}`);
}

describe('two nodes on one PostgreSQL database: rotation and freeze', function () {
  this.timeout(240_000);
  const server = usePostgres();
  let cluster: TestCluster | undefined;
  let files: string;
  beforeEach(() => {
    files = mkdtempSync(join(tmpdir(), 'cairn-rotation-'));
  });
  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
    rmSync(files, { recursive: true, force: true });
  });

  it('rotates under load from both nodes: nothing acknowledged is lost, indices stay dense, both nodes serve both trees, and the other node sequences into the new tree after a takeover', async () => {
    const started = await startClusterWithFiles(await server().createDatabase(), files);
    cluster = started.cluster;
    const leader = await cluster.sequencer();
    assert.ok(leader !== undefined);
    const other = 1 - leader;
    const [lead, follow] = [cluster.urls[leader]!, cluster.urls[other]!];
    const before = await getJson<LogInfo>(lead, '/api/v1/log');
    const vkey = (await httpRequest(lead, 'GET', '/api/v1/log/vkey')).body.toString('utf8').trim();

    const agent = keepAliveAgent(2 * CLIENTS + 4);
    const answers: Answer[] = [];
    const seen: Seen[] = [];
    let stop = false;
    const load = Promise.all([
      submitUntil(lead, agent, CLIENTS, () => stop, answers, `lead-${process.pid}`),
      submitUntil(follow, agent, CLIENTS, () => stop, answers, `follow-${process.pid}`),
    ]);
    const polling = Promise.all([pollCheckpoints(lead, agent, () => stop, seen), pollCheckpoints(follow, agent, () => stop, seen)]);
    const acked = (): number => answers.filter((a) => a.status === 201).length;
    while (acked() < 300) await new Promise((r) => setTimeout(r, 10));

    const start = performance.now();
    const r = await httpRequest(lead, 'POST', '/api/v1/admin/rotate', { agent, headers: AUTH, body: '{}' });
    const end = performance.now();
    assert.equal(r.status, 200, r.body.toString('utf8'));
    const rotation = JSON.parse(r.body.toString('utf8')) as { frozen: { treeID: string; treeSize: number }; active: { treeID: string; firstIndex: number }; pausedMs: number };
    const atRotation = acked();
    while (acked() < atRotation + 300) await new Promise((r) => setTimeout(r, 10));
    stop = true;
    await Promise.all([load, polling]);

    const failed = answers.filter((a) => a.status !== 201);
    const ok = answers.filter((a) => a.status === 201);
    const around = ok.filter((a) => a.end >= start && a.start <= end);
    console.log(
      `      two-node rotation under load: ${answers.length} requests (${CLIENTS} clients per node), ${failed.length} failed; frozen at ${rotation.frozen.treeSize}, ` +
        `${ok.length - rotation.frozen.treeSize} entries in the new tree; sequencer pause ${rotation.pausedMs} ms, rotate request ${(end - start).toFixed(1)} ms, ` +
        `longest submission across it ${Math.max(...around.map((a) => a.end - a.start)).toFixed(1)} ms (${around.length} requests)`,
    );
    assert.deepEqual(failed, [], 'no request failed');
    const indices = ok.map((a) => a.index!).sort((x, y) => x - y);
    assert.deepEqual(indices, Array.from({ length: ok.length }, (_, i) => i), 'answered once each, dense global indices');
    assert.equal(rotation.frozen.treeID, before.treeID);
    assert.equal(rotation.active.firstIndex, rotation.frozen.treeSize);

    for (const url of [lead, follow]) {
      const info = await until(url, (i) => i.treeID === rotation.active.treeID && i.treeSize + rotation.frozen.treeSize === ok.length);
      assert.deepEqual(info.inactiveShards?.map((s) => [s.treeID, s.treeSize]), [[before.treeID, rotation.frozen.treeSize]], `${url} lists the frozen tree`);
      await checkAfterRotation(url, agent, ok, seen);
      const key = (await httpRequest(url, 'GET', `/api/v1/log/publicKey?treeID=${rotation.active.treeID}`, { agent })).body.toString('utf8');
      assert.equal(key, publicPem(started.nextKey), 'the new tree is signed by the staged key');
    }
    assert.ok(seen.some((s) => s.treeId === before.treeID) && seen.some((s) => s.treeId === rotation.active.treeID), 'checkpoints of both trees were seen');

    if ((await goToolPath()) !== undefined) {
      const vkeys = new Map([[before.treeID, vkey], [rotation.active.treeID, (await httpRequest(follow, 'GET', '/api/v1/log/vkey')).body.toString('utf8').trim()]]);
      assert.notEqual(vkeys.get(rotation.active.treeID), vkey, 'the staged Ed25519 key is the new tree\'s note key');
      for (const url of [lead, follow]) {
        for (const [tree, treeVkey] of vkeys) {
          const g = await runGoTool(['verify-tiles', `${url}/shard/${tree}`, treeVkey]);
          assert.equal(g.code, 0, `Go x/mod over ${url}/shard/${tree}: ${g.stderr}`);
        }
      }
      console.log('      Go x/mod verify-tiles: both trees on both nodes');
    } else if (process.env['CAIRN_REQUIRE_GO'] === '1') assert.fail('Go is required (CAIRN_REQUIRE_GO=1) but not installed');
    else console.warn('      SKIPPED the Go x/mod check of the trees: go or golang.org/x/mod is not installed');

    // The sequencing node dies: the other one takes over and sequences into the new tree, with the staged key.
    await cluster.kill(leader);
    assert.equal(await cluster.sequencer(30_000), other);
    const factory = new SignedEntryFactory(`after-takeover-${process.pid}`);
    const added = await httpRequest(follow, 'POST', '/api/v1/log/entries', { agent, headers: AUTH, body: factory.next().json });
    assert.equal(added.status, 201, added.body.toString('utf8'));
    const id = String(added.headers['etag']);
    assert.equal((JSON.parse(added.body.toString('utf8')) as Record<string, { logIndex: number }>)[id]!.logIndex, ok.length, 'the next global index');
    assert.equal(id.slice(0, 16), BigInt(rotation.active.treeID).toString(16).padStart(16, '0'), 'an entry ID of the new tree');
    const after = await until(follow, (i) => i.treeSize + rotation.frozen.treeSize === ok.length + 1);
    assert.equal(after.treeID, rotation.active.treeID);
    // The killed node restarts with the same flags on the rotated database: it follows, serving the new tree.
    const restarted = await cluster.startNode(leader);
    const again = await until(restarted, (i) => i.treeSize + rotation.frozen.treeSize === ok.length + 1);
    assert.deepEqual([again.treeID, again.inactiveShards?.map((x) => x.treeID)], [rotation.active.treeID, [before.treeID]]);
    agent.destroy();
  });

  it('freezes the log on every node when asked of the node that does not sequence, and it stays frozen across restarts', async () => {
    const started = await startClusterWithFiles(await server().createDatabase(), files);
    cluster = started.cluster;
    const leader = await cluster.sequencer();
    assert.ok(leader !== undefined);
    const other = 1 - leader;
    const factory = new SignedEntryFactory(`freeze-${process.pid}`);
    for (const url of [cluster.urls[leader]!, cluster.urls[other]!]) {
      const r = await httpRequest(url, 'POST', '/api/v1/log/entries', { headers: AUTH, body: factory.next().json });
      assert.equal(r.status, 201, r.body.toString('utf8'));
    }
    // Relayed to the sequencing node, which runs it (admin-relay.ts).
    const frozen = await httpRequest(cluster.urls[other]!, 'POST', '/api/v1/admin/freeze', { headers: AUTH, body: '{}' });
    assert.equal(frozen.status, 200, frozen.body.toString('utf8'));
    assert.equal((JSON.parse(frozen.body.toString('utf8')) as { frozen: { treeSize: number } }).frozen.treeSize, 2);

    const check = async (): Promise<void> => {
      for (const url of cluster!.liveUrls()) {
        const ready = await readyReason(url, 'frozen');
        assert.equal(ready['treeSize'], 2, `${url} serves the final tree`);
        const r = await httpRequest(url, 'POST', '/api/v1/log/entries', { headers: AUTH, body: factory.next().json });
        assert.equal(r.status, 503, `${url} refuses a submission: ${r.body.toString('utf8')}`);
        assert.match(r.body.toString('utf8'), /frozen/);
      }
    };
    await check();
    await Promise.all([cluster.kill(0), cluster.kill(1)]);
    await cluster.startNode(0);
    await cluster.startNode(1);
    await cluster.sequencer(30_000);
    await check();
  });
});

/** Two nodes whose flags name an admin token file and a staged key, written in `dir`. */
async function startClusterWithFiles(databaseUrl: string, dir: string): Promise<{ cluster: TestCluster; nextKey: string }> {
  const tokens = join(dir, 'tokens.json');
  writeAdminTokens(tokens);
  const nextKey = join(dir, 'next-key.pem');
  writeFileSync(nextKey, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const cluster = await TestCluster.start({ databaseUrl, nodes: 2, leaseTtlMs: 2_000, serverArgs: ['--tokens-file', tokens, '--next-key-file', nextKey] });
  return { cluster, nextKey };
}

/** The SPKI PEM of a PKCS#8 key file. */
function publicPem(file: string): string {
  return createPublicKey(readFileSync(file)).export({ type: 'spki', format: 'pem' }).toString();
}

/**
 * A SIGKILL in the middle of a rotation, on the real server under load: the
 * kill lands at a different moment of the rotation each time (while the new
 * tree's first checkpoint is signed, while the batches in flight finish,
 * during or right after the transaction). The restarted server MUST come up
 * (its start-up check verifies every tree: a mix of the two states would fail
 * it) with either the old trees or one more, never anything else; a rotation
 * answered 200 MUST have survived; every entry acknowledged so far MUST be
 * at its global index with a proof that verifies, and every checkpoint seen
 * MUST be consistent with its tree's final or latest one. On SQLite and on
 * PostgreSQL (one node, restarted on the same database: it sequences again
 * once the killed process's lease expired).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getJson, httpRequest, keepAliveAgent } from '../support/http-client.js';
import { spawnServe, type Child } from '../support/crash/process.js';
import { usePostgres } from '../support/postgres.js';
import { AUTH, checkAfterRotation, pollCheckpoints, submitUntil, writeAdminTokens, type Answer, type Seen } from '../support/rotation-load.js';

/** Milliseconds between sending the rotation and the SIGKILL, one kill each. */
const KILL_DELAYS_MS = [0, 10, 25, 40, 60, 80, 100, 130, 170, 250];

describe('crash safety of a rotation (the real server, SIGKILLed mid-rotation)', function () {
  this.timeout(240_000);
  rotationCrash('SQLite', () => []);
  describe('on PostgreSQL', () => {
    const server = usePostgres();
    rotationCrash('PostgreSQL', async () => ['--database-url', await server().createDatabase(), '--lease-ttl-ms', '1000']);
  });
});

/** The run on a store: `storeArgs` are the serve flags that choose it (none: SQLite in the data dir). */
function rotationCrash(label: string, storeArgs: () => string[] | Promise<string[]>): void {
  let dir: string;
  let srv: Child | undefined;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-rotation-crash-'));
  });
  after(async () => {
    await srv?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`leaves the old state or the new one, never a mix, and loses no acknowledged entry (${label})`, async () => {
    const tokens = join(dir, 'tokens.json');
    writeAdminTokens(tokens);
    const args = ['--data-dir', join(dir, 'data'), '--tokens-file', tokens, '--public-url', 'http://crash.test', '--verify-workers', '0', ...(await storeArgs())];
    const acked: Answer[] = [];
    const seen: Seen[] = [];
    const outcomes = { old: 0, new: 0, answered: 0 };
    srv = spawnServe(args);
    let url = await srv.serving;
    for (const [k, delay] of KILL_DELAYS_MS.entries()) {
      const agent = keepAliveAgent(10);
      const trees = async (): Promise<number> => 1 + ((await getJson<{ inactiveShards?: unknown[] }>(url, '/api/v1/log', agent)).inactiveShards?.length ?? 0);
      const before = await trees();
      const answers: Answer[] = [];
      let stop = false;
      const load = submitUntil(url, agent, 8, () => stop, answers, `rotation-crash-${process.pid}-${k}`);
      const polling = pollCheckpoints(url, agent, () => stop, seen).catch(() => undefined);
      while (answers.filter((a) => a.status === 201).length < 30) await new Promise((r) => setTimeout(r, 5));
      let answered = false;
      const rotate = httpRequest(url, 'POST', '/api/v1/admin/rotate', { agent, headers: AUTH, body: '{}' }).then(
        (r) => void (answered = r.status === 200),
        () => undefined,
      );
      await new Promise((r) => setTimeout(r, delay));
      await srv.kill();
      stop = true;
      await Promise.all([load, polling, rotate]);
      agent.destroy();
      acked.push(...answers.filter((a) => a.status === 201));

      srv = spawnServe(args);
      url = await srv.serving; // the start-up check passed: every tree verifies
      const vagent = keepAliveAgent(4);
      const after = 1 + ((await getJson<{ inactiveShards?: unknown[] }>(url, '/api/v1/log', vagent)).inactiveShards?.length ?? 0);
      assert.ok(after === before || after === before + 1, `kill ${k}: ${before} trees before, ${after} after`);
      if (answered) assert.equal(after, before + 1, `kill ${k}: a rotation answered 200 survived`);
      if (after === before) outcomes.old++;
      else outcomes.new++;
      if (answered) outcomes.answered++;
      await checkAfterRotation(url, vagent, acked, seen);
      vagent.destroy();
    }
    console.log(
      `      rotation crash run (${label}): ${KILL_DELAYS_MS.length} SIGKILLs mid-rotation; old state ${outcomes.old}, new state ${outcomes.new} ` +
        `(${outcomes.answered} answered before the kill); ${acked.length} acknowledged entries all found at their global index, ${seen.length} checkpoints seen all consistent`,
    );
    assert.ok(acked.length > 0);
  });
}

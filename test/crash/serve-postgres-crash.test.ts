/**
 * The short crash run of one `cairn serve --database-url` node, alone on its
 * database, in `npm test`: SIGKILLed a few times under concurrent load and
 * restarted on the same database each time (test/support/crash/harness.ts).
 * No acknowledged entry may be lost or committed twice, every checkpoint seen
 * before a kill must be consistent with the tree after it, and the database
 * must hold the entries, head and checkpoint of whole batches only. The long
 * run is `npm run test:crash -- --postgres --kills N` (scripts/crash-run.ts).
 */
import assert from 'node:assert/strict';
import { formatCrashReport, runCrashTest } from '../support/crash/harness.js';
import { postgresLogProblems } from '../support/crash/postgres-log.js';
import { usePostgres } from '../support/postgres.js';

describe('crash safety of one node on PostgreSQL (the real server, SIGKILLed under load)', function () {
  this.timeout(120_000);
  const server = usePostgres();

  it('loses no acknowledged entry, commits none twice, and never serves a checkpoint inconsistent with an earlier one', async () => {
    const databaseUrl = await server().createDatabase();
    const report = await runCrashTest({
      kills: 3, seed: 20261203, concurrency: 12, maxLoadMs: 900, startupKillRate: 0.3,
      databaseUrl, leaseTtlMs: 600, checkStore: () => postgresLogProblems(databaseUrl),
    });
    console.log(`      crash run on PostgreSQL: ${formatCrashReport(report)}`);
    assert.deepEqual(report.losses, []);
    assert.deepEqual(report.inconsistencies, []);
    assert.ok(report.acknowledged > 0, 'the load got entries acknowledged');
    assert.equal(report.kills, 3);
  });
});

/**
 * The short crash campaign on PostgreSQL of `npm test`: three nodes on one
 * database under load spread over all of them, the sequencing node
 * SIGKILLed a few times; a standby takes over each time, no acknowledged
 * entry may be lost and every checkpoint seen must be consistent with the
 * tree after. The long run is `npm run test:crash:pg -- --kills N`
 * (scripts/cluster-crash-run.ts), which reports takeover times.
 */
import assert from 'node:assert/strict';
import { formatClusterCrashReport, percentile, runClusterCrashTest } from '../support/crash/cluster-harness.js';
import { usePostgres } from '../support/postgres.js';

describe('crash safety of several nodes on PostgreSQL (the sequencing node SIGKILLed under load)', function () {
  this.timeout(240_000);
  const server = usePostgres();

  it('loses no acknowledged entry, serves only consistent checkpoints, and a standby takes over every time', async () => {
    const ttl = 1_500;
    const report = await runClusterCrashTest({ databaseUrl: await server().createDatabase(), nodes: 3, kills: 3, leaseTtlMs: ttl, seed: 20261202, concurrency: 12, maxLoadMs: 900 });
    console.log(`      cluster crash run: ${formatClusterCrashReport(report)}`);
    assert.deepEqual(report.losses, []);
    assert.deepEqual(report.inconsistencies, []);
    assert.ok(report.acknowledged > 0, 'the load got entries acknowledged');
    assert.equal(report.takeoverMs.length, 3);
    // The lease expires within the TTL of the last renewal; a follower looks every fifth of it; then it rebuilds.
    assert.ok(percentile(report.takeoverMs, 100) < ttl * 3, `takeovers: ${report.takeoverMs.map(Math.round).join(', ')} ms`);
  });
});

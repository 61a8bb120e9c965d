/**
 * The short crash run of `npm test`: a few SIGKILLs of the real
 * server under concurrent load; no acknowledged entry may be lost and every
 * checkpoint seen before a kill must be consistent with the tree after it.
 * The long run is `npm run test:crash -- --kills N` (scripts/crash-run.ts).
 */
import assert from 'node:assert/strict';
import { formatCrashReport, runCrashTest } from '../support/crash/harness.js';

describe('crash safety (the real server, SIGKILLed under load)', function () {
  this.timeout(120_000);

  it('loses no acknowledged entry and never serves a checkpoint inconsistent with an earlier one', async () => {
    const report = await runCrashTest({ kills: 6, seed: 20260406, concurrency: 16, maxLoadMs: 900 });
    console.log(`      crash run: ${formatCrashReport(report)}`);
    assert.deepEqual(report.losses, []);
    assert.deepEqual(report.inconsistencies, []);
    assert.ok(report.acknowledged > 0, 'the load got entries acknowledged');
    assert.equal(report.kills, 6);
  });
});

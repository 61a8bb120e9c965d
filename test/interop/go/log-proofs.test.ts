import assert from 'node:assert/strict';
import { leafHash } from '../../../src/merkle/index.js';
import { requireGoOrSkip, runGoTool } from '../../support/go.js';
import { openTestLog, rawEntry } from '../../support/test-log.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('LogReader proofs checked by Go x/mod tlog', function () {
  before(async function () {
    await requireGoOrSkip(this);
  });

  describe('when the log grows in batches of odd sizes', () => {
    it('every inclusion proof at every published size, and consistency between published sizes, verify with tlog', async () => {
      const t = await openTestLog(undefined, { batchMaxSize: 13 });
      const n = 300;
      await Promise.all(Array.from({ length: n }, (_, i) => t.log.submit(rawEntry(`go ${i}`))));
      const cps = t.store.listCheckpoints(1, 1000);
      assert.ok(cps.length > 20);
      // Go tool runs are ~ms each; check a spread of (index, size) and all consecutive size pairs.
      const checks: Array<Promise<void>> = [];
      for (const cp of cps) {
        for (const index of new Set([0, Math.floor(cp.size / 2), cp.size - 1])) {
          const proof = (await t.log.reader.inclusionProof(index, cp.size));
          checks.push(
            runGoTool([
              'verify-inclusion', String(index), String(cp.size), hex(leafHash(Buffer.from(`go ${index}`))), hex(cp.root),
              proof.map(hex).join(','),
            ]).then((r) => assert.equal(r.code, 0, `inclusion ${index}@${cp.size}: ${r.stderr}`)),
          );
        }
      }
      for (let i = 0; i + 1 < cps.length; i++) {
        const a = cps[i]!;
        const b = cps[cps.length - 1 - (i % 3)]!;
        if (b.size <= a.size) continue;
        const proof = (await t.log.reader.consistencyProof(a.size, b.size));
        checks.push(
          runGoTool(['verify-consistency', String(a.size), String(b.size), hex(a.root), hex(b.root), proof.map(hex).join(',')]).then((r) =>
            assert.equal(r.code, 0, `consistency ${a.size}->${b.size}: ${r.stderr}`),
          ),
        );
      }
      await Promise.all(checks);
      // And a corrupted proof is rejected by Go too.
      const last = cps[cps.length - 1]!;
      const bad = (await t.log.reader.inclusionProof(5, last.size)).map(hex);
      bad[0] = bad[0]!.replace(/^./, (c) => (c === '0' ? '1' : '0'));
      const r = await runGoTool(['verify-inclusion', '5', String(last.size), hex(leafHash(Buffer.from('go 5'))), hex(last.root), bad.join(',')]);
      assert.equal(r.code, 1);
    });
  });
});

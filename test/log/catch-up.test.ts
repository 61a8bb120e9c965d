/**
 * CatchUp (src/log/catch-up.ts): reads beyond the published tree on a node
 * that does not sequence wait for a round of adoption that starts after they
 * asked; reads asking together share one; rounds run one at a time, at
 * least the gap apart; a failed round answers false.
 */
import assert from 'node:assert/strict';
import { CatchUp } from '../../src/log/catch-up.js';

/** An adoption whose rounds the test ends one by one; `starts` counts rounds begun. */
function gatedAdopt(): { adopt: () => Promise<void>; starts: () => number; finish: (ok?: boolean) => void } {
  const pending: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  let starts = 0;
  return {
    adopt: () =>
      new Promise<void>((resolve, reject) => {
        starts++;
        pending.push({ resolve, reject });
      }),
    starts: () => starts,
    finish: (ok = true) => {
      const p = pending.shift();
      assert.ok(p !== undefined, 'a round is under way');
      if (ok) p.resolve();
      else p.reject(new Error('the store cannot be reached'));
    },
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('CatchUp', () => {
  it('shares one round among reads asking together, and makes a read asking during a round wait for the next one', async () => {
    const g = gatedAdopt();
    const c = new CatchUp(g.adopt, 0);
    const first = Array.from({ length: 50 }, () => c.request());
    await tick();
    assert.equal(g.starts(), 1, 'one round for fifty reads');
    const during = c.request(); // the round under way may have read the store before this read's entry was committed
    let duringDone = false;
    void during.then(() => (duringDone = true));
    g.finish();
    assert.deepEqual(await Promise.all(first), new Array(50).fill(true));
    await tick();
    assert.equal(duringDone, false, 'the read that asked during the first round waits for the second');
    assert.equal(g.starts(), 2);
    g.finish();
    assert.equal(await during, true);
  });

  it('runs rounds at least the gap apart, so reads of what does not exist cost at most one round per gap', async () => {
    let rounds = 0;
    const c = new CatchUp(async () => void rounds++, 30);
    const t0 = performance.now();
    for (let i = 0; i < 4; i++) await c.request();
    const ms = performance.now() - t0;
    assert.equal(rounds, 4);
    assert.ok(ms >= 3 * 30 - 5, `4 rounds back to back took ${ms.toFixed(1)} ms, not under 3 gaps`);
  });

  it('answers false when the round fails, and tries again for the next read', async () => {
    const g = gatedAdopt();
    const c = new CatchUp(g.adopt, 0);
    const a = c.request();
    await tick();
    g.finish(false);
    assert.equal(await a, false);
    const b = c.request();
    await tick();
    g.finish();
    assert.equal(await b, true);
    assert.equal(g.starts(), 2);
  });
});

/**
 * Log-side witnessing: after each published checkpoint the WitnessCollector
 * submits the latest one to every witness (tlog-witness add-checkpoint),
 * verifies and attaches the cosignatures, never slows the write path,
 * backs off from a witness that is down, and coalesces.
 */
import assert from 'node:assert/strict';
import request from 'supertest';
import { ManualClock } from '../../src/clock.js';
import { createApp } from '../../src/http/index.js';
import { WitnessCollector, fetchTransport, newTreeId, type WitnessEndpoint, type WitnessEvent, type WitnessTransport } from '../../src/log/index.js';
import { parseNote, parseVkey, verifyCosignature, type CosignatureVerifier } from '../../src/note/index.js';
import { openTestLog, rawEntry, type TestLog } from '../support/test-log.js';
import { checkCosignatureBytes, startTestWitness, witnessedLogOf, type TestWitness } from '../support/witness.js';

const FAST = { backoffInitialMs: 10, backoffMaxMs: 40, requestTimeoutMs: 5_000, minIntervalMs: 0 };

function endpoint(w: TestWitness): WitnessEndpoint {
  return { url: w.url, verifier: w.verifier };
}

async function submit(t: TestLog, from: number, n: number): Promise<number[]> {
  const latencies: number[] = [];
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const start = performance.now();
      await t.log.submit(rawEntry(`collector entry ${from + i}`));
      latencies.push(performance.now() - start);
    }),
  );
  return latencies;
}

/** Resolves with the first event matching `pred`. */
function nextEvent(events: WitnessEvent[], listeners: Array<(e: WitnessEvent) => void>, pred: (e: WitnessEvent) => boolean): Promise<WitnessEvent> {
  const seen = events.find(pred);
  if (seen !== undefined) return Promise.resolve(seen);
  return new Promise((resolve) => listeners.push((e) => pred(e) && resolve(e)));
}

describe('WitnessCollector', () => {
  let t: TestLog;
  let a: TestWitness;
  let b: TestWitness;
  let collector: WitnessCollector | undefined;
  const events: WitnessEvent[] = [];
  const listeners: Array<(e: WitnessEvent) => void> = [];
  const onEvent = (e: WitnessEvent): void => {
    events.push(e);
    for (const l of listeners) l(e);
  };

  beforeEach(async () => {
    t = await openTestLog();
    a = await startTestWitness({ name: 'witness-a.test', seed: 31, logs: [witnessedLogOf(t)] });
    b = await startTestWitness({ name: 'witness-b.test', seed: 32, logs: [witnessedLogOf(t)] });
    events.length = 0;
    listeners.length = 0;
  });
  afterEach(async () => {
    await collector?.close();
    collector = undefined;
    await a.close();
    await b.close();
  });

  describe('when both witnesses are up', () => {
    it('serves the published checkpoint with both cosignatures after the log\'s signatures, each verifying', async () => {
      collector = new WitnessCollector(t.log, [endpoint(a), endpoint(b)], { ...FAST, clock: new ManualClock(), onEvent });
      await submit(t, 0, 5);
      const size = t.log.status().size;
      await Promise.all([collector.whenCosigned(a.name, size), collector.whenCosigned(b.name, size)]);

      const app = createApp({ log: t.log, maxRequestBytes: 1 << 20 });
      const note = (await request(app).get('/checkpoint').expect(200)).text;
      const parsed = parseNote(note);
      assert.equal(parseNote(t.store.latestCheckpoint()!.note).text, parsed.text);
      assert.deepEqual(parsed.signatures.map((s) => s.name), [t.identity.host, t.identity.host, a.name, b.name]);
      const lines = note.split('\n').filter((l) => l.startsWith('\u2014 witness-'));
      for (const [w, line] of [[a, lines[0]!], [b, lines[1]!]] as const) {
        const ts = verifyCosignature(w.verifier as CosignatureVerifier, parsed.text, line);
        assert.equal(checkCosignatureBytes(line, w.name, w.key, parsed.text), ts);
      }
      assert.equal(a.witness.latest(t.identity.origin)?.size, size, 'the witness recorded the size it cosigned');
      const status = collector.status();
      assert.deepEqual(status.map((s) => [s.name, s.cosignedSize, s.consecutiveFailures]), [[a.name, size, 0], [b.name, size, 0]]);
    });

    it('learns a witness\'s size from a 409 and submits from it', async () => {
      const first = new WitnessCollector(t.log, [endpoint(a)], { ...FAST, clock: new ManualClock() });
      await submit(t, 0, 3);
      await first.whenCosigned(a.name, 3);
      await first.close();
      await submit(t, 3, 2);
      collector = new WitnessCollector(t.log, [endpoint(a)], { ...FAST, clock: new ManualClock(), onEvent });
      await collector.whenCosigned(a.name, 5);
      assert.ok(events.some((e) => e.type === 'conflict' && e.witnessSize === 3));
      assert.equal(collector.status()[0]!.conflicts, 1);
      assert.equal(t.store.cosignatures(5).length, 1);
    });
  });

  describe('when the log rotates', () => {
    it('submits the new tree from size 0: a witness told about the new origin cosigns it, one that is not fails, shown in its status', async () => {
      const random = (n: number): Uint8Array => Buffer.alloc(n, 0x5a);
      const r = await openTestLog(undefined, { random });
      const newOrigin = `${r.identity.host} - ${newTreeId(random)}`;
      const told = await startTestWitness({ name: 'witness-told.test', seed: 33, logs: [witnessedLogOf(r), { origin: newOrigin, verifiers: [parseVkey(r.identity.vkey)] }] });
      const untold = await startTestWitness({ name: 'witness-untold.test', seed: 34, logs: [witnessedLogOf(r)] });
      const c = new WitnessCollector(r.log, [endpoint(told), endpoint(untold)], { ...FAST, clock: new ManualClock(), onEvent });
      try {
        await submit(r, 0, 3);
        await Promise.all([c.whenCosigned(told.name, 3), c.whenCosigned(untold.name, 3)]);
        await r.log.rotate();
        assert.equal(r.log.identity.origin, newOrigin);
        await submit(r, 3, 2);
        await nextEvent(events, listeners, (e) => e.type === 'cosigned' && e.witness === told.name && e.size === 2);
        await nextEvent(events, listeners, (e) => e.type === 'failed' && e.witness === untold.name);
        assert.ok(events.some((e) => e.type === 'rotated' && e.witness === told.name), 'the worker started over');
        assert.equal(told.witness.latest(newOrigin)?.size, 2, 'the told witness cosigned the new tree');
        assert.equal(told.witness.latest(r.log.shards()[0]!.identity.origin)?.size, 3, 'and keeps the frozen tree\'s state');
        assert.equal(r.store.cosignatures(2).length, 1, 'its cosignature is served with the new tree\'s checkpoint');
        const untoldStatus = c.status().find((x) => x.name === untold.name)!;
        assert.match(untoldStatus.lastError ?? '', /404|unknown log origin/, 'the untold witness refuses the new origin, shown in its status');
      } finally {
        await c.close();
        await told.close();
        await untold.close();
      }
    });
  });

  describe('when a witness is down', () => {
    it('leaves writes unaffected, shows the failure, and attaches the cosignature once the witness is back', async () => {
      await b.down();
      collector = new WitnessCollector(t.log, [endpoint(a), endpoint(b)], { ...FAST, clock: new ManualClock(), onEvent });
      const failed = nextEvent(events, listeners, (e) => e.type === 'failed' && e.witness === b.name);
      const latencies = await submit(t, 0, 40);
      const size = t.log.status().size;
      assert.equal(size, 40);
      assert.ok(Math.max(...latencies) < 1_000, `every entry answered promptly (max ${Math.max(...latencies).toFixed(1)} ms)`);
      assert.equal(t.log.status().failedBatches, 0);
      assert.equal(t.log.status().readOnly, undefined);
      await collector.whenCosigned(a.name, size);
      await failed;

      const app = createApp({ log: t.log, maxRequestBytes: 1 << 20, witnessStatus: () => collector!.status() });
      const metrics = (await request(app).get('/metrics').expect(200)).text;
      assert.match(metrics, new RegExp(`cairn_witness_up\\{witness="${b.name}",url="[^"]+"\\} 0`));
      assert.match(metrics, new RegExp(`cairn_witness_up\\{witness="${a.name}",url="[^"]+"\\} 1`));
      assert.match(metrics, /cairn_tree_size 40\n/);
      let note = (await request(app).get('/checkpoint')).text;
      assert.equal(parseNote(note).signatures.length, 3, 'the log\'s two signatures and witness A\'s');

      await b.up();
      await collector.whenCosigned(b.name, size);
      note = (await request(app).get('/checkpoint')).text;
      assert.deepEqual(parseNote(note).signatures.map((s) => s.name).slice(2).sort(), [a.name, b.name]);
      assert.equal(collector.status()[1]!.consecutiveFailures, 0);
    });
  });

  describe('when checkpoints are published faster than a witness answers', () => {
    it('submits only the latest one once the witness is free (coalescing)', async () => {
      let release: () => void = () => undefined;
      const gate = new Promise<void>((r) => (release = r));
      let sent = 0;
      const slow: WitnessTransport = async (url, body, signal) => {
        sent++;
        if (sent === 1) await gate;
        return fetchTransport(url, body, signal);
      };
      collector = new WitnessCollector(t.log, [endpoint(a)], { ...FAST, clock: new ManualClock(), transport: slow });
      for (let i = 0; i < 30; i++) await t.log.submit(rawEntry(`one by one ${i}`));
      assert.equal(t.log.status().batches, 30, '30 checkpoints published');
      release();
      await collector.whenCosigned(a.name, 30);
      assert.ok(sent <= 2, `the size-0 submission and then only the latest (${sent} requests)`);
      assert.equal(t.store.cosignatures(30).length, 1);
    });
  });

  describe('when a minimum interval between submissions is set', () => {
    it('submits at most once per interval, then the latest checkpoint', async () => {
      collector = new WitnessCollector(t.log, [endpoint(a)], { ...FAST, minIntervalMs: 150, clock: new ManualClock() });
      await collector.whenCosigned(a.name, 0);
      for (let i = 0; i < 10; i++) await t.log.submit(rawEntry(`interval ${i}`));
      const before = a.requests;
      await collector.whenCosigned(a.name, 10);
      assert.ok(a.requests - before <= 2, `${a.requests - before} requests for 10 checkpoints`);
    });
  });

  describe('when a witness answers 200 without a valid cosignature', () => {
    it('attaches nothing and retries', async () => {
      const forged: WitnessTransport = async () => ({ status: 200, contentType: 'text/plain', body: `\u2014 ${a.name} AAAAAAAAAAAAAAAA\n` });
      collector = new WitnessCollector(t.log, [endpoint(a)], { ...FAST, clock: new ManualClock(), transport: forged, onEvent });
      await nextEvent(events, listeners, (e) => e.type === 'failed' && e.code === 'NOTE_INVALID');
      assert.deepEqual(t.store.cosignatures(0), []);
    });
  });
});

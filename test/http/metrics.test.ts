/**
 * GET /metrics (src/http/metrics.ts, routes/metrics.ts): the exposition is
 * read with a Prometheus text parser (test/support/prom-text.ts) and
 * checked by Prometheus's own promtool; requests by route and status with
 * their latency histogram, refused submissions by code, the stage
 * histograms, build info, process metrics, the log's gauges, the witness's
 * own /metrics, and /metrics left off the API when it has a port of its own.
 */
import assert from 'node:assert/strict';
import request from 'supertest';
import { ManualClock } from '../../src/clock.js';
import { createApp, createWitnessApp } from '../../src/http/index.js';
import { ENTRY_OVERHEAD } from '../../src/http/full-tiles.js';
import { formatMetrics } from '../../src/http/routes/metrics.js';
import { formatAddCheckpoint, ed25519Cosigner } from '../../src/note/index.js';
import { openSqliteWitnessStore } from '../../src/storage/index.js';
import { Witness } from '../../src/witness/index.js';
import { parsePrometheusText, sampleValue, type PromFamily } from '../support/prom-text.js';
import { promtool, requirePromtoolOrSkip } from '../support/promtool.js';
import { openTestLog, rawEntry, testKey } from '../support/test-log.js';
import { ecKey, hashedRekord, testApp } from '../support/http.js';
import { witnessedLogOf } from '../support/witness.js';

const ENTRIES = '/api/v1/log/entries';

async function scrape(app: Parameters<typeof request>[0]): Promise<{ text: string; families: Map<string, PromFamily> }> {
  const res = await request(app).get('/metrics').expect(200);
  assert.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  assert.equal(res.headers['cache-control'], 'no-store');
  return { text: res.text, families: parsePrometheusText(res.text) };
}

/** A log app that accepted two submissions and refused three (schema, duplicate, not JSON). */
async function busyApp(): Promise<Awaited<ReturnType<typeof testApp>>['app']> {
  const { app } = await testApp({ version: '9.8.7' });
  const key = ecKey();
  const first = hashedRekord(key, 'a');
  for (const body of [first, hashedRekord(key, 'b')]) await request(app).post(ENTRIES).send(body).expect(201);
  const refused = [
    await request(app).post(ENTRIES).send({ kind: 'nope' }),
    await request(app).post(ENTRIES).send(first),
    await request(app).post(ENTRIES).set('Content-Type', 'application/json').send('{not json'),
  ];
  assert.deepEqual(refused.map((r) => r.status), [422, 409, 400]);
  await request(app).get(`${ENTRIES}?logIndex=0`).expect(200);
  await request(app).get(`${ENTRIES}?logIndex=0`).expect(200);
  await request(app).get('/no/such/thing').expect(404);
  return app;
}

describe('GET /metrics', () => {
  it('serves the log\'s state as gauges and counters', async () => {
    const t = await openTestLog();
    await t.log.submit(rawEntry('m'));
    const { families } = await scrape(createApp({ log: t.log, maxRequestBytes: 1 << 20 }));
    assert.equal(families.get('cairn_tree_size')?.type, 'gauge');
    assert.equal(sampleValue(families, 'cairn_tree_size'), 1);
    assert.equal(sampleValue(families, 'cairn_read_only'), 0);
    assert.equal(sampleValue(families, 'cairn_pool_entries'), 0);
    assert.equal(families.get('cairn_batches_total')?.type, 'counter');
    assert.equal(sampleValue(families, 'cairn_batches_total'), 1);
    assert.equal(sampleValue(families, 'cairn_failed_batches_total'), 0);
    assert.ok(Math.abs(sampleValue(families, 'cairn_checkpoint_timestamp_seconds') - t.log.reader.latest().time / 1000) < 1e-6);
    assert.deepEqual(families.get('cairn_witness_up')?.samples ?? [], [], 'no witness samples without witnesses');
  });

  it('serves the sizes of published batches and the time each spent per commit step', async () => {
    const t = await openTestLog(undefined, { batchMaxSize: 256 });
    const app = createApp({ log: t.log, maxRequestBytes: 1 << 20 });
    await Promise.all(Array.from({ length: 300 }, (_, i) => t.log.submit(rawEntry(`b${i}`))));
    const { text, families } = await scrape(app);
    const batches = sampleValue(families, 'cairn_batches_total');
    assert.ok(batches >= 2, 'at most 256 entries per batch');
    assert.equal(families.get('cairn_batch_entries')?.type, 'histogram');
    assert.equal(sampleValue(families, 'cairn_batch_entries_count'), batches);
    assert.equal(sampleValue(families, 'cairn_batch_entries_sum'), 300);
    assert.equal(sampleValue(families, 'cairn_batch_entries_bucket', { le: '256' }), batches);
    assert.equal(families.get('cairn_batch_step_seconds')?.type, 'histogram');
    for (const step of ['pool', 'sign', 'order', 'commit', 'sync', 'publish']) {
      assert.equal(sampleValue(families, 'cairn_batch_step_seconds_count', { step }), batches, step);
      assert.ok(sampleValue(families, 'cairn_batch_step_seconds_sum', { step }) >= 0, step);
    }
    assert.ok(text.includes('# TYPE cairn_batch_step_seconds histogram'));
  });

  it('serves what the cache of served full tiles holds, its hits and misses', async () => {
    const t = await openTestLog(undefined, { batchMaxSize: 256 });
    await Promise.all(Array.from({ length: 300 }, (_, i) => t.log.submit(rawEntry(`m${i}`))));
    const app = createApp({ log: t.log, maxRequestBytes: 1 << 20 });
    await request(app).get('/tile/0/000').expect(200);
    await request(app).get('/tile/0/000').expect(200);
    await request(app).get('/tile/0/001.p/44').expect(200); // partial: not through the cache
    const { families } = await scrape(app);
    assert.equal(families.get('cairn_tile_cache_bytes')?.type, 'gauge');
    assert.equal(sampleValue(families, 'cairn_tile_cache_bytes'), 256 * 32 + ENTRY_OVERHEAD);
    assert.equal(sampleValue(families, 'cairn_tile_cache_hits_total'), 1);
    assert.equal(sampleValue(families, 'cairn_tile_cache_misses_total'), 1);
  });

  it('names the build and carries the process metrics', async () => {
    const { families } = await scrape((await testApp({ version: '9.8.7' })).app);
    assert.equal(sampleValue(families, 'cairn_build_info', { version: '9.8.7', node: process.version, role: 'log' }), 1);
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      assert.ok(families.has(name), `${name} is exposed`);
    }
  });

  it('counts requests by route template, method and status, with a latency histogram', async () => {
    const { families } = await scrape(await busyApp());
    assert.equal(sampleValue(families, 'cairn_http_requests_total', { route: ENTRIES, method: 'POST', status: '201' }), 2);
    assert.equal(sampleValue(families, 'cairn_http_requests_total', { route: ENTRIES, method: 'GET', status: '200' }), 2);
    assert.equal(sampleValue(families, 'cairn_http_requests_total', { route: 'none', method: 'GET', status: '404' }), 1);
    const h = families.get('cairn_http_request_duration_seconds');
    assert.equal(h?.type, 'histogram');
    assert.equal(sampleValue(families, 'cairn_http_request_duration_seconds_count', { route: ENTRIES, method: 'POST' }), 5);
    const buckets = h!.samples.filter((s) => s.name.endsWith('_bucket') && s.labels['route'] === ENTRIES && s.labels['method'] === 'POST');
    assert.ok(buckets.length > 5);
    assert.deepEqual(buckets.map((b) => b.value), [...buckets.map((b) => b.value)].sort((a, b) => a - b), 'buckets are cumulative');
    assert.equal(buckets.at(-1)!.labels['le'], '+Inf');
    assert.equal(buckets.at(-1)!.value, 5);
  });

  it('counts refused submissions by error code', async () => {
    const { families } = await scrape(await busyApp());
    const refused = families.get('cairn_submissions_refused_total')!.samples.map((s) => [s.labels['code'], s.value]).sort();
    assert.deepEqual(refused, [['BAD_REQUEST', 1], ['DUPLICATE', 1], ['SCHEMA_INVALID', 1]]);
  });

  it('has a histogram per stage of accepted submissions', async () => {
    const { families } = await scrape(await busyApp());
    assert.equal(families.get('cairn_submit_stage_seconds')?.type, 'histogram');
    for (const stage of ['admission', 'sequencing']) {
      assert.equal(sampleValue(families, 'cairn_submit_stage_seconds_count', { stage }), 2, `${stage} counts the two accepted ones`);
      assert.equal(sampleValue(families, 'cairn_submit_stage_seconds_bucket', { stage, le: '+Inf' }), 2);
      const sum = sampleValue(families, 'cairn_submit_stage_seconds_sum', { stage });
      assert.ok(sum > 0 && sum < 60, `${stage} sum ${sum}`);
    }
  });

  it('passes promtool check metrics', async function () {
    requirePromtoolOrSkip(this);
    const { text } = await scrape(await busyApp());
    const r = promtool(['check', 'metrics'], text);
    assert.equal(r.status, 0, r.output);
  });

  describe('when the metrics have a port of their own', () => {
    it('is not served on the API', async () => {
      const { app } = await testApp({ metricsOnApi: false });
      await request(app).get('/metrics').expect(404);
      assert.ok((await app.metrics.text()).includes('cairn_tree_size'), 'the metrics still exist for their own listener');
    });
  });

  it('escapes label values and skips empty families (formatMetrics, for surfaces with their own counters)', () => {
    const text = formatMetrics([
      { name: 'x', type: 'gauge', help: 'h', samples: [[{ l: 'a"b\\c\nd' }, 1.5]] },
      { name: 'y', type: 'counter', help: 'h', samples: [] },
    ]);
    assert.equal(text, '# HELP x h\n# TYPE x gauge\nx{l="a\\"b\\\\c\\nd"} 1.5\n');
    assert.deepEqual(parsePrometheusText(text).get('x')?.samples, [{ name: 'x', labels: { l: 'a"b\\c\nd' }, value: 1.5 }]);
  });
});

describe('the witness\'s GET /metrics', () => {
  it('counts cosigned checkpoints by origin, refusals by code and its requests', async () => {
    const t = await openTestLog();
    for (let i = 0; i < 3; i++) await t.log.submit(rawEntry(`w ${i}`));
    const store = openSqliteWitnessStore({ path: ':memory:' });
    const witness = new Witness({ cosigner: ed25519Cosigner('metrics.test/w', testKey(77)), logs: [witnessedLogOf(t)], store, clock: new ManualClock(1_700_000_000_000) });
    const app = createWitnessApp({ witness, version: '1.2.3' });
    const cp = t.store.checkpointAt(3)!;
    await request(app).post('/add-checkpoint').send(formatAddCheckpoint({ oldSize: 0, proof: [], checkpoint: cp.note })).expect(200);
    await request(app).post('/add-checkpoint').send(formatAddCheckpoint({ oldSize: 0, proof: [], checkpoint: cp.note })).expect(409);
    await request(app).post('/add-checkpoint').send('nonsense').expect(400);
    const { families } = await scrape(app);
    const origin = t.identity.origin;
    assert.equal(sampleValue(families, 'cairn_build_info', { version: '1.2.3', role: 'witness' }), 1);
    assert.equal(sampleValue(families, 'cairn_witness_logs'), 1);
    assert.equal(sampleValue(families, 'cairn_witness_cosigned_total', { origin }), 1);
    assert.equal(sampleValue(families, 'cairn_witness_cosigned_size', { origin }), 3);
    assert.equal(sampleValue(families, 'cairn_submissions_refused_total', { code: 'SIZE_CONFLICT' }), 1);
    assert.equal(sampleValue(families, 'cairn_submissions_refused_total', { code: 'BAD_REQUEST' }), 1);
    assert.equal(sampleValue(families, 'cairn_http_requests_total', { route: '/add-checkpoint', method: 'POST', status: '200' }), 1);
    assert.ok(families.has('process_cpu_user_seconds_total'));
    store.close();
  });
});

import assert from 'node:assert/strict';
import request from 'supertest';
import { createApp } from '../../src/http/index.js';
import { formatMetrics } from '../../src/http/routes/metrics.js';
import { openTestLog, rawEntry } from '../support/test-log.js';
import { ecKey, hashedRekord, testApp } from '../support/http.js';

describe('GET /metrics', () => {
  it('serves the log\'s state as Prometheus text', async () => {
    const t = openTestLog();
    await t.log.submit(rawEntry('m'));
    const res = await request(createApp({ log: t.log, maxRequestBytes: 1 << 20 })).get('/metrics').expect(200);
    assert.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    assert.match(res.text, /^# HELP cairn_tree_size .*\n# TYPE cairn_tree_size gauge\ncairn_tree_size 1\n/);
    assert.match(res.text, /\ncairn_read_only 0\n/);
    assert.match(res.text, /\ncairn_batches_total 1\n/);
    assert.doesNotMatch(res.text, /cairn_witness_/, 'no witness families without witnesses');
  });

  it('sums the admission and sequencing time of accepted submissions', async () => {
    const { app } = testApp();
    const key = ecKey();
    for (const d of ['a', 'b']) await request(app).post('/api/v1/log/entries').send(hashedRekord(key, d)).expect(201);
    await request(app).post('/api/v1/log/entries').send({ kind: 'nope' }).expect(422);
    const text = (await request(app).get('/metrics').expect(200)).text;
    assert.match(text, /# TYPE cairn_submit_stage_seconds summary\n/);
    for (const stage of ['admission', 'sequencing']) {
      assert.match(text, new RegExp(`\ncairn_submit_stage_seconds_count\\{stage="${stage}"\\} 2\n`), `${stage} counts the two accepted ones`);
      const sum = Number(new RegExp(`\ncairn_submit_stage_seconds_sum\\{stage="${stage}"\\} ([0-9.e-]+)\n`).exec(text)?.[1]);
      assert.ok(sum > 0 && sum < 60, `${stage} sum ${sum}`);
    }
  });

  it('escapes label values and skips empty families', () => {
    const text = formatMetrics([
      { name: 'x', type: 'gauge', help: 'h', samples: [[{ l: 'a"b\\c\nd' }, 1.5]] },
      { name: 'y', type: 'counter', help: 'h', samples: [] },
    ]);
    assert.equal(text, '# HELP x h\n# TYPE x gauge\nx{l="a\\"b\\\\c\\nd"} 1.5\n');
  });
});

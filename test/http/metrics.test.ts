import assert from 'node:assert/strict';
import request from 'supertest';
import { createApp } from '../../src/http/index.js';
import { formatMetrics } from '../../src/http/routes/metrics.js';
import { openTestLog, rawEntry } from '../support/test-log.js';

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

  it('escapes label values and skips empty families', () => {
    const text = formatMetrics([
      { name: 'x', type: 'gauge', help: 'h', samples: [[{ l: 'a"b\\c\nd' }, 1.5]] },
      { name: 'y', type: 'counter', help: 'h', samples: [] },
    ]);
    assert.equal(text, '# HELP x h\n# TYPE x gauge\nx{l="a\\"b\\\\c\\nd"} 1.5\n');
  });
});

/**
 * `cairn serve --metrics-port`: GET /metrics on a listener of its own (the
 * URL logged with "serving"), and no longer on the API port.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logRecord } from '../support/lines.js';
import { parsePrometheusText, sampleValue } from '../support/prom-text.js';
import { startServer } from '../support/server-process.js';

describe('cairn serve --metrics-port (the real process)', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-metrics-port-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('serves /metrics on its own port only, with the build info and the API\'s request counts', async () => {
    const s = await startServer(['--data-dir', join(dir, 'data'), '--metrics-port', '0', '--metrics-host', '127.0.0.1']);
    try {
      const serving = s.logs.map(logRecord).find((r) => r?.['msg'] === 'serving')!;
      const metricsUrl = String(serving['metricsUrl']);
      assert.match(metricsUrl, /^http:\/\/127\.0\.0\.1:[0-9]+$/);
      assert.notEqual(metricsUrl, s.url);
      assert.equal((await fetch(`${s.url}/metrics`)).status, 404, 'not on the API port');
      assert.equal((await fetch(`${s.url}/api/v1/log`)).status, 200);
      const res = await fetch(`${metricsUrl}/metrics`);
      assert.equal(res.status, 200);
      const families = parsePrometheusText(await res.text());
      assert.equal(sampleValue(families, 'cairn_http_requests_total', { route: '/api/v1/log', method: 'GET', status: '200' }), 1);
      assert.equal(sampleValue(families, 'cairn_http_requests_total', { route: 'none', method: 'GET', status: '404' }), 1);
      assert.match(families.get('cairn_build_info')!.samples[0]!.labels['version']!, /^[0-9]+\.[0-9]+\.[0-9]+/);
      assert.equal((await fetch(`${metricsUrl}/api/v1/log`)).status, 404, 'the metrics port serves nothing else');
    } finally {
      await s.stop();
    }
  });
});

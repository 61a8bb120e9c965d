/**
 * The shipped alert rules (deploy/prometheus/cairn-alerts.yml): promtool
 * accepts them, and every cairn_ metric they name is one the log's /metrics
 * exposes (so renaming a metric without its rule fails here).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { parse } from 'yaml';
import { parsePrometheusText } from '../support/prom-text.js';
import { promtool, requirePromtoolOrSkip } from '../support/promtool.js';
import { testApp } from '../support/http.js';

/** dist/test/deploy → the repository root. */
const RULES = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..'), 'deploy', 'prometheus', 'cairn-alerts.yml');

interface Rules {
  groups: Array<{ name: string; rules: Array<{ alert: string; expr: string; labels?: Record<string, string> }> }>;
}

describe('deploy/prometheus/cairn-alerts.yml', () => {
  const rules = parse(readFileSync(RULES, 'utf8')) as Rules;
  const all = rules.groups.flatMap((g) => g.rules);

  it('passes promtool check rules', function () {
    requirePromtoolOrSkip(this);
    const r = promtool(['check', 'rules', RULES]);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, new RegExp(`SUCCESS: ${all.length} rules found`));
  });

  it('alerts on read-only, stalled checkpoints, failing batches and a witness down, each with a severity', () => {
    assert.deepEqual(all.map((r) => r.alert).sort(), ['CairnBatchesFailing', 'CairnCheckpointStalled', 'CairnReadOnly', 'CairnWitnessDown']);
    for (const r of all) assert.match(r.labels?.['severity'] ?? '', /^(warning|critical)$/, r.alert);
  });

  it('names only metrics the log exposes', async () => {
    const witness = { name: 'w1', url: 'http://w1', cosignedSize: 1, witnessSize: 1, consecutiveFailures: 0, lastError: undefined, lastSuccessMs: 1, cosignatures: 1, conflicts: 0, failures: 0 };
    const { app } = await testApp({ witnessStatus: () => [witness] });
    const exposed = parsePrometheusText((await request(app).get('/metrics').expect(200)).text);
    const named = new Set(all.flatMap((r) => r.expr.match(/\bcairn_[a-z_]+/g) ?? []));
    assert.ok(named.size >= 5);
    for (const name of named) assert.ok(exposed.has(name), `${name} is not exposed by /metrics`);
  });
});

/**
 * openapi.yaml passes the Redocly CLI's linter with its recommended rules
 * (security defined for every operation, 4xx answers, …) with no error. The
 * Redocly CLI is not a dependency (it is large, and only this check needs
 * it): the test finds `redocly` on PATH or in $CAIRN_REDOCLY, and skips
 * loudly without it (CAIRN_REQUIRE_REDOCLY=1 fails instead). Install it with
 * `npm install --no-save @redocly/cli` (then it is in node_modules/.bin).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasCommand, requirePartOrSkip } from '../support/parts.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function redocly(): string | undefined {
  const env = process.env['CAIRN_REDOCLY'];
  if (env !== undefined && existsSync(env)) return env;
  const local = join(ROOT, 'node_modules', '.bin', 'redocly');
  if (existsSync(local)) return local;
  return hasCommand('redocly') ? 'redocly' : undefined;
}

describe('openapi.yaml under redocly lint --extends recommended', function () {
  this.timeout(120_000);

  it('has no errors (security schemes and per-operation security included)', function () {
    const bin = redocly();
    requirePartOrSkip(this, 'REDOCLY', bin !== undefined);
    const r = spawnSync(bin!, ['lint', '--extends', 'recommended', '--format', 'summary', join(ROOT, 'openapi.yaml')], { encoding: 'utf8', timeout: 110_000 });
    const output = `${r.stdout}${r.stderr}`;
    assert.equal(r.status, 0, output);
    assert.doesNotMatch(output, /^error /m, output);
    assert.doesNotMatch(output, /security-defined/, output);
  });
});

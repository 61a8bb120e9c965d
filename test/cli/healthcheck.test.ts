/**
 * `cairn healthcheck` asks the port the settings name (flag, environment or
 * config file, as the server reads them): 0 when healthy, 3 with no answer.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeRun, runCairn } from '../support/cairn-cli.js';
import { startServer } from '../support/server-process.js';

describe('cairn healthcheck', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-healthcheck-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('follows the configured port: flag, environment, config file', async () => {
    const s = await startServer(['--data-dir', join(dir, 'data')]);
    const port = new URL(s.url).port;
    try {
      const byFlag = await runCairn(['healthcheck', '--port', port]);
      assert.equal(byFlag.status, 0, describeRun(byFlag));
      const byEnv = await runCairn(['healthcheck'], { CAIRN_PORT: port, CAIRN_HOST: '0.0.0.0' });
      assert.equal(byEnv.status, 0, describeRun(byEnv));
      const config = join(dir, 'config.json');
      writeFileSync(config, JSON.stringify({ port: Number(port) }));
      const byFile = await runCairn(['healthcheck'], { CAIRN_CONFIG: config });
      assert.equal(byFile.status, 0, describeRun(byFile));
    } finally {
      await s.stop();
    }
    const gone = await runCairn(['healthcheck', '--port', port]);
    assert.equal(gone.status, 3, describeRun(gone));
    assert.match(gone.stderr, /no answer from http:\/\/127\.0\.0\.1:\d+\/healthz/);
  });
});

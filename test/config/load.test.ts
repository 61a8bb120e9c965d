import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, settingsTable, SETTINGS } from '../../src/config/index.js';
import { isLogError } from '../../src/errors.js';

function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(isLogError(err, 'CONFIG_INVALID'), `expected CONFIG_INVALID, got ${String(err)}`);
    return err.message;
  }
  assert.fail('expected a CONFIG_INVALID error');
}

describe('loadConfig', () => {
  describe('when nothing is set', () => {
    it('gives the documented defaults', () => {
      const c = loadConfig();
      assert.equal(c.port, 3000);
      assert.equal(c.host, '127.0.0.1');
      assert.equal(c.dataDir, './data');
      assert.equal(c.publicUrl, 'http://localhost:3000');
      assert.equal(c.keyFile, join('./data', 'log-key.pem'));
      assert.ok(Object.isFrozen(c));
    });
  });

  describe('when flags, environment and a file disagree', () => {
    it('takes flags over environment over file', () => {
      const dir = mkdtempSync(join(tmpdir(), 'cairn-config-'));
      try {
        const file = join(dir, 'c.json');
        writeFileSync(file, JSON.stringify({ port: 1111, host: '0.0.0.0', batchMaxSize: 7 }));
        const c = loadConfig({
          argv: ['--port', '3333', `--config=${file}`],
          env: { CAIRN_PORT: '2222', CAIRN_HOST: '::1', CAIRN_DATA_DIR: '/tmp/x' },
        });
        assert.equal(c.port, 3333);
        assert.equal(c.host, '::1');
        assert.equal(c.batchMaxSize, 7);
        assert.equal(c.keyFile, join('/tmp/x', 'log-key.pem'));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('when a setting is bad', () => {
    it('names the setting and the value', () => {
      assert.match(configError(() => loadConfig({ argv: ['--port', 'eighty'] })), /--port must be an integer from 0 to 65535 \(got "eighty"\)/);
      assert.match(configError(() => loadConfig({ env: { CAIRN_BATCH_MAX_SIZE: '0' } })), /CAIRN_BATCH_MAX_SIZE must be an integer from 1 to 100000/);
      assert.match(configError(() => loadConfig({ argv: ['--public-url', 'not a url'] })), /--public-url/);
      assert.match(configError(() => loadConfig({ argv: ['--max-entry-bytes', '70000'] })), /--max-entry-bytes/);
      assert.match(configError(() => loadConfig({ argv: ['--bogus', '1'] })), /unknown option "--bogus"/);
      assert.match(configError(() => loadConfig({ argv: ['--port'] })), /needs a value/);
      assert.match(configError(() => loadConfig({ argv: ['--config', '/nonexistent/c.json'] })), /couldn't read config file/);
    });
  });

  describe('settingsTable', () => {
    it('lists every setting with its flag and variable', () => {
      const table = settingsTable();
      for (const s of SETTINGS) {
        assert.ok(table.includes(s.flag) && table.includes(s.env), s.key);
      }
    });
  });
});

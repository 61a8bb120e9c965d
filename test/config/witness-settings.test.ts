/**
 * List settings (`--witness URL=VKEY` repeatable, env lists) and the settings
 * of `cairn witness` and `cairn monitor`, loaded by the same loader as the log's.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, loadMonitorConfig, loadWitnessConfig, monitorSettingsTable, witnessSettingsTable, MONITOR_SETTINGS, WITNESS_SETTINGS } from '../../src/config/index.js';
import { isLogError } from '../../src/errors.js';

const V1 = 'w1.example+01234567+BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const V2 = 'w2.example+89abcdef+BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=';

function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(isLogError(err, 'CONFIG_INVALID'), String(err));
    return err.message;
  }
  assert.fail('expected CONFIG_INVALID');
}

describe('witness settings of cairn serve', () => {
  it('has none by default, and takes repeated --witness URL=VKEY flags over the environment list', () => {
    assert.deepEqual(loadConfig().witnesses, []);
    const c = loadConfig({ argv: ['--witness', `http://a.test/w=${V1}`, `--witness=http://b.test:8080=${V2}`], env: { CAIRN_WITNESSES: `http://z.test=${V1}` } });
    assert.deepEqual(c.witnesses, [{ url: 'http://a.test/w', vkey: V1 }, { url: 'http://b.test:8080', vkey: V2 }]);
    assert.equal(c.witnessBackoffMs, 1000);
    assert.equal(c.witnessBackoffMaxMs, 60000);
  });

  it('reads the environment as space-separated items or a JSON list, and the config file as a list of objects', () => {
    assert.deepEqual(loadConfig({ env: { CAIRN_WITNESSES: ` http://a.test=${V1}\n http://b.test=${V2} ` } }).witnesses.map((w) => w.url), ['http://a.test', 'http://b.test']);
    assert.deepEqual(loadConfig({ env: { CAIRN_WITNESSES: JSON.stringify([`http://a.test=${V1}`, { url: 'http://b.test', vkey: V2 }]) } }).witnesses.length, 2);
    const dir = mkdtempSync(join(tmpdir(), 'cairn-wcfg-'));
    try {
      writeFileSync(join(dir, 'c.json'), JSON.stringify({ witnesses: [{ url: 'http://f.test', vkey: V1 }] }));
      assert.deepEqual(loadConfig({ argv: ['--config', join(dir, 'c.json')] }).witnesses, [{ url: 'http://f.test', vkey: V1 }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the setting when an item is malformed', () => {
    assert.match(configError(() => loadConfig({ argv: ['--witness', 'http://a.test'] })), /--witness \(at \/witnesses\/0\/vkey\)/);
    assert.match(configError(() => loadConfig({ argv: ['--witness', `ftp://a=${V1}`] })), /--witness/);
    assert.match(configError(() => loadConfig({ env: { CAIRN_WITNESSES: '[nope' } })), /JSON/);
  });
});

describe('cairn witness settings', () => {
  it('has defaults, a derived key file, and --log ORIGIN=VKEY with spaces in the origin', () => {
    const c = loadWitnessConfig({ argv: ['--log', `log.test - 123=${V1}`, '--data-dir', '/tmp/w'], env: {} });
    assert.equal(c.port, 3100);
    assert.equal(c.keyFile, join('/tmp/w', 'witness-key.pem'));
    assert.deepEqual(c.logs, [{ origin: 'log.test - 123', vkey: V1 }]);
    const e = loadWitnessConfig({ env: { CAIRN_WITNESS_LOGS: `a - 1=${V1}\nb - 2=${V2}\n`, CAIRN_CONFIG: '/nonexistent' } });
    assert.deepEqual(e.logs.map((l) => l.origin), ['a - 1', 'b - 2'], 'one per line; the log\'s CAIRN_CONFIG is not read');
    assert.match(configError(() => loadWitnessConfig({ argv: ['--witness', 'x'] })), /unknown option "--witness"/);
    assert.match(configError(() => loadWitnessConfig({ argv: ['--name', 'has space'] })), /--name/);
  });

  it('lists every setting in its table', () => {
    const table = witnessSettingsTable();
    for (const s of WITNESS_SETTINGS) assert.ok(table.includes(s.flag) && table.includes(s.env), s.key);
  });
});

describe('cairn monitor settings', () => {
  it('needs the log URL and vkey, maps --once/--follow to --mode, repeats --witness and --watch-*', () => {
    assert.match(configError(() => loadMonitorConfig({ env: {} })), /--log-url \(or CAIRN_MONITOR_LOG_URL\) is required/);
    const c = loadMonitorConfig({ argv: ['--log-url', 'http://log.test', '--vkey', V1, '--follow', '--witness', V1, '--witness', V2, '--watch-digest', 'ab'.repeat(32)], env: {} });
    assert.equal(c.mode, 'follow');
    assert.deepEqual(c.witnesses, [V1, V2]);
    assert.equal(c.minWitnesses, undefined);
    assert.deepEqual(c.watchDigests, ['ab'.repeat(32)]);
    assert.equal(loadMonitorConfig({ argv: ['--log-url', 'http://l', '--vkey', V1, '--once'], env: {} }).mode, 'once');
    assert.match(configError(() => loadMonitorConfig({ argv: ['--log-url', 'http://l', '--vkey', V1, '--watch-digest', 'xyz'], env: {} })), /--watch-digest/);
    const table = monitorSettingsTable();
    for (const s of MONITOR_SETTINGS) assert.ok(table.includes(s.flag) && table.includes(s.env), s.key);
  });
});

/**
 * The deployment files, tested without a Docker engine: the Dockerfile's
 * sources exist and it ships no tests, its health check follows the
 * configured port, every command's default state is under the image's
 * writable /data; the compose file parses and names existing commands,
 * flags and settings, and its init script (run for real here) writes
 * settings the loaders accept; the systemd unit passes `systemd-analyze
 * verify` and is hardened; deploy/cairn.env is generated from the schema,
 * lists every setting and loads to the defaults; the README points to each.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { COMMANDS } from '../../src/cli/help.js';
import {
  MONITOR_SETTINGS,
  SETTINGS,
  WITNESS_SETTINGS,
  exampleEnvFile,
  loadConfig,
  loadMonitorConfig,
  loadWitnessConfig,
} from '../../src/config/index.js';
import { runCairn } from '../support/cairn-cli.js';
import { MAIN_JS } from '../support/server-process.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

/** Dockerfile instructions, continuation lines joined. */
function instructions(text: string): { op: string; args: string }[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [op = '', ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

const ENV_OF: Record<string, readonly { env: string; flag: string }[]> = { serve: SETTINGS, witness: WITNESS_SETTINGS, monitor: MONITOR_SETTINGS };

describe('deployment files', function () {
  this.timeout(120_000);

  describe('Dockerfile', () => {
    const steps = instructions(read('Dockerfile'));
    it('copies only files that exist, and no tests', () => {
      const copies = steps.filter((s) => s.op === 'COPY' && !s.args.startsWith('--from'));
      assert.ok(copies.length > 0);
      for (const c of copies) {
        const parts = c.args.split(/\s+/);
        for (const src of parts.slice(0, -1)) assert.ok(existsSync(join(ROOT, src)), `COPY source ${src} exists`);
        assert.ok(!parts.slice(0, -1).some((p) => /^test(\/|$)/.test(p)), `no tests copied: ${c.args}`);
      }
      const build = steps.find((s) => s.op === 'RUN' && s.args.includes('tsc'));
      assert.match(build?.args ?? '', /tsc -p tsconfig\.build\.json/);
      const tsconfig = JSON.parse(read('tsconfig.build.json')) as { include: string[] };
      assert.deepEqual(tsconfig.include, ['src/**/*.ts'], 'the image compiles src/ only (no dist/test)');
    });

    it('checks health with `cairn healthcheck` (the configured port), carries OCI labels, and keeps every default state under a writable /data', () => {
      const health = steps.find((s) => s.op === 'HEALTHCHECK');
      assert.match(health?.args ?? '', /CMD \["node", "dist\/src\/cli\/main\.js", "healthcheck"\]/);
      assert.ok(COMMANDS.some((c) => c.name === 'healthcheck'));
      assert.doesNotMatch(health?.args ?? '', /3000/, 'no hard-coded port');
      const labels = steps.filter((s) => s.op === 'LABEL').map((s) => s.args).join(' ');
      for (const l of ['title', 'description', 'licenses', 'version', 'revision', 'created']) assert.match(labels, new RegExp(`org\\.opencontainers\\.image\\.${l}=`), l);
      const env = Object.fromEntries(steps.filter((s) => s.op === 'ENV').flatMap((s) => s.args.split(/\s+/).map((kv) => kv.split('=') as [string, string])));
      for (const [name, value] of [['CAIRN_DATA_DIR', env['CAIRN_DATA_DIR']], ['CAIRN_WITNESS_DATA_DIR', env['CAIRN_WITNESS_DATA_DIR']], ['CAIRN_MONITOR_STATE_FILE', env['CAIRN_MONITOR_STATE_FILE']]]) {
        assert.match(value ?? '', /^\/data(\/|$)/, `${name} is under /data`);
      }
      const chown = steps.find((s) => s.op === 'RUN' && /chown -R node:node \/data/.test(s.args));
      assert.ok(chown, '/data belongs to the image user');
      assert.match(chown.args, /mkdir -p \/data\/witness \/data\/monitor/);
      assert.ok(steps.some((s) => s.op === 'USER' && s.args === 'node'));
    });
  });

  describe('deploy/docker-compose.yml', () => {
    const compose = parse(read('deploy/docker-compose.yml')) as { services: Record<string, { command?: string[]; entrypoint?: string[]; environment?: Record<string, string>; healthcheck?: { test?: string[] }; volumes?: string[] }> };

    it('runs a log, two witnesses and a monitor with existing commands, flags and settings', () => {
      const services = compose.services;
      assert.deepEqual(Object.keys(services).sort(), ['init', 'log', 'monitor', 'witness-a', 'witness-b']);
      const wanted: Record<string, string> = { log: 'serve', 'witness-a': 'witness', 'witness-b': 'witness', monitor: 'monitor' };
      for (const [name, command] of Object.entries(wanted)) {
        const s = services[name]!;
        const [cmd, ...args] = s.command ?? [];
        assert.equal(cmd, command, name);
        assert.ok(COMMANDS.some((c) => c.name === cmd));
        const specs = ENV_OF[command]!;
        for (const a of args.filter((x) => x.startsWith('--'))) assert.ok(specs.some((sp) => sp.flag === a) || ['--follow', '--once'].includes(a), `${name}: ${a} is a flag of cairn ${command}`);
        for (const v of Object.keys(s.environment ?? {})) assert.ok(specs.some((sp) => sp.env === v) || /^CAIRN(_WITNESS|_MONITOR)?_CONFIG$/.test(v), `${name}: ${v} is a setting of cairn ${command}`);
        for (const t of s.healthcheck?.test ?? []) if (t.startsWith('--')) assert.equal(t, '--witness');
      }
      assert.deepEqual(services['witness-a']!.healthcheck?.test, ['CMD', 'node', 'dist/src/cli/main.js', 'healthcheck', '--witness']);
      // Volumes where the image keeps each command's state.
      assert.ok(services['log']!.volumes?.includes('log-data:/data'));
      assert.ok(services['witness-a']!.volumes?.includes('witness-a-data:/data/witness'));
      assert.ok(services['monitor']!.volumes?.includes('monitor-data:/data/monitor'));
      assert.ok(existsSync(join(ROOT, 'deploy', 'compose-init.mjs')));
    });

    it('has an init script that makes the keys with the real servers and writes settings each loader accepts', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'cairn-compose-init-'));
      try {
        const env = {
          CAIRN_INIT_MAIN: MAIN_JS,
          CAIRN_INIT_CONFIG_DIR: join(dir, 'config'),
          CAIRN_INIT_LOG_DIR: join(dir, 'log'),
          CAIRN_INIT_WITNESS_A_DIR: join(dir, 'witness-a'),
          CAIRN_INIT_WITNESS_B_DIR: join(dir, 'witness-b'),
        };
        const run = () => spawnSync(process.execPath, [join(ROOT, 'deploy', 'compose-init.mjs')], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
        const first = run();
        assert.equal(first.status, 0, first.stderr);
        const log = loadConfig({ env: { CAIRN_CONFIG: join(dir, 'config', 'log.json'), CAIRN_DATA_DIR: join(dir, 'log') } });
        assert.deepEqual(log.witnesses.map((w) => w.url), ['http://witness-a:3100', 'http://witness-b:3100']);
        const a = loadWitnessConfig({ env: { CAIRN_WITNESS_CONFIG: join(dir, 'config', 'witness-a.json') } });
        const m = loadMonitorConfig({ env: { CAIRN_MONITOR_CONFIG: join(dir, 'config', 'monitor.json') } });
        assert.equal(m.logUrl, 'http://log:3000');
        assert.deepEqual(m.witnesses, log.witnesses.map((w) => w.vkey));
        const vkey = await runCairn(['vkey', '--data-dir', join(dir, 'log'), '--public-url', 'http://log:3000']);
        assert.equal(vkey.stdout.trim(), m.vkey, 'the monitor follows the log\'s own vkey');
        assert.equal(a.logs[0]?.vkey, m.vkey);
        assert.match(a.logs[0]?.origin ?? '', /^log:3000 - \d+$/);
        const again = run();
        assert.equal(again.status, 0);
        assert.match(again.stdout, /already set up/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('deploy/systemd/cairn.service', () => {
    const unit = read('deploy/systemd/cairn.service');
    const directives = new Map<string, string[]>();
    for (const line of unit.split('\n')) {
      const m = /^([A-Za-z]+)=(.*)$/.exec(line);
      if (m !== null) directives.set(m[1]!, [...(directives.get(m[1]!) ?? []), m[2]!]);
    }

    it('is hardened, keeps its state in StateDirectory, and runs cairn serve', () => {
      const wanted: readonly (readonly [string, string])[] = [['DynamicUser', 'yes'], ['StateDirectory', 'cairn'], ['ProtectSystem', 'strict'], ['NoNewPrivileges', 'yes'], ['ProtectHome', 'yes'], ['PrivateTmp', 'yes'], ['PrivateDevices', 'yes'], ['CapabilityBoundingSet', ''], ['RestrictAddressFamilies', 'AF_INET AF_INET6 AF_UNIX']];
      for (const [k, v] of wanted) {
        assert.deepEqual(directives.get(k), [v], k);
      }
      assert.ok(directives.get('Environment')?.includes('CAIRN_DATA_DIR=/var/lib/cairn'), 'the data dir is the state directory');
      assert.deepEqual(directives.get('EnvironmentFile'), ['-/etc/cairn/cairn.env']);
      assert.match(directives.get('ExecStart')?.[0] ?? '', /dist\/src\/cli\/main\.js serve$/);
      assert.ok(!directives.has('MemoryDenyWriteExecute'), 'Node\'s JIT needs W^X off');
      assert.deepEqual(directives.get('RestartPreventExitStatus'), ['2 5']);
    });

    it('passes systemd-analyze verify without a warning', function () {
      const probe = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
      if (probe.status !== 0) {
        if (process.env['CAIRN_REQUIRE_SYSTEMD'] === '1') assert.fail('systemd-analyze is required (CAIRN_REQUIRE_SYSTEMD=1)');
        console.warn('    SKIPPED: systemd-analyze is not installed (Debian package systemd)');
        this.skip();
      }
      const r = spawnSync('systemd-analyze', ['verify', join(ROOT, 'deploy', 'systemd', 'cairn.service')], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr.split('\n').filter((l) => l.includes('cairn.service')).join('\n'), '', 'no unknown or bad directive');
    });
  });

  describe('deploy/cairn.env', () => {
    const text = read('deploy/cairn.env');

    it('is generated from the schema: every setting, commented, at its default', () => {
      assert.equal(text, exampleEnvFile(), 'regenerate it: see src/config/example.ts');
      for (const s of SETTINGS) assert.match(text, new RegExp(`^#${s.env}=`, 'm'), s.env);
    });

    it('loads with the config loader, uncommented, to the defaults', () => {
      const env: Record<string, string> = {};
      for (const m of text.matchAll(/^#(CAIRN_[A-Z0-9_]+)=(.*)$/gm)) env[m[1]!] = m[2]!;
      assert.deepEqual(loadConfig({ env }), loadConfig({ env: {} }));
    });
  });

  it('each file is referenced from the README', () => {
    const readme = read('README.md');
    for (const f of ['Dockerfile', 'deploy/docker-compose.yml', 'deploy/systemd/cairn.service', 'deploy/cairn.env', 'cairn healthcheck']) assert.ok(readme.includes(f), f);
  });
});

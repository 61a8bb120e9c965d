/**
 * The example configuration file, deploy/cairn.env: every setting of
 * `cairn serve` as its environment variable, commented out at its default,
 * under its flag and meaning. It is the format both systemd
 * (`EnvironmentFile=`) and docker compose (`env_file:`) read; uncomment a
 * line to change a setting. Generated from SETTINGS and CONFIG_SCHEMA (a
 * test keeps the file equal to this output, so it cannot go stale):
 *
 *   node -e "import('./dist/src/config/example.js').then((m) => process.stdout.write(m.exampleEnvFile()))" > deploy/cairn.env
 */
import { wrap } from './help.js';
import { LOG_DERIVED_DEFAULTS } from './load.js';
import { CONFIG_SCHEMA, SETTINGS } from './schema.js';

const WIDTH = 78;

export function exampleEnvFile(): string {
  const props = CONFIG_SCHEMA.properties as Record<string, { default?: unknown }>;
  const out = [
    '# Settings of `cairn serve`, one environment variable each, commented out at',
    '# its default: uncomment a line to change it. Read by systemd',
    '# (EnvironmentFile=/etc/cairn/cairn.env, deploy/systemd/cairn.service) and',
    '# docker compose (env_file:). A flag overrides its variable, which overrides',
    '# the JSON file named by CAIRN_CONFIG / --config (README "Settings").',
    '# Generated from src/config/schema.ts by src/config/example.ts.',
  ];
  for (const s of SETTINGS) {
    const d = props[s.key]?.default;
    const derived = LOG_DERIVED_DEFAULTS[s.key];
    const value = d === undefined || (Array.isArray(d) && d.length === 0) ? '' : String(d);
    const shown = derived ?? (value === '' ? 'none' : value);
    out.push('', ...wrap(`${s.flag} (default ${shown}): ${s.help}`, 0, WIDTH - 2).split('\n').map((l) => `# ${l}`), `#${s.env}=${value}`);
  }
  return `${out.join('\n')}\n`;
}

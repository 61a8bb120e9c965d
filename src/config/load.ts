/**
 * Builds the Config from defaults, an optional JSON file, environment
 * variables and command-line flags, in increasing order of precedence, and
 * validates it against CONFIG_SCHEMA. A bad setting throws
 * LogError('CONFIG_INVALID') whose message names the flag/variable and why.
 */
import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LogError, describeError } from '../errors.js';
import { CONFIG_SCHEMA, SETTINGS, type Config, type SettingSpec } from './schema.js';

export interface ConfigSources {
  /** Command-line arguments after the subcommand, e.g. ['--port', '8080'] or ['--port=8080']. */
  readonly argv?: readonly string[];
  /** Environment (process.env in production). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Explicit overrides (tests), highest precedence. */
  readonly overrides?: Partial<Config>;
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: true, strict: true });
const validate = ajv.compile(CONFIG_SCHEMA);

/** Load and validate the configuration. Unknown flags are errors; `--config FILE` / CAIRN_CONFIG names a JSON file. */
export function loadConfig(sources: ConfigSources = {}): Config {
  const env = sources.env ?? {};
  const flags = parseFlags(sources.argv ?? []);
  const file = flags.config ?? env['CAIRN_CONFIG'];
  delete flags.config;

  const raw: Record<string, unknown> = file === undefined ? {} : readConfigFile(file);
  for (const s of SETTINGS) {
    const v = env[s.env];
    if (v !== undefined && v !== '') raw[s.key] = v;
  }
  for (const s of SETTINGS) {
    const v = flags[s.key];
    if (v !== undefined) raw[s.key] = v;
  }
  Object.assign(raw, sources.overrides ?? {});

  if (!validate(raw)) {
    const msgs = (validate.errors ?? []).map((e) => {
      const key = e.instancePath.replace(/^\//, '') || String(e.params['additionalProperty'] ?? '');
      const spec = SETTINGS.find((s) => s.key === key);
      const name = spec === undefined ? key : `${spec.flag} / ${spec.env}`;
      return `${name} ${e.message ?? 'is invalid'}${raw[key] === undefined ? '' : ` (got ${JSON.stringify(raw[key])})`}`;
    });
    throw new LogError('CONFIG_INVALID', `invalid configuration: ${msgs.join('; ')}`);
  }
  if (raw['keyFile'] === undefined) raw['keyFile'] = join(String(raw['dataDir']), 'log-key.pem');
  return Object.freeze(raw as unknown as Config);
}

function parseFlags(argv: readonly string[]): Partial<Record<keyof Config | 'config', string>> {
  const out: Partial<Record<keyof Config | 'config', string>> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const eq = arg.indexOf('=');
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    const spec: SettingSpec | undefined = SETTINGS.find((s) => s.flag === flag);
    if (spec === undefined && flag !== '--config') {
      throw new LogError('CONFIG_INVALID', `unknown option ${JSON.stringify(flag)} (see --help)`);
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      i++;
    }
    if (value === undefined) throw new LogError('CONFIG_INVALID', `option ${flag} needs a value`);
    out[spec === undefined ? 'config' : spec.key] = value;
  }
  return out;
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new LogError('CONFIG_INVALID', `couldn't read config file ${path}: ${describeError(err)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new LogError('CONFIG_INVALID', `couldn't parse config file ${path} as JSON: ${describeError(err)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new LogError('CONFIG_INVALID', `config file ${path} must hold a JSON object`);
  }
  return { ...(parsed as Record<string, unknown>) };
}

/** Markdown table of every setting with its default, for the README and `cairn help`. */
export function settingsTable(): string {
  const props = CONFIG_SCHEMA.properties as Record<string, { default?: unknown }>;
  const rows = SETTINGS.map((s) => {
    const d = props[s.key]?.default;
    const def = s.key === 'keyFile' ? '`<data-dir>/log-key.pem`' : `\`${String(d)}\``;
    return `| \`${s.flag}\` | \`${s.env}\` | ${def} | ${s.help} |`;
  });
  return ['| flag | environment | default | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/**
 * Builds the Config from defaults, an optional JSON file, environment
 * variables and command-line flags, in increasing order of precedence, and
 * validates it against CONFIG_SCHEMA. A bad setting throws
 * LogError('CONFIG_INVALID') whose message names the flag/variable and why.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LogError, describeError } from '../errors.js';
import { settingsHelp } from './help.js';
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
  const raw = loadSettings(SETTINGS, validate, sources);
  if (raw['keyFile'] === undefined) raw['keyFile'] = join(String(raw['dataDir']), 'log-key.pem');
  return Object.freeze(raw as unknown as Config);
}

/** Sources of any command's settings, as {@link ConfigSources}. */
export interface SettingSources {
  readonly argv?: readonly string[];
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly overrides?: Readonly<Record<string, unknown>>;
}

/** Compiles a settings schema with the loader's options (defaults filled in, strings coerced, strict). */
export function compileSettingsSchema(schema: object): ValidateFunction {
  return ajv.compile(schema);
}

/**
 * The loader behind loadConfig, for any command's settings (`cairn witness`,
 * `cairn monitor`): defaults < JSON file (`--config FILE` or env `configEnv`)
 * < environment < flags < overrides, validated by `validate` (from
 * {@link compileSettingsSchema}). Unknown flags are errors; a list setting's
 * flag may repeat. Returns the validated object (defaults filled in, not frozen).
 */
export function loadSettings<K extends string>(
  settings: readonly SettingSpec<K>[],
  validateSettings: ValidateFunction,
  sources: SettingSources,
  configEnv = 'CAIRN_CONFIG',
): Record<string, unknown> {
  const env = sources.env ?? {};
  const { file: fileFlag, values: flags } = parseFlags(settings, sources.argv ?? []);
  const file = fileFlag ?? env[configEnv];

  const raw: Record<string, unknown> = file === undefined ? {} : readConfigFile(file);
  // Where each value came from, so that an error names what the operator wrote.
  const origin = new Map<string, string>();
  for (const key of Object.keys(raw)) origin.set(key, `"${key}" in ${file}`);
  for (const s of settings) {
    const v = env[s.env];
    if (v !== undefined && v !== '') {
      raw[s.key] = s.list === undefined ? v : parseListText(v, s.list.parseItem, s.list.separator);
      origin.set(s.key, s.env);
    }
  }
  for (const s of settings) {
    const v = flags.get(s.key);
    if (v !== undefined) {
      raw[s.key] = s.list === undefined ? v[v.length - 1] : v.map(s.list.parseItem);
      origin.set(s.key, s.flag);
    }
  }
  Object.assign(raw, sources.overrides ?? {});

  if (!validateSettings(raw)) {
    const props = (validateSettings.schema as { properties?: Record<string, object> }).properties ?? {};
    const seen = new Set<string>();
    const msgs: string[] = [];
    for (const e of validateSettings.errors ?? []) {
      const key = e.instancePath.split('/')[1] || String(e.params['additionalProperty'] ?? e.params['missingProperty'] ?? '');
      const spec = settings.find((s) => s.key === key);
      const nested = e.instancePath.split('/').length > 2;
      if (!nested && seen.has(key)) continue; // ajv reports a range as two errors (type, then bound): one message per setting
      seen.add(key);
      const name = origin.get(key) ?? (spec === undefined ? key : spec.flag);
      const got = raw[key] === undefined ? '' : ` (got ${JSON.stringify(raw[key])})`;
      if (e.keyword === 'required') msgs.push(`${spec === undefined ? key : `${spec.flag} (or ${spec.env})`} is required`);
      else if (e.keyword === 'additionalProperties') msgs.push(`${name}: unknown setting`);
      else if (nested) msgs.push(`${name} (at ${e.instancePath}) ${e.message ?? 'is invalid'}${got}`);
      else msgs.push(`${name} ${expectation(props[key] ?? {})}${got}`);
    }
    throw new LogError('CONFIG_INVALID', `invalid configuration: ${msgs.join('; ')}`);
  }
  return raw;
}

/** What a setting's schema accepts, in words ("must be an integer from 1 to 65535"). */
export function expectation(schema: { type?: unknown; enum?: readonly unknown[]; minimum?: number; maximum?: number; minLength?: number; pattern?: string }): string {
  if (schema.enum !== undefined) return `must be one of ${schema.enum.map(String).join(', ')}`;
  const range =
    schema.minimum !== undefined && schema.maximum !== undefined
      ? ` from ${schema.minimum} to ${schema.maximum}`
      : schema.minimum !== undefined
        ? ` of at least ${schema.minimum}`
        : schema.maximum !== undefined
          ? ` of at most ${schema.maximum}`
          : '';
  switch (schema.type) {
    case 'integer':
      return `must be an integer${range}`;
    case 'number':
      return `must be a number${range}`;
    case 'boolean':
      return 'must be true or false';
    case 'array':
      return 'must be a list (see --help)';
    case 'string':
      return schema.pattern !== undefined ? 'is not in the expected form (see --help)' : 'must not be empty';
    default:
      return 'is invalid (see --help)';
  }
}

/** A list setting's environment text: a JSON array, or items separated by `separator` (default whitespace). */
function parseListText(text: string, parseItem: (item: string) => unknown, separator = /\s+/): unknown[] {
  if (text.trim().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new LogError('CONFIG_INVALID', `couldn't parse a list setting as JSON: ${describeError(err)}`);
    }
    if (!Array.isArray(parsed)) throw new LogError('CONFIG_INVALID', 'a list setting must be a JSON array');
    return parsed.map((item) => (typeof item === 'string' ? parseItem(item) : item));
  }
  return text
    .split(separator)
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map(parseItem);
}

function parseFlags<K extends string>(
  settings: readonly SettingSpec<K>[],
  argv: readonly string[],
): { file: string | undefined; values: Map<K, string[]> } {
  let file: string | undefined;
  const values = new Map<K, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const eq = arg.indexOf('=');
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    const spec: SettingSpec<K> | undefined = settings.find((s) => s.flag === flag);
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
    if (spec === undefined) file = value;
    else values.set(spec.key, [...(values.get(spec.key) ?? []), value]);
  }
  return { file, values };
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

/** The text of the log's defaults computed at load time. */
export const LOG_DERIVED_DEFAULTS: Readonly<Record<string, string>> = {
  keyFile: '`<data-dir>/log-key.pem`',
  noteKeyFile: '`<data-dir>/note-key.pem` (ECDSA log keys)',
};

/** `cairn serve --help`'s settings (flags, variables, defaults, meanings), fitting 80 columns. */
export function logSettingsHelp(): string {
  return settingsHelp(SETTINGS, CONFIG_SCHEMA, LOG_DERIVED_DEFAULTS);
}

/**
 * Markdown table of every setting with its default, for the README and
 * `cairn help` (by default the log's; `cairn witness` and `cairn monitor`
 * pass theirs). `derived` gives the text of defaults computed at load time.
 */
export function settingsTable<K extends string>(
  settings: readonly SettingSpec<K>[] = SETTINGS as unknown as readonly SettingSpec<K>[],
  schema: { readonly properties: object } = CONFIG_SCHEMA,
  derived: Readonly<Record<string, string>> = LOG_DERIVED_DEFAULTS,
): string {
  const props = schema.properties as Record<string, { default?: unknown }>;
  const rows = settings.map((s) => {
    const d = props[s.key]?.default;
    const def = derived[s.key] ?? (d === undefined ? 'none' : Array.isArray(d) ? (d.length === 0 ? 'none' : `\`${JSON.stringify(d)}\``) : `\`${String(d)}\``);
    return `| \`${s.flag}\` | \`${s.env}\` | ${def} | ${s.help} |`;
  });
  return ['| flag | environment | default | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

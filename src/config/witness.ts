/**
 * Settings of `cairn witness` (a c2sp.org/tlog-witness cosigner), loaded like
 * the log's (defaults < JSON file `--config` / CAIRN_WITNESS_CONFIG <
 * environment < flags) by the same loader.
 */
import { join } from 'node:path';
import { compileSettingsSchema, loadSettings, settingsTable, type SettingSources } from './load.js';
import { settingsHelp } from './help.js';
import { VKEY_SCHEMA, splitAtVkey, type SettingSpec } from './schema.js';

/** A log the witness cosigns for: its checkpoint origin and verifier key. */
export interface WitnessedLogSetting {
  readonly origin: string;
  /** `<name>+<key ID>+<base64(0x01 ‖ Ed25519 public key)>`, the log's checkpoint key. */
  readonly vkey: string;
}

/** Validated, frozen witness configuration. */
export interface WitnessConfig {
  readonly port: number;
  readonly host: string;
  /** Directory of the state database (`witness.db`) and, by default, the key. */
  readonly dataDir: string;
  /** Ed25519 key: PKCS#8 PEM, an x/mod `PRIVATE+KEY+…` string or a `pkcs11:` URI; default `<dataDir>/witness-key.pem` (created 0600). */
  readonly keyFile: string;
  /** Cosignature key name; default: the name in an x/mod key string, else `cairn-witness`. */
  readonly name: string | undefined;
  /** The logs witnessed. A log may be listed once per key it signs with. */
  readonly logs: readonly WitnessedLogSetting[];
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
}

type Key = keyof WitnessConfig;

export const WITNESS_SETTINGS: readonly SettingSpec<Key>[] = [
  { key: 'port', flag: '--port', env: 'CAIRN_WITNESS_PORT', help: 'TCP port to listen on (0 picks a free port)' },
  { key: 'host', flag: '--host', env: 'CAIRN_WITNESS_HOST', help: 'interface to bind' },
  { key: 'dataDir', flag: '--data-dir', env: 'CAIRN_WITNESS_DATA_DIR', help: 'directory for the witness state database (and the key, by default)' },
  { key: 'keyFile', flag: '--key-file', env: 'CAIRN_WITNESS_KEY_FILE', help: 'Ed25519 witness key: PKCS#8 PEM or an x/mod `PRIVATE+KEY+…` string (default `<data-dir>/witness-key.pem`, created 0600), or an RFC 7512 `pkcs11:` URI of an Ed25519 key in a token (PIN from `pin-value`/`pin-source`)' },
  { key: 'name', flag: '--name', env: 'CAIRN_WITNESS_NAME', help: 'key name of the cosignatures (a schema-less URL is recommended); must match an x/mod key string\'s name' },
  {
    key: 'logs',
    flag: '--log',
    env: 'CAIRN_WITNESS_LOGS',
    help: 'a log to witness, `ORIGIN=VKEY` (the checkpoint origin, e.g. `log.example - 123`, and the log\'s verifier key); repeatable; the variable holds one per line; the config file a list of `{"origin", "vkey"}`',
    list: { parseItem: (text) => splitAtVkey('origin', text), separator: /\r?\n/ },
  },
  { key: 'logLevel', flag: '--log-level', env: 'CAIRN_WITNESS_LOG_LEVEL', help: 'debug, info, warn, error or silent' },
];

export const WITNESS_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    port: { type: 'integer', minimum: 0, maximum: 65535, default: 3100 },
    host: { type: 'string', minLength: 1, default: '127.0.0.1' },
    dataDir: { type: 'string', minLength: 1, default: './witness-data' },
    keyFile: { type: 'string', minLength: 1 },
    name: { type: 'string', pattern: '^[^\\s+]+$' },
    logs: {
      type: 'array',
      maxItems: 1000,
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['origin', 'vkey'],
        properties: { origin: { type: 'string', minLength: 1, pattern: '^[^\\n]+$' }, vkey: VKEY_SCHEMA },
      },
    },
    logLevel: { enum: ['debug', 'info', 'warn', 'error', 'silent'], default: 'info' },
  },
} as const;

const validate = compileSettingsSchema(WITNESS_CONFIG_SCHEMA);

/** Load and validate `cairn witness`'s configuration; throws LogError('CONFIG_INVALID') naming the setting. */
export function loadWitnessConfig(sources: SettingSources = {}): WitnessConfig {
  const raw = loadSettings(WITNESS_SETTINGS, validate, sources, 'CAIRN_WITNESS_CONFIG');
  if (raw['keyFile'] === undefined) raw['keyFile'] = join(String(raw['dataDir']), 'witness-key.pem');
  return Object.freeze(raw as unknown as WitnessConfig);
}

/** The README / `cairn help` table of the witness's settings. */
export function witnessSettingsTable(): string {
  return settingsTable(WITNESS_SETTINGS, WITNESS_CONFIG_SCHEMA, WITNESS_DERIVED_DEFAULTS);
}

/** `cairn witness --help`'s settings, fitting 80 columns. */
export function witnessSettingsHelp(): string {
  return settingsHelp(WITNESS_SETTINGS, WITNESS_CONFIG_SCHEMA, WITNESS_DERIVED_DEFAULTS);
}

const WITNESS_DERIVED_DEFAULTS = { keyFile: '`<data-dir>/witness-key.pem`', name: '`cairn-witness`' };

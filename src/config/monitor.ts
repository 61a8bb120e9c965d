/**
 * Settings of `cairn monitor` (follows a log, checks every new checkpoint is
 * consistent with the last verified one by recomputing the tree from its
 * tiles, watches for entries of given keys), loaded like the log's
 * (defaults < JSON file `--config` / CAIRN_MONITOR_CONFIG < environment < flags).
 * `--once` and `--follow` are shorthands for `--mode once|follow`.
 */
import { compileSettingsSchema, loadSettings, settingsTable, type SettingSources } from './load.js';
import { settingsHelp } from './help.js';
import { VKEY_SCHEMA, type SettingSpec } from './schema.js';

/** Validated, frozen monitor configuration. */
export interface MonitorConfig {
  /** The log's base URL: `<logUrl>/checkpoint`, `<logUrl>/tile/…` are fetched. */
  readonly logUrl: string;
  /** The log's checkpoint verifier key (type 0x01). */
  readonly vkey: string;
  /** Expected checkpoint origin; default: pinned from the first verified checkpoint. */
  readonly origin: string | undefined;
  /** JSON file holding the last verified checkpoint (written atomically). */
  readonly stateFile: string;
  /**
   * A rotation the monitor is told about: a JSON file with the answer of
   * `POST /api/v1/admin/rotate` (`cairn admin rotate`), `{frozen: {treeID,
   * treeSize, rootHash}, active: {treeID}}`. Unset: a change of tree is flagged.
   */
  readonly rotation: string | undefined;
  /** Witness verifier keys (type 0x04) whose cosignatures count. */
  readonly witnesses: readonly string[];
  /** Cosignatures by distinct listed witnesses a checkpoint needs; default: all listed. */
  readonly minWitnesses: number | undefined;
  /** PEM files of public keys or certificates whose entries are reported. */
  readonly watchKeys: readonly string[];
  /** Artifact digests (`sha256:<hex>`, or bare hex) whose entries are reported. */
  readonly watchDigests: readonly string[];
  /** Identities (email addresses, URIs in certificates) whose entries are reported. */
  readonly watchIdentities: readonly string[];
  /** `once`: check the latest checkpoint and exit; `follow`: keep polling. */
  readonly mode: 'once' | 'follow';
  /** Polling interval in follow mode, ms. */
  readonly intervalMs: number;
  /** Timeout of each HTTP request, ms. */
  readonly timeoutMs: number;
  /** Where a first run (no state file) begins: `0`, the whole log; `latest`, the current checkpoint. */
  readonly start: '0' | 'latest';
  /** Least time between two progress lines (and state saves) during a catch-up, ms; 0: after every window of tiles. */
  readonly progressIntervalMs: number;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
}

type Key = keyof MonitorConfig;

const item = { parseItem: (text: string): string => text };

export const MONITOR_SETTINGS: readonly SettingSpec<Key>[] = [
  { key: 'logUrl', flag: '--log-url', env: 'CAIRN_MONITOR_LOG_URL', help: 'base URL of the log (tlog-tiles: `/checkpoint`, `/tile/…`); required' },
  { key: 'vkey', flag: '--vkey', env: 'CAIRN_MONITOR_VKEY', help: 'the log\'s checkpoint verifier key, its note key (type 0x01: `cairn vkey`, `GET /api/v1/log/vkey`; a witness\'s cosignature key is refused); required' },
  { key: 'origin', flag: '--origin', env: 'CAIRN_MONITOR_ORIGIN', help: 'expected checkpoint origin (default: pinned from the first checkpoint)' },
  { key: 'stateFile', flag: '--state-file', env: 'CAIRN_MONITOR_STATE_FILE', help: 'JSON file keeping the last verified checkpoint (written atomically)' },
  { key: 'rotation', flag: '--rotation', env: 'CAIRN_MONITOR_ROTATION', help: 'a rotation to follow: JSON file with the answer of `cairn admin rotate` (`{frozen: {treeID, treeSize, rootHash}, active: {treeID}}`): the frozen tree is verified up to that final checkpoint at `<log-url>/shard/<treeID>/`, then the new tree from size 0; unset: a new tree is flagged' },
  { key: 'witnesses', flag: '--witness', env: 'CAIRN_MONITOR_WITNESSES', help: 'a witness verifier key whose cosignatures count; repeatable', list: item },
  { key: 'minWitnesses', flag: '--min-witnesses', env: 'CAIRN_MONITOR_MIN_WITNESSES', help: 'cosignatures by distinct listed witnesses each checkpoint needs (default: all listed)' },
  { key: 'watchKeys', flag: '--watch-key', env: 'CAIRN_MONITOR_WATCH_KEYS', help: 'PEM file of a public key or certificate: report entries it signed; repeatable', list: item },
  { key: 'watchDigests', flag: '--watch-digest', env: 'CAIRN_MONITOR_WATCH_DIGESTS', help: 'artifact digest `sha256:<hex>`: report entries for it; repeatable', list: item },
  { key: 'watchIdentities', flag: '--watch-identity', env: 'CAIRN_MONITOR_WATCH_IDENTITIES', help: 'email or URI in a signing certificate: report its entries; repeatable', list: item },
  { key: 'mode', flag: '--mode', env: 'CAIRN_MONITOR_MODE', help: '`once` (check and exit; also `--once`) or `follow` (poll; also `--follow`)' },
  { key: 'intervalMs', flag: '--interval-ms', env: 'CAIRN_MONITOR_INTERVAL_MS', help: 'polling interval in follow mode, ms' },
  { key: 'timeoutMs', flag: '--timeout-ms', env: 'CAIRN_MONITOR_TIMEOUT_MS', help: 'timeout of each HTTP request, ms' },
  { key: 'start', flag: '--start', env: 'CAIRN_MONITOR_START', help: 'where a first run begins: `0` (verify the whole log) or `latest` (the current checkpoint)' },
  { key: 'progressIntervalMs', flag: '--progress-interval-ms', env: 'CAIRN_MONITOR_PROGRESS_INTERVAL_MS', help: 'least time between progress lines and state saves during a catch-up, ms' },
  { key: 'logLevel', flag: '--log-level', env: 'CAIRN_MONITOR_LOG_LEVEL', help: 'debug, info, warn, error or silent' },
];

const stringList = { type: 'array', maxItems: 10000, default: [], items: { type: 'string', minLength: 1 } } as const;

export const MONITOR_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['logUrl', 'vkey'],
  properties: {
    logUrl: { type: 'string', pattern: '^https?://[^\\s]+$' },
    vkey: VKEY_SCHEMA,
    origin: { type: 'string', minLength: 1, pattern: '^[^\\n]+$' },
    stateFile: { type: 'string', minLength: 1, default: './monitor-state.json' },
    rotation: { type: 'string', minLength: 1 },
    witnesses: { type: 'array', maxItems: 100, default: [], items: VKEY_SCHEMA },
    minWitnesses: { type: 'integer', minimum: 0, maximum: 100 },
    watchKeys: stringList,
    watchDigests: { type: 'array', maxItems: 10000, default: [], items: { type: 'string', pattern: '^([a-z0-9]+:)?[0-9a-fA-F]{40,128}$' } },
    watchIdentities: stringList,
    mode: { enum: ['once', 'follow'], default: 'once' },
    intervalMs: { type: 'integer', minimum: 10, maximum: 86400000, default: 30000 },
    timeoutMs: { type: 'integer', minimum: 100, maximum: 600000, default: 30000 },
    start: { type: 'string', enum: ['0', 'latest'], default: '0' },
    progressIntervalMs: { type: 'integer', minimum: 0, maximum: 3600000, default: 2000 },
    logLevel: { enum: ['debug', 'info', 'warn', 'error', 'silent'], default: 'info' },
  },
} as const;

const validate = compileSettingsSchema(MONITOR_CONFIG_SCHEMA);

/** Load and validate `cairn monitor`'s configuration; throws LogError('CONFIG_INVALID') naming the setting. */
export function loadMonitorConfig(sources: SettingSources = {}): MonitorConfig {
  const argv = (sources.argv ?? []).flatMap((a) => (a === '--once' ? ['--mode', 'once'] : a === '--follow' ? ['--mode', 'follow'] : [a]));
  const raw = loadSettings(MONITOR_SETTINGS, validate, { ...sources, argv }, 'CAIRN_MONITOR_CONFIG');
  return Object.freeze(raw as unknown as MonitorConfig);
}

/** The README / `cairn help` table of the monitor's settings. */
export function monitorSettingsTable(): string {
  return settingsTable(MONITOR_SETTINGS, MONITOR_CONFIG_SCHEMA, MONITOR_DERIVED_DEFAULTS);
}

/** `cairn monitor --help`'s settings, fitting 80 columns. */
export function monitorSettingsHelp(): string {
  return settingsHelp(MONITOR_SETTINGS, MONITOR_CONFIG_SCHEMA, MONITOR_DERIVED_DEFAULTS);
}

const MONITOR_DERIVED_DEFAULTS = { minWitnesses: 'all listed', origin: 'from the first checkpoint' };

/**
 * The one configuration schema. Every setting has a default, a type, bounds, a
 * flag name and an environment variable; the README's settings table is
 * generated from this list (`cairn config --help-table`).
 */

/** Validated, frozen configuration. */
export interface Config {
  /** TCP port to listen on (0 = any free port). */
  readonly port: number;
  /** Interface to bind. */
  readonly host: string;
  /** Directory for the database and, unless keyFile is set, the log key. Created if missing. */
  readonly dataDir: string;
  /** URL clients use to reach the log; its host names the checkpoint origin and signature. */
  readonly publicUrl: string;
  /** PKCS#8 PEM Ed25519 log key; default `<dataDir>/log-key.pem` (created 0600 on first start). */
  readonly keyFile: string;
  /** Largest number of entries sequenced in one batch (one transaction, one checkpoint). */
  readonly batchMaxSize: number;
  /** Longest time, in ms, an entry waits in the pool before its batch is flushed. */
  readonly batchMaxAgeMs: number;
  /** Most entries waiting in the pool; beyond it submissions get POOL_FULL (503). */
  readonly poolMaxSize: number;
  /** Largest accepted request body, bytes (413 beyond). */
  readonly maxRequestBytes: number;
  /** Largest canonical entry body, bytes (at most 65,535: a tlog-tiles bundle entry). */
  readonly maxEntryBytes: number;
  /** Most items in one retrieve/search request (422 beyond). */
  readonly maxSearchItems: number;
  /** Most results one index search returns. */
  readonly maxSearchResults: number;
  /** Log verbosity. */
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
}

/** One setting's description: flag, env var, type and help. */
export interface SettingSpec {
  readonly key: keyof Config;
  readonly flag: string;
  readonly env: string;
  readonly help: string;
}

export const SETTINGS: readonly SettingSpec[] = [
  { key: 'port', flag: '--port', env: 'CAIRN_PORT', help: 'TCP port to listen on (0 picks a free port)' },
  { key: 'host', flag: '--host', env: 'CAIRN_HOST', help: 'interface to bind' },
  { key: 'dataDir', flag: '--data-dir', env: 'CAIRN_DATA_DIR', help: 'directory for the SQLite database (and the key, by default)' },
  { key: 'publicUrl', flag: '--public-url', env: 'CAIRN_PUBLIC_URL', help: 'URL clients use; its host names the checkpoint origin `<host> - <treeID>` and the signature' },
  { key: 'keyFile', flag: '--key-file', env: 'CAIRN_KEY_FILE', help: 'Ed25519 log key, PKCS#8 PEM (default `<data-dir>/log-key.pem`, created with mode 0600)' },
  { key: 'batchMaxSize', flag: '--batch-max-size', env: 'CAIRN_BATCH_MAX_SIZE', help: 'most entries per batch (one transaction, one checkpoint)' },
  { key: 'batchMaxAgeMs', flag: '--batch-max-age-ms', env: 'CAIRN_BATCH_MAX_AGE_MS', help: 'longest wait, in ms, before a non-full batch is sequenced' },
  { key: 'poolMaxSize', flag: '--pool-max-size', env: 'CAIRN_POOL_MAX_SIZE', help: 'most entries waiting to be sequenced; beyond it, 503 POOL_FULL with Retry-After' },
  { key: 'maxRequestBytes', flag: '--max-request-bytes', env: 'CAIRN_MAX_REQUEST_BYTES', help: 'largest request body in bytes (413 beyond)' },
  { key: 'maxEntryBytes', flag: '--max-entry-bytes', env: 'CAIRN_MAX_ENTRY_BYTES', help: 'largest canonical entry body in bytes (≤ 65535)' },
  { key: 'maxSearchItems', flag: '--max-search-items', env: 'CAIRN_MAX_SEARCH_ITEMS', help: 'most items in one retrieve request (422 beyond)' },
  { key: 'maxSearchResults', flag: '--max-search-results', env: 'CAIRN_MAX_SEARCH_RESULTS', help: 'most entry IDs one index search returns' },
  { key: 'logLevel', flag: '--log-level', env: 'CAIRN_LOG_LEVEL', help: 'debug, info, warn, error or silent' },
];

/** JSON Schema (draft 2020-12 subset understood by ajv) of a Config, with defaults. keyFile's default is derived. */
export const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    port: { type: 'integer', minimum: 0, maximum: 65535, default: 3000 },
    host: { type: 'string', minLength: 1, default: '127.0.0.1' },
    dataDir: { type: 'string', minLength: 1, default: './data' },
    publicUrl: { type: 'string', pattern: '^https?://[^\\s/+]+(/[^\\s+]*)?$', default: 'http://localhost:3000' },
    keyFile: { type: 'string', minLength: 1 },
    batchMaxSize: { type: 'integer', minimum: 1, maximum: 100000, default: 1024 },
    batchMaxAgeMs: { type: 'integer', minimum: 0, maximum: 60000, default: 25 },
    poolMaxSize: { type: 'integer', minimum: 1, maximum: 10000000, default: 20000 },
    maxRequestBytes: { type: 'integer', minimum: 1024, maximum: 67108864, default: 262144 },
    maxEntryBytes: { type: 'integer', minimum: 256, maximum: 65535, default: 65535 },
    maxSearchItems: { type: 'integer', minimum: 1, maximum: 1000, default: 10 },
    maxSearchResults: { type: 'integer', minimum: 1, maximum: 100000, default: 1000 },
    logLevel: { enum: ['debug', 'info', 'warn', 'error', 'silent'], default: 'info' },
  },
} as const;

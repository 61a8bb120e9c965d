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
  /**
   * `postgres://user:password@host:port/database?…`: keep the log in this
   * PostgreSQL database instead of SQLite files in the data dir (which then
   * holds the keys only). The Rekor v2 tree and the admin audit log live in
   * schemas of their own in the same database. The password is never logged.
   */
  readonly databaseUrl?: string;
  /** URL clients use to reach the log; its host names the checkpoint origin and signature. */
  readonly publicUrl: string;
  /**
   * The log key: a PKCS#8 PEM file (ECDSA P-256 or Ed25519, type read from the
   * key) or an RFC 7512 `pkcs11:` URI; default `<dataDir>/log-key.pem`
   * (an ECDSA P-256 key created 0600 on first start).
   */
  readonly keyFile: string;
  /**
   * The Ed25519 note key that signs checkpoints for C2SP clients when the log
   * key is ECDSA: a PKCS#8 PEM file or a `pkcs11:` URI; unset: `<dataDir>/note-key.pem`
   * (created 0600 on first start). Refused with an Ed25519 log key (it signs for both).
   */
  readonly noteKeyFile?: string;
  /**
   * The key staged for the next tree: POST /api/v1/admin/rotate starts the new
   * tree with it (a PKCS#8 PEM file or a `pkcs11:` URI, never created); unset:
   * a rotation keeps the current key. With an ECDSA key the note key stays.
   */
  readonly nextKeyFile?: string;
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
  /**
   * MiB of full tiles and entry bundles kept in memory as served
   * (src/http/full-tiles.ts): full tiles never change, so a node serves one
   * read again without a store read; 0: none kept.
   */
  readonly tileCacheMb: number;
  /**
   * Start-up database check: `full` runs SQLite's quick_check over the whole
   * file and rehashes every entry, tile and checkpoint root (time grows with
   * the log), `fast` relies on the O(log n) self-check, `auto` runs the
   * quick_check up to 1 GiB (256 MiB with the integrity audit on) and the
   * rehash up to 256 MiB.
   */
  readonly startupCheck: 'auto' | 'full' | 'fast';
  /** Entries per second the background integrity audit rehashes (0 = off). */
  readonly auditRate: number;
  /** Worker threads that verify submitted entries' signatures (0 = on the event loop). */
  readonly verifyWorkers: number;
  /** Log verbosity. */
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Witnesses every published checkpoint is submitted to (c2sp.org/tlog-witness); empty: none. */
  readonly witnesses: readonly WitnessSetting[];
  /** Per-request timeout of witness submissions, ms. */
  readonly witnessTimeoutMs: number;
  /** Least time between two submissions to one witness, ms (0: every checkpoint). */
  readonly witnessIntervalMs: number;
  /** First retry delay after a failed witness submission, ms (doubles per failure). */
  readonly witnessBackoffMs: number;
  /** Longest retry delay of witness submissions, ms. */
  readonly witnessBackoffMaxMs: number;
  /** JSON file of bearer tokens ({name, sha256, roles}); unset: no access control (every route open). */
  readonly tokensFile?: string;
  /** With a tokens file: reads need a valid token too. */
  readonly readAuth: boolean;
  /** Base32 TOTP secret file (mode 0600 or stricter): admin operations need its one-time code too. */
  readonly adminTotpSecretFile?: string;
  /** Requests per second each client (token, else address) may make; 0 = no limit. */
  readonly rateLimit: number;
  /** Requests a client may make at once before the rate applies. */
  readonly rateLimitBurst: number;
  /** Proxy hops whose X-Forwarded-For gives the client address (0: the TCP peer). */
  readonly trustProxy: number;
  /** Port of a listener serving only GET /metrics (0 = any free port); unset: /metrics is on the API port. */
  readonly metricsPort?: number;
  /** Interface the metrics listener binds (with metricsPort). */
  readonly metricsHost: string;
  /** Origins whose pages may read the log (CORS): `*`, comma-separated exact origins, or empty (no CORS headers). */
  readonly corsOrigins: string;
  /** Longest time, ms, to receive a request's headers (slowloris guard). */
  readonly headersTimeoutMs: number;
  /** Longest time, ms, to receive a whole request (0 = none). */
  readonly requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open, ms. */
  readonly keepAliveTimeoutMs: number;
  /** Most requests served on one connection (0 = no limit). */
  readonly maxRequestsPerSocket: number;
  /** Most open connections; beyond it new ones are closed at once (0 = no limit). */
  readonly maxConnections: number;
  /**
   * Longest time, ms, from SIGTERM/SIGINT to exit: connections are drained,
   * the batch in flight is committed; whatever still runs at the end is cut
   * off (no acknowledged entry is lost: answers follow durable commits).
   */
  readonly shutdownGraceMs: number;
  /**
   * Several nodes on one database: the URL the other nodes reach this node's
   * internal forwarding route at; unset: `http://<host>:<port>` (with
   * --host 0.0.0.0 or ::, the machine's hostname).
   */
  readonly nodeUrl?: string;
  /**
   * Several nodes on one database: how long the sequencer lease lasts
   * without a renewal, ms; a sequencer that stops (crash, pause, partition)
   * is replaced within about this time plus a fifth of it.
   */
  readonly leaseTtlMs: number;
  /**
   * With --database-url: how long `cairn serve` waits at start for a
   * database it cannot reach (refused, timed out, starting up), retrying
   * with a warning each time, before it gives up and exits 2; 0: at once.
   */
  readonly databaseWaitMs: number;
}

/** One witness: its submission prefix (`<url>/add-checkpoint`) and its verifier key. */
export interface WitnessSetting {
  readonly url: string;
  /** `<name>+<key ID>+<base64(0x04 ‖ Ed25519 public key)>` (tlog-cosignature; 0x01 accepted too). */
  readonly vkey: string;
}

/** One setting's description: flag, env var, type and help. `K` names the config's keys. */
export interface SettingSpec<K extends string = keyof Config> {
  readonly key: K;
  readonly flag: string;
  readonly env: string;
  readonly help: string;
  /**
   * A list setting: the flag may be repeated, each occurrence adding one item
   * parsed by `parseItem`; the environment variable holds items separated by
   * `separator`, or a JSON array. A JSON config file gives the array itself.
   */
  readonly list?: {
    readonly parseItem: (text: string) => unknown;
    /** What separates items in the environment variable (default: whitespace). */
    readonly separator?: RegExp;
  };
}

/**
 * `<left>=<vkey>` → `{[leftKey]: left, vkey}`, split at the FIRST '=' (a vkey's
 * base64 may end in '='; so `<left>` must not contain one: use the JSON form then).
 * Without '=' the vkey is empty, which the schema rejects naming the setting.
 */
export function splitAtVkey<L extends string>(leftKey: L, text: string): Record<L | 'vkey', string> {
  const at = text.indexOf('=');
  const left = at < 0 ? text : text.slice(0, at);
  const vkey = at < 0 ? '' : text.slice(at + 1);
  return { [leftKey]: left, vkey } as Record<L | 'vkey', string>;
}

/** JSON Schema of a verifier key string (c2sp.org/signed-note); its key ID is checked when it is parsed. */
export const VKEY_SCHEMA = { type: 'string', pattern: '^[^\\s+]+\\+[0-9a-fA-F]{8}\\+[A-Za-z0-9+/]+=*$' } as const;

export const SETTINGS: readonly SettingSpec[] = [
  { key: 'port', flag: '--port', env: 'CAIRN_PORT', help: 'TCP port to listen on (0 picks a free port)' },
  { key: 'host', flag: '--host', env: 'CAIRN_HOST', help: 'interface to bind' },
  { key: 'dataDir', flag: '--data-dir', env: 'CAIRN_DATA_DIR', help: 'directory for the SQLite database (and the key, by default)' },
  { key: 'databaseUrl', flag: '--database-url', env: 'CAIRN_DATABASE_URL', help: 'keep the log in PostgreSQL (14 or later, fsync on): `postgres://user:password@host:port/database` (libpq URL; `?host=/run/postgresql` for a socket); the v1 log in the schema the URL selects (`public` by default), the Rekor v2 tree in schema `cairn_rekor_v2`, the admin audit log in `cairn_admin_log`, each created and migrated at start; the data dir then holds the keys only; unset: SQLite files in the data dir. The password is never logged' },
  { key: 'publicUrl', flag: '--public-url', env: 'CAIRN_PUBLIC_URL', help: 'URL clients use; its host names the checkpoint origin `<host> - <treeID>` and the signature' },
  { key: 'keyFile', flag: '--key-file', env: 'CAIRN_KEY_FILE', help: 'log key: a PKCS#8 PEM file, ECDSA P-256 or Ed25519 (the type is read from the key; if missing, an ECDSA P-256 key is created with mode 0600), or an RFC 7512 `pkcs11:` URI of a key in a token (PIN from `pin-value`/`pin-source`)' },
  { key: 'noteKeyFile', flag: '--note-key-file', env: 'CAIRN_NOTE_KEY_FILE', help: 'with an ECDSA log key: the Ed25519 note key that signs checkpoints for C2SP clients (Go x/mod, witnesses, monitors; vkey at `/api/v1/log/vkey`), a PKCS#8 PEM file (created with mode 0600 if missing) or a `pkcs11:` URI; refused with an Ed25519 log key, which signs for both' },
  { key: 'nextKeyFile', flag: '--next-key-file', env: 'CAIRN_NEXT_KEY_FILE', help: 'the log key staged for the next tree: `POST /api/v1/admin/rotate` freezes the active tree and starts one signed by this key (a PKCS#8 PEM file, ECDSA P-256 or Ed25519, not created if missing, or a `pkcs11:` URI); unset: a rotation keeps the current key; after a rotation to it, either key file may stay in --key-file' },
  { key: 'batchMaxSize', flag: '--batch-max-size', env: 'CAIRN_BATCH_MAX_SIZE', help: 'most entries per batch (one transaction, one checkpoint)' },
  { key: 'batchMaxAgeMs', flag: '--batch-max-age-ms', env: 'CAIRN_BATCH_MAX_AGE_MS', help: 'longest wait, in ms, before a non-full batch is sequenced' },
  { key: 'poolMaxSize', flag: '--pool-max-size', env: 'CAIRN_POOL_MAX_SIZE', help: 'most entries waiting to be sequenced; beyond it, 503 POOL_FULL with Retry-After' },
  { key: 'maxRequestBytes', flag: '--max-request-bytes', env: 'CAIRN_MAX_REQUEST_BYTES', help: 'largest request body in bytes (413 beyond)' },
  { key: 'maxEntryBytes', flag: '--max-entry-bytes', env: 'CAIRN_MAX_ENTRY_BYTES', help: 'largest canonical entry body in bytes (≤ 65535)' },
  { key: 'maxSearchItems', flag: '--max-search-items', env: 'CAIRN_MAX_SEARCH_ITEMS', help: 'most items in one retrieve request (422 beyond)' },
  { key: 'maxSearchResults', flag: '--max-search-results', env: 'CAIRN_MAX_SEARCH_RESULTS', help: 'most entry IDs one index search returns' },
  { key: 'tileCacheMb', flag: '--tile-cache-mb', env: 'CAIRN_TILE_CACHE_MB', help: 'memory for full tiles and entry bundles kept as served (`/tile/<L>/<N>` and `/tile/entries/<N>` without `.p/`: immutable, so never stale, on any node), MiB, least recently used out; a tile read again costs no database read; partial tiles are never kept; 0 = off' },
  { key: 'startupCheck', flag: '--startup-check', env: 'CAIRN_STARTUP_CHECK', help: 'database check at start: full (SQLite quick_check of the whole file, then every entry, tile and checkpoint root rehashed), fast (self-check only), auto (quick_check up to 1 GiB, or 256 MiB with --audit-rate > 0; rehash up to 256 MiB); a damaged database stops the server (exit 2, naming the file)' },
  { key: 'auditRate', flag: '--audit-rate', env: 'CAIRN_AUDIT_RATE', help: 'entries per second the background integrity audit rehashes (bodies, leaf hashes, tiles, up to the latest checkpoint root), pass after pass; a mismatch turns the log read-only, naming where; 0 = off' },
  { key: 'verifyWorkers', flag: '--verify-workers', env: 'CAIRN_VERIFY_WORKERS', help: 'worker threads that parse, check and verify submissions and sign their SETs (0 = all on the event loop)' },
  { key: 'logLevel', flag: '--log-level', env: 'CAIRN_LOG_LEVEL', help: 'debug, info, warn, error or silent' },
  {
    key: 'witnesses',
    flag: '--witness',
    env: 'CAIRN_WITNESSES',
    help: 'a witness to submit every checkpoint to, `URL=VKEY` (URL: its tlog-witness submission prefix; VKEY: its cosignature verifier key); repeatable; the variable holds space-separated items; the config file a list of `{"url", "vkey"}`',
    list: { parseItem: (text) => splitAtVkey('url', text) },
  },
  { key: 'witnessTimeoutMs', flag: '--witness-timeout-ms', env: 'CAIRN_WITNESS_TIMEOUT_MS', help: 'timeout of one witness submission, ms' },
  { key: 'witnessIntervalMs', flag: '--witness-interval-ms', env: 'CAIRN_WITNESS_INTERVAL_MS', help: 'least time between two submissions to one witness, ms; checkpoints published meanwhile are skipped, the latest is sent (0: every checkpoint)' },
  { key: 'witnessBackoffMs', flag: '--witness-backoff-ms', env: 'CAIRN_WITNESS_BACKOFF_MS', help: 'first retry delay after a failed witness submission, ms (doubles per failure)' },
  { key: 'witnessBackoffMaxMs', flag: '--witness-backoff-max-ms', env: 'CAIRN_WITNESS_BACKOFF_MAX_MS', help: 'longest retry delay of witness submissions, ms' },
  { key: 'tokensFile', flag: '--tokens-file', env: 'CAIRN_TOKENS_FILE', help: 'JSON file of bearer tokens `{"tokens": [{"name", "sha256", "roles"}]}`, roles `submit` and `admin` (lines from `cairn token`); set: POST /api/v1/log/entries needs role submit, /metrics role admin; unset: no access control' },
  { key: 'adminTotpSecretFile', flag: '--admin-totp-secret-file', env: 'CAIRN_ADMIN_TOTP_SECRET_FILE', help: 'file holding a base32 TOTP secret (from `cairn totp-secret`; refused when group or others may read it): admin operations (`/api/v1/admin/`) then need, besides a token with role admin, its current RFC 6238 code (SHA-1, 6 digits, 30 s) in the `X-Cairn-OTP` header, each code accepted once; unset: the role is enough' },
  { key: 'readAuth', flag: '--read-auth', env: 'CAIRN_READ_AUTH', help: '`true`: reads need a valid token too (needs --tokens-file); /healthz stays open' },
  { key: 'rateLimit', flag: '--rate-limit', env: 'CAIRN_RATE_LIMIT', help: 'requests per second per client (its token, else its address); beyond it 429 with Retry-After; 0 = off' },
  { key: 'rateLimitBurst', flag: '--rate-limit-burst', env: 'CAIRN_RATE_LIMIT_BURST', help: 'requests a client may make at once before --rate-limit applies' },
  { key: 'trustProxy', flag: '--trust-proxy', env: 'CAIRN_TRUST_PROXY', help: 'reverse-proxy hops whose X-Forwarded-For names the client (for rate limits); 0 = the TCP peer' },
  { key: 'metricsPort', flag: '--metrics-port', env: 'CAIRN_METRICS_PORT', help: 'serve GET /metrics on this port (0 picks a free one), without tokens, and not on the API port; unset: /metrics is on the API port (role admin when --tokens-file is set)' },
  { key: 'metricsHost', flag: '--metrics-host', env: 'CAIRN_METRICS_HOST', help: 'interface the --metrics-port listener binds' },
  { key: 'corsOrigins', flag: '--cors-origins', env: 'CAIRN_CORS_ORIGINS', help: 'origins whose pages may read the log (CORS on GET/HEAD routes, preflight answered): `*` (any: a public log), comma-separated origins such as `https://a.example,https://b.example`, or empty for none; writes never get CORS headers' },
  { key: 'headersTimeoutMs', flag: '--headers-timeout-ms', env: 'CAIRN_HEADERS_TIMEOUT_MS', help: 'longest time to receive request headers, ms (408 and close beyond: slow clients cannot hold connections); ≤ --request-timeout-ms' },
  { key: 'requestTimeoutMs', flag: '--request-timeout-ms', env: 'CAIRN_REQUEST_TIMEOUT_MS', help: 'longest time to receive a whole request, ms (0 = none)' },
  { key: 'keepAliveTimeoutMs', flag: '--keep-alive-timeout-ms', env: 'CAIRN_KEEP_ALIVE_TIMEOUT_MS', help: 'idle time after which a keep-alive connection is closed, ms' },
  { key: 'maxRequestsPerSocket', flag: '--max-requests-per-socket', env: 'CAIRN_MAX_REQUESTS_PER_SOCKET', help: 'most requests on one connection before it is closed (0 = no limit)' },
  { key: 'maxConnections', flag: '--max-connections', env: 'CAIRN_MAX_CONNECTIONS', help: 'most open connections; further ones are closed at once (0 = no limit)' },
  { key: 'nodeUrl', flag: '--node-url', env: 'CAIRN_NODE_URL', help: 'with several nodes on one database: the URL the other nodes reach this node at, to forward the entries they admit while it sequences (its internal route, authenticated by a secret kept in the database); unset: `http://<host>:<port>` (the hostname when --host is 0.0.0.0 or ::)' },
  { key: 'databaseWaitMs', flag: '--database-wait-ms', env: 'CAIRN_DATABASE_WAIT_MS', help: 'with --database-url: how long `cairn serve` waits at start for a database it cannot reach (connection refused or timed out, the server starting up or recovering), retrying with a warning in the log each time, ms; /readyz answers 503 `checking` meanwhile; beyond it (or at once with 0) it exits 2. A database that refuses the log (credentials, a missing database, fsync off) exits 2 at once' },
  { key: 'leaseTtlMs', flag: '--lease-ttl-ms', env: 'CAIRN_LEASE_TTL_MS', help: 'with several nodes on one database: life of the sequencer lease without renewal, ms (renewed every third of it); when the sequencing node dies or stalls, another takes over after about this long' },
  { key: 'shutdownGraceMs', flag: '--shutdown-grace-ms', env: 'CAIRN_SHUTDOWN_GRACE_MS', help: 'longest time from SIGTERM/SIGINT to exit, ms: new connections are refused at once, in-flight requests answered with `Connection: close`, idle connections closed, the batch in flight committed; at the end, open connections are cut and the process exits' },
];

/** JSON Schema (draft 2020-12 subset understood by ajv) of a Config, with defaults. keyFile's default is derived. */
export const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    port: { type: 'integer', minimum: 0, maximum: 65535, default: 3000 },
    host: { type: 'string', minLength: 1, default: '127.0.0.1' },
    dataDir: { type: 'string', minLength: 1, default: './data' },
    databaseUrl: { type: 'string', pattern: '^postgres(ql)?://' },
    publicUrl: { type: 'string', pattern: '^https?://[^\\s/+]+(/[^\\s+]*)?$', default: 'http://localhost:3000' },
    keyFile: { type: 'string', minLength: 1 },
    noteKeyFile: { type: 'string', minLength: 1 },
    nextKeyFile: { type: 'string', minLength: 1 },
    batchMaxSize: { type: 'integer', minimum: 1, maximum: 100000, default: 1024 },
    batchMaxAgeMs: { type: 'integer', minimum: 0, maximum: 60000, default: 2 },
    poolMaxSize: { type: 'integer', minimum: 1, maximum: 10000000, default: 20000 },
    maxRequestBytes: { type: 'integer', minimum: 1024, maximum: 67108864, default: 262144 },
    maxEntryBytes: { type: 'integer', minimum: 256, maximum: 65535, default: 65535 },
    maxSearchItems: { type: 'integer', minimum: 1, maximum: 1000, default: 10 },
    maxSearchResults: { type: 'integer', minimum: 1, maximum: 100000, default: 1000 },
    tileCacheMb: { type: 'integer', minimum: 0, maximum: 65536, default: 64 },
    startupCheck: { enum: ['auto', 'full', 'fast'], default: 'auto' },
    auditRate: { type: 'integer', minimum: 0, maximum: 10000000, default: 1000 },
    verifyWorkers: { type: 'integer', minimum: 0, maximum: 64, default: 1 },
    logLevel: { enum: ['debug', 'info', 'warn', 'error', 'silent'], default: 'info' },
    witnesses: {
      type: 'array',
      maxItems: 32,
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['url', 'vkey'],
        properties: { url: { type: 'string', pattern: '^https?://[^\\s]+$' }, vkey: VKEY_SCHEMA },
      },
    },
    witnessTimeoutMs: { type: 'integer', minimum: 100, maximum: 600000, default: 10000 },
    witnessIntervalMs: { type: 'integer', minimum: 0, maximum: 3600000, default: 1000 },
    witnessBackoffMs: { type: 'integer', minimum: 1, maximum: 3600000, default: 1000 },
    witnessBackoffMaxMs: { type: 'integer', minimum: 1, maximum: 86400000, default: 60000 },
    tokensFile: { type: 'string', minLength: 1 },
    readAuth: { type: 'boolean', default: false },
    adminTotpSecretFile: { type: 'string', minLength: 1 },
    rateLimit: { type: 'number', minimum: 0, maximum: 1000000, default: 0 },
    rateLimitBurst: { type: 'integer', minimum: 1, maximum: 1000000, default: 100 },
    trustProxy: { type: 'integer', minimum: 0, maximum: 10, default: 0 },
    metricsPort: { type: 'integer', minimum: 0, maximum: 65535 },
    metricsHost: { type: 'string', minLength: 1, default: '127.0.0.1' },
    corsOrigins: { type: 'string', pattern: '^(\\*|https?://[^\\s,/]+(,https?://[^\\s,/]+)*)?$', default: '*' },
    headersTimeoutMs: { type: 'integer', minimum: 100, maximum: 3600000, default: 20000 },
    requestTimeoutMs: { type: 'integer', minimum: 0, maximum: 3600000, default: 60000 },
    keepAliveTimeoutMs: { type: 'integer', minimum: 100, maximum: 3600000, default: 5000 },
    maxRequestsPerSocket: { type: 'integer', minimum: 0, maximum: 10000000, default: 1000 },
    maxConnections: { type: 'integer', minimum: 0, maximum: 1000000, default: 10000 },
    shutdownGraceMs: { type: 'integer', minimum: 100, maximum: 3600000, default: 10000 },
    nodeUrl: { type: 'string', pattern: '^https?://[^\\s/]+/?$' },
    leaseTtlMs: { type: 'integer', minimum: 300, maximum: 600000, default: 5000 },
    databaseWaitMs: { type: 'integer', minimum: 0, maximum: 3600000, default: 60000 },
  },
} as const;

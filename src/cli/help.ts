/**
 * What `cairn help`, `cairn --version` and the `--help` of the commands main.ts
 * runs itself (serve, vkey, check-key, token, witness, monitor) print. Every
 * line fits an 80-column terminal; the other commands keep their usage text
 * beside their flags (sign.ts, verify.ts, …) under the same rule.
 */
import { readFileSync } from 'node:fs';
import { logSettingsHelp, monitorSettingsHelp, witnessSettingsHelp, wrap } from '../config/index.js';

/** Every command, with a one-line summary, in the order `cairn help` lists them. */
export const COMMANDS: readonly { readonly name: string; readonly summary: string }[] = [
  { name: 'serve', summary: 'run the log (the default command)' },
  { name: 'vkey', summary: "print the log's C2SP verifier key" },
  { name: 'keygen', summary: 'create a log or note key (--signing: an image-signing key)' },
  { name: 'check-key', summary: 'check that the log key file can be read' },
  { name: 'token', summary: 'create a bearer token for --tokens-file' },
  { name: 'admin', summary: 'admin operations (rotate, reload-tokens); audit-log' },
  { name: 'totp-secret', summary: 'create the one-time-code secret of admin operations' },
  { name: 'trust-root', summary: 'print a log as a sigstore TrustedRoot' },
  { name: 'signing-config', summary: 'print a log as a sigstore SigningConfig (v1, v2)' },
  { name: 'witness', summary: 'run a tlog-witness cosigner for configured logs' },
  { name: 'monitor', summary: 'follow a log: verify checkpoints, tiles and keys' },
  { name: 'backup', summary: "copy the log's database while it serves" },
  { name: 'restore', summary: 'restore a backup into an empty data dir' },
  { name: 'check', summary: 'prove a data dir or backup: root = signed checkpoint' },
  { name: 'migrate', summary: "copy a data dir's logs into PostgreSQL, proved" },
  { name: 'healthcheck', summary: 'GET /healthz of the configured server' },
  { name: 'sign', summary: 'sign an image, log the signature, attach it' },
  { name: 'attest', summary: 'attest to an image (in-toto), log it, attach it' },
  { name: 'verify', summary: "verify an image's signatures" },
  { name: 'verify-attestation', summary: "verify an image's attestations" },
  { name: 'admit', summary: 'the Kubernetes admission webhook' },
  { name: 'policy', summary: 'policy check: admission verdicts for manifests' },
  { name: 'help', summary: 'this list; help COMMAND: that command\'s flags' },
];

const EXIT_LINE =
  'Exit status: 0 done, 1 failed (not verified, refused), 2 bad usage or configuration, 3 registry/log/token unreachable, 4 no log in the data dir, 5 data dir in use by another server (README: "Exit status").';

/** `cairn help`: the commands, one per line. */
export function commandList(): string {
  const rows = COMMANDS.map((c) => `  ${c.name.padEnd(20)}${c.summary}`);
  return [
    'usage: cairn <command> [flags]',
    '       cairn <command> --help   (its flags)',
    '       cairn --version',
    '',
    'Commands:',
    ...rows,
    '',
    wrap(EXIT_LINE),
    '',
  ].join('\n');
}

const LOG_SETTINGS_NOTE = 'Settings (a flag overrides its environment variable, which overrides the JSON file named by --config FILE or CAIRN_CONFIG):';

/** The `--help` of the commands main.ts runs itself; undefined for the others (they answer --help themselves). */
export function commandHelp(command: string): string | undefined {
  switch (command) {
    case 'serve':
      return `usage: cairn serve [flags]\n\n${wrap('Runs the log: creates the data dir, the database and the keys on first start. The port opens at once; GET /readyz answers 503 "checking" during the start-up check, then 200 while writes are taken. One server per data dir (exit 5 if another holds <data-dir>/cairn.lock).')}\n\n${wrap(LOG_SETTINGS_NOTE)}\n\n${logSettingsHelp()}\n`;
    case 'vkey':
      return `usage: cairn vkey [--data-dir DIR] [--public-url URL] [flags]\n\n${wrap(
        "Prints the log's C2SP verifier key (the note key's). Reads an existing log: a data dir without one is refused (exit 4) and nothing is created. It takes the settings of cairn serve (see cairn serve --help); those that name the log are --data-dir, --key-file, --note-key-file and --public-url.",
      )}\n`;
    case 'check-key':
      return `usage: cairn check-key [--key-file FILE | --data-dir DIR]\n\n${wrap(
        'Checks that the log key file (default <data-dir>/log-key.pem) can be read and says its type. Creates nothing. A pkcs11: key is checked when the server opens it. Takes the settings of cairn serve (cairn serve --help).',
      )}\n`;
    case 'token':
      return `usage: cairn token --name NAME [--roles submit,admin]\n\n${wrap(
        'Creates a random bearer token, prints it once, and prints the entry to add to the tokens file (--tokens-file of cairn serve). Roles: submit (POST entries), admin (/metrics and admin operations under /api/v1/admin/); default submit. The server loads a changed tokens file on SIGHUP or POST /api/v1/admin/tokens/reload (cairn admin reload-tokens).',
      )}\n`;
    case 'witness':
      return `usage: cairn witness [flags]\n\n${wrap(LOG_SETTINGS_NOTE.replace('CAIRN_CONFIG', 'CAIRN_WITNESS_CONFIG'))}\n\n${witnessSettingsHelp()}\n`;
    case 'monitor':
      return `usage: cairn monitor --log-url URL --vkey VKEY [--once|--follow] [flags]\n\n${wrap(LOG_SETTINGS_NOTE.replace('CAIRN_CONFIG', 'CAIRN_MONITOR_CONFIG'))}\n\n${monitorSettingsHelp()}\n`;
    case 'backup':
      return `usage: cairn backup --to FILE [--data-dir DIR] [--json]\n\n${wrap(
        "Copies the log's databases, consistently, while cairn serve keeps serving and writing (one read transaction each, SQLite VACUUM INTO; the server is never blocked): <data-dir>/cairn.db to FILE, and rekor-v2.db and admin-log.db, when present, to FILE.rekor-v2.db and FILE.admin-log.db. No target may exist. The keys are not in the copy: back them up separately. Exit 4 without a log in the data dir.",
      )}\n`;
    case 'restore':
      return `usage: cairn restore --from FILE --data-dir DIR [--key-file FILE] [--json]\n\n${wrap(
        'Copies a backup (FILE and its FILE.rekor-v2.db, FILE.admin-log.db) into DIR, which must be empty or absent (a restore never replaces a log), then proves each database as cairn check does; a copy that does not prove out is removed again (exit 1). Put the key files in DIR before cairn serve.',
      )}\n`;
    case 'check':
      return `usage: cairn check [--data-dir DIR | --file FILE] [--key-file FILE] [--json]\n\n${wrap(
        "Proves each log database of a data dir (or a backup FILE and its siblings): SQLite's quick_check, every entry, tile and stored checkpoint root rehashed, the root equal to the latest checkpoint's, signed by the note key the log pinned (and by the log key when it can be read: an Ed25519 log's, or --key-file's). Reads only; safe while the server runs. Exit 0 proved, 1 it does not prove out (what and where), 4 no log.",
      )}\n`;
    case 'migrate':
      return `usage: cairn migrate --from DIR --to URL [--chunk-entries N] [--json]\n\n${wrap(
        "Copies every log of a data dir (DIR/cairn.db, and DIR/rekor-v2.db and DIR/admin-log.db when present) into a PostgreSQL database (URL, default CAIRN_DATABASE_URL; Cairn's migrations are applied), each into the schema cairn serve --database-url opens it from (the v1 log in the URL's own, the Rekor v2 tree in cairn_rekor_v2, the admin log in cairn_admin_log), and proves each copy: the same meta, signed checkpoints byte for byte with their cosignatures, entries and search keys, every checkpoint's root recomputed from the copy's leaf hashes and every tile checked. Each log is read through one snapshot, so a server may keep serving them; the copies are then proved but left unfinished (exit 5) until a run with the server stopped copies the rest and finishes them. Transactions end at each log's published checkpoints (at most --chunk-entries entries each when its checkpoints allow, default 16384): a failed or killed run is resumed by running it again. A rotated or frozen log is copied whole: every tree, each proved against its own key. A finished copy of the same log is proved again; a log absent from DIR is skipped and named. Exit 0 migrated, 1 a copy does not prove out, 2 bad usage or a target schema that holds another log, 3 PostgreSQL unreachable, 4 no log in DIR, 5 not finished (a server runs on DIR).",
      )}\n`;
    case 'healthcheck':
      return `usage: cairn healthcheck [--witness] [settings]\n\n${wrap(
        "GET /healthz of the server its settings describe (cairn serve's, or with --witness cairn witness's: the same flags, environment and --config file, so the check follows the configured port). Exit 0 healthy (200), 1 any other answer, 3 no answer.",
      )}\n`;
    default:
      return undefined;
  }
}

/** The version in the package.json beside the installed files (dist/src/cli/ → the package root). */
export function version(): string {
  const pkg = packageJson();
  return `${pkg.name ?? 'cairn'} ${pkg.version ?? 'unknown'}`;
}

/** The version field of that package.json (`cairn_build_info`). */
export function packageVersion(): string {
  return packageJson().version ?? 'unknown';
}

function packageJson(): { name?: string; version?: string } {
  return JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { name?: string; version?: string };
}

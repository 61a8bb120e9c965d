/**
 * `cairn admin <op> --url URL [--otp CODE]`: the client of a log's admin
 * operations (src/http/admin.ts) and of its admin audit log. The bearer token
 * is read from the environment variable CAIRN_TOKEN (never from a flag, so it
 * stays out of shell history and process lists); `--otp CODE` is the current
 * one-time code when the server requires one (`X-Cairn-OTP`).
 *
 *   rotate          POST /api/v1/admin/rotate          freeze the tree, start a new shard
 *   freeze          POST /api/v1/admin/freeze          freeze the tree (no new shard)
 *   reload-tokens   POST /api/v1/admin/tokens/reload   re-read the server's tokens file
 *   reload-witnesses POST /api/v1/admin/witnesses/reload  re-read its settings' witnesses
 *   audit-log       GET  /api/v1/admin-log/...         fetch and verify the admin audit log, print its records
 *
 * `audit-log` verifies before it prints: the checkpoint's signature with the
 * note key's vkey (`--vkey VKEY`, else the one the log serves at
 * /api/v1/log/vkey, which only proves the log is self-consistent), its origin
 * (`<host>/admin - <treeID>`), the tree recomputed from the hash tiles
 * and every record of the entry bundles hashed to its leaf in them (the
 * monitor's catch-up from the empty tree, src/monitor, reading through the
 * client library).
 *
 * Exit status (exit-codes.ts): 0 done (the answer or the verified records
 * printed); 1 the server refused (its status and error code printed: 401,
 * 403, 404 for an operation this server does not offer, …) or the audit log
 * does not verify; 2 bad usage; 3 the server could not be reached.
 */
import { parseArgs } from 'node:util';
import { LogError, describeError } from '../errors.js';
import { EMPTY_ROOT } from '../merkle/index.js';
import { RekorClient, parseVerifierKey } from '../client/index.js';
import { monitorStep } from '../monitor/index.js';
import { EXIT, UsageError, exitStatusOf } from './exit-codes.js';
import { fetchText } from './fetch-document.js';

const OPERATIONS: Readonly<Record<string, string>> = {
  rotate: '/api/v1/admin/rotate',
  freeze: '/api/v1/admin/freeze',
  'reload-tokens': '/api/v1/admin/tokens/reload',
  'reload-witnesses': '/api/v1/admin/witnesses/reload',
};

export const ADMIN_USAGE = 'usage: cairn admin OPERATION --url URL [--otp CODE] [flags]\n  (OPERATION: rotate, freeze, reload-tokens, reload-witnesses, audit-log)';

export function adminHelp(): string {
  return (
    `${ADMIN_USAGE}\n\n` +
    "Runs a log's admin operations, or checks its admin audit log. The bearer\n" +
    'token (role admin) is read from the environment variable CAIRN_TOKEN.\n\n' +
    'Operations:\n' +
    '  rotate          freeze the active tree and start a new shard\n' +
    '                  (POST /api/v1/admin/rotate)\n' +
    '  freeze          freeze the active tree (POST /api/v1/admin/freeze)\n' +
    "  reload-tokens   re-read the server's --tokens-file\n" +
    '                  (POST /api/v1/admin/tokens/reload)\n' +
    "  reload-witnesses re-read the server's settings (its --config file) and\n" +
    '                  replace its witnesses (POST /api/v1/admin/witnesses/reload)\n' +
    '  audit-log       fetch the admin audit log, verify its checkpoint\n' +
    '                  signature, recompute its tree from the tiles and the\n' +
    '                  records, and print the records\n\n' +
    'Flags:\n' +
    '  --url URL       the log (http or https)\n' +
    '  --otp CODE      the current one-time code, when the server runs with\n' +
    '                  --admin-totp-secret-file (sent as X-Cairn-OTP)\n' +
    '  --vkey VKEY     audit-log: the note key to verify with (pin it; default:\n' +
    '                  the one the log serves at /api/v1/log/vkey)\n' +
    '  --json          audit-log: print {origin, size, root, records} as JSON\n' +
    '  --timeout-ms N  per request (default 10000)\n\n' +
    'Exit status: 0 done, 1 refused by the server (status and code printed) or\n' +
    'the audit log does not verify, 2 bad usage, 3 the server is unreachable.\n'
  );
}

interface Flags {
  url: string;
  otp: string | undefined;
  vkey: string | undefined;
  json: boolean;
  timeoutMs: number;
  token: string | undefined;
}

export async function adminMain(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  out: (text: string) => void = (t) => process.stdout.write(t),
  err: (text: string) => void = (t) => process.stderr.write(t),
): Promise<number> {
  let op: string | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: {
        url: { type: 'string' },
        otp: { type: 'string' },
        vkey: { type: 'string' },
        json: { type: 'boolean' },
        'timeout-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    });
    if (values.help === true) {
      out(adminHelp());
      return EXIT.OK;
    }
    op = positionals[0];
    if (op === undefined || positionals.length > 1 || (op !== 'audit-log' && OPERATIONS[op] === undefined)) {
      throw new UsageError(`${op === undefined ? 'an operation is required' : `unknown operation ${JSON.stringify(positionals.join(' '))}`}\n${ADMIN_USAGE}`);
    }
    if (values.url === undefined || !/^https?:\/\/[^\s]+$/.test(values.url)) throw new UsageError(`--url URL (http or https) is required\n${ADMIN_USAGE}`);
    if (values.otp !== undefined && !/^[0-9]{6,8}$/.test(values.otp)) throw new UsageError('--otp must be the 6-digit code of the authenticator app');
    const timeoutMs = values['timeout-ms'] === undefined ? 10_000 : Number(values['timeout-ms']);
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 600_000) throw new UsageError('--timeout-ms must be an integer from 1 to 600000');
    const token = env['CAIRN_TOKEN'] === undefined || env['CAIRN_TOKEN'] === '' ? undefined : env['CAIRN_TOKEN'];
    const flags: Flags = { url: values.url.replace(/\/+$/, ''), otp: values.otp, vkey: values.vkey, json: values.json === true, timeoutMs, token };
    if (op === 'audit-log') {
      out(await auditLog(flags));
      return EXIT.OK;
    }
    if (token === undefined) throw new UsageError(`cairn admin ${op} needs a token with role admin in the environment variable CAIRN_TOKEN`);
    const answer = await operate(flags, op, OPERATIONS[op]!);
    out(answer);
    return EXIT.OK;
  } catch (e) {
    err(`cairn admin${op === undefined ? '' : ` ${op}`}: ${describeError(e)}\n`);
    return exitStatusOf(e);
  }
}

/** POSTs the operation; the answer's JSON (indented) on 2xx; LOG_REJECTED saying the status and code otherwise. */
async function operate(f: Flags, op: string, path: string): Promise<string> {
  const url = `${f.url}${path}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${f.token!}`, ...(f.otp === undefined ? {} : { 'X-Cairn-OTP': f.otp }) },
      body: '{}',
      signal: AbortSignal.timeout(f.timeoutMs),
    });
  } catch (e) {
    throw new LogError('LOG_UNREACHABLE', `couldn't reach ${url}: ${describeError(e)}`);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (res.status >= 200 && res.status < 300) return `${JSON.stringify(body ?? text, null, 2)}\n`;
  const e = body as { error?: unknown; message?: unknown } | undefined;
  const code = typeof e?.error === 'string' ? e.error : `HTTP ${res.status}`;
  const message = typeof e?.message === 'string' ? e.message : text.slice(0, 200);
  const hint =
    res.status === 404 && code === 'NOT_FOUND'
      ? ` (this server does not offer "${op}")`
      : code === 'OTP_REQUIRED'
        ? ' (pass the current code with --otp CODE)'
        : code === 'UNAUTHENTICATED'
          ? ' (check CAIRN_TOKEN)'
          : '';
  if (res.status >= 500 || res.status === 429) throw new LogError('LOG_UNREACHABLE', `the server answered ${res.status} ${code}: ${message}${hint}`);
  throw new LogError('LOG_REJECTED', `the server refused: ${res.status} ${code}: ${message}${hint}`);
}

/**
 * Fetches and verifies the admin audit log (module comment); the records as
 * text lines, or JSON with --json. LOG_RESPONSE_INVALID when it does not verify.
 */
async function auditLog(f: Flags): Promise<string> {
  const vkey = f.vkey ?? (await fetchText(`${f.url}/api/v1/log/vkey`)).trim();
  let verifier;
  try {
    verifier = parseVerifierKey(vkey);
  } catch (e) {
    throw new UsageError(`--vkey: ${describeError(e)}`);
  }
  const client = new RekorClient(`${f.url}/api/v1/admin-log`, { timeoutMs: f.timeoutMs, ...(f.token === undefined ? {} : { token: f.token }) });
  // The monitor's catch-up from the empty tree: the checkpoint, the tree recomputed from the tiles, every record's bundle entry hashed to its leaf.
  const bodies: Uint8Array[] = [];
  let outcome;
  try {
    outcome = await monitorStep(
      { size: 0, root: EMPTY_ROOT, note: '' },
      { client, trust: { noteKey: verifier }, minWitnesses: 0, origin: undefined, onEntry: (e) => bodies.push(e.body) },
    );
  } catch (e) {
    // The log could not be read: nothing said about the records yet.
    if (e instanceof LogError && ['LOG_UNREACHABLE', 'LOG_REJECTED'].includes(e.code)) throw new LogError('LOG_UNREACHABLE', describeError(e));
    throw new LogError('LOG_RESPONSE_INVALID', `the admin log does not verify: ${describeError(e)}`, { cause: e });
  }
  const cp = outcome.checkpoint.checkpoint;
  if (!/\/admin - [1-9][0-9]*$/.test(cp.origin)) throw new LogError('LOG_RESPONSE_INVALID', `the checkpoint's origin ${JSON.stringify(cp.origin)} is not an admin log's (<host>/admin - <treeID>)`);
  const records = bodies.map((b, i) => {
    try {
      return JSON.parse(Buffer.from(b).toString('utf8')) as unknown;
    } catch {
      throw new LogError('LOG_RESPONSE_INVALID', `admin log entry ${i} is not JSON`);
    }
  });

  const root = Buffer.from(cp.root).toString('hex');
  if (f.json) return `${JSON.stringify({ origin: cp.origin, size: cp.size, root, records }, null, 2)}\n`;
  const lines = [`admin log ${cp.origin}: ${cp.size} records, root ${root}, verified${f.vkey === undefined ? ' (with the vkey the log serves; pin it with --vkey)' : ''}`];
  records.forEach((r, i) => lines.push(`${i} ${describeRecord(r)}`));
  return `${lines.join('\n')}\n`;
}

/** One record on one line: time, event, status, who, operation, reason, request ID, and the node that relayed it (`via=`) if any. */
function describeRecord(r: unknown): string {
  const x = (r ?? {}) as Record<string, unknown>;
  const time = typeof x['time'] === 'number' ? new Date(x['time']).toISOString() : '?';
  const s = (v: unknown): string => (v === null || v === undefined ? '-' : String(v));
  return `${time} ${s(x['event'])} ${s(x['status'])} who=${s(x['who'])} ${s(x['operation'])} reason=${s(x['reason'])} client=${s(x['client'])} request=${s(x['requestId'])}${x['relayedBy'] === undefined ? '' : ` via=${s(x['relayedBy'])}`}`;
}

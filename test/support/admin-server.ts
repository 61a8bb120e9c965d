/**
 * A real `cairn serve` with admin operations on (a tokens file with an admin
 * token `ops` and a submit token `ci`, and a TOTP secret file), a client for
 * its admin routes, and a reader of its admin audit log (checkpoint and
 * entry bundles, as any tlog-tiles client reads them).
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { base32Encode, tokenSha256Hex, totp } from '../../src/http/index.js';
import { formatTilePath, TILE_WIDTH } from '../../src/merkle/index.js';
import { parseEntryBundle } from '../../src/client/index.js';
import { getBytes, httpRequest, type HttpAnswer } from './http-client.js';
import { startServer, type ServerProcess } from './server-process.js';

export const ADMIN_TOKEN = 'cairn_admin-token-of-the-admin-server';
export const SUBMIT_TOKEN = 'cairn_submit-token-of-the-admin-server';
export const TOTP_SECRET = Buffer.from('an admin secret of 20', 'ascii').subarray(0, 20);

/** Writes the tokens and secret files into `dir` and starts the server on `dir/data`. */
export async function startAdminServer(dir: string, args: readonly string[] = []): Promise<ServerProcess> {
  return startServer(['--data-dir', join(dir, 'data'), ...adminServeArgs(dir), ...args]);
}

/** Writes the tokens and secret files into `dir`; the `cairn serve` flags naming them. */
export function adminServeArgs(dir: string): string[] {
  const tokens = join(dir, 'tokens.json');
  writeFileSync(tokens, JSON.stringify({ tokens: [
    { name: 'ops', sha256: tokenSha256Hex(ADMIN_TOKEN), roles: ['admin'] },
    { name: 'ci', sha256: tokenSha256Hex(SUBMIT_TOKEN), roles: ['submit'] },
  ] }));
  chmodSync(tokens, 0o600);
  const secret = join(dir, 'admin-totp');
  writeFileSync(secret, `${base32Encode(TOTP_SECRET)}\n`, { mode: 0o600 });
  return ['--tokens-file', tokens, '--admin-totp-secret-file', secret];
}

/** The admin code at now + `skewMs`. */
export const adminCode = (skewMs = 0): string => totp(TOTP_SECRET, Date.now() + skewMs);

/** An admin request with the given token and code (each optional). */
export function adminCall(url: string, path: string, o: { token?: string; otp?: string; requestId?: string; method?: string } = {}): Promise<HttpAnswer> {
  return httpRequest(url, o.method ?? 'POST', path, {
    headers: {
      ...(o.token === undefined ? {} : { authorization: `Bearer ${o.token}` }),
      ...(o.otp === undefined ? {} : { 'x-cairn-otp': o.otp }),
      ...(o.requestId === undefined ? {} : { 'x-request-id': o.requestId }),
    },
  });
}

/** The `error` code of a JSON error answer. */
export const errorCode = (a: HttpAnswer): unknown => (JSON.parse(a.body.toString('utf8')) as { error?: unknown }).error;

/** The admin log's checkpoint note and every record in it, in order. */
export async function readAdminLog(url: string): Promise<{ note: string; size: number; records: Array<Record<string, unknown>> }> {
  const base = url;
  const note = (await getBytes(base, '/api/v1/admin-log/checkpoint')).toString('utf8');
  const size = Number(note.split('\n')[1]);
  const records: Array<Record<string, unknown>> = [];
  for (let i = 0; i * TILE_WIDTH < size; i++) {
    const width = Math.min(TILE_WIDTH, size - i * TILE_WIDTH);
    const bundle = await getBytes(base, `/api/v1/admin-log/${formatTilePath('entries', i, width)}`);
    for (const body of parseEntryBundle(bundle, width)) records.push(JSON.parse(Buffer.from(body).toString('utf8')) as Record<string, unknown>);
  }
  return { note, size, records };
}

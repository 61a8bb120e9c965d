/**
 * Bearer tokens for private deployments (see src/http/auth.ts):
 *
 * - the tokens file (`--tokens-file`) is JSON, `{"tokens": [{"name": "ci",
 *   "sha256": "<hex SHA-256 of the token>", "roles": ["submit"]}]}` (a bare
 *   array is accepted too). It holds hashes only, never tokens; it is refused
 *   when group or others may write it (they could add a token).
 * - `cairn token --name NAME [--roles submit,admin]` makes a random token
 *   (`cairn_` + 32 random bytes, base64url), prints it once, and prints the
 *   line to add to the tokens file. The server loads a changed file on
 *   SIGHUP or `POST /api/v1/admin/tokens/reload` (src/cli/signals.ts, serve.ts).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { LogError, describeError } from '../errors.js';
import { tokenSha256Hex, type Role, type TokenRecord } from '../http/index.js';

const ROLES: readonly Role[] = ['submit', 'admin'];
const NAME = /^[A-Za-z0-9._@-]{1,64}$/;

/** Read and check a tokens file. Throws CONFIG_INVALID naming the file and the problem. */
export function readTokensFile(path: string): TokenRecord[] {
  const bad = (why: string): LogError => new LogError('CONFIG_INVALID', `the tokens file ${path} ${why}`);
  let text: string;
  let mode: number;
  try {
    mode = statSync(path).mode;
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new LogError('CONFIG_INVALID', `couldn't read the tokens file ${path}: ${describeError(err)}`);
  }
  if (process.platform !== 'win32' && (mode & 0o022) !== 0) {
    throw bad(`is writable by group or others (mode ${(mode % 0o1000).toString(8)}); run: chmod go-w ${path}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw bad(`is not JSON: ${describeError(err)}`);
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { tokens?: unknown } | null)?.tokens;
  if (!Array.isArray(list)) throw bad('must hold {"tokens": [...]} or a JSON array');
  const names = new Set<string>();
  return list.map((item, i) => {
    const t = item as { name?: unknown; sha256?: unknown; roles?: unknown };
    if (typeof t !== 'object' || t === null) throw bad(`: token ${i} is not an object`);
    if (typeof t.name !== 'string' || !NAME.test(t.name)) throw bad(`: token ${i} needs a "name" of 1-64 letters, digits or ._@-`);
    if (names.has(t.name)) throw bad(`: the name "${t.name}" is used twice`);
    names.add(t.name);
    if (typeof t.sha256 !== 'string' || !/^[0-9a-f]{64}$/i.test(t.sha256)) throw bad(`: token "${t.name}" needs "sha256", 64 hex digits`);
    if (!Array.isArray(t.roles) || t.roles.length === 0 || !t.roles.every((r) => ROLES.includes(r as Role))) {
      throw bad(`: token "${t.name}" needs "roles", a non-empty list of ${ROLES.map((r) => `"${r}"`).join(', ')}`);
    }
    return { name: t.name, sha256: Buffer.from(t.sha256, 'hex'), roles: [...new Set(t.roles as Role[])] };
  });
}

/** A new random token and its tokens-file entry. */
export function newToken(name: string, roles: readonly Role[], random: (n: number) => Buffer = randomBytes): { token: string; entry: { name: string; sha256: string; roles: Role[] } } {
  if (!NAME.test(name)) throw new LogError('CONFIG_INVALID', `token name ${JSON.stringify(name)}: use 1-64 letters, digits or ._@-`);
  if (roles.length === 0 || !roles.every((r) => ROLES.includes(r))) throw new LogError('CONFIG_INVALID', `roles must be among ${ROLES.join(', ')}`);
  const token = `cairn_${random(32).toString('base64url')}`;
  return { token, entry: { name, sha256: tokenSha256Hex(token), roles: [...new Set(roles)] } };
}

/** `cairn token --name NAME [--roles submit,admin]`: prints the token (once) and the line for the tokens file. */
export function tokenMain(argv: readonly string[], out: (text: string) => void = (t) => process.stdout.write(t)): number {
  const value = (flag: string): string | undefined => {
    const i = argv.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
    if (i < 0) return undefined;
    const a = argv[i]!;
    return a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[i + 1];
  };
  const name = value('--name');
  if (name === undefined) throw new LogError('CONFIG_INVALID', 'usage: cairn token --name NAME [--roles submit,admin]');
  const roles = (value('--roles') ?? 'submit').split(',').map((r) => r.trim()).filter((r) => r !== '') as Role[];
  const { token, entry } = newToken(name, roles);
  out(
    `token (give it to the client; it is not stored anywhere and cannot be shown again):\n${token}\n\n` +
      `add this entry to the "tokens" list of the tokens file (--tokens-file), then reload it (kill -HUP <server pid>, or cairn admin reload-tokens):\n${JSON.stringify(entry)}\n`,
  );
  return 0;
}

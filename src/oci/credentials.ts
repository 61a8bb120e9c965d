/**
 * Registry credentials, found the way docker finds them
 * (docker/cli cli/config/configfile): `CAIRN_REGISTRY_USERNAME` and
 * `CAIRN_REGISTRY_PASSWORD` first, then `$DOCKER_CONFIG/config.json` (default
 * `~/.docker/config.json`): `credHelpers[host]`, else `auths[host]`, else
 * `credsStore`. Helpers are run as docker runs them:
 * `docker-credential-<name> get` with the server name on stdin, answering
 * `{"Username","Secret"}` (docker-credential-helpers client/client.go).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LogError, describeError } from '../errors.js';
import { DOCKER_HUB } from './reference.js';

/** What a registry (or its token service) is shown. */
export interface Credentials {
  readonly username?: string;
  readonly password?: string;
  /** An OAuth2 refresh token (docker config `identitytoken`), exchanged at the token realm. */
  readonly identityToken?: string;
  /** A bearer token sent as is (docker config `registrytoken`). */
  readonly registryToken?: string;
}

/** Credentials for a registry host (`host[:port]`, `docker.io` for Docker Hub), or undefined for none. */
export type CredentialSource = (registry: string) => Credentials | undefined;

type Env = Readonly<Record<string, string | undefined>>;

/** A source that calls {@link loadCredentials} with `env` once per registry and remembers the answer. */
export function environmentCredentials(env: Env): CredentialSource {
  const seen = new Map<string, Credentials | undefined>();
  return (registry) => {
    if (!seen.has(registry)) seen.set(registry, loadCredentials(env, registry));
    return seen.get(registry);
  };
}

/**
 * Credentials for `registry`. `CAIRN_REGISTRY_USERNAME`/`_PASSWORD` apply to
 * every registry Cairn talks to in that run. Throws CONFIG_INVALID for an
 * unreadable or malformed config file, or a helper that fails for another
 * reason than "no credentials".
 */
export function loadCredentials(env: Env, registry: string): Credentials | undefined {
  const user = env['CAIRN_REGISTRY_USERNAME'];
  const pass = env['CAIRN_REGISTRY_PASSWORD'];
  if (user !== undefined && user !== '') return { username: user, password: pass ?? '' };
  const dir = env['DOCKER_CONFIG'] ?? (env['HOME'] === undefined ? undefined : join(env['HOME'], '.docker'));
  if (dir === undefined) return undefined;
  const config = readDockerConfig(join(dir, 'config.json'));
  if (config === undefined) return undefined;
  const keys = registry === DOCKER_HUB ? ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'] : [registry];
  const server = keys[0] ?? registry;
  const helper = findByHost(config.credHelpers, keys);
  if (typeof helper === 'string') return runHelper(helper, server, env);
  const entry = findByHost(config.auths, keys);
  if (entry !== undefined) {
    const fromEntry = authEntry(entry, registry);
    if (fromEntry !== undefined) return fromEntry;
  }
  if (typeof config.credsStore === 'string' && config.credsStore !== '') return runHelper(config.credsStore, server, env);
  return undefined;
}

interface DockerConfig {
  auths?: Record<string, unknown>;
  credHelpers?: Record<string, unknown>;
  credsStore?: unknown;
}

function readDockerConfig(path: string): DockerConfig | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return undefined;
    throw new LogError('CONFIG_INVALID', `couldn't read ${path}: ${describeError(err)}`, { cause: err });
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as DockerConfig;
  } catch (err) {
    throw new LogError('CONFIG_INVALID', `couldn't parse ${path}: ${describeError(err)}`, { cause: err });
  }
}

/** docker matches `auths` keys after dropping the scheme and path: `https://host:5000/v1/` is `host:5000`. */
function findByHost(map: Record<string, unknown> | undefined, keys: readonly string[]): unknown {
  if (typeof map !== 'object' || map === null) return undefined;
  for (const key of keys) if (key in map) return map[key];
  const wanted = new Set(keys.map(hostOf));
  for (const [key, value] of Object.entries(map)) if (wanted.has(hostOf(key))) return value;
  return undefined;
}

function hostOf(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '').toLowerCase();
}

function authEntry(entry: unknown, registry: string): Credentials | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const e = entry as Record<string, unknown>;
  const identityToken = typeof e['identitytoken'] === 'string' && e['identitytoken'] !== '' ? e['identitytoken'] : undefined;
  const registryToken = typeof e['registrytoken'] === 'string' && e['registrytoken'] !== '' ? e['registrytoken'] : undefined;
  let username = typeof e['username'] === 'string' ? e['username'] : undefined;
  let password = typeof e['password'] === 'string' ? e['password'] : undefined;
  if (typeof e['auth'] === 'string' && e['auth'] !== '') {
    const decoded = Buffer.from(e['auth'], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new LogError('CONFIG_INVALID', `couldn't use the docker config entry for ${registry}: "auth" is not base64 of user:password`);
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
  }
  if (username === undefined && identityToken === undefined && registryToken === undefined) return undefined;
  return {
    ...(username === undefined ? {} : { username, password: password ?? '' }),
    ...(identityToken === undefined ? {} : { identityToken }),
    ...(registryToken === undefined ? {} : { registryToken }),
  };
}

/** Runs `docker-credential-<name> get`; "credentials not found" is no credentials, anything else an error. */
function runHelper(name: string, server: string, env: Env): Credentials | undefined {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new LogError('CONFIG_INVALID', `couldn't use credential helper "${name}": not a plain helper name`);
  const program = `docker-credential-${name}`;
  let out: string;
  try {
    out = execFileSync(program, ['get'], { input: server, encoding: 'utf8', timeout: 30_000, env: { ...env }, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 1 << 20 });
  } catch (err) {
    const e = err as { code?: string; stdout?: string; stderr?: string };
    if (`${e.stdout ?? ''}${e.stderr ?? ''}`.toLowerCase().includes('credentials not found')) return undefined;
    const why = e.code === 'ENOENT' ? `${program} is not on PATH` : `${(e.stderr ?? e.stdout ?? '').trim() || describeError(err)}`;
    throw new LogError('CONFIG_INVALID', `couldn't get credentials for ${server} from ${program}: ${why}`, { cause: err });
  }
  let parsed: { Username?: unknown; Secret?: unknown };
  try {
    parsed = JSON.parse(out) as { Username?: unknown; Secret?: unknown };
  } catch (err) {
    throw new LogError('CONFIG_INVALID', `couldn't parse what ${program} answered for ${server}`, { cause: err });
  }
  if (typeof parsed.Secret !== 'string' || typeof parsed.Username !== 'string') return undefined;
  // docker-credential-helpers: the user name "<token>" marks an identity token.
  if (parsed.Username === '<token>') return { identityToken: parsed.Secret };
  return { username: parsed.Username, password: parsed.Secret };
}

/**
 * What the image-signing commands share: the registry and log flags, the
 * registry client and log client they build from them, progress lines on
 * stderr, reading a signing key with the passphrase from CAIRN_KEY_PASSWORD,
 * and the `--output` choice.
 */
import type { ParseArgsConfig } from 'node:util';
import { RekorClient } from '../client/index.js';
import { openSigningKey, type SigningKey } from '../keys/index.js';
import { RegistryClient, environmentCredentials, parseImageReference, type ImageReference } from '../oci/index.js';
import { UsageError } from './exit-codes.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Flags every image command takes. */
export const REGISTRY_OPTIONS = {
  'registry-ca': { type: 'string' },
  'insecure-registry': { type: 'boolean', default: false },
  output: { type: 'string', default: 'text' },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies Options;

/** Flags of the commands that talk to a log. */
export const LOG_OPTIONS = {
  'log-url': { type: 'string' },
  'log-timeout-ms': { type: 'string', default: '30000' },
} as const satisfies Options;

export type Env = Readonly<Record<string, string | undefined>>;

/** Where a command writes: results on `out` (stdout), progress and reasons on `err` (stderr). */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Env;
}

export const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
};

/** `--output text|json`. */
export function outputMode(value: unknown): 'text' | 'json' {
  if (value === 'text' || value === 'json') return value;
  throw new UsageError(`--output must be text or json, not ${JSON.stringify(value)}`);
}

/** The one IMAGE positional argument, parsed. */
export function imageArgument(positionals: readonly string[], usage: string): ImageReference {
  if (positionals.length !== 1) throw new UsageError(`expected one IMAGE argument\n${usage}`);
  return parseImageReference(positionals[0] ?? '');
}

/** A required string flag. */
export function required(values: Record<string, unknown>, name: string, usage: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required\n${usage}`);
  return v;
}

/** A non-negative integer flag. */
export function intFlag(values: Record<string, unknown>, name: string): number {
  const text = String(values[name]);
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) throw new UsageError(`--${name} must be a non-negative integer, not ${JSON.stringify(text)}`);
  return n;
}

/** The registry client of a command: HTTPS (or HTTP with --insecure-registry), credentials from the environment and docker config. */
export function registryClient(values: Record<string, unknown>, io: Io): RegistryClient {
  const caFile = values['registry-ca'];
  return new RegistryClient({
    insecure: values['insecure-registry'] === true,
    caFile: typeof caFile === 'string' ? caFile : undefined,
    credentials: environmentCredentials(io.env),
    onProgress: (msg) => io.err(`cairn: ${msg}\n`),
  });
}

/** The log client for --log-url (bearer token from CAIRN_LOG_TOKEN when set). */
export function logClient(url: string, values: Record<string, unknown>, io: Io): RekorClient {
  const token = io.env['CAIRN_LOG_TOKEN'];
  return new RekorClient(url, {
    timeoutMs: intFlag(values, 'log-timeout-ms'),
    userAgent: 'cairn',
    ...(token === undefined || token === '' ? {} : { token }),
  });
}

/** Opens the signing key `--key` (a file, with CAIRN_KEY_PASSWORD as its passphrase, or a pkcs11: URI). */
export function openKey(ref: string, io: Io): Promise<SigningKey> {
  const passphrase = io.env['CAIRN_KEY_PASSWORD'];
  return openSigningKey(ref, passphrase === undefined ? {} : { passphrase });
}

/** `k=v` pairs of a repeatable flag. */
export function keyValues(items: readonly string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--${flag} takes key=value, not ${JSON.stringify(item)}`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

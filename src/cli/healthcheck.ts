/**
 * `cairn healthcheck [--witness] [settings]`: GET /healthz of the server the
 * settings describe, for container health checks. The port and host come
 * from the same settings the server reads (flags, environment, --config
 * file): `cairn serve`'s, or with `--witness` those of `cairn witness`, so
 * the check follows a changed port. A server bound to every interface
 * (0.0.0.0, ::) is asked on loopback.
 *
 * Exit status (the table in exit-codes.ts): 0 healthy (200); 1 the server
 * answered otherwise; 2 bad settings; 3 no answer.
 */
import { loadConfig, loadWitnessConfig } from '../config/index.js';
import { describeError } from '../errors.js';
import { EXIT } from './exit-codes.js';

/** Longest wait for the answer, ms. */
const TIMEOUT_MS = 3000;

export async function healthcheckMain(argv: readonly string[], err: (text: string) => void = (t) => process.stderr.write(t)): Promise<number> {
  const witness = argv.includes('--witness');
  const rest = argv.filter((a) => a !== '--witness');
  const { host, port } = witness ? loadWitnessConfig({ argv: rest, env: process.env }) : loadConfig({ argv: rest, env: process.env });
  const url = `http://${formatHost(host)}:${port}/healthz`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    const body = await res.text();
    if (res.status === 200) return EXIT.OK;
    err(`cairn healthcheck: ${url} answered ${res.status}: ${body.slice(0, 500)}\n`);
    return EXIT.FAILED;
  } catch (e) {
    err(`cairn healthcheck: no answer from ${url}: ${describeError(e)}\n`);
    return EXIT.UNREACHABLE;
  }
}

function formatHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * `cairn trust-root --url URL [--out FILE]`: the log at URL as a sigstore
 * TrustedRoot (GET /api/v1/log/trusted-root), checked against the log key it
 * serves (GET /api/v1/log/publicKey: same key, logID = SHA-256 of it), printed
 * (or written to FILE) for sigstore-js, cosign or sigstore-go to trust.
 *
 * Trust is decided by whoever runs this: fetch it over a channel you trust,
 * or compare the key with one obtained out of band.
 *
 * Exit status (the table in exit-codes.ts): 0 printed; 1 the log answered
 * something that is not a trusted root for its own key; 2 bad usage; 3 the
 * log could not be reached.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { LogError, describeError } from '../errors.js';
import type { TrustedRootJson } from '../log/index.js';
import { EXIT, UsageError, exitStatusOf } from './exit-codes.js';

const USAGE = 'usage: cairn trust-root --url URL [--out FILE]';

export async function trustRootMain(
  argv: readonly string[],
  out: (text: string) => void = (t) => process.stdout.write(t),
  err: (text: string) => void = (t) => process.stderr.write(t),
): Promise<number> {
  try {
    const { values } = parseArgs({ args: [...argv], options: { url: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true });
    if (values.help === true) {
      out(`${USAGE}\n`);
      return EXIT.OK;
    }
    if (values.url === undefined || !/^https?:\/\//.test(values.url)) throw new UsageError(`--url URL (http or https) is required\n${USAGE}`);
    const base = values.url.replace(/\/+$/, '');
    const root = parseRoot(await fetchText(`${base}/api/v1/log/trusted-root`));
    checkRoot(root, await fetchText(`${base}/api/v1/log/publicKey`));
    const text = `${JSON.stringify(root, null, 2)}\n`;
    if (values.out === undefined) out(text);
    else writeFileSync(values.out, text);
    return EXIT.OK;
  } catch (e) {
    err(`cairn trust-root: ${describeError(e)}\n`);
    return exitStatusOf(e);
  }
}

async function fetchText(url: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    throw new LogError('LOG_UNREACHABLE', `couldn't reach ${url}: ${describeError(e)}`);
  }
  const body = await res.text();
  if (res.status >= 500 || res.status === 429) throw new LogError('LOG_UNREACHABLE', `${url} answered ${res.status}`);
  if (res.status !== 200) throw new LogError('LOG_REJECTED', `${url} answered ${res.status}: ${body.slice(0, 200)}`);
  return body;
}

function parseRoot(text: string): TrustedRootJson {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    throw new LogError('LOG_RESPONSE_INVALID', `the trusted root is not JSON: ${describeError(e)}`);
  }
  if (typeof root !== 'object' || root === null || !Array.isArray((root as { tlogs?: unknown }).tlogs)) {
    throw new LogError('LOG_RESPONSE_INVALID', 'the trusted root has no tlogs list');
  }
  return root as TrustedRootJson;
}

/** The root must name exactly the key the log serves, with logID = SHA-256 of its DER SPKI. */
function checkRoot(root: TrustedRootJson, publicKeyPem: string): void {
  const tlog = root.tlogs?.[0];
  if (root.tlogs?.length !== 1 || tlog === undefined) throw new LogError('LOG_RESPONSE_INVALID', 'the trusted root does not name exactly one log');
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  if (tlog.publicKey?.rawBytes !== der.toString('base64')) throw new LogError('LOG_RESPONSE_INVALID', "the trusted root's key is not the key the log serves at /api/v1/log/publicKey");
  if (tlog.logId?.keyId !== createHash('sha256').update(der).digest('base64')) throw new LogError('LOG_RESPONSE_INVALID', "the trusted root's logId is not the SHA-256 of the log key");
}

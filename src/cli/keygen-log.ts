/**
 * `cairn keygen [--type ecdsa-p256|ed25519] --out FILE`: a log key (or an
 * Ed25519 note key) made ahead of time, PKCS#8 PEM, mode 0600. The default
 * type is the one a fresh data dir gets on first start: ECDSA P-256 (see
 * docs/ARCHITECTURE.md "Log keys"). Prints the public key, never the private.
 *
 * Exit status: 0 written; 2 bad usage or the file could not be written.
 */
import { createPublicKey } from 'node:crypto';
import { parseArgs } from 'node:util';
import { describeError } from '../errors.js';
import type { LogKeyType } from '../log/index.js';
import { generateKeyFile } from './keyfile.js';

const USAGE = 'usage: cairn keygen [--type ecdsa-p256|ed25519] --out FILE\n       cairn keygen --signing --help   (image-signing keys)';
const TYPES: readonly LogKeyType[] = ['ecdsa-p256', 'ed25519'];

export function keygenLogMain(
  argv: readonly string[],
  out: (text: string) => void = (t) => process.stdout.write(t),
  err: (text: string) => void = (t) => process.stderr.write(t),
): number {
  let values: { type?: string; out?: string; help?: boolean };
  try {
    values = parseArgs({
      args: [...argv],
      options: { type: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    err(`cairn keygen: ${describeError(e)}\n${USAGE}\n`);
    return 2;
  }
  if (values.help === true) {
    out(`${USAGE}\n`);
    return 0;
  }
  const type = (values.type ?? 'ecdsa-p256') as LogKeyType;
  if (!TYPES.includes(type) || values.out === undefined || values.out === '') {
    err(`cairn keygen: ${TYPES.includes(type) ? '--out FILE is required' : `unknown --type ${JSON.stringify(values.type)}`}\n${USAGE}\n`);
    return 2;
  }
  try {
    const key = generateKeyFile(values.out, type);
    const pem = createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
    out(`wrote ${values.out} (mode 0600, ${type})\n${pem}`);
    return 0;
  } catch (e) {
    err(`cairn keygen: ${describeError(e)}\n`);
    return 2;
  }
}

/**
 * `cairn keygen --signing`: signing keys for images (the log key is `cairn keygen --out FILE`).
 *
 *   cairn keygen --signing --out key.pem             ECDSA P-256 pair: key.pem (0600) and key.pub;
 *                                                    CAIRN_KEY_PASSWORD, if set, encrypts key.pem (PKCS#8)
 *   cairn keygen --signing --pkcs11 URI [--out F]    the pair generated inside the token (RFC 7512 URI,
 *                                                    object= names it); --out also writes the public key to F
 *
 * Exit status: 0 written; 2 bad usage or bad input (existing file, bad URI, wrong PIN, …);
 * 3 the key source failed (PKCS#11 module or token error, PKCS#11 support not installed).
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { describeError, isLogError } from '../errors.js';
import { generateKeyInToken, generateSigningKeyFiles, redactPin, writeNewFile } from '../keys/index.js';

const USAGE = 'usage: cairn keygen --signing --out key.pem\n       cairn keygen --signing --pkcs11 URI [--out key.pub]';

/** Runs the command; resolves with the exit status. Output goes to `out`, messages to `err`. */
export async function keygenSigningMain(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  out: (text: string) => void = (t) => process.stdout.write(t),
  err: (text: string) => void = (t) => process.stderr.write(t),
): Promise<number> {
  let values: { signing?: boolean; out?: string; pkcs11?: string; help?: boolean };
  try {
    values = parseArgs({
      args: [...argv],
      options: { signing: { type: 'boolean' }, out: { type: 'string' }, pkcs11: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    err(`cairn keygen: ${describeError(e)}\n${USAGE}\n`);
    return 2;
  }
  if (values.help === true) {
    out(
      `${USAGE}\n\nCAIRN_KEY_PASSWORD encrypts the key file. A PKCS#11 URI looks like\n  pkcs11:token=ci;object=release?module-path=/usr/lib/softhsm/libsofthsm2.so\n    &pin-source=file:/run/pin\n(one string, without the line break)\n`,
    );
    return 0;
  }
  try {
    if (values.pkcs11 !== undefined) return await inToken(values.pkcs11, values.out, out);
    if (values.out === undefined || values.out === '') {
      err(`cairn keygen: --out is required\n${USAGE}\n`);
      return 2;
    }
    const passphrase = env['CAIRN_KEY_PASSWORD'];
    const encrypted = passphrase !== undefined && passphrase !== '';
    const files = generateSigningKeyFiles(values.out, encrypted ? { passphrase } : undefined);
    out(
      `wrote ${files.privatePath} (ECDSA P-256, mode 0600, ${encrypted ? 'encrypted with CAIRN_KEY_PASSWORD' : 'NOT encrypted: set CAIRN_KEY_PASSWORD to encrypt it'})\n` +
        `wrote ${files.publicPath}\n${files.publicKeyPem}`,
    );
    return 0;
  } catch (e) {
    err(`cairn keygen: ${describeError(e)}\n`);
    return isLogError(e, 'KEY_UNAVAILABLE') ? 3 : 2;
  }
}

async function inToken(uri: string, publicOut: string | undefined, out: (text: string) => void): Promise<number> {
  if (publicOut !== undefined && existsSync(publicOut)) throw new Error(`${publicOut} already exists; refusing to overwrite it (nothing was generated)`);
  const { publicKeyPem } = await generateKeyInToken(uri);
  let wrote = '';
  if (publicOut !== undefined && publicOut !== '') {
    writeNewPublicKey(publicOut, publicKeyPem);
    wrote = `wrote ${publicOut}\n`;
  }
  out(`generated an ECDSA P-256 key in the token (the private key cannot leave it); sign with --key '${redactPin(uri)}'\n${wrote}${publicKeyPem}`);
  return 0;
}

/** Writes the public key to a new file (mode 0644, crash-safe: writeNewFile); an existing file is an error (exit 2). */
function writeNewPublicKey(path: string, pem: string): void {
  try {
    writeNewFile(path, pem, 0o644);
  } catch (e) {
    throw new Error(`couldn't write ${path}: ${(e as NodeJS.ErrnoException).code === 'EEXIST' ? 'it already exists (the key was generated in the token; its public key is printed below)' : describeError(e)}`);
  }
}

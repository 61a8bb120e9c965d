/**
 * The TOTP secret of admin operations (`serve --admin-totp-secret-file`):
 *
 * - the file holds the secret as base32 text (RFC 4648 §6, as authenticator
 *   apps show and read it; spaces and `=` padding allowed), at least 128
 *   bits; it is refused when group or others may read or write it (mode
 *   0600 or stricter), since anyone who reads it can make the codes;
 * - `cairn totp-secret --out FILE [--label NAME] [--issuer NAME]` makes a
 *   random 160-bit secret (RFC 4226 §4's recommendation), writes it 0600
 *   (a new file only), and prints the `otpauth://totp/…` URI to enrol it in
 *   an authenticator app (Key Uri Format: SHA1, 6 digits, period 30).
 *
 * Exit status: 0 written; 2 bad usage or the file could not be written.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { LogError, describeError } from '../errors.js';
import { base32Decode, base32Encode, TOTP_DIGITS, TOTP_STEP_SECONDS } from '../http/index.js';
import { writeNewFile } from '../keys/index.js';

/** Bytes of a new secret: 160 bits, RFC 4226 §4 R6's recommendation and HMAC-SHA-1's output size. */
const SECRET_BYTES = 20;

/** The secret's bytes from the file at `path`. Throws CONFIG_INVALID naming the file and the problem. */
export function readTotpSecretFile(path: string): Uint8Array {
  let text: string;
  let mode: number;
  try {
    mode = statSync(path).mode;
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new LogError('CONFIG_INVALID', `couldn't read the TOTP secret file ${path}: ${describeError(err)}`);
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new LogError('CONFIG_INVALID', `the TOTP secret file ${path} may be read or written by group or others (mode ${(mode % 0o1000).toString(8)}); run: chmod 600 ${path}`);
  }
  let secret: Uint8Array;
  try {
    secret = base32Decode(text.trim());
  } catch (err) {
    throw new LogError('CONFIG_INVALID', `the TOTP secret file ${path} does not hold base32 text: ${describeError(err)}`);
  }
  if (secret.length < 16) throw new LogError('CONFIG_INVALID', `the TOTP secret in ${path} has ${secret.length * 8} bits; it needs at least 128 (make one with cairn totp-secret --out FILE)`);
  return secret;
}

/** The Key Uri Format URI an authenticator app enrols from (otpauth://totp/ISSUER:LABEL?secret=…). */
export function otpauthUri(secret: Uint8Array, label: string, issuer: string): string {
  const q = new URLSearchParams({ secret: base32Encode(secret), issuer, algorithm: 'SHA1', digits: String(TOTP_DIGITS), period: String(TOTP_STEP_SECONDS) });
  return `otpauth://totp/${encodeURIComponent(issuer)}:${encodeURIComponent(label)}?${q.toString()}`;
}

export const TOTP_SECRET_USAGE = 'usage: cairn totp-secret --out FILE [--label NAME] [--issuer NAME]';

export function totpSecretHelp(): string {
  return (
    `${TOTP_SECRET_USAGE}\n\n` +
    'Makes a random 160-bit TOTP secret for admin operations, writes it as\n' +
    'base32 to FILE (a new file, mode 0600) for cairn serve\n' +
    '--admin-totp-secret-file, and prints the otpauth:// URI to enrol it in an\n' +
    'authenticator app (SHA-1, 6 digits, 30 s). Admin requests then carry the\n' +
    'current code in the X-Cairn-OTP header (cairn admin --otp CODE).\n\n' +
    '  --out FILE      where to write the secret (must not exist)\n' +
    '  --label NAME    the account name the app shows (default: admin)\n' +
    '  --issuer NAME   the issuer the app shows (default: Cairn)\n\n' +
    'Exit status: 0 written, 2 bad usage or the file could not be written.\n'
  );
}

export function totpSecretMain(
  argv: readonly string[],
  out: (text: string) => void = (t) => process.stdout.write(t),
  err: (text: string) => void = (t) => process.stderr.write(t),
  random: (n: number) => Uint8Array = randomBytes,
): number {
  let values: { out?: string; label?: string; issuer?: string; help?: boolean };
  try {
    values = parseArgs({
      args: [...argv],
      options: { out: { type: 'string' }, label: { type: 'string' }, issuer: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    err(`cairn totp-secret: ${describeError(e)}\n${TOTP_SECRET_USAGE}\n`);
    return 2;
  }
  if (values.help === true) {
    out(totpSecretHelp());
    return 0;
  }
  if (values.out === undefined || values.out === '') {
    err(`cairn totp-secret: --out FILE is required\n${TOTP_SECRET_USAGE}\n`);
    return 2;
  }
  const secret = random(SECRET_BYTES);
  try {
    writeNewFile(values.out, `${base32Encode(secret)}\n`, 0o600);
  } catch (e) {
    err(`cairn totp-secret: couldn't write ${values.out}: ${describeError(e)}\n`);
    return 2;
  }
  out(
    `wrote ${values.out} (mode 0600); start the server with --admin-totp-secret-file ${values.out}\n` +
      `enrol this URI in an authenticator app (as a QR code or by hand), then keep it secret:\n` +
      `${otpauthUri(secret, values.label ?? 'admin', values.issuer ?? 'Cairn')}\n`,
  );
  return 0;
}

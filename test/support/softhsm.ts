/**
 * SoftHSM2 tokens for tests: each in its own temp directory (its own
 * softhsm2.conf with `directories.tokendir`), initialized with
 * `softhsm2-util --init-token`. SoftHSM reads SOFTHSM2_CONF when a process
 * C_Initialize-s it, so in-process users call `use()` first; child processes
 * get `env`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCommand } from './parts.js';

/** Where distributions install the SoftHSM2 PKCS#11 module. */
const MODULE_CANDIDATES = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib64/pkcs11/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
];

/** The SoftHSM2 module's path, or undefined when it is not installed. */
export const SOFTHSM_MODULE: string | undefined = MODULE_CANDIDATES.find((p) => existsSync(p));

/** True when softhsm2-util and the module are installed (for requirePartOrSkip(this, 'HSM', …)). */
export function softhsmAvailable(): boolean {
  return SOFTHSM_MODULE !== undefined && hasCommand('softhsm2-util');
}

export interface SoftToken {
  readonly dir: string;
  readonly label: string;
  readonly pin: string;
  readonly soPin: string;
  /** A file holding the user PIN (for pin-source). */
  readonly pinFile: string;
  readonly modulePath: string;
  /** Environment for child processes that use the token. */
  readonly env: { SOFTHSM2_CONF: string };
  /** `pkcs11:token=<label>;object=<object>?module-path=…&pin-source=file:<pinFile>`, plus `extraPath` (";…") attributes. */
  uri(object: string, extraPath?: string): string;
  /** Points this process's SOFTHSM2_CONF at the token (before opening keys in-process). */
  use(): void;
  /** Runs pkcs11-tool (OpenSC) against the token, logged in; returns stdout. */
  pkcs11Tool(args: string[]): string;
  /** Deletes the token directory. */
  remove(): void;
}

/** Creates and initializes a fresh token labelled `label` in a new temp directory. */
export function createSoftToken(label = 'ci', pin = '1234-user', soPin = '5678-so'): SoftToken {
  const modulePath = SOFTHSM_MODULE;
  if (modulePath === undefined) throw new Error('SoftHSM2 is not installed (apt-get install softhsm2)');
  const dir = mkdtempSync(join(tmpdir(), 'cairn-softhsm-'));
  mkdirSync(join(dir, 'tokens'));
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  const pinFile = join(dir, 'pin.txt');
  writeFileSync(pinFile, `${pin}\n`, { mode: 0o600 });
  const env = { SOFTHSM2_CONF: conf };
  execFileSync('softhsm2-util', ['--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', soPin], {
    env: { ...process.env, ...env },
    stdio: 'pipe',
  });
  return {
    dir,
    label,
    pin,
    soPin,
    pinFile,
    modulePath,
    env,
    uri: (object, extraPath = '') => `pkcs11:token=${encodeURIComponent(label)};object=${encodeURIComponent(object)}${extraPath}?module-path=${modulePath}&pin-source=file:${pinFile}`,
    use: () => {
      process.env['SOFTHSM2_CONF'] = conf;
    },
    pkcs11Tool: (args) =>
      execFileSync('pkcs11-tool', ['--module', modulePath, '--token-label', label, '--login', '--pin', pin, ...args], {
        env: { ...process.env, ...env },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

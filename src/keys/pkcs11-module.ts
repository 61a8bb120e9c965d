/**
 * PKCS#11 modules: loading the binding (the `pkcs11js` addon, loaded on first use), finding
 * a module's library file, and sharing one initialized instance per library
 * per process (PKCS#11 v2.40 §5.4: C_Initialize once per application; a second
 * call fails with CKR_CRYPTOKI_ALREADY_INITIALIZED, and C_Finalize ends every
 * session of the application). The only place that touches `pkcs11js`.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join } from 'node:path';
import type * as Pkcs11js from 'pkcs11js';
import { LogError, describeError } from '../errors.js';
import type { Pkcs11Uri } from './types.js';

/** The `pkcs11js` module: the PKCS11 class, error classes and the CK* constants. */
export type Binding = typeof Pkcs11js;
export type Handle = Buffer;

/** An initialized module, shared by every key open on it. */
export interface Module {
  readonly binding: Binding;
  readonly p11: Pkcs11js.PKCS11;
  readonly path: string;
}

let cachedBinding: Binding | undefined;

/** The `pkcs11js` addon; KEY_UNAVAILABLE when it is not installed or does not load. */
export function loadBinding(): Binding {
  if (cachedBinding !== undefined) return cachedBinding;
  try {
    cachedBinding = createRequire(import.meta.url)('pkcs11js') as Binding;
  } catch (err) {
    throw new LogError(
      'KEY_UNAVAILABLE',
      `PKCS#11 support is not installed: the pkcs11js addon does not load (${describeError(err).split('\n')[0] ?? ''}); run npm rebuild pkcs11js with a C++ compiler present`,
    );
  }
  return cachedBinding;
}

/**
 * The library file for the URI's module: `module-path` as given (it wins over
 * `module-name`), or `module-name` resolved as p11-kit does: a registration
 * `<name>.module` in /etc/pkcs11/modules or /usr/share/p11-kit/modules (its
 * `module:` line, relative names in the p11-kit module directory), else a file
 * `<name>`, `lib<name>.so` or `<name>.so` in the module directories and the
 * system library directories. KEY_INVALID when no module is named or found.
 */
export function resolveModulePath(uri: Pkcs11Uri): string {
  if (uri.modulePath !== undefined) {
    if (!existsSync(uri.modulePath)) throw new LogError('KEY_INVALID', `the PKCS#11 module ${uri.modulePath} (module-path) does not exist`);
    return uri.modulePath;
  }
  const name = uri.moduleName;
  if (name === undefined) {
    throw new LogError('KEY_INVALID', 'the PKCS#11 URI names no module: add ?module-path=/path/to/module.so or ?module-name=NAME (SoftHSM2: module-path=/usr/lib/softhsm/libsofthsm2.so)');
  }
  if (name === '' || name.includes('/')) throw new LogError('KEY_INVALID', `module-name "${name}" must be a bare name; give a path as module-path`);
  const found = fromRegistration(name) ?? fromLibraryDirs(name);
  if (found === undefined) {
    throw new LogError('KEY_INVALID', `couldn't find the PKCS#11 module "${name}" (looked for ${name}.module in ${REGISTRATION_DIRS.join(', ')} and lib${name}.so in ${libraryDirs().join(', ')}); give module-path instead`);
  }
  return found;
}

const REGISTRATION_DIRS = ['/etc/pkcs11/modules', '/usr/share/p11-kit/modules'];

function fromRegistration(name: string): string | undefined {
  for (const dir of REGISTRATION_DIRS) {
    let text: string;
    try {
      text = readFileSync(join(dir, `${name}.module`), 'utf8');
    } catch {
      continue;
    }
    const module = /^\s*module:\s*(\S.*?)\s*$/m.exec(text)?.[1];
    if (module === undefined) continue;
    const candidates = isAbsolute(module) ? [module] : libraryDirs().filter((d) => d.endsWith('/pkcs11')).map((d) => join(d, module));
    const hit = candidates.find((p) => existsSync(p));
    if (hit !== undefined) return hit;
  }
  return undefined;
}

function fromLibraryDirs(name: string): string | undefined {
  for (const dir of libraryDirs()) {
    for (const file of [name, `lib${name}.so`, `${name}.so`]) {
      if (existsSync(join(dir, file)) && file.includes('.so')) return join(dir, file);
    }
  }
  return undefined;
}

/** The p11-kit module directories, then the system library directories (multiarch first). */
function libraryDirs(): string[] {
  let multiarch: string[] = [];
  try {
    multiarch = readdirSync('/usr/lib').filter((d) => /-linux-gnu/.test(d)).map((d) => join('/usr/lib', d));
  } catch {
    /* no /usr/lib */
  }
  const libs = [...multiarch, '/usr/lib64', '/usr/lib', '/usr/local/lib'];
  return [...libs.map((d) => join(d, 'pkcs11')), ...libs];
}

const open = new Map<string, { module: Module; refs: number }>();

/**
 * The initialized module at `path`, loading and C_Initialize-ing it on first
 * use; each call MUST be paired with {@link releaseModule}. KEY_INVALID when
 * the file is not a loadable PKCS#11 module.
 */
export function acquireModule(path: string): Module {
  const held = open.get(path);
  if (held !== undefined) {
    held.refs++;
    return held.module;
  }
  const binding = loadBinding();
  const p11 = new binding.PKCS11();
  try {
    p11.load(path);
  } catch (err) {
    throw new LogError('KEY_INVALID', `couldn't load the PKCS#11 module ${path}: ${describeError(err).split('\n')[0] ?? ''}`);
  }
  try {
    // OS locking: signatures run on libuv's thread pool (C_SignAsync).
    p11.C_Initialize({ flags: binding.CKF_OS_LOCKING_OK });
  } catch (err) {
    if (ckr(err) !== 'CKR_CRYPTOKI_ALREADY_INITIALIZED') {
      p11.close();
      throw new LogError('KEY_UNAVAILABLE', `couldn't initialize the PKCS#11 module ${path}: ${describeError(err).split('\n')[0] ?? ''}`);
    }
  }
  const module: Module = { binding, p11, path };
  open.set(path, { module, refs: 1 });
  return module;
}

/** Drops one reference; the last one finalizes and unloads the module. */
export function releaseModule(module: Module): void {
  const held = open.get(module.path);
  if (held === undefined || held.module !== module) return;
  if (--held.refs > 0) return;
  open.delete(module.path);
  try {
    module.p11.C_Finalize();
  } finally {
    module.p11.close();
  }
}

/** The CKR_* name of a pkcs11js error, or undefined for other errors. */
export function ckr(err: unknown): string | undefined {
  const m = /\b(CKR_[A-Z_]+)\b/.exec(err instanceof Error ? err.message : '');
  return m?.[1];
}

/** A handle (native-endian CK_ULONG) as a number, e.g. to compare with `slot-id`. */
export function handleNumber(handle: Handle): number {
  return handle.length >= 8 ? Number(handle.readBigUInt64LE(0)) : handle.readUInt32LE(0);
}
